/**
 * A capture taken on a NAT device (tcpdump -i any on the router) holds every packet twice: before
 * and after translation. The same FTP session then shows up as two sessions with the same server,
 * the same commands at (almost) the same times, and different client addresses. Pairing them lets
 * the diagnosis say what the NAT rewrote — and what it left alone, such as the address in PORT.
 */
import type { Command, Session } from './model.js';
import { embeddedIpv4 } from './nat64.js';

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
/** Sessions, nearest in start time, tried as a session's other view. */
const MAX_CANDIDATES = 64;

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
    // Through NAT64 the server's IPv6 view embeds its IPv4 address (nat64.ts): both views are one server.
    const k = `${embeddedIpv4(s.server.ip) ?? s.server.ip}|${s.server.port}`;
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
    pairWithin(group);
  }
}

/** Pairs the two views among the sessions to one server, in capture order. */
function pairWithin(group: Session[]): void {
  // What a session is compared on, computed for the sessions that have a candidate only.
  const traits = new Map<Session, Traits>();
  const traitsFor = (s: Session): Traits => {
    let t = traits.get(s);
    if (t === undefined) traits.set(s, (t = traitsOf(s.commands)));
    return t;
  };
  // Candidates for group[i] are the later sessions (group order) starting within SAME_START,
  // the nearest in start time first, at most MAX_CANDIDATES of them: the two views of one session
  // start microseconds apart, and a window of thousands of sessions (a flood through the NAT, or
  // made up) would cost a comparison per pair. They are then tried in group order.
  const byStart = group.map((c, index) => ({ start: c.start, index })).sort((x, y) => x.start - y.start || x.index - y.index);
  const starts = byStart.map((x) => x.start);
  const ips = byStart.map((x) => group[x.index].client.ip);
  const positionOf = new Int32Array(group.length);
  byStart.forEach((x, k) => (positionOf[x.index] = k));
  // The two views of a NAT differ in client address, so same-address sessions are never pairs:
  // a run of them in start order (one client's flood of sessions) is skipped in one step.
  const nextOtherIp = new Int32Array(byStart.length);
  for (let k = byStart.length - 1; k >= 0; k--) {
    nextOtherIp[k] = k + 1 >= byStart.length || ips[k + 1] !== ips[k] ? k + 1 : nextOtherIp[k + 1];
  }
  const prevOtherIp = new Int32Array(byStart.length);
  for (let k = 0; k < byStart.length; k++) {
    prevOtherIp[k] = k === 0 || ips[k - 1] !== ips[k] ? k - 1 : prevOtherIp[k - 1];
  }
  // A slightly wider window (rounding); the exact test is below.
  const reach = SAME_START + WINDOW_SLACK;
  for (let i = 0; i < group.length; i++) {
    const a = group[i];
    if (a.natPeer) continue;
    const candidates: number[] = [];
    const at = positionOf[i];
    let lo = at - 1;
    let hi = at + 1;
    for (let seen = 0; seen < MAX_CANDIDATES; seen++) {
      const below = lo >= 0 ? a.start - starts[lo] : Infinity;
      const above = hi < byStart.length ? starts[hi] - a.start : Infinity;
      if (Math.min(below, above) > reach) break;
      const k = below <= above ? lo : hi;
      const down = k === lo;
      if (ips[k] === a.client.ip) {
        // Not one of the sessions looked at: the run is stepped over.
        if (down) lo = prevOtherIp[k];
        else hi = nextOtherIp[k];
        seen--;
        continue;
      }
      if (down) lo--;
      else hi++;
      const j = byStart[k].index;
      if (j > i && !group[j].natPeer) candidates.push(j);
    }
    candidates.sort((x, y) => x - y);
    for (const j of candidates) {
      const b = group[j];
      if (b.natPeer || Math.abs(a.start - b.start) > SAME_START) continue;
      if (!sameTraits(traitsFor(a), traitsFor(b))) continue;
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
 * The two views' compared commands are the same (arguments aside where a NAT rewrites them), and
 * each of them (and its reply) was captured at the same instant; a missing reply matches any.
 */
function sameTraits(a: Traits, b: Traits): boolean {
  if (a.signature !== b.signature) return false;
  const x = a.instants;
  const y = b.instants;
  for (let i = 0; i < x.length; i += 2) {
    if (Math.abs(x[i] - y[i]) > SAME_INSTANT) return false;
    // NaN (no reply on either side) compares false: a missing reply matches any.
    if (Math.abs(x[i + 1] - y[i + 1]) > SAME_INSTANT) return false;
  }
  return true;
}
