/**
 * A session's ladder as SVG, from the same events `timeline` draws (analysis/ladder.ts) and with
 * the same labels (timeline.ts eventLabel). Lanes: the FTP client's control end on the left, the
 * server's on the right, and between them one pair of lanes per data (or other) connection, its
 * client end left of centre and its server end right of it. One row per event, top to bottom in
 * capture order, with the time since the capture's first packet and the frame number in the left
 * margin; a pause of a second or more is drawn as a break with its length. Bulk data is one band
 * per connection (bytes, segments, throughput, retransmissions, capture gaps, zero windows), not
 * one arrow per segment. Every arrow and band is a keyboard-focusable button naming its frames.
 */
import type { Analysis, Session, Transfer } from '../../analysis/model.js';
import type { LadderEvent, RunEvent, SessionLadder } from '../../analysis/ladder.js';
import type { TraceConnection } from '../../analysis/packet-trace.js';
import { endpoint, rate, relative } from '../format.js';
import { eventLabel } from '../timeline.js';
import { esc, escClip, num } from './html.js';
import { transferById } from '../../analysis/lookup.js';

/** Data connections with lanes of their own in one ladder; the others are counted, not drawn. */
export const MAX_CONNECTION_LANES = 12;
/** Rows (arrows, bands, breaks) of one ladder: the first ones and the last ones are drawn. */
export const MAX_ROWS_PER_LADDER = 400;
const TAIL_ROWS = 100;
/** A pause between two rows this long (seconds) or longer is drawn as a break. */
const BREAK_SECONDS = 1;

const MARGIN = 150;
const TOP = 62;
const ROW = 30;
const BAND_ROW = 44;
const BREAK_ROW = 22;

interface Lane {
  x: number;
  role: string;
  where: string;
}

type Row =
  | { kind: 'arrow'; e: LadderEvent; y: number }
  | { kind: 'band'; conn: TraceConnection; runs: RunEvent[]; y: number; endY: number }
  | { kind: 'break'; seconds: number; y: number }
  | { kind: 'elided'; count: number; first: number; last: number; y: number };

export interface LadderSvg {
  svg: string;
  /** Frames the ladder's arrows and bands point at (their dumps are worth embedding). */
  frames: number[];
  /** Arrows and bands drawn; events left out (past the row bound, or on connections without lanes). */
  drawn: number;
  elided: number;
  unlanedConnections: number;
}

const KIND_CLASS: Record<LadderEvent['kind'], string> = {
  syn: 'k-syn',
  'syn-ack': 'k-syn',
  ack: 'k-ack',
  fin: 'k-fin',
  rst: 'k-rst',
  icmp: 'k-icmp',
  command: 'k-cmd',
  reply: 'k-reply',
  data: 'k-data',
  opaque: 'k-opaque',
  acks: 'k-ack',
  retransmission: 'k-retx',
};

function isBandRun(e: LadderEvent): e is RunEvent {
  return e.conn.role !== 'control' && (e.kind === 'data' || e.kind === 'opaque');
}

function connName(c: TraceConnection): string {
  if (c.role === 'data') return `data ${c.transfer}`;
  return `tcp.stream ${c.stream}`;
}

/** Frames "12" or "12-40". */
function frameSpan(first: number, last: number): string {
  return first === last ? String(first) : `${first}-${last}`;
}

export function ladderSvg(a: Analysis, l: SessionLadder, rowBudget: number): LadderSvg {
  const s = l.session;
  const control = l.connections.find((c) => c.role === 'control');
  const others = l.connections.filter((c) => c.role !== 'control');
  const laned = others.slice(0, MAX_CONNECTION_LANES);
  const n = 2 + laned.length * 2;
  const spacing = n <= 4 ? 220 : n <= 8 ? 170 : 130;
  const lanes: Lane[] = [];
  const laneIndex = new Map<TraceConnection, { client: number; server: number }>();
  const x = (i: number): number => MARGIN + 40 + i * spacing;
  lanes.push({ x: x(0), role: 'FTP client', where: endpoint(s.client) });
  laned.forEach((c, i) => lanes.push({ x: x(1 + i), role: `${connName(c)}: client`, where: endpoint(c.client) }));
  for (let i = laned.length - 1; i >= 0; i--) {
    const c = laned[i];
    lanes.push({ x: x(lanes.length), role: `${connName(c)}: server`, where: endpoint(c.server) });
  }
  lanes.push({ x: x(lanes.length), role: 'FTP server', where: endpoint(s.server) });
  if (control !== undefined) laneIndex.set(control, { client: 0, server: n - 1 });
  laned.forEach((c, i) => laneIndex.set(c, { client: 1 + i, server: n - 2 - i }));
  const width = x(n - 1) + 200;

  // Items in order: an arrow per event, one band per connection at its first data run.
  type Item = { kind: 'arrow'; e: LadderEvent } | { kind: 'band'; conn: TraceConnection; runs: RunEvent[] };
  const items: Item[] = [];
  const bands = new Map<TraceConnection, { item: Item & { kind: 'band' }; lastItem: number }>();
  const bandEnd = new Map<Item, number>();
  let unlaned = 0;
  for (const e of l.events) {
    if (!laneIndex.has(e.conn)) {
      unlaned++;
      continue;
    }
    if (isBandRun(e)) {
      const b = bands.get(e.conn);
      if (b === undefined) {
        const item = { kind: 'band' as const, conn: e.conn, runs: [e] };
        items.push(item);
        bands.set(e.conn, { item, lastItem: items.length - 1 });
      } else {
        b.item.runs.push(e);
        b.lastItem = items.length - 1;
      }
      continue;
    }
    items.push({ kind: 'arrow', e });
  }
  for (const b of bands.values()) bandEnd.set(b.item, b.lastItem);

  // Bound the rows: the first ones and the last ones.
  const cap = Math.max(20, Math.min(MAX_ROWS_PER_LADDER, rowBudget));
  let keep: (i: number) => boolean = () => true;
  let elidedFrom = -1;
  let elidedTo = -1;
  if (items.length > cap) {
    const tail = Math.min(TAIL_ROWS, Math.floor(cap / 4));
    elidedFrom = cap - tail;
    elidedTo = items.length - tail;
    keep = (i) => i < elidedFrom || i >= elidedTo;
  }
  const firstFrameOf = (it: Item): number => (it.kind === 'arrow' ? it.e.firstFrame : it.runs[0].firstFrame);
  const timeOf = (it: Item): number => (it.kind === 'arrow' ? it.e.time : it.runs[0].time);

  const rows: Row[] = [];
  const itemRow = new Map<number, Row>();
  let y = TOP + 18;
  let prevTime: number | null = null;
  let elided = 0;
  for (let i = 0; i < items.length; i++) {
    if (!keep(i)) {
      if (i === elidedFrom) {
        const lastItem = items[elidedTo - 1];
        const lastFrame = lastItem.kind === 'arrow' ? lastItem.e.lastFrame : lastItem.runs[0].lastFrame;
        rows.push({ kind: 'elided', count: elidedTo - elidedFrom, first: firstFrameOf(items[i]), last: lastFrame, y: y + BREAK_ROW / 2 });
        y += BREAK_ROW;
        prevTime = null;
      }
      elided++;
      continue;
    }
    const it = items[i];
    const t = timeOf(it);
    if (prevTime !== null && t - prevTime >= BREAK_SECONDS) {
      rows.push({ kind: 'break', seconds: t - prevTime, y: y + BREAK_ROW / 2 });
      y += BREAK_ROW;
    }
    prevTime = Math.max(prevTime ?? t, t);
    const h = it.kind === 'band' ? BAND_ROW : ROW;
    const row: Row = it.kind === 'arrow' ? { kind: 'arrow', e: it.e, y: y + h / 2 } : { kind: 'band', conn: it.conn, runs: it.runs, y: y + h / 2, endY: y + h / 2 };
    rows.push(row);
    itemRow.set(i, row);
    y += h;
  }
  // A band reaches down to the row of its last data run (or the last row drawn before it).
  for (const [item, last] of bandEnd) {
    const idx = items.indexOf(item);
    const row = itemRow.get(idx);
    if (row === undefined || row.kind !== 'band') continue;
    let end = last;
    while (end > idx && !itemRow.has(end)) end--;
    row.endY = Math.max(row.y, itemRow.get(end)!.y);
  }
  const height = y + 30;

  const frames: number[] = [];
  const out: string[] = [];
  const sessionLabel = `Session ${s.id} ladder: FTP client ${s.client.ip}, FTP server ${s.server.ip}`;
  out.push(
    `<svg class="ladder-svg" xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="group" aria-label="${esc(sessionLabel)}">`,
    `<title>${esc(sessionLabel)}</title>`,
  );
  // Header: margin titles and lane names.
  out.push(`<text class="hdr" x="8" y="${TOP - 30}">time (s)</text><text class="hdr" x="88" y="${TOP - 30}">frame</text>`);
  lanes.forEach((ln, i) => {
    const dy = n > 6 && i % 2 === 1 ? 22 : 0;
    out.push(
      `<text class="lane-role" x="${ln.x}" y="${TOP - 38 + dy}" text-anchor="middle">${esc(ln.role)}</text>`,
      `<text class="lane-where" x="${ln.x}" y="${TOP - 25 + dy}" text-anchor="middle">${escClip(ln.where, 26)}</text>`,
      `<line class="lane" x1="${ln.x}" y1="${TOP}" x2="${ln.x}" y2="${height - 10}"/>`,
    );
  });

  const transferOf = (c: TraceConnection): Transfer | undefined => (c.transfer === null ? undefined : transferById(s, c.transfer));
  const evidence = new Set<number>();
  for (const t of s.transfers) {
    if (t.verdict.kind === 'failed' || t.verdict.kind === 'aborted') for (const f of t.verdict.evidence) evidence.add(f);
    for (const f of t.diagnosis?.evidence ?? []) evidence.add(f);
  }
  for (const f of s.diagnosis?.evidence ?? []) evidence.add(f);
  for (const f of s.control.kind === 'unanswered' || s.control.kind === 'refused' || s.control.kind === 'answer-reset' || s.control.kind === 'abandoned' || s.control.kind === 'ungreeted' || s.control.kind === 'hung-up' ? s.control.evidence : []) evidence.add(f);
  const touchesEvidence = (first: number, last: number): boolean => {
    for (const f of evidence) if (f >= first && f <= last) return true;
    return false;
  };

  let drawn = 0;
  for (const r of rows) {
    if (r.kind === 'break') {
      out.push(
        `<g class="break"><line x1="${MARGIN}" y1="${r.y}" x2="${width - 20}" y2="${r.y}"/>` +
          `<text x="8" y="${r.y + 4}">+${r.seconds.toFixed(r.seconds < 10 ? 2 : 0)} s</text></g>`,
      );
      continue;
    }
    if (r.kind === 'elided') {
      out.push(
        `<g class="break elided"><line x1="${MARGIN}" y1="${r.y}" x2="${width - 20}" y2="${r.y}"/>` +
          `<text x="${MARGIN + 10}" y="${r.y + 4}">${num(r.count)} more rows (frames ${r.first}-${r.last}) not drawn: ftpcap timeline shows them all</text></g>`,
      );
      continue;
    }
    drawn++;
    if (r.kind === 'band') {
      const lanesOf = laneIndex.get(r.conn)!;
      const x1 = lanes[lanesOf.client].x;
      const x2 = lanes[lanesOf.server].x;
      const first = r.runs[0];
      const last = r.runs[r.runs.length - 1];
      let toServer = 0;
      let toClient = 0;
      let segments = 0;
      let retx = 0;
      for (const run of r.runs) {
        if (run.by === 'client') toServer += run.bytes;
        else toClient += run.bytes;
        segments += run.segments;
        retx += run.retransmissions;
      }
      const t = transferOf(r.conn);
      const dc = t?.connection ?? null;
      const span = last.time - first.time;
      const thr = t?.throughput ?? (span > 0 ? (toServer + toClient) / span : null);
      const dir = toServer >= toClient ? `client → server ${num(toServer)} bytes` : `server → client ${num(toClient)} bytes`;
      const marks: string[] = [];
      if (retx > 0) marks.push(`${num(retx)} retransmitted`);
      if (dc !== null && dc.gapBytes > 0) marks.push(`${num(dc.gapBytes)} bytes not captured (gap)`);
      if (dc !== null && dc.undeliveredBytes > 0) marks.push(`${num(dc.undeliveredBytes)} bytes lost on the path`);
      if (dc !== null && dc.zeroWindowFrames.length > 0) marks.push(`zero window ×${dc.zeroWindowFrames.length} (frame ${dc.zeroWindowFrames[0]}…)`);
      const label = `${r.conn.role === 'data' ? 'Data' : 'Payload'}: ${dir} in ${num(segments)} segments${thr !== null ? `, ${rate(thr)}` : ''}`;
      const fr = frameSpan(first.firstFrame, last.lastFrame);
      const aria = `Frames ${fr}, ${connName(r.conn)}: ${label}${marks.length ? `; ${marks.join('; ')}` : ''}`;
      const cls = ['ev', 'band', marks.length ? 'warn' : '', touchesEvidence(first.firstFrame, last.lastFrame) ? 'evidence' : ''].filter(Boolean).join(' ');
      const top = r.y - BAND_ROW / 2 + 4;
      const bottom = r.endY + BAND_ROW / 2 - 4;
      frames.push(first.firstFrame, last.lastFrame);
      out.push(
        `<g class="${cls}" tabindex="0" role="button" data-f="${first.firstFrame}" data-l="${last.lastFrame}" data-dumps="${first.firstFrame} ${last.lastFrame}" aria-label="${esc(aria)}">` +
          `<title>${esc(aria)}</title>` +
          `<rect class="hit" x="4" y="${r.y - 15}" width="${Math.max(x1, x2) + 4}" height="22"/>` +
          `<rect class="area" x="${Math.min(x1, x2)}" y="${top}" width="${Math.abs(x2 - x1)}" height="${bottom - top}" rx="4"/>` +
          `<text class="tm" x="8" y="${r.y + 4}">${relative(first.time, a.capture.first)}</text><text class="fr" x="88" y="${r.y + 4}">${fr}</text>` +
          `<text class="lbl" x="${(x1 + x2) / 2}" y="${r.y - 3}" text-anchor="middle">${escClip(label, Math.floor(Math.abs(x2 - x1) / 6.3))}</text>` +
          (marks.length ? `<text class="lbl mark" x="${(x1 + x2) / 2}" y="${r.y + 12}" text-anchor="middle">${escClip(marks.join('; '), Math.floor(Math.abs(x2 - x1) / 6.3))}</text>` : '') +
          '</g>',
      );
      continue;
    }
    const e = r.e;
    const lanesOf = laneIndex.get(e.conn)!;
    const byLane = e.by === 'client' ? lanesOf.client : lanesOf.server;
    const otherLane = e.by === 'client' ? lanesOf.server : lanesOf.client;
    // An ICMP error answers `by`'s packet: drawn from the far end towards the sender.
    const [fromLane, toLane] = e.kind === 'icmp' ? [otherLane, byLane] : [byLane, otherLane];
    const x1 = lanes[fromLane].x;
    let x2 = lanes[toLane].x;
    let label = eventLabel(e, s);
    if (e.kind === 'icmp') label += ` from ${e.icmp.reporter}`;
    const lost = e.kind === 'syn' && e.unanswered;
    if (lost) x2 = x1 + (x2 - x1) * 0.62;
    const dirSign = x2 >= x1 ? 1 : -1;
    const fr = frameSpan(e.firstFrame, e.lastFrame);
    const cls = ['ev', KIND_CLASS[e.kind], e.retransmission || e.kind === 'retransmission' ? 'retx' : '', lost ? 'lost' : '', e.kind === 'reply' && e.preliminary ? 'prelim' : '', touchesEvidence(e.firstFrame, e.lastFrame) ? 'evidence' : '']
      .filter(Boolean)
      .join(' ');
    // An ICMP error's sender is its reporter (named in the label), a router or the far host; `by` is
    // the side it reached, whose segment it answers.
    const sides = e.kind === 'icmp' ? `to the ${e.by} ${endpoint(e.to)}` : `${e.by === 'client' ? 'client' : 'server'} ${endpoint(e.from)} to ${endpoint(e.to)}`;
    const aria = `Frame ${fr}, ${relative(e.time, a.capture.first)} s: ${label}, ${sides}`;
    frames.push(e.firstFrame);
    const head = `${x2},${r.y} ${x2 - 9 * dirSign},${r.y - 4.5} ${x2 - 9 * dirSign},${r.y + 4.5}`;
    const room = Math.floor(Math.abs(lanes[toLane].x - x1) / 6.3) - 2;
    out.push(
      `<g class="${cls}" tabindex="0" role="button" data-f="${e.firstFrame}" data-l="${e.lastFrame}" data-dumps="${e.firstFrame}" aria-label="${esc(aria)}">` +
        `<title>${esc(aria)}</title>` +
        // The whole row answers a click, from the time column to the far lane.
        `<rect class="hit" x="4" y="${r.y - 15}" width="${Math.max(x1, lanes[toLane].x) + 4}" height="22"/>` +
        `<text class="tm" x="8" y="${r.y + 4}">${relative(e.time, a.capture.first)}</text><text class="fr" x="88" y="${r.y + 4}">${fr}</text>` +
        `<line x1="${x1}" y1="${r.y}" x2="${x2}" y2="${r.y}"/>` +
        (lost
          ? `<path class="x" d="M${x2 - 5},${r.y - 5} l10,10 m0,-10 l-10,10"/>`
          : `<polygon points="${head}"/>`) +
        `<text class="lbl" x="${(x1 + lanes[toLane].x) / 2}" y="${r.y - 5}" text-anchor="middle">${escClip(label, Math.max(12, room))}</text>` +
        '</g>',
    );
  }
  out.push('</svg>');
  return { svg: out.join('\n'), frames, drawn, elided, unlanedConnections: Math.max(0, others.length - laned.length) + (unlaned > 0 ? 0 : 0) };
}

/** The session a ladder shows, for headings. */
export function ladderTitle(s: Session): string {
  return `Session ${s.id}: FTP client ${endpoint(s.client)}, FTP server ${endpoint(s.server)}`;
}
