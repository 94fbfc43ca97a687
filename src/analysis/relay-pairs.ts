/**
 * An FTP proxy or gateway captured with both its legs (a capture on the proxy host, or on a router
 * both legs cross) shows two sessions carrying the same commands: the client's session to the proxy
 * (front) and the proxy's own session to the real server (back), whose client address is the front
 * session's server address. Its replies name its own address and ports (a 227 rewritten on purpose,
 * no NAT). Pairing them lets a failure on one leg be blamed on that leg, not on the other.
 */
import type { Session, Transfer } from './model.js';
import { firstAbove } from './sorted.js';

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
  const keys = back.transfers.map(key);
  let from = 0;
  for (const f of front.transfers) {
    const kf = key(f);
    if (kf === null) continue;
    // The front's transfers come in time order: the back's ones too old for this one are too old for the next.
    while (from < keys.length && (keys[from] === null || keys[from]!.time < kf.time - RELAY_DELAY)) from++;
    for (let i = from; i < keys.length; i++) {
      const kb = keys[i];
      // Either leg's first: a relay passes commands on after reading them, replies before passing them back.
      if (kb === null) continue;
      if (kb.time - kf.time > RELAY_DELAY) break;
      if (kb.what !== kf.what) continue;
      pairs.push([f, back.transfers[i]]);
      from = i + 1;
      break;
    }
  }
  return pairs;
}

/**
 * How many sessions the front's server opened as a client while the front ran are tried as its back
 * leg: a proxy opens one per front session; a capture built to defeat this (a host that is client and
 * server of thousands of sessions at once) costs this many tries per session, not the whole capture.
 */
const MAX_CANDIDATES = 64;

const startOf = (s: Session): number => s.start;

/**
 * Marks each relay's two sessions (`Session.relay`) and each transfer it passed on (`Transfer.relay`).
 * The back leg is looked for among the sessions opened by the front's server as a client, indexed once
 * and sorted by start, from the front's start to its end: linear in the sessions.
 */
export function pairRelays(sessions: Session[]): void {
  // Legs are paired by their transfers: without any, nothing to index (100,000 logins: 50 ms).
  if (!sessions.some((s) => s.transfers.length > 0)) return;
  const byClient = new Map<string, Session[]>();
  for (const s of sessions) {
    const list = byClient.get(s.client.ip);
    if (list === undefined) byClient.set(s.client.ip, [s]);
    else list.push(s);
  }
  for (const list of byClient.values()) list.sort((x, y) => x.start - y.start);
  for (const front of sessions) {
    // A front without transfers pairs with no back (matchTransfers finds nothing).
    if (front.relay !== undefined || front.transfers.length === 0) continue;
    const list = byClient.get(front.server.ip);
    if (list === undefined) continue;
    // The first session that opened no earlier than the front (firstAbove skips equal starts: step back over them).
    let i = firstAbove(list, front.start, startOf);
    while (i > 0 && list[i - 1].start === front.start) i--;
    for (let tried = 0; i < list.length && list[i].start <= front.end && tried < MAX_CANDIDATES; i++) {
      const back = list[i];
      if (back === front || back.relay !== undefined || back.server.ip === front.client.ip) continue;
      tried++;
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
