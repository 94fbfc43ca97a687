import { describe, expect, it } from 'vitest';
import { CrlfCounter } from '../../src/analysis/line-ends.js';
import { CrlfToLf } from '../../src/extract/crlf.js';

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
const dec = (parts: Uint8Array[]): string => Buffer.concat(parts).toString('latin1');

/** Feed `chunks` (with `null` = a gap) and collect the output. */
function run(chunks: Array<string | null>): { out: string; converted: number } {
  const c = new CrlfToLf();
  const parts: Uint8Array[] = [];
  for (const x of chunks) parts.push(x === null ? c.flush() : c.push(enc(x)));
  parts.push(c.flush());
  return { out: dec(parts), converted: c.converted };
}

describe('CrlfToLf', () => {
  it.each([
    [['a\r\nb\r\n'], 'a\nb\n', 2],
    [['a\r', '\nb'], 'a\nb', 1],
    [['a\r', '\r\n'], 'a\r\n', 1],
    [['a\r', 'b'], 'a\rb', 0],
    [['a\r'], 'a\r', 0],
    [['\r', '\n', '\r', '\n'], '\n\n', 2],
    [['a\r', null, '\nb'], 'a\r\nb', 0],
    [['\r\r\n\n'], '\r\n\n', 1],
    [['', 'x\r', '', '\ny'], 'x\ny', 1],
  ] as Array<[Array<string | null>, string, number]>)('%j → %j', (chunks, expected, converted) => {
    expect(run(chunks)).toEqual({ out: expected, converted });
  });

  it('gives the same output whatever the chunk boundaries', () => {
    const text = 'one\r\ntwo\r\rthree\n\r\nfour\r';
    const whole = run([text]).out;
    for (let i = 0; i <= text.length; i++) {
      for (let j = i; j <= text.length; j++) expect(run([text.slice(0, i), text.slice(i, j), text.slice(j)]).out).toBe(whole);
    }
    expect(whole).toBe('one\ntwo\r\rthree\n\nfour\r');
  });
});

describe('CrlfCounter', () => {
  it('counts pairs across chunk boundaries but not across a gap', () => {
    const c = new CrlfCounter();
    c.push(enc('a\r'));
    c.push(enc('\nb\r\n\r'));
    c.gap();
    c.push(enc('\n'));
    expect(c.pairs).toBe(2);
  });
});
