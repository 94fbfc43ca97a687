/**
 * Analyses of the committed fixtures, shared by every test file one vitest worker runs (the
 * config's `isolate: false` gives them one module cache): the larger fixtures are rendered by a
 * dozen files each, and analysing hostile-client-vsftpd-python alone had cost 5 s of the suite's
 * CPU. Only files under fixtures/ (which no test changes) with the plain options are shared; the
 * model is not changed by renderers, so one analysis serves them all: under every name a capture
 * is shown (the name is only the model's capture.file, pipeline.ts), read by name or as a stream
 * (the same model, checked on every fixture 2026-12-05). Keyed by name too, the suite's 1,186
 * analyses had been of 596 captures, a capture often once by path and once by its fixture's name.
 */
import { createReadStream } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Analysis } from '../../src/analysis/model.js';
import { analyzeFiles, analyzeStream, type AnalyzeOptions } from '../../src/analysis/pipeline.js';

const FIXTURES = resolve(__dirname, '../../fixtures');
/** Every fixture's analysis together holds 17.6 MiB (2026-12-05, 409 fixtures): all are kept; the bound is for runs past the fixtures. */
const SHARED_MAX = 1024;
const shared = new Map<string, Promise<Analysis>>();
/** Options that leave the analysis as the plain one (progress is only reported). */
const PLAIN = new Set(['fileName', 'showPasswords', 'thread', 'onProgress']);

export interface PlainOptions {
  fileName: string;
  showPasswords?: boolean;
}

function remember(key: string, make: () => Promise<Analysis>): Promise<Analysis> {
  let a = shared.get(key);
  if (a !== undefined) {
    // Most recently used last: the first entry is the one to forget.
    shared.delete(key);
    shared.set(key, a);
    return a;
  }
  a = make();
  shared.set(key, a);
  if (shared.size > SHARED_MAX) shared.delete(shared.keys().next().value!);
  return a;
}

/** True when every path is a committed fixture: only those are shared. */
export function allFixtures(paths: string[]): boolean {
  return paths.every((p) => resolve(p).startsWith(`${FIXTURES}/`));
}

/** The shared analysis of these files with these options, however it is read. */
const keyOf = (paths: string[], options: PlainOptions): string => JSON.stringify([paths.map((p) => resolve(p)), options.showPasswords ?? false]);

/** The analysis shown under `fileName`: the same model, its capture named so. */
async function named(analysis: Promise<Analysis>, fileName: string): Promise<Analysis> {
  const a = await analysis;
  return a.capture.file === fileName ? a : { ...a, capture: { ...a.capture, file: fileName } };
}

/** analyzeFiles of fixtures, shared; anything else analysed afresh. */
export function sharedAnalyzeFiles(paths: string[], options: AnalyzeOptions & { thread?: boolean }): Promise<Analysis> {
  const plain = Object.entries(options).every(([k, v]) => v === undefined || PLAIN.has(k));
  if (!plain || !allFixtures(paths)) return analyzeFiles(paths, options);
  return named(
    remember(keyOf(paths, options), () => analyzeFiles(paths, options)),
    options.fileName,
  );
}

/** A fixture by its file name, read as a stream (as `analyzeStream` would), shared. */
export function sharedFixtureStream(name: string, options: PlainOptions): Promise<Analysis> {
  const path = join(FIXTURES, name);
  return named(
    remember(keyOf([path], options), () => analyzeStream(createReadStream(path), options)),
    options.fileName,
  );
}
