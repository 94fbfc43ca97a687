#!/usr/bin/env node
/**
 * npm run bench [-- options]: ftpcap on large captures built from the recorded fixtures, beside
 * tshark and a bare read loop, on the same files in one run. Prints the figures and writes them
 * to bench/RESULTS.md with the machine described.
 *
 *   --mb N        size of the main capture in MB (default 435, the issue's reference; env BENCH_MB)
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
import { shebangNodeOptions, shebangUnsetVariables } from './bundle-cli.mjs';
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
const READ_ONLY = join(ROOT, 'scripts', 'bench', 'read-only.mjs');
const PCAP_PARSER_ALONE = join(ROOT, 'scripts', 'bench', 'pcap-parser-alone.mjs');
const TINY = join(ROOT, 'fixtures', 'active-vsftpd-ftp.pcap');
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
    let env = process.env;
    if (node) {
      // As bin/ftpcap's first line starts node (its flags, its environment), with the RSS probe
      // preloaded: the code cache the build made is taken only under the same V8 flags.
      file = process.execPath;
      argv = [...shebangNodeOptions(ROOT), '--import', RSS, cmd, ...args];
      env = { ...process.env };
      for (const name of shebangUnsetVariables(ROOT)) delete env[name];
    } else if (gnuTime) {
      file = gnuTime;
      argv = ['-f', 'BENCH-MAXRSS-KB %M', cmd, ...args];
    }
    const t0 = performance.now();
    const child = spawn(file, argv, { env, stdio: ['ignore', 'pipe', 'pipe'] });
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

/** One measured run, printed as it finishes. */
async function measure(label, cmd, args, opts) {
  const r = await runOnce(cmd, args, opts);
  say(`  ${label.padEnd(40)} ${r.seconds.toFixed(3).padStart(8)} s   peak RSS ${r.rssMiB === null ? '?' : r.rssMiB.toFixed(0).padStart(4)} MiB`);
  return r;
}

/** ftpcap's own count of packets, sessions and connections, from the summary's heading. */
function seen(out, re) {
  const m = re.exec(out);
  return m ? Number(m[1]) : null;
}

async function ftpcap(c) {
  const r = await measure(`ftpcap summary ${c.name}`, BIN, ['summary', c.path], { node: true });
  const packets = seen(r.out, /, (\d+) packets,/);
  if (packets !== c.packets) throw new Error(`ftpcap reported ${packets} packets in ${c.name}, the file holds ${c.packets}`);
  return { ...r, sessions: seen(r.out, /FTP sessions: (\d+)/), connections: seen(r.out, /TCP connections: (\d+)/) };
}

async function readOnly(c) {
  const r = await measure(`ftpcap's reading alone ${c.name}`, READ_ONLY, [c.path], { node: true });
  if (JSON.parse(r.out).packets !== c.packets) throw new Error('the reading thread miscounted');
  return r;
}

async function parserAlone(c) {
  const r = await measure(`pcap-parser alone ${c.name}`, PCAP_PARSER_ALONE, [c.path], { node: true });
  if (JSON.parse(r.out).packets !== c.packets) throw new Error('pcap-parser alone miscounted');
  return r;
}

/** Start-up: a whole run on an 85-packet capture (the analysis itself takes about a millisecond). */
function startup() {
  return measure('ftpcap summary (85 packets): start-up', BIN, ['summary', TINY], { node: true });
}

/** Node's own start under the same flags (`-e 0`): the part of the start-up no code of ours can remove. */
function nodeStart() {
  return measure('node -e 0 (Node alone)', '-e', ['0'], { node: true });
}

/** The big capture as pcapng (editcap), read by ftpcap's own block reader instead of pcap-parser. */
function pcapngOf(c, editcap) {
  const path = c.path.replace(/\.pcap$/, '.pcapng');
  const meta = `${path}.json`;
  if (!(existsSync(path) && existsSync(meta) && JSON.parse(readFileSync(meta, 'utf8')).from === statSync(c.path).mtimeMs)) {
    const r = spawnSync(editcap, ['-F', 'pcapng', c.path, path], { stdio: 'inherit' });
    if (r.status !== 0) throw new Error('editcap failed');
    writeFileSync(meta, JSON.stringify({ from: statSync(c.path).mtimeMs }));
  }
  return { ...c, name: `${c.name}.pcapng`, path, bytes: statSync(path).size };
}

async function bare(c) {
  const r = await measure(`bare read loop (4 MiB chunks) ${c.name}`, BARE, [c.path], { node: true });
  if (JSON.parse(r.out).packets !== c.packets) throw new Error('the bare loop miscounted');
  return r;
}

function runTshark(tshark, gnuTime, c) {
  const args = ['-r', c.path, '-Y', 'ftp', '-T', 'fields', '-e', 'frame.number', '-e', 'ftp.request.command', '-e', 'ftp.response.code'];
  return measure(`tshark -Y ftp -T fields ${c.name}`, tshark, args, { gnuTime });
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
  const halfS = Math.round(o.sessions / 2);
  const halfC = Math.round(o.conns / 2);
  const sessH = { name: 'sessions-half', ...capture(o.dir, 'sessions-half', { sessions: halfS }, () => manySessionsPlan(tpl, halfS), hash) };
  const sess = { name: 'sessions', ...capture(o.dir, 'sessions', { sessions: o.sessions }, () => manySessionsPlan(tpl, o.sessions), hash) };
  const connOpts = { sharedPortsOk: true };
  const connsH = { name: 'connections-half', ...capture(o.dir, 'connections-half', { conns: halfC }, () => manyConnectionsPlan(tpl, halfC), hash, connOpts) };
  const conns = { name: 'connections', ...capture(o.dir, 'connections', { conns: o.conns }, () => manyConnectionsPlan(tpl, o.conns), hash, connOpts) };
  const editcap = which('editcap');
  const bigNg = editcap ? pcapngOf(big, editcap) : null;
  const huge = o.fourG ? { name: 'big-4g', ...capture(o.dir, 'big-4g', { mb: 4400 }, () => bigPlan(tpl, 4.4e9), hash) } : null;

  // Rounds: every measurement once per round, so that figures compared with each other (ftpcap
  // and tshark, big and big-2x …) ran under the same conditions; ratios are taken per round.
  const steps = [
    { key: 'big', run: () => ftpcap(big) },
    { key: 'bare', run: () => bare(big) },
    { key: 'reader', run: () => readOnly(big) },
    { key: 'parser', run: () => parserAlone(big) },
    { key: 'startup', run: () => startup() },
    { key: 'nodeStart', run: () => nodeStart() },
    ...(tshark ? [{ key: 'tshark', run: () => runTshark(tshark, gnuTime, big) }] : []),
    ...(bigNg ? [{ key: 'ng', run: () => ftpcap(bigNg) }] : []),
    ...(bigNg && tshark ? [{ key: 'tsharkNg', run: () => runTshark(tshark, gnuTime, bigNg) }] : []),
    { key: 'big2', run: () => ftpcap(big2) },
    { key: 'sessH', run: () => ftpcap(sessH) },
    { key: 'sess', run: () => ftpcap(sess) },
    { key: 'connsH', run: () => ftpcap(connsH) },
    { key: 'conns', run: () => ftpcap(conns) },
  ];
  const rounds = [];
  for (let i = 0; i < o.runs; i++) {
    say(`\nround ${i + 1} of ${o.runs}`);
    const round = {};
    for (const st of steps) round[st.key] = await st.run();
    rounds.push(round);
  }
  if (huge) {
    say('\nthe capture past 2^32 bytes (once)');
    rounds.huge = await ftpcap(huge);
    rounds.hugeBare = await bare(huge);
  }
  const load1 = loadavg();

  /** The fastest run of a figure, and the highest peak RSS over its runs. */
  const best = (key) => {
    const runs = rounds.map((r) => r[key]);
    const fastest = runs.reduce((a, b) => (b.seconds < a.seconds ? b : a));
    return { ...fastest, rssMiB: Math.max(...runs.map((x) => x.rssMiB ?? 0)) };
  };
  /** A ratio per round: [best, median, worst] in the direction where smaller is better. */
  const ratio = (f) => {
    const v = rounds.map(f).sort((a, b) => a - b);
    return { best: v[0], median: v[Math.floor(v.length / 2)], worst: v[v.length - 1] };
  };
  const fmt = (x, digits = 2) => x.toFixed(digits);
  const span = (q, unit = '×') => (rounds.length === 1 ? `${fmt(q.best)}${unit}` : `${fmt(q.median)}${unit} (rounds: ${fmt(q.best)}–${fmt(q.worst)})`);

  const r = Object.fromEntries(steps.map((st) => [st.key, best(st.key)]));
  const rate = (c, x) => `${(c.bytes / 1e6 / x.seconds).toFixed(0)} MB/s, ${(c.packets / x.seconds / 1e3).toFixed(0)}k packets/s`;
  const lines = [];
  const m = machine(tshark);
  lines.push('# ftpcap benchmark results', '');
  lines.push(`Written by \`npm run bench\` (scripts/bench.mjs) on ${new Date().toISOString()}.`, '');
  lines.push('## Machine', '');
  lines.push(`- CPU: ${m.cpus}`, `- memory: ${m.memory}`, `- OS: ${m.os}`, `- Node.js: ${m.node}`, `- tshark: ${m.tshark}`);
  lines.push(`- load average before / after: ${load0.map((x) => x.toFixed(2)).join(' ')} / ${load1.map((x) => x.toFixed(2)).join(' ')} (other work on the machine slows every figure)`);
  lines.push(
    `- ${o.runs} round(s), each running every measurement once; a figure is its fastest run (wall clock from process start to exit, output to a pipe), its peak RSS the highest of its runs (all threads); ratios are taken within each round and given as the median (and the range over rounds)`,
    '',
  );
  lines.push('## Captures', '');
  lines.push('Built from the recorded fixtures by scripts/bench/build-captures.mjs: copies of recorded sessions, each with its own client address (198.18.0.0/15), shifted timestamps, checksums fixed up (RFC 1624), merged in time order.', '');
  lines.push('| capture | MB | packets | what |', '|---|---|---|---|');
  lines.push(`| big | ${mb(big.bytes)} | ${big.packets} | ${big.copies} sessions: \`large-lossy-vsftpd-lftp\` (RETR + STOR of 4 MiB, loss and reordering) back to back, plus small sessions beside them |`);
  lines.push(`| big-2x | ${mb(big2.bytes)} | ${big2.packets} | the same recipe at twice the size |`);
  lines.push(`| sessions | ${mb(sess.bytes)} | ${sess.packets} | ${o.sessions} FTP sessions of 8 small recordings, 7 side by side (and sessions-half: ${halfS}, ${mb(sessH.bytes)} MB) |`);
  lines.push(`| connections | ${mb(conns.bytes)} | ${conns.packets} | ${o.conns} TCP connections that are not FTP (a data connection without its control connection), 16 side by side (and connections-half: ${halfC}) |`);
  if (huge) lines.push(`| big-4g | ${mb(huge.bytes)} | ${huge.packets} | the big recipe past 2^32 bytes |`);
  lines.push('', '## Results', '');
  lines.push('| run | seconds | throughput | peak RSS MiB |', '|---|---|---|---|');
  const row = (label, c, x) => lines.push(`| ${label} | ${x.seconds.toFixed(3)} | ${rate(c, x)} | ${x.rssMiB === null ? '?' : x.rssMiB.toFixed(0)} |`);
  row('ftpcap summary big', big, r.big);
  row('bare read loop big', big, r.bare);
  row("ftpcap's reading thread alone big (file reads + pcap-parser, records unused)", big, r.reader);
  row('pcap-parser alone big (records counted, main thread)', big, r.parser);
  if (r.tshark) row('tshark -Y ftp -T fields … big', big, r.tshark);
  if (r.ng) row('ftpcap summary big.pcapng', bigNg, r.ng);
  if (r.tsharkNg) row('tshark -Y ftp -T fields … big.pcapng', bigNg, r.tsharkNg);
  lines.push(`| ftpcap summary of an 85-packet capture (start-up) | ${r.startup.seconds.toFixed(3)} | | ${r.startup.rssMiB?.toFixed(0) ?? '?'} |`);
  lines.push(`| node -e 0 under the same flags (Node's own start) | ${r.nodeStart.seconds.toFixed(3)} | | ${r.nodeStart.rssMiB?.toFixed(0) ?? '?'} |`);
  row('ftpcap summary big-2x', big2, r.big2);
  row(`ftpcap summary sessions-half (${r.sessH.sessions} sessions)`, sessH, r.sessH);
  row(`ftpcap summary sessions (${r.sess.sessions} sessions)`, sess, r.sess);
  row(`ftpcap summary connections-half (${r.connsH.connections} TCP connections)`, connsH, r.connsH);
  row(`ftpcap summary connections (${r.conns.connections} TCP connections)`, conns, r.conns);
  if (huge) {
    row('ftpcap summary big-4g', huge, rounds.huge);
    row('bare read loop big-4g', huge, rounds.hugeBare);
  }
  const verdict = (ok) => (ok ? 'holds' : 'misses');
  lines.push('', '## Against the targets (issue 15)', '');
  lines.push('| target | measured | |', '|---|---|---|');
  const vsParser = ratio((x) => x.big.seconds / x.parser.seconds);
  lines.push(`| summary within 1.2× of pcap-parser alone on the same file (its own stream reading) | ${span(vsParser)} | ${verdict(vsParser.median <= 1.2)} |`);
  // The stricter floor: pcap-parser fed ftpcap's chunks without copies, on the reading thread.
  const vsReader = ratio((x) => x.big.seconds / x.reader.seconds);
  lines.push(`| the same against ftpcap's reading thread alone (pcap-parser fed without copies) | ${span(vsReader)} | ${verdict(vsReader.median <= 1.2)} |`);
  if (r.ng && r.tsharkNg) {
    const ng = ratio((x) => -x.tsharkNg.seconds / x.ng.seconds);
    const q = { best: -ng.best, median: -ng.median, worst: -ng.worst };
    lines.push(`| pcapng: ≥ 15× faster than tshark | ${rounds.length === 1 ? `${fmt(q.best, 1)}×` : `${fmt(q.median, 1)}× (rounds: ${fmt(q.worst, 1)}–${fmt(q.best, 1)})`} | ${verdict(q.median >= 15)} |`);
  } else {
    lines.push('| pcapng: ≥ 15× faster than tshark | tshark or editcap not installed | |');
  }
  const start = ratio((x) => x.startup.seconds);
  lines.push(`| start-up under 0.1 s | ${span(start, ' s')} | ${verdict(start.median < 0.1)} |`);
  const own = ratio((x) => x.startup.seconds - x.nodeStart.seconds);
  lines.push(`| … of which ftpcap's own (start-up minus \`node -e 0\`) | ${span(own, ' s')} | |`);
  lines.push('', '## Against the targets (issue 5)', '');
  const vsTshark = tshark ? ratio((x) => -x.tshark.seconds / x.big.seconds) : null; // larger is better: negate
  const vsBare = ratio((x) => x.big.seconds / x.bare.seconds);
  const growth = ratio((x) => x.big2.seconds / x.big.seconds);
  const sGrowth = ratio((x) => x.sess.seconds / x.sessH.seconds);
  const cGrowth = ratio((x) => x.conns.seconds / x.connsH.seconds);
  const peakBig = Math.max(r.big.rssMiB, r.big2.rssMiB, rounds.huge?.rssMiB ?? 0);
  lines.push('| target | measured | |', '|---|---|---|');
  if (vsTshark !== null) {
    const q = { best: -vsTshark.best, median: -vsTshark.median, worst: -vsTshark.worst };
    lines.push(`| ≥ 20× faster than tshark | ${rounds.length === 1 ? `${fmt(q.best, 1)}×` : `${fmt(q.median, 1)}× (rounds: ${fmt(q.worst, 1)}–${fmt(q.best, 1)})`} | ${verdict(q.median >= 20)} |`);
  } else {
    lines.push('| ≥ 20× faster than tshark | tshark not installed | |');
  }
  lines.push(`| within 3× of the bare read loop | ${span(vsBare)} | ${verdict(vsBare.median <= 3)} |`);
  lines.push(`| peak RSS ≤ 150 MiB whatever the capture's size | ${peakBig.toFixed(0)} MiB on big, big-2x${huge ? ', big-4g' : ''} | ${verdict(peakBig <= 150)} |`);
  lines.push(`| twice the capture ≤ 2.1× the time | ${span(growth)} | ${verdict(growth.median <= 2.1)} |`);
  lines.push(`| ${o.sessions} sessions: twice the sessions ≤ 2.1× the time | ${span(sGrowth)}; peak RSS ${r.sessH.rssMiB.toFixed(0)} → ${r.sess.rssMiB.toFixed(0)} MiB | ${verdict(sGrowth.median <= 2.1)} |`);
  lines.push(`| ${o.conns} connections: twice the connections ≤ 2.1× the time | ${span(cGrowth)}; peak RSS ${r.connsH.rssMiB.toFixed(0)} → ${r.conns.rssMiB.toFixed(0)} MiB | ${verdict(cGrowth.median <= 2.1)} |`);
  if (huge) {
    lines.push(`| a capture > 2^32 bytes | ${mb(huge.bytes)} MB, ${huge.packets} packets in ${rounds.huge.seconds.toFixed(1)} s, peak RSS ${rounds.huge.rssMiB?.toFixed(0)} MiB | ${verdict(huge.bytes > 2 ** 32)} |`);
  }
  const floor = ratio((x) => x.reader.seconds / x.bare.seconds);
  const overFloor = ratio((x) => x.big.seconds / x.reader.seconds);
  lines.push('', '## Notes', '');
  lines.push(
    `- The floor: ftpcap's reading thread alone (file reads, \`pcap-parser\`, records handed over and dropped) takes ${span(floor)} the bare loop; the whole analysis takes ${span(overFloor)} that. \`pcap-parser\` builds each field's method name and emits events for every packet (about half a microsecond per packet here).`,
    `- The issue's reference capture had 295,000 packets in 435 MB (hardly any ACKs captured); the recorded transfer replicated here acknowledges every second segment, so big has ${(big.packets / (big.bytes / 1e6)).toFixed(0)} packets per MB against the reference's 678: ftpcap and tshark work per packet, the bare loop mostly per byte.`,
  );
  if (Math.max(r.sess.rssMiB, r.conns.rssMiB) > 150) {
    lines.push(
      `- Many sessions, many connections: the analysis of ${o.sessions} sessions (their commands, replies and transfers, all printed at the end) is itself tens of MB, and each of ${o.conns} connections leaves a small tombstone for 240 s of capture time (all of that capture) so that its late packets do not open a new one; their peak RSS is above the 150 MiB that holds for big captures of any size.`,
    );
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
