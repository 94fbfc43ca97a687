/**
 * An FTP proxy or gateway captured with both its legs (a capture on the proxy host, or on a router
 * both legs cross) shows two sessions carrying the same commands: the client's session to the proxy
 * (front) and the proxy's own session to the real server (back), whose client address is the front
 * session's server address. Its replies name its own address and ports (a 227 rewritten on purpose,
 * no NAT). Pairing them lets a failure on one leg be blamed on that leg, not on the other.
 */
import type { Session, Transfer } from './model.js';

/**
 * Seconds within which a relay passes a command on: a proxy forwards each command as it reads it
 * (milliseconds); two unrelated sessions do not repeat each other's transfers that close in time.
 */
const RELAY_DELAY = 1;

/**
 * What a transfer is matched on: its command with its argument, or (none sent) its mode, with the
 * time of that command or of the announcement's reply.
 */
function key(t: Transfer): { what: string; time: number } | null {
  if (t.request) return { what: `${t.request.command} ${t.request.arg}`, time: t.request.time };
  if (t.announce) return { what: t.mode, time: t.announce.time };
  return null;
}

/** The back session's transfers that repeat the front session's, in order, or empty. */
function matchTransfers(front: Session, back: Session): Array<[Transfer, Transfer]> {
  const pairs: Array<[Transfer, Transfer]> = [];
  let from = 0;
  for (const f of front.transfers) {
    const kf = key(f);
    if (kf === null) continue;
    for (let i = from; i < back.transfers.length; i++) {
      const kb = key(back.transfers[i]);
      // Either leg's first: a relay passes commands on after reading them, replies before passing them back.
      if (kb === null || kb.time < kf.time - RELAY_DELAY) continue;
      if (kb.time - kf.time > RELAY_DELAY) break;
      if (kb.what !== kf.what) continue;
      pairs.push([f, back.transfers[i]]);
      from = i + 1;
      break;
    }
  }
  return pairs;
}

/** Marks each relay's two sessions (`Session.relay`) and each transfer it passed on (`Transfer.relay`). */
export function pairRelays(sessions: Session[]): void {
  for (const front of sessions) {
    if (front.relay !== undefined) continue;
    for (const back of sessions) {
      if (back === front || back.relay !== undefined || back.start < front.start) continue;
      if (back.client.ip !== front.server.ip || back.server.ip === front.client.ip) continue;
      const pairs = matchTransfers(front, back);
      if (pairs.length === 0) continue;
      front.relay = { session: back.id, role: 'front' };
      back.relay = { session: front.id, role: 'back' };
      for (const [f, b] of pairs) {
        f.relay = { session: back.id, transfer: b.id };
        b.relay = { session: front.id, transfer: f.id };
      }
      break;
    }
  }
}
