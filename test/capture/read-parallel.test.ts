/**
 * The reader thread (capture/read-parallel.ts + read-worker.ts) against reading in this thread:
 * the same records, byte for byte, with warnings at the same places. Worker threads need the
 * compiled JavaScript: dist/, built once per test run by test/support/build-once.ts.
 *
 * Each threaded read starts a thread (~70 ms idle, several times that on a loaded machine), so
 * `npm test` compares one fixture of each file format and link type; every fixture is compared
 * under FTPCAP_LONG=all (`npm run test:long`, which .ci/run runs).
 */
import { spawnSync } from 'node:child_process';
import { hash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CaptureSink } from '../../src/capture/types.js';
import { fold16, sum16 } from '../../src/decode/checksum.js';
import { splitPcap } from '../support/pcap-edit.js';

const ROOT = join(import.meta.dirname, '../..');
const FIXTURES = join(ROOT, 'fixtures');
const OUT = join(ROOT, 'dist');
const ALL = process.env.FTPCAP_LONG === 'all';
/** One of each kind capinfos tells apart: pcap (µs, ns), gzip, pcapng (with a secrets block), SLL, SLL2. */
const EACH_KIND = [
  'passive-vsftpd-lftp.pcap',
  'nano-epsv-vsftpd-curl.pcap',
  'large-plain-vsftpd-curl.pcap.gz',
  'ipv6-epsv-proftpd-lftp.pcapng',
  'tls-data-vsftpd-lftp-secrets.pcapng',
  'sll-eprt4-proftpd-curl.pcap',
  'nat-active-helper-vsftpd-ftp.pcap',
];

type ReadFn = (paths: string[], sink: CaptureSink) => Promise<{ packets: number; bytes: number }>;
let threaded: ReadFn;
let inThread: ReadFn;
let available: () => boolean;
let dir = '';
/** Records the reading thread summed (CaptureRecord.wordSum), each checked against sum16 in log(). */
let summed = 0;

/** Everything a reader says, in order: records (fields + a hash of the bytes) and events. */
async function log(read: ReadFn, paths: string[]): Promise<{ lines: string[]; packets: number; bytes: number } | { error: string }> {
  const lines: string[] = [];
  try {
    const r = await read(paths, {
      onHeader: (h) => lines.push(`header ${JSON.stringify(h)}`),
      onInterface: (i) => lines.push(`interface ${JSON.stringify(i)}`),
      onWarning: (w) => lines.push(`warning ${JSON.stringify(w)}`),
      onRecord: (r) => {
        // One-shot hash: a third of the CPU of a Hash object per record (a million records a run).
        const h = hash('sha1', r.data).slice(0, 12);
        // The thread's word sum, which the decoder's TCP checksums start from, is the bytes' own.
        if (r.wordSum !== undefined && r.wordSum >= 0) {
          summed++;
          if (r.wordSum % 0xffff !== fold16(sum16(r.data, 0, r.data.length)) % 0xffff) lines.push(`frame ${r.frame}: word sum ${r.wordSum} wrong`);
        }
        lines.push(
          `${r.frame} ${r.offset} ${r.tsSec}.${r.tsNsec} ${r.time} ${r.linkType} ${r.interfaceId} ${r.capturedLength} ${r.originalLength} ${r.data.length} ${h}`,
        );
      },
    });
    return { lines, packets: r.packets, bytes: r.bytes };
  } catch (err) {
    return { error: String(err) };
  }
}

beforeAll(async () => {
  const parallel = await import(join(OUT, 'capture/read-parallel.js'));
  const files = await import(join(OUT, 'capture/read-files.js'));
  const thread = await import(join(OUT, 'capture/reader-thread.js'));
  // minBytes 0: the thread even for the small fixtures.
  threaded = (paths, sink) => parallel.readCaptureFilesThreaded(paths, sink, { minBytes: 0 });
  inThread = (paths, sink) => files.readCaptureFiles(paths, sink);
  available = thread.parallelReadAvailable;
  dir = mkdtempSync(join(tmpdir(), 'ftpcap-par-'));
}, 180_000);

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('reading on a worker thread', () => {
  it('is available from the compiled build', () => {
    expect(available()).toBe(true);
  });

  const all = readdirSync(FIXTURES).filter((f) => /\.(pcap|pcapng|pcap\.gz)$/.test(f));
  // Sized to the work, not to a clock: every fixture read twice took over 120 s on a CI machine
  // shared with other jobs (480 captures); a loaded machine may be ten times slower than an idle one.
  const limit = ALL ? 60_000 + all.length * 1_000 : 120_000;
  it(`gives ${ALL ? 'every fixture' : 'a fixture of each format and link type'} the same records and warnings as reading in-thread`, async () => {
    expect(all.length).toBeGreaterThan(25);
    expect(all).toEqual(expect.arrayContaining(EACH_KIND));
    const names = ALL ? all : EACH_KIND;
    for (const name of names) {
      const p = join(FIXTURES, name);
      const a = await log(threaded, [p]);
      const b = await log(inThread, [p]);
      expect(a, name).toEqual(b);
    }
  }, limit);

  // 65 MB written and read twice: under FTPCAP_LONG=all only.
  it.runIf(ALL)('keeps records whole across many reuses of the ring (a capture several times its size)', async () => {
    // 6 copies of the lossy capture's records: 65 MB, about twice the ring's 32 MiB.
    const { header, records } = splitPcap(readFileSync(join(FIXTURES, 'large-lossy-vsftpd-lftp.pcap.gz')));
    const body = Buffer.concat(records.map((r) => r.bytes));
    const p = join(dir, 'repeated.pcap');
    writeFileSync(p, Buffer.concat([header, body, body, body, body, body, body]));
    const a = await log(threaded, [p]);
    const b = await log(inThread, [p]);
    expect('lines' in a && a.packets).toBe(records.length * 6);
    expect(a).toEqual(b);
  }, 120_000);

  it('sums records for the checksums while ahead of a slower analysis, each sum that of the bytes', async () => {
    // 2 copies of the lossy capture's records (22 MB): more than the ring holds, so a slow sink
    // makes the thread wait for slots, and it then sums (the check is in log()).
    const { header, records } = splitPcap(readFileSync(join(FIXTURES, 'large-lossy-vsftpd-lftp.pcap.gz')));
    const body = Buffer.concat(records.map((r) => r.bytes));
    const p = join(dir, 'twice.pcap');
    writeFileSync(p, Buffer.concat([header, body, body]));
    let seen = 0;
    const nap = new Int32Array(new SharedArrayBuffer(4));
    const slow: ReadFn = (paths, sink) =>
      threaded(paths, {
        ...sink,
        // 1 ms asleep every 50 records (20 µs a record), without the CPU a busy wait would take
        // from the suite's other worker.
        onRecord: (r) => {
          if (++seen % 50 === 0) Atomics.wait(nap, 0, 0, 1);
          sink.onRecord(r);
        },
      });
    const before = summed;
    const a = await log(slow, [p]);
    expect(a).toEqual(await log(inThread, [p]));
    // How many the thread sums depends on how often it had to wait (the machine's load): that some
    // were, each checked in log(), is the fact; how many is the bench's.
    expect(summed - before).toBeGreaterThan(0);
  }, 60_000);

  it('reports a capture cut inside a record the same way, and an unreadable file as an error', async () => {
    const whole = readFileSync(join(FIXTURES, 'passive-vsftpd-lftp.pcap'));
    const cut = join(dir, 'cut.pcap');
    writeFileSync(cut, whole.subarray(0, whole.length - 100));
    const a = await log(threaded, [cut]);
    expect(a).toEqual(await log(inThread, [cut]));
    expect('lines' in a && a.lines.some((l) => l.includes('truncated-record'))).toBe(true);
    const missing = await log(threaded, [join(dir, 'nope.pcap')]);
    expect(missing).toEqual(await log(inThread, [join(dir, 'nope.pcap')]));
    expect('error' in missing && missing.error).toMatch(/ENOENT/);
  });

  it('joins ring files on the thread as in-thread', async () => {
    const { header, records } = splitPcap(readFileSync(join(FIXTURES, 'capture-loss-vsftpd-lftp.pcap')));
    const parts = [0, 700, records.length].slice(1).map((end, i, ends) => {
      const p = join(dir, i === 0 ? 'ring.pcap' : `ring.pcap${i}`);
      writeFileSync(p, Buffer.concat([header, ...records.slice(i === 0 ? 0 : ends[i - 1], end).map((r) => r.bytes)]));
      return p;
    });
    const a = await log(threaded, parts);
    expect(a).toEqual(await log(inThread, parts));
    expect('lines' in a && a.packets).toBe(records.length);
  });
});

describe('ftpcap summary with several captures (compiled CLI, one worker per capture)', () => {
  const run = (args: string[]) =>
    spawnSync(process.execPath, ['-e', `import(${JSON.stringify(join(OUT, 'cli/run.js'))}).then((m) => m.run())`, ...args], {
      encoding: 'utf8',
    });
  const a = join(FIXTURES, 'passive-vsftpd-lftp.pcap');
  const b = join(FIXTURES, 'active-vsftpd-ftp.pcap');
  const packets = (name: string): number => JSON.parse(readFileSync(join(FIXTURES, `${name}.facts.json`), 'utf8')).capture.packets;

  // Two copies of the lossy capture's records (22 MB): past the size read on a thread. Made once.
  let largeFile: { path: string; packets: number } | null = null;
  const large = (): { path: string; packets: number } => {
    if (largeFile !== null) return largeFile;
    const path = join(dir, 'large-twice.pcap');
    const { header, records } = splitPcap(readFileSync(join(FIXTURES, 'large-lossy-vsftpd-lftp.pcap.gz')));
    const body = Buffer.concat(records.map((r) => r.bytes));
    writeFileSync(path, Buffer.concat([header, body, body]));
    return (largeFile = { path, packets: 2 * records.length });
  };

  it('the entry point starts the reading thread ahead for a large file only, and the reading takes that thread', async () => {
    const rt = (await import(join(OUT, 'capture/reader-thread.js'))) as typeof import('../../src/capture/reader-thread.js');
    expect(rt.prestartReader(['summary', a])).toBeNull();
    // The decision is the file's size alone (nothing is read): a sparse file of that size will do.
    const sparse = join(dir, 'sparse-large.pcap');
    writeFileSync(sparse, '');
    truncateSync(sparse, rt.THREAD_MIN_BYTES);
    const ahead = rt.prestartReader(['summary', '--json', sparse]);
    expect(ahead).not.toBeNull();
    expect(rt.takeReader()).toBe(ahead);
    const fresh = rt.takeReader();
    expect(fresh).not.toBe(ahead);
    await Promise.all([ahead!.worker.terminate(), fresh.worker.terminate()]);
  });

  // A 22 MB capture analysed in a real process (seconds): under FTPCAP_LONG=all, beside the in-process check above.
  it.runIf(ALL)('a large capture is read whole on the thread the entry point started before loading the CLI', () => {
    const { path, packets } = large();
    const r = run(['summary', '--json', path]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    // Every packet of both copies; the second copy repeats the first's segments (same ports, same
    // sequence numbers), so one session, whose repeats are retransmissions.
    const doc = JSON.parse(r.stdout);
    expect([doc.capture.packets, doc.sessions.length]).toEqual([packets, 1]);
  });

  it.runIf(ALL)('a thread started ahead and not used (several captures are read by their own analysis threads) does not hold the process', () => {
    const r = spawnSync(process.execPath, ['-e', `import(${JSON.stringify(join(OUT, 'cli/run.js'))}).then((m) => m.run())`, 'summary', large().path, a], {
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(r.signal).toBeNull();
    expect(r.status).toBe(0);
    expect(r.stdout).toContain(`Capture ${a}:`);
  });

  // Beside test/cli/many.test.ts's in-process runs of the same: one process more each.
  it.runIf(ALL)('prints one summary per capture, in the order given', () => {
    const r = run(['summary', b, a]);
    expect(r.status).toBe(0);
    const ib = r.stdout.indexOf(`Capture ${b}:`);
    const ia = r.stdout.indexOf(`Capture ${a}:`);
    expect(ib).toBeGreaterThanOrEqual(0);
    expect(ia).toBeGreaterThan(ib);
  });

  // Beside test/cli/many.test.ts's in-process runs of the same: one process more each.
  it.runIf(ALL)('--json: an array of the documents, in order', () => {
    const r = run(['summary', '--json', a, b]);
    expect(r.status).toBe(0);
    const docs = JSON.parse(r.stdout);
    expect(docs.map((d: { capture: { file: string; packets: number } }) => [d.capture.file, d.capture.packets])).toEqual([
      [a, packets('passive-vsftpd-lftp')],
      [b, packets('active-vsftpd-ftp')],
    ]);
  });

  it('an unreadable capture among them: its error on stderr, the others still printed, exit 2', () => {
    const r = run(['summary', a, join(dir, 'nope.pcap')]);
    expect(r.status).toBe(2);
    expect(r.stdout).toContain(`Capture ${a}:`);
    expect(r.stderr).toContain('nope.pcap: cannot read (ENOENT)');
  });
});
