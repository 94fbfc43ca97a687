import { describe, expect, it } from 'vitest';
import { clip, escapeText } from '../../src/render/escape.js';

describe('escapeText', () => {
  it('shows ANSI escapes and terminal controls as visible text', () => {
    expect(escapeText('a\u001b[31mred\u001b[0m')).toBe('a\\x1b[31mred\\x1b[0m');
    expect(escapeText('bell\u0007 nul\u0000 del\u007f')).toBe('bell\\x07 nul\\x00 del\\x7f');
    expect(escapeText('c1\u009b2J')).toBe('c1\\x9b2J');
  });
  it('marks line ends and tabs', () => {
    expect(escapeText('PORT 1,2,3,4,5,6\r\n')).toBe('PORT 1,2,3,4,5,6<CR><LF>');
    expect(escapeText('a\tb')).toBe('a\\tb');
  });
  it('escapes bidirectional overrides but keeps ordinary Unicode', () => {
    expect(escapeText('file\u202etxt.exe')).toBe('file\\u202etxt.exe');
    expect(escapeText('répertoire/ファイル')).toBe('répertoire/ファイル');
  });
  it('escapes every Unicode format character (category Cf), astral ones as \\u{…}', () => {
    const cf = '\u00ad\u061c\u180e\u200b\u200c\u200d\u200e\u200f\u2060\u2061\u2062\u2063\u2064\ufeff\u{e0041}';
    expect(escapeText(`a${cf}b`)).toBe(
      'a\\xad\\u061c\\u180e\\u200b\\u200c\\u200d\\u200e\\u200f\\u2060\\u2061\\u2062\\u2063\\u2064\\ufeff\\u{e0041}b',
    );
    // Every Cf code point in the BMP and the tag block, one by one.
    for (let cp = 0; cp <= 0xe007f; cp++) {
      const c = String.fromCodePoint(cp);
      if (!/\p{Cf}/u.test(c)) continue;
      expect(escapeText(c)).not.toMatch(/\p{Cf}/u);
    }
  });
  it('keeps ordinary astral characters', () => {
    expect(escapeText('\u{1f600} \u{20000}')).toBe('\u{1f600} \u{20000}');
  });
  it('clips after escaping', () => {
    expect(clip('\u001b'.repeat(3), 6)).toBe('\\x1b\\…');
    expect(clip('short', 10)).toBe('short');
  });
});
