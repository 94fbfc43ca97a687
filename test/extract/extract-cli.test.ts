/**
 * `ftpcap extract` as a user runs it: the output directory's rules (created when missing, refused
 * when not empty unless --force, nothing ever overwritten, no symbolic link followed out), the
 * session / transfer filters, and a capture with a gap derived from the lossy recording by removing
 * three data records, checked against the byte ranges tshark's raw sequence numbers say are lost.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ByteRange, Manifest } from '../../src/extract/manifest.js';
import { runCli } from '../cli/run-cli.js';
import { announced, readView } from '../diagnose/tshark-evidence.js';
import { filterPcap } from '../support/pcap-edit.js';

const FIXTURES = resolve(__dirname, '../../fixtures');
const PASSIVE = join(FIXTURES, 'passive-vsftpd-lftp.pcap');
const LARGE = 'large-lossy-vsftpd-lftp';
const BIG_SHA = (JSON.parse(readFileSync(join(FIXTURES, `${LARGE}.facts.json`), 'utf8')) as { files: Array<{ sha256: string }> }).files[0].sha256;
const tmp = mkdtempSync(join(tmpdir(), 'ftpcap-extract-cli-'));

const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex');
const manifestOf = (dir: string, name = 'manifest.json'): Manifest => JSON.parse(readFileSync(join(dir, name), 'utf8')) as Manifest;

describe('the output directory', () => {
  it('is created when missing, with the parents', async () => {
    const dir = join(tmp, 'new', 'deeper');
    const r = await runCli(['extract', PASSIVE, '-o', dir]);
    expect(r.code).toBe(0);
    expect(readdirSync(dir).sort()).toEqual(['manifest.json', 's1-t1-list.txt', 's1-t2-hello.txt', 's1-t3-upload-lftp.txt']);
    expect(r.stdout).toMatch(/3 objects saved in .*deeper; details in .*deeper\/manifest\.json/);
  });

  it('is refused when not empty, in one line, and left as it was', async () => {
    const dir = join(tmp, 'occupied');
    mkdirSync(dir);
    writeFileSync(join(dir, 'keep.txt'), 'mine');
    const r = await runCli(['extract', PASSIVE, '-o', dir]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^ftpcap: .*occupied: directory is not empty \(--force adds to it; nothing is ever overwritten\)\n$/);
    expect(readdirSync(dir)).toEqual(['keep.txt']);
  });

  it('is refused when it is a file', async () => {
    const file = join(tmp, 'a-file');
    writeFileSync(file, 'x');
    const r = await runCli(['extract', PASSIVE, '-o', file]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/a-file: exists and is not a directory\n$/);
    expect(readFileSync(file, 'utf8')).toBe('x');
  });

  it('with --force: collisions get new names, nothing is overwritten, no symbolic link is followed', async () => {
    const dir = join(tmp, 'forced');
    expect((await runCli(['extract', PASSIVE, '-o', dir])).code).toBe(0);
    const before = new Map(readdirSync(dir).map((n) => [n, sha256(readFileSync(join(dir, n)))]));
    // A link where the next object would go, pointing outside the directory.
    const outside = join(tmp, 'outside-target.txt');
    writeFileSync(outside, 'do not touch');
    symlinkSync(outside, join(dir, 's1-t2-hello~2.txt'));
    const r = await runCli(['extract', PASSIVE, '-o', dir, '--force']);
    expect(r.code).toBe(0);
    for (const [n, h] of before) expect(sha256(readFileSync(join(dir, n)))).toBe(h);
    expect(readFileSync(outside, 'utf8')).toBe('do not touch');
    const second = manifestOf(dir, 'manifest~2.json');
    expect(second.objects.map((o) => o.savedName)).toEqual(['s1-t1-list~2.txt', 's1-t2-hello~3.txt', 's1-t3-upload-lftp~2.txt']);
    expect(sha256(readFileSync(join(dir, 's1-t2-hello~3.txt')))).toBe(before.get('s1-t2-hello.txt'));
    expect(readdirSync(dir).filter((n) => n.startsWith('.ftpcap-partial'))).toEqual([]);
  });

  it('is not left behind when the capture cannot be read', async () => {
    const dir = join(tmp, 'never');
    const r = await runCli(['extract', join(tmp, 'no-such.pcap'), '-o', dir]);
    expect(r.code).toBe(2);
    expect(existsSync(dir)).toBe(false);
  });
});

describe('selecting', () => {
  it('one transfer of one session', async () => {
    const dir = join(tmp, 'one');
    const r = await runCli(['extract', PASSIVE, '-o', dir, '-s', '1', '-t', '2']);
    expect(r.code).toBe(0);
    expect(readdirSync(dir).sort()).toEqual(['manifest.json', 's1-t2-hello.txt']);
    expect(manifestOf(dir).options).toEqual({ session: 1, transfer: 2, fillGaps: false, asciiToLf: false });
  });

  it('a session or transfer that does not exist is a usage error, and nothing is written', async () => {
    const dir = join(tmp, 'none');
    const s = await runCli(['extract', PASSIVE, '-o', dir, '-s', '2']);
    expect([s.code, s.stderr]).toEqual([1, expect.stringMatching(/no session 2 in .* \(it has 1\)\n$/)]);
    const t = await runCli(['extract', PASSIVE, '-o', dir, '-t', '9']);
    expect([t.code, t.stderr]).toEqual([1, expect.stringMatching(/no transfer 9 in /)]);
    expect(existsSync(dir)).toBe(false);
  });

  it('--json prints the manifest', async () => {
    const dir = join(tmp, 'json');
    const r = await runCli(['extract', PASSIVE, '-o', dir, '--json']);
    expect(JSON.parse(r.stdout)).toEqual(manifestOf(dir));
  });
});

describe('a capture with a gap (three data records of the lossy download removed)', () => {
  let big: Buffer;
  let expected: ByteRange[];
  let damaged: string;

  beforeAll(async () => {
    const whole = join(tmp, 'gap-reference');
    expect((await runCli(['extract', join(FIXTURES, `${LARGE}.pcap.gz`), '-o', whole, '-t', '1'])).code).toBe(0);
    big = readFileSync(join(whole, 's1-t1-big.bin'));
    expect(sha256(big)).toBe(BIG_SHA);

    // tshark's view: the download's segments, their offsets from the server's ISN.
    const view = readView(FIXTURES, LARGE);
    const server = announced(view, 0);
    const rows = view.fields.filter((r) => r['ip.src'] === server.ip && Number(r['tcp.srcport']) === server.port);
    const isn = Number(rows.find((r) => (Number(r['tcp.flags']) & 0x12) === 0x12)!['tcp.seq_raw']);
    const range = (r: Record<string, string>): ByteRange => {
      const start = (Number(r['tcp.seq_raw']) - isn - 1 + 2 ** 32) % 2 ** 32;
      return { start, end: start + Number(r['tcp.len']) };
    };
    const data = rows.filter((r) => Number(r['tcp.len']) > 1000);
    const dropped = data.slice(1000, 1003);
    const droppedFrames = new Set(dropped.map((r) => Number(r['frame.number'])));
    // What was dropped, less what another captured copy (a retransmission) still carries.
    const kept = rows.filter((r) => Number(r['tcp.len']) > 0 && !droppedFrames.has(Number(r['frame.number']))).map(range);
    expected = [];
    for (const d of dropped.map(range).sort((a, b) => a.start - b.start)) {
      let pos = d.start;
      const covering = kept.filter((k) => k.end > d.start && k.start < d.end).sort((a, b) => a.start - b.start);
      for (const k of covering) {
        if (k.start > pos) expected.push({ start: pos, end: k.start });
        pos = Math.max(pos, k.end);
      }
      if (pos < d.end) expected.push({ start: pos, end: d.end });
    }
    expected = expected.reduce<ByteRange[]>((out, r) => {
      const last = out[out.length - 1];
      if (last && r.start <= last.end) last.end = Math.max(last.end, r.end);
      else out.push({ ...r });
      return out;
    }, []);
    damaged = join(tmp, 'gap.pcap');
    writeFileSync(damaged, filterPcap(readFileSync(join(FIXTURES, `${LARGE}.pcap.gz`)), (r) => !droppedFrames.has(r.frame)));
  });

  it('is truncated, with the missing byte ranges tshark implies, and the file is shorter', async () => {
    const missingBytes = expected.reduce((n, r) => n + r.end - r.start, 0);
    expect(missingBytes).toBeGreaterThan(0);
    const dir = join(tmp, 'gap-short');
    const r = await runCli(['extract', damaged, '-o', dir]);
    expect(r.code).toBe(0);
    const [retr, stor] = manifestOf(dir).objects;
    expect(retr).toMatchObject({ command: 'RETR', verdict: 'truncated', status: 'complete', missing: expected, missingBytes, gapsFilled: false });
    expect(retr.bytes).toBe(big.length - missingBytes);
    expect(retr.notes.join(' ')).toMatch(/left out: the file is shorter/);
    // The saved file is the original with exactly those ranges cut out.
    const parts: Buffer[] = [];
    let pos = 0;
    for (const m of expected) {
      parts.push(big.subarray(pos, m.start));
      pos = m.end;
    }
    parts.push(big.subarray(pos));
    expect(readFileSync(join(dir, retr.savedName)).equals(Buffer.concat(parts))).toBe(true);
    expect(stor).toMatchObject({ command: 'STOR', verdict: 'complete', sha256: BIG_SHA });
    expect(r.stdout).toMatch(new RegExp(`1\\.1: ${missingBytes} bytes missing from the capture \\(${expected.map((m) => `${m.start}-${m.end}`).join(', ')}\\), left out`));
  });

  it('with --fill-gaps keeps the length, zeros where the capture lost bytes', async () => {
    const dir = join(tmp, 'gap-filled');
    expect((await runCli(['extract', damaged, '-o', dir, '--fill-gaps'])).code).toBe(0);
    const retr = manifestOf(dir).objects[0];
    const reference = Buffer.from(big);
    for (const m of expected) reference.fill(0, m.start, m.end);
    const saved = readFileSync(join(dir, retr.savedName));
    expect(saved.length).toBe(big.length);
    expect(saved.equals(reference)).toBe(true);
    expect(retr).toMatchObject({ verdict: 'truncated', bytes: big.length, gapsFilled: true, missing: expected, sha256: sha256(reference) });
  });
});
