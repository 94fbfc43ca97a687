/**
 * The seventeenth verdict audit, on real recordings (fixtures/record.sh, "Seventeenth verdict
 * audit"): one failure captured at three points of the same run, the client (c0), the server (s0)
 * and the router (tcpdump -i any: every forwarded packet twice). Passive data SYNs dropped by the
 * router's forward chain; an active data SYN answered by a RST the router forges in the client's
 * name; a STOR cut by the server's session being killed. The three captures of each run must agree
 * on every transfer's status, and each must say what its own point can see and no more. Frame
 * numbers are tshark's (NAME.tshark-ftp.tsv, NAME.tshark-streams.tsv, the pcap read by tshark's
 * fields below); sizes and sha256 are the recorder's facts.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Analysis, Session, Transfer } from '../../src/analysis/model.js';
import { analyze, causes, extractedFiles, facts, factSha, outputs, tsv } from './audit-fixtures.js';

const tmp = mkdtempSync(join(tmpdir(), 'ftpcap-audit17-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

type Point = 'client-side' | 'server-side' | 'router';
const POINTS: Point[] = ['client-side', 'server-side', 'router'];
const fixture = (base: string, p: Point): string => `${base}-${p}-vsftpd-curl`;

/**
 * tshark's FTP rows with a command or a reply code: [frame, stream, command or code]. On the router
 * each packet is there twice, arriving and leaving, one after the other: ftpcap counts the first.
 */
const ftpRows = (name: string): Array<[number, string, string]> => {
  const out: Array<[number, string, string]> = [];
  for (const r of tsv(name, 'ftp')) {
    const what = r['ftp.request.command'] || r['ftp.response.code'];
    if (!what) continue;
    const last = out[out.length - 1];
    if (last && last[1] === r['tcp.stream'] && last[2] === what) continue;
    out.push([Number(r['frame.number']), r['tcp.stream'], what]);
  }
  return out;
};
/** The frame of the n-th (from 0) tshark row with this command or reply code. */
const frameOf = (name: string, what: string, n = 0): number => ftpRows(name).filter((r) => r[2] === what)[n][0];
/** ftpcap's commands and final replies of every session in the same shape (without the stream). */
const ourRows = (a: Analysis): Array<[number, string]> =>
  a.sessions
    .flatMap((s) =>
      s.commands.flatMap((c) => {
        const out: Array<[number, string]> = [];
        if (c.command !== null) out.push([c.frame, c.command]);
        for (const p of c.preliminary) out.push([p.frame, String(p.code)]);
        // tshark names a reply at its first segment (vsftpd's 500 OOPS came in three): ftpcap's firstFrame.
        if (c.reply) out.push([c.reply.firstFrame, String(c.reply.code)]);
        return out;
      }),
    )
    .sort((x, y) => x[0] - y[0]);
const transfer = (a: Analysis, sid: number, tid: number): Transfer => a.sessions.find((s) => s.id === sid)!.transfers.find((t) => t.id === tid)!;
const session = (a: Analysis, sid: number): Session => a.sessions.find((s) => s.id === sid)!;

async function all(base: string): Promise<Record<Point, Analysis>> {
  const [c, s, r] = await Promise.all(POINTS.map((p) => analyze(fixture(base, p))));
  return { 'client-side': c, 'server-side': s, router: r };
}

/** Each capture's vantage: where it was taken, and (the router's) that it forwards the session's packets. */
function vantages(a: Record<Point, Analysis>, sid: number) {
  for (const p of POINTS) {
    const v = session(a[p], sid).vantage!;
    if (p === 'router') {
      expect([v.point, v.forwarder]).toEqual(['in-between', true]);
      // Before: "same-segment" (the arriving copies keep the senders' TTLs), and its blind spot
      // "what the capture lacks was not sent" — false on a router that drops.
      expect(v.blind).toMatch(/what it did not pass on shows once/);
    } else {
      expect([v.point, v.forwarder]).toEqual([p, undefined]);
    }
  }
}

describe('1. passive data SYNs dropped by the router (FORWARD -j DROP); a healthy active RETR first', () => {
  const base = 'tri-pasv-drop';
  it('the three captures: the same commands, the active RETR complete (511 bytes, sha256 as saved), the passive one failed', async () => {
    const a = await all(base);
    vantages(a, 2);
    for (const p of POINTS) {
      const name = fixture(base, p);
      expect(ourRows(a[p])).toEqual(ftpRows(name).map(([f, , w]) => [f, w]));
      const ok = transfer(a[p], 1, 1);
      expect([ok.mode, ok.request?.command, ok.bytes, ok.reply?.code, ok.reply?.frame, ok.status, ok.diagnosis]).toEqual([
        'active', 'RETR', 511, 226, frameOf(name, '226'), 'complete', null,
      ]);
      expect(facts(name).files[0].size).toBe(511);
      expect(await extractedFiles(name, tmp)).toEqual({ 's1-t1-hello.txt': factSha(name, 'hello.txt') });
      const bad = transfer(a[p], 2, 1);
      expect([bad.mode, bad.request, bad.status, bad.announce?.reply?.frame]).toEqual(['passive', null, 'failed', frameOf(name, '227')]);
      // The session with no success says so; the one with the healthy RETR raises nothing.
      expect(session(a[p], 1).diagnosis).toBeNull();
      expect(causes(a[p]).filter((c) => c !== bad.diagnosis!.cause)).toEqual([]);
    }
  });

  it('client side: its SYNs unanswered, dropped somewhere beyond it (it cannot tell where)', async () => {
    const name = fixture(base, 'client-side');
    const a = await analyze(name);
    const d = transfer(a, 2, 1).diagnosis!;
    expect(d.cause).toBe('passive-syn-unanswered');
    const syns = tsv(name, 'streams').filter((r) => r.dstport === '50015');
    expect(syns).toHaveLength(1);
    expect(transfer(a, 2, 1).connection!.synFrames).toEqual([56, 58, 59, 60]);
    expect(d.summary).toMatch(/Something between them, or on the server host, drops inbound connections/);
    expect(d.summary).not.toMatch(/dropped here|dropped there/);
  });

  it('server side: no SYN arrived, and it says it cannot see whether the client sent any', async () => {
    const name = fixture(base, 'server-side');
    const a = await analyze(name);
    const t = transfer(a, 2, 1);
    expect([t.connection, t.diagnosis!.cause]).toEqual([null, 'passive-unreached']);
    expect(tsv(name, 'streams').some((r) => r.dstport === '50015')).toBe(false);
    expect(t.diagnosis!.summary).toMatch(/cannot see the client's SYNs/);
  });

  it('router: the SYNs arrive (once each: never forwarded) and the router itself dropped them', async () => {
    const name = fixture(base, 'router');
    const a = await analyze(name);
    const t = transfer(a, 2, 1);
    // tshark: the SYNs to the passive port, each once (incoming on r0), never leaving on r1.
    expect(t.connection!.synFrames).toEqual([107, 110, 111, 112]);
    expect(t.connection!.captureCopies).toBe(0);
    expect(session(a, 2).controlConnection.forwardedCopies).toBeGreaterThan(0);
    const d = t.diagnosis!;
    expect(d.cause).toBe('passive-syn-unanswered');
    // Before: "The SYNs are in a capture taken on the server's side, so they reached the server's
    // network and were dropped there — by a firewall on the server host or its segment".
    expect(d.summary).toMatch(/they reached this device and it did not pass them on — dropped here/);
    expect(d.summary).not.toMatch(/server's side|server host or its segment/);
    expect(d.advice).toMatch(/The device this capture was taken on drops the SYNs to 198\.51\.100\.20:50015/);
    const [diagnose, explain] = await outputs(name, 'diagnose', 'explain');
    expect(diagnose).not.toMatch(/same-segment|Taken on the segment both hosts share/);
    expect(explain).toContain('it was taken on a device that forwards the session\'s packets');
  });
});

describe('2. active data SYN answered by a RST the router forges in the client\'s name; a healthy passive RETR first', () => {
  const base = 'tri-port-router-rst';
  it('the three captures: the same commands, the passive RETR complete, the active one failed with 425', async () => {
    const a = await all(base);
    vantages(a, 2);
    for (const p of POINTS) {
      const name = fixture(base, p);
      expect(ourRows(a[p])).toEqual(ftpRows(name).map(([f, , w]) => [f, w]));
      const ok = transfer(a[p], 1, 1);
      expect([ok.mode, ok.bytes, ok.reply?.code, ok.status, ok.diagnosis]).toEqual(['passive', 511, 226, 'complete', null]);
      expect(await extractedFiles(name, tmp)).toEqual({ 's1-t1-hello.txt': factSha(name, 'hello.txt') });
      const bad = transfer(a[p], 2, 1);
      expect([bad.mode, bad.request?.command, bad.request?.frame, bad.reply?.code, bad.reply?.frame, bad.status]).toEqual([
        'active', 'RETR', frameOf(name, 'RETR', 1), 425, frameOf(name, '425'), 'failed',
      ]);
      expect(session(a[p], 1).diagnosis).toBeNull();
    }
  });

  it('server side: the RST carries the client\'s address with TTL 64 where the client\'s packets arrive with 63: not the client', async () => {
    const name = fixture(base, 'server-side');
    const a = await analyze(name);
    const t = transfer(a, 2, 1);
    expect(t.connection!.rst).toEqual({ frame: 62, by: 'client', ttl: 64, forged: true });
    expect(session(a, 2).ttl.client).toBe(63);
    expect(t.diagnosis!.cause).toBe('active-refused');
    expect(t.diagnosis!.summary).toMatch(/a firewall or router between them sent it, not the client/);
    const [explain, timeline] = await outputs(name, 'explain', 'timeline');
    // Before: "Instead of SYN+ACK, the client answers RST (frame 62): nothing listens there".
    expect(explain).toContain("Instead of SYN+ACK, a reset comes back in the client's name (frame 62), made by a firewall or router between them, not by the client.");
    expect(explain).not.toMatch(/the client answers RST/);
    expect(timeline).toContain("A reset in the client's name, made by a firewall or router between them: not the client's");
  });

  it('router: the RST was captured leaving the router and never arriving from the client: the router made it', async () => {
    const name = fixture(base, 'router');
    const a = await analyze(name);
    const t = transfer(a, 2, 1);
    // tshark: frame 118, TTL 64, sll.pkttype 4 (outgoing) — the client's own packets arrive with 64 too.
    expect(t.connection!.rst).toEqual({ frame: 118, by: 'client', ttl: 64, madeHere: true, forged: true });
    expect(session(a, 2).ttl.client).toBe(64);
    const d = t.diagnosis!;
    expect(d.cause).toBe('active-refused');
    // Before: "It was answered by a reset (RST) from the client at frame 118", advice "stop the client's firewall".
    expect(d.summary).toMatch(/captured leaving the device this capture was taken on, never arriving from the client: that device \(a firewall or router between them\) sent it, not the client/);
    expect(d.advice).toMatch(/on that device, not on the client/);
    const [explain] = await outputs(name, 'explain');
    expect(explain).not.toMatch(/the client answers RST/);
  });

  it('client side: no SYN reached it and the 425 came at once: refused or dropped on the way, or never sent — not "no data connection was attempted"', async () => {
    const name = fixture(base, 'client-side');
    const a = await analyze(name);
    const t = transfer(a, 2, 1);
    expect(t.connection).toBeNull();
    expect(tsv(name, 'streams')).toHaveLength(3); // two control connections and the passive RETR's data connection
    const d = t.diagnosis!;
    expect(d.cause).toBe('active-unreached');
    // PORT, its 200 (the next row tshark shows), RETR, 425.
    const port = frameOf(name, 'PORT');
    expect(d.evidence).toEqual([port, ftpRows(name).find((r) => r[0] > port)![0], frameOf(name, 'RETR', 1), frameOf(name, '425')]);
    expect(d.summary).toMatch(/No SYN from the server to 192\.0\.2\.10:38535 reached the client's side, where this capture was taken: its attempt was refused or dropped on the way/);
    const [summary, diagnose, explain] = await outputs(name, 'summary', 'diagnose', 'explain');
    for (const out of [summary, diagnose, explain]) expect(out).not.toMatch(/no data connection was attempted|did not \(visibly\) try/);
  });
});

describe('3. STOR cut by the server: its session processes killed mid-upload', () => {
  const base = 'tri-stor-server-killed';
  const up = 200_000;
  it('the three captures: aborted by the server, for the same reason, with what each point saw of the bytes', async () => {
    const a = await all(base);
    vantages(a, 1);
    const f = facts(fixture(base, 'client-side')).files[0];
    expect([f.size, f.received.size]).toEqual([up, 36200]);
    const seen: Record<Point, number> = { 'client-side': 59368, 'server-side': 39096, router: 59368 };
    for (const p of POINTS) {
      const name = fixture(base, p);
      expect(ourRows(a[p])).toEqual(ftpRows(name).map(([fr, , w]) => [fr, w]));
      const t = transfer(a[p], 1, 1);
      expect([t.request?.command, t.preliminary?.code, t.reply?.code, t.reply?.firstFrame, t.status, t.verdict.kind, t.diagnosis?.cause]).toEqual([
        'STOR', 150, 500, frameOf(name, '500'), 'aborted', 'aborted', 'aborted',
      ]);
      expect(t.bytes).toBe(seen[p]);
      // What the server kept (36200 bytes) is what it acknowledged, in every view.
      expect(t.diagnosis!.summary).toMatch(/the server had acknowledged 36200 of them when the reset came/);
      // Before: the client side and the router said "stalled ... lost on the path" (the server's
      // FIN and resets were taken for loss), the server side "aborted"; and a 500 after the 150 read
      // as "the server did not understand the command", advice "check the client".
      expect(t.diagnosis!.summary).toMatch(/a syntax-error code after the server had accepted STOR \(150, frame \d+\): the server failed while the transfer ran/);
      expect(t.diagnosis!.summary).not.toMatch(/did not understand|lost on the path/);
      expect(t.diagnosis!.advice).toMatch(/^The server failed while the transfer ran/);
      expect(t.connection!.rst?.by).toBe('server');
      expect(t.connection!.rst?.forged).toBeUndefined();
    }
  });
});

describe('4. the server\'s 227 and 226 lost once each beyond the router and sent again: healthy at every point', () => {
  const base = 'tri-ctrl-reply-lost';
  it('the three captures: one complete RETR (511 bytes, sha256 as saved), no diagnosis in any output', async () => {
    const a = await all(base);
    vantages(a, 1);
    for (const p of POINTS) {
      const name = fixture(base, p);
      expect(ourRows(a[p])).toEqual(ftpRows(name).map(([f, , w]) => [f, w]));
      const t = transfer(a[p], 1, 1);
      expect([t.announce?.reply?.frame, t.request?.command, t.bytes, t.reply?.code, t.reply?.frame, t.status, t.diagnosis]).toEqual([
        frameOf(name, '227'), 'RETR', 511, 226, frameOf(name, '226'), 'complete', null,
      ]);
      expect(causes(a[p])).toEqual([]);
      expect(await extractedFiles(name, tmp)).toEqual({ 's1-t1-hello.txt': factSha(name, 'hello.txt') });
      const [diagnose, summary, explain] = await outputs(name, 'diagnose', 'summary', 'explain');
      expect(diagnose).toMatch(/No failed data connections in 1 session: 1 transfer \(1 complete\)\./);
      expect(summary).not.toMatch(/failed|aborted|incomplete|\[1\]/);
      expect(explain).toContain('Compared with the textbook: everything happened as described.');
    }
    // The server's side holds each reply twice (its TCP sent it again), the client's once: the
    // first copy of the 227 at the server comes ~0.2 s before the only one at the client.
    const server = tsv(fixture(base, 'server-side'), 'streams').find((r) => r.dstport === '21')!;
    const client = tsv(fixture(base, 'client-side'), 'streams').find((r) => r.dstport === '21')!;
    expect(Number(server.frames)).toBe(Number(client.frames) + 2);
    expect(server.bytes_dst_to_src).toBe(String(Number(client.bytes_dst_to_src) + '227 Entering Passive Mode (198,51,100,20,195,94).\r\n'.length + '226 Transfer complete.\r\n'.length));
  });
});
