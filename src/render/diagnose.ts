/**
 * `ftpcap diagnose`: for every transfer that did not complete, what went wrong, where, and what
 * to change, with the frames that prove it. Healthy transfers get no paragraph.
 */
import type { Analysis, Transfer } from '../analysis/model.js';
import { noCommandWords } from '../analysis/diagnose/facts.js';
import { escapeText } from './escape.js';
import { paint, type RenderStyle } from './style.js';
import { portSplitAdvice, portSplitWords } from '../analysis/passive-port-split.js';
import { capital, laterAttemptSentence, leftAfterRefusalWords, loginGuessingSentence, serverClosedNotes, verdictCounts, verdictSentence } from './verdict-words.js';
import { wrap } from './wrap.js';
import { commandHeadline } from '../ftp/commands.js';

const WIDTH = 78;

function frames(list: number[]): string {
  return list.length ? list.join(', ') : 'none';
}

export function renderDiagnose(a: Analysis, style: RenderStyle, sessionId?: number): string {
  const out: string[] = [];
  const notes: string[] = [];
  const all: Transfer[] = [];
  let diagnosed = 0;
  let sessionsDiagnosed = 0;
  // Many sessions or transfers failing alike (a password guessed again and again, every transfer
  // through one firewall) would repeat the same advice and the same note on the capture point:
  // each is given in full once, then named.
  const adviceGiven = new Map<string, string>();
  const advice = (text: string, where: string): string => {
    const first = adviceGiven.get(text);
    if (first !== undefined) return `What to change: as for ${first} above.`;
    adviceGiven.set(text, where);
    return `What to change: ${escapeText(text)}`;
  };
  const blindSessions = sessionsByBlindNote(a, sessionId);
  // A pattern across sessions first: the sessions' own paragraphs follow.
  if (sessionId === undefined) {
    for (const g of a.loginGuessing) {
      out.push(paint(style, 'bold', `Repeated failed logins from ${escapeText(g.client)}`));
      out.push(wrap(escapeText(loginGuessingSentence(g)), WIDTH, '  '), '');
    }
    for (const p of a.passivePortSplits) {
      out.push(paint(style, 'bold', `Passive ports that work and ports that fail at ${escapeText(p.server)}`));
      out.push(wrap(`${escapeText(portSplitWords(p))}.`, WIDTH, '  '));
      out.push(wrap(`Evidence: frames ${frames(p.evidence)}`, WIDTH, '  '));
      out.push(wrap(advice(portSplitAdvice(p), `the ports of ${p.server}`), WIDTH, '  '), '');
    }
  }
  for (const s of a.sessions) {
    if (sessionId !== undefined && s.id !== sessionId) continue;
    all.push(...s.transfers);
    const items = s.transfers.filter((t) => t.diagnosis);
    // With a single failed transfer the session paragraph would only repeat it; with none, it is all there is.
    const sessionOnly = s.diagnosis !== null && (SESSION_ONLY.has(s.diagnosis.cause) || items.length === 0);
    if (s.diagnosis && (sessionOnly || items.length > 1)) {
      sessionsDiagnosed++;
      out.push(paint(style, 'bold', `Session ${s.id} (${s.diagnosis.cause})`));
      out.push(wrap(escapeText(s.diagnosis.summary), WIDTH, '  '));
      out.push(wrap(`Evidence: frames ${frames(s.diagnosis.evidence)}`, WIDTH, '  '));
      out.push(wrap(advice(s.diagnosis.advice, `session ${s.id}`), WIDTH, '  '), '');
    }
    const blind = s.vantage?.blind;
    if (blind !== undefined && blindSessions.get(blind)?.[0] === s.id) {
      out.push(wrap(`What this capture point cannot see (${sessionList(blindSessions.get(blind)!)}): ${blind}`, WIDTH, '  '), '');
    }
    for (const t of items) {
      const d = t.diagnosis!;
      diagnosed++;
      out.push(paint(style, t.verdict.kind === 'completed' ? 'yellow' : 'red', `Session ${s.id}, transfer ${t.id}: ${d.cause}`));
      out.push(wrap(escapeText(d.summary), WIDTH, '  '));
      out.push(wrap(`Evidence: frames ${frames(d.evidence)}`, WIDTH, '  '));
      out.push(wrap(advice(d.advice, `session ${s.id}, transfer ${t.id}`), WIDTH, '  '));
      const later = laterAttemptSentence(t);
      if (later !== null) out.push(wrap(`Later: ${escapeText(later)}`, WIDTH, '  '));
      out.push('');
    }
    // Not a data connection's failure: the server closed the session before a command of the client's.
    for (const n of serverClosedNotes(s)) notes.push(wrap(`Session ${s.id}: ${n}`, WIDTH, '  '));
    // Nor is a refused command the client left after, but it is why no transfer followed.
    const left = leftAfterRefusalWords(s);
    if (left !== null) notes.push(wrap(`Session ${s.id}: ${capital(left)}${s.transfers.length === 0 ? ': the session asked for no transfer' : ''}.`, WIDTH, '  '));
    // Not failures, but not the whole truth either: said with the verdict's own words.
    for (const t of s.transfers) {
      if (t.diagnosis || !NOTEWORTHY(t)) continue;
      const later = laterAttemptSentence(t);
      notes.push(wrap(`Session ${s.id}, transfer ${t.id} (${escapeText(label(t))}): ${verdictSentence(t)}${later === null ? '' : ` Later: ${escapeText(later)}`}`, WIDTH, '  '));
    }
  }
  if (notes.length) out.push('Not failures, but not the whole story either:', ...notes.slice(0, MAX_NOTES));
  if (notes.length > MAX_NOTES) out.push(`  … and ${notes.length - MAX_NOTES} more like these (ftpcap transfers lists them all)`);
  if (notes.length) out.push('');
  const sessions = sessionId === undefined ? a.sessions.length : 1;
  const cut = a.sessions.filter((s) => s.linesCut !== undefined && (sessionId === undefined || s.id === sessionId));
  const counts = verdictCounts(all);
  const plural = (k: number, w: string): string => `${k} ${w}${k === 1 ? '' : 's'}`;
  // A failed or aborted verdict no check explained is still not "no failure".
  const unexplained = all.filter((t) => t.diagnosis === null && (t.verdict.kind === 'failed' || t.verdict.kind === 'aborted')).length;
  if (diagnosed === 0 && sessionsDiagnosed === 0) {
    out.push(
      all.length === 0 && cut.length > 0
        ? `No transfer can be read in ${plural(sessions, 'FTP session')}: the capture's snapshot length cut every command and reply of ${cut.length === sessions ? (sessions === 1 ? 'it' : 'them') : `session${cut.length === 1 ? '' : 's'} ${cut.map((s) => s.id).join(', ')}`} before its verb or code (from frame ${cut[0].linesCut!.frame}): what they asked for and how it went are not in the capture.`
        : all.length === 0
        ? `No data transfers in ${plural(sessions, 'FTP session')}: nothing to diagnose.`
        : unexplained > 0
          ? `${unexplained} of ${plural(all.length, 'transfer')} did not succeed and ftpcap cannot name why (${counts}): ftpcap transfers shows what the capture holds.`
          : `No failed data connections in ${plural(sessions, 'session')}: ${plural(all.length, 'transfer')} (${counts}).`,
    );
  } else if (all.length > 0) {
    out.push(`${diagnosed} of ${plural(all.length, 'transfer')} diagnosed (${counts}).`);
  }
  return out.join('\n');
}

/** Whether a session gets a paragraph of its own or one for a transfer: then its capture point's note is due. */
function sessionDiagnosed(s: Analysis['sessions'][number]): boolean {
  return s.diagnosis !== null || s.transfers.some((t) => t.diagnosis);
}

/** Each note on what the capture point cannot see, with the diagnosed sessions it is due for (in order). */
function sessionsByBlindNote(a: Analysis, sessionId: number | undefined): Map<string, number[]> {
  const by = new Map<string, number[]>();
  for (const s of a.sessions) {
    if ((sessionId !== undefined && s.id !== sessionId) || !s.vantage || !sessionDiagnosed(s)) continue;
    const list = by.get(s.vantage.blind);
    if (list) list.push(s.id);
    else by.set(s.vantage.blind, [s.id]);
  }
  return by;
}

/** "session 4", "sessions 1–30", "sessions 1, 3 and 5–9". */
function sessionList(ids: number[]): string {
  if (ids.length === 1) return `session ${ids[0]}`;
  const runs: string[] = [];
  for (let i = 0; i < ids.length; ) {
    let j = i;
    while (j + 1 < ids.length && ids[j + 1] === ids[j] + 1) j++;
    runs.push(j > i ? `${ids[i]}–${ids[j]}` : `${ids[i]}`);
    i = j + 1;
  }
  return `sessions ${runs.length === 1 ? runs[0] : `${runs.slice(0, -1).join(', ')} and ${runs[runs.length - 1]}`}`;
}

/** Session diagnoses worth a paragraph of their own even with at most one failed transfer. */
const SESSION_ONLY = new Set(['tls-hidden', 'control-unanswered', 'control-refused', 'control-answer-reset', 'control-abandoned', 'not-ftp']);
const MAX_NOTES = 20;

const NOTEWORTHY = (t: Transfer): boolean =>
  (t.verdict.kind === 'completed' && (t.verdict.missingBytes > 0 || t.verdict.sentShort || t.verdict.sentLong === true)) ||
  t.verdict.kind === 'not-captured' ||
  t.verdict.kind === 'fell-back' ||
  t.verdict.kind === 'retry-refused' ||
  t.verdict.kind === 'incomplete' ||
  t.verdict.kind === 'unknown';

function label(t: Transfer): string {
  return t.request ? commandHeadline(t.request) : `${t.mode}, ${noCommandWords(t)}`;
}
