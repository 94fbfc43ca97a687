/**
 * Runs planned fuzz cases in this process: builds each case's base capture, caches the undamaged
 * baselines cuts are compared with, and times each case.
 */
import { Readable } from 'node:stream';
import { analyzeStream } from '../../../src/analysis/pipeline.js';
import { indexCapture } from '../capture-records.js';
import { caseBase, type PlannedCase } from './corpus.js';
import type { Op } from './mutations.js';
import { runCase, type Baseline, type CaseInput, type CaseResult } from './run-case.js';

const baselines = new Map<string, Promise<Baseline>>();

function baselineOf(name: string, bytes: Buffer): Promise<Baseline> {
  let b = baselines.get(name);
  if (!b) {
    b = analyzeStream(Readable.from([bytes]), { fileName: name }).then((analysis) => ({ analysis, index: indexCapture(bytes)! }));
    baselines.set(name, b);
    // Windows of large fixtures are rarely reused: keep the cache small.
    if (baselines.size > 64) baselines.delete(baselines.keys().next().value!);
  }
  return b;
}

export interface TimedResult extends CaseResult {
  ms: number;
}

/** Run a case given by fixture, window and ops (a planned case, or a regression from the table). */
export async function runOps(
  fixtureName: string,
  window: PlannedCase['window'],
  ops: Op[],
  seed: number,
  extra: Pick<CaseInput, 'tablesShare' | 'maxDumpFrames'> = {},
): Promise<TimedResult> {
  const base = caseBase(fixtureName, window);
  const t0 = performance.now();
  const result = await runCase({ name: base.name, base: base.bytes, ops, seed, baseline: () => baselineOf(base.name, base.bytes), ...extra });
  return { ...result, ms: performance.now() - t0 };
}

export function runPlanned(c: PlannedCase): Promise<TimedResult> {
  return runOps(c.fixture, c.window, c.ops, c.seed);
}
