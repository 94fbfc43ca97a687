// A capture without some of its frames, as a capture that missed them (classic pcap, gzip or not):
//   node scripts/sweep/drop-frames.mjs IN.pcap[.gz] OUT.pcap 29-32,40
// Records are removed whole and the rest kept byte for byte (test/support/pcap-edit.ts does the same in tests).
import { readFileSync, writeFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
const [inp, outp, spec] = process.argv.slice(2);
const drop = new Set();
for (const part of spec.split(',')) {
  const [a, b] = part.split('-').map(Number);
  for (let i = a; i <= (b || a); i++) drop.add(i);
}
let buf = readFileSync(inp);
if (buf[0] === 0x1f && buf[1] === 0x8b) buf = gunzipSync(buf);
const magic = buf.readUInt32LE(0);
const le = magic === 0xa1b2c3d4 || magic === 0xa1b23c4d;
if (!le && buf.readUInt32BE(0) !== 0xa1b2c3d4 && buf.readUInt32BE(0) !== 0xa1b23c4d) throw new Error('not a classic pcap');
const u32 = (o) => (le ? buf.readUInt32LE(o) : buf.readUInt32BE(o));
const parts = [buf.subarray(0, 24)];
let off = 24;
for (let frame = 1; off + 16 <= buf.length; frame++) {
  const end = off + 16 + u32(off + 8);
  if (end > buf.length) break;
  if (!drop.has(frame)) parts.push(buf.subarray(off, end));
  off = end;
}
writeFileSync(outp, Buffer.concat(parts));
