/**
 * The table `ftpcap extract` prints: one row per recovered object (the manifest in short), then
 * the transfers whose data is not in the capture. Names from the capture are escaped and clipped.
 */
import { join } from 'node:path';
import Table from 'cli-table3';
import type { Manifest, ObjectDirection, Verdict } from '../extract/manifest.js';
import { clip, escapeText } from './escape.js';
import { paint, type RenderStyle } from './style.js';
import { verdictLabel } from './verdict-words.js';

const VERDICT_COLOUR: Record<Verdict, 'green' | 'red' | 'yellow'> = {
  complete: 'green',
  truncated: 'red',
  aborted: 'red',
  failed: 'red',
  unverified: 'yellow',
  conflicting: 'red',
};

const DIRECTION: Record<ObjectDirection, string> = {
  download: 'down',
  upload: 'up',
  listing: 'list',
  'to-server': '→srv',
  'to-client': '→cli',
};

/** Characters of borders and padding around `columns` cells. */
const overhead = (columns: number): number => columns * 3 + 1;

export function renderExtract(m: Manifest, dir: string, manifestName: string, style: RenderStyle): string {
  const lines: string[] = [];
  if (m.objects.length > 0) {
    const withRest = m.objects.some((o) => o.restOffset !== null);
    const head = ['#', 'dir', 'original / saved as', 'bytes', 'sha256', 'TYPE', ...(withRest ? ['REST'] : []), 'verdict'];
    const widest = (values: string[], min: number): number => Math.max(min, ...values.map((v) => v.length));
    const fixed =
      widest(m.objects.map((o) => `${o.session}.${o.transfer}`), 1) +
      widest(m.objects.map((o) => DIRECTION[o.direction]), 3) +
      widest(m.objects.map((o) => String(o.bytes)), 5) +
      9 +
      4 +
      (withRest ? widest(m.objects.map((o) => String(o.restOffset ?? '-')), 4) : 0) +
      widest(m.objects.map((o) => o.verdict), 7);
    const nameWidth = Math.max(16, style.width - overhead(head.length) - fixed);
    const table = new Table({
      head: head.map((h) => paint(style, 'bold', h)),
      style: { head: [], border: [], compact: true },
    });
    for (const o of m.objects) {
      const type = o.type === null ? '-' : `${clip(o.type, 3)}${o.convertedToLf ? '*' : ''}`;
      table.push([
        `${o.session}.${o.transfer}`,
        DIRECTION[o.direction],
        `${clip(o.originalName || '-', nameWidth)}\n${clip(`→ ${o.savedName}`, nameWidth)}`,
        String(o.bytes),
        `${o.sha256.slice(0, 8)}…`,
        type,
        ...(withRest ? [o.restOffset === null ? '-' : String(o.restOffset)] : []),
        paint(style, VERDICT_COLOUR[o.verdict], o.verdict),
      ]);
    }
    lines.push(table.toString());
    const marked = m.objects.filter((o) => o.missingBytes > 0);
    for (const o of marked) {
      const ranges = o.missing.map((r) => `${r.start}-${r.end}`).join(', ');
      const more = o.missingRangesOmitted > 0 ? ` and ${o.missingRangesOmitted} more` : '';
      lines.push(
        `${o.session}.${o.transfer}: ${o.missingBytes} bytes missing from the capture (${ranges}${more})${o.gapsFilled ? ', written as zeros' : ', left out'}`,
      );
    }
    if (m.objects.some((o) => o.convertedToLf)) lines.push('* CRLF line endings converted to LF (--ascii-to-lf)');
  } else {
    lines.push('No transfer data in the capture to extract.');
  }
  for (const s of m.skipped) {
    lines.push(
      `${s.session}.${s.transfer}: ${escapeText(s.command ?? '')} ${clip(s.originalName ?? '', 40)} not saved: ${s.reason} (${verdictLabel(s.verdict)})`,
    );
  }
  const count = m.objects.length;
  lines.push(`${count} object${count === 1 ? '' : 's'} saved in ${escapeText(dir)}; details in ${escapeText(join(dir, manifestName))}`);
  return lines.join('\n');
}
