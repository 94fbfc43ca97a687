/**
 * Round trips as the capture point sees them: how long a packet takes from here to one side and its
 * answer back. At a side's own host next to nothing; at the other end's, the whole path's. Read by a
 * sender's reset (sender-reset.ts) and by the checks that time a server's reply (an active data
 * connection's 425 comes a round trip late at the client's side, whatever the server did).
 */
import type { HandshakeEvent, Session } from './model.js';

/** Seconds: a round trip worth naming beside a delay (a path's, not a host's own). */
export const PATH_ROUND_TRIP = 0.1;

/**
 * The time a packet takes from the capture point to `side` and an answer back, from the handshake:
 * SYN to SYN-ACK when `side` answered the SYN, SYN-ACK to the handshake's last ACK when it sent it.
 * At `side`'s own host that is next to nothing; at the other end's, the whole round trip.
 */
export function roundTripToward(c: { handshake: HandshakeEvent[] }, side: 'client' | 'server'): number | null {
  const synAck = c.handshake.find((e) => e.type === 'syn-ack');
  if (synAck === undefined) return null;
  if (synAck.by === side) {
    const syn = c.handshake.filter((e) => e.type === 'syn' && e.frame < synAck.frame).pop();
    return syn ? synAck.time - syn.time : null;
  }
  // At the SYN-ACK's own frame when the ACK was captured first (connection-state.ts): no time at all.
  const ack = c.handshake.find((e) => e.type === 'established' && e.frame >= synAck.frame);
  return ack ? ack.time - synAck.time : null;
}

/**
 * The least time `side` took to answer something that went to it through the capture point: a round
 * trip toward it or more (roundTripToward's bound where the handshakes do not tell). The server's: a
 * reply after its command. The client's: a passive data connection's SYN after the 227/229 that
 * named its port (a command after a reply proves nothing: a client may send it without waiting).
 */
export function answeredWithin(s: Session, side: 'client' | 'server'): number | null {
  // Read once per session and side: every transfer's reset asks, and a session may hold thousands.
  let known = answered.get(s);
  if (known === undefined) answered.set(s, (known = {}));
  if (known[side] === undefined) known[side] = leastAnswer(s, side);
  return known[side]!;
}
const answered = new WeakMap<Session, { client?: number | null; server?: number | null }>();

function leastAnswer(s: Session, side: 'client' | 'server'): number | null {
  let least = Infinity;
  if (side === 'server') {
    for (const c of s.commands) {
      const first = c.preliminary[0] ?? c.reply;
      if (c.command !== null && first !== null && first !== undefined && first.time >= c.time) least = Math.min(least, first.time - c.time);
    }
  } else {
    for (const t of s.transfers) {
      const named = t.announce?.reply;
      const syn = t.connection?.handshake.find((e) => e.type === 'syn' && e.by === 'client');
      if (t.mode === 'passive' && t.connection?.match === 'exact' && named != null && syn !== undefined && syn.time >= named.time) least = Math.min(least, syn.time - named.time);
    }
  }
  return least === Infinity ? null : least;
}
