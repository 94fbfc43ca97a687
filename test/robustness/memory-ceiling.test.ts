/**
 * The memory ceiling (issue 12): budgets sized from the heap, `--max-memory` starting ftpcap again
 * under the heap it names, and a generated SYN flood that aborted Node under a 128 MiB heap
 * finishing under it, its budget reported. Real processes of bin/ftpcap (dist/ built by the
 * run's global setup). `npm test` floods 15,000 connections, past a 128 MiB heap's budget of
 * 8,388, through `sessions`; the 150,000 that aborted Node, the heap limit given in NODE_OPTIONS,
 * explain's second reading and several captures' threads are run under FTPCAP_LONG=all (`npm run
 * test:long`, which .ci/run runs): a process each, the same budgets.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DEFAULT_LIMITS, limitsFor, semiSpaceFor } from '../../src/analysis/memory-budget.js';
import * as gen from '../../scripts/bench/adversarial.mjs';

const ROOT = resolve(__dirname, '../..');
const BIN = join(ROOT, 'bin/ftpcap');
const MIB = 1024 * 1024;
const LONG = process.env.FTPCAP_LONG === 'all';
const FLOOD = LONG ? 150_000 : 15_000;
const dir = mkdtempSync(join(tmpdir(), 'ftpcap-ceiling-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('budgets from the heap', () => {
  it('a large heap gets the defaults; a small one less of what grows with the capture, the rest unchanged', () => {
    expect(limitsFor(8192 * MIB)).toEqual({ ...DEFAULT_LIMITS });
    const small = limitsFor(128 * MIB);
    // (128 − 32) MiB usable, 96 MiB; shares 0.2 / 0.25 / 0.2 / 0.1.
    expect(small.maxConnections).toBe(Math.floor((96 * MIB * 0.2) / 1600));
    expect(small.maxSessions).toBe(Math.floor((96 * MIB * 0.25) / 2400));
    expect(small.maxCommandsTotal).toBe(Math.floor((96 * MIB * 0.2) / 300));
    expect(small.maxBufferedBytesTotal).toBe(Math.floor(96 * MIB * 0.1));
    expect(small.maxTracePackets).toBe(Math.floor((96 * MIB * 0.1) / 250));
    expect(small.maxKeyLogHandshakes).toBe(Math.floor((96 * MIB * 0.05) / 1200));
    expect(small.maxPendingCommands).toBe(DEFAULT_LIMITS.maxPendingCommands);
    expect(small.maxInterfaces).toBe(DEFAULT_LIMITS.maxInterfaces);
  });
});

describe('the young generation', () => {
  it('the semi-space grows with the ceiling, from V8\'s 16 MiB to 64 MiB at the default', () => {
    expect([128, 256, 512, 1024, 4096].map(semiSpaceFor)).toEqual([16, 16, 32, 64, 64]);
  });

  it('the budgets are those of the old generation, whatever the semi-space (V8 adds the young generation to the heap limit they read)', () => {
    const ceilingUnder = (flags: string[]): number => {
      const code = `import('${join(ROOT, 'dist/analysis/memory-budget.js')}').then((m) => console.log(m.heapCeiling()))`;
      const r = spawnSync(process.execPath, ['--max-old-space-size=1024', ...flags, '-e', code], { encoding: 'utf8' });
      return Number(r.stdout);
    };
    const plain = ceilingUnder([]);
    expect(plain).toBe(1024 * MIB);
    expect(ceilingUnder(['--max-semi-space-size=64'])).toBe(plain);
  });
});

describe('--max-memory', () => {
  const flood = join(dir, `generated-syn-${FLOOD}.pcap`);
  const generated = (): string => {
    if (!existsSync(flood)) gen.synOnly(FLOOD, flood);
    return flood;
  };

  it(`a generated flood of ${FLOOD.toLocaleString('en')} SYN-only connections finishes under a 128 MiB heap, its connection budget named`, () => {
    const file = generated();
    const r = spawnSync(BIN, ['sessions', '--max-memory', '128', file], { encoding: 'utf8', timeout: 120_000 });
    expect(r.signal).toBeNull();
    expect(r.stderr).not.toContain('heap out of memory');
    expect(r.status).toBe(0);
    // The relaunched process sized its budget from its own heap (V8 adds the young generation).
    const m = /more than (\d+) live TCP connections: evicting the least recently used \[connection-limit\]/.exec(r.stderr);
    expect(m).not.toBeNull();
    const limit = Number(m![1]);
    expect(limit).toBeGreaterThan(limitsFor(128 * MIB).maxConnections - 1);
    expect(limit).toBeLessThan(limitsFor(200 * MIB).maxConnections);
    expect(r.stderr).toContain(`${FLOOD - limit} connection(s) evicted before their end`);
    expect(r.stdout).toContain('1000 │ 10.0.0.1:2023');
  });

  it.runIf(LONG)('a heap limit in NODE_OPTIONS applies: bin/ftpcap starts again under it (its first line would override it with the default)', () => {
    const env = { ...process.env, NODE_OPTIONS: '--max-old-space-size=128' };
    // More connections than a 128 MiB heap's budget, fewer than the default's.
    const file = join(dir, 'generated-syn-14k.pcap');
    gen.synOnly(14_000, file);
    const r = spawnSync(BIN, ['sessions', file], { encoding: 'utf8', timeout: 120_000, env });
    expect(r.status).toBe(0);
    const m = /more than (\d+) live TCP connections/.exec(r.stderr);
    expect(Number(m?.[1])).toBeGreaterThan(limitsFor(128 * MIB).maxConnections - 1);
    expect(Number(m?.[1])).toBeLessThan(limitsFor(200 * MIB).maxConnections);
  });

  it.runIf(LONG)('explain reads the flood a second time under the same budgets (its trace had kept every connection live: 150,000 aborted Node)', () => {
    const r = spawnSync(BIN, ['explain', '--max-memory', '128', generated()], { encoding: 'utf8', timeout: 120_000, maxBuffer: 256 * MIB });
    expect(r.signal).toBeNull();
    expect(r.stderr).not.toContain('heap out of memory');
    expect(r.status).toBe(0);
    expect(r.stderr).toMatch(/more than \d+ live TCP connections: evicting the least recently used \[connection-limit\]/);
    expect(r.stdout).toContain('Session 1000:');
  });

  it.runIf(LONG)('summary of several captures gives each analysis thread its share of the ceiling (V8\'s heap flag overrides a worker\'s own limit)', () => {
    // Two generated floods of 125,000 SYN-only connections (8.75 MB each: together past the 16 MiB
    // below which captures are analysed one after another in the main thread): more than a thread's
    // share of 1024 MiB allows (a third of it: 40,501), fewer than the whole 1024 MiB does (130,023).
    const FLOODED = 125_000;
    const files = ['a', 'b'].map((n) => join(dir, `generated-syn-125k-${n}.pcap`));
    for (const f of files) gen.synOnly(FLOODED, f);
    expect(files.reduce((n, f) => n + statSync(f).size, 0)).toBeGreaterThanOrEqual(16 * MIB);
    const r = spawnSync(BIN, ['summary', '--max-memory', '1024', ...files], { encoding: 'utf8', timeout: 300_000 });
    expect(r.status).toBe(0);
    const evictions = [...r.stdout.matchAll(/(\d+) connection\(s\) evicted before their end/g)].map((m) => Number(m[1]));
    const share = limitsFor(Math.floor(1024 / 3) * MIB).maxConnections;
    expect(share).toBeLessThan(FLOODED);
    expect(limitsFor(1024 * MIB).maxConnections).toBeGreaterThan(FLOODED);
    expect(evictions).toEqual([FLOODED - share, FLOODED - share]);
  });

  it.runIf(LONG)('small captures, analysed one after another in the main thread, each have the whole ceiling', () => {
    // Two generated floods of 16,000 SYN-only connections (1.1 MB each): more than a third of 256 MiB
    // would keep (12,582), fewer than the whole 256 MiB keeps (29,360): nothing is evicted.
    const FLOODED = 16_000;
    const files = ['a', 'b'].map((n) => join(dir, `generated-syn-16k-${n}.pcap`));
    for (const f of files) gen.synOnly(FLOODED, f);
    const r = spawnSync(BIN, ['summary', '--max-memory', '256', ...files], { encoding: 'utf8', timeout: 120_000 });
    expect(r.status).toBe(0);
    expect(limitsFor(128 * MIB).maxConnections).toBeLessThan(FLOODED);
    expect(limitsFor(256 * MIB).maxConnections).toBeGreaterThan(FLOODED);
    expect(r.stdout).not.toMatch(/evicted before their end/);
    expect(r.stdout.match(/^Capture /gm)).toHaveLength(2);
  });

  it('a ceiling below the runtime is refused as a usage error, naming the least', () => {
    const r = spawnSync(BIN, ['summary', '--max-memory', '64', join(ROOT, 'fixtures/active-vsftpd-ftp.pcap')], { encoding: 'utf8' });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("option '--max-memory <MiB>' argument '64' is invalid. expected a number of MiB, at least 128");
  });
});
