// Group a drop sweep's violations (drop-sweep.mjs --out FILE) by what the removed frames were:
//   node scripts/sweep/classify.mjs FILE.json [--root DIR] [--examples N]
// Each removed frame is named by its connection's role (ctl: a session's control connection, data)
// and what it carried (SYN, SYN-ACK, FIN, RST, ACK, data / cmd / reply).
import { readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { dirname, resolve } from 'node:path';
const here = dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const opt = (n, d) => (args.indexOf(n) >= 0 ? args[args.indexOf(n) + 1] : d);
const root = resolve(opt('--root', resolve(here, '../..')));
const fixturesDir = resolve(opt('--fixtures', resolve(here, '../../fixtures')));
const nEx = Number(opt('--examples', '2'));
const { readCapture } = await import(root + '/dist/capture/read-capture.js');
const { decodeFrame } = await import(root + '/dist/decode/frame.js');
const { analyzeFiles } = await import(root + '/dist/analysis/pipeline.js');
const data = JSON.parse(readFileSync(args[0], 'utf8'));
const byFile = new Map();
for (const v of data.violations) {
  if (!byFile.has(v.file)) byFile.set(v.file, []);
  byFile.get(v.file).push(v);
}
const groups = new Map();
for (const [file, vs] of byFile) {
  const a = await analyzeFiles([fixturesDir + '/' + file], { fileName: file, thread: false });
  const ctl = new Set(a.sessions.map((s) => [`${s.client.ip}:${s.client.port}`, `${s.server.ip}:${s.server.port}`].sort().join('|')));
  const clients = new Set(a.sessions.map((s) => `${s.client.ip}:${s.client.port}`));
  const kinds = new Map();
  await readCapture(Readable.from([readFileSync(fixturesDir + '/' + file)]), {
    onRecord: (r) => {
      let k = 'other';
      try {
        const f = decodeFrame(r);
        if (f.icmp) k = 'icmp';
        else if (f.tcp && f.ip) {
          const c = [`${f.ip.src}:${f.tcp.srcPort}`, `${f.ip.dst}:${f.tcp.dstPort}`].sort().join('|');
          const role = ctl.has(c) ? 'ctl' : 'data';
          const fl = f.tcp.flags;
          const len = f.tcp.payloadLength;
          const cmd = clients.has(`${f.ip.src}:${f.tcp.srcPort}`);
          k = fl & 4 ? 'RST' : fl & 2 ? (fl & 16 ? 'SYN-ACK' : 'SYN') : fl & 1 ? 'FIN' : len > 0 ? (role === 'ctl' ? (cmd ? 'cmd' : 'reply') : 'data') : 'ACK';
          k = role + ':' + k;
        }
      } catch {}
      kinds.set(r.frame, k);
    },
    onWarning() {},
  }, {});
  for (const v of vs) {
    const dk = [...new Set(v.dropped.map((f) => kinds.get(f)))].filter((k) => k !== 'other').sort().join('+') || 'other';
    const key = `${v.what}\t${(v.before ?? '').split('/').slice(0, 2).join('/')} → ${v.after}\t${dk}`;
    if (!groups.has(key)) groups.set(key, { n: 0, files: new Set(), ex: [] });
    const g = groups.get(key);
    g.n++;
    g.files.add(file);
    if (g.ex.length < nEx) g.ex.push(`${file} drop ${v.dropped.join(',')} ${v.transfer ?? 's' + v.session} ev ${v.ev?.join(',')}`);
  }
}
for (const [k, g] of [...groups].sort((a, b) => b[1].n - a[1].n)) {
  console.log(`${g.n}\t${g.files.size} files\t${k}`);
  for (const e of g.ex) console.log(`\t\t${e}`);
}
