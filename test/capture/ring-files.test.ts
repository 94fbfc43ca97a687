import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analyzeFiles } from '../../src/analysis/pipeline.js';
import { readCaptureFiles } from '../../src/capture/read-files.js';
import { groupByRingName, orderRing, planCaptureInputs, ringName } from '../../src/capture/ring-files.js';
import { splitPcap } from '../support/pcap-edit.js';

const FIXTURES = join(import.meta.dirname, '../../fixtures');
const LOSSY = 'large-lossy-vsftpd-lftp';
const facts = JSON.parse(readFileSync(join(FIXTURES, `${LOSSY}.facts.json`), 'utf8'));

describe('ring-buffer naming', () => {
  it('knows tcpdump -C (NAME, NAME1 …), -W (NAME0 …) and dumpcap -b names', () => {
    const given = new Set(['/c/t.pcap', '/c/t.pcap1']);
    expect(ringName('/c/t.pcap', given)).toMatchObject({ number: -1 });
    expect(ringName('/c/t.pcap1', given)).toMatchObject({ number: 1 });
    expect(ringName('/c/t.pcap1', given)?.key).toBe(ringName('/c/t.pcap', given)?.key);
    expect(ringName('/c/t.pcap07', new Set())).toMatchObject({ number: 7 });
    const d = ringName('/c/trace_00012_20240102030405.pcapng', new Set());
    expect(d).toMatchObject({ number: 12 });
    expect(d?.key).toBe(ringName('/c/trace_00013_20240102031000.pcapng', new Set())?.key);
    // A lone NAME without NAME1 beside it, and ordinary names, are not ring files.
    expect(ringName('/c/t.pcap', new Set(['/c/t.pcap']))).toBeNull();
    expect(ringName('/c/a.pcapng', new Set())).toBeNull();
  });

  it('groups files by stem and directory, keeping the order given', () => {
    const paths = ['/x/a.pcap', '/c/t.pcap2', '/c/t.pcap0', '/d/t.pcap1', '/c/r_00001_20240102030405.pcapng', '/c/t.pcap1', '/c/r_00002_20240102031000.pcapng'];
    expect(groupByRingName(paths)).toEqual([
      ['/x/a.pcap'],
      ['/c/t.pcap2', '/c/t.pcap0', '/c/t.pcap1'],
      ['/d/t.pcap1'],
      ['/c/r_00001_20240102030405.pcapng', '/c/r_00002_20240102031000.pcapng'],
    ]);
  });

  it('orders a ring by first packet and wants the numbers to follow on (a -W ring may wrap)', () => {
    const t = new Map<string, number | null>([
      ['t.pcap3', 100],
      ['t.pcap0', 200],
      ['t.pcap1', 300],
    ]);
    expect(orderRing(['t.pcap0', 't.pcap1', 't.pcap3'], t)).toEqual(['t.pcap3', 't.pcap0', 't.pcap1']);
    // A missing file between two (t.pcap2 not given) is not one ring.
    expect(orderRing(['t.pcap0', 't.pcap2'], new Map([['t.pcap0', 1], ['t.pcap2', 2]]))).toBeNull();
    // Numbers that run against the timestamps are not one ring either.
    expect(orderRing(['t.pcap1', 't.pcap2', 't.pcap3'], new Map([['t.pcap1', 1], ['t.pcap2', 3], ['t.pcap3', 2]]))).toBeNull();
    // A file whose first packet cannot be read breaks the ring.
    expect(orderRing(['t.pcap0', 't.pcap1'], new Map([['t.pcap0', 1], ['t.pcap1', null]]))).toBeNull();
  });
});

describe('a real capture split into ring files (tcpdump -C naming)', () => {
  let dir = '';
  let whole = '';
  let parts: string[] = [];
  const cuts = [4000, 8000];

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'ftpcap-ring-'));
    const { header, records } = splitPcap(readFileSync(join(FIXTURES, `${LOSSY}.pcap.gz`)));
    whole = join(dir, 'whole.pcap');
    writeFileSync(whole, Buffer.concat([header, ...records.map((r) => r.bytes)]));
    const bounds = [0, ...cuts, records.length];
    parts = bounds.slice(1).map((end, i) => {
      const p = join(dir, i === 0 ? 'trace.pcap' : `trace.pcap${i}`);
      writeFileSync(p, Buffer.concat([header, ...records.slice(bounds[i], end).map((r) => r.bytes)]));
      return p;
    });
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('is recognised as one ring whatever order the files are given in', async () => {
    const plan = await planCaptureInputs([parts[2], parts[0], parts[1]]);
    expect(plan).toEqual([{ paths: parts }]);
  });

  it('is read as one capture: frames and byte offsets count on through the files', async () => {
    const frames: number[] = [];
    const offsets: number[] = [];
    const result = await readCaptureFiles(parts, { onRecord: (r) => (frames.push(r.frame), offsets.push(r.offset)), onWarning: () => undefined });
    expect(result.packets).toBe(facts.capture.packets);
    expect(frames).toEqual(Array.from({ length: facts.capture.packets }, (_, i) => i + 1));
    // Offsets run through the files as they lie on disk: the second file's first record comes
    // after all of the first file and the second file's own 24-byte header.
    const firstFileBytes = readFileSync(parts[0]).length;
    expect(offsets[cuts[0]]).toBe(firstFileBytes + 24);
    expect(result.bytes).toBe(parts.reduce((n, p) => n + readFileSync(p).length, 0));
  });

  it('joins the connections that span the files: the same analysis as the unsplit capture', async () => {
    const joined = await analyzeFiles(parts, { fileName: 'ring' });
    const single = await analyzeFiles([whole], { fileName: 'ring' });
    expect(JSON.stringify(joined.sessions)).toBe(JSON.stringify(single.sessions));
    // Both 4 MiB transfers (recorded sizes) complete, though each spans a file boundary.
    const transfers = joined.sessions.flatMap((s) => s.transfers);
    expect(transfers.map((t) => [t.request?.command, t.bytes, t.status])).toEqual(
      facts.files.map((f: { op: string; size: number }) => [f.op, f.size, 'complete']),
    );
  });

  it('one file of the ring alone sees only part of a transfer', async () => {
    const middle = await analyzeFiles([parts[1]], { fileName: 'middle' });
    const bytes = middle.sessions.flatMap((s) => s.transfers).map((t) => t.bytes);
    expect(bytes.every((b) => b < 4194304)).toBe(true);
  });
});
