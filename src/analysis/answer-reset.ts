/**
 * A control connection whose SYN was answered from another address than the one the client called,
 * and whose client reset that answer (SYN-ACK, then the client's RST): a port forward (DNAT) that
 * translated the client's SYN on its way in, while the server's answer went back to the client by
 * another way, around the translation — an inside client reaching a server on its own network
 * through the router's public address, the router reflecting it (NAT reflection, hairpin) without
 * the hairpin SNAT. The client's kernel never called the answering address, so it resets the answer,
 * and sends its SYN again to the address it did call: the connection never opens.
 *
 * Seen where the client's SYN to the called address and the answer from the other address are both
 * in the capture (the client's side, the router's), the two are one attempt: the same client end and
 * server port, the answer within the SYNs' retransmission schedule. Seen at the server, only the
 * answer's end shows: the client reset the server's SYN-ACK, its SYN came through one router and its
 * reset through none (by the TTLs): the client is on the server's own link, and its SYN was translated
 * by the router the answer bypassed. (A SYN scan's reset of the answer arrives as the SYN did, or, from
 * a scanner writing its own TTLs, over many more routers than one: not this.)
 * A passive data connection fares the same (dataAnswerReset): the client connects to the address the
 * 227 named — the public one — and the router reflects it to the server, whose answer comes back
 * around the router from its inside address (a split-horizon client that reached the server at its
 * inside address, told the public one by pasv_address / MasqueradeAddress / pure-ftpd -P).
 * Decided once, read by the control verdict and the transfer status (verdict.ts) and the diagnosis.
 */
import type { DataAnswerReset, DataConnection, Endpoint, OtherConnection, Session, Transfer } from './model.js';
import { hopsAway } from './diagnose/vantage.js';

export interface AnswerReset {
  /** The address the client's SYN went to, where the capture holds it (null: only the answer's end shows, at the server). */
  called: Endpoint | null;
  /** The end that answered it (SYN-ACK). */
  answeredBy: Endpoint;
  /** The client's SYNs (to the called address where known), the answers, and the client's resets of them. */
  synFrames: number[];
  synAckFrames: number[];
  resetFrames: number[];
  /** The session of the other half of the same attempt (the called address's, or the answer's), or null. */
  twin: number | null;
  /** At the server: the routers between it and the client on the SYN's way and on the reset's (TTLs), else null. */
  hops: { syn: number; reset: number } | null;
}

/** Seen at the server: the client's SYN through the one router that translated it, its reset straight over the link. */
const aroundOneRouter = (syn: number | null, reset: number | null): boolean => syn === 1 && reset === 0;

/**
 * Seconds around the client's SYNs that an answer from elsewhere still belongs to them: after the
 * last, and before the first the capture holds (a capture that missed the first SYN, or started late).
 */
const ANSWER_WINDOW = 3;

/**
 * Only the server's answer and the client's reset of it: never opened, nothing said. The client's
 * reset with no SYN-ACK before it on the connection answered one the capture lost: a client's stack
 * resets a connection it never had only when something of that connection reaches it.
 */
function answerOnly(s: Session): boolean {
  const cc = s.controlConnection;
  return (
    !s.midstream &&
    !cc.established &&
    s.commands.length === 0 &&
    cc.rst !== null &&
    cc.rst.by === 'client' &&
    (cc.synAckFrames.length === 0 || cc.rst.frame > cc.synAckFrames[0])
  );
}

/** The client's SYNs and nothing back on this connection. */
function synOnly(s: Session): boolean {
  const cc = s.controlConnection;
  return !s.midstream && !cc.established && s.commands.length === 0 && cc.synFrames.length > 0 && cc.synAckFrames.length === 0 && cc.rst === null && cc.icmpErrors.length === 0;
}

const key = (client: Endpoint, serverPort: number): string => `${client.ip}|${client.port}|${serverPort}`;

function firstTime(s: Session, type: 'syn' | 'syn-ack' | 'rst'): number | null {
  for (const e of s.controlConnection.handshake) if (e.type === type) return e.time;
  return null;
}

function lastSynTime(s: Session): number | null {
  let t: number | null = null;
  for (const e of s.controlConnection.handshake) if (e.type === 'syn') t = e.time;
  return t;
}

/** Every session whose control connection's answer came from elsewhere and was reset by its client. */
export function findAnswerResets(sessions: readonly Session[]): Map<Session, AnswerReset> {
  const found = new Map<Session, AnswerReset>();
  const answers = new Map<string, Session[]>();
  for (const s of sessions) {
    if (!answerOnly(s)) continue;
    const k = key(s.client, s.server.port);
    const list = answers.get(k);
    if (list === undefined) answers.set(k, [s]);
    else list.push(s);
  }
  if (answers.size === 0) return found;
  for (const a of sessions) {
    if (!synOnly(a)) continue;
    const first = firstTime(a, 'syn');
    const last = lastSynTime(a);
    if (first === null || last === null) continue;
    const b = answers.get(key(a.client, a.server.port))?.find((x) => {
      const t = firstTime(x, 'syn-ack') ?? firstTime(x, 'rst');
      return x.server.ip !== a.server.ip && !found.has(x) && t !== null && t >= first - ANSWER_WINDOW && t <= last + ANSWER_WINDOW;
    });
    if (b === undefined) continue;
    const cb = b.controlConnection;
    const common = { called: a.server, answeredBy: b.server, synFrames: a.controlConnection.synFrames, synAckFrames: cb.synAckFrames, resetFrames: [cb.rst!.frame], hops: null };
    found.set(a, { ...common, twin: b.id });
    found.set(b, { ...common, twin: a.id });
  }
  // Only the answer's end in the capture (at the server): the reset came over fewer routers than the SYN.
  for (const list of answers.values()) {
    for (const b of list) {
      if (found.has(b)) continue;
      const cb = b.controlConnection;
      const syn = hopsAway(cb.marks.ttl.client);
      const reset = hopsAway(cb.rst!.ttl ?? null);
      if (cb.synFrames.length === 0 || !aroundOneRouter(syn, reset)) continue;
      found.set(b, { called: null, answeredBy: b.server, synFrames: cb.synFrames, synAckFrames: cb.synAckFrames, resetFrames: [cb.rst!.frame], twin: null, hops: { syn: syn!, reset: reset! } });
    }
  }
  return found;
}

function handshakeTimes(c: DataConnection): { first: number; last: number } | null {
  let first: number | null = null;
  let last: number | null = null;
  for (const e of c.handshake) {
    if (e.type !== 'syn') continue;
    first ??= e.time;
    last = e.time;
  }
  return first === null || last === null ? null : { first, last };
}

/** The answer to `c`'s SYNs from another address: a connection seen only as a SYN-ACK to the client's same end, then its reset. */
function answerElsewhere(c: DataConnection, others: readonly OtherConnection[]): OtherConnection | null {
  const times = handshakeTimes(c);
  if (times === null) return null;
  for (const o of others) {
    if (o.synFrame !== null || o.established || o.close !== 'rst' || o.synAckFrame === null) continue;
    if (o.from.ip !== c.client.ip || o.from.port !== c.client.port || o.to.port !== c.server.port || o.to.ip === c.server.ip) continue;
    if (o.start >= times.first && o.start <= times.last + ANSWER_WINDOW) return o;
  }
  return null;
}

/**
 * A passive data connection answered from another address than the one the client called, and the
 * client reset that answer: seen at the client (its SYNs to the 227's address, the answer on a
 * connection of its own), or at the server (the client reset the server's SYN-ACK, its SYN through
 * one router, its reset through none).
 */
export function dataAnswerReset(t: Transfer, s: Session): DataAnswerReset | null {
  const c = t.connection;
  if (t.mode !== 'passive' || c === null || c.established || c.midstream || c.synFrames.length === 0 || c.icmpErrors.length > 0) return null;
  if (c.synAckFrames.length === 0) {
    if (c.rst !== null) return null;
    const o = answerElsewhere(c, s.otherConnections);
    if (o === null) return null;
    return { called: c.server, answeredBy: o.to, synFrames: c.synFrames, synAckFrame: o.synAckFrame!, resetFrame: o.lastFrame, hops: null };
  }
  const rst = c.rst;
  if (rst === null || rst.by !== 'client' || rst.frame < c.synAckFrames[0]) return null;
  const syn = hopsAway(c.marks.ttl.client);
  const reset = hopsAway(rst.ttl ?? null);
  if (!aroundOneRouter(syn, reset)) return null;
  return { called: null, answeredBy: c.server, synFrames: c.synFrames, synAckFrame: c.synAckFrames[0], resetFrame: rst.frame, hops: { syn: syn!, reset: reset! } };
}
