/**
 * Facts about other data connections that a failed active transfer's diagnosis reads: the server's
 * connection from its fixed data port to the very address and port the transfer announced, still open
 * when the transfer was asked for (TCP allows one connection per pair of endpoints), and the same
 * transfer in the other view of a session captured on both sides of a NAT.
 */
import { sessionById, transferById } from '../lookup.js';
import type { Analysis, DataConnection, Session, Transfer } from '../model.js';
import { ep } from './facts.js';

/** Another session's (or this one's) data connection that held the endpoint pair a transfer needed. */
export interface PairInUse {
  connection: DataConnection;
  session: number;
  transfer: number;
  /** The frame at which that connection was gone (its reset, or its second FIN), or null. */
  closed: number | null;
}

/**
 * An active transfer the server refused without a SYN: another data connection of the server's, from
 * its fixed data port (the control port less one: RFC 959's L-1, port 20) to the very address and
 * port this one announced, opened before the transfer command and still open when it came (not
 * closed both ways, nor reset). For the inside view of a NAT pair, the announcement that counts is
 * the outside view's (the one the server read).
 */
export function pairInUse(a: Analysis, s: Session, t: Transfer): PairInUse | null {
  if (t.mode !== 'active' || !t.request || !t.reply) return null;
  if (s.natPeer?.side === 'inside') {
    const peer = sessionById(a, s.natPeer.session);
    const other = natCounterpart(a, s, t);
    return peer !== undefined && other !== null ? pairInUse(a, peer, other) : null;
  }
  const target = t.announce?.endpoint;
  if (!target) return null;
  const held = serverOpened(a).get(pairKey(s.server.ip, s.server.port - 1, target.ip, target.port)) ?? [];
  for (const { session, transfer: x } of held) {
    const c = x.connection!;
    if (x === t || c.synFrame! > t.request.frame) continue;
    const closed = closedAt(c);
    if (closed !== null && closed < t.request.frame) continue;
    return { connection: c, session: session.id, transfer: x.id, closed };
  }
  return null;
}

const pairKey = (serverIp: string, serverPort: number, clientIp: string, clientPort: number): string => `${serverIp}|${serverPort}|${clientIp}|${clientPort}`;

/** Per analysis, once: the data connections servers opened (active mode, SYN seen), by their endpoint pair, in session order. */
const opened = new WeakMap<Analysis, { sessions: number; byPair: Map<string, Array<{ session: Session; transfer: Transfer }>> }>();

function serverOpened(a: Analysis): Map<string, Array<{ session: Session; transfer: Transfer }>> {
  const known = opened.get(a);
  if (known !== undefined && known.sessions === a.sessions.length) return known.byPair;
  const byPair = new Map<string, Array<{ session: Session; transfer: Transfer }>>();
  for (const session of a.sessions) {
    for (const transfer of session.transfers) {
      const c = transfer.connection;
      if (c === null || c.initiator !== 'server' || c.midstream || c.synFrame === null) continue;
      const key = pairKey(c.server.ip, c.server.port, c.client.ip, c.client.port);
      const list = byPair.get(key);
      if (list === undefined) byPair.set(key, [{ session, transfer }]);
      else list.push({ session, transfer });
    }
  }
  opened.set(a, { sessions: a.sessions.length, byPair });
  return byPair;
}

/** The same transfer in the other view of a session captured on both sides of a NAT (nat-pairs.ts), or null. */
export function natCounterpart(a: Analysis, s: Session, t: Transfer): Transfer | null {
  if (s.natPeer === null) return null;
  const peer = sessionById(a, s.natPeer.session);
  const x = peer === undefined ? undefined : transferById(peer, t.id);
  return x !== undefined && x.mode === t.mode && x.request?.command === t.request?.command && x.request?.arg === t.request?.arg ? x : null;
}

/**
 * On a NAT device's capture, the same transfer's data connection in the session's other view, reset
 * there by a device between the hosts (a forged reset: the NAT device's own, or one beyond it), which
 * this view lacks: what ended a transfer this view saw only stop. Null without such a view or reset.
 */
export function natViewReset(a: Analysis, s: Session, t: Transfer): { transfer: Transfer; session: number; frame: number } | null {
  const other = natCounterpart(a, s, t);
  const rst = other?.connection?.rst;
  if (other === null || rst == null || rst.forged !== true || t.connection?.rst?.forged === true && t.connection.rst.frame < rst.frame) return null;
  return { transfer: other, session: s.natPeer!.session, frame: rst.frame };
}

/** The frame at which a connection was gone: its reset, or the later of its two FINs; null if neither. */
function closedAt(c: DataConnection): number | null {
  if (c.rst !== null) return c.rst.frame;
  const fins = c.handshake.filter((e) => e.type === 'fin');
  const client = fins.find((e) => e.by === 'client')?.frame;
  const server = fins.find((e) => e.by === 'server')?.frame;
  return client !== undefined && server !== undefined ? Math.max(client, server) : null;
}

/** The detail that names the connection holding the pair, seen from session `s`'s transfer asked for at frame `asked`. */
export function pairInUseWords(busy: PairInUse, s: Session, asked: number): string {
  const c = busy.connection;
  // The session itself, or its other view across a NAT: the same client.
  const same = busy.session === s.id || busy.session === s.natPeer?.session;
  const whose = same ? `transfer ${busy.session}.${busy.transfer}` : `session ${busy.session}, transfer ${busy.transfer}`;
  return (
    `When it was asked (frame ${asked}) the server's data connection ${ep(c.server)} → ${ep(c.client)} of ${whose} ` +
    `(SYN frame ${c.synFrame}) was still open${busy.closed !== null ? `, until frame ${busy.closed}` : ''}: ` +
    `the server connects from its port ${c.server.port} each time, and TCP allows one connection between the same two addresses and ports, ` +
    `so it could not open another to ${ep(c.client)}` +
    (same ? '' : ': two sessions had announced the same address and port (clients behind one NAT given the same public port, or one client reusing its port)')
  );
}

/** The advice for a transfer the server could not connect for an endpoint pair in use. */
export function pairInUseAdvice(busy: PairInUse): string {
  return (
    `The server opens its active data connections from one fixed port (${busy.connection.server.port}), so it cannot open two at once to the same address and port: ` +
    'have each session announce its own port (a NAT in front of the clients giving two of them the same public port, a client reusing a port still in use), ' +
    'let the server connect from any port{setting:activePortOff}, or use passive mode.'
  );
}
