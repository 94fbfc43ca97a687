/**
 * Links TCP connections to the transfers that announced them. A data connection's responder (the
 * side that received the SYN) is the announced endpoint in both modes: the client's PORT address in
 * active mode, the server's 227/229 address in passive mode. When a NAT rewrote (or failed to
 * rewrite) the address, the port still matches and the other end is the session's peer: such links
 * are made by port and record the address that differed. When the capture cut the announcement
 * short (a snaplen keeps a 227's start, not its tuple), the next connection its two hosts open in
 * the announced direction is taken: the hosts are all it still tells.
 */
import type { Endpoint, Session, Transfer } from './model.js';
import { readableByHosts } from './announce-malformed.js';

interface Expectation {
  transfer: Transfer;
  session: Session;
  endpoint: Endpoint;
}

/** An announcement whose endpoint the capture cut: who will connect to which host. */
interface CutExpectation {
  transfer: Transfer;
  session: Session;
}

export interface LinkCandidate {
  initiator: Endpoint;
  responder: Endpoint;
  /** First seen mid-stream: which side initiated is a guess, so both orientations are tried. */
  midstream: boolean;
}

export interface DataLink {
  transfer: Transfer;
  session: Session;
  match: 'exact' | 'port' | 'hosts';
  /** True when the connection's initiator/responder had to be swapped (mid-stream guess). */
  swapped: boolean;
  addressMismatch?: { announced: string; actual: string };
  /**
   * FXP (server to server): the same connection is the data connection of another session's
   * transfer too — one server's passive endpoint, which the other server, told by PORT, connected to.
   */
  peer?: { transfer: Transfer; session: Session };
}

const key = (e: Endpoint): string => `${e.ip}|${e.port}`;
const anyTime = (): boolean => true;
/** How much later than a connection's first packet the announcement of its endpoint may be (linkLate). */
const LATE_LINK_SECONDS = 1;
/** The initiator's and the responder's address of a data connection an announcement asks for. */
const hostsKey = (initiator: string, responder: string): string => `${initiator}>${responder}`;

export class DataLinker {
  private readonly byEndpoint = new Map<string, Expectation[]>();
  private readonly byPort = new Map<number, Expectation[]>();
  private readonly byHosts = new Map<string, CutExpectation>();
  /**
   * Passive transfers whose 227/229 the capture lacks (the client sent PASV, then its transfer
   * command), by client and server: the passive half of an FXP copy the other server connects to.
   */
  private readonly unanswered = new Map<string, CutExpectation>();
  /** Unanswered passive transfers taken as an FXP half: a reply read late must not wait for a connection again. */
  private readonly takenUnanswered = new WeakSet<Transfer>();

  expect(transfer: Transfer, session: Session): void {
    if (this.takenUnanswered.has(transfer)) return;
    const endpoint = transfer.announce?.endpoint;
    if (transfer.mode === 'passive') this.dropUnanswered(transfer, session);
    if (!endpoint) {
      if (transfer.announce === null && transfer.unansweredAnnounce !== undefined) {
        if (transfer.mode === 'passive') this.unanswered.set(hostsKey(session.client.ip, session.server.ip), { transfer, session });
        return;
      }
      // Only the latest cut (or malformed but accepted) announcement between two hosts waits: an earlier one was not used.
      if (transfer.announce?.cut === true || readableByHosts(transfer)) this.byHosts.set(cutKey(transfer, session), { transfer, session });
      return;
    }
    const x: Expectation = { transfer, session, endpoint };
    push(this.byEndpoint, key(endpoint), x);
    push(this.byPort, endpoint.port, x);
  }

  /** Find (and consume) the transfer this new TCP connection serves, or null. */
  link(c: LinkCandidate): DataLink | null {
    return (
      this.tryLink(c.initiator, c.responder, false) ??
      (c.midstream ? this.tryLink(c.responder, c.initiator, true) : null)
    );
  }

  /**
   * A connection that was opened before the announcement of its endpoint was read, found when its
   * first byte comes: the capture wrote the client's SYN before the 227 that it answers (packets of
   * two connections a moment apart, in either order: a capture merged from two interfaces,
   * tcpdump -i any, a NIC's queues), or the reassembler held the 227 until a loss before it was
   * certain. Matched as `link` matches (the endpoint, its port behind a NAT, the hosts of a cut
   * announcement), announced at most LATE_LINK_SECONDS after the connection's first packet.
   */
  linkLate(c: LinkCandidate, opened: number): DataLink | null {
    return this.tryLink(c.initiator, c.responder, false, (t) => t.announce!.time <= opened + LATE_LINK_SECONDS);
  }

  /** `soon`: which announcements may take the connection (linkLate's: those made just after it opened). */
  private tryLink(initiator: Endpoint, responder: Endpoint, swapped: boolean, soon: (t: Transfer) => boolean = anyTime): DataLink | null {
    // Nothing announced and waiting (every control connection's SYN asks): no key is built.
    if (this.byEndpoint.size === 0 && this.byPort.size === 0 && this.byHosts.size === 0) return null;
    const exact = latest(this.byEndpoint.get(key(responder)), (x) => soon(x.transfer));
    if (exact) {
      this.consume(exact);
      const announced = latest(this.byEndpoint.get(key(responder)), (x) => soon(x.transfer) && fxpPair(exact, x, initiator, responder));
      if (announced) this.consume(announced);
      const peer = announced ?? this.unansweredFxpHalf(exact, initiator, responder);
      return { transfer: exact.transfer, session: exact.session, match: 'exact', swapped, ...(peer ? { peer: { transfer: peer.transfer, session: peer.session } } : {}) };
    }
    const byPort = latest(this.byPort.get(responder.port), (x) => soon(x.transfer) && natPlausible(x, initiator, responder));
    if (byPort) {
      this.consume(byPort);
      return {
        transfer: byPort.transfer,
        session: byPort.session,
        match: 'port',
        swapped,
        addressMismatch: { announced: byPort.endpoint.ip, actual: responder.ip },
      };
    }
    const k = hostsKey(initiator.ip, responder.ip);
    const cut = this.byHosts.get(k);
    // Not the session's own control connection port: a second control session is no data connection.
    if (cut && soon(cut.transfer) && responder.port !== cut.session.server.port && responder.port !== cut.session.client.port) {
      this.byHosts.delete(k);
      return { transfer: cut.transfer, session: cut.session, match: 'hosts', swapped };
    }
    return null;
  }

  /**
   * The PORT's server connected from its own address to the server of another session of the same
   * client, whose 227 (the endpoint the client copied into this PORT) the capture lacks: that
   * session's passive transfer is the other half of the FXP copy. Only the session's latest
   * unanswered PASV waits, and only while no reply has named another endpoint.
   */
  private unansweredFxpHalf(exact: Expectation, initiator: Endpoint, responder: Endpoint): CutExpectation | null {
    const s = exact.session;
    if (exact.transfer.mode !== 'active' || initiator.ip !== s.server.ip || responder.ip === s.client.ip) return null;
    const k = hostsKey(s.client.ip, responder.ip);
    const half = this.unanswered.get(k);
    if (!half || half.session === s || half.transfer.announce !== null) return null;
    this.unanswered.delete(k);
    this.takenUnanswered.add(half.transfer);
    return half;
  }

  private dropUnanswered(t: Transfer, s: Session): void {
    const k = hostsKey(s.client.ip, s.server.ip);
    if (this.unanswered.get(k)?.transfer === t) this.unanswered.delete(k);
  }

  /** An announcement the session forgot (too many unused): stop expecting it. */
  forget(t: Transfer): void {
    const endpoint = t.announce?.endpoint;
    if (!endpoint) {
      for (const [k, x] of this.byHosts) if (x.transfer === t) this.byHosts.delete(k);
      for (const [k, x] of this.unanswered) if (x.transfer === t) this.unanswered.delete(k);
      return;
    }
    remove(this.byEndpoint, key(endpoint), t);
    remove(this.byPort, endpoint.port, t);
  }

  /** The session ended: its unused announcements can no longer be connected to. */
  forgetSession(session: Session): void {
    for (const t of session.transfers) if (!t.connection) this.forget(t);
  }

  /** Whether any announcement waits for its connection (by endpoint, or by hosts when its endpoint was cut). */
  get waiting(): boolean {
    return this.byEndpoint.size > 0 || this.byHosts.size > 0;
  }

  private consume(x: Expectation): void {
    remove(this.byEndpoint, key(x.endpoint), x.transfer);
    remove(this.byPort, x.endpoint.port, x.transfer);
  }
}

/** Hosts of the data connection a cut announcement asks for: the client connects to the server (passive), or the reverse. */
function cutKey(t: Transfer, s: Session): string {
  return t.mode === 'passive' ? hostsKey(s.client.ip, s.server.ip) : hostsKey(s.server.ip, s.client.ip);
}

/**
 * Two sessions' announcements of one endpoint, a PASV and a PORT: FXP when the PORT's server opened
 * the connection from its own address to the other session's server, which announced it in its 227.
 */
function fxpPair(x: Expectation, y: Expectation, initiator: Endpoint, responder: Endpoint): boolean {
  if (x.session === y.session || x.transfer.mode === y.transfer.mode) return false;
  const [active, passive] = x.transfer.mode === 'active' ? [x, y] : [y, x];
  return initiator.ip === active.session.server.ip && responder.ip === passive.session.server.ip;
}

/** Same port, different address: accept only when the other end is the session's own peer. */
function natPlausible(x: Expectation, initiator: Endpoint, responder: Endpoint): boolean {
  const s = x.session;
  if (x.transfer.mode === 'active') {
    // The server connects out to the client's announced port; the client may sit behind NAT.
    return initiator.ip === s.server.ip || responder.ip === s.client.ip;
  }
  // The client connects to the server's announced port; the 227 may name a private address.
  return responder.ip === s.server.ip || initiator.ip === s.client.ip;
}

function latest(list: Expectation[] | undefined, accept: (x: Expectation) => boolean): Expectation | null {
  if (!list) return null;
  for (let i = list.length - 1; i >= 0; i--) if (accept(list[i])) return list[i];
  return null;
}

function push<K>(map: Map<K, Expectation[]>, k: K, x: Expectation): void {
  const list = map.get(k);
  if (list) list.push(x);
  else map.set(k, [x]);
}

function remove<K>(map: Map<K, Expectation[]>, k: K, t: Transfer): void {
  const list = map.get(k);
  if (!list) return;
  const i = list.findIndex((x) => x.transfer === t);
  if (i >= 0) list.splice(i, 1);
  if (list.length === 0) map.delete(k);
}
