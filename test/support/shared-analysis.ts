/**
 * Analyses of the committed fixtures, shared by every test file one vitest worker runs (the
 * config's `isolate: false` gives them one module cache): the larger fixtures are rendered by a
 * dozen files each, and analysing hostile-client-vsftpd-python alone had cost 5 s of the suite's
 * CPU. Only files under fixtures/ (which no test changes) with the plain options are shared; the
 * model is not changed by renderers, so one analysis serves them all. The most recent
 * SHARED_MAX are kept.
 */
import { createReadStream } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Analysis } from '../../src/analysis/model.js';
import { analyzeFiles, analyzeStream, type AnalyzeOptions } from '../../src/analysis/pipeline.js';

const FIXTURES = resolve(__dirname, '../../fixtures');
const SHARED_MAX = 24;
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

/** analyzeFiles of fixtures, shared; anything else analysed afresh. */
export function sharedAnalyzeFiles(paths: string[], options: AnalyzeOptions & { thread?: boolean }): Promise<Analysis> {
  const plain = Object.entries(options).every(([k, v]) => v === undefined || PLAIN.has(k));
  if (!plain || !allFixtures(paths)) return analyzeFiles(paths, options);
  const key = JSON.stringify(['files', paths.map((p) => resolve(p)), options.fileName, options.showPasswords ?? false]);
  return remember(key, () => analyzeFiles(paths, options));
}

/** A fixture by its file name, read as a stream (as `analyzeStream` would), shared. */
export function sharedFixtureStream(name: string, options: PlainOptions): Promise<Analysis> {
  const path = join(FIXTURES, name);
  const key = JSON.stringify(['stream', path, options.fileName, options.showPasswords ?? false]);
  return remember(key, () => analyzeStream(createReadStream(path), options));
}
