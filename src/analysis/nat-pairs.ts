/**
 * A capture taken on a NAT device (tcpdump -i any on the router) holds every packet twice: before
 * and after translation. The same FTP session then shows up as two sessions with the same server,
 * the same commands at (almost) the same times, and different client addresses. Pairing them lets
 * the diagnosis say what the NAT rewrote — and what it left alone, such as the address in PORT.
 */
import type { Command, Session } from './model.js';

/**
 * Seconds within which two views of one packet are captured. Both views are the same packet seen
 * before and after translation, microseconds apart; two different clients running the same script
 * are not that close, command after command.
 */
const SAME_INSTANT = 0.05;
const SAME_START = SAME_INSTANT;
const WINDOW_SLACK = 1e-3;
/** Commands compared to decide that two sessions are one. */
const COMPARED = 8;

/** PORT/EPRT arguments differ when the NAT's FTP helper rewrote them; compare the verbs only then. */
function signature(commands: Command[]): string {
  return commands
    .filter((c) => c.command !== null)
    .slice(0, COMPARED)
    .map((c) => (c.command === 'PORT' || c.command === 'EPRT' || c.command === 'PASS' ? c.command : `${c.command} ${c.arg}`))
    .join('\n');
}

export function pairNatViews(sessions: Session[]): void {
  const byServer = new Map<string, { group: Session[]; clients: number }>();
  for (const s of sessions) {
    // A session without a line is never matched (both views of a NAT carry the same lines):
    // leaving them out keeps the windows below small under a flood of SYNs to port 21.
    if (s.commands.length === 0) continue;
    const k = `${s.server.ip}|${s.server.port}`;
    const entry = byServer.get(k);
    if (entry === undefined) byServer.set(k, { group: [s], clients: 1 });
    else {
      if (entry.clients === 1 && s.client.ip !== entry.group[0].client.ip) entry.clients = 2;
      entry.group.push(s);
    }
  }
  const signatures = new Map<Session, string>();
  const signatureOf = (s: Session): string => {
    let sig = signatures.get(s);
    if (sig === undefined) signatures.set(s, (sig = signature(s.commands)));
    return sig;
  };
  for (const { group, clients } of byServer.values()) {
    // The two views differ in client address: a server seen from one client address has no pair
    // (and its sessions, however many start together, need no window scan).
    if (clients === 1) continue;
    // Candidates for group[i] are the later sessions (group order) starting within SAME_START:
    // found through a list sorted by start, then tried in group order, as a plain double loop
    // over the group would, without its quadratic cost on a server with thousands of sessions.
    const byStart = group.map((s, index) => ({ start: s.start, index })).sort((x, y) => x.start - y.start || x.index - y.index);
    const starts = byStart.map((x) => x.start);
    for (let i = 0; i < group.length; i++) {
      const a = group[i];
      if (a.natPeer) continue;
      const candidates: number[] = [];
      // A slightly wider window (rounding); the exact test is below.
      const from = a.start - SAME_START - WINDOW_SLACK;
      const to = a.start + SAME_START + WINDOW_SLACK;
      for (let k = lowerBound(starts, from); k < byStart.length && byStart[k].start <= to; k++) {
        // The two views of a NAT differ in client address: same-address sessions are never pairs.
        const j = byStart[k].index;
        if (j > i && group[j].client.ip !== a.client.ip) candidates.push(j);
      }
      candidates.sort((x, y) => x - y);
      for (const j of candidates) {
        const b = group[j];
        if (b.natPeer || a.client.ip === b.client.ip || Math.abs(a.start - b.start) > SAME_START) continue;
        if (a.commands.length === 0 || signatureOf(a) !== signatureOf(b) || !sameInstants(a, b)) continue;
        // The inside view is nearer the client: its client packets have the higher TTL.
        const aInside = (a.ttl.client ?? 0) >= (b.ttl.client ?? 0);
        const inside = aInside ? a : b;
        const outside = aInside ? b : a;
        const pair = { inside: { ...inside.client }, outside: { ...outside.client } };
        inside.natPeer = { session: outside.id, side: 'inside', ...pair };
        outside.natPeer = { session: inside.id, side: 'outside', ...pair };
        break;
      }
    }
  }
}

/** Every compared command (and reply) of the two views was captured at the same instant. */
function sameInstants(a: Session, b: Session): boolean {
  const ca = a.commands.filter((c) => c.command !== null).slice(0, COMPARED);
  const cb = b.commands.filter((c) => c.command !== null).slice(0, COMPARED);
  return ca.every((c, i) => {
    const d = cb[i];
    if (Math.abs(c.time - d.time) > SAME_INSTANT) return false;
    return c.reply === null || d.reply === null || Math.abs(c.reply.time - d.reply.time) <= SAME_INSTANT;
  });
}

/** First index whose value is >= x in an ascending array. */
function lowerBound(sorted: number[], x: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid] < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
