/**
 * Words for the model's verdicts (analysis/verdict.ts), shared by every renderer so that `summary`,
 * `transfers`, `diagnose`, `explain` and `timeline` say the same thing. Nothing here decides: each
 * function maps a verdict value to text.
 */
import { dataReceiver, dataReceiverOf } from '../analysis/data-sender.js';
import { CATALOG } from '../analysis/diagnose/catalog.js';
import { byteCount, count, replyHeadline, replyWords, secondsText } from '../analysis/diagnose/facts.js';
import { PATH_ROUND_TRIP } from '../analysis/round-trip.js';
import { leftAfterRefusal } from '../analysis/session-facts.js';
import { ACTIVE } from '../analysis/split-stall.js';

export { replyHeadline };
import type { AnnouncedKbytes, CauseCode, Command, ControlVerdict, InCaptureGap, LoginGuessing, ServerClosed, Session, SplitSegment, Transfer, TransferVerdict } from '../analysis/model.js';
import { GUESSING_THRESHOLD, GUESSING_WINDOW_SECONDS } from '../analysis/login-guessing.js';
import { escapeText } from './escape.js';
import { seconds } from './format.js';
import { dataUnseenWords } from '../analysis/data-unseen.js';
import type { FallbackAnnounce, SplitPending, Stopper, TransferVerdictKind } from '../analysis/verdict-types.js';
import type { Resumption } from '../tcp/types.js';
import { commandHeadline } from '../ftp/commands.js';

const n = count;

/** The colour a verdict is painted in tables. */
export const VERDICT_COLOUR: Record<TransferVerdictKind, 'green' | 'red' | 'yellow' | 'dim'> = {
  completed: 'green',
  'not-captured': 'green',
  incomplete: 'yellow',
  'reply-lost': 'yellow',
  failed: 'red',
  // Refused, and the client did it another way: nothing to look at.
  'fell-back': 'dim',
  // Refused as a retry of an attempt that had failed: that attempt carries the failure.
  'retry-refused': 'dim',
  aborted: 'red',
  unused: 'dim',
  unknown: 'yellow',
};

/** A size the server's 150 rounded (pure-ftpd's "N.N kbytes to download"), after a byte count: " of about N bytes (…)". */
function aboutWords(a: AnnouncedKbytes): string {
  return ` of about ${n(Math.round(a.kbytes * 1024))} bytes (the 150 at frame ${a.frame} announced ${a.kbytes.toFixed(1)} kbytes, rounded: ${n(a.low)} to ${n(a.high)} bytes)`;
}

/** After a byte count: " of N announced bytes", the rounded size a 150 stated, or " bytes". */
function ofAnnounced(v: { expected: number | null; about?: AnnouncedKbytes }): string {
  return v.expected !== null ? ` of ${n(v.expected)} announced bytes` : v.about !== undefined ? aboutWords(v.about) : ' bytes';
}

/** How the client stopped a download it may have fetched in pieces (SplitPending, SplitLost), after "the client". */
function clientStopWords(how: SplitPending['how'], closed: number): string {
  if (how === 'abor') return `sent ABOR (frame ${closed})`;
  if (how === 'control') return `closed its control connection (frame ${closed}) while the data still came`;
  return `${how === 'rst' ? 'reset' : 'closed'} the data connection (frame ${closed})`;
}

/** One word or three for a table cell: "complete", "complete, 939,136 B not captured", "aborted (client)". */
export function verdictLabel(v: TransferVerdict): string {
  switch (v.kind) {
    case 'completed':
      if (v.segment !== undefined) return v.missingBytes > 0 ? `complete (segment), ${n(v.missingBytes)} B not captured` : 'complete (segment)';
      // Lost by the capture or cut by its snaplen: in the table's few words, not captured either way.
      const notCaptured = v.missingBytes + (v.payloadCut ?? 0);
      if (notCaptured > 0) return `complete, ${n(notCaptured)} B not captured`;
      if (v.sentLong === true && v.expected !== null) return `complete, ${n(v.bytes)} B (${n(v.expected)} B announced)`;
      return v.sentShort && v.expected !== null ? `complete, ${n(v.bytes)} of ${n(v.expected)} B announced` : 'complete';
    case 'not-captured':
      return v.replies === 'completed' ? 'complete (replies; data not captured)' : 'started (replies; data not captured)';
    case 'incomplete':
      if (v.why === 'not-followed') return 'not followed';
      if (v.why === 'reply-not-captured') return 'not confirmed (reply not captured)';
      if (v.why === 'size-not-captured') return 'not known (size not captured)';
      if (v.why === 'end-not-captured' || v.why === 'data-end-not-captured') return 'not known (end not captured)';
      if (v.why === 'split-not-captured') return 'not known (split, part not captured)';
      if (v.lost) {
        if (v.lost.arrivedBeyondAck !== undefined) {
          return `incomplete, ${n(v.lost.acknowledged)}/${n(v.expected ?? v.lost.sent)} received in order, ${n(v.lost.arrivedBeyondAck)} more arrived`;
        }
        return `incomplete, ${n(v.lost.acknowledged)}/${n(v.expected ?? v.lost.sent)} received`;
      }
      return v.expected !== null ? `incomplete ${n(v.bytes)}/${n(v.expected)}` : 'incomplete';
    case 'reply-lost':
      return 'data whole, reply lost';
    case 'failed':
      return 'failed';
    case 'fell-back':
      if (v.fallback.directory !== null && v.fallback.command === null) return 'refused (a directory), its listing to come';
      if (v.fallback.announce === undefined && v.fallback.command === null) return 'refused, the client connecting anew';
      if (v.fallback.announce?.command == null && ('commandLost' in v.fallback || 'answerLost' in v.fallback)) return 'refused, fell back (command not captured)';
      return `refused, fell back to ${escapeText(v.fallback.announce?.command ?? (v.fallback.command ?? '').split(' ')[0])}`;
    case 'retry-refused':
      return `refused retry of ${v.retryOf.transfer}`;
    case 'aborted':
      return v.by ? `aborted (${v.by === 'other-server' ? 'other server' : v.by})` : 'aborted';
    case 'unused':
      return 'unused';
    case 'unknown':
      if (v.why === 'tls-hidden') {
        const against = v.cause === null ? undefined : PROBABLE_FAILURE[v.cause];
        return against === undefined ? 'probable (TLS)' : `probable (TLS), ${against}`;
      }
      if (v.why === 'client-gone') return 'unknown (client gone)';
      if (v.why === 'abort-not-captured') return 'unknown (control bytes lost)';
      if (v.why === 'announce-lost') return 'unknown (announcement not captured)';
      if (v.why === 'command-lost') return v.whole ? 'complete (command not captured)' : 'unknown (command not captured)';
      if (v.why === 'midstream') return v.resumes !== undefined ? 'unknown (not followed whole)' : 'mid-stream';
      return 'unknown (one side)';
  }
}

/** What TLS showed against an inferred transfer, in the status column's few words. */
const PROBABLE_FAILURE: Partial<Record<CauseCode, string>> = {
  'tls-no-close-notify': 'no close_notify',
  'tls-session-not-reused': 'TLS session not resumed',
  aborted: 'reset by the receiver',
};

/** A finished segment of a split download, in full: what it was there for, who closed it and why that is no failure. */
function segmentSentence(t: Transfer, seg: SplitSegment, missing: number): string {
  const late = t.reply !== null && t.reply.code >= 400 ? `; the server's ${t.reply.code} (frame ${t.reply.frame}) answers that close, not a loss` : '';
  const captured = missing > 0 ? ` (${n(missing)} of its bytes are missing from the capture, not from the transfer)` : '';
  return (
    `completed: one segment of a download split over several connections, there for bytes ${n(seg.start)}–${n(seg.end)} ` +
    `of the ${n(seg.size)}-byte file (REST ${n(seg.start)}); it carried ${n(t.bytes)} bytes from there${captured}, and the client closed ` +
    `${seg.control ? 'its control connection' : 'it'} (frame ${seg.closed}) once its bytes reached the start of the next segment, transfer ${seg.next.session}.${seg.next.transfer} ` +
    `(REST ${n(seg.end)}, frame ${seg.next.frame})${late}.` +
    (seg.whole ? ' Together the segments in the capture hold every byte of the file.' : '')
  );
}

/** Counting words for a list of verdicts: "3 complete, 1 failed". */
export function verdictCounts(transfers: Transfer[]): string {
  if (transfers.length === 0) return '';
  const by = new Map<string, number>();
  for (const t of transfers) {
    const key = COUNT_WORD[t.verdict.kind];
    by.set(key, (by.get(key) ?? 0) + 1);
  }
  return [...by.entries()].map(([k, c]) => `${c} ${k}`).join(', ');
}

const COUNT_WORD: Record<TransferVerdictKind, string> = {
  completed: 'complete',
  'not-captured': 'complete per replies',
  incomplete: 'incomplete',
  'reply-lost': 'data whole with the final reply lost',
  failed: 'failed',
  'fell-back': 'refused (the client fell back)',
  'retry-refused': 'refused (a retry of a failed attempt)',
  aborted: 'aborted',
  unused: 'unused',
  unknown: 'unknown',
};

/** Who aborted a transfer, after "aborted by". */
function stopperWords(by: Stopper): string {
  if (by === 'network') return 'the network (a device between the hosts)';
  if (by === 'other-server') return 'the other server of the FXP copy (the far end of the data connection)';
  if (by === 'firewall') return "a firewall's reset (on the path, or on the server's own host: this capture cannot tell which)";
  return `the ${by}`;
}

/** What a transfer mode other than stream put on the wire. */
const modeWords = (mode: string): string =>
  mode === 'Z' ? 'sent in MODE Z, so they are the deflate-compressed stream, not the file itself' : `sent in MODE ${mode}, so they carry that mode's framing, not the file alone`;

/** A sentence for prose outputs (explain, diagnose): what happened to the transfer, in full. */
/** How much of a completed transfer's data the capture holds: all of it, or its payload cut by the snaplen. */
function heldWords(v: Extract<TransferVerdict, { kind: 'completed' }>): string {
  if (v.payloadCut === undefined) return 'all in the capture';
  return v.payloadCut >= v.bytes
    ? "each segment in the capture, its payload cut by the capture's snapshot length (not captured)"
    : `each segment in the capture, ${n(v.payloadCut)} of their bytes cut by the capture's snapshot length (not captured)`;
}

/** Why a RETR of a directory was refused: the name is a directory, or (DIR.tar) the server makes no archive of one. */
function directoryRefusal(d: { arg: string; archive?: string }, code: number, frame: number): string {
  const name = escapeText(d.arg);
  if (d.archive === undefined) return `${name} is a directory, not a file (${code}, frame ${frame})`;
  return `the client asked for the directory ${name} as one archive, ${escapeText(d.archive)}, which some servers make on the fly and this one does not (${code}, frame ${frame})`;
}

export function verdictSentence(t: Transfer): string {
  const v = t.verdict;
  const reply = t.reply ? ` (${t.reply.code}, frame ${t.reply.frame})` : '';
  switch (v.kind) {
    case 'completed':
      if (v.segment !== undefined) return segmentSentence(t, v.segment, v.missingBytes);
      if (v.missingBytes === 0 && v.sentShort && v.expected !== null) {
        return (
          `completed according to the server${reply}: it sent ${n(v.bytes)} of the ${n(v.expected)} bytes announced and closed the data connection itself; ` +
          'the capture holds every byte it sent, so the file changed on the server while it was sent (or its size was announced wrong): neither the network nor the capture lost any.'
        );
      }
      if (v.missingBytes === 0 && v.sentLong === true && v.expected !== null) {
        return (
          `completed: ${byteCount(v.bytes)}, ${heldWords(v)}${reply}, more than the ${n(v.expected)} announced: the server sent them and closed the data connection itself, ` +
          'so the file on the server grew or was replaced after its size was announced (or its size was announced wrong); nothing was lost.'
        );
      }
      // TLS data not decrypted: the bytes counted are TLS records, not the file's.
      if (v.missingBytes === 0 && t.connection?.tls !== undefined && t.connection.plaintext === undefined) {
        return `completed: ${n(v.bytes)} bytes of TLS records (PROT P; the file inside is not readable without a key log${v.expected !== null ? `, ${n(v.expected)} bytes announced` : ''}), all in the capture${reply}.`;
      }
      if (v.missingBytes === 0 && v.resetAfterWhole !== undefined && t.connection?.rst) {
        return (
          `completed: ${byteCount(v.bytes)}, ${heldWords(v)}${v.expected !== null ? `, every one of the ${n(v.expected)} announced` : ''}${reply}: ` +
          `the ${t.connection.rst.by} reset the data connection (frame ${v.resetAfterWhole}) the moment it had every byte, and the server's ${t.reply?.code ?? 426} reports that reset, not a loss.`
        );
      }
      if (v.missingBytes === 0 && v.wireMode !== undefined) {
        const size = t.expectedSize !== null ? `; the file is ${n(t.expectedSize)} bytes as announced` : '';
        return `completed: ${byteCount(v.bytes)}, ${heldWords(v)}${reply}: ${modeWords(v.wireMode)}${size}.`;
      }
      if (v.missingBytes === 0) return `completed: ${byteCount(v.bytes)}, ${heldWords(v)}${reply}.`;
      if (v.resetAfterWhole !== undefined && t.connection?.rst) {
        return (
          `completed: the ${dataReceiver(t.direction)} acknowledged every one of the ${n(v.expected ?? v.bytes)} bytes announced, ${n(v.missingBytes)} of them missing from the capture ` +
          `(${n(v.bytes)} captured: the capture lost them, not the transfer)${reply}: the ${t.connection.rst.by} reset the data connection (frame ${v.resetAfterWhole}) the moment it had every byte, ` +
          `and the server's ${t.reply?.code ?? 426} reports that reset, not a loss.`
        );
      }
      return (
        `completed according to the server${reply}, but ${n(v.missingBytes)} of its bytes are missing from the capture ` +
        `(${n(v.bytes)} captured${v.expected !== null ? ` of ${n(v.expected)} announced` : ''}): the capture lost them, not the transfer.`
      );
    case 'not-captured':
      return v.replies === 'completed'
        ? `succeeded according to the replies${reply}; its data connection is not in the capture.`
        : `began according to the replies (${t.preliminary?.code ?? '1xx'}, frame ${t.preliminary?.frame ?? '?'}); its data connection and final reply are not in the capture.`;
    case 'incomplete':
      if (v.why === 'not-followed' && v.siblingFrom !== undefined) {
        return (
          `not followed to its end: the client stopped this download after ${n(v.bytes)}${v.expected !== null ? ` of ${n(v.expected)}` : ''} bytes, and the analysis did not follow ` +
          `all of the client's other sessions to this server (from frame ${v.siblingFrom}: more than its memory budget keeps; a larger --max-memory follows more): ` +
          'a split download would ask for the next piece there, so whether this piece was done or given up is not known.'
        );
      }
      if (v.why === 'not-followed' && v.sessionsFrom !== undefined) {
        return (
          `not followed to its end: the refusal ended the session, and the analysis did not keep the client's later sessions to this server (from frame ${v.sessionsFrom}: ` +
          `more sessions than its memory budget keeps; a larger --max-memory keeps more), so whether the client got past it another way is not known.`
        );
      }
      if (v.why === 'not-followed' && v.otherServersFrom !== undefined) {
        return (
          `not followed to its end: nothing connected to the endpoint its ${escapeText(t.announce?.command ?? 'PASV')} announced and the server never answered, ` +
          `while the analysis did not keep the client's sessions to another server (from frame ${v.otherServersFrom}: more sessions than its memory budget keeps; ` +
          'a larger --max-memory keeps more): an FXP copy, whose other server is told to connect here, would be asked there, so how this ended is not known.'
        );
      }
      if (v.why === 'not-followed' && v.commandsFrom !== undefined) {
        return (
          `not followed to its end: the analysis stopped keeping this session's commands at frame ${v.commandsFrom} ` +
          `(more commands than its memory budget keeps; a larger --max-memory keeps more), so what the client did next, which would tell how this ${t.request === null ? 'announcement' : 'transfer'} ended, is not known` +
          (t.reply !== null ? ` (the server's last word on it: ${t.reply.code}, frame ${t.reply.frame}).` : '.')
        );
      }
      if (v.why === 'end-not-captured') {
        return (
          `not known: the client had acknowledged all ${n(v.bytes)} bytes the server stated when the server answered 426 (frame ${v.endLost!.reply}), ` +
          'and the data connection\'s end is not in the capture: the 426 may answer a reset of the client\'s that the capture lost, sent once it held the whole file.'
        );
      }
      if (v.why === 'data-end-not-captured') {
        const e = v.dataEndLost!;
        const held = v.expected !== null ? `${n(v.bytes)} of the ${n(v.expected)} bytes announced` : byteCount(v.bytes);
        return (
          `not known: the server answered ${t.reply?.code ?? '2xx'} (frame ${e.reply}), but the capture holds ${held} and not how the data connection ended ` +
          `(no FIN or reset after frame ${e.lastData}): the capture lost the close${v.expected !== null ? ' and the rest' : ''}, or the connection was reset${v.expected !== null ? ' with the rest still unsent' : ''} and the capture lost the reset.`
        );
      }
      if (v.why === 'size-not-captured') {
        const said = t.reply !== null ? `, and the server said ${t.reply.code} (frame ${t.reply.frame})` : '';
        return (
          `not known: the client reset the data connection (frame ${v.reset}) holding ${n(v.bytes)} bytes, every one acknowledged${said}; ` +
          (v.sizeLost!.lost === 'reply'
            ? `the file's size, which says whether that was all of it, is in bytes the capture lost: the server's answer to SIZE (frame ${v.sizeLost!.frame}).`
            : v.sizeLost!.lost === 'both'
              ? `the capture lost bytes of the control connection before the transfer command (picked up again at frame ${v.sizeLost!.frame}), where the file's size, which says whether that was all of it, may have been asked and stated.`
              : `the size the server stated (213, frame ${v.sizeLost!.frame}) answered a SIZE the capture lost, so which file it names is not known, nor whether that was all of it.`)
        );
      }
      if (v.why === 'not-followed') {
        return (
          `not followed to its end: ${n(v.bytes)}${v.expected !== null ? ` of ${n(v.expected)} announced bytes` : ' bytes'} had moved when the analysis stopped ` +
          `following its connections at frame ${v.evictedAt}, to make room for others (${NOT_FOLLOWED_WHY})` +
          (t.reply !== null && v.evictedAt !== undefined && t.reply.frame > v.evictedAt
            ? `; the server's ${t.reply.code} (frame ${t.reply.frame}) came after, but the data after frame ${v.evictedAt} was not counted: whether it all moved is not known.`
            : `${noTransferReply(t)} before it: what became of it is not known.`)
        );
      }
      if (v.arriving) {
        return (
          `incomplete: ${n(v.bytes)}${ofAnnounced(v)} had arrived when the capture ended; ` +
          `the server had already replied ${t.reply?.code ?? '2xx'} (frame ${v.arriving.reply}), as it does once its data is queued, and ` +
          (v.arriving.lastData !== null
            ? `its data was still arriving (frame ${v.arriving.lastData}): the capture ended before the rest of it did.`
            : 'none of its data was in the capture yet, its sender not closed: the capture ended before it came.')
        );
      }
      if (v.splitPending !== undefined) {
        const p = v.splitPending;
        const stop = clientStopWords(p.how, p.closed);
        const of = ofAnnounced(v);
        return (
          `incomplete, not known yet: the client ${stop} with ${n(v.bytes)}${of} in${t.restOffset ? ` (from REST ${n(t.restOffset)})` : ''}, up to byte ${n(p.reach)} of the file, ` +
          `while its session ${p.session} to the same server was still under way when the capture ended (frame ${p.frame}): a client that fetches a file in segments ` +
          '(aria2c, axel, lftp pget) closes each once its piece is in and asks for the rest over its other sessions; whether this one was such a piece or a download stopped short, ' +
          'the capture ended too soon to show.'
        );
      }
      if (v.splitLost !== undefined) {
        const l = v.splitLost;
        const stop = clientStopWords(l.how, l.closed);
        const of = ofAnnounced(v);
        const lost =
          l.lost.what === 'control'
            ? `bytes of session ${l.lost.session}'s control connection (the capture picks it up again at frame ${l.lost.frame})`
            : l.lost.what === 'command'
              ? `the transfer command of ${l.transfer} (its server's reply at frame ${l.lost.frame})`
              : `the opening of ${l.transfer}'s data connection (seen from frame ${l.lost.frame})`;
        return (
          `not known: the client ${stop} with ${n(v.bytes)}${of} in${t.restOffset ? ` (from REST ${n(t.restOffset)})` : ''}, up to byte ${n(l.reach)} of the file, ` +
          `beside another download from the same server (transfer ${l.transfer}, frame ${l.frame}); a client that fetches a file in segments (aria2c, axel, lftp pget) ` +
          `closes each once its piece is in, and what would show whether this was such a piece (the segments' REST offsets, the file's size, the next segment's request) ` +
          `may be in what the capture lost: ${lost}. Whether it was a finished piece or a download stopped short is not in the capture.`
        );
      }
      if (v.underWay?.step === 'aborting') {
        return (
          `incomplete: the client sent ABOR (frame ${v.underWay.frame}) with ${n(v.bytes)}${ofAnnounced(v)} in, ` +
          'its data still coming, and the capture ended before the server answered: whether the ABOR cut the transfer short or came as it finished is not in the capture.'
        );
      }
      if (v.lost) {
        const receiver = dataReceiver(t.direction);
        return (
          `incomplete: the ${receiver} acknowledged ${n(v.lost.acknowledged)} of the ${n(v.lost.sent)} bytes sent` +
          `${v.expected !== null ? ` (${n(v.expected)} announced)` : ''}, ` +
          (v.lost.arrivedBeyondAck !== undefined
            ? `${n(v.lost.sent - v.lost.acknowledged - v.lost.arrivedBeyondAck)} of the rest lost on the path, and ${n(v.lost.arrivedBeyondAck)} more arrived ` +
              'but not in order (TCP acknowledges in order, and hands nothing on past bytes still missing), when '
            : 'the rest lost on the path, when ') +
          `${v.why === 'capture-ended' ? 'the capture ended' : 'the control connection closed'}${noTransferReply(t)}.`
        );
      }
      // A refusal the client usually gets past another way, the session's last word (in-flight.ts).
      const refusal = t.request === null ? t.announce?.reply : t.reply;
      if (v.underWay !== undefined && refusal && refusal.code >= 400) {
        const asked = escapeText(t.request === null ? t.announce!.command : t.request.command);
        const answered = `the server answered ${asked} with ${refusal.code} (frame ${refusal.frame})`;
        return v.underWay.frame === refusal.frame
          ? `incomplete: ${answered} and the capture ended before the client's next step: whether it asked another way, as clients do after such an answer, is not in the capture.`
          : `incomplete: ${answered}; the session was still going when the capture ended (frame ${v.underWay.frame}): whether the client got past the refusal another way is not in the capture.`;
      }
      if (v.replyInGap !== undefined) {
        const g = v.replyInGap;
        const moved = `not confirmed: ${n(v.bytes)}${v.expected !== null ? ` of ${n(v.expected)} announced bytes` : ' bytes'} moved`;
        if (g.later.closing) return `${moved}, and the server's bytes the capture lost (before frame ${g.gap}) may hold its final reply: ${hadThem(g.later)}.`;
        return `${moved}, and its final reply came in the server's bytes the capture lost (before frame ${g.gap}): ${hadThem(g.later)}.`;
      }
      return (
        `incomplete: ${n(v.bytes)}${ofAnnounced(v)} had moved when ` +
        `${v.why === 'capture-ended' ? 'the capture ended' : 'the control connection closed'}${noTransferReply(t)}` +
        (v.clientLeft
          ? `; the client had ${v.clientLeft.how === 'rst' ? 'reset' : 'closed'} its control connection mid-transfer (${v.clientLeft.how === 'rst' ? 'RST' : 'FIN'}, frame ${v.clientLeft.frame}), ` +
            `with no QUIT: it had left${t.direction === 'upload' ? ', and what still moved was what it had handed its TCP stack before' : ''}`
          : '') +
        (v.controlEndLost
          ? `; packets of the control connection's end are missing: the ${v.controlEndLost.by}'s reset (frame ${v.controlEndLost.reset}) comes after ` +
            `${v.controlEndLost.fin ? 'a FIN' : n(v.controlEndLost.bytes)} of its own the capture lacks, so what the server sent then (its reply, its data) is not known`
          : '') +
        (v.idle
          ? `; the ${v.idle.sender} had sent nothing for the last ${secondsText(v.idle.seconds)} (since frame ${v.idle.lastData}), every byte acknowledged with the ` +
            `${v.idle.sender === 'server' ? 'client' : 'server'}'s window open (frame ${v.idle.drained}), and its data had never paused before: ` +
            'paused (a rate limiter writes a burst and then sleeps) or stopped, the capture ended before it showed which.'
          : '.')
      );
    case 'reply-lost': {
      const data = `delivered its data whole (${n(v.bytes)} bytes${v.expected !== null ? ` of ${n(v.expected)} announced` : ''})`;
      const again = `sent again ${v.repeats.length} time${v.repeats.length === 1 ? '' : 's'} and never acknowledged`;
      if (v.reply !== null) return `${data}, but the server's final reply${reply} never reached the client: it was ${again}.`;
      const what = `the ${v.by}'s ${v.finOnly ? 'FIN' : v.by === 'client' ? 'last command' : 'last reply'}`;
      return `${data}, but no final reply reached the client: the control connection stopped getting through (${what}, frame ${v.from}, was ${again}).`;
    }
    case 'failed':
      return `failed${v.cause ? `: ${CATALOG[v.cause].title}` : ''}${reply}.`;
    case 'fell-back': {
      const fb = v.fallback;
      // A refused announcement, and the one the client asked with instead (the refused steps between: tnftp's EPSV refused, then PASV refused, then PORT).
      const askedInstead = (a: FallbackAnnounce): string => {
        const asked = escapeText(t.announce?.command ?? 'the announcement');
        const refusal = a.lacking ? `does not ${v.code === 502 ? 'implement' : 'recognise'} ${asked}` : `refuses ${asked}`;
        const via = a.via.map((r) => `${escapeText(r.command)} (frame ${r.frame}, transfer ${r.transfer}, refused too: ${r.code}, frame ${r.replyFrame}), then `).join('');
        const instead = a.command === null ? 'another command instead, which the capture lost' : `${escapeText(a.command)} instead (frame ${a.frame})`;
        return `refused, and no failure: the server ${refusal} (${v.code}, frame ${v.reply}); the client asked with ${via}${instead}`;
      };
      if ('underWay' in fb && fb.directory !== null) {
        // A RETR of a directory: the client changed into it, and was listing it (or about to) when the capture ended.
        const name = escapeText(fb.directory.arg);
        const cwd = `refused, and no failure so far: ${directoryRefusal(fb.directory, v.code, v.reply)}; the client changed into it (CWD ${name}, ${fb.directory.code}, frame ${fb.directory.replyFrame})`;
        return fb.command !== null
          ? `${cwd} and listed it with ${escapeText(fb.command)} (frame ${fb.frame}, transfer ${fb.transfer}), and the capture ended while that was still under way (frame ${fb.underWay}): how it went is not in the capture.`
          : `${cwd}, and the capture ended while the client was still going (frame ${fb.underWay}), before it listed it: how that went is not in the capture.`;
      }
      if ('underWay' in fb) {
        // The way past the refusal that the client had taken when the capture ended.
        const lacks = `refused, and no failure so far: the server ${v.code === 502 ? 'does not implement' : 'does not recognise'} ${escapeText(t.request?.command ?? '')} (${v.code}, frame ${v.reply})`;
        const asked =
          fb.announce !== undefined
            ? `${askedInstead(fb.announce)}${fb.accepted ? `, which the server accepted (${fb.accepted.code}, frame ${fb.accepted.frame})` : ''}`
            : t.request === null
              ? `refused, and no failure so far: the server refuses ${escapeText(t.announce?.command ?? 'the announcement')} (${v.code}, frame ${v.reply})`
              : lacks;
        const anew = fb.session !== undefined ? `; the client closed that session and connected anew (session ${fb.session})` : '';
        const sent = fb.command === null ? '' : `; ${fb.announce !== undefined ? 'it sent' : 'the client asked with'} ${escapeText(fb.command)} ${fb.announce !== undefined ? 'over it ' : 'instead '}(frame ${fb.frame}, transfer ${fb.transfer})`;
        const what = fb.announce === undefined && fb.session === undefined && fb.command === null ? 'the client was still going' : 'that was still under way';
        return `${asked}${anew}${sent}, and the capture ended while ${what} (frame ${fb.underWay}): how it went is not in the capture.`;
      }
      if ('answerLost' in fb) {
        const then = fb.transfer !== null ? `what the client did over it is transfer ${fb.transfer}, with its own verdict` : 'how the other way went is not in the capture';
        const lost = fb.announce.command === null ? `with its answer (before frame ${fb.answerLost.gap})` : `whose answer is in the server's bytes the capture lost (before frame ${fb.answerLost.gap})`;
        return `${askedInstead(fb.announce)}, ${lost}: the refusal decided nothing, and ${then}.`;
      }
      if (fb.command === null && fb.lostAfter !== undefined) {
        return (
          `${askedInstead(fb.announce)}, which the server accepted (${fb.accepted.code}, frame ${fb.accepted.frame}); the capture lost control bytes after it (before frame ${fb.lostAfter.gap}), ` +
          `and no transfer command in the capture used it: what the client did over it is not in the capture (transfer ${fb.transfer}).`
        );
      }
      if (fb.command === null && fb.tupleCut === true) {
        return (
          `${askedInstead(fb.announce)}, which the server accepted (${fb.accepted.code}, frame ${fb.accepted.frame}); the capture's snapshot length cut the address in that reply, ` +
          `and no transfer command used it: whether and where the client then tried to connect is not in the capture (transfer ${fb.transfer}).`
        );
      }
      if (fb.command === null) {
        return (
          `${askedInstead(fb.announce)}, which the server accepted (${fb.accepted.code}, frame ${fb.accepted.frame}); the client's attempt over it then failed ` +
          `before any transfer command: that is transfer ${fb.transfer}'s failure, not this one's.`
        );
      }
      const ended =
        fb.replyInGap !== undefined || fb.finalReplyMissing === true
          ? 'which the server took'
          : fb.completed
            ? 'which completed'
            : fb.connectionFailed === true
              ? 'which then failed for its own reason'
              : `which the server then refused for its own reason`;
      const lost =
        fb.replyInGap !== undefined
          ? `; its final reply is in the server's bytes the capture lost (before frame ${fb.replyInGap.gap})`
          : fb.finalReplyMissing === true
            ? '; its data came, with no final reply in the capture'
            : '';
      const replied = fb.code === null ? 'no final reply in the capture' : `${fb.code}, frame ${fb.replyFrame}`;
      const then = `${escapeText(fb.command)} (frame ${fb.frame}, transfer ${fb.transfer}), ${ended} (${replied})${lost}`;
      if (fb.directory !== null) {
        const name = escapeText(fb.directory.arg);
        return (
          `refused, and no failure: ${directoryRefusal(fb.directory, v.code, v.reply)}; the client changed into it ` +
          `(CWD ${name}, ${fb.directory.code}, frame ${fb.directory.replyFrame}) and listed it instead with ${then}. Nothing to change.`
        );
      }
      if (fb.announce !== undefined) {
        const over = fb.completed
          ? `${then.replace(/, which completed/, ' over it completed')}. Nothing to change.`
          : fb.connectionFailed === true
            ? `${then.replace(/, which then failed for its own reason/, ' over it then failed for its own reason')}: that failure is transfer ${fb.transfer}'s, not this one's.`
            : `${then.replace(/, which the server then refused for its own reason/, ' over it was then refused for its own reason')}: that refusal is transfer ${fb.transfer}'s failure, not this one's.`;
        return `${askedInstead(fb.announce)}, ${fb.completed ? '' : 'which the server accepted, '}and ${over}`;
      }
      const lacks = v.code === 502 ? 'does not implement' : 'does not recognise';
      return `refused, and no failure: the server ${lacks} ${escapeText(t.request?.command ?? 'the command')} (${v.code}, frame ${v.reply}); the client fell back to ${then}. Nothing to change.`;
    }
    case 'retry-refused': {
      const r = v.retryOf;
      const asked = escapeText(t.announce?.command ?? 'the announcement');
      const refusal = v.lacking ? `does not ${v.code === 502 ? 'implement' : 'recognise'} ${asked}` : `refused ${asked}`;
      const attempt = `${escapeText(r.command)} (frame ${r.frame}, transfer ${r.transfer}${r.request !== null ? `, ${escapeText(r.request)}` : ''})`;
      const via =
        r.via.map((x) => `, then ${escapeText(x.command)} (frame ${x.frame}, transfer ${x.transfer}, refused too: ${x.code}, frame ${x.replyFrame})`).join('') +
        (r.viaMore !== undefined ? `, then ${n(r.viaMore)} more refused the same way` : '');
      return (
        `refused, and no failure of its own: the server ${refusal} (${v.code}, frame ${v.reply}), which the client sent as a retry, another way, of ` +
        `${attempt}${via}, ${r.refused ? 'which the server had already refused' : 'whose attempt had already failed'} (${r.code}, frame ${r.replyFrame}). The refusal changed nothing: the operation failed there, ` +
        `and that failure is transfer ${r.transfer}'s, counted once.`
      );
    }
    case 'aborted':
      if (v.resumed !== undefined) {
        const r = v.resumed;
        return (
          `aborted by the client after ${n(v.bytes)} of ${n(v.expected ?? r.size)} bytes: the server said ${t.reply?.code ?? '2xx'} (frame ${r.reply}), ` +
          `but the client was gone (its control connection ${r.gone < r.reply ? 'closed before that reply' : 'reset as that reply arrived'}, frame ${r.gone}), ` +
          `and its later resume from offset ${n(r.from)} (frame ${r.frame}) completed the file at ${n(r.size)} bytes.`
        );
      }
      if (v.dataUnseen !== undefined) {
        return (
          `aborted${v.by ? ` by ${stopperWords(v.by)}` : ''} according to the replies${reply}; its data connection is not in the capture, which holds none between these hosts, ` +
          `${dataUnseenWords(v.dataUnseen, { session: t.session, transfer: t.id })}: how much${v.expected !== null ? ` of the ${n(v.expected)} bytes announced` : ''} moved is not known.`
        );
      }
      if (v.unconfirmed !== undefined) {
        return (
          `aborted${v.by ? ` by ${stopperWords(v.by)}` : ''} after the data had arrived whole: every byte (${n(v.bytes)} of ${n(v.expected ?? v.bytes)}, ` +
          `then the sender's FIN, frame ${v.unconfirmed.fin}), but its answer was ${t.reply?.code ?? 'an error'}${t.reply ? ` (frame ${t.reply.frame})` : ''}, no confirmation.`
        );
      }
      if (v.refusedAfterClose !== undefined) {
        const r = v.refusedAfterClose;
        return (
          `aborted${v.by ? ` by ${stopperWords(v.by)}` : ''} with ${n(r.acknowledged)} of the ${n(r.sent)} bytes sent acknowledged by the ${dataReceiver(t.direction)}` +
          `${v.expected !== null ? ` (${n(v.expected)} announced)` : ''}: it had closed its end and reset the rest at frame ${r.reset}${reply}.`
        );
      }
      if (v.sentAtReset !== undefined) {
        const r = v.sentAtReset;
        return (
          `aborted${v.by ? ` by ${stopperWords(v.by)}` : ''} after ${n(r.sent)}` +
          (v.expected === null
            ? `${v.about !== undefined ? aboutWords(v.about) : ' bytes'} sent`
            : r.sent > v.expected
              ? ` bytes sent (${n(v.expected)} announced)`
              : ` of ${n(v.expected)} bytes sent`) +
          `${reply}; ` +
          `the ${t.fxp !== undefined && dataReceiverOf(t) === 'client' ? 'other server' : dataReceiverOf(t)} had acknowledged ${n(r.acknowledged)} of them when the reset came (frame ${r.reset}).`
        );
      }
      if (v.lost !== undefined) {
        return (
          `aborted${v.by ? ` by ${stopperWords(v.by)}` : ''} with ${n(v.lost.acknowledged)} of the ${n(v.lost.sent)} bytes sent acknowledged by the ${dataReceiver(t.direction)}` +
          `${v.expected !== null ? ` (${n(v.expected)} announced)` : ''}: the rest was lost on the path${reply}.`
        );
      }
      return (
        `aborted${v.by ? ` by ${stopperWords(v.by)}` : ''} after ` +
        `${n(v.bytes)}${v.expected === null ? '' : v.bytes > v.expected ? ` bytes (${n(v.expected)} announced)` : ` of ${n(v.expected)} bytes`}` +
        `${v.expected === null ? (v.about !== undefined ? aboutWords(v.about) : ' bytes') : ''}${reply}` +
        (v.sizeCut !== undefined
          ? `; whether those were the whole file is not known: the capture's snapshot length cut the ${t.preliminary?.code ?? 150} (frame ${v.sizeCut}) before the size a server states there.`
          : '.')
      );
    case 'unused':
      return 'announced, and no transfer command used it.';
    case 'unknown':
      if (v.why === 'command-lost') return commandLostSentence(t, v);
      if (v.why === 'midstream' && v.resumes !== undefined) {
        return (
          `not followed whole: ${resumedWords(v.resumes)}; ${n(v.bytes)} bytes counted after that, so its size and outcome are not known` +
          (t.reply ? `; the server's ${t.reply.code} (frame ${t.reply.frame}) says how it ended for the server.` : '.')
        );
      }
      if (v.why === 'midstream' && v.command !== undefined && v.handshakeLost) {
        return (
          `unknown: its data connection opened during the capture (for its command, frame ${v.command}), but the capture lost its handshake: ${n(v.bytes)} bytes captured from its first packet on; ` +
          'bytes before that, and so its size and outcome, are not in it' +
          (t.reply ? `; the server's ${t.reply.code} (frame ${t.reply.frame}) says how it ended for the server.` : '.')
        );
      }
      if (v.why === 'midstream' && v.command !== undefined) {
        return (
          `unknown: its data connection was already open when the capture began (mid-stream): ${n(v.bytes)} bytes captured after its command (frame ${v.command}); how the connection opened, and any bytes before the capture, are not in it` +
          (t.reply ? `; the server's ${t.reply.code} (frame ${t.reply.frame}) says how it ended.` : '.')
        );
      }
      if (v.why === 'midstream') {
        return (
          `already running when the capture began (mid-stream): ${n(v.bytes)} bytes captured; its command, start and size are not in the capture` +
          (t.reply ? `; the server's ${t.reply.code} (frame ${t.reply.frame}) says how it ended.` : '.')
        );
      }
      if (v.why === 'tls-hidden') {
        const probable = `probably a transfer: a connection between the session's hosts carried ${n(v.bytes)} bytes while TLS hid the commands (inferred from timing and ports, not read from the protocol)`;
        return v.cause ? `${probable}; it probably did not complete: ${CATALOG[v.cause].title}.` : `${probable}.`;
      }
      if (v.why === 'announce-lost') {
        const l = v.announceLost;
        const said = t.reply !== null ? `the server's ${t.reply.code} (frame ${t.reply.frame})` : t.preliminary !== null ? `the server's ${t.preliminary.code} (frame ${t.preliminary.frame})` : 'the server\'s replies';
        return (
          `not known: the announcement this command used (PORT, PASV or their reply) is in control bytes the capture lost (it picks the control connection up again at frame ${l.gap}), ` +
          `so its data connection could not be told by the endpoint it named; a connection between the same hosts that no transfer took ran while it did (tcp.stream ${l.stream}${l.syn !== null ? `, SYN frame ${l.syn}` : ''}), most likely that one. ` +
          `${said.charAt(0).toUpperCase()}${said.slice(1)} alone ${t.reply !== null ? 'does' : 'do'} not say whether its data came whole.`
        );
      }
      if (v.why === 'abort-not-captured') {
        return (
          `unknown: the server said ${t.reply?.code ?? '2xx'} (frame ${v.reply}) to ${n(v.bytes)} bytes, but the capture lost bytes the client sent on the control connection ` +
          `while the upload ran (the server had them by frame ${v.lost}): its ABOR may have been among them. Nothing in the capture says how big the file was.`
        );
      }
      if (v.why === 'client-gone') {
        return (
          `unknown: the server said ${t.reply?.code ?? '2xx'} (frame ${v.reply}) to ${n(v.bytes)} bytes, but the client was gone: ` +
          `it sent no command after the upload, and its control connection was ${v.gone < v.reply ? 'closed before that reply' : 'reset as that reply arrived'} (frame ${v.gone}). ` +
          'Nothing in the capture says how big the file was: only the client knew whether it had sent it all (a client killed mid-upload looks like this).'
        );
      }
      return `unknown: the capture holds one side's packets only${t.acknowledged ? `; ${acknowledgedWords(t.acknowledged)}` : ''}.`;
  }
}

/**
 * A transfer's bytes a one-way capture does not hold, as the receiver's ACKs count them:
 * "the server acknowledged 65536 bytes of the upload (frame 109); the data itself is not in the capture".
 */
export function acknowledgedWords(a: NonNullable<Transfer['acknowledged']>): string {
  const sender = a.by === 'server' ? 'client' : 'server';
  return (
    `the ${a.by} acknowledged ${a.upTo ? 'up to ' : ''}${n(a.bytes)} bytes of the ${a.by === 'server' ? 'upload' : "server's data"} (frame ${a.frame})` +
    `${a.upTo ? `, the ${sender}'s FIN perhaps among them` : ''}; the data itself is not in the capture`
  );
}

/** A transfer's byte count for a table cell: what the capture holds, or what the server acknowledged ("65536 acked"). */
export function bytesCell(t: Transfer): string {
  return t.acknowledged && t.bytes === 0 ? `${t.acknowledged.upTo ? '≤' : ''}${t.acknowledged.bytes} acked` : String(t.bytes);
}


/** The session's split announcement that stalled its control connection, as a sentence; null when none. */
export function splitStallSentence(s: Session): string | null {
  const st = s.splitStall;
  if (st === undefined) return null;
  const what = st.command === null ? 'address announcement' : ACTIVE.has(st.command.verb) ? st.command.verb : `reply to ${st.command.verb} (frame ${st.command.frame})`;
  const how =
    st.seen === 'sent'
      ? `went out in more than one TCP segment (frames ${st.firstFrame}–${st.frame}); the first was sent again ${st.repeats.length} times and never acknowledged, the later one was (SACK)`
      : `came in more than one TCP segment: only its end arrived (frame ${st.frame}${st.line === null ? '' : `, "${st.line}"`}), ${st.missing} bytes before it never did`;
  return `The ${st.by}'s ${what} ${how}: a NAT's FTP helper stopped it, and the control connection stalled there.`;
}

/** What became of the control connection, as a sentence; null when it opened and spoke FTP. */
export function controlSentence(s: Session): string | null {
  const v: ControlVerdict = s.control;
  if (s.diagnosis?.cause === 'not-ftp' && s.notFtp) {
    const what = s.notFtp.protocol ?? 'something other than FTP';
    return `The ${s.notFtp.by} spoke ${what}, not FTP${s.notFtp.line ? ` ("${s.notFtp.line}", frame ${s.notFtp.frame})` : ''}: no FTP session happened.`;
  }
  switch (v.kind) {
    case 'unanswered':
      return `The client's ${v.synFrames.length} SYN${v.synFrames.length === 1 ? '' : 's'} to ${s.server.ip} port ${s.server.port} got no answer: the control connection never opened.`;
    case 'not-followed':
      return (
        `The client sent ${v.synFrames.length} SYN${v.synFrames.length === 1 ? '' : 's'} to ${s.server.ip} port ${s.server.port}; the analysis stopped following the connection at frame ${v.at}, ` +
        `to make room for others (${NOT_FOLLOWED_WHY}): whether it opened is not known.`
      );
    case 'connecting':
      return v.synFrames.length > 1
        ? `The capture ended while the client was opening the control connection: its SYN (frame ${v.synFrames[0]}) was sent again (frame ${v.synFrames[v.synFrames.length - 1]}) less than a second before the capture's end, before an answer to that copy was due.`
        : `The capture ended while the client was opening the control connection: its SYN (frame ${v.synFrames[0]}) was sent less than a second before the capture's end, before any answer was due.`;
    case 'answer-reset':
      return (
        (v.called !== null
          ? `The client's SYN${v.synFrames.length === 1 ? '' : 's'} to ${v.called.ip} port ${v.called.port} ${v.synFrames.length === 1 ? 'was' : 'were'} answered from another address, ${v.answeredBy.ip} port ${v.answeredBy.port}`
          : `The server answered the client's SYN from ${v.answeredBy.ip} port ${v.answeredBy.port}`) +
        ` (${v.synAckFrames.length > 0 ? `SYN-ACK, frame ${v.synAckFrames[0]}` : 'a SYN-ACK the capture lacks'}), and the client reset that answer (frame ${v.resetFrames[0]}): the control connection never opened.`
      );
    case 'abandoned':
      return (
        `The server answered the client's SYN (frame ${v.synFrames[0]}) with a SYN-ACK (frame ${v.synAckFrames[0]}` +
        `${v.answeredAfter !== null && v.answeredAfter >= PATH_ROUND_TRIP ? `, ${seconds(v.answeredAfter)} after it` : ''}), and the client reset that answer (frame ${v.resetFrames[0]}) ` +
        'without acknowledging it: no socket was waiting for it any more. The control connection never opened.'
      );
    case 'refused':
      return (
        `The control connection was refused: ${v.by === 'server' ? 'the server' : `a device on the way${v.reporter ? ` (${v.reporter})` : ''}`} ` +
        `answered the client's SYN with ${v.how === 'rst' ? 'a reset (RST)' : 'ICMP destination unreachable'}; it never opened.`
      );
    case 'turned-away': {
      if (v.at === 'login') {
        const command = s.commands.find((c) => c.frame === v.command);
        const words = replyHeadline(command?.reply);
        return (
          `The server turned the session away ${turnedAwayWhen(v)}: it answered ${command?.command ?? 'the login'} (frame ${v.command}) with ${v.code} ${words} (frame ${v.reply})` +
          `, ${turnedAwayReason(v)}; no listing or transfer could follow.`
        );
      }
      const text = replyHeadline(s.commands[0]?.reply);
      return (
        `The server turned the session away: it answered the connection with ${v.code} ${text} (frame ${v.reply}) instead of a greeting` +
        `${v.limit ? ', for its connection limit' : ''}; no login or transfer could follow.`
      );
    }
    case 'ungreeted':
      return (
        `The server never greeted: the client waited ${seconds(v.waited)} after the handshake for its 220, then closed the connection (frame ${v.closed})` +
        `${v.lateGreeting !== null ? `; the greeting came only at frame ${v.lateGreeting}, after the client had gone` : ''}; no login or transfer could follow.`
      );
    case 'hung-up':
      return (
        `The server ${v.how === 'rst' ? 'reset' : 'closed'} the connection it had accepted (frame ${v.closed}) before any greeting ` +
        'and before the client said anything: it turned the session away without a word; no login or transfer could follow.'
      );
    default:
      return null;
  }
}

/**
 * A login the server refused (session.loginRefusal), as a sentence; null otherwise. The user name
 * is the capture's: escape it where it is shown.
 */
export function loginRefusedSentence(s: Session): string | null {
  const r = s.loginRefusal;
  if (r === null) return null;
  const words = replyHeadline(s.commands.find((c) => c.frame === r.command)?.reply);
  return (
    `The server refused the login${s.user === null ? '' : ` of ${s.user}`}: it answered ${r.verb} (frame ${r.command}) with ${r.code} ${words} (frame ${r.reply}); ` +
    'no listing or transfer could follow.'
  );
}

/**
 * A login that succeeded after the server had refused one (session.loginRetried), as a clause
 * without a capital or full stop; null otherwise. Not a failure: the session logged in.
 */
export function loginRetriedClause(s: Session): string | null {
  const r = s.loginRetried;
  if (r === null) return null;
  const first = r.refused === 1 ? 'a login' : `${r.refused} logins`;
  return `the server refused ${first} first (${r.first.code}, frame ${r.first.reply}); the client tried again and logged in (230, frame ${r.loggedIn}): no failure`;
}

/** Many failed logins from one address (analysis.loginGuessing), as a sentence. */
export function loginGuessingSentence(g: LoginGuessing): string {
  const more = (n: number, shown: number): string => (n > shown ? ` and ${n - shown} more` : '');
  const sessions = `${g.sessions.join(', ')}${more(g.sessionCount, g.sessions.length)}`;
  const users = g.users.length === 0 ? '' : `; user names tried: ${g.users.join(', ')}${more(g.userCount, g.users.length)}`;
  return (
    `${g.client} had ${g.failures} failed logins (a 5xx answering USER or PASS) on ${g.servers} FTP server${g.servers === 1 ? '' : 's'} ` +
    `in ${seconds(g.last.time - g.first.time)} (frames ${g.first.frame}–${g.last.frame})` +
    `, in session${g.sessionCount === 1 ? '' : 's'} ${sessions}${users}. ` +
    `${GUESSING_THRESHOLD} of them within ${GUESSING_WINDOW_SECONDS / 60} minutes (by frame ${g.crossed.frame}) is what Zeek reports as FTP::Bruteforcing: ` +
    'someone guessing a password, or a client retrying with wrong saved credentials.'
  );
}

/**
 * The server's refusal of TLS (session.tlsRefusal), as a sentence: the client gave up, or went on in
 * clear text. Null when TLS was not refused.
 */
export function tlsRefusedSentence(s: Session): string | null {
  const r = s.tlsRefusal;
  if (r === null) return null;
  const words = replyHeadline(s.commands.find((c) => c.frame === r.command)?.reply);
  const then = r.gaveUp
    ? 'the client, which requires TLS, closed the connection without logging in; no login or transfer could follow.'
    : 'the client went on in clear text (no failure: its commands, password and files crossed unencrypted).';
  return `The server refused TLS: it answered AUTH ${r.mechanism} (frame ${r.command}) with ${r.code} ${words} (frame ${r.reply}); ${then}`;
}

/** The same, as the timeline's note under the refusal. */
export function tlsRefusedNote(s: Session): string {
  const r = s.tlsRefusal;
  return `The server refuses TLS (${r?.code ?? '5xx'}): ${r?.gaveUp ? 'the client, requiring it, will end the session' : 'the client goes on in clear text'}`;
}

/** The same (a refused login), as the timeline's note under the refusal. */
export function loginRefusedNote(s: Session): string {
  return `The server refuses the login (${s.loginRefusal?.code ?? '5xx'}): no listing or transfer can follow`;
}

/**
 * A preliminary reply (150) the capture holds only after the final one (226) that follows it in
 * the stream: its first copy did not reach the capture point and this one came later; TCP hands
 * the 150 over first all the same. Null when it came first, as usual.
 */
export function laterCopyOfPreliminary(preliminary: { code: number; frame: number }, final: { code: number; frame: number } | null): string | null {
  // In the same segment, or before it, as usual: nothing to say.
  if (final === null || preliminary.frame <= final.frame) return null;
  return (
    `The server sent its ${preliminary.code} before its ${final.code} (frame ${final.frame}), but the copy of the ${preliminary.code} this capture holds ` +
    `came later: the first did not reach the capture point, and TCP hands the ${preliminary.code} over first all the same`
  );
}

/** When, in the login, the server turned the session away: a clear-text USER refused for want of TLS is at it, the rest after it. */
export function turnedAwayWhen(v: Extract<ControlVerdict, { kind: 'turned-away' }>): string {
  return v.tlsRequired ? 'at the login' : 'after the login';
}

/**
 * Why the server turned a session away at the login, as a clause: its connection limit, TLS required
 * first (the clear-text login refused, whatever the code), or an error of its own.
 */
export function turnedAwayReason(v: Extract<ControlVerdict, { kind: 'turned-away' }>): string {
  if (v.limit) return 'for its connection limit';
  if (v.tlsRequired) return 'because it requires TLS before the login: the clear-text login was refused, not the password';
  return 'an error of its own, not a wrong password';
}

/** True when the control connection never opened, was turned away or never spoke FTP: no session to follow. */
export function controlFailed(s: Session): boolean {
  return s.control.kind === 'unanswered' || s.control.kind === 'refused' || s.control.kind === 'answer-reset' || s.control.kind === 'abandoned' || s.control.kind === 'turned-away' || s.control.kind === 'ungreeted' || s.control.kind === 'hung-up' || s.diagnosis?.cause === 'not-ftp';
}

/** A reply's code as shown: a line with no reply code is not an FTP reply at all. */
export function replyCode(code: number): string {
  return code === 0 ? 'non-FTP line:' : String(code);
}

/** "421, frame 29" or "its FIN, frame 30": how the server gave up the control connection, as a clause. */
function serverClosedClause(n: ServerClosed): string {
  const parts: string[] = [];
  if (n.notice !== null) parts.push(`${n.notice.code}, frame ${n.notice.frame}`);
  if (n.closed !== null) parts.push(`FIN, frame ${n.closed}`);
  const why = n.notice?.idle ? ' for idleness' : '';
  return `the server had already closed the control connection${why} (${parts.join('; ')})`;
}

/** How the server ended the session on its own, from its notice: "for idleness, 3.002 s after the last exchange". */
export function serverClosedWords(n: ServerClosed): string {
  if (n.notice === null) return 'the server closed the control connection';
  const after = n.notice.idleSeconds !== null ? `, ${seconds(n.notice.idleSeconds)} after the last exchange` : '';
  return n.notice.idle
    ? `the server closed the control connection for idleness (${n.notice.code}, frame ${n.notice.frame}${after})`
    : `the server closed the control connection on its own (${n.notice.code}, frame ${n.notice.frame}${after})`;
}

/** Why a command got no reply, as the rest of a sentence after "no reply: ". Null when the model does not say. */
export function noReplyWords(c: Command): string | null {
  const n = c.noReply;
  if (n === undefined) return null;
  if (n.why === 'answered-later') {
    return `the server answered the later ${n.later.command} (frame ${n.later.frame}) with ${n.later.code} (frame ${n.later.replyFrame}) and never this command`;
  }
  if (n.why === 'capture-gap') return capturedGapWords(n);
  const reset = n.reset !== null ? `; it answered the command with a reset (RST, frame ${n.reset})` : '';
  return `${serverClosedClause(n)} before the client sent it${reset}`;
}

/** A reply in bytes the capture lacks: "its reply is in the server's bytes the capture lost (before frame 11); the client had them when it sent PASS (frame 11)". */
function capturedGapWords(n: InCaptureGap): string {
  if (n.later.closing) return `its reply may be in the server's bytes the capture lost (before frame ${n.gap}); ${hadThem(n.later)}`;
  return `its reply is in the server's bytes the capture lost (before frame ${n.gap}); ${hadThem(n.later)}`;
}

/** How the capture shows the client had the lost reply: its next command, or one the capture lost too, which the server answered. */
function hadThem(later: InCaptureGap['later']): string {
  if (later.closing) return `the 421 after them (frame ${later.frame}), which a server sends unasked as it closes the session, need not answer it`;
  if (later.acknowledged) return `the client acknowledged them (frame ${later.frame}) and sent no command after them in the capture`;
  if (later.noTransfer) return `the 225 that follows them (frame ${later.frame}), the server's answer to the client's ABOR, says no transfer was in progress by then`;
  if (later.quitAborted) return `the reply that follows them (frame ${later.frame}), the server's answer to the QUIT the client sent during the transfer, says the transfer was aborted by then`;
  return later.command === null
    ? `the client sent its next command in bytes the capture lost too, which the server had when it replied at frame ${later.frame}`
    : `the client had them when it sent ${escapeText(later.command)} (frame ${later.frame})`;
}

/** A whole sentence: "TYPE I (frame 33) was never answered: the server had already closed …". */
export function noReplySentence(c: Command): string | null {
  const why = noReplyWords(c);
  if (why === null) return null;
  const line = escapeText(commandHeadline(c));
  if (c.noReply?.why === 'capture-gap') return `${line} (frame ${c.frame}) was answered, but not in the capture: ${why}.`;
  return `${line} (frame ${c.frame}) was never answered: ${why}.`;
}

/** One line per session whose server closed the control connection before a command of the client's: that command was never answered. */
export function serverClosedNotes(s: Session): string[] {
  // Most sessions left no command unanswered: nothing to word, and no lists made per session.
  if (!s.commands.some((c) => c.noReply !== undefined)) return [];
  const skipped = s.commands.filter((c) => c.noReply?.why === 'answered-later').slice(0, 4).map((c) => capital(noReplySentence(c)!));
  const unanswered = s.commands.filter((c) => c.noReply?.why === 'server-closed');
  if (unanswered.length === 0) return skipped;
  const first = unanswered[0].noReply as ServerClosed;
  const lines = unanswered.slice(0, 4).map((c) => `${escapeText(commandHeadline(c))} (frame ${c.frame})`);
  const more = unanswered.length > 4 ? ` and ${unanswered.length - 4} more` : '';
  const reset = first.reset !== null ? ` (the server reset the connection, frame ${first.reset})` : '';
  return [...skipped, `${capital(serverClosedWords(first))}; ${lines.join(', ')}${more}, sent after that, ${unanswered.length === 1 ? 'was' : 'were'} never answered${reset}.`];
}

export const capital = (x: string): string => `${x.charAt(0).toUpperCase()}${x.slice(1)}`;

/**
 * The refusal the client left after (analysis/session-facts.ts), or null: "the server refused CWD
 * missing (550 missing: No such file or directory, frame 18) and the client logged out right after".
 */
export function leftAfterRefusalWords(s: Session): string | null {
  const left = leftAfterRefusal(s);
  if (left === null) return null;
  const c = left.command;
  const line = escapeText(commandHeadline(c));
  return `the server refused ${line} (${escapeText(replyWords(c.reply!))}, frame ${c.reply!.frame}) and the client ${left.by === 'quit' ? 'logged out' : 'closed the control connection'} right after it`;
}

/** What the server's notice did, after the notice itself: "it closes the control connection for idleness, 3.002 s after the last exchange". */
export function noticeWords(n: ServerClosed): string {
  if (n.notice === null) return 'it closes the control connection';
  const after = n.notice.idleSeconds !== null ? `, ${seconds(n.notice.idleSeconds)} after the last exchange` : '';
  return `it closes the control connection${n.notice.idle ? ' for idleness' : ''}${after}`;
}

/** The server refused the announcement itself (a passive command answered 4xx/5xx, or an active address refused): "EPSV (501, frame 18)". */
function refusedAnnouncement(t: Transfer): string | null {
  const an = t.announce;
  if (an === null || an.reply === null) return null;
  if (an.refused || (t.mode === 'active' && an.reply.code >= 400)) return `${an.command} (${an.reply.code}, frame ${an.reply.frame})`;
  return null;
}

/**
 * An active announcement the server accepted and tried: its SYNs to the announced port are in the
 * capture, the connection never opened, and its answer to PORT/EPRT is 425 (Twisted connects on PORT
 * and answers it only then). No refusal: the server could not connect.
 */
export function announceConnectFailed(t: Transfer): boolean {
  const c = t.connection;
  const r = t.announce?.reply;
  if (t.mode !== 'active' || !r || c === null || c.initiator !== 'server' || c.established) return false;
  // 425, or another 4xx sent after the server's SYN went out (pyftpdlib's "421 Active data channel timed out").
  return r.code === 425 || (r.code >= 400 && r.code < 500 && c.synFrame !== null && c.synFrame < r.frame);
}

/**
 * What came of a no-op ABOR's transfer (Transfer.lateAbortFrame), after "the data" or "its data": "still
 * came whole and the server said 226"; its final reply in bytes the capture lost (session-builder.ts
 * skipRepliesInGap), no reply is claimed. `present`: explain's narration.
 */
export function noOpAborWords(t: Transfer, present = false): string {
  const came = present ? 'still comes whole' : 'still came whole';
  if (t.reply === null) return `${came}, and the server's final reply is in bytes the capture lost`;
  return `${came} and the server ${present ? 'says' : 'said'} ${t.reply.code}`;
}

/** What a transfer with no transfer command was, for a story's title (explain, report). */
export function noRequestWords(t: Transfer): string {
  const refused = refusedAnnouncement(t);
  if (refused !== null && announceConnectFailed(t)) {
    return `an address the client announced for an active data connection; the server could not connect to it and answered ${refused}, so no transfer command used it`;
  }
  if (refused !== null) {
    return t.announce?.refused
      ? `a ${t.mode} data connection the client asked for; the server refused ${refused}: no address or port was announced, so no transfer command could use one`
      : `an address the client announced for an ${t.mode} data connection; the server refused ${refused}, so no transfer command used it`;
  }
  const c = t.connection;
  // A PASV whose reply a one-way capture lacks: the client's connection attempt is all it shows.
  if (t.unansweredAnnounce !== undefined && c !== null) return `a passive data connection the client tried after ${t.unansweredAnnounce.command} (frame ${t.unansweredAnnounce.frame}), with no transfer command in the capture`;
  if (c !== null && !c.established && !c.midstream) return `a data connection announced in ${t.mode} mode that never opened, so no transfer command used it`;
  if (t.inferred === 'command-lost') {
    const replies = [t.preliminary, t.reply].filter((r): r is NonNullable<typeof r> => r !== null).map((r) => `${r.code}, frame ${r.frame}`);
    return `a data connection announced in ${t.mode} mode, used by a transfer command the capture lost${replies.length > 0 ? ` (the server answered it: ${replies.join('; ')})` : ''}`;
  }
  return `a data connection announced in ${t.mode} mode that no transfer command used`;
}

/**
 * A transfer whose command the capture lost (inferLostCommands), from the server's replies to it and
 * its data connection: completed when those say so, else not known; never failed.
 */
function commandLostSentence(t: Transfer, v: Extract<TransferVerdict, { why: 'command-lost' }>): string {
  const replies = [t.preliminary, t.reply].filter((r): r is NonNullable<typeof r> => r !== null).map((r) => `${r.code} (frame ${r.frame})`);
  const c = t.connection;
  const conn = c === null ? 'its data connection' : `its data connection to the announced endpoint (tcp.stream ${c.stream})`;
  const size = v.expected !== null ? ` of ${n(v.expected)} announced` : '';
  const lost =
    c !== null && c.midstream
      ? ' after its opening, which the capture lost with whatever it carried'
      : c !== null && c.gapBytes > 0
        ? ` (and ${n(c.gapBytes)} more that the capture lost and the receiver acknowledged)`
        : '';
  const head = v.whole ? 'completed' : 'not known';
  const answered = replies.length > 0 ? `the server answered it with ${replies.join(' and ')}, and ` : '';
  return (
    `${head}: the capture lost the transfer command, but ${answered}${conn} carried ${n(v.bytes)} bytes${size}${lost}` +
    (v.whole ? ', whole' : '') +
    (t.abortFrame !== null ? `; the client sent ABOR (frame ${t.abortFrame}) while it ran` : '') +
    `. Which command it was, and the file it named, are not in the capture${v.whole ? '' : ', nor whether the data was all there was to send'}.`
  );
}

/**
 * The cell of a command an inferred transfer's connection implies but the capture cannot show
 * (transfers): encrypted by TLS, or sent before the capture began.
 */
export function hiddenCommandCell(why: NonNullable<Transfer['inferred']>, what: string): string {
  if (why === 'one-way') return `not in the capture: it holds only what the server sent, not ${what}`;
  if (why === 'command-lost') return `not in the capture: the capture lost ${what.replace(', if any', '')}, which the server answered`;
  return why === 'tls-hidden' ? `not readable: TLS encrypted ${what}` : `not in the capture: ${what} came before it began`;
}

/** The "requested" cell of a transfer with no transfer command (transfers). */
export function noRequestCell(t: Transfer): string {
  if (t.inferred !== undefined) return hiddenCommandCell(t.inferred, 'its transfer command, if any');
  const refused = refusedAnnouncement(t);
  if (refused === null) return 'no transfer command used it';
  if (announceConnectFailed(t)) return `none: the server could not connect and answered ${refused}`;
  return t.announce?.refused ? `none: the server refused ${refused}; nothing was announced to use` : `none: the server refused ${refused}`;
}

/** How a later attempt ended, after "which": its own verdict in a few words. */
const LATER_OUTCOME: Record<TransferVerdictKind, string> = {
  completed: 'completed',
  'not-captured': 'completed according to the replies (its data connection is not in the capture)',
  incomplete: 'did not finish either',
  'reply-lost': 'moved the data whole, its final reply lost',
  failed: 'failed too',
  'fell-back': 'was refused, and the client fell back in turn',
  'retry-refused': 'the server refused: a retry of this attempt, no failure of its own',
  aborted: 'was cut short too',
  unused: 'was never used',
  unknown: 'the capture cannot judge',
};

/**
 * The client's later attempt at an unfinished transfer (transfer.laterAttempt), as a sentence:
 * "Tried again in session 2 (a new connection from the same client): RETR f.bin from offset 55,024
 * (REST), frame 139 (transfer 2.1), which completed." Null when none followed in the capture.
 */
export function laterAttemptSentence(t: Transfer): string | null {
  const l = t.laterAttempt;
  if (l === undefined) return null;
  const where = l.sameSession
    ? 'in the same session'
    : l.alreadyOpen
      ? `in session ${l.session} (another connection from the same client to the same server, already open beside this one)`
      : `in session ${l.session} (a new connection from the same client to the same server)`;
  const what =
    l.request === null
      ? `its data connection announced at frame ${l.frame} (transfer ${l.session}.${l.transfer}), sending no command either`
      : `${escapeText(l.request)}${l.rest !== null && l.rest > 0 ? ` from offset ${n(l.rest)} (REST: a resume)` : ''}, frame ${l.frame} (transfer ${l.session}.${l.transfer})`;
  const head = l.samePath
    ? `Tried again ${where}: ${what}`
    : `This attempt never sent its command; the client's next attempt with this server came ${where}: ${what}`;
  return `${head}, which ${l.unfinished !== undefined ? LATER_UNFINISHED[l.unfinished] : LATER_OUTCOME[l.outcome]}.`;
}

/** A later attempt whose end is not known (outcome incomplete), by its verdict's `why`: only a closed session says it did not finish. */
const LATER_UNFINISHED: Record<NonNullable<NonNullable<Transfer['laterAttempt']>['unfinished']>, string> = {
  'session-ended': 'did not finish either (its session ended with no final reply)',
  'capture-ended': 'was still running when the capture ended',
  'reply-not-captured': 'ended with a final reply the capture lost: whether it completed is not known',
  'size-not-captured': 'stopped where the file may have ended: the size that would tell is in bytes the capture lost',
  'end-not-captured': 'had every stated byte acknowledged when the server answered 426, its data connection\'s end not in the capture',
  'split-not-captured': 'ended as a piece of a split download whose other pieces the capture lost',
  'data-end-not-captured': 'was confirmed by the server, but the capture holds not how its data connection ended, nor every byte announced',
  'not-followed': 'was not followed to its end (the analysis gave up its connections or commands)',
};

/** Why a connection was given up before its end (TcpConnection.evicted). */
const NOT_FOLLOWED_WHY = 'more connections were live at once than its memory budget keeps; a larger --max-memory follows more';

/**
 * A connection picked up again part way (TcpConnection.resumes), as a clause without a capital:
 * what the analysis gave up, when and why. Not "began before the capture": the capture holds its start.
 */
export function resumedWords(r: Resumption): string {
  const why = r.why === 'idle' ? 'after an hour without a packet' : `to make room for others (${NOT_FOLLOWED_WHY})`;
  return `the analysis had stopped following its connection (tcp.stream ${r.stream}) at frame ${r.evictedAt}, ${why}, and picked it up again later without its start`;
}

/**
 * An incomplete transfer's missing end: no final reply, or one that reports no transfer (a 2xx
 * other than 226/250, such as 200 or 225, with no data connection behind it).
 */
function noTransferReply(t: Transfer): string {
  return t.reply === null ? ', with no final reply' : `, with no reply reporting a transfer (the server's ${t.reply.code} at frame ${t.reply.frame} does not)`;
}
