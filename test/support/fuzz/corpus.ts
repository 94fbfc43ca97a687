/**
 * The fuzz corpus: every recorded fixture. Small ones are mutated whole; the large ones (over
 * LARGE_FRAMES frames) through windows of a few hundred consecutive records, so a case stays fast.
 * A case is fully determined by (run seed, case number): `planCase` derives the fixture, window,
 * damage category and ops from them.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { indexCapture, pcapWindow, ungzip, type CaptureIndex } from '../capture-records.js';
import { caseSeed, CATEGORIES, generateOps, Rng, type Category, type Op } from './mutations.js';

export const FIXTURES_DIR = fileURLToPath(new URL('../../../fixtures/', import.meta.url));
const LARGE_FRAMES = 1000;

export interface Fixture {
  name: string;
  bytes: Buffer;
  index: CaptureIndex;
  large: boolean;
}

let names: string[] | null = null;
const loaded = new Map<string, Fixture>();

/** The corpus's file names, sorted. Cheap: no fixture is read. */
export function fixtureNames(): string[] {
  names ??= readdirSync(FIXTURES_DIR)
    .filter((n) => /\.(pcap|pcapng)(\.gz)?$/.test(n))
    .sort();
  return names;
}

/** One fixture, read (and indexed) the first time it is asked for. */
export function fixture(name: string): Fixture {
  let f = loaded.get(name);
  if (!f) {
    if (!fixtureNames().includes(name)) throw new Error(`no fixture ${name}`);
    const bytes = ungzip(readFileSync(join(FIXTURES_DIR, name)));
    const index = indexCapture(bytes);
    if (index === null || index.tail !== 0) throw new Error(`fixture ${name} does not index cleanly`);
    f = { name, bytes, index, large: index.frames > LARGE_FRAMES };
    loaded.set(name, f);
  }
  return f;
}

export function loadFixtures(): Fixture[] {
  return fixtureNames().map(fixture);
}

export interface Window {
  start: number;
  count: number;
}

export interface PlannedCase {
  /** Case number within the run, and the seed the case was derived from. */
  i: number;
  seed: number;
  fixture: string;
  window: Window | null;
  category: Category;
  ops: Op[];
}

/** The undamaged capture a case mutates (the fixture, or its window) and its name. */
export function caseBase(fixtureName: string, window: Window | null): { name: string; bytes: Buffer } {
  const f = fixture(fixtureName);
  if (window === null) return { name: f.name, bytes: f.bytes };
  return {
    name: `${f.name}[records ${window.start}..${window.start + window.count - 1}]`,
    bytes: pcapWindow(f.bytes, f.index, window.start, window.count),
  };
}

/**
 * Case `i` of run `seed`. `spread`: cases go round the fixtures, then round the categories, so a
 * run of fixtures × categories × k cases covers every pair k times; otherwise all is drawn at random.
 */
export function planCase(seed: number, i: number, spread: boolean, only?: { fixture?: string; category?: Category }): PlannedCase {
  // Only the chosen fixture is read: a worker reads the fixtures its cases use.
  const all = fixtureNames();
  const pool = only?.fixture ? all.filter((n) => n.includes(only.fixture!)) : all;
  if (pool.length === 0) throw new Error(`no fixture matches ${only?.fixture}`);
  const s = caseSeed(seed, i);
  const r = new Rng(s);
  const f = fixture(spread ? pool[i % pool.length] : r.pick(pool));
  const category = only?.category ?? (spread ? CATEGORIES[Math.floor(i / pool.length) % CATEGORIES.length] : r.pick(CATEGORIES));
  let window: Window | null = null;
  // Large fixtures: a window of records; in a drawn (not spread) run, now and then the whole file.
  if (f.large && (spread || !r.chance(0.02))) {
    const count = r.pick([60, 150, 300]);
    window = { start: r.int(f.index.records.length - count), count };
  }
  const base = caseBase(f.name, window);
  const index = indexCapture(base.bytes)!;
  return { i, seed: s, fixture: f.name, window, category, ops: generateOps(r, base.bytes, index, category) };
}
