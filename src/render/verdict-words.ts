/**
 * Words for the model's verdicts (analysis/verdict.ts), shared by every renderer so that `summary`,
 * `transfers`, `diagnose`, `explain` and `timeline` say the same thing. Nothing here decides: each
 * function maps a verdict value to text.
 */
import { CATALOG } from '../analysis/diagnose/catalog.js';
import type { CauseCode, ControlVerdict, Session, Transfer, TransferVerdict } from '../analysis/model.js';
import type { TransferVerdictKind } from '../analysis/verdict-types.js';

const n = (x: number): string => x.toLocaleString('en-US');

/** The colour a verdict is painted in tables. */
export const VERDICT_COLOUR: Record<TransferVerdictKind, 'green' | 'red' | 'yellow' | 'dim'> = {
  completed: 'green',
  'not-captured': 'green',
  incomplete: 'yellow',
  failed: 'red',
  aborted: 'red',
  unused: 'dim',
  unknown: 'yellow',
};

/** One word or three for a table cell: "complete", "complete, 939,136 B not captured", "aborted (client)". */
export function verdictLabel(v: TransferVerdict): string {
  switch (v.kind) {
    case 'completed':
      return v.missingBytes > 0 ? `complete, ${n(v.missingBytes)} B not captured` : 'complete';
    case 'not-captured':
      return v.replies === 'completed' ? 'complete (replies; data not captured)' : 'started (replies; data not captured)';
    case 'incomplete':
      return v.expected !== null ? `incomplete ${n(v.bytes)}/${n(v.expected)}` : 'incomplete';
    case 'failed':
      return 'failed';
    case 'aborted':
      return v.by ? `aborted (${v.by})` : 'aborted';
    case 'unused':
      return 'unused';
    case 'unknown':
      if (v.why === 'tls-hidden') {
        const against = v.cause === null ? undefined : PROBABLE_FAILURE[v.cause];
        return against === undefined ? 'probable (TLS)' : `probable (TLS), ${against}`;
      }
      if (v.why === 'client-gone') return 'unknown (client gone)';
      return v.why === 'midstream' ? 'mid-stream' : 'unknown (one side)';
  }
}

/** What TLS showed against an inferred transfer, in the status column's few words. */
const PROBABLE_FAILURE: Partial<Record<CauseCode, string>> = {
  'tls-no-close-notify': 'no close_notify',
  'tls-session-not-reused': 'TLS session not resumed',
};

/** Counting words for a list of verdicts: "3 complete, 1 failed". */
export function verdictCounts(transfers: Transfer[]): string {
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
  failed: 'failed',
  aborted: 'aborted',
  unused: 'unused',
  unknown: 'unknown',
};

/** A sentence for prose outputs (explain, diagnose): what happened to the transfer, in full. */
export function verdictSentence(t: Transfer): string {
  const v = t.verdict;
  const reply = t.reply ? ` (${t.reply.code}, frame ${t.reply.frame})` : '';
  switch (v.kind) {
    case 'completed':
      if (v.missingBytes === 0) return `completed: ${n(v.bytes)} bytes, all in the capture${reply}.`;
      return (
        `completed according to the server${reply}, but ${n(v.missingBytes)} of its bytes are missing from the capture ` +
        `(${n(v.bytes)} captured${v.expected !== null ? ` of ${n(v.expected)} announced` : ''}): the capture lost them, not the transfer.`
      );
    case 'not-captured':
      return v.replies === 'completed'
        ? `succeeded according to the replies${reply}; its data connection is not in the capture.`
        : `began according to the replies (${t.preliminary?.code ?? '1xx'}, frame ${t.preliminary?.frame ?? '?'}); its data connection and final reply are not in the capture.`;
    case 'incomplete':
      return (
        `incomplete: ${n(v.bytes)}${v.expected !== null ? ` of ${n(v.expected)} announced` : ''} bytes had moved when ` +
        `${v.why === 'capture-ended' ? 'the capture ended' : 'the control connection closed'}, with no final reply.`
      );
    case 'failed':
      return `failed${v.cause ? `: ${CATALOG[v.cause].title}` : ''}${reply}.`;
    case 'aborted':
      return (
        `aborted${v.by ? ` by the ${v.by === 'network' ? 'network (a device between the hosts)' : v.by}` : ''} after ` +
        `${n(v.bytes)}${v.expected !== null ? ` of ${n(v.expected)}` : ''} bytes${reply}.`
      );
    case 'unused':
      return 'announced, and no transfer command used it.';
    case 'unknown':
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
      if (v.why === 'client-gone') {
        return (
          `unknown: the server said ${t.reply?.code ?? '2xx'} (frame ${v.reply}) to ${n(v.bytes)} bytes, but the client was gone: ` +
          `it sent no command after the upload, and its control connection was ${v.gone < v.reply ? 'closed before that reply' : 'reset as that reply arrived'} (frame ${v.gone}). ` +
          'Nothing in the capture says how big the file was: only the client knew whether it had sent it all (a client killed mid-upload looks like this).'
        );
      }
      return "unknown: the capture holds one side's packets only.";
  }
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
    case 'refused':
      return (
        `The control connection was refused: ${v.by === 'server' ? 'the server' : `a device on the way${v.reporter ? ` (${v.reporter})` : ''}`} ` +
        `answered the client's SYN with ${v.how === 'rst' ? 'a reset (RST)' : 'ICMP destination unreachable'}; it never opened.`
      );
    default:
      return null;
  }
}

/** True when the control connection never opened or never spoke FTP: no session to follow. */
export function controlFailed(s: Session): boolean {
  return s.control.kind === 'unanswered' || s.control.kind === 'refused' || s.diagnosis?.cause === 'not-ftp';
}

/** A reply's code as shown: a line with no reply code is not an FTP reply at all. */
export function replyCode(code: number): string {
  return code === 0 ? 'non-FTP line:' : String(code);
}
