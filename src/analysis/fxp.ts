/**
 * FXP asked for, seen in the announcements: a PORT/EPRT naming another session's passive endpoint —
 * announced in that session's 227/229 by its server, both sessions driven by one client — is a
 * server-to-server copy on purpose, whether or not a data connection followed (a server that
 * refuses a PORT to a foreign address stops it before any). Each such pair is marked `fxp` on both
 * transfers, unless the data linker already paired them through their connection.
 */
import type { Command, Session, Transfer } from './model.js';
import { announcesPassive } from '../ftp/commands.js';
import { firstAbove } from './sorted.js';

const key = (e: { ip: string; port: number }): string => `${e.ip}|${e.port}`;

export function pairFxpAnnouncements(sessions: Session[]): void {
  const passive = new Map<string, Array<{ s: Session; t: Transfer }>>();
  for (const s of sessions) {
    for (const t of s.transfers) {
      const e = t.announce?.endpoint;
      if (t.mode !== 'passive' || !e || t.fxp !== undefined) continue;
      const list = passive.get(key(e));
      if (list) list.push({ s, t });
      else passive.set(key(e), [{ s, t }]);
    }
  }
  const unannounced = passiveReplyLost(sessions);
  if (passive.size === 0 && unannounced.size === 0) return;
  for (const s of sessions) {
    for (const t of s.transfers) {
      const e = t.announce?.endpoint;
      if (t.mode !== 'active' || !e || t.fxp !== undefined || e.ip === s.client.ip) continue;
      const other =
        passive.get(key(e))?.find((x) => x.s !== s && x.t.fxp === undefined && x.s.server.ip === e.ip && x.s.client.ip === s.client.ip) ??
        unannouncedAfter(unannounced.get(`${e.ip}|${s.client.ip}`), s, t.announce!.frame);
      if (!other) continue;
      t.fxp = { session: other.s.id, transfer: other.t.id };
      other.t.fxp = { session: s.id, transfer: t.id };
    }
  }
}

/** A passive transfer whose 227/229 the capture lost, with the frame of the passive command that asked for it. */
interface Unannounced {
  s: Session;
  t: Transfer;
  asked: number;
}

/**
 * Passive transfers whose 227/229 the capture lost (no announcement; the session's last passive
 * command before the transfer command unanswered in the capture), by server and client address,
 * each list in transfer-command order: a PORT to the same server's address sent between the two, by
 * the same client in another session, names the endpoint that reply gave (a68-fxp-abort-oob without
 * vsftpd's 227), not a bounce.
 */
function passiveReplyLost(sessions: Session[]): Map<string, Unannounced[]> {
  const out = new Map<string, Unannounced[]>();
  for (const s of sessions) {
    const lost = s.transfers.filter((t) => t.mode === 'passive' && t.announce === null && t.request !== null && t.fxp === undefined);
    if (lost.length === 0) continue;
    lost.sort((a, b) => a.request!.frame - b.request!.frame);
    const k = `${s.server.ip}|${s.client.ip}`;
    const list = out.get(k) ?? [];
    out.set(k, list);
    // One walk of the commands beside the transfers in frame order: the passive command last sent before each.
    let last: Command | null = null;
    let i = 0;
    for (const t of lost) {
      for (; i < s.commands.length && s.commands[i].frame < t.request!.frame; i++) {
        const c = s.commands[i];
        if (c.command !== null && announcesPassive(c.command)) last = c;
      }
      if (last !== null && last.reply === null) list.push({ s, t, asked: last.frame });
    }
  }
  // Frames are the capture's: one order across sessions.
  for (const list of out.values()) list.sort((a, b) => a.t.request!.frame - b.t.request!.frame);
  return out;
}

/** How many transfer commands after a PORT are looked at for its other half: it is nearly always the next. */
const MAX_SCAN = 8;

/** The other session's first unpaired transfer command after the PORT at `port`, whose passive command came before it. */
function unannouncedAfter(list: Unannounced[] | undefined, s: Session, port: number): Unannounced | undefined {
  if (list === undefined) return undefined;
  const from = firstAbove(list, port, (x) => x.t.request!.frame);
  for (let i = from; i < list.length && i < from + MAX_SCAN; i++) {
    const x = list[i];
    if (x.s !== s && x.t.fxp === undefined && x.asked < port) return x;
  }
  return undefined;
}

/**
 * The active halves of FXP copies given no transfer command of their own (lftp sends the source's
 * RETR first), whose PORT the server accepted and whose data connection the capture does not hold
 * (at the client: it runs between the servers), while the other half's transfer command over that
 * very connection was taken (its 1xx) and then ended short (aborted: the 426 of a write to a
 * connection this server had reset): the connection was made and used, not left unused. Read once
 * every status stands; the other half's status decides it.
 */
export function usedFxpPortHalves(sessions: Session[]): Transfer[] {
  const paired = new Map<string, Transfer>();
  for (const s of sessions) for (const t of s.transfers) if (t.fxp !== undefined) paired.set(`${s.id}.${t.id}`, t);
  const out: Transfer[] = [];
  for (const t of paired.values()) {
    const accepted = t.announce?.reply;
    if (t.mode !== 'active' || t.request !== null || t.connection !== null || t.status !== 'unused' || !accepted || accepted.code >= 300) continue;
    const pasv = paired.get(`${t.fxp!.session}.${t.fxp!.transfer}`);
    if (pasv?.mode === 'passive' && pasv.request !== null && pasv.preliminary !== null && pasv.connection === null && pasv.status === 'aborted') out.push(t);
  }
  return out;
}

/**
 * The passive halves of FXP copies whose PORT the other server refused: their announced endpoint
 * was never given to anyone who would connect (checks/address.ts words why).
 */
export function refusedFxpHalves(sessions: Session[]): Transfer[] {
  // Both halves of a pair are marked: the marked ones, by session and id, are all there is to look up.
  const paired = new Map<string, Transfer>();
  for (const s of sessions) for (const t of s.transfers) if (t.fxp !== undefined) paired.set(`${s.id}.${t.id}`, t);
  const out: Transfer[] = [];
  for (const t of paired.values()) {
    if (t.mode !== 'passive' || t.connection) continue;
    const port = paired.get(`${t.fxp!.session}.${t.fxp!.transfer}`);
    const refusal = port?.mode === 'active' ? port.announce?.reply : undefined;
    if (refusal && refusal.code >= 400) out.push(t);
  }
  return out;
}
