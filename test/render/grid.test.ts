import Table from 'cli-table3';
import { describe, expect, it } from 'vitest';
import { displayWidth, drawGrid } from '../../src/render/grid.js';

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
