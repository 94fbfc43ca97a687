/**
 * The decision of passive-port-split.ts on made-up transfer lists: when a split by port is claimed
 * and when it is not (too few ports, a port both working and failing, interleaving, one direction
 * only, a capture that would show the client's SYN). The recordings are checked in verdicts-audit37.test.ts.
 */
import { describe, expect, it } from 'vitest';
import type { Session, Transfer } from '../../src/analysis/model.js';
import { inferVantage } from '../../src/analysis/diagnose/vantage.js';
import { findPassivePortSplits, MIN_PORTS, portSplitAdvice, portSplitFor } from '../../src/analysis/passive-port-split.js';

const SERVER = '198.51.100.20';
let frame = 1;

/** A passive transfer to `port`: its connection opened, its SYNs went unanswered, or (null) none is in the capture. */
function transfer(id: number, port: number, outcome: 'ok' | 'unanswered' | 'none'): Transfer {
  const f = (frame += 10);
  const connection =
    outcome === 'none'
      ? null
      : { established: outcome === 'ok', server: { ip: SERVER, port }, synFrame: f + 1, establishedFrame: outcome === 'ok' ? f + 3 : null, synFrames: [f + 1], synAckFrames: outcome === 'ok' ? [f + 2] : [], midstream: false };
  return {
    id,
    mode: 'passive',
    status: outcome === 'ok' ? 'complete' : 'failed',
    announce: { frame: f, reply: { frame: f }, endpoint: { ip: SERVER, port } },
    connection,
  } as unknown as Transfer;
}

/** A session seen from the server's side (TTLs 63 and 64), or the client's. */
function session(id: number, list: Array<[number, 'ok' | 'unanswered' | 'none']>, side: 'client' | 'server' = 'client', oneWay?: 'client'): Session {
  const s = {
    id,
    client: { ip: '192.0.2.10', port: 40000 + id },
    server: { ip: SERVER, port: 21 },
    natPeer: null,
    controlConnection: { forwardedCopies: 0 },
    control: { kind: 'opened' },
    ttl: side === 'client' ? { client: 64, server: 63 } : { client: 63, server: 64 },
    serverSoftware: 'vsftpd',
    oneWay,
    transfers: list.map(([port, o], i) => transfer(i + 1, port, o)),
  } as unknown as Session;
  // Placed as the diagnosis places it before it looks for splits.
  s.vantage = inferVantage(s);
  return s;
}

const low = [50000, 50002, 50004, 50006, 50008];
const high = [50011, 50013, 50015, 50017];

describe('a split by port', () => {
  it('is claimed for two disjoint blocks of at least MIN_PORTS ports each, over several sessions (one pass, by server)', () => {
    expect(MIN_PORTS).toBe(4);
    const sessions = [...low, ...high].map((p, i) => session(i + 1, [[p, p < 50010 ? 'ok' : 'unanswered']]));
    const [p] = findPassivePortSplits(sessions);
    expect([p.worked.low, p.worked.high, p.worked.ports, p.failed.low, p.failed.high, p.failed.ports, p.closed]).toEqual([50000, 50008, 5, 50011, 50017, 4, 'above']);
    expect([p.worked.edge.port, p.failed.edge.port]).toEqual([50008, 50011]);
    expect(portSplitFor([p], SERVER, 50013)).toBe(p);
    expect(portSplitFor([p], SERVER, 50004)).toBeNull();
    expect(portSplitAdvice(p)).toContain('(vsftpd: pasv_min_port/pasv_max_port)');
  });
  it('is claimed below the working ports too', () => {
    const s = session(1, [...high.map((x) => [x, 'ok'] as [number, 'ok']), ...low.map((x) => [x, 'unanswered'] as [number, 'unanswered'])]);
    expect(findPassivePortSplits([s]).map((p) => p.closed)).toEqual(['below']);
  });
  it('is not claimed from three ports on one side', () => {
    expect(findPassivePortSplits([session(1, [...low.map((x) => [x, 'ok'] as [number, 'ok']), [50011, 'unanswered'], [50013, 'unanswered'], [50015, 'unanswered'], [50015, 'unanswered']])])).toEqual([]);
  });
  it('is not claimed when the failing ports interleave with the working ones, or a port did both', () => {
    const interleaved = session(1, [...low.map((x) => [x, 'ok'] as [number, 'ok']), ...[50001, 50003, 50005, 50007].map((x) => [x, 'unanswered'] as [number, 'unanswered'])]);
    expect(findPassivePortSplits([interleaved])).toEqual([]);
    const both = session(1, [...low.map((x) => [x, 'ok'] as [number, 'ok']), ...[50008, 50011, 50013, 50015].map((x) => [x, 'unanswered'] as [number, 'unanswered'])]);
    expect(findPassivePortSplits([both])).toEqual([]);
  });
  it('counts an announced port no connection reached only where the client\'s SYN could not have shown', () => {
    const list: Array<[number, 'ok' | 'none']> = [...low.map((x) => [x, 'ok'] as [number, 'ok']), ...high.map((x) => [x, 'none'] as [number, 'none'])];
    expect(findPassivePortSplits([session(1, list, 'server')])).toHaveLength(1);
    // At the client's side no SYN means the client never tried: no failure of the path.
    expect(findPassivePortSplits([session(1, list, 'client')])).toEqual([]);
  });
  it('is not read from a capture of one direction', () => {
    const list: Array<[number, 'ok' | 'unanswered']> = [...low.map((x) => [x, 'ok'] as [number, 'ok']), ...high.map((x) => [x, 'unanswered'] as [number, 'unanswered'])];
    expect(findPassivePortSplits([session(1, list, 'client', 'client')])).toEqual([]);
  });
});
