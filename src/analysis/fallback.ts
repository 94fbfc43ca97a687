/**
 * A refused transfer command the client recovered from: it probed with a command the server lacks
 * (yafc's and aioftp's MLSD to vsftpd, answered 500), or asked for a directory as a file (urllib's
 * RETR pub, 550), and then did what it meant another way, which completed. Not a failed transfer:
 * nothing was wrong with any data connection, and nothing needs changing. Decided here once
 * (verdict.ts gives it the status `fell-back`); every output words that verdict.
 */
import type { Reply, Session, Transfer } from './model.js';
import type { Fallback } from './verdict-types.js';

/**
 * A reply that says the server lacks the command: 502, or a 500 whose text says so ("Unknown
 * command", "'FEAT': command not understood"). vsftpd's "500 Illegal PORT command" refuses an
 * argument, not the command.
 */
export const saysLacking = (r: Reply): boolean =>
  r.code === 502 || (r.code === 500 && /unknown|not (implemented|understood|recogni[sz]ed|supported)|unrecogni[sz]ed|unsupported/i.test(r.text));

/**
 * The client's fallback after the transfer's refused command, when it completed: after a 500/502,
 * the session's next transfer of the same kind (listing, download, upload) by another command, before
 * any other transfer of that kind; after a RETR's 550, a listing of the same name, once the server
 * accepted a CWD into it (the name is a directory). Null for any other refusal, or when nothing
 * moved the client on: a refused RETR of a missing file, a 425, stays a failure.
 * Reads the other transfers' statuses: call once they are settled.
 */
export function fallbackOf(t: Transfer, s: Session): Fallback | null {
  const done = (o: Transfer): boolean => o.status === 'complete' && o.reply !== null && o.reply.code < 300;
  const id = (o: Transfer): string => `${s.id}.${o.id}`;
  if (t.request === null) return announceFallback(t, s, done, id);
  const reply = t.reply;
  if (t.direction === null || reply === null || reply.code < 500 || t.bytes > 0) return null;
  // A refused announcement is not the transfer command's refusal.
  if (t.announce?.reply && t.announce.reply.code >= 400) return null;
  if (saysLacking(reply)) {
    for (const o of s.transfers) {
      if (o.request === null || o.direction !== t.direction || o.request.frame <= t.request.frame) continue;
      if (o.request.command === t.request.command || !done(o)) return null;
      return { command: o.request.command, frame: o.request.frame, code: o.reply!.code, replyFrame: o.reply!.frame, transfer: id(o), directory: null };
    }
    return null;
  }
  const name = t.request.arg.trim();
  if (reply.code !== 550 || t.direction !== 'download' || name === '') return null;
  const next = s.transfers.find((o) => o.request !== null && o.request.frame > t.request!.frame);
  if (next === undefined || next.direction !== 'listing' || next.request!.arg.trim() !== name || !done(next)) return null;
  const cwd = s.commands.find(
    (c) => c.command === 'CWD' && c.arg.trim() === name && c.frame > t.request!.frame && c.frame < next.request!.frame && c.reply !== null && c.reply.code >= 200 && c.reply.code < 300,
  );
  if (cwd === undefined) return null;
  return {
    command: `${next.request!.command} ${name}`,
    frame: next.request!.frame,
    code: next.reply!.code,
    replyFrame: next.reply!.frame,
    transfer: id(next),
    directory: { arg: name, code: cwd.reply!.code, replyFrame: cwd.reply!.frame },
  };
}

/**
 * A refused PASV/EPSV/PORT/EPRT that no transfer command used (curl's EPSV answered 500 by a server
 * without it, then PASV): the client's next announcement, when the transfer command that used it
 * completed. The refusal alone decided nothing: the client asked again another way, and got its file.
 */
function announceFallback(t: Transfer, s: Session, done: (o: Transfer) => boolean, id: (o: Transfer) => string): Fallback | null {
  const refused = t.announce?.reply;
  if (!refused || refused.code < 400 || t.connection !== null) return null;
  let next: Transfer | undefined;
  for (let i = s.transfers.indexOf(t) + 1; i < s.transfers.length && next === undefined; i++) {
    const o = s.transfers[i];
    if (o.announce !== null && o.announce.frame > t.announce!.frame) next = o;
  }
  if (next === undefined || next.request === null || !done(next)) return null;
  const asked = s.commands.find((c) => c.reply === next.announce!.reply && c.command === next.announce!.command);
  return {
    command: `${next.request.command}${next.request.arg ? ` ${next.request.arg}` : ''}`,
    frame: next.request.frame,
    code: next.reply!.code,
    replyFrame: next.reply!.frame,
    transfer: id(next),
    directory: null,
    announce: { command: next.announce!.command, frame: asked?.frame ?? next.announce!.frame, lacking: saysLacking(refused) },
  };
}
