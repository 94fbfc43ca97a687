import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import type { Analysis } from '../../src/analysis/model.js';
import { analyzeFiles } from '../../src/analysis/pipeline.js';
import { main, type CliIo } from '../../src/cli/main.js';
import { allFixtures, sharedAnalyzeFiles } from '../support/shared-analysis.js';

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** The CLI's analyses (CliIo.analyzeFiles), and a test's own, which may ask for the reading thread or not (`thread`). */
type AnalyzeFiles = (paths: string[], options: Parameters<NonNullable<CliIo['analyzeFiles']>>[1] & { thread?: boolean }) => Promise<Analysis>;

/** Subcommands that only print: the same arguments on the same captures print the same. */
const PRINTS_ONLY = new Set(['summary', 'sessions', 'commands', 'transfers', 'diagnose', 'explain', 'timeline', 'dump']);
/** Their runs on committed fixtures, per worker (npm test repeated 466 of its ~3,000 runs). */
const printed = new Map<string, Promise<CliRun>>();

/**
 * Runs the CLI in-process, as a user would type `ftpcap ARGS`, capturing both streams. A committed
 * fixture's plain analysis is shared with the worker's other test files (test/support/shared-analysis.ts),
 * and so is what a printing subcommand printed for the same arguments.
 */
export async function runCli(
  args: string[],
  opts: { stdin?: Buffer; tty?: boolean; env?: Record<string, string>; analyses?: AnalyzeFiles } = {},
): Promise<CliRun> {
  const paths = args.filter((a) => a.includes('/'));
  if (Object.keys(opts).length > 0 || !PRINTS_ONLY.has(args[0]) || paths.length === 0 || !allFixtures(paths)) return run(args, opts);
  const key = JSON.stringify(args);
  let r = printed.get(key);
  if (r === undefined) printed.set(key, (r = run(args, opts)));
  return { ...(await r) };
}

async function run(args: string[], opts: Parameters<typeof runCli>[1] = {}): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const code = await main(args, {
    stdout: { write: (s: string) => (stdout += s), isTTY: opts.tty ?? false, columns: 80 },
    stderr: { write: (s: string) => (stderr += s), isTTY: opts.tty ?? false },
    stdin: Readable.from(opts.stdin ? [opts.stdin] : []),
    env: opts.env ?? {},
    analyzeFiles: opts.analyses ?? recentAnalyses,
  });
  return { code, stdout, stderr };
}

/**
 * For a test file that renders the same captures many ways (`runCli(args, { analyses })`): one
 * analysis per file content, name and password option, shared by the runs (the renderers do not
 * change the model). The first run of a capture reports progress; runs given any other callback
 * (extract's transfer data, dump's TLS records) analyse afresh, and so do runs given TLS keys unless
 * `keys` names the one key log every keyed run of this memo reads (`--tls-keylog keys`): then those
 * are shared too. `clear()` lets the analyses go (in afterAll).
 */
export function analysisMemo(keys: string | null = null, kept = Infinity): AnalyzeFiles & { clear(): void } {
  const made = new Map<string, Promise<Analysis>>();
  const analyze: AnalyzeFiles = (paths, options) => {
    const fed = Object.entries(options).some(([k, v]) => typeof v === 'function' && k !== 'onProgress');
    const keyed = options.tlsKeyLog !== undefined;
    if (fed || (keyed && keys === null)) return analyzeFiles(paths, options);
    if (!keyed && allFixtures(paths)) return sharedAnalyzeFiles(paths, options);
    const content = createHash('sha256');
    for (const p of paths) content.update(readFileSync(p));
    const key = JSON.stringify([content.digest('hex'), options.fileName, options.showPasswords ?? false, keyed ? keys : null]);
    let a = made.get(key);
    if (a === undefined) {
      made.set(key, (a = analyzeFiles(paths, options)));
      // The oldest first (a Map keeps insertion order).
      if (made.size > kept) made.delete(made.keys().next().value!);
    }
    return a;
  };
  return Object.assign(analyze, { clear: () => made.clear() });
}

/**
 * runCli's analyses when a test gives none: a committed fixture's are the worker's shared ones, and
 * the last few other captures' are kept, so the outputs of one capture a test derived (an audit's
 * derivedTexts: summary, diagnose, explain… of the same file) come from one analysis.
 */
export const recentAnalyses = analysisMemo(null, 8);
