/**
 * An address announcement (PORT/EPRT/LPRT, or the 227/229/228 answering PASV/EPSV/LPSV) written in
 * more than one TCP segment whose first segment never got through while a later one did: the
 * receiver acknowledged the later piece selectively (SACK) and never the start, however often the
 * sender sent it again. That is what a NAT's or firewall's FTP helper (ALG) does with an
 * announcement it cannot read whole in one segment: Linux's nf_conntrack_ftp drops the segment that
 * holds only part of it ("partial matching"), and each resent copy again, so the control connection
 * stalls there. Decided once from the line's frames (the FTP parser's `firstFrame`) and the control
 * connection's TCP facts; the verdict and the diagnosis read it.
 */
import type { Command, Session, SplitStall, Transfer } from './model.js';

/** The active announcements; the passive ones are the commands whose reply announces. */
export const ACTIVE = new Set(['PORT', 'EPRT', 'LPRT']);
const PASSIVE = new Set(['PASV', 'EPSV', 'LPSV']);
/** The end of a PORT's numbers ("159,197") or of an EPRT's ("42505|"): what arrives of a split one. */
const ADDRESS_TAIL = /^(?:[\d,]*\d|[\d.:a-f|]*\d+\|)$/i;

/** The session's split announcement that stalled its control connection, or null. */
export function findSplitStall(s: Session): SplitStall | null {
  const cc = s.controlConnection;
  const u = cc.unacknowledged;
  if (u !== null && u.bytes > 0 && u.sackFrame !== undefined) {
    const base = { by: u.by, seen: 'sent' as const, repeats: u.repeats, missing: u.bytes, sackFrame: u.sackFrame };
    for (const c of s.commands) {
      if (c.command === null) continue;
      if (u.by === 'client' && ACTIVE.has(c.command) && c.firstFrame === u.frame) {
        return { ...base, firstFrame: u.frame, frame: c.frame, command: { verb: c.command, frame: c.frame }, line: `${c.command} ${c.arg}`, wholeBefore: wholeBefore(s, c, false) };
      }
      const r = c.reply;
      if (u.by === 'server' && PASSIVE.has(c.command) && r !== null && r.firstFrame === u.frame && r.frame !== r.firstFrame) {
        return { ...base, firstFrame: u.frame, frame: r.frame, command: { verb: c.command, frame: c.frame }, line: null, wholeBefore: wholeBefore(s, c, true) };
      }
    }
  }
  const h = cc.hole;
  if (h === null) return null;
  const base = { by: h.by, seen: 'received' as const, firstFrame: h.frame, frame: h.frame, repeats: [], missing: h.bytes, sackFrame: h.sackFrame };
  if (h.by === 'client') {
    // Only the end of the client's line arrived: it reads as a command of its own ("159,197").
    const end = s.commands.find((c) => c.command !== null && (c.firstFrame ?? c.frame) === h.frame);
    if (end === undefined || !ADDRESS_TAIL.test(`${end.command}${end.arg === '' ? '' : ' ' + end.arg}`)) return null;
    const before = lastBefore(s, h.frame, (c) => ACTIVE.has(c.command!) && c.reply !== null && c.reply.code >= 200 && c.reply.code < 300 && c.firstFrame === undefined);
    return { ...base, command: null, line: end.command + (end.arg === '' ? '' : ' ' + end.arg), wholeBefore: before?.frame ?? null };
  }
  // The server's reply to a passive command never came whole: the client still waits for it.
  const pending = lastBefore(s, h.frame, (c) => c.command !== null);
  if (pending === null || !PASSIVE.has(pending.command!) || pending.reply !== null) return null;
  return { ...base, command: { verb: pending.command!, frame: pending.frame }, line: null, wholeBefore: wholeBefore(s, pending, true) };
}

/** The session's last command before `frame` that `is` accepts. */
function lastBefore(s: Session, frame: number, is: (c: Command) => boolean): Command | null {
  for (let i = s.commands.length - 1; i >= 0; i--) {
    const c = s.commands[i];
    if (c.frame < frame && c.command !== null && is(c)) return c;
  }
  return null;
}

/** The latest earlier announcement of the same verb written in one segment and accepted (2xx): its frame. */
function wholeBefore(s: Session, c: Command, reply: boolean): number | null {
  const one = (o: Command): boolean => (reply ? o.reply!.firstFrame === o.reply!.frame : o.firstFrame === undefined);
  const before = lastBefore(s, c.frame, (o) => o.command === c.command && o.reply !== null && o.reply.code >= 200 && o.reply.code < 300 && one(o));
  return before === null ? null : reply ? before.reply!.frame : before.frame;
}

/** Each session's split stall, decided once before the statuses (verdict.ts) and the diagnosis read it. */
export function settleSplitStalls(sessions: Session[]): void {
  for (const s of sessions) {
    const found = findSplitStall(s);
    if (found !== null) s.splitStall = found;
    // Only a session that held one loses it: `delete` turns an object's properties into a dictionary.
    else if (s.splitStall !== undefined) delete s.splitStall;
  }
}

/** Whether `t` is the transfer the stalled announcement was for (a PORT's frame, or the split reply's last frame). */
export function stalledBySplit(t: Transfer, st: SplitStall | undefined): boolean {
  const a = t.announce;
  if (st === undefined || st.command === null || a === null || a.command !== st.command.verb) return false;
  return a.frame === (ACTIVE.has(a.command) ? st.command.frame : st.frame);
}
