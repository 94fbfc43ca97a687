/**
 * `ftpcap diagnose`: for every transfer that did not complete, what went wrong, where, and what
 * to change, with the frames that prove it. Healthy transfers get no paragraph.
 */
import type { Analysis, Transfer } from '../analysis/model.js';
import { noCommandWords } from '../analysis/diagnose/facts.js';
import { escapeText } from './escape.js';
import { paint, type RenderStyle } from './style.js';
import { capital, laterAttemptSentence, leftAfterRefusalWords, loginGuessingSentence, serverClosedNotes, verdictCounts, verdictSentence } from './verdict-words.js';
import { wrap } from './wrap.js';

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
  // A pattern across sessions first: the sessions' own paragraphs follow.
  if (sessionId === undefined) {
    for (const g of a.loginGuessing) {
      out.push(paint(style, 'bold', `Repeated failed logins from ${escapeText(g.client)}`));
      out.push(wrap(escapeText(loginGuessingSentence(g)), WIDTH, '  '), '');
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
      out.push(wrap(`What to change: ${escapeText(s.diagnosis.advice)}`, WIDTH, '  '), '');
    }
    if (s.vantage && (items.length > 0 || sessionOnly)) {
      out.push(wrap(`What this capture point cannot see (session ${s.id}): ${s.vantage.blind}`, WIDTH, '  '), '');
    }
    for (const t of items) {
      const d = t.diagnosis!;
      diagnosed++;
      out.push(paint(style, t.verdict.kind === 'completed' ? 'yellow' : 'red', `Session ${s.id}, transfer ${t.id}: ${d.cause}`));
      out.push(wrap(escapeText(d.summary), WIDTH, '  '));
      out.push(wrap(`Evidence: frames ${frames(d.evidence)}`, WIDTH, '  '));
      out.push(wrap(`What to change: ${escapeText(d.advice)}`, WIDTH, '  '));
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
      notes.push(wrap(`Session ${s.id}, transfer ${t.id} (${escapeText(label(t))}): ${verdictSentence(t)}`, WIDTH, '  '));
    }
  }
  if (notes.length) out.push('Not failures, but not the whole story either:', ...notes.slice(0, MAX_NOTES));
  if (notes.length > MAX_NOTES) out.push(`  … and ${notes.length - MAX_NOTES} more like these (ftpcap transfers lists them all)`);
  if (notes.length) out.push('');
  const sessions = sessionId === undefined ? a.sessions.length : 1;
  const counts = verdictCounts(all);
  const plural = (k: number, w: string): string => `${k} ${w}${k === 1 ? '' : 's'}`;
  // A failed or aborted verdict no check explained is still not "no failure".
  const unexplained = all.filter((t) => t.diagnosis === null && (t.verdict.kind === 'failed' || t.verdict.kind === 'aborted')).length;
  if (diagnosed === 0 && sessionsDiagnosed === 0) {
    out.push(
      all.length === 0
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

/** Session diagnoses worth a paragraph of their own even with at most one failed transfer. */
const SESSION_ONLY = new Set(['tls-hidden', 'control-unanswered', 'control-refused', 'not-ftp']);
const MAX_NOTES = 20;

const NOTEWORTHY = (t: Transfer): boolean =>
  (t.verdict.kind === 'completed' && (t.verdict.missingBytes > 0 || t.verdict.sentShort)) ||
  t.verdict.kind === 'not-captured' ||
  t.verdict.kind === 'incomplete' ||
  t.verdict.kind === 'unknown';

function label(t: Transfer): string {
  return t.request ? `${t.request.command}${t.request.arg ? ` ${t.request.arg}` : ''}` : `${t.mode}, ${noCommandWords(t)}`;
}
