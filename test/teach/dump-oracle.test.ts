/**
 * Every field the dump prints, held against tshark's view of the same frame
 * (fixtures/NAME.tshark-fields.tsv): the dump keeps, on each line that shows a header field,
 * the field's tshark name and value, read through the decoders' field tables. Every frame of
 * every fixture is dumped (for the 12,301-frame lossy capture: its control connection), every
 * field tshark has a column for is compared, and the printed line must show the value.
 */
import { describe, expect, it } from 'vitest';
import { dumpBlock, formatLine } from '../../src/render/dump.js';
import type { DumpLine } from '../../src/render/dump-fields.js';
import type { TsvRow } from '../conformance/peer-readers.js';
import { load, TEACH_FIXTURES, tsharkFields } from './load.js';

/** tshark's text as a comparable value: hex and decimal numbers as numbers, the rest as text. */
function tsharkValue(field: string, text: string): number | string {
  if (field === 'tcp.options.sack_perm') return text === '' ? '' : 'present';
  if (/^0x[0-9a-f]+$/i.test(text)) return parseInt(text, 16);
  if (/^\d+$/.test(text)) return Number(text);
  return text;
}

/** How the printed line shows a value: decimal, or hex with any number of leading zeros. */
function shows(line: string, field: string, value: number | string): boolean {
  if (typeof value === 'string') return value === 'present' || line.includes(value);
  if (field.endsWith('.status')) return true; // shown as "(correct)" / "(incorrect)" / "(not verified…)"
  return showsDecimal(line, String(value)) || showsHex(line.toLowerCase(), value.toString(16));
}

// Searched, not matched by a RegExp built per field: two new RegExps for each of the dumps'
// fields were most of this file's CPU.
const isDigit = (c: string | undefined): boolean => c !== undefined && c >= '0' && c <= '9';
const isHexDigit = (c: string | undefined): boolean => isDigit(c) || (c !== undefined && c >= 'a' && c <= 'f');

/** `digits` in `line` with no digit either side (/(^|[^0-9])digits([^0-9]|$)/). */
function showsDecimal(line: string, digits: string): boolean {
  for (let i = line.indexOf(digits); i >= 0; i = line.indexOf(digits, i + 1)) {
    if (!isDigit(line[i - 1]) && !isDigit(line[i + digits.length])) return true;
  }
  return false;
}

/** "0x", any zeros, then `hex` and no further hex digit (/0x0*hex([^0-9a-f]|$)/i on a lower-cased line). */
function showsHex(line: string, hex: string): boolean {
  for (let i = line.indexOf('0x'); i >= 0; i = line.indexOf('0x', i + 1)) {
    let j = i + 2;
    while (line[j] === '0') j++;
    // Zero itself is the zeros just skipped (at least one); any other value follows them.
    const end = hex === '0' ? (j > i + 2 ? j : -1) : line.startsWith(hex, j) ? j + hex.length : -1;
    if (end >= 0 && !isHexDigit(line[end])) return true;
  }
  return false;
}

interface Tally {
  compared: number;
  mismatches: string[];
}

function compare(frame: number, lines: DumpLine[], row: TsvRow, t: Tally): void {
  for (const l of lines) {
    let printed: string | undefined; // formatted once per line, when a field on it is compared
    for (const f of l.fields ?? []) {
      if (!(f.tshark in row)) continue; // a field tshark's view has no column for
      // tshark leaves tcp.seq_raw out when an ICMP error quotes only 8 TCP bytes (as the decoder oracle).
      if (f.tshark === 'tcp.seq_raw' && row[f.tshark] === '' && (row['icmp.type'] !== '' || row['icmpv6.type'] !== '')) continue;
      let theirs = tsharkValue(f.tshark, row[f.tshark]);
      let ours = f.value;
      // tshark 4.0 prints ip.frag_offset in 8-byte units; the dump (and its table) in bytes.
      if (f.tshark === 'ip.frag_offset' && typeof ours === 'number' && ours !== theirs) ours /= 8;
      // tshark prints a checksum status only where it verified; ours is 2 when we could not.
      if (f.tshark.endsWith('checksum.status') && theirs === '' && ours === 2) theirs = 2;
      t.compared++;
      if (ours !== theirs) t.mismatches.push(`frame ${frame} ${f.tshark}: dump ${JSON.stringify(ours)}, tshark ${JSON.stringify(row[f.tshark])}`);
      printed ??= formatLine(l).text;
      if (!shows(printed, f.tshark, f.value)) t.mismatches.push(`frame ${frame} ${f.tshark}: ${JSON.stringify(printed)} does not show ${f.value}`);
    }
  }
}

/**
 * The 4 MiB lossy transfer (its control connection's frames, among ~6,000) under FTPCAP_LONG=all
 * (`npm run test:long`, which .ci/run runs): about 1.5 s of npm test's CPU, reading its tshark view.
 */
const SHOWN = process.env.FTPCAP_LONG === 'all' ? TEACH_FIXTURES : TEACH_FIXTURES.filter((f) => !f.startsWith('large-lossy'));

describe('dump fields equal tshark values', () => {
  it.each(SHOWN)('%s', async (file) => {
    const big = file.startsWith('large-lossy');
    const { analysis, trace } = await load(file, big ? 'connections' : 'all');
    const rows = tsharkFields(file);
    const t: Tally = { compared: 0, mismatches: [] };
    const fields = new Set<string>();
    let frames = 0;
    for (const k of trace.kept) {
      if (big && k.connection?.role !== 'control') continue;
      const row = rows.get(k.decoded.frame);
      expect(row, `tshark has frame ${k.decoded.frame}`).toBeDefined();
      const block = dumpBlock(k, analysis, { showPasswords: false });
      compare(k.decoded.frame, block.lines, row!, t);
      for (const l of block.lines) for (const f of l.fields ?? []) fields.add(f.tshark);
      frames++;
    }
    expect(t.mismatches.slice(0, 20)).toEqual([]);
    if (!big) expect(frames).toBe(rows.size);
    // Every IPv4/IPv6/TCP column of tshark's view that this capture fills is shown by the dump.
    const filled = new Set<string>();
    for (const r of rows.values()) for (const [k, v] of Object.entries(r)) if (v !== '' && /^(ip|ipv6|tcp)\./.test(k)) filled.add(k);
    const missing = [...filled].filter((k) => !fields.has(k) && k !== 'ip.version' && k !== 'ip.checksum_calculated' && k !== 'tcp.checksum_calculated');
    expect(missing).toEqual([]);
    expect(t.compared).toBeGreaterThan(frames * 10);
  });
});
