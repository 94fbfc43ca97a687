/**
 * Builds the benchmark captures from the real recorded fixtures, reproducibly (no randomness):
 * recorded sessions are replayed many times, each copy with its own client address and shifted
 * timestamps, merged in time order into one classic pcap (Ethernet, microseconds, little-endian).
 *
 * Choices (also in bench/README section of the main README):
 *  - Each copy gets its own client address from 198.18.0.0/15 (RFC 2544's benchmarking range,
 *    131,072 addresses) in place of the recorded client 192.0.2.10. Ports are kept as recorded, so
 *    the 227/229 replies inside the control connections stay true byte for byte; the server stays
 *    198.51.100.20. Only passive-mode recordings are replicated (PORT/EPRT carry the client
 *    address as text, which a different address would falsify).
 *  - The IPv4 header checksum and the TCP checksum are fixed up incrementally (RFC 1624) for the
 *    new address: a checksum that was right stays right, a wrong one (offload) would stay wrong.
 *  - Copies of one recording run one after another in their own "lane" (never overlapping, so the
 *    same recorded server data port is never announced twice at once); lanes run side by side.
 *    Recordings that share a server data port share a lane. Copies of one recording start more
 *    than 1 s apart (NAT pairing compares sessions that start within 1 s).
 *  - ARP frames of a recording are replayed unchanged.
 */
import { closeSync, openSync, readFileSync, writeSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { join } from 'node:path';

export const RECORDED_CLIENT = '192.0.2.10';
const BENCH_NET = (198 << 24) | (18 << 16); // 198.18.0.0/15
const LINKTYPE_ETHERNET = 1;
const ETHERTYPE_IPV4 = 0x0800;

function ipv4ToInt(s) {
  const p = s.split('.').map(Number);
  return ((p[0] << 24) | (p[1] << 16) | (p[2] << 8) | p[3]) >>> 0;
}

/** The i-th benchmark client address (i < 131072). */
export function benchAddress(i) {
  if (i < 0 || i >= 131072) throw new Error(`no benchmark address ${i} (198.18.0.0/15 holds 131072)`);
  return (BENCH_NET + i) >>> 0;
}

/** Records of a classic microsecond pcap (optionally gzip-compressed), either byte order. */
export function readPcap(path) {
  let buf = readFileSync(path);
  if (buf[0] === 0x1f && buf[1] === 0x8b) buf = gunzipSync(buf);
  const magic = buf.readUInt32BE(0);
  let le;
  if (magic === 0xd4c3b2a1) le = true;
  else if (magic === 0xa1b2c3d4) le = false;
  else throw new Error(`${path}: not a microsecond classic pcap`);
  const u32 = (o) => (le ? buf.readUInt32LE(o) : buf.readUInt32BE(o));
  const linkType = u32(20) & 0x03ffffff;
  const records = [];
  let o = 24;
  while (o + 16 <= buf.length) {
    const caplen = u32(o + 8);
    if (o + 16 + caplen > buf.length) break;
    records.push({ us: u32(o) * 1e6 + u32(o + 4), orig: u32(o + 12), data: buf.subarray(o + 16, o + 16 + caplen) });
    o += 16 + caplen;
  }
  return { linkType, records };
}

/** One's-complement 16-bit add. */
function add16(a, b) {
  const s = a + b;
  return (s & 0xffff) + (s >>> 16);
}

/**
 * A recording prepared for replay: per record, where the client address sits (source and/or
 * destination) and where the checksums are, so a copy is one memcpy plus a few word writes.
 */
export class Template {
  constructor(name, path, opts = {}) {
    const { linkType, records } = readPcap(path);
    if (linkType !== LINKTYPE_ETHERNET) throw new Error(`${name}: link type ${linkType}, only Ethernet is replayed`);
    const client = ipv4ToInt(opts.client ?? RECORDED_CLIENT);
    const keep = opts.filter ?? (() => true);
    this.name = name;
    this.records = [];
    this.serverPorts = new Set();
    this.bytes = 0;
    for (const r of records) {
      const d = r.data;
      const plan = { us: r.us, orig: r.orig, data: d, ip: -1, srcIsClient: false, dstIsClient: false, tcpCk: -1 };
      if (d.length >= 34 && d.readUInt16BE(12) === ETHERTYPE_IPV4 && d[14] >> 4 === 4) {
        const ihl = (d[14] & 0x0f) * 4;
        plan.ip = 14;
        plan.srcIsClient = d.readUInt32BE(26) === client;
        plan.dstIsClient = d.readUInt32BE(30) === client;
        const proto = d[23];
        const fragmented = (d.readUInt16BE(20) & 0x3fff) !== 0;
        if (proto === 1 && (plan.srcIsClient || plan.dstIsClient)) {
          throw new Error(`${name}: ICMP to or from the client cannot be replayed (the quoted header keeps the address)`);
        }
        if (proto === 6 && !fragmented && d.length >= 14 + ihl + 18) {
          plan.tcpCk = 14 + ihl + 16;
          const srcPort = d.readUInt16BE(14 + ihl);
          const dstPort = d.readUInt16BE(14 + ihl + 2);
          if (plan.srcIsClient) this.serverPorts.add(dstPort);
          else if (plan.dstIsClient) this.serverPorts.add(srcPort);
        }
      }
      if (!keep(plan)) continue;
      this.records.push(plan);
      this.bytes += 16 + d.length;
    }
    if (this.records.length === 0) throw new Error(`${name}: nothing to replay`);
    this.firstUs = this.records[0].us;
    let last = this.firstUs;
    for (const r of this.records) if (r.us > last) last = r.us;
    this.durationUs = last - this.firstUs;
  }

  /** Write record `i` for a copy with client address `addr`, `shiftUs` after the recording. */
  write(out, i, addr, shiftUs) {
    const r = this.records[i];
    const d = out.record(r.us + shiftUs, r.data.length, r.orig);
    const at = d.offset;
    const b = d.buf;
    r.data.copy(b, at);
    if (r.ip < 0 || !(r.srcIsClient || r.dstIsClient)) return;
    const ip = at + r.ip;
    // Old and new address words; the same delta applies to the IP header and the TCP pseudo-header.
    const oldHi = RECORDED_HI;
    const oldLo = RECORDED_LO;
    const newHi = addr >>> 16;
    const newLo = addr & 0xffff;
    let delta = 0;
    let n = 0;
    if (r.srcIsClient) {
      b.writeUInt32BE(addr, ip + 12);
      n++;
    }
    if (r.dstIsClient) {
      b.writeUInt32BE(addr, ip + 16);
      n++;
    }
    for (let k = 0; k < n; k++) delta = add16(add16(add16(add16(delta, ~oldHi & 0xffff), ~oldLo & 0xffff), newHi), newLo);
    fixChecksum(b, ip + 10, delta);
    if (r.tcpCk >= 0) fixChecksum(b, at + r.tcpCk, delta);
  }
}

const RECORDED_HI = ipv4ToInt(RECORDED_CLIENT) >>> 16;
const RECORDED_LO = ipv4ToInt(RECORDED_CLIENT) & 0xffff;

/** RFC 1624 eqn. 3: HC' = ~(~HC + ~m + m'), with the (~m + m') terms summed into `delta`. */
function fixChecksum(b, at, delta) {
  const hc = b.readUInt16BE(at);
  const sum = add16(add16(~hc & 0xffff, delta), 0);
  b.writeUInt16BE(~sum & 0xffff, at);
}

/** Buffered classic pcap writer: little-endian, microsecond, Ethernet, snaplen 262144. */
export class PcapWriter {
  constructor(path, chunkBytes = 4 * 1024 * 1024) {
    this.fd = openSync(path, 'w');
    this.buf = Buffer.alloc(chunkBytes);
    this.pos = 0;
    this.bytes = 0;
    this.packets = 0;
    this.slot = { buf: this.buf, offset: 0 };
    const h = Buffer.alloc(24);
    h.writeUInt32LE(0xa1b2c3d4, 0);
    h.writeUInt16LE(2, 4);
    h.writeUInt16LE(4, 6);
    h.writeUInt32LE(262144, 16);
    h.writeUInt32LE(LINKTYPE_ETHERNET, 20);
    this.put(h);
  }

  put(b) {
    if (this.pos + b.length > this.buf.length) this.flush();
    b.copy(this.buf, this.pos);
    this.pos += b.length;
    this.bytes += b.length;
  }

  /** Reserve a record; returns where its `caplen` data bytes go. */
  record(us, caplen, orig) {
    if (this.pos + 16 + caplen > this.buf.length) this.flush();
    const b = this.buf;
    const sec = Math.floor(us / 1e6);
    b.writeUInt32LE(sec, this.pos);
    b.writeUInt32LE(us - sec * 1e6, this.pos + 4);
    b.writeUInt32LE(caplen, this.pos + 8);
    b.writeUInt32LE(orig, this.pos + 12);
    this.slot.offset = this.pos + 16;
    this.pos += 16 + caplen;
    this.bytes += 16 + caplen;
    this.packets++;
    return this.slot;
  }

  flush() {
    let o = 0;
    while (o < this.pos) o += writeSync(this.fd, this.buf, o, this.pos - o);
    this.pos = 0;
  }

  close() {
    this.flush();
    closeSync(this.fd);
  }
}

/**
 * A lane plays copies of its templates one after another (rotating through them), `count`
 * copies, each starting `slotUs` after the previous one started (or right after it ended, if
 * longer). Each copy takes the next client address from the shared allocator.
 */
class Lane {
  constructor(spec, startUs, nextAddress) {
    this.templates = spec.templates;
    this.count = spec.count;
    this.slotUs = spec.slotUs;
    this.gapUs = spec.gapUs ?? 50_000;
    this.nextAddress = nextAddress;
    this.started = 0;
    this.nextStartUs = startUs;
    this.copies = [];
    this.sessions = 0;
  }

  /** Start every copy due by time `us` (copies begin when their predecessor's slot is over). */
  ensure() {
    if (this.copies.length === 0 && this.started < this.count) this.startCopy();
  }

  startCopy() {
    const t = this.templates[this.started % this.templates.length];
    const start = this.nextStartUs;
    this.copies.push({ t, i: 0, addr: this.nextAddress(), shift: start - t.firstUs });
    this.started++;
    this.nextStartUs = start + Math.max(this.slotUs ?? 0, t.durationUs + this.gapUs);
  }

  /** Time of the next record, or Infinity when the lane is done. */
  peek() {
    this.ensure();
    const c = this.copies[0];
    if (c === undefined) return Infinity;
    return c.t.records[c.i].us + c.shift;
  }

  emit(out) {
    const c = this.copies[0];
    c.t.write(out, c.i, c.addr, c.shift);
    if (++c.i >= c.t.records.length) this.copies.shift();
  }
}

/** Merge lanes in time order into `path`. Returns {bytes, packets, copies}. */
export function buildCapture(path, laneSpecs, opts = {}) {
  const out = new PcapWriter(path);
  let addresses = 0;
  const nextAddress = () => benchAddress(addresses++);
  const lanes = laneSpecs.map((s) => new Lane(s, s.startUs ?? 1_700_000_000_000_000, nextAddress));
  // Lanes must not share a server data port (see the header comment); plain TCP has no announcements.
  const owner = new Map();
  if (opts.sharedPortsOk !== true) lanes.forEach((lane, li) => {
    for (const t of lane.templates) {
      for (const p of t.serverPorts) {
        if (p === 21) continue;
        const other = owner.get(p);
        if (other !== undefined && other !== li) throw new Error(`server port ${p} is used by two lanes (${t.name})`);
        owner.set(p, li);
      }
    }
  });
  const times = lanes.map((l) => l.peek());
  for (;;) {
    let best = -1;
    let bestUs = Infinity;
    for (let i = 0; i < lanes.length; i++) {
      if (times[i] < bestUs) {
        bestUs = times[i];
        best = i;
      }
    }
    if (best < 0) break;
    lanes[best].emit(out);
    times[best] = lanes[best].peek();
  }
  out.close();
  return { bytes: out.bytes, packets: out.packets, copies: addresses };
}

/** The replicated recordings, by name (files under fixtures/). */
export function loadTemplates(fixturesDir) {
  const t = (name, file, opts) => new Template(name, join(fixturesDir, file), opts);
  const small = [
    t('passive-vsftpd-lftp', 'passive-vsftpd-lftp.pcap'),
    t('pasv-address-ignored-vsftpd-curl', 'pasv-address-ignored-vsftpd-curl.pcap'),
    t('server-side-passive-proftpd-lftp', 'server-side-passive-proftpd-lftp.pcap'),
    t('fail-login-vsftpd-curl', 'fail-login-vsftpd-curl.pcap'),
    t('fail-passive-drop-vsftpd-curl', 'fail-passive-drop-vsftpd-curl.pcap'),
    t('abort-vsftpd-lftp', 'abort-vsftpd-lftp.pcap'),
    t('tls-vsftpd-lftp', 'tls-vsftpd-lftp.pcap'),
  ];
  const retrySmall = t('fail-retr-missing-vsftpd-curl', 'fail-retr-missing-vsftpd-curl.pcap');
  const large = t('large-lossy-vsftpd-lftp', 'large-lossy-vsftpd-lftp.pcap.gz');
  // One non-FTP TCP connection: the data connection of a RETR (511 bytes of text), without the
  // control connection that announced it, so nothing marks it as FTP.
  const plainTcp = t('tcp-conn-from-passive-vsftpd-lftp', 'passive-vsftpd-lftp.pcap', {
    filter: (r) => r.tcpCk >= 0 && (r.data.readUInt16BE(34) === 50064 || r.data.readUInt16BE(36) === 50064),
  });
  return { small, retrySmall, large, plainTcp };
}

const US = 1_000_000;

/**
 * Lane plans. `big`: large-lossy copies back to back in one lane (sized to `targetBytes`), plus
 * small sessions in side lanes spread over the same time (60 per 435 MB, as the reference).
 */
export function bigPlan(tpl, targetBytes) {
  const copies = Math.max(1, Math.round((targetBytes - 24) / tpl.large.bytes));
  const gapUs = 200_000;
  const spanUs = copies * (tpl.large.durationUs + gapUs);
  const smallCount = Math.max(1, Math.round((60 * targetBytes) / 435e6));
  const lanes = [{ templates: [tpl.large], count: copies, gapUs }];
  // fail-retr-missing shares port 50018 with passive-vsftpd-lftp: same lane.
  const groups = [[tpl.small[0], tpl.retrySmall], [tpl.small[1]], [tpl.small[2]], [tpl.small[3]], [tpl.small[5]]];
  const per = Math.ceil(smallCount / groups.length);
  let left = smallCount;
  groups.forEach((g, i) => {
    const count = Math.min(per, left);
    left -= count;
    if (count > 0) lanes.push({ templates: g, count, slotUs: Math.max(1.1 * US, spanUs / count), startUs: 1_700_000_000_000_000 + i * 37_000 });
  });
  return lanes;
}

/** `sessions` FTP sessions of the small recordings, one lane per recording (group), 1.1 s slots. */
export function manySessionsPlan(tpl, sessions) {
  const groups = [[tpl.small[0], tpl.retrySmall], [tpl.small[1]], [tpl.small[2]], [tpl.small[3]], [tpl.small[4]], [tpl.small[5]], [tpl.small[6]]];
  const per = Math.ceil(sessions / groups.length);
  let left = sessions;
  return groups.map((g, i) => {
    const count = Math.min(per, left);
    left -= count;
    return { templates: g, count, slotUs: 1.1 * US, startUs: 1_700_000_000_000_000 + i * 150_000 };
  });
}

/** `connections` plain TCP connections, 16 lanes side by side, a new one every 0.5 ms per lane. */
export function manyConnectionsPlan(tpl, connections) {
  const lanes = 16;
  const per = Math.ceil(connections / lanes);
  let left = connections;
  const out = [];
  for (let i = 0; i < lanes; i++) {
    const count = Math.min(per, left);
    left -= count;
    if (count > 0) out.push({ templates: [tpl.plainTcp], count, gapUs: 500, startUs: 1_700_000_000_000_000 + i * 31 });
  }
  return out;
}
