/**
 * A vitest setup file for `npm run test:timings` (loaded when FTPCAP_CPU is set): the CPU seconds
 * each test file took — its worker process, threads included, and the child processes it waited
 * for — so that timings taken while other work shares the machine still compare. The timing
 * reporter prints them beside the wall times. Linux only (/proc/self/stat).
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll } from 'vitest';

/** utime + stime + cutime + cstime of this process, in seconds (clock ticks of 1/100 s). */
function cpuSeconds(): number {
  const stat = readFileSync('/proc/self/stat', 'utf8');
  // Fields after the command name (which may hold spaces): state is field 3, utime field 14.
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14])) / 100;
}

// This file runs before each test file is imported: its import is counted too.
const start = cpuSeconds();
let collected = start;
beforeAll(() => {
  collected = cpuSeconds();
});
afterAll((file) => {
  file.meta.cpu = { importCpu: collected - start, runCpu: cpuSeconds() - collected };
});

declare module 'vitest' {
  interface TaskMeta {
    cpu?: { importCpu: number; runCpu: number };
  }
}
