/**
 * Intermittent passive failures that split by port: the server picks each passive port at random
 * from its range, a firewall in front of it opens only part of that range, and so some transfers
 * work and others fail, seemingly at random. Each failed transfer keeps its own cause (no answer,
 * a reset, an ICMP error, no connection arriving); the pattern across the transfers to one server
 * address is decided here once, before the diagnosis, so every failed transfer's words and advice
 * and every output's per-server line say the same.
 *
 * A split is claimed only when it is clear: at least MIN_PORTS distinct ports on each side, no port
 * both working and failing, and every failing port above (or below) every working one. If failures
 * struck at random, regardless of port, k working and m failing distinct ports would fall into two
 * such blocks with probability 2 / C(k+m, k): 4 and 4 make that 1 in 35, while 3 and 3 would be 1 in 10.
 * Failing ports that interleave with working ones are no block a firewall's range explains.
 */
import type { PassivePortSplit, PortGroup, Session, Transfer } from './model.js';
import { SERVER_SETTINGS, serverSoftware } from './server-software.js';
import { canSeeArrivalAt } from './diagnose/vantage.js';

/** Distinct ports needed on each side (see above). */
export const MIN_PORTS = 4;

interface Seen {
  port: number;
  session: number;
  transfer: number;
  frame: number;
}

interface ByServer {
  worked: Map<number, Seen>;
  failed: Map<number, Seen>;
  workedCount: number;
  failedCount: number;
  software: Session['serverSoftware'];
}

/**
 * A passive transfer's data connection attempt and its outcome: opened, or failed at the
 * connection (SYNs unanswered, refused by a reset or ICMP, or no connection arriving at all) while
 * the transfer failed. Null for anything else (not passive, no endpoint, failed later than the
 * connection, a capture of one direction that cannot tell).
 */
function attempt(t: Transfer, seesClientLeave: boolean): { ok: boolean; ip: string; port: number; frame: number } | null {
  if (t.mode !== 'passive' || t.inferred !== undefined) return null;
  const c = t.connection;
  if (c?.established) return { ok: true, ip: c.server.ip, port: c.server.port, frame: c.synFrame ?? c.establishedFrame ?? c.synFrames[0] ?? 0 };
  if (t.status !== 'failed' || !t.announce?.endpoint) return null;
  // Where the client's SYNs would show, none is a client that never tried: no failure of the path.
  if (c === null) return seesClientLeave ? null : { ok: false, ip: t.announce.endpoint.ip, port: t.announce.endpoint.port, frame: t.announce.reply?.frame ?? t.announce.frame };
  if (c.midstream || c.synFrames.length === 0 || c.synAckFrames.length > 0) return null;
  return { ok: false, ip: c.server.ip, port: c.server.port, frame: c.synFrames[0] };
}

/** One pass over the transfers, by server address; then one decision per server. */
export function findPassivePortSplits(sessions: Session[]): PassivePortSplit[] {
  const servers = new Map<string, ByServer>();
  for (const s of sessions) {
    // A capture of one direction cannot tell a connection that failed from one it did not see.
    if (s.oneWay !== undefined || s.transfers.length === 0) continue;
    // Placed by the diagnosis just before (diagnose/index.ts).
    const seesClientLeave = s.vantage !== null && canSeeArrivalAt(s.vantage, 'client');
    for (const t of s.transfers) {
      const a = attempt(t, seesClientLeave);
      if (a === null) continue;
      let by = servers.get(a.ip);
      if (by === undefined) servers.set(a.ip, (by = { worked: new Map(), failed: new Map(), workedCount: 0, failedCount: 0, software: null }));
      by.software ??= serverSoftware(s);
      const seen = { port: a.port, session: s.id, transfer: t.id, frame: a.frame };
      if (a.ok) {
        by.workedCount++;
        if (!by.worked.has(a.port)) by.worked.set(a.port, seen);
      } else {
        by.failedCount++;
        if (!by.failed.has(a.port)) by.failed.set(a.port, seen);
      }
    }
  }
  const found: PassivePortSplit[] = [];
  for (const [server, by] of servers) {
    const split = decide(server, by);
    if (split) found.push(split);
  }
  return found;
}

function decide(server: string, by: ByServer): PassivePortSplit | null {
  if (by.worked.size < MIN_PORTS || by.failed.size < MIN_PORTS) return null;
  const worked = [...by.worked.keys()].sort((x, y) => x - y);
  const failed = [...by.failed.keys()].sort((x, y) => x - y);
  // Disjoint blocks: a port that both worked and failed, or interleaving ports, is no closed part of a range.
  const closed = failed[0] > worked[worked.length - 1] ? 'above' : failed[failed.length - 1] < worked[0] ? 'below' : null;
  if (closed === null) return null;
  const group = (ports: number[], seen: Map<number, Seen>, count: number, edgePort: number): PortGroup => {
    const e = seen.get(edgePort)!;
    return { low: ports[0], high: ports[ports.length - 1], ports: ports.length, transfers: count, edge: { port: e.port, session: e.session, transfer: e.transfer, frame: e.frame } };
  };
  const w = group(worked, by.worked, by.workedCount, closed === 'above' ? worked[worked.length - 1] : worked[0]);
  const f = group(failed, by.failed, by.failedCount, closed === 'above' ? failed[0] : failed[failed.length - 1]);
  const first = (seen: Map<number, Seen>): number => {
    let min = Infinity;
    for (const x of seen.values()) min = Math.min(min, x.frame);
    return min;
  };
  const evidence = [...new Set([first(by.worked), w.edge.frame, first(by.failed), f.edge.frame])].sort((x, y) => x - y);
  return { server, worked: w, failed: f, closed, software: by.software ?? null, evidence };
}

const span = (g: PortGroup): string => (g.low === g.high ? `port ${g.low}` : `ports ${g.low}–${g.high}`);
const times = (n: number, what: string): string => `${n} ${what}${n === 1 ? '' : 's'}`;

/** The server's passive range setting, named through server-software.ts's table: " (vsftpd: pasv_min_port/pasv_max_port)", or nothing. */
function settingWhere(p: PassivePortSplit): string {
  const set = p.software === null ? null : SERVER_SETTINGS[p.software];
  if (set === null) return '';
  return set.passivePorts === null ? ` (${set.name} has no setting for it: it takes any free port the kernel gives)` : ` (${set.name}: ${set.passivePorts})`;
}

/** The finding, as one sentence: which ports worked, which failed, and what that split means. */
export function portSplitWords(p: PassivePortSplit): string {
  const [lo, hi] = p.closed === 'above' ? [p.worked, p.failed] : [p.failed, p.worked];
  return (
    `Passive data connections to ${p.server} split by port: ${span(p.worked)} worked (${times(p.worked.transfers, 'transfer')} on ` +
    `${times(p.worked.ports, 'port')}, up to ${p.closed === 'above' ? 'port' : 'down to port'} ${p.worked.edge.port} for transfer ` +
    `${p.worked.edge.session}.${p.worked.edge.transfer}, frame ${p.worked.edge.frame}), ${span(p.failed)} failed (${times(p.failed.transfers, 'transfer')} on ` +
    `${times(p.failed.ports, 'port')}, from port ${p.failed.edge.port} for transfer ${p.failed.edge.session}.${p.failed.edge.transfer}, frame ${p.failed.edge.frame}), ` +
    `and no port did both: a firewall on the way opens only part of the server's passive range${settingWhere(p)}, ` +
    `its edge between ${lo.high} and ${hi.low}. The failures only look random because the server picks each passive port at random`
  );
}

/**
 * A failed transfer's place in its server's split, in one sentence: the split itself is told once
 * per server (portSplitWords, in every output that lists the server's splits).
 */
export function portSplitReference(p: PassivePortSplit, port: number): string {
  return (
    `Port ${port} is in the part of the server's passive range that failed: ${span(p.failed)} failed and ${span(p.worked)} worked, ` +
    `every time, across the capture's passive data connections to ${p.server} (a firewall on the way opens only part of the range)`
  );
}

/** What to change, as one sentence: make the firewall's range and the server's range the same. */
export function portSplitAdvice(p: PassivePortSplit): string {
  const set = p.software === null ? null : SERVER_SETTINGS[p.software];
  if (set !== null && set.passivePorts === null) {
    return (
      `${set.name} takes any free port the kernel gives, so a firewall that opens a fixed range (${span(p.worked)} got through) lets it through only by chance: ` +
      "open each announced port through the firewall's FTP helper (nf_conntrack_ftp), or allow the kernel's whole ephemeral range."
    );
  }
  return (
    `Make the firewall's opened range and the server's passive range${settingWhere(p)} the same: open ${span(p.failed)} ` +
    `(and any other port of the server's range) on every firewall in front of ${p.server}, or narrow the server's range to the ports the firewall opens (${span(p.worked)} worked).`
  );
}

/** Per analysis's splits, by server address: built once, looked up per transfer. */
const indexes = new WeakMap<PassivePortSplit[], Map<string, PassivePortSplit>>();

/** The split of the passive data connections to this address, or null. */
export function portSplitAt(splits: PassivePortSplit[], ip: string): PassivePortSplit | null {
  let index = indexes.get(splits);
  if (index === undefined) indexes.set(splits, (index = new Map(splits.map((p) => [p.server, p]))));
  return index.get(ip) ?? null;
}

/** The split for a failed connection to this address and port, or null when its server has none or the port is not among the failed. */
export function portSplitFor(splits: PassivePortSplit[], ip: string, port: number): PassivePortSplit | null {
  const p = portSplitAt(splits, ip);
  return p !== null && port >= p.failed.low && port <= p.failed.high ? p : null;
}

/** The splits a session's failed passive transfers belong to (a healthy session belongs to none). */
export function portSplitsOf(splits: PassivePortSplit[], s: Session): PassivePortSplit[] {
  const found = new Set<PassivePortSplit>();
  for (const t of s.transfers) {
    const to = t.connection?.server ?? t.announce?.endpoint;
    if (t.mode !== 'passive' || t.diagnosis === null || !to) continue;
    const p = portSplitFor(splits, to.ip, to.port);
    if (p !== null) found.add(p);
  }
  return [...found];
}
