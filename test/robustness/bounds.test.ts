/**
 * Resource bounds on captures derived from real ones: a flood of TCP connections to port 21 that
 * never close (the recorded SYN repeated from new source addresses and ports, checksums adjusted),
 * and a bulk transfer delivered in reverse order with every segment sent twice. Counts are
 * asserted, not times: the bounds hold, each is reported once, and what the recorded session and
 * transfer carried is read exactly as before.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { analyzeStream, type AnalyzeOptions } from '../../src/analysis/pipeline.js';
import type { Analysis } from '../../src/analysis/model.js';
import { reorderRecords, replicateRecord, type Word16 } from '../support/capture-records.js';
import { FIXTURES_DIR, fixture } from '../support/fuzz/corpus.js';
import { readText } from '../support/read-text.js';
import { tsharkFtp, tsharkRequests } from '../support/tshark-ftp.js';

const analyze = (bytes: Buffer, opts: Partial<AnalyzeOptions> = {}): Promise<Analysis> =>
  analyzeStream(Readable.from([bytes]), { fileName: 'derived', showPasswords: true, ...opts });

/** tshark's per-frame fields as rows of strings, with a column lookup. */
function tsharkFields(capture: string): { rows: string[][]; col: (name: string) => number } {
  const lines = readText(join(FIXTURES_DIR, `${capture.replace(/\.(pcap|pcapng)(\.gz)?$/, '')}.tshark-fields.tsv`), 'utf8').split('\n').filter(Boolean);
  const head = lines[0].split('\t');
  return { rows: lines.slice(1).map((l) => l.split('\t')), col: (n) => head.indexOf(n) };
}

// Ethernet + IPv4 (20 bytes) + TCP: the client address's low 16 bits, the source port, and the checksums covering them.
const SRC_ADDR_LOW: Word16 = { offset: 14 + 14, checksums: [14 + 10, 14 + 20 + 16] };
const SRC_PORT: Word16 = { offset: 14 + 20, checksums: [14 + 20 + 16] };

describe('a flood of connections to port 21 that never close', () => {
  const f = fixture('passive-vsftpd-lftp.pcap');
  const { rows, col } = tsharkFields(f.name);
  const synFrame = Number(rows.find((r) => r[col('tcp.flags')] === '0x0002' && r[col('tcp.dstport')] === '21')![0]);
  const last = f.index.records.length - 1;
  const requests = tsharkRequests(tsharkFtp(FIXTURES_DIR, f.name));
  const streams = readText(join(FIXTURES_DIR, 'passive-vsftpd-lftp.tshark-streams.tsv'), 'utf8').trim().split('\n').length - 1;

  /** The recorded SYN, n more times after the last frame, each from its own address and port. */
  const flood = (n: number): Buffer =>
    replicateRecord(f.bytes, f.index, synFrame - 1, n, [SRC_ADDR_LOW, SRC_PORT], (k) => [0x8000 + (k >>> 14), 1024 + (k & 0x3fff)], { after: last });

  it('the derivation is what the cases assume', () => {
    expect(synFrame).toBe(3);
    expect(f.index.frames).toBe(83);
    expect(streams).toBe(4);
  });

  it('live connections are evicted at the bound (reported once), sessions without an FTP line beyond 1000 only counted', async () => {
    const n = 5000;
    const a = await analyze(flood(n), { maxConnections: 1000 });
    expect(a.capture.packets).toBe(83 + n);
    expect(a.capture.tcpConnections).toBe(streams + n);
    expect(a.capture.warnings).toEqual([
      {
        code: 'connection-limit',
        severity: 'warning',
        maxConnections: 1000,
        message: 'more than 1000 live TCP connections: evicting the least recently used',
        // The recorded connections are closed by then: the 1001st SYN of the flood is the first over the bound.
        frame: 83 + 1001,
      },
      {
        code: 'connections-evicted',
        severity: 'warning',
        evicted: 4000,
        byCount: 4000,
        maxConnections: 1000,
        idleTimeout: 3600,
        message: '4000 connection(s) evicted before their end (4000 over the 1000-connection limit, 0 idle > 3600 s)',
        frame: undefined,
      },
      {
        code: 'ftp-empty-sessions',
        severity: 'note',
        connections: 5000,
        listed: 1000,
        message: '5000 connections to an FTP port carried no FTP line (a scan, unanswered or idle connections): the first 1000 are listed as sessions, 4000 more only counted',
        frame: 83 + 1001,
      },
    ]);
    expect(a.sessions).toHaveLength(1 + 1000);
    const s = a.sessions[0];
    expect(s.commands.filter((c) => c.command !== null).map((c) => `${c.frame} ${c.command} ${c.arg}`.trimEnd())).toEqual(requests);
    expect(s.transfers.map((t) => [t.status, t.bytes])).toEqual([
      ['complete', 260],
      ['complete', 511],
      ['complete', 259],
    ]);
    expect(a.sessions.slice(1).every((x) => x.commands.length === 0 && x.client.port >= 1024 && x.server.port === 21)).toBe(true);
  });

  it('a flood in the middle of the session (after its login, frame 24) gives up the flood\'s own connections, never the session\'s: commands and transfers as without it', async () => {
    const midFlood = (n: number): Buffer =>
      replicateRecord(f.bytes, f.index, synFrame - 1, n, [SRC_ADDR_LOW, SRC_PORT], (k) => [0x8000 + (k >>> 14), 1024 + (k & 0x3fff)], { after: 23 });
    const plain = await analyze(f.bytes);
    const a = await analyze(midFlood(3000), { maxConnections: 1000 });
    expect(a.capture.tcpConnections).toBe(streams + 3000);
    // 2000 of the flood for the flood itself, 2 more for the session's later data connections' SYNs.
    expect(a.capture.warnings.find((w) => w.code === 'connections-evicted')).toMatchObject({ evicted: 2002, byCount: 2002 });
    const facts = (x: Analysis) => x.sessions[0].transfers.map((t) => [t.request?.command, t.status, t.bytes, t.connection?.evicted ?? null]);
    expect(facts(a)).toEqual(facts(plain));
    expect(facts(a).map((t) => t[1])).toEqual(['complete', 'complete', 'complete']);
    expect(a.sessions[0].commands.map((c) => c.command)).toEqual(plain.sessions[0].commands.map((c) => c.command));
    expect(a.sessions[0].controlConnection.evicted).toBeUndefined();
  });

  it('with the default bounds too: 20,000 SYNs give 1000 listed sessions and one warning', async () => {
    const a = await analyze(flood(20_000));
    expect(a.capture.tcpConnections).toBe(streams + 20_000);
    expect(a.sessions).toHaveLength(1001);
    expect(a.capture.warnings.map((w) => [w.code, w.frame])).toEqual([['ftp-empty-sessions', 83 + 1001]]);
    expect(a.capture.warnings[0].message).toMatch(/^20000 connections to an FTP port carried no FTP line/);
  });
});

describe('heavy reordering and retransmissions of a 4 MiB download (large-lossy-vsftpd-lftp.pcap.gz)', () => {
  const f = fixture('large-lossy-vsftpd-lftp.pcap.gz');
  const { rows, col } = tsharkFields(f.name);
  // tshark: the RETR data connection is stream 1, from the server's port 50037 (tshark-streams.tsv).
  const data = rows.filter((r) => r[col('tcp.srcport')] === '50037' && Number(r[col('tcp.len')]) > 0).map((r) => Number(r[0]) - 1);
  const facts = JSON.parse(readFileSync(join(FIXTURES_DIR, 'large-lossy-vsftpd-lftp.facts.json'), 'utf8')) as { files: Array<{ op: string; size: number }> };
  const size = facts.files.find((x) => x.op === 'RETR')!.size;

  /** The data segments in blocks of `block`, each block reversed (and each segment twice) where its first segment was. */
  function reorder(block: number, twice: boolean): Buffer {
    const inData = new Set(data);
    const blocks = new Map<number, number[]>();
    for (let i = 0; i < data.length; i += block) blocks.set(data[i], data.slice(i, i + block).reverse());
    const order: number[] = [];
    for (let r = 0; r < f.index.records.length; r++) {
      const b = blocks.get(r);
      if (b) for (const x of b) order.push(...(twice ? [x, x] : [x]));
      else if (!inData.has(r)) order.push(r);
    }
    return reorderRecords(f.bytes, f.index, order);
  }

  const retr = (a: Analysis) => a.sessions[0].transfers.find((t) => t.request?.command === 'RETR')!;

  it.each([
    ['blocks of 64 reversed', 64, false],
    ['blocks of 64 reversed, every segment twice', 64, true],
    ['all 3256 segments reversed, every segment twice', Infinity, true],
  ])('%s: the same 4 MiB, no gap, every extra copy counted once, as the capture\'s copy', async (_what, block, twice) => {
    expect(data).toHaveLength(3256);
    const base = retr(await analyze(f.bytes));
    expect([base.status, base.bytes, base.connection!.gapBytes]).toEqual(['complete', size, 0]);
    const a = await analyze(reorder(block, twice));
    const t = retr(a);
    expect([t.status, t.bytes, t.connection!.gapBytes]).toEqual(['complete', size, 0]);
    // A frame repeated byte for byte (same IP ID, same instant) is the capture's copy of one packet
    // (tcpdump -i any, a bridge), not the sender's retransmission: it is set aside, not counted as one.
    // A segment whose IP ID is 0 (the sender's counter wrapping: tshark says frame 333) tells nothing, so its copy stays a retransmission.
    const inData = new Set(data);
    const idZero = twice ? rows.filter((r) => inData.has(Number(r[0]) - 1) && r[col('ip.id')] === '0x0000').length : 0;
    expect(idZero).toBe(twice ? 1 : 0);
    expect([t.connection!.retransmissions, t.connection!.captureCopies, base.connection!.captureCopies]).toEqual([
      base.connection!.retransmissions + idZero,
      twice ? data.length - idZero : 0,
      0,
    ]);
    // Moved segments carry their own (earlier or later) timestamps; the copies are said once for the
    // capture (as many as the data connection set aside); nothing else is reported.
    expect(a.capture.warnings.map((w) => w.code)).toEqual(twice ? ['time-backwards', 'captured-twice'] : ['time-backwards']);
    if (twice) expect((a.capture.warnings[1] as { count?: number }).count).toBe(t.connection!.captureCopies);
  });
});
