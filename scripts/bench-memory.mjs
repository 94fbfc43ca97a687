#!/usr/bin/env node
/**
 * npm run bench:memory [-- options]: ftpcap on generated adversarial captures (the shapes of
 * issue 12, built by scripts/bench/adversarial.mjs), each at 1×, 2× and 4× of a base size (4× is
 * the issue's full size), every subcommand at full size and `summary` at all three sizes (linear
 * time), with peak RSS (/usr/bin/time -v, all threads), wall time and exit code per row; and
 * tshark beside it on three of them. Writes the table to bench/MEMORY.md (a section per --label).
 *
 *   --shapes a,b     only these shapes (names below)
 *   --sizes 1,2,4    size factors (default 1,2,4)
 *   --cmds a,b       subcommands at full size (default summary,sessions,transfers,diagnose,explain,timeline)
 *   --bin PATH       the ftpcap to measure (default bin/ftpcap; e.g. a copy of an older build)
 *   --label NAME     section title in the results file (default "after")
 *   --no-tshark      skip tshark
 *   --timeout S      seconds before a run is killed (default 900)
 *   --dir PATH       where the generated captures go (default $TMPDIR/ftpcap-bench-memory; kept)
 *   --out PATH       results file (default bench/MEMORY.md; "-" for none)
 *   --json PATH      also write the rows as JSON
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as gen from './bench/adversarial.mjs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const ALL_CMDS = ['summary', 'sessions', 'transfers', 'diagnose', 'explain', 'timeline'];
/** Peak RSS every row must stay under. */
const RSS_CEILING_MB = 1024;

/** Each shape: its size at 1× (4× is the issue's), how to build it, and a file name. */
const SHAPES = {
  'idb-flood': { base: 5_000_000, unit: 'interfaces', ext: 'pcapng.gz', build: (n, p) => gen.idbFlood(n, p) },
  'noop-flood': { base: 62.5, unit: 'sessions × 100,000 NOOPs', ext: 'pcap', build: (n, p) => gen.noops(n, 100_000, p) },
  'syn-only': { base: 250_000, unit: 'SYN-only connections', ext: 'pcap', build: (n, p) => gen.synOnly(n, p), tshark: true },
  'rst-closed': { base: 250_000, unit: 'RST-closed connections', ext: 'pcap', build: (n, p) => gen.rstClosed(n, p), tshark: true },
  'ftp-100k': { base: 25_000, unit: 'short FTP sessions', ext: 'pcap', build: (n, p) => gen.ftpTiny(n, p), tshark: true },
  'ftp-1m': { base: 250_000, unit: 'short FTP sessions', ext: 'pcap', build: (n, p) => gen.ftpTiny(n, p) },
  'zero-gzip': { base: 5, unit: 'GiB of zeros (gzip)', ext: 'pcap.gz', build: (n, p) => gen.zeroGzip(n, p) },
  'many-transfers': { base: 25_000, unit: 'downloads in one session, each on its own data connection', ext: 'pcap', build: (n, p) => gen.manyTransfers(n, p) },
  'failed-transfers': { base: 16_000, unit: 'passive LISTs in one session, none connected (425)', ext: 'pcap', build: (n, p) => gen.failedTransfers(n, { syn: false }, p) },
  'failed-syn-transfers': { base: 16_000, unit: 'passive LISTs in one session, each SYN unanswered (425)', ext: 'pcap', build: (n, p) => gen.failedTransfers(n, { syn: true }, p) },
  'unused-ports': { base: 25_000, unit: 'PORTs in one session, each answered 200, none used', ext: 'pcap', build: (n, p) => gen.unusedPorts(n, p) },
  'long-transfer': { base: 150_000, unit: 'segments of one transfer (1448 bytes each)', ext: 'pcap', build: (n, p) => gen.longTransfer(n, p) },
  'huge-replies': { base: 100, unit: 'HELPs in one session, each answered by a 1000-line 214 (~250 KB)', ext: 'pcap', build: (n, p) => gen.hugeReplies(n, {}, p) },
  'huge-greetings': { base: 100, unit: 'sessions at once, each greeting with a 1000-line 220 (~250 KB)', ext: 'pcap', build: (n, p) => gen.hugeGreetings(n, {}, p) },
  'partial-lines': { base: 2000, unit: 'sessions at once, each holding an 8,000-byte command line before its line end', ext: 'pcap', build: (n, p) => gen.partialLines(n, {}, p) },
  'tls-hello-flood': { base: 375, unit: 'sessions at once after AUTH TLS, each holding 60 KB of an unfinished ClientHello', ext: 'pcap', build: (n, p) => gen.tlsHelloFlood(n, {}, p) },
  'tls-hello-bytewise': { base: 50, unit: 'sessions after AUTH TLS, each a 60 KB ClientHello in 1-byte records', ext: 'pcap', build: (n, p) => gen.tlsHelloFlood(n, { per: 1 }, p) },
  'fragment-holes': { base: 400_000, unit: 'IPv4 fragments of one datagram of 4,095 holes, sent over and over', ext: 'pcap', build: (n, p) => gen.fragmentHoles(n, p) },
  'no-line-end': { base: 25_000_000, unit: 'bytes of one command line without a line end', ext: 'pcap', build: (n, p) => gen.noLineEnd(n, p) },
  'bad-timestamp': { base: 1, unit: 'session, one timestamp bit flipped', ext: 'pcapng', build: (_n, p) => gen.badTimestamp(p), fixed: true },
};

function options(argv) {
  const o = {
    shapes: Object.keys(SHAPES),
    sizes: [1, 2, 4],
    cmds: ALL_CMDS,
    bin: join(ROOT, 'bin', 'ftpcap'),
    label: 'after',
    tshark: true,
    timeout: 900,
    dir: join(tmpdir(), 'ftpcap-bench-memory'),
    out: join(ROOT, 'bench', 'MEMORY.md'),
    json: null,
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const v = () => argv[++i];
    if (a === '--shapes') o.shapes = v().split(',');
    else if (a === '--sizes') o.sizes = v().split(',').map(Number);
    else if (a === '--cmds') o.cmds = v().split(',');
    else if (a === '--bin') o.bin = resolve(v());
    else if (a === '--label') o.label = v();
    else if (a === '--no-tshark') o.tshark = false;
    else if (a === '--timeout') o.timeout = Number(v());
    else if (a === '--dir') o.dir = resolve(v());
    else if (a === '--out') {
      const x = v();
      o.out = x === '-' ? null : resolve(x);
    } else if (a === '--json') o.json = resolve(v());
    else throw new Error(`unknown option ${a} (see the top of scripts/bench-memory.mjs)`);
  }
  for (const s of o.shapes) if (!SHAPES[s]) throw new Error(`unknown shape ${s}: ${Object.keys(SHAPES).join(', ')}`);
  return o;
}

const say = (s = '') => process.stdout.write(`${s}\n`);

function capture(o, name, factor) {
  const shape = SHAPES[name];
  const n = shape.fixed ? shape.base : Math.round(shape.base * factor);
  const path = join(o.dir, `generated-${name}-${n}.${shape.ext}`);
  if (!existsSync(path)) {
    const t = process.hrtime.bigint();
    shape.build(n, `${path}.part`);
    renameSync(`${path}.part`, path);
    say(`  built ${path} (${mb(statSync(path).size)} MB) in ${(Number(process.hrtime.bigint() - t) / 1e9).toFixed(1)} s`);
  }
  return { name, n, path, bytes: statSync(path).size, unit: shape.unit };
}

/** One run under /usr/bin/time -v: exit code, wall seconds, peak RSS (MB), warning codes, last error line. */
function measure(o, argv) {
  // timeout(1) kills the measured process itself (killing /usr/bin/time would leave it running).
  const r = spawnSync('/usr/bin/time', ['-v', 'timeout', '-s', 'KILL', String(o.timeout), ...argv], {
    encoding: 'utf8',
    stdio: ['ignore', 'ignore', 'pipe'],
    timeout: (o.timeout + 60) * 1000,
    killSignal: 'SIGKILL',
    maxBuffer: 64 << 20,
  });
  const err = r.stderr ?? '';
  const field = (re) => err.match(re)?.[1];
  const elapsed = field(/Elapsed \(wall clock\) time.*: (\S+)/) ?? '';
  const parts = elapsed.split(':').map(Number);
  const seconds = parts.length ? parts.reduce((acc, x) => acc * 60 + x, 0) : NaN;
  const cpu = Number(field(/User time \(seconds\): ([\d.]+)/) ?? NaN) + Number(field(/System time \(seconds\): ([\d.]+)/) ?? NaN);
  const rssKb = Number(field(/Maximum resident set size \(kbytes\): (\d+)/) ?? NaN);
  const status = Number(field(/Exit status: (\d+)/) ?? NaN);
  const signal = field(/Command terminated by signal (\d+)/);
  const codes = [...new Set([...err.matchAll(/\[([a-z0-9-]+)\]\s*$/gm)].map((m) => m[1]))];
  const lines = err.split('\n').filter((l) => l && !/^\s/.test(l) && !l.startsWith('warning:') && !l.startsWith('Command'));
  const timedOut = r.error?.code === 'ETIMEDOUT' || r.signal === 'SIGKILL' || status === 137 || signal === '9';
  return {
    exit: timedOut ? 'timeout' : signal ? `signal ${signal}` : status,
    seconds: timedOut ? o.timeout : seconds,
    cpu,
    rssMb: rssKb / 1024,
    warnings: codes,
    error: lines.find((l) => /error|heap|abort|FATAL/i.test(l)) ?? null,
  };
}

const mb = (b) => (b / 1e6).toFixed(1);
const fmt = (x, d = 1) => (Number.isFinite(x) ? x.toFixed(d) : '-');

function main() {
  const o = options(process.argv.slice(2));
  mkdirSync(o.dir, { recursive: true });
  const tshark = o.tshark && spawnSync('which', ['tshark']).status === 0 ? 'tshark' : null;
  const rows = [];
  say(`ftpcap bench:memory (${o.label}): ${o.bin}`);
  for (const name of o.shapes) {
    const shape = SHAPES[name];
    const factors = shape.fixed ? [4] : o.sizes;
    for (const factor of factors) {
      const c = capture(o, name, factor);
      const full = factor === Math.max(...factors);
      const cmds = full ? o.cmds : ['summary'];
      for (const cmd of cmds) {
        // Run as a user would: bin/ftpcap's first line sets the default memory ceiling.
        const m = measure(o, [o.bin, cmd, c.path]);
        const row = { shape: name, factor: shape.fixed ? '-' : `${factor}×`, n: c.n, unit: c.unit, fileMb: Number(mb(c.bytes)), tool: `ftpcap ${cmd}`, ...m };
        rows.push(row);
        say(
          `  ${name} ${row.factor} (${c.n} ${c.unit}, ${mb(c.bytes)} MB) ${row.tool}: exit ${m.exit}, ${fmt(m.seconds, 2)} s (cpu ${fmt(m.cpu, 2)} s), ` +
            `${fmt(m.rssMb, 0)} MB peak RSS${m.warnings.length ? `, warnings ${m.warnings.join(' ')}` : ''}${m.error ? `; ${m.error}` : ''}`,
        );
      }
      if (full && shape.tshark && tshark) {
        const m = measure(o, [tshark, '-r', c.path, '-Y', 'ftp', '-T', 'fields', '-e', 'frame.number', '-e', 'ftp.request.command', '-e', 'ftp.response.code']);
        const row = { shape: name, factor: `${factor}×`, n: c.n, unit: c.unit, fileMb: Number(mb(c.bytes)), tool: 'tshark -Y ftp -T fields', ...m, warnings: [] };
        rows.push(row);
        say(`  ${name} ${row.factor} ${row.tool}: exit ${m.exit}, ${fmt(m.seconds, 2)} s (cpu ${fmt(m.cpu, 2)} s), ${fmt(m.rssMb, 0)} MB peak RSS`);
      }
    }
  }
  if (o.json) writeFileSync(o.json, JSON.stringify(rows, null, 1));
  if (o.out) writeSection(o, rows);
}

function writeSection(o, rows) {
  const c = cpus();
  const lines = [
    `## ${o.label}`,
    '',
    `${new Date().toISOString().slice(0, 10)}, ${c.length} × ${c[0]?.model ?? 'cpu'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}; ` +
      `peak RSS by /usr/bin/time -v (all threads); ceiling ${RSS_CEILING_MB} MiB; cpu = user + system seconds ` +
      '(the machine was shared with other test runs: wall times vary with its load, cpu times less).',
    '',
    '| shape (generated) | size | file MB | tool | exit | wall s | cpu s | peak RSS MB | warnings |',
    '|---|---|---|---|---|---|---|---|---|',
  ];
  for (const r of rows) {
    const exit = r.exit === 0 ? '0' : `**${r.exit}**${r.error ? ` (${r.error.slice(0, 60)})` : ''}`;
    lines.push(
      `| ${r.shape} | ${r.factor} ${r.n.toLocaleString('en-US')} ${r.unit} | ${r.fileMb} | ${r.tool} | ${exit} | ${fmt(r.seconds, 2)} | ${fmt(r.cpu, 2)} | ${fmt(r.rssMb, 0)} | ${r.warnings.join(', ')} |`,
    );
  }
  const section = lines.join('\n') + '\n';
  let text = existsSync(o.out) ? readFileSync(o.out, 'utf8') : '# Memory and time on adversarial captures\n\nWritten by `npm run bench:memory` (scripts/bench-memory.mjs).\n\n';
  const re = new RegExp(`## ${o.label.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\n[\\s\\S]*?(?=\\n## |$)`);
  text = re.test(text) ? text.replace(re, section) : `${text.trimEnd()}\n\n${section}`;
  writeFileSync(o.out, text);
  say(`wrote ${o.out}`);
}

main();
