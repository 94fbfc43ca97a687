/**
 * The peer-file readers on small inline inputs shaped like the real files (the real files are
 * read by peers.test.ts when ../shared is present).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseYaml, readTsharkTsv, readZeekLog } from './peer-readers.js';

const dir = mkdtempSync(join(tmpdir(), 'ftpcap-peer-readers-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text, 'latin1');
  return path;
}

describe('parseYaml', () => {
  it('reads suricata-verify checks: lists at or inside their key, quoted scalars, comments', () => {
    const doc = parseYaml(
      [
        'requires:',
        '  min-version: 8.0.6',
        'args:',
        '  - -k none --set app-layer.protocols.ftp.memcap=512',
        '',
        'checks:',
        '  # valid PORT',
        '  - filter:',
        '      count: 1',
        '      match:',
        '        src_port: 33112',
        "        ftp.reply_received: 'yes'",
        '        ftp.command_truncated: true',
        '  - shell:',
        '      args: find filestore -type f | xargs | wc -l',
        'more:',
        '- filter:',
        '    count: 0',
        '    match:',
        '      ftp_data.filename: "index.html" # trailing comment',
        '      not-has-key: ftp_data.filename',
      ].join('\n'),
    );
    expect(doc).toEqual({
      requires: { 'min-version': '8.0.6' },
      args: ['-k none --set app-layer.protocols.ftp.memcap=512'],
      checks: [
        { filter: { count: 1, match: { src_port: 33112, 'ftp.reply_received': 'yes', 'ftp.command_truncated': true } } },
        { shell: { args: 'find filestore -type f | xargs | wc -l' } },
      ],
      more: [{ filter: { count: 0, match: { 'ftp_data.filename': 'index.html', 'not-has-key': 'ftp_data.filename' } } }],
    });
  });

  it('throws on a line it cannot place instead of misreading it', () => {
    expect(() => parseYaml('a:\n  b: 1\n c: 2\n')).toThrow(/line 3/);
    expect(() => parseYaml('a: 1\njust text\n')).toThrow(/line 2/);
  });
});

describe('readTsharkTsv', () => {
  it('names columns from a header line when there is one', () => {
    const rows = readTsharkTsv(file('h.tsv', 'tcp.stream\tframe.number\n3\t36\n'));
    expect(rows).toEqual([{ 'tcp.stream': '3', 'frame.number': '36' }]);
  });

  it('uses the given columns when the first field is a frame number, keeping latin1 bytes', () => {
    const rows = readTsharkTsv(file('n.tsv', '6\t\xe9\n'), ['frame.number', 'ftp.request.arg']);
    expect(rows).toEqual([{ 'frame.number': '6', 'ftp.request.arg': '\xe9' }]);
  });

  it('throws when a row is wider or narrower than the columns', () => {
    expect(() => readTsharkTsv(file('w.tsv', '6\ta\tb\n'), ['frame.number', 'x'])).toThrow(/w\.tsv:1: 3 fields, expected 2/);
  });
});

describe('readZeekLog', () => {
  it('maps unset to null, (empty) to "", and undoes \\x escapes', () => {
    const log = file(
      'ftp.log',
      ['#separator \\x09', '#unset_field\t-', '#empty_field\t(empty)', '#fields\tcommand\targ\tfile_size', 'RETR\ta\\x09b\t-', 'NOOP\t(empty)\t7', ''].join('\n'),
    );
    expect(readZeekLog(log)).toEqual([
      { command: 'RETR', arg: 'a\tb', file_size: null },
      { command: 'NOOP', arg: '', file_size: '7' },
    ]);
  });
});
