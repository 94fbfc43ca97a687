/**
 * A vitest reporter for measuring the suite: per file, the time its tests and hooks took
 * (beforeAll included, which vitest's JSON report leaves out), plus import (collect) time, and
 * with FTPCAP_CPU=1 (test/support/cpu-meter.ts) the CPU seconds each file used, the measure that
 * holds on a shared machine. Prints the slowest files at the end, and with FTPCAP_TIMINGS=path
 * writes them all as JSON.
 * Use: `npx vitest run --reporter=default --reporter=./test/support/timing-reporter.ts`.
 */
import { writeFileSync } from 'node:fs';
import { relative } from 'node:path';
import type { Reporter } from 'vitest/reporters';

type Files = Parameters<NonNullable<Reporter['onFinished']>>[0];

export default class TimingReporter implements Reporter {
  private t0 = Date.now();

  onInit(): void {
    this.t0 = Date.now();
  }

  onFinished(files: Files = []): void {
    const rows = files.map((f) => ({
      file: relative(process.cwd(), f.filepath),
      run: Math.round(f.result?.duration ?? 0),
      collect: Math.round(f.collectDuration ?? 0),
      setup: Math.round(f.setupDuration ?? 0),
      state: f.result?.state ?? 'none',
      cpu: f.meta.cpu,
    }));
    rows.sort((a, b) => b.run + b.collect - (a.run + a.collect));
    const wall = Date.now() - this.t0;
    const sum = rows.reduce((n, r) => n + r.run + r.collect, 0);
    const out = process.env.FTPCAP_TIMINGS;
    if (out) writeFileSync(out, `${JSON.stringify({ wall, sum, rows }, null, 1)}\n`);
    const s = (ms: number): string => `${(ms / 1000).toFixed(1)} s`.padStart(8);
    const cpu = rows.some((r) => r.cpu) ? `, CPU ${rows.reduce((n, r) => n + (r.cpu ? r.cpu.importCpu + r.cpu.runCpu : 0), 0).toFixed(1)} s in test files` : '';
    const lines = [`slowest test files (run + import; wall ${s(wall).trim()}, sum over files ${s(sum).trim()}${cpu}):`];
    for (const r of rows.slice(0, 12)) lines.push(`${s(r.run + r.collect)}  ${r.file}${r.state === 'pass' ? '' : ` (${r.state})`}${r.cpu ? ` cpu ${(r.cpu.importCpu + r.cpu.runCpu).toFixed(1)}` : ''}`);
    process.stdout.write(`${lines.join('\n')}\n`);
  }
}
