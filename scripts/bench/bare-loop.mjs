// The yardstick: read a classic pcap in 4 MiB chunks and walk its record headers, nothing
// else. Prints {"packets":N,"bytes":B} so the runner can check it saw the whole file.
import { closeSync, openSync, readSync } from 'node:fs';

const CHUNK = 4 * 1024 * 1024;
const fd = openSync(process.argv[2], 'r');
let buf = Buffer.alloc(CHUNK * 2);
let have = 0;
let packets = 0;
let bytes = 0;
let first = true;
let le = true;
for (;;) {
  if (buf.length - have < CHUNK) {
    const bigger = Buffer.alloc(have + CHUNK * 2);
    buf.copy(bigger, 0, 0, have);
    buf = bigger;
  }
  const n = readSync(fd, buf, have, CHUNK, null);
  if (n === 0) break;
  have += n;
  bytes += n;
  if (first) le = buf.readUInt32BE(0) === 0xd4c3b2a1;
  let o = first ? 24 : 0;
  first = false;
  for (;;) {
    if (o + 16 > have) break;
    const caplen = le ? buf.readUInt32LE(o + 8) : buf.readUInt32BE(o + 8);
    if (o + 16 + caplen > have) break;
    packets++;
    o += 16 + caplen;
  }
  buf.copy(buf, 0, o, have);
  have -= o;
}
closeSync(fd);
process.stdout.write(`${JSON.stringify({ packets, bytes })}\n`);
