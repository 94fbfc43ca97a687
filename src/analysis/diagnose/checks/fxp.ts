/**
 * One half of an FXP copy (analysis/fxp.ts) whose data connection between the two servers was never
 * made although neither server refused the copy by policy: the server given the PORT tried to
 * connect to the other server's passive endpoint and failed (its SYN unanswered, reset, or refused
 * by ICMP; or, where the capture holds only the client's control connections, the servers' 425s
 * say so). The client's network carries only the control connections: it is no part of the cause.
 */
import { ep, evidenceFrames, frameList, replyWords } from '../facts.js';
import { diagnosis } from '../build.js';
import type { Diagnosis, TransferContext } from '../types.js';
import type { DataConnection, Reply, Session, Transfer } from '../../model.js';
import { sessionById, transferById } from '../../lookup.js';

/** A reply to PORT/EPRT that refuses the address itself (500 Illegal PORT, 501 foreign address): a policy, not a failed connection. */
export const refusesByPolicy = (r: Reply | null | undefined): boolean => r != null && r.code >= 500;

function answerWords(c: DataConnection): string {
  const icmp = c.icmpErrors[0];
  if (icmp) return `It was answered by ICMP destination unreachable (type ${icmp.type} code ${icmp.code}) from ${icmp.reporter} at frame ${icmp.frame}`;
  if (c.rst) {
    return c.rst.madeHere
      ? `It was answered by a reset (RST) at frame ${c.rst.frame} captured leaving the device this capture was taken on: that device sent it, not the other server`
      : `It was refused: a reset (RST) came back at frame ${c.rst.frame}`;
  }
  if (c.synAckFrames.length > 0) return `The handshake did not complete (SYN-ACK at ${frameList(c.synAckFrames)})`;
  return 'It never got an answer';
}

export function checkFxpUnreached(ctx: TransferContext): Diagnosis | null {
  const { analysis: a, transfer: t, session: s } = ctx;
  if (t.fxp === undefined || t.connection?.established) return null;
  const otherSession = sessionById(a, t.fxp.session);
  const other = otherSession && transferById(otherSession, t.fxp.transfer);
  if (!otherSession || !other || other.connection?.established) return null;
  const [portSide, portSession, pasvSide, pasvSession]: [Transfer, Session, Transfer, Session] =
    t.mode === 'active' ? [t, s, other, otherSession] : [other, otherSession, t, s];
  const port = portSide.announce;
  if (!port?.endpoint || refusesByPolicy(port.reply)) return null;
  // Either server's 1xx, or a transfer's 2xx, says the connection between them was made (vsftpd's
  // 150 once the other server connected, pyftpdlib's 125 on it): whatever failed after, it was not this.
  const made = (x: Transfer): boolean => x.preliminary !== null || (x.reply !== null && x.reply.code < 300);
  if (made(portSide) || made(pasvSide)) return null;
  const c = t.connection ?? other.connection;
  // The server given the PORT must have been asked to connect: its acceptance or its failure to.
  const portReply = port.reply ?? null;
  const failedReplies = [
    portReply && portReply.code >= 400 ? { who: portSession, what: port.command, r: portReply } : null,
    portSide.reply && portSide.reply.code >= 400 ? { who: portSession, what: portSide.request?.command ?? 'its transfer command', r: portSide.reply } : null,
    pasvSide.reply && pasvSide.reply.code >= 400 ? { who: pasvSession, what: pasvSide.request?.command ?? 'its transfer command', r: pasvSide.reply } : null,
  ].filter((x): x is { who: Session; what: string; r: Reply } => x !== null);
  if (!c && failedReplies.length === 0) return null;
  const active = portSession.server.ip;
  const passive = ep(port.endpoint);
  const details = [
    `An FXP copy, server to server: the client named ${passive}, the passive endpoint ${pasvSession.server.ip} announced in session ${pasvSession.id} (transfer ${pasvSession.id}.${pasvSide.id}), in a ${port.command} to ${active} in session ${portSession.id} (frame ${port.frame}, transfer ${portSession.id}.${portSide.id}), and ${active} accepted the address (no refusal by policy)`,
  ];
  if (c && c.synFrames.length > 0) {
    details.push(`${active} sent SYN to ${passive} at ${frameList(c.synFrames)}`);
    details.push(answerWords(c));
  }
  for (const f of failedReplies) details.push(`${f.who.server.ip} answered ${f.what} with ${replyWords(f.r)} (frame ${f.r.frame})`);
  details.push(
    c
      ? `The data connection runs between the two servers, not through the client: something between ${active} and ${pasvSession.server.ip}, or on ${pasvSession.server.ip} itself, stops it`
      : `This capture holds only the client's control connections: the data connection runs between the two servers, so where it was stopped is not visible here; the servers' replies say it was not made`,
  );
  const frames = [port.frame, portReply?.frame, ...(c ? c.synFrames.slice(0, 3) : []), c?.rst?.frame, c?.icmpErrors[0]?.frame, ...failedReplies.map((f) => f.r.frame)];
  return diagnosis(ctx, 'fxp-unreached', details, evidenceFrames(t, frames));
}
