#!/usr/bin/env node
/**
 * npm run bench [-- options]: ftpcap on large captures built from the recorded fixtures, beside
 * tshark and a bare read loop, on the same files in one run. Prints the figures and writes them
 * to bench/RESULTS.md with the machine described.
 *
 *   --mb N        size of the main capture in MB (default 435, the reference; env BENCH_MB)
 *   --runs N      runs per measurement, the fastest is kept (default 3; env BENCH_RUNS)
 *   --sessions N  FTP sessions in the many-sessions capture (default 10000)
 *   --conns N     plain TCP connections in the many-connections capture (default 100000)
 *   --4g          also build and analyse a capture of more than 2^32 bytes (4.4 GB of disk)
 *   --no-tshark   skip tshark even when it is installed
 *   --dir PATH    where the captures go (default $TMPDIR/ftpcap-bench; env BENCH_DIR); they are
 *                 kept and reused by later runs (same recipe, same bytes)
 *   --out PATH    results file (default bench/RESULTS.md; "-" for none)
 *
 * How the captures are made, and what is rewritten, is told in scripts/bench/build-captures.mjs.
 */
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem, tmpdir, release, platform } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  bigPlan,
  buildCapture,
  loadTemplates,
  manyConnectionsPlan,
  manySessionsPlan,
} from './bench/build-captures.mjs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const BIN = join(ROOT, 'bin', 'ftpcap');
const BARE = join(ROOT, 'scripts', 'bench', 'bare-loop.mjs');
const RSS = join(ROOT, 'scripts', 'bench', 'report-rss.mjs');
const BUILDER = join(ROOT, 'scripts', 'bench', 'build-captures.mjs');

function options(argv) {
  const o = {
    mb: Number(process.env.BENCH_MB ?? 435),
    runs: Number(process.env.BENCH_RUNS ?? 3),
    sessions: 10_000,
    conns: 100_000,
    fourG: process.env.BENCH_4G === '1',
    tshark: true,
    dir: process.env.BENCH_DIR ?? join(tmpdir(), 'ftpcap-bench'),
    out: join(ROOT, 'bench', 'RESULTS.md'),
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      if (i + 1 >= argv.length) throw new Error(`${a} needs a value`);
      return argv[++i];
    };
    if (a === '--mb') o.mb = Number(value());
    else if (a === '--runs') o.runs = Number(value());
    else if (a === '--sessions') o.sessions = Number(value());
    else if (a === '--conns') o.conns = Number(value());
    else if (a === '--4g') o.fourG = true;
    else if (a === '--no-tshark') o.tshark = false;
    else if (a === '--dir') o.dir = resolve(value());
    else if (a === '--out') {
      const v = value();
      o.out = v === '-' ? null : resolve(v);
    }
    else throw new Error(`unknown option ${a} (see the comment at the top of scripts/bench.mjs)`);
  }
  if (!(o.mb > 0) || !(o.runs >= 1) || !(o.sessions >= 1) || !(o.conns >= 1)) throw new Error('sizes and runs must be positive');
  return o;
}

const say = (s = '') => process.stdout.write(`${s}\n`);

function ensureBuilt() {
  if (existsSync(join(ROOT, 'dist', 'cli', 'run.js'))) return;
  say('dist/ is missing: building (npm run build)…');
  const r = spawnSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'inherit' });
  if (r.status !== 0) throw new Error('build failed');
}

function which(cmd) {
  const r = spawnSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : null;
}

/** The recipe's fingerprint: the builder's source and the fixtures it reads. */
function recipeHash() {
  const h = createHash('sha256');
  h.update(readFileSync(BUILDER));
  for (const f of ['large-lossy-vsftpd-lftp.pcap.gz', 'passive-vsftpd-lftp.pcap']) {
    const p = join(ROOT, 'fixtures', f);
    if (existsSync(p)) h.update(readFileSync(p));
  }
  return h.digest('hex').slice(0, 16);
}

/** Build a capture unless the same recipe already made it; returns its facts. */
function capture(dir, name, spec, plan, hash, buildOpts = {}) {
  const path = join(dir, `${name}.pcap`);
  const meta = `${path}.json`;
  const key = JSON.stringify({ hash, spec });
  if (existsSync(path) && existsSync(meta)) {
    const m = JSON.parse(readFileSync(meta, 'utf8'));
    if (m.key === key && statSync(path).size === m.bytes) return { path, ...m.facts, reused: true };
  }
  process.stdout.write(`building ${name}.pcap … `);
  const t0 = performance.now();
  const facts = buildCapture(path, plan(), buildOpts);
  say(`${mb(facts.bytes)} MB, ${facts.packets} packets (${((performance.now() - t0) / 1000).toFixed(1)} s)`);
  writeFileSync(meta, JSON.stringify({ key, bytes: facts.bytes, facts }));
  return { path, ...facts, reused: false };
}

const mb = (bytes) => (bytes / 1e6).toFixed(1);

/**
 * Run a command once: wall time from spawn to exit, peak RSS (Node: reported by the preloaded
 * module; others: GNU time when there), stdout kept for a sanity check.
 */
function runOnce(cmd, args, { node = false, gnuTime = null } = {}) {
  return new Promise((resolveRun, reject) => {
    let file = cmd;
    let argv = args;
    if (node) {
      file = process.execPath;
      argv = ['--import', RSS, cmd, ...args];
    } else if (gnuTime) {
      file = gnuTime;
      argv = ['-f', 'BENCH-MAXRSS-KB %M', cmd, ...args];
    }
    const t0 = performance.now();
    const child = spawn(file, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    let outBytes = 0;
    child.stdout.on('data', (d) => {
      outBytes += d.length;
      if (out.length < 1 << 20) out += d;
    });
    child.stderr.on('data', (d) => (err += d));
    child.on('error', reject);
    child.on('close', (code) => {
      const seconds = (performance.now() - t0) / 1000;
      const m = /BENCH-MAXRSS-KB (\d+)/.exec(err);
      if (code !== 0) {
        reject(new Error(`${cmd} ${args.join(' ')} exited with ${code}: ${err.replace(/BENCH-MAXRSS-KB \d+/, '').trim().slice(0, 300)}`));
        return;
      }
      resolveRun({ seconds, rssMiB: m ? Number(m[1]) / 1024 : null, out, outBytes });
    });
  });
}

/** Best (fastest) of `runs`; peak RSS is the highest seen over the runs. */
async function measure(label, runs, cmd, args, opts) {
  let best = null;
  let rss = null;
  for (let i = 0; i < runs; i++) {
    const r = await runOnce(cmd, args, opts);
    if (best === null || r.seconds < best.seconds) best = r;
    if (r.rssMiB !== null) rss = Math.max(rss ?? 0, r.rssMiB);
  }
  const result = { ...best, rssMiB: rss };
  say(`  ${label.padEnd(34)} ${result.seconds.toFixed(3).padStart(8)} s   peak RSS ${rss === null ? '?' : rss.toFixed(0).padStart(4)} MiB`);
  return result;
}

/** ftpcap's own count of packets, from the summary's first line (a sanity check). */
function packetsSeen(out) {
  const m = /, (\d+) packets,/.exec(out);
  return m ? Number(m[1]) : null;
}

function sessionsSeen(out) {
  const m = /FTP sessions: (\d+)/.exec(out);
  return m ? Number(m[1]) : null;
}

function connectionsSeen(out) {
  const m = /TCP connections: (\d+)/.exec(out);
  return m ? Number(m[1]) : null;
}

async function ftpcap(c, runs, label) {
  const r = await measure(label ?? `ftpcap summary ${c.name}`, runs, BIN, ['summary', c.path], { node: true });
  const seen = packetsSeen(r.out);
  if (seen !== c.packets) throw new Error(`ftpcap reported ${seen} packets in ${c.name}, the file holds ${c.packets}`);
  return { ...r, sessions: sessionsSeen(r.out), connections: connectionsSeen(r.out) };
}

function machine(tshark) {
  const c = cpus();
  const tv = tshark ? spawnSync(tshark, ['--version'], { encoding: 'utf8' }).stdout.split('\n')[0] : 'not installed';
  return {
    cpus: `${c.length} × ${c[0]?.model ?? 'unknown'}`,
    memory: `${(totalmem() / 2 ** 30).toFixed(1)} GiB`,
    os: `${platform()} ${release()}`,
    node: process.version,
    tshark: tv,
  };
}

async function main() {
  const o = options(process.argv.slice(2));
  ensureBuilt();
  mkdirSync(o.dir, { recursive: true });
  const tshark = o.tshark ? which('tshark') : null;
  const gnuTime = existsSync('/usr/bin/time') ? '/usr/bin/time' : null;
  const load0 = loadavg();
  say(`ftpcap benchmark: captures in ${o.dir}, best of ${o.runs} run(s) per figure`);

  const tpl = loadTemplates(join(ROOT, 'fixtures'));
  const hash = recipeHash();
  const big = { name: 'big', ...capture(o.dir, 'big', { mb: o.mb }, () => bigPlan(tpl, o.mb * 1e6), hash) };
  const big2 = { name: 'big-2x', ...capture(o.dir, 'big-2x', { mb: 2 * o.mb }, () => bigPlan(tpl, 2 * o.mb * 1e6), hash) };
  const sess = { name: 'sessions', ...capture(o.dir, 'sessions', { sessions: o.sessions }, () => manySessionsPlan(tpl, o.sessions), hash) };
  const conns = {
    name: 'connections',
    ...capture(o.dir, 'connections', { conns: o.conns }, () => manyConnectionsPlan(tpl, o.conns), hash, { sharedPortsOk: true }),
  };
  const huge = o.fourG ? { name: 'big-4g', ...capture(o.dir, 'big-4g', { mb: 4400 }, () => bigPlan(tpl, 4.4e9), hash) } : null;

  say('\nmeasuring');
  const r = {};
  r.big = await ftpcap(big, o.runs);
  r.bare = await measure('bare read loop (4 MiB chunks) big', o.runs, BARE, [big.path], { node: true });
  if (JSON.parse(r.bare.out).packets !== big.packets) throw new Error('the bare loop miscounted');
  if (tshark) {
    r.tshark = await measure('tshark -Y ftp -T fields big', o.runs, tshark, ['-r', big.path, '-Y', 'ftp', '-T', 'fields', '-e', 'frame.number', '-e', 'ftp.request.command', '-e', 'ftp.response.code'], { gnuTime });
  }
  r.big2 = await ftpcap(big2, o.runs);
  r.sess = await ftpcap(sess, o.runs);
  r.conns = await ftpcap(conns, o.runs);
  if (huge) {
    r.huge = await ftpcap(huge, 1);
    r.hugeBare = await measure('bare read loop big-4g', 1, BARE, [huge.path], { node: true });
  }
  const load1 = loadavg();

  const rate = (c, x) => `${(c.bytes / 1e6 / x.seconds).toFixed(0)} MB/s, ${(c.packets / x.seconds / 1e3).toFixed(0)}k packets/s`;
  const lines = [];
  const m = machine(tshark);
  lines.push('# ftpcap benchmark results', '');
  lines.push(`Written by \`npm run bench\` (scripts/bench.mjs) on ${new Date().toISOString()}.`, '');
  lines.push('## Machine', '');
  lines.push(`- CPU: ${m.cpus}`, `- memory: ${m.memory}`, `- OS: ${m.os}`, `- Node.js: ${m.node}`, `- tshark: ${m.tshark}`);
  lines.push(`- load average before / after: ${load0.map((x) => x.toFixed(2)).join(' ')} / ${load1.map((x) => x.toFixed(2)).join(' ')} (other work on the machine slows every figure)`);
  lines.push(`- each figure is the fastest of ${o.runs} run(s), wall clock from process start to exit; peak RSS is the highest of those runs`, '');
  lines.push('## Captures', '');
  lines.push('Built from the recorded fixtures by scripts/bench/build-captures.mjs: copies of recorded sessions, each with its own client address (198.18.0.0/15), shifted timestamps, checksums fixed up (RFC 1624), merged in time order.', '');
  lines.push('| capture | MB | packets | what |', '|---|---|---|---|');
  lines.push(`| big | ${mb(big.bytes)} | ${big.packets} | ${big.copies} sessions: \`large-lossy-vsftpd-lftp\` (RETR + STOR of 4 MiB, loss and reordering) back to back, plus small sessions beside them |`);
  lines.push(`| big-2x | ${mb(big2.bytes)} | ${big2.packets} | the same recipe at twice the size |`);
  lines.push(`| sessions | ${mb(sess.bytes)} | ${sess.packets} | ${o.sessions} FTP sessions of 8 small recordings, 7 side by side |`);
  lines.push(`| connections | ${mb(conns.bytes)} | ${conns.packets} | ${o.conns} TCP connections that are not FTP (a data connection without its control connection), 16 side by side |`);
  if (huge) lines.push(`| big-4g | ${mb(huge.bytes)} | ${huge.packets} | the big recipe past 2^32 bytes |`);
  lines.push('', '## Results', '');
  lines.push('| run | seconds | throughput | peak RSS MiB |', '|---|---|---|---|');
  const row = (label, c, x) => lines.push(`| ${label} | ${x.seconds.toFixed(3)} | ${rate(c, x)} | ${x.rssMiB === null ? '?' : x.rssMiB.toFixed(0)} |`);
  row('ftpcap summary big', big, r.big);
  row('bare read loop big', big, r.bare);
  if (r.tshark) row('tshark -Y ftp big', big, r.tshark);
  row('ftpcap summary big-2x', big2, r.big2);
  row(`ftpcap summary sessions (${r.sess.sessions} sessions)`, sess, r.sess);
  row(`ftpcap summary connections (${r.conns.connections} TCP connections)`, conns, r.conns);
  if (huge) {
    row('ftpcap summary big-4g', huge, r.huge);
    row('bare read loop big-4g', huge, r.hugeBare);
  }
  lines.push('', '## Against the targets', '');
  const vsTshark = r.tshark ? r.tshark.seconds / r.big.seconds : null;
  const vsBare = r.big.seconds / r.bare.seconds;
  const growth = r.big2.seconds / r.big.seconds;
  const perPacket = (x, c) => (x.seconds / c.packets) * 1e6;
  const peak = Math.max(r.big.rssMiB ?? 0, r.big2.rssMiB ?? 0, r.sess.rssMiB ?? 0, r.conns.rssMiB ?? 0, r.huge?.rssMiB ?? 0);
  const verdict = (ok) => (ok ? 'holds' : 'misses');
  lines.push('| target | measured | |', '|---|---|---|');
  if (vsTshark !== null) lines.push(`| ≥ 20× faster than tshark | ${vsTshark.toFixed(1)}× | ${verdict(vsTshark >= 20)} |`);
  else lines.push('| ≥ 20× faster than tshark | tshark not installed | |');
  lines.push(`| within 3× of the bare read loop | ${vsBare.toFixed(2)}× | ${verdict(vsBare <= 3)} |`);
  lines.push(`| peak RSS ≤ 150 MiB | ${peak.toFixed(0)} MiB (highest of all runs) | ${verdict(peak <= 150)} |`);
  lines.push(`| twice the capture ≤ 2.1× the time | ${growth.toFixed(2)}× | ${verdict(growth <= 2.1)} |`);
  lines.push(
    `| 10,000 sessions, 100,000 connections: no worse than linear | ${perPacket(r.sess, sess).toFixed(2)} µs and ${perPacket(r.conns, conns).toFixed(2)} µs per packet vs ${perPacket(r.big, big).toFixed(2)} µs on big; peak RSS ${r.sess.rssMiB?.toFixed(0)} and ${r.conns.rssMiB?.toFixed(0)} MiB | |`,
  );
  if (huge) {
    lines.push(`| a capture > 2^32 bytes | ${mb(huge.bytes)} MB, ${huge.packets} packets in ${r.huge.seconds.toFixed(1)} s, peak RSS ${r.huge.rssMiB?.toFixed(0)} MiB (${(r.huge.seconds / r.hugeBare.seconds).toFixed(2)}× its bare loop) | ${verdict(huge.bytes > 2 ** 32)} |`);
  }
  const text = `${lines.join('\n')}\n`;
  say('');
  say(text);
  if (o.out) {
    mkdirSync(dirname(o.out), { recursive: true });
    writeFileSync(o.out, text);
    say(`written to ${relative(process.cwd(), o.out) || o.out}`);
  }
}

main().catch((err) => {
  process.stderr.write(`bench: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
