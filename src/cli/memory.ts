/**
 * `--max-memory MIB`: the memory ceiling. It is V8's heap limit, which only a new process can
 * set, so a ceiling other than the one this process runs under starts ftpcap again under it
 * (`bin/ftpcap`'s first line gives the default one without that cost). The analysis sizes its
 * budgets from the heap it finds (analysis/memory-budget.ts), so the ceiling holds whatever the input.
 */
import { createRequire } from 'node:module';
import { getHeapStatistics } from 'node:v8';
import { InvalidArgumentError, type Command } from 'commander';
import { DEFAULT_CEILING_MIB, MIN_CEILING_MIB, heapCeiling, semiSpaceFor } from '../analysis/memory-budget.js';

const OPTION = '--max-memory';
/** Set in the environment of the process started again, so that it never starts another. */
const RELAUNCHED = 'FTPCAP_HEAP_MIB';

export function parseMaxMemory(value: string): number {
  const n = /^\d{1,7}$/.test(value) ? Number(value) : NaN;
  if (!(n >= MIN_CEILING_MIB)) throw new InvalidArgumentError(`expected a number of MiB, at least ${MIN_CEILING_MIB}`);
  return n;
}

/** Give every subcommand registered so far the option (its value is read before commander runs). */
export function addMaxMemoryOption(program: Command): void {
  for (const cmd of program.commands) {
    if (cmd.options.some((o) => o.long === OPTION)) continue;
    cmd.option(
      `${OPTION} <MiB>`,
      `memory ceiling: the heap the analysis may use (default ${DEFAULT_CEILING_MIB}; budgets shrink to fit, saying what they left out)`,
      parseMaxMemory,
    );
  }
}

/** The value of --max-memory in the arguments (before `--`), or null when absent or not a number. */
function askedCeiling(args: string[]): number | null {
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === '--') break;
    const value = a === OPTION ? args[i + 1] : a.startsWith(`${OPTION}=`) ? a.slice(OPTION.length + 1) : undefined;
    if (value === undefined) continue;
    try {
      return parseMaxMemory(value);
    } catch {
      return null; // commander reports it
    }
  }
  return null;
}

const HEAP_FLAG = /^--max[-_]old[-_]space[-_]size=(\d+)$/;

/**
 * The heap NODE_OPTIONS asks for (MiB), unless the node command line chose another than the
 * default: bin/ftpcap's first line puts the default on the command line, where it would override
 * NODE_OPTIONS, so a heap limit set there would silently not apply.
 */
function nodeOptionsCeiling(env: NodeJS.ProcessEnv, execArgv: string[]): number | null {
  const asked = (env.NODE_OPTIONS ?? '').split(/\s+/).map((a) => HEAP_FLAG.exec(a)?.[1]).filter((v) => v !== undefined);
  if (asked.length === 0) return null;
  const given = execArgv.map((a) => HEAP_FLAG.exec(a)?.[1]).filter((v) => v !== undefined);
  if (given.some((v) => Number(v) !== DEFAULT_CEILING_MIB)) return null;
  return Number(asked[asked.length - 1]);
}

/**
 * When --max-memory (or a heap limit in NODE_OPTIONS) asks for a heap other than this one's, run
 * ftpcap again under it and return the exit status to end with; null when this process is the
 * one to do the work.
 */
export function relaunchForCeiling(args: string[], env: NodeJS.ProcessEnv, execArgv: string[] = process.execArgv): number | null {
  const mib = askedCeiling(args) ?? nodeOptionsCeiling(env, execArgv);
  if (mib === null || env[RELAUNCHED] !== undefined) return null;
  // V8 adds the young generation (three semi-spaces) to the old space it is given.
  const semi = semiSpaceFor(mib);
  const have = getHeapStatistics().heap_size_limit / 1048576;
  if (have >= mib && have <= mib + 3 * semi + 48) return null;
  // node:child_process is loaded only here: every other run is spared its start-up cost.
  const { spawnSync } = createRequire(import.meta.url)('node:child_process') as typeof import('node:child_process');
  const heapFlags = [`--max-old-space-size=${mib}`, `--max-semi-space-size=${semi}`];
  const r = spawnSync(process.execPath, [...process.execArgv, ...heapFlags, process.argv[1], ...args], {
    stdio: 'inherit',
    env: { ...env, [RELAUNCHED]: String(mib) },
  });
  if (r.error) return null; // cannot start a process: do the work here, under the heap we have
  if (r.signal !== null) process.kill(process.pid, r.signal);
  return r.status ?? 1;
}

/** Heap for each of `threads` analysis threads sharing this process's ceiling (MiB). */
export function heapPerThread(threads: number): number {
  const mib = heapCeiling() / 1048576;
  return Math.max(MIN_CEILING_MIB, Math.floor(mib / Math.max(1, threads)));
}
