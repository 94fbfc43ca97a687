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

/** The commands two views are compared on: the first COMPARED the client sent. */
function compared(commands: Command[]): Command[] {
  const out: Command[] = [];
  for (const c of commands) {
    if (out.length === COMPARED) break;
    if (c.command !== null) out.push(c);
  }
  return out;
}

/** PORT/EPRT arguments differ when the NAT's FTP helper rewrote them; compare the verbs only then. */
function signature(commands: Command[]): string {
  return commands
    .map((c) => (c.command === 'PORT' || c.command === 'EPRT' || c.command === 'PASS' ? c.command : `${c.command} ${c.arg}`))
    .join('\n');
}

/** What a session is compared on, computed once however many candidates it is compared with. */
interface Traits {
  signature: string;
  /** Per compared command: its time, then its reply's time (NaN without a reply). */
  instants: Float64Array;
}

function traitsOf(commands: Command[]): Traits {
  const chosen = compared(commands);
  const instants = new Float64Array(chosen.length * 2);
  chosen.forEach((c, i) => {
    instants[2 * i] = c.time;
    instants[2 * i + 1] = c.reply === null ? NaN : c.reply.time;
  });
  return { signature: signature(chosen), instants };
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
  for (const { group, clients } of byServer.values()) {
    // The two views differ in client address: a server seen from one client address has no pair
    // (and its sessions, however many start together, need no window scan).
    if (clients === 1) continue;
    // Two views send the same commands: only sessions with one signature are compared, so a flood
    // of sessions starting together (each its own user or file) costs no scan of each other.
    const bySignature = new Map<string, Compared[]>();
    for (const session of group) {
      const traits = traitsOf(session.commands);
      const same = bySignature.get(traits.signature);
      if (same === undefined) bySignature.set(traits.signature, [{ session, traits }]);
      else same.push({ session, traits });
    }
    for (const same of bySignature.values()) if (same.length > 1) pairWithin(same);
  }
}

interface Compared {
  session: Session;
  traits: Traits;
}

/** Pairs the two views among sessions to one server with one signature, in capture order. */
function pairWithin(group: Compared[]): void {
  // Candidates for group[i] are the later sessions (group order) starting within SAME_START:
  // found through a list sorted by start, then tried in group order, as a plain double loop
  // over the group would, without its quadratic cost on a server with thousands of sessions.
  const byStart = group.map((c, index) => ({ start: c.session.start, index })).sort((x, y) => x.start - y.start || x.index - y.index);
  const starts = byStart.map((x) => x.start);
  for (let i = 0; i < group.length; i++) {
    const a = group[i].session;
    if (a.natPeer) continue;
    const candidates: number[] = [];
    // A slightly wider window (rounding); the exact test is below.
    const from = a.start - SAME_START - WINDOW_SLACK;
    const to = a.start + SAME_START + WINDOW_SLACK;
    for (let k = lowerBound(starts, from); k < byStart.length && byStart[k].start <= to; k++) {
      // The two views of a NAT differ in client address: same-address sessions are never pairs.
      const j = byStart[k].index;
      if (j > i && group[j].session.client.ip !== a.client.ip) candidates.push(j);
    }
    candidates.sort((x, y) => x - y);
    for (const j of candidates) {
      const b = group[j].session;
      if (b.natPeer || Math.abs(a.start - b.start) > SAME_START) continue;
      if (!sameInstants(group[i].traits, group[j].traits)) continue;
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

/**
 * Every compared command (and reply) of the two views was captured at the same instant. Both
 * have one signature, so as many compared commands; a missing reply matches any.
 */
function sameInstants(a: Traits, b: Traits): boolean {
  const x = a.instants;
  const y = b.instants;
  for (let i = 0; i < x.length; i += 2) {
    if (Math.abs(x[i] - y[i]) > SAME_INSTANT) return false;
    // NaN (no reply on either side) compares false: a missing reply matches any.
    if (Math.abs(x[i + 1] - y[i + 1]) > SAME_INSTANT) return false;
  }
  return true;
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
