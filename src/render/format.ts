/** An address and port as tshark and URLs write them ([v6]:port): the analysis words them the same way. */
export { ep as endpoint } from '../analysis/diagnose/facts.js';
import type { Transfer } from '../analysis/model.js';

/** A transfer's mode, "unknown" when the capture does not show it (Transfer.announceMaybeBeforeCapture). */
export function modeWord(t: Pick<Transfer, 'mode' | 'announceMaybeBeforeCapture'>): string {
  return t.announceMaybeBeforeCapture ? 'unknown' : t.mode;
}

export function bytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let i = -1;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(v < 10 ? 2 : 1)} ${units[i]}`;
}

export function seconds(s: number | null): string {
  if (s === null || !Number.isFinite(s)) return '-';
  if (s < 1) return `${(s * 1000).toFixed(1)} ms`;
  if (s < 120) return `${s.toFixed(3)} s`;
  const m = Math.floor(s / 60);
  return `${m} min ${(s - m * 60).toFixed(0)} s`;
}

export function rate(bytesPerSecond: number | null): string {
  if (bytesPerSecond === null || !Number.isFinite(bytesPerSecond)) return '-';
  return `${bytes(Math.round(bytesPerSecond))}/s`;
}

/** Seconds since the capture's first packet, as Wireshark shows by default. */
export function relative(time: number, origin: number | null): string {
  return (time - (origin ?? time)).toFixed(6);
}

/** relative() cut (not rounded) to milliseconds, as the sessions table shows a start. */
export function relativeMs(time: number, origin: number | null): string {
  const r = relative(time, origin);
  const dot = r.indexOf('.');
  // toFixed(6)'s six decimals (a regular expression per row cost a third of the table's rows).
  if (dot >= 0 && r.length - dot === 7) return r.slice(0, dot + 4);
  return r.replace(/(\.\d{3})\d+$/, '$1');
}

/** UTC wall-clock time with microseconds. */
export function wallClock(time: number | null): string {
  if (time === null) return '-';
  const ms = Math.floor(time * 1000);
  if (!(Math.abs(ms) <= 8.64e15)) return '-'; // no date (NaN, or beyond what a Date holds)
  const iso = new Date(ms).toISOString(); // 2024-01-02T03:04:05.678Z
  const micros = Math.floor((time * 1e6) % 1e6).toString().padStart(6, '0');
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)}.${micros} UTC`;
}

const TUNNEL_NAMES = { gre: 'GRE', vxlan: 'VXLAN', ipip: 'IP-in-IP' } as const;

/** "VXLAN", or "GRE in VXLAN" for nested tunnels (innermost first, as one says it). */
export function tunnelName(layers: ReadonlyArray<keyof typeof TUNNEL_NAMES>): string {
  return layers
    .map((k) => TUNNEL_NAMES[k])
    .reverse()
    .join(' in ');
}
