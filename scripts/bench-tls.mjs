#!/usr/bin/env node
/**
 * Issue 13 bench: the cost of decrypting FTPS. Analyses the 4 MiB download recorded in clear
 * (fixtures/large-plain-vsftpd-curl) and the same download over FTPS TLS 1.2 AES-256-GCM
 * (fixtures/ftps-large-vsftpd-curl, with its key log), as `summary` does (bytes counted) and as
 * `extract` does (every byte handed on), and prints median wall times and the ratio.
 * Run after `npm run build`: node scripts/bench-tls.mjs [--runs N]
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { createHash } from 'node:crypto';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { analyzeFiles } = await import(join(root, 'dist/analysis/pipeline.js'));
const { TlsKeyLog } = await import(join(root, 'dist/tls/keylog.js'));

const runsArg = process.argv.indexOf('--runs');
const RUNS = runsArg > 0 ? Number(process.argv[runsArg + 1]) : 7;
const plain = join(root, 'fixtures/large-plain-vsftpd-curl.pcap.gz');
const ftps = join(root, 'fixtures/ftps-large-vsftpd-curl.pcap.gz');
const keys = readFileSync(join(root, 'fixtures/ftps-large-vsftpd-curl.keys'), 'latin1');

async function once(file, withKeys, extract) {
  const tlsKeyLog = withKeys ? new TlsKeyLog() : undefined;
  if (tlsKeyLog) tlsKeyLog.addText(keys);
  const hash = createHash('sha256');
  let bytes = 0;
  const t0 = process.hrtime.bigint();
  const a = await analyzeFiles([file], {
    fileName: file,
    thread: false,
    tlsKeyLog,
    ...(extract ? { onTransferData: (_t, chunk) => { hash.update(chunk.bytes); bytes += chunk.bytes.length; } } : {}),
  });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  const t = a.sessions.flatMap((s) => s.transfers).find((x) => x.request?.command === 'RETR');
  return { ms, bytes: t?.bytes ?? 0, status: t?.status, sha: extract ? hash.digest('hex').slice(0, 16) : '', handed: bytes };
}

const CONFIGS = [];
for (const extract of [false, true]) {
  for (const [what, file, withKeys] of [['plaintext download', plain, false], ['FTPS, no key log', ftps, false], ['FTPS, decrypted', ftps, true]]) {
    CONFIGS.push({ mode: extract ? 'extract (bytes handed on)' : 'summary (bytes counted)', what, file, withKeys, extract, runs: [] });
  }
}
// Warm every path up first (JIT), then interleave the configurations run by run.
for (const c of CONFIGS) for (let i = 0; i < 2; i++) await once(c.file, c.withKeys, c.extract);
for (let i = 0; i < RUNS; i++) for (const c of CONFIGS) c.runs.push(await once(c.file, c.withKeys, c.extract));
const med = (c) => [...c.runs].sort((x, y) => x.ms - y.ms)[Math.floor(c.runs.length / 2)];
const rows = [];
for (let i = 0; i < CONFIGS.length; i += 3) {
  const [p, n, k] = CONFIGS.slice(i, i + 3).map(med);
  for (const [j, r] of [p, n, k].entries()) rows.push([CONFIGS[i + j].mode, CONFIGS[i + j].what, r]);
  rows.push([CONFIGS[i].mode, `ratio decrypted / plaintext = ${(k.ms / p.ms).toFixed(2)}`, null]);
}
console.log(`node ${process.version}, ${RUNS} runs each, median wall time (analysis in one thread, reading included)`);
for (const [mode, what, r] of rows) {
  if (r) console.log(`${mode.padEnd(27)} ${what.padEnd(22)} ${r.ms.toFixed(1).padStart(8)} ms  transfer ${r.status} ${r.bytes} B${r.sha ? `  sha256 ${r.sha}… (${r.handed} B)` : ''}`);
  else console.log(`${mode.padEnd(27)} ${what}`);
}
