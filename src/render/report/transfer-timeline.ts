/**
 * The transfer timeline: one bar per data connection over the capture's time, painted in its
 * transfer's verdict colour (verdict-words.ts), labelled with what it carried and how it ended.
 */
import type { Analysis, Transfer } from '../../analysis/model.js';
import { relative } from '../format.js';
import { transferPurpose } from '../teach-text.js';
import { bytesCell, VERDICT_COLOUR, verdictLabel } from '../verdict-words.js';
import { esc, escClip, num } from './html.js';

/** Bars drawn; further data connections are counted in a note. */
export const MAX_TIMELINE_BARS = 500;

const LEFT = 70;
const WIDTH = 1000;
const BAR = 18;

export function transferTimelineSvg(a: Analysis): { svg: string; bars: number; omitted: number } {
  const all: Transfer[] = [];
  for (const s of a.sessions) for (const t of s.transfers) if (t.connection !== null) all.push(t);
  const shown = all.slice(0, MAX_TIMELINE_BARS);
  const t0 = a.capture.first ?? 0;
  const t1 = Math.max(a.capture.last ?? t0, t0 + 1e-6);
  const scale = (t: number): number => LEFT + ((t - t0) / (t1 - t0)) * (WIDTH - LEFT - 240);
  const height = 40 + shown.length * BAR;
  const out: string[] = [
    `<svg class="timeline-svg" xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" role="group" aria-label="Transfer timeline: one bar per data connection over the capture's time">`,
    "<title>Transfer timeline: one bar per data connection over the capture's time</title>",
  ];
  // Axis: five ticks.
  for (let i = 0; i <= 4; i++) {
    const t = t0 + ((t1 - t0) * i) / 4;
    const x = scale(t);
    out.push(`<line class="tick" x1="${x}" y1="14" x2="${x}" y2="${height}"/><text class="hdr" x="${x}" y="10" text-anchor="middle">${relative(t, t0).replace(/0+$/, '').replace(/\.$/, '')} s</text>`);
  }
  shown.forEach((t, i) => {
    const c = t.connection!;
    const y = 24 + i * BAR;
    const x1 = scale(c.start);
    const x2 = Math.max(x1 + 2, scale(c.end));
    const what = `Session ${t.session}, transfer ${t.id}: ${transferPurpose(t)} (${t.mode}), ${verdictLabel(t.verdict)}, ${t.acknowledged && t.bytes === 0 ? bytesCell(t) : `${num(t.bytes)} bytes`}, ${relative(c.start, t0)}-${relative(c.end, t0)} s`;
    const frame = c.synFrame ?? t.request?.frame ?? 0;
    out.push(
      `<g class="bar v-${VERDICT_COLOUR[t.verdict.kind]}" tabindex="0" role="button" data-filter-item="" data-session="${t.session}" data-frame="${frame}" aria-label="${esc(what)}">` +
        `<title>${esc(what)}</title>` +
        `<text class="hdr" x="4" y="${y + 12}">S${t.session} T${t.id}</text>` +
        `<rect x="${x1}" y="${y + 2}" width="${x2 - x1}" height="${BAR - 5}" rx="2"/>` +
        `<text class="lbl" x="${x2 + 6}" y="${y + 12}">${escClip(`${transferPurpose(t)} — ${verdictLabel(t.verdict)}`, 40)}</text>` +
        '</g>',
    );
  });
  out.push('</svg>');
  return { svg: out.join('\n'), bars: shown.length, omitted: all.length - shown.length };
}
