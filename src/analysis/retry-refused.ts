/**
 * A refused announcement the client sent as a retry, another way, of an attempt that had already
 * failed: inetutils-ftp's PORT answered 425 (the server could not connect to it), then "Fall back to
 * LPRT", answered 502; tnftp's EPRT answered 502, then PORT answered 502 too. No transfer command came
 * between: the client was still trying to run the same operation, which had failed at the first
 * attempt; the refusal of the retry changed nothing. The operation failed once, and that failure is
 * the first attempt's (its diagnosis says why); the retry is counted apart, as a refused probe the
 * client got past is (fallback.ts, `fell-back`): one operation, one outcome, in every output.
 * Decided here once, after the fallbacks (a refused retry the client got past is `fell-back`), as the
 * status `retry-refused`; the verdict reads it.
 */
import type { Reply, Session, Transfer } from './model.js';
import { askedAt, askingCommand, commandOfReply, refusedProbe } from './fallback.js';
import type { RefusedStep, RetryOf } from './verdict-types.js';

/** Refused retries kept in a later retry's `via`, the earliest first: a chain of thousands (hostile input) is counted past them. */
const MAX_VIA = 8;

/** Each refused retry in the sessions and the failed attempt it retried: call once every other status stands. */
export function findRefusedRetries(sessions: readonly Session[]): Map<Transfer, RetryOf> {
  const found = new Map<Transfer, RetryOf>();
  for (const s of sessions) {
    if (s.transfers.length === 0) continue;
    // The session's transfers in the order the client asked for them (its announcement, or its command).
    const order = s.transfers
      .map((t) => ({ t, at: t.announce !== null ? askedAt(t, s) : (t.request?.frame ?? Infinity) }))
      .sort((x, y) => x.at - y.at);
    let origin: { t: Transfer; reply: Reply; refused: boolean } | null = null;
    let last = '';
    const via: RefusedStep[] = [];
    // Refused retries of the chain past those kept in `via`.
    let viaMore = 0;
    for (const { t, at } of order) {
      const command = t.announce?.command ?? '';
      if (origin !== null && t.status === 'failed' && refusedProbe(t, s) && command !== last && askedAfterReply(t, at, origin.reply, s)) {
        const o = origin.t;
        found.set(t, {
          transfer: `${s.id}.${o.id}`,
          command: o.announce?.command ?? o.request?.command ?? '',
          frame: o.announce !== null ? askedAt(o, s) : o.request!.frame,
          code: origin.reply.code,
          replyFrame: origin.reply.frame,
          refused: origin.refused,
          request: o.request === null ? null : `${o.request.command}${o.request.arg ? ` ${o.request.arg}` : ''}`,
          via: [...via],
          ...(viaMore > 0 ? { viaMore } : {}),
        });
        if (via.length < MAX_VIA) via.push({ command, frame: at, code: t.announce!.reply!.code, replyFrame: t.announce!.reply!.frame, transfer: `${s.id}.${t.id}` });
        else viaMore++;
        last = command;
        continue;
      }
      via.length = 0;
      viaMore = 0;
      last = command;
      const failure = t.reply !== null && t.reply.code >= 400 ? t.reply : t.announce?.reply && t.announce.reply.code >= 400 ? t.announce.reply : null;
      // A refusal of the announcement itself, not a 425 (the data connection could not open).
      const refused = failure !== null && failure === t.announce?.reply && t.request === null && failure.code !== 425;
      origin = t.status === 'failed' && t.fxp === undefined && t.announce !== null && failure !== null ? { t, reply: failure, refused } : null;
    }
  }
  return found;
}

/**
 * The announcement was asked after the earlier attempt's failure reply came: by frames, or by the
 * order commands and replies came in when the capture wrote the command before the reply it
 * acknowledged (a command is held until then: control-parser heldRequests): sent with no command
 * waiting for its reply (Command.sentWaiting), after the command that reply answered.
 */
function askedAfterReply(t: Transfer, at: number, reply: Reply, s: Session): boolean {
  if (at > reply.frame) return true;
  const asked = askingCommand(t, s);
  const answered = commandOfReply(reply, s);
  return asked !== undefined && answered !== undefined && asked.sentWaiting === undefined && answered.frame < asked.frame;
}
