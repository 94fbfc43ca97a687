/**
 * The evidence a diagnosis should cite, derived from tshark's own view of a fixture (its FTP lines
 * and per-frame header fields), independently of ftpcap: the announcement and the server's answer
 * to it, the transfer command, every SYN / SYN-ACK / RST of the data connection and every ICMP
 * error quoting it, the starts of zero-window episodes (first five), and the final reply.
 */
import { join } from 'node:path';
import { readTsharkTsv, type TsvRow } from '../conformance/peer-readers.js';

const DATA_COMMANDS = new Set(['RETR', 'STOR', 'STOU', 'APPE', 'LIST', 'NLST', 'MLSD']);
const ANNOUNCERS = new Set(['PORT', 'EPRT', 'LPRT']);
const SYN = 0x002;
const RST = 0x004;

export interface TsharkView {
  ftp: TsvRow[];
  datachan: TsvRow[];
  fields: TsvRow[];
}

export function readView(dir: string, name: string): TsharkView {
  const tsv = (kind: string): TsvRow[] => readTsharkTsv(join(dir, `${name}.tshark-${kind}.tsv`));
  return { ftp: tsv('ftp'), datachan: tsv('datachan'), fields: tsv('fields') };
}

const num = (r: TsvRow, k: string): number => Number(r[k]);
const src = (r: TsvRow): string => r['ip.src'] || r['ipv6.src'];
const dst = (r: TsvRow): string => r['ip.dst'] || r['ipv6.dst'];

/** The announced data endpoint of the nth announcement in the capture (tshark's decoding). */
export function announced(view: TsharkView, nth = 0): { frame: number; ip: string; port: number; active: boolean } {
  const rows = view.datachan.filter(
    (r) => r['ftp.active.port'] || r['ftp.passive.port'] || r['ftp.eprt.port'] || r['ftp.epsv.port'],
  );
  const r = rows[nth];
  if (!r) throw new Error(`no announcement #${nth}`);
  const active = !!(r['ftp.active.port'] || r['ftp.eprt.port']);
  const ip = r['ftp.active.cip'] || r['ftp.eprt.ip'] || r['ftp.eprt.ipv6'] || r['ftp.passive.ip'] || src(r);
  const port = Number(r['ftp.active.port'] || r['ftp.eprt.port'] || r['ftp.passive.port'] || r['ftp.epsv.port']);
  return { frame: num(r, 'frame.number'), ip, port, active };
}

/** Frames of the data connection to `endpoint` that open, refuse or stall it. */
function dataConnectionFrames(view: TsharkView, ip: string, port: number): number[] {
  const frames: number[] = [];
  let zeroWindows = 0;
  // A zero-window episode starts when a direction's window drops to 0 after a non-zero one.
  const closed = new Set<string>();
  for (const r of view.fields) {
    const toIt = dst(r) === ip && num(r, 'tcp.dstport') === port;
    const fromIt = src(r) === ip && num(r, 'tcp.srcport') === port;
    const icmp = r['icmp.type'] === '3' || r['icmpv6.type'] === '1';
    if (icmp) {
      // tshark's tcp.* fields of an ICMP error are the quoted segment's.
      if (num(r, 'tcp.dstport') === port) frames.push(num(r, 'frame.number'));
      continue;
    }
    if (!toIt && !fromIt) continue;
    const flags = num(r, 'tcp.flags');
    const dir = `${src(r)}:${r['tcp.srcport']}`;
    if (flags & (SYN | RST)) frames.push(num(r, 'frame.number'));
    else if (r['tcp.window_size_value'] === '0') {
      if (!closed.has(dir) && zeroWindows < 5) {
        zeroWindows++;
        frames.push(num(r, 'frame.number'));
      }
      closed.add(dir);
    } else closed.delete(dir);
  }
  return frames;
}

/**
 * Evidence for the transfer announced by the nth announcement: announcement (+ the reply to an
 * active one), transfer command, data-connection frames, final reply; plus `extra` frames the
 * scenario adds (e.g. a refused SIZE and its reply).
 */
export function expectedEvidence(view: TsharkView, nth = 0, extra: number[] = []): number[] {
  const an = announced(view, nth);
  const frames = [an.frame, ...extra];
  // Only this control connection (a capture on a NAT holds each session twice).
  const row = view.ftp.find((r) => num(r, 'frame.number') === an.frame)!;
  const sameConnection = (r: TsvRow): boolean =>
    (src(r) === src(row) && r['tcp.srcport'] === row['tcp.srcport']) || (dst(r) === src(row) && r['tcp.dstport'] === row['tcp.srcport']);
  const control = view.ftp.filter((r) => num(r, 'frame.number') > an.frame && sameConnection(r));
  if (an.active) {
    const reply = control.find((r) => r['ftp.response.code']);
    if (reply) frames.push(num(reply, 'frame.number'));
  }
  const nextAnnounce = control.find(
    (r) => (ANNOUNCERS.has(r['ftp.request.command']) || /^22[789]$/.test(r['ftp.response.code'])),
  );
  const limit = nextAnnounce ? num(nextAnnounce, 'frame.number') : Infinity;
  const request = control.find((r) => DATA_COMMANDS.has(r['ftp.request.command']) && num(r, 'frame.number') < limit);
  if (request) {
    frames.push(num(request, 'frame.number'));
    const final = control.find(
      (r) => num(r, 'frame.number') > num(request, 'frame.number') && /^[2-5]\d\d$/.test(r['ftp.response.code']),
    );
    if (final) frames.push(num(final, 'frame.number'));
  }
  frames.push(...dataConnectionFrames(view, an.ip, an.port));
  return [...new Set(frames)].sort((a, b) => a - b);
}

/** The frame of the first reply with this code (e.g. the 234 that starts TLS, a 550). */
export function replyFrame(view: TsharkView, code: number, after = 0): number {
  const r = view.ftp.find((x) => x['ftp.response.code'] === String(code) && num(x, 'frame.number') > after);
  if (!r) throw new Error(`no ${code} reply`);
  return num(r, 'frame.number');
}

export function requestFrame(view: TsharkView, command: string, after = 0): number {
  const r = view.ftp.find((x) => x['ftp.request.command'] === command && num(x, 'frame.number') > after);
  if (!r) throw new Error(`no ${command} request`);
  return num(r, 'frame.number');
}

/** First SYN frame of every TCP connection from `from` to `to` (IP addresses) after `after`, excluding port 21. */
export function synFrames(view: TsharkView, from: string, to: string, after: number): number[] {
  return view.fields
    .filter(
      (r) =>
        src(r) === from &&
        dst(r) === to &&
        num(r, 'frame.number') > after &&
        (num(r, 'tcp.flags') & 0x012) === SYN &&
        num(r, 'tcp.dstport') !== 21,
    )
    .map((r) => num(r, 'frame.number'));
}

/** How many announcements tshark decoded before `frame` (so `announced(view, n - 1)` is the last one). */
export function announcementsBefore(view: TsharkView, frame: number): number {
  return view.datachan.filter(
    (r) => num(r, 'frame.number') < frame && (r['ftp.active.port'] || r['ftp.passive.port'] || r['ftp.eprt.port'] || r['ftp.epsv.port']),
  ).length;
}
