import Table from 'cli-table3';
import { createReadStream, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { analyzeStream } from '../../src/analysis/pipeline.js';
import { transferBlockRows, TRANSFER_BLOCK_WIDTHS } from '../../src/render/tables.js';
import { describe, expect, it } from 'vitest';
import { displayWidth, drawGrid, drawWrapped } from '../../src/render/grid.js';

const ALL = process.env.FTPCAP_LONG === 'all';

function viaCliTable3(head: string[], rows: string[][]): string {
  const t = new Table({ head, style: { head: [], border: [], compact: true } });
  for (const r of rows) t.push(r);
  return t.toString();
}

describe('drawGrid', () => {
  it('draws exactly what cli-table3 draws, for the cells ftpcap prints', () => {
    const head = ['Time (s)', 'Frame', 'Dir', 'Command / reply', 'Decoded'];
    const rows = [
      ['0.000000', '6', 'S→C', '220 (vsFTPd 3.0.3)', ''],
      ['0.041964', '48', 'S→C', '227 Entering Passive Mode (198,51,1…', '→ 198.51.100.20:50064 (195×256+144)'],
      ['0.040222', '23', 'C→S', 'CWD \\x1b[2J\\x1b[1;31mPWNED\\x1b[0m', ''],
      ['1.5', '9999', 'C→S', 'RETR 日本語.txt', '[2001:db8::1]:21'],
      ['', '', '', '', ''],
    ];
    expect(drawGrid(head, rows)).toBe(viaCliTable3(head, rows));
  });

  it('draws exactly what cli-table3 draws for a coloured head, coloured cells and no rows', () => {
    const bold = (s: string): string => `\u001b[1m${s}\u001b[0m`;
    const head = [bold('#'), bold('Status'), bold('Reply')];
    const cases: string[][][] = [
      [['1', '\u001b[31mfailed: data connection refused\u001b[0m', '425'], ['2', '\u001b[32mcompleted\u001b[0m', '226']],
      [],
    ];
    for (const rows of cases) expect(drawGrid(head, rows)).toBe(viaCliTable3(head, rows));
  });

  it('counts wide characters as two columns', () => {
    expect(displayWidth('abc')).toBe(3);
    expect(displayWidth('日本')).toBe(4);
    expect(displayWidth('→×⏎')).toBe(3);
  });

  it('draws every row of a long listing', () => {
    const rows = Array.from({ length: 20_000 }, (_, i) => [String(i), 'C→S', `PORT 192,0,2,10,78,${i % 256}`]);
    const lines = drawGrid(['#', 'Dir', 'Command'], rows).split('\n');
    expect(lines).toHaveLength(20_004);
    expect(lines[20_002]).toBe('│ 19999 │ C→S │ PORT 192,0,2,10,78,31  │');
  });
});

describe('drawWrapped', () => {
  const viaCliTable3 = (colWidths: number[], rows: string[][]): string => {
    const t = new Table({ style: { head: [], border: [], compact: true }, colWidths, wordWrap: true });
    for (const r of rows) t.push(r);
    return t.toString();
  };

  it('draws exactly what cli-table3 draws with colWidths and word wrap, for the cells `transfers` prints', () => {
    const rows = [
      ['announced', 'PASV → 192.0.2.21:30000 (117×256+48), frame 10'],
      ['', 'reply 200 PORT command successful. Consider using PASV. (frame 23)'],
      ['connection', 'tcp.stream 1: 10.0.0.1:1025 → 192.0.2.21:30000 (opened by the client)\nSYN frame 12, SYN-ACK frame 13, established frame 14\n512 bytes to client, 0 bytes to server; closed by fin'],
      ['requested', 'RETR 日本語のとても長いファイル名.txt (frame 11), TYPE A'],
      ['word', 'a/very/long/path/without/any/space/that/is/longer/than/the/column/is/wide/at/all.bin'],
      ['late ABOR', ''],
      ['verdict', 'completed: 512 bytes, all in the capture (226, frame 20).   two  spaces'],
    ];
    expect(drawWrapped([13, 64], rows)).toBe(viaCliTable3([13, 64], rows));
  });
});

describe('transfer blocks drawn by drawWrapped', () => {
  // `transfers` draws every block this way: npm test compares eight captures, `npm run test:long` all.
  it(`are cli-table3 blocks, on ${ALL ? 'every fixture' : 'recorded captures of every kind of transfer'}`, async () => {
    const files = ALL
      ? readdirSync(join(__dirname, '../../fixtures')).filter((f) => /\.(pcap|pcapng|pcap\.gz)$/.test(f))
      : ['active-vsftpd-ftp.pcap', 'abort-vsftpd-lftp.pcap', 'fail-passive-drop-vsftpd-curl.pcap', 'bounce-refused-vsftpd-python.pcap', 'ipv6-epsv-proftpd-lftp.pcapng', 'tls-data-vsftpd-lftp.pcap', 'capture-loss-vsftpd-lftp.pcap', 'hostile-client-vsftpd-python.pcap.gz'];
    let blocks = 0;
    for (const f of files) {
      const path = join(__dirname, '../../fixtures', f);
      const a = await analyzeStream(createReadStream(path), { fileName: f });
      for (const s of a.sessions) {
        for (const x of s.transfers) {
          const rows = transferBlockRows(x);
          const t = new Table({ style: { head: [], border: [], compact: true }, colWidths: TRANSFER_BLOCK_WIDTHS, wordWrap: true });
          for (const r of rows) t.push(r);
          expect(drawWrapped(TRANSFER_BLOCK_WIDTHS, rows), `${f} ${s.id}.${x.id}`).toBe(t.toString());
          blocks++;
        }
      }
    }
    expect(blocks).toBeGreaterThan(40);
  });
});
