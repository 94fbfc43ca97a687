/**
 * `ftpcap diagnose`: for every transfer that did not complete, what went wrong, where, and what
 * to change, with the frames that prove it. Healthy transfers get no paragraph.
 */
import type { Analysis } from '../analysis/model.js';
import { escapeText } from './escape.js';
import { paint, type RenderStyle } from './style.js';
import { wrap } from './wrap.js';

const WIDTH = 78;

function frames(list: number[]): string {
  return list.length ? list.join(', ') : 'none';
}

export function renderDiagnose(a: Analysis, style: RenderStyle, sessionId?: number): string {
  const out: string[] = [];
  let diagnosed = 0;
  let transfers = 0;
  for (const s of a.sessions) {
    if (sessionId !== undefined && s.id !== sessionId) continue;
    transfers += s.transfers.length;
    const items = s.transfers.filter((t) => t.diagnosis);
    // With a single failed transfer the session paragraph would only repeat it.
    if (s.diagnosis && (s.diagnosis.cause === 'tls-hidden' || items.length > 1)) {
      out.push(paint(style, 'bold', `Session ${s.id} (${s.diagnosis.cause})`));
      out.push(wrap(escapeText(s.diagnosis.summary), WIDTH, '  '));
      out.push(wrap(`Evidence: frames ${frames(s.diagnosis.evidence)}`, WIDTH, '  '));
      out.push(wrap(`What to change: ${escapeText(s.diagnosis.advice)}`, WIDTH, '  '), '');
    }
    for (const t of items) {
      const d = t.diagnosis!;
      diagnosed++;
      out.push(paint(style, t.status === 'complete' ? 'yellow' : 'red', `Session ${s.id}, transfer ${t.id}: ${d.cause}`));
      out.push(wrap(escapeText(d.summary), WIDTH, '  '));
      out.push(wrap(`Evidence: frames ${frames(d.evidence)}`, WIDTH, '  '));
      out.push(wrap(`What to change: ${escapeText(d.advice)}`, WIDTH, '  '), '');
    }
  }
  const sessions = sessionId === undefined ? a.sessions.length : 1;
  if (diagnosed === 0 && !out.length) {
    out.push(
      transfers === 0
        ? `No data transfers in ${sessions} FTP session${sessions === 1 ? '' : 's'}: nothing to diagnose.`
        : `No failed data connections: all ${transfers} transfer${transfers === 1 ? '' : 's'} in ${sessions} session${sessions === 1 ? '' : 's'} completed.`,
    );
  } else if (transfers > 0) {
    out.push(`${diagnosed} of ${transfers} transfer${transfers === 1 ? '' : 's'} diagnosed.`);
  }
  return out.join('\n');
}
