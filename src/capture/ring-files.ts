/**
 * Which capture files given together are one ring-buffer capture, to be read as one (see
 * read-files.ts). Two signs must agree:
 *  1. the names follow a capture tool's ring naming, with the same stem, in one directory:
 *     - tcpdump -C/-W: NAME, NAME1, NAME2 … (-C alone) or NAME0 … NAME9 / NAME00 … (with -W),
 *       i.e. the stem followed by a decimal file number (the stem itself is file "-1");
 *     - dumpcap/tshark -b: PREFIX_NNNNN_YYYYMMDDhhmmss.EXT (file number, then when it was opened);
 *  2. in the order of their first packets' timestamps, the file numbers run on one by one (tcpdump
 *     -W wraps around to 0, so NAME3, NAME0, NAME1 can be a ring too).
 * Files that fail either test are analysed on their own. Reading the first packet of each file
 * is the only cost.
 */
import { basename, dirname } from 'node:path';
import { openCaptureFile } from './open-capture.js';
import { readCapture } from './read-capture.js';

export interface RingName {
  /** What identifies the ring: directory, tool and stem. */
  key: string;
  /** The file's number in the ring (-1: tcpdump's first file, named without a number). */
  number: number;
}

const TCPDUMP = /^(.*\D)(\d+)$/;
const DUMPCAP = /^(.+)_(\d{5,})_(\d{14})(\.[^.]*)?$/;

/** The ring a file name belongs to by its form, or null. `names` are the other files given. */
export function ringName(path: string, names: ReadonlySet<string>): RingName | null {
  const dir = dirname(path);
  const base = basename(path);
  const d = DUMPCAP.exec(base);
  if (d) return { key: `${dir}\0dumpcap\0${d[1]}\0${d[4] ?? ''}`, number: Number(d[2]) };
  const t = TCPDUMP.exec(base);
  if (t) return { key: `${dir}\0tcpdump\0${t[1]}`, number: Number(t[2]) };
  // tcpdump -C: the first file has no number; it is part of a ring when NAME1 was given too.
  if (names.has(`${path}1`)) return { key: `${dir}\0tcpdump\0${base}`, number: -1 };
  return null;
}

/**
 * Group file names by ring naming, keeping the order of first appearance. Every group of one is a
 * file on its own; a group of several is a candidate ring, still to be checked by timestamps.
 */
export function groupByRingName(paths: string[]): string[][] {
  const names = new Set(paths);
  const groups: string[][] = [];
  const byKey = new Map<string, string[]>();
  for (const p of paths) {
    const r = ringName(p, names);
    const existing = r ? byKey.get(r.key) : undefined;
    if (existing) {
      existing.push(p);
      continue;
    }
    const g = [p];
    groups.push(g);
    if (r) byKey.set(r.key, g);
  }
  return groups;
}

/**
 * Order a candidate ring by first-packet time and check that the file numbers then run on one by
 * one (a tcpdump ring may wrap to 0, or begin with the unnumbered first file). Returns the files
 * in capture order, or null when they do not form one ring. `first` holds each file's first
 * packet time (null: no packet could be read).
 */
export function orderRing(paths: string[], first: ReadonlyMap<string, number | null>): string[] | null {
  const names = new Set(paths);
  const items = paths.map((p) => ({ p, t: first.get(p) ?? null, n: ringName(p, names)?.number ?? NaN }));
  if (items.some((x) => x.t === null || Number.isNaN(x.n))) return null;
  // Stable: equal first times keep the numbers' order.
  items.sort((a, b) => a.t! - b.t! || a.n - b.n);
  for (let i = 1; i < items.length; i++) {
    const prev = items[i - 1].n;
    const n = items[i].n;
    // n follows prev; or the unnumbered first file (-1) is followed by 1; or a -W ring wrapped to 0.
    if (n !== prev + 1 && !(prev === -1 && n === 1) && !(n === 0 && prev > 0)) return null;
  }
  return items.map((x) => x.p);
}

/** Time of a capture file's first packet, or null when it has none or cannot be read. */
export async function firstPacketTime(path: string): Promise<number | null> {
  let time: number | null = null;
  const stop = new Error('first packet seen');
  try {
    await readCapture(
      openCaptureFile(path),
      {
        onRecord: (r) => {
          time = r.time;
          throw stop;
        },
        onWarning: () => undefined,
      },
      { fileName: path },
    );
  } catch (err) {
    if (err !== stop) return null;
  }
  return time;
}

export interface CaptureInputGroup {
  /** One file, or the files of one ring buffer in capture order. */
  paths: string[];
  /** Set when names looked like a ring but the timestamps did not agree: why they are apart. */
  note?: string;
}

/** Split command-line capture paths into captures: single files and ring buffers. */
export async function planCaptureInputs(paths: string[]): Promise<CaptureInputGroup[]> {
  const out: CaptureInputGroup[] = [];
  for (const group of groupByRingName(paths)) {
    if (group.length === 1 || group.includes('-')) {
      for (const p of group) out.push({ paths: [p] });
      continue;
    }
    const first = new Map<string, number | null>();
    for (const p of group) first.set(p, await firstPacketTime(p));
    const ordered = orderRing(group, first);
    if (ordered) {
      out.push({ paths: ordered });
    } else {
      const note = `${group.map((p) => basename(p)).join(', ')} are named like one ring buffer, but their file numbers and first packets' times do not follow each other: analysed one by one`;
      group.forEach((p, i) => out.push(i === 0 ? { paths: [p], note } : { paths: [p] }));
    }
  }
  return out;
}
