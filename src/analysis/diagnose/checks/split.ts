/**
 * An address announcement split across TCP segments that a NAT's or firewall's FTP helper stopped
 * (analysis/split-stall.ts decides it): the transfer it was for failed, and so did the session's
 * control connection, which stalled there. The transfer's diagnosis when the capture holds the
 * announcement's transfer; the session's when only the end of the line arrived (no transfer to name).
 */
import type { Session, SplitStall } from '../../model.js';
import { adviceFor, CATALOG } from '../catalog.js';
import { passiveAddressWhere, passivePortsWhere } from '../../server-software.js';
import { ACTIVE, stalledBySplit } from '../../split-stall.js';
import { diagnosis } from '../build.js';
import { evidenceFrames, frameList, replyWords, secondsText } from '../facts.js';
import type { Diagnosis, SessionDiagnosis, TransferContext, Vantage } from '../types.js';


/** What happened, in the order it happened: the line, the segment that never got through, why, and what followed. */
function details(s: Session, st: SplitStall): string[] {
  const out: string[] = [];
  const verb = st.command?.verb ?? null;
  const active = verb === null ? st.by === 'client' : ACTIVE.has(verb);
  const cmd = st.command === null ? undefined : s.commands.find((c) => c.frame === st.command!.frame);
  const what = active ? (st.line ?? `the ${verb ?? 'PORT/EPRT'}`) : cmd?.reply ? replyWords(cmd.reply) : `the reply to ${verb}`;
  const earlier = verb === null && st.wholeBefore !== null ? s.commands.find((c) => c.frame === st.wholeBefore)?.command ?? null : null;
  const kind = active ? verb ?? earlier ?? 'PORT/EPRT' : (cmd?.reply?.code ?? (verb === 'EPSV' ? 229 : 227)).toString();
  const whole = st.wholeBefore === null ? '' : `; the earlier ${kind} (frame ${st.wholeBefore}) came in one segment and worked`;
  if (st.seen === 'sent') {
    out.push(
      `The ${st.by} wrote ${active ? '' : `its answer to ${verb} (frame ${st.command!.frame}), `}${what}, in more than one TCP segment: it began in frame ${st.firstFrame} and ended in frame ${st.frame}${whole}`,
    );
    out.push(
      `The segment holding its start (frame ${st.firstFrame}) was sent again ${st.repeats.length} time${st.repeats.length === 1 ? '' : 's'} (${frameList(st.repeats)}) and never acknowledged, ` +
        `while the ${st.by === 'client' ? 'server' : 'client'} acknowledged the later piece selectively (SACK, frame ${st.sackFrame}): ` +
        `something between the hosts dropped exactly the segment with the start of the ${kind} and let the rest through`,
    );
  } else if (st.by === 'client') {
    out.push(
      `Only the end of a line from the client arrived: "${st.line}" (frame ${st.frame}), after ${st.missing} bytes that never reached the server: ` +
        `the server acknowledged selectively what came after them (SACK, frame ${st.sackFrame}) and never the bytes themselves, and no copy sent again arrived either. ` +
        `That is how a PORT's or EPRT's address ends: the client wrote its announcement in more than one TCP segment, and the first was dropped on the way${whole}`,
    );
  } else {
    out.push(
      `The server's answer to ${verb} (frame ${st.command!.frame}) never came whole: ${st.missing} bytes of it never reached the client, only a later piece (frame ${st.frame}) did, ` +
        `which the client acknowledged selectively (SACK, frame ${st.sackFrame}) while it still waited for the start, and no copy sent again arrived either: ` +
        `the server wrote its ${kind} in more than one TCP segment, and the first was dropped on the way${whole}`,
    );
  }
  out.push(
    `A NAT's or firewall's FTP helper (ALG) does this with ${kind.startsWith('E') ? 'an' : 'a'} ${kind} it cannot read whole inside one segment (Linux's nf_conntrack_ftp drops the segment as a partial match, and every copy sent again alone): ` +
      `the control connection stalled there, ${st.by === 'server' ? 'the client never got the reply' : st.seen === 'sent' ? 'no reply came' : 'the server never got the command'}, and no data connection could be opened`,
  );
  const end = s.closedBy;
  if (end !== null && end.frame > st.frame) {
    out.push(`The ${end.by} closed the control connection ${secondsText(end.time - (cmd?.time ?? s.start))} later (${end.how === 'rst' ? 'RST' : 'FIN'}, frame ${end.frame})`);
  }
  return out;
}

/** Advice for the side that wrote the split announcement. */
function advice(s: Session, st: SplitStall): string {
  const active = st.command === null ? st.by === 'client' : ACTIVE.has(st.command.verb);
  return (
    adviceFor('announce-split-dropped', s) +
    (active
      ? ' Here the client split its announcement: make it write the whole command in one send, or use passive mode (PASV/EPSV), where the client announces no address.'
      : ` Here the server split its reply: make it write the whole reply in one send, or give it its public address for passive replies${passiveAddressWhere(s)} and forward the passive ports${passivePortsWhere(s)} on the NAT, so that no helper has to read the reply.`)
  );
}

const evidenceOf = (st: SplitStall): number[] => [st.command?.frame, st.firstFrame, st.frame, st.sackFrame, ...st.repeats.slice(0, 2)].filter((f): f is number => f !== undefined);

export function checkSplitStall(ctx: TransferContext): Diagnosis | null {
  const st = ctx.session.splitStall;
  const t = ctx.transfer;
  if (st === undefined || !stalledBySplit(t, st) || t.connection !== null) return null;
  return diagnosis(ctx, 'announce-split-dropped', details(ctx.session, st), evidenceFrames(t, evidenceOf(st)), advice(ctx.session, st));
}

/** The session's word when no transfer of it carries the cause: only the end of the line arrived, or the announcement made no transfer. */
export function checkSplitStallSession(s: Session, vantage: Vantage): SessionDiagnosis | null {
  const st = s.splitStall;
  if (st === undefined || s.transfers.some((t) => t.diagnosis?.cause === 'announce-split-dropped')) return null;
  return {
    cause: 'announce-split-dropped',
    summary: [`Session ${s.id}: ${CATALOG['announce-split-dropped'].title}.`, ...details(s, st).map((d) => `${d}.`), `Vantage point: ${vantage.reason}.`].join(' '),
    evidence: [...new Set(evidenceOf(st))].sort((a, b) => a - b),
    advice: advice(s, st),
  };
}
