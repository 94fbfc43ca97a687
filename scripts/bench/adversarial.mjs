/**
 * Generated adversarial captures for `npm run bench:memory` and the bounds tests: packet bytes
 * written here, not copied from recordings (every shape is named "generated" where it is used).
 * Classic pcap (Ethernet, microseconds, little-endian) unless said otherwise; IPv4 and TCP
 * checksums are correct. Deterministic: the same arguments give the same bytes.
 *
 * Shapes (n = the size argument):
 *   synOnly(n)         n connections to port 21 that send one SYN and nothing else, never closed
 *   rstClosed(n)       n connections to port 21: SYN, then RST+ACK from the server (refused)
 *   ftpTiny(n)         n complete short FTP sessions (handshake, 220, USER/331, PASS/230,
 *                      QUIT/221, FIN both ways), 1000 at a time interleaved
 *   noops(s, n)        s FTP sessions, each logging in and sending n NOOPs (200 per segment,
 *                      each answered), the sessions interleaved
 *   idbFlood(n)        pcapng (gzip): a section with n interface description blocks, then a few
 *                      packets of the generated FTP session on the last interface and on interface 0
 *   longTransfer(n)    one FTP session (login, PASV, RETR) whose data connection carries n
 *                      full-size segments (1448 bytes, an ACK every second one), then 226 and QUIT
 *   manyTransfers(n)   one FTP session that lists nothing and downloads n small files, each
 *                      through its own passive data connection (PASV, RETR, 150, 512 bytes, 226)
 *   unusedPorts(n)     one FTP session of n PORTs, each answered 200, never used
 *   refusedRetries(n)  one FTP session: a LIST over a PORT fails (425), then n EPRT/PORT in turn, each 502
 *   failedTransfers(n) one FTP session of n passive LISTs that fail: PASV, 227, LIST, the
 *                      client's unanswered SYN (or none, with { syn: false }), 425
 *   besideSession(n)   one FTP session with n connections between its hosts that no announcement
 *                      explains (opened and closed, no data)
 *   badTimestamp()     pcapng: one short FTP session whose first packet's timestamp has bit 31 of
 *                      its high word flipped (a date millions of years ahead)
 *   zeroGzip(gib)      gzip: a valid pcap header, one SYN, then `gib` GiB of zeros (gzip members
 *                      of 1 GiB each, so the file stays small)
 *   hugeReplies(n)     one FTP session of n HELPs, each answered by a multi-line 214 of 1000 lines
 *   hugeGreetings(s)   s sessions at once, each greeting with a multi-line 220 of 1000 lines
 *   noLineEnd(b)       one session whose client sends b bytes without a line end
 *   byteByByte(n)      one session of n NOOPs sent one byte a segment
 *   hugeListing(n)     one passive LIST whose data connection carries n `ls -l` lines
 *   overlapping(n)     one passive RETR of n segments, each overlapping the previous with other
 *                      bytes (or, with { holes }, sent backwards in blocks, every second missing)
 *   partialLines(s)    s sessions at once, each holding an 8,000-byte command line before its end
 *   tlsHelloFlood(s)   s sessions at once after AUTH TLS, each sending 60 KB of a ClientHello
 *                      that claims 65,000 (in records of 16 KiB, or of { per } bytes)
 *   fragmentHoles(n)   a tiny session, then n IPv4 fragments of one datagram of 4,095 holes,
 *                      sent over and over
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import { gzipSync } from 'node:zlib';

const SERVER = ip(192, 0, 2, 21);
const CLIENT_NET = ip(10, 0, 0, 0);
const T0 = 1_700_000_000; // capture start, epoch seconds

function ip(a, b, c, d) {
  return ((a << 24) | (b << 16) | (c << 8) | d) >>> 0;
}

/** Client address and port of the i-th connection: 60,000 ports per address. */
function clientOf(i) {
  return { addr: (CLIENT_NET + 1 + Math.floor(i / 60000)) >>> 0, port: 1024 + (i % 60000) };
}

const FLAGS = { FIN: 1, SYN: 2, RST: 4, PSH: 8, ACK: 16 };

/** Byte sink: a file (written in 4 MiB pieces, optionally as gzip members) or memory. */
export class Sink {
  constructor(path = null, { gzip = false } = {}) {
    this.fd = path === null ? null : openSync(path, 'w');
    this.gzip = gzip;
    this.parts = [];
    this.buf = Buffer.alloc(4 << 20);
    this.pos = 0;
    this.bytes = 0;
  }
  write(b) {
    if (this.pos + b.length > this.buf.length) this.drain();
    if (b.length > this.buf.length) {
      this.out(Buffer.from(b));
      return;
    }
    b.copy(this.buf, this.pos);
    this.pos += b.length;
  }
  drain() {
    if (this.pos === 0) return;
    this.out(Buffer.from(this.buf.subarray(0, this.pos)));
    this.pos = 0;
  }
  out(b) {
    this.bytes += b.length;
    const data = this.gzip ? gzipSync(b, { level: 6 }) : b;
    if (this.fd === null) this.parts.push(data);
    else writeSync(this.fd, data);
  }
  /** Raw bytes past the gzip layer (already compressed members). */
  rawOut(b) {
    this.drain();
    if (this.fd === null) this.parts.push(b);
    else writeSync(this.fd, b);
  }
  close() {
    this.drain();
    if (this.fd !== null) closeSync(this.fd);
    return this.fd === null ? Buffer.concat(this.parts) : null;
  }
}

/** Classic pcap writer over a Sink. */
export class PcapWriter {
  constructor(sink) {
    this.sink = sink;
    this.packets = 0;
    const h = Buffer.alloc(24);
    h.writeUInt32LE(0xa1b2c3d4, 0);
    h.writeUInt16LE(2, 4);
    h.writeUInt16LE(4, 6);
    h.writeUInt32LE(262144, 16);
    h.writeUInt32LE(1, 20);
    sink.write(h);
    this.rec = Buffer.alloc(16);
  }
  /** t: microseconds since T0. */
  packet(t, frame) {
    const r = this.rec;
    const sec = T0 + Math.floor(t / 1e6);
    r.writeUInt32LE(sec, 0);
    r.writeUInt32LE(t % 1e6, 4);
    r.writeUInt32LE(frame.length, 8);
    r.writeUInt32LE(frame.length, 12);
    this.sink.write(r);
    this.sink.write(frame);
    this.packets++;
  }
  close() {
    return this.sink.close();
  }
}

function sum16(b, start, end, acc = 0) {
  let s = acc;
  let i = start;
  for (; i + 1 < end; i += 2) s += (b[i] << 8) | b[i + 1];
  if (i < end) s += b[i] << 8;
  return s;
}
function fold(s) {
  while (s > 0xffff) s = (s & 0xffff) + (s >>> 16);
  return ~s & 0xffff;
}

/** Ethernet + IPv4 + TCP (20-byte header) frame with correct checksums. */
export function tcpFrame(src, sport, dst, dport, seq, ack, flags, payload = EMPTY) {
  const len = 14 + 20 + 20 + payload.length;
  const b = Buffer.alloc(len);
  b.writeUInt32BE(0x02000000, 0); // dst MAC 02:00:00:00:00:01
  b.writeUInt16BE(0x0001, 4);
  b.writeUInt32BE(0x02000000, 6); // src MAC 02:00:00:00:00:02
  b.writeUInt16BE(0x0002, 10);
  b.writeUInt16BE(0x0800, 12);
  const ipo = 14;
  b[ipo] = 0x45;
  b.writeUInt16BE(20 + 20 + payload.length, ipo + 2);
  b.writeUInt16BE(0x4000, ipo + 6); // DF
  b[ipo + 8] = 64;
  b[ipo + 9] = 6;
  b.writeUInt32BE(src, ipo + 12);
  b.writeUInt32BE(dst, ipo + 16);
  b.writeUInt16BE(fold(sum16(b, ipo, ipo + 20)), ipo + 10);
  const t = ipo + 20;
  b.writeUInt16BE(sport, t);
  b.writeUInt16BE(dport, t + 2);
  b.writeUInt32BE(seq >>> 0, t + 4);
  b.writeUInt32BE(ack >>> 0, t + 8);
  b[t + 12] = 5 << 4;
  b[t + 13] = flags;
  b.writeUInt16BE(65535, t + 14);
  payload.copy(b, t + 20);
  const tcpLen = 20 + payload.length;
  let s = sum16(b, ipo + 12, ipo + 20); // addresses
  s += 6 + tcpLen;
  s = sum16(b, t, t + tcpLen, s);
  b.writeUInt16BE(fold(s), t + 16);
  return b;
}
const EMPTY = Buffer.alloc(0);

export function synOnly(n, path = null) {
  const w = new PcapWriter(new Sink(path));
  for (let i = 0; i < n; i++) {
    const c = clientOf(i);
    w.packet(i * 10, tcpFrame(c.addr, c.port, SERVER, 21, 1000 + i, 0, FLAGS.SYN));
  }
  return w.close();
}

export function rstClosed(n, path = null) {
  const w = new PcapWriter(new Sink(path));
  for (let i = 0; i < n; i++) {
    const c = clientOf(i);
    const isn = (1000 + i * 7919) >>> 0;
    w.packet(i * 100, tcpFrame(c.addr, c.port, SERVER, 21, isn, 0, FLAGS.SYN));
    w.packet(i * 100 + 50, tcpFrame(SERVER, 21, c.addr, c.port, 0, isn + 1, FLAGS.RST | FLAGS.ACK));
  }
  return w.close();
}

/**
 * One FTP control session as steps: [fromClient, flags, payload]. Sequence numbers are tracked per
 * side so the reassembler sees a clean stream.
 */
const TINY_STEPS = [
  [true, FLAGS.SYN, ''],
  [false, FLAGS.SYN | FLAGS.ACK, ''],
  [true, FLAGS.ACK, ''],
  [false, FLAGS.PSH | FLAGS.ACK, '220 generated FTP server ready\r\n'],
  [true, FLAGS.PSH | FLAGS.ACK, 'USER anonymous\r\n'],
  [false, FLAGS.PSH | FLAGS.ACK, '331 Please specify the password.\r\n'],
  [true, FLAGS.PSH | FLAGS.ACK, 'PASS guest@\r\n'],
  [false, FLAGS.PSH | FLAGS.ACK, '230 Login successful.\r\n'],
  [true, FLAGS.PSH | FLAGS.ACK, 'QUIT\r\n'],
  [false, FLAGS.PSH | FLAGS.ACK, '221 Goodbye.\r\n'],
  [false, FLAGS.FIN | FLAGS.ACK, ''],
  [true, FLAGS.FIN | FLAGS.ACK, ''],
  [false, FLAGS.ACK, ''],
].map(([c, f, p]) => [c, f, Buffer.from(p, 'latin1')]);

/** Emits the packets of connection i's steps; returns nothing. State: {cseq, sseq}. */
function stepFrame(i, state, step) {
  const [fromClient, flags, payload] = step;
  const c = clientOf(i);
  const consumes = payload.length + (flags & (FLAGS.SYN | FLAGS.FIN) ? 1 : 0);
  let f;
  if (fromClient) {
    f = tcpFrame(c.addr, c.port, SERVER, 21, state.cseq, flags & FLAGS.ACK ? state.sseq : 0, flags, payload);
    state.cseq = (state.cseq + consumes) >>> 0;
  } else {
    f = tcpFrame(SERVER, 21, c.addr, c.port, state.sseq, state.cseq, flags, payload);
    state.sseq = (state.sseq + consumes) >>> 0;
  }
  return f;
}

const LANES = 1000;

export function ftpTiny(n, path = null) {
  const w = new PcapWriter(new Sink(path));
  let t = 0;
  for (let base = 0; base < n; base += LANES) {
    const end = Math.min(n, base + LANES);
    const states = [];
    for (let i = base; i < end; i++) states.push({ cseq: (i * 2654435761) >>> 0, sseq: (i * 40503 + 77) >>> 0 });
    for (const step of TINY_STEPS) {
      for (let i = base; i < end; i++) {
        w.packet(t, stepFrame(i, states[i - base], step));
        t += 7;
      }
    }
  }
  return w.close();
}

const DATA_PORT = 40000;
const SEGMENT_BYTES = 1448;

/**
 * A passive data connection from the client (connection 0's address) to the server, 10 µs a
 * packet on a clock shared with the control connection; sequence numbers follow payload, SYN and FIN.
 */
class PassiveData {
  constructor(w, clock, cport, port, cseq, sseq) {
    Object.assign(this, { w, clock, cport, port, cs: cseq, ss: sseq, addr: clientOf(0).addr });
  }
  toServer(flags, p = EMPTY) {
    this.w.packet((this.clock.t += 10), tcpFrame(this.addr, this.cport, SERVER, this.port, this.cs, flags & FLAGS.ACK ? this.ss : 0, flags, p));
    this.cs = (this.cs + p.length + (flags & (FLAGS.SYN | FLAGS.FIN) ? 1 : 0)) >>> 0;
  }
  toClient(flags, p = EMPTY) {
    this.w.packet((this.clock.t += 10), tcpFrame(SERVER, this.port, this.addr, this.cport, this.ss, this.cs, flags, p));
    this.ss = (this.ss + p.length + (flags & (FLAGS.SYN | FLAGS.FIN) ? 1 : 0)) >>> 0;
  }
  open() {
    this.toServer(FLAGS.SYN);
    this.toClient(FLAGS.SYN | FLAGS.ACK);
    this.toServer(FLAGS.ACK);
  }
  /** The server closes first, the client answers, the server acknowledges. */
  close() {
    this.toClient(FLAGS.FIN | FLAGS.ACK);
    this.toServer(FLAGS.FIN | FLAGS.ACK);
    this.toClient(FLAGS.ACK);
  }
}

/** "227 Entering Passive Mode (h1,h2,h3,h4,p1,p2)." for the server and `port`. */
function pasvReply(port) {
  return `227 Entering Passive Mode (${SERVER >>> 24},${(SERVER >>> 16) & 255},${(SERVER >>> 8) & 255},${SERVER & 255},${port >> 8},${port & 255}).\r\n`;
}

export function longTransfer(segments, path = null) {
  const w = new PcapWriter(new Sink(path));
  const st = { cseq: 7000, sseq: 9000 };
  const clock = { t: 0 };
  const ctrl = (step) => {
    w.packet(clock.t, stepFrame(0, st, step));
    clock.t += 1000;
  };
  const text = (fromClient, line) => ctrl([fromClient, FLAGS.PSH | FLAGS.ACK, Buffer.from(line, 'latin1')]);
  for (const step of TINY_STEPS.slice(0, 8)) ctrl(step);
  text(true, 'PASV\r\n');
  text(false, pasvReply(DATA_PORT));
  text(true, 'RETR big.bin\r\n');
  // The data connection: the client connects, the server sends, the client ACKs every second segment.
  const data = new PassiveData(w, clock, clientOf(0).port + 1, DATA_PORT, 50_000, 80_000);
  data.open();
  text(false, `150 Opening BINARY mode data connection for big.bin (${segments * SEGMENT_BYTES} bytes).\r\n`);
  const payload = Buffer.alloc(SEGMENT_BYTES, 0x5a);
  for (let i = 0; i < segments; i++) {
    data.toClient(FLAGS.ACK, payload);
    if (i % 2 === 1) data.toServer(FLAGS.ACK);
  }
  data.close();
  text(false, '226 Transfer complete.\r\n');
  for (const step of TINY_STEPS.slice(8)) ctrl(step);
  return w.close();
}

/**
 * One control session of client 0, 100 µs a packet on a clock its data connections share: `login`
 * runs TINY_STEPS up to the 230, `text` sends a line, `quit` the QUIT exchange and the FINs.
 */
class OneSession {
  constructor(path) {
    this.w = new PcapWriter(new Sink(path));
    this.st = { cseq: 7000, sseq: 9000 };
    this.clock = { t: 0 };
  }
  ctrl(step) {
    this.w.packet((this.clock.t += 100), stepFrame(0, this.st, step));
  }
  text(fromClient, line) {
    this.ctrl([fromClient, FLAGS.PSH | FLAGS.ACK, Buffer.from(line, 'latin1')]);
  }
  login() {
    for (const step of TINY_STEPS.slice(0, 8)) this.ctrl(step);
  }
  /** QUIT, 221 and the close; the capture's bytes (or null once written to the path). */
  quit() {
    for (const step of TINY_STEPS.slice(8)) this.ctrl(step);
    return this.w.close();
  }
}

export function manyTransfers(n, path = null) {
  const s = new OneSession(path);
  s.login();
  const file = Buffer.alloc(512, 0x41);
  for (let i = 0; i < n; i++) {
    const port = 30000 + (i % 30000);
    s.text(true, 'PASV\r\n');
    s.text(false, pasvReply(port));
    s.text(true, `RETR file${i}.txt\r\n`);
    const data = new PassiveData(s.w, s.clock, 1024 + ((i + 1) % 60000), port, (1000 + i * 7919) >>> 0, (5000 + i * 104729) >>> 0);
    data.open();
    s.text(false, `150 Opening BINARY mode data connection for file${i}.txt (512 bytes).\r\n`);
    data.toClient(FLAGS.PSH | FLAGS.ACK, file);
    data.close();
    s.text(false, '226 Transfer complete.\r\n');
  }
  return s.quit();
}

/**
 * One FTP session of n PORTs, each answered 200 and never used: a command and a reply in a segment
 * each (the packet trace keeps a bounded number of them; each is a line of the ladder).
 */
export function unusedPorts(n, path = null) {
  const s = new OneSession(path);
  s.login();
  for (let i = 0; i < n; i++) {
    const port = 1024 + (i % 60000);
    s.text(true, `PORT 10,0,0,1,${port >> 8},${port & 255}\r\n`);
    s.text(false, '200 PORT command successful.\r\n');
  }
  return s.quit();
}

/**
 * One FTP session whose LIST over a PORT fails (425), then n announcements of the same endpoint, EPRT
 * and PORT in turn, each refused 502: a chain of refused retries of one failed attempt.
 */
export function refusedRetries(n, path = null) {
  const s = new OneSession(path);
  s.login();
  s.text(true, 'PORT 10,0,0,1,4,1\r\n');
  s.text(false, '200 PORT command successful.\r\n');
  s.text(true, 'LIST\r\n');
  s.text(false, "425 Can't open data connection.\r\n");
  for (let i = 0; i < n; i++) {
    s.text(true, i % 2 === 0 ? 'EPRT |1|10.0.0.1|1025|\r\n' : 'PORT 10,0,0,1,4,1\r\n');
    s.text(false, '502 Command not implemented.\r\n');
  }
  return s.quit();
}

/**
 * One FTP session of n passive transfers that all fail: PASV, 227, LIST, then (with `syn`) the
 * client's one SYN to the announced port, which nothing answers, and the server's 425.
 */
export function failedTransfers(n, { syn = true } = {}, path = null) {
  const s = new OneSession(path);
  s.login();
  for (let i = 0; i < n; i++) {
    const port = 30000 + (i % 30000);
    s.text(true, 'PASV\r\n');
    s.text(false, pasvReply(port));
    s.text(true, 'LIST\r\n');
    if (syn) new PassiveData(s.w, s.clock, 1024 + ((i + 1) % 60000), port, (1000 + i * 7919) >>> 0, 0).toServer(FLAGS.SYN);
    s.text(false, "425 Can't open data connection.\r\n");
  }
  return s.quit();
}

/**
 * One FTP session (login, then QUIT at the end) with n connections between its two hosts beside
 * it, to high ports of the server, that no announcement explains (each SYN, SYN-ACK, ACK, then
 * closed by FIN both ways).
 */
export function besideSession(n, path = null) {
  const s = new OneSession(path);
  s.login();
  for (let i = 0; i < n; i++) {
    const c = new PassiveData(s.w, s.clock, 20000 + i, 50000 + i, (3000 + i * 7919) >>> 0, (9000 + i * 104729) >>> 0);
    c.open();
    c.close();
  }
  return s.quit();
}

const NOOPS_PER_SEGMENT = 200;

/**
 * `sessions` control sessions stepped together, 7 µs a packet: each step for every session, then
 * the next (sequence numbers per session, as ftpTiny's). `login` runs TINY_STEPS up to the 230,
 * `close` the QUIT exchange and the FINs.
 */
class Lockstep {
  constructor(w, sessions) {
    this.w = w;
    this.t = 0;
    this.states = Array.from({ length: sessions }, (_, i) => ({ cseq: (i * 2654435761) >>> 0, sseq: (i * 40503 + 77) >>> 0 }));
  }
  step(step) {
    for (let i = 0; i < this.states.length; i++) {
      this.w.packet(this.t, stepFrame(i, this.states[i], step));
      this.t += 7;
    }
  }
  login() {
    for (const step of TINY_STEPS.slice(0, 8)) this.step(step);
  }
  close() {
    for (const step of TINY_STEPS.slice(8)) this.step(step);
  }
}

export function noops(sessions, perSession, path = null) {
  const w = new PcapWriter(new Sink(path));
  const ls = new Lockstep(w, sessions);
  ls.login();
  const req = Buffer.from('NOOP\r\n'.repeat(NOOPS_PER_SEGMENT), 'latin1');
  const rep = Buffer.from('200 NOOP ok.\r\n'.repeat(NOOPS_PER_SEGMENT), 'latin1');
  const last = Buffer.from('NOOP\r\n'.repeat(perSession % NOOPS_PER_SEGMENT), 'latin1');
  const lastRep = Buffer.from('200 NOOP ok.\r\n'.repeat(perSession % NOOPS_PER_SEGMENT), 'latin1');
  const rounds = Math.ceil(perSession / NOOPS_PER_SEGMENT);
  for (let r = 0; r < rounds; r++) {
    const full = r < rounds - 1 || perSession % NOOPS_PER_SEGMENT === 0;
    for (let i = 0; i < sessions; i++) {
      w.packet(ls.t, stepFrame(i, ls.states[i], [true, FLAGS.PSH | FLAGS.ACK, full ? req : last]));
      w.packet(ls.t + 3, stepFrame(i, ls.states[i], [false, FLAGS.PSH | FLAGS.ACK, full ? rep : lastRep]));
      ls.t += 7;
    }
  }
  ls.close();
  return w.close();
}

/**
 * `sessions` sessions whose server, after the login, sends `perSession` replies nobody asked for
 * ("421 ..." lines, a hostile server's flood), then the usual QUIT exchange.
 */
export function unaskedReplies(sessions, perSession, path = null) {
  const w = new PcapWriter(new Sink(path));
  const ls = new Lockstep(w, sessions);
  ls.login();
  const per = 1000;
  for (let left = perSession; left > 0; left -= per) {
    ls.step([false, FLAGS.PSH | FLAGS.ACK, Buffer.from('421 unasked.\r\n'.repeat(Math.min(per, left)), 'latin1')]);
  }
  ls.close();
  return w.close();
}

/**
 * One session whose server answers a NOOP with `n` preliminary "150" lines (a hostile server: each
 * would have been kept with the command), then 200; logged in like ftpTiny's sessions.
 */
export function preliminaryFlood(n, path = null) {
  const w = new PcapWriter(new Sink(path));
  const ls = new Lockstep(w, 1);
  ls.login();
  ls.step([true, FLAGS.PSH | FLAGS.ACK, Buffer.from('NOOP\r\n', 'latin1')]);
  const per = 1000;
  for (let left = n; left > 0; left -= per) {
    ls.step([false, FLAGS.PSH | FLAGS.ACK, Buffer.from('150 still working.\r\n'.repeat(Math.min(per, left)), 'latin1')]);
  }
  ls.step([false, FLAGS.PSH | FLAGS.ACK, Buffer.from('200 NOOP ok.\r\n', 'latin1')]);
  ls.close();
  return w.close();
}

// pcapng

function pcapngBlock(type, body) {
  const len = 12 + body.length;
  const b = Buffer.alloc(len);
  b.writeUInt32LE(type, 0);
  b.writeUInt32LE(len, 4);
  body.copy(b, 8);
  b.writeUInt32LE(len, len - 4);
  return b;
}
function shb() {
  const body = Buffer.alloc(16);
  body.writeUInt32LE(0x1a2b3c4d, 0);
  body.writeUInt16LE(1, 4);
  body.writeUInt16LE(0, 6);
  body.writeBigInt64LE(-1n, 8);
  return pcapngBlock(0x0a0d0d0a, body);
}
function idb() {
  const body = Buffer.alloc(8);
  body.writeUInt16LE(1, 0);
  body.writeUInt32LE(262144, 4);
  return pcapngBlock(1, body);
}
/** t: microseconds since T0 (the default if_tsresol). */
function epb(iface, t, frame, flipHighBit31 = false) {
  const pad = (4 - (frame.length % 4)) % 4;
  const body = Buffer.alloc(20 + frame.length + pad);
  const units = BigInt(T0) * 1_000_000n + BigInt(t);
  let high = Number(units >> 32n);
  if (flipHighBit31) high = (high ^ 0x80000000) >>> 0;
  body.writeUInt32LE(iface, 0);
  body.writeUInt32LE(high, 4);
  body.writeUInt32LE(Number(units & 0xffffffffn), 8);
  body.writeUInt32LE(frame.length, 12);
  body.writeUInt32LE(frame.length, 16);
  frame.copy(body, 20);
  return pcapngBlock(6, body);
}

/** The frames of one generated tiny FTP session (connection i). */
function tinySessionFrames(i) {
  const state = { cseq: 1000, sseq: 5000 };
  return TINY_STEPS.map((s) => stepFrame(i, state, s));
}

export function idbFlood(n, path = null) {
  const sink = new Sink(path, { gzip: true });
  sink.write(shb());
  const one = idb();
  const batch = Buffer.concat(Array.from({ length: 65536 }, () => one));
  let left = n;
  while (left >= 65536) {
    sink.write(batch);
    left -= 65536;
  }
  for (; left > 0; left--) sink.write(one);
  const frames = tinySessionFrames(0);
  // The session's first half on the last interface (beyond any bound), the rest on interface 0.
  frames.forEach((f, k) => sink.write(epb(k < 6 ? n - 1 : 0, k * 1000, f)));
  return sink.close();
}

export function badTimestamp(path = null) {
  const sink = new Sink(path);
  sink.write(shb());
  sink.write(idb());
  tinySessionFrames(0).forEach((f, k) => sink.write(epb(0, k * 1000, f, k === 0)));
  return sink.close();
}

export function zeroGzip(gib, path = null) {
  const sink = new Sink(path, { gzip: true });
  const w = new PcapWriter(sink);
  w.packet(0, tinySessionFrames(0)[0]);
  sink.drain();
  const whole = Math.floor(gib);
  if (whole > 0) {
    // One member of 1 GiB of zeros, compressed once and repeated.
    const zeros = Buffer.alloc(64 << 20);
    const member = gzipSync(Buffer.concat(Array.from({ length: 16 }, () => zeros)), { level: 9 });
    for (let k = 0; k < whole; k++) sink.rawOut(member);
  }
  const restMiB = Math.round((gib - whole) * 1024);
  if (restMiB > 0) sink.rawOut(gzipSync(Buffer.alloc(restMiB << 20), { level: 9 }));
  return sink.close();
}

// Shapes added by the fiftieth bounds hunt (b50), all generated.

/** Sends `bytes` on the control connection from one side, in segments of at most `per` bytes. */
function sendChunks(s, fromClient, bytes, per = 60000) {
  for (let o = 0; o < bytes.length; o += per) s.ctrl([fromClient, FLAGS.PSH | FLAGS.ACK, bytes.subarray(o, o + per)]);
}

/**
 * One FTP session of n HELPs, each answered by a multi-line 214 reply of `lines` lines of
 * `width` characters (a hostile server: each reply is kept with its command).
 */
export function hugeReplies(n, { lines = 1000, width = 250 } = {}, path = null) {
  const s = new OneSession(path);
  s.login();
  const body = [];
  body.push('214-The following commands are recognized.');
  const filler = 'x'.repeat(Math.max(1, width - 8));
  for (let k = 1; k < lines - 1; k++) body.push(` ${String(k).padStart(5, '0')} ${filler}`);
  body.push('214 Help OK.');
  const reply = Buffer.from(body.join('\r\n') + '\r\n', 'latin1');
  for (let i = 0; i < n; i++) {
    s.text(true, 'HELP\r\n');
    sendChunks(s, false, reply);
  }
  return s.quit();
}

/** One session whose client sends `bytes` bytes without a line end on the control connection. */
export function noLineEnd(bytes, path = null) {
  const s = new OneSession(path);
  s.login();
  const chunk = Buffer.alloc(60000, 0x41);
  for (let left = bytes; left > 0; left -= chunk.length) s.ctrl([true, FLAGS.PSH | FLAGS.ACK, chunk.subarray(0, Math.min(left, chunk.length))]);
  return s.quit();
}

/** One session whose client sends n NOOPs one byte a segment (each answered 200 in one segment). */
export function byteByByte(n, path = null) {
  const s = new OneSession(path);
  s.login();
  const cmd = Buffer.from('NOOP\r\n', 'latin1');
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < cmd.length; k++) s.ctrl([true, FLAGS.PSH | FLAGS.ACK, cmd.subarray(k, k + 1)]);
    s.text(false, '200 NOOP ok.\r\n');
  }
  return s.quit();
}

/**
 * One passive LIST whose data connection carries a listing of n `ls -l` lines (the server's
 * segments full-size), then 226.
 */
export function hugeListing(n, path = null) {
  const s = new OneSession(path);
  s.login();
  s.text(true, 'PASV\r\n');
  s.text(false, pasvReply(DATA_PORT));
  s.text(true, 'LIST\r\n');
  const data = new PassiveData(s.w, s.clock, 2000, DATA_PORT, 50_000, 80_000);
  data.open();
  s.text(false, '150 Here comes the directory listing.\r\n');
  let buf = [];
  let size = 0;
  for (let i = 0; i < n; i++) {
    const l = `-rw-r--r--    1 1000     1000         ${String(i).padStart(8)} Jan 01 00:00 file-${i}.txt\r\n`;
    buf.push(l);
    size += l.length;
    if (size >= SEGMENT_BYTES * 8 || i === n - 1) {
      const b = Buffer.from(buf.join(''), 'latin1');
      for (let o = 0; o < b.length; o += SEGMENT_BYTES) data.toClient(FLAGS.ACK, b.subarray(o, o + SEGMENT_BYTES));
      data.toServer(FLAGS.ACK);
      buf = [];
      size = 0;
    }
  }
  data.close();
  s.text(false, '226 Directory send OK.\r\n');
  return s.quit();
}

/**
 * One passive RETR whose data connection's segments (n of `size` bytes) each overlap the previous
 * one by `overlap` bytes with different content (or, with `holes`, arrive in reverse order in
 * blocks with every second segment missing).
 */
export function overlapping(n, { size = 64, overlap = 1, holes = false } = {}, path = null) {
  const s = new OneSession(path);
  s.login();
  s.text(true, 'PASV\r\n');
  s.text(false, pasvReply(DATA_PORT));
  s.text(true, 'RETR odd.bin\r\n');
  const data = new PassiveData(s.w, s.clock, 2000, DATA_PORT, 50_000, 80_000);
  data.open();
  s.text(false, '150 Opening BINARY mode data connection for odd.bin.\r\n');
  const base = data.ss;
  const step = size - overlap;
  const seg = (i) => Buffer.alloc(size, 0x30 + (i % 64));
  const at = (i) => tcpFrame(SERVER, DATA_PORT, data.addr, data.cport, (base + i * step) >>> 0, data.cs, FLAGS.ACK, seg(i));
  if (!holes) {
    for (let i = 0; i < n; i++) s.w.packet((s.clock.t += 10), at(i));
  } else {
    // Blocks of 1024 segments sent last-first, every second segment missing.
    for (let b = 0; b < n; b += 1024) {
      for (let i = Math.min(n, b + 1024) - 1; i >= b; i--) if (i % 2 === 0) s.w.packet((s.clock.t += 10), at(i));
    }
  }
  data.ss = (base + n * step + overlap) >>> 0;
  data.close();
  s.text(false, '226 Transfer complete.\r\n');
  return s.quit();
}

/**
 * `sessions` sessions whose server greets with a multi-line 220 of `lines` lines of `width`
 * characters (sent `per` bytes a segment, every session in turn), then the login and QUIT of
 * ftpTiny's sessions, all interleaved.
 */
export function hugeGreetings(sessions, { lines = 1000, width = 250, per = 60000 } = {}, path = null) {
  const w = new PcapWriter(new Sink(path));
  const ls = new Lockstep(w, sessions);
  for (const step of TINY_STEPS.slice(0, 3)) ls.step(step);
  const body = ['220-generated FTP server'];
  const filler = 'y'.repeat(Math.max(1, width - 8));
  for (let k = 1; k < lines - 1; k++) body.push(` ${String(k).padStart(5, '0')} ${filler}`);
  body.push('220 ready.');
  const greeting = Buffer.from(body.join('\r\n') + '\r\n', 'latin1');
  for (let o = 0; o < greeting.length; o += per) ls.step([false, FLAGS.PSH | FLAGS.ACK, greeting.subarray(o, o + per)]);
  for (const step of TINY_STEPS.slice(4, 8)) ls.step(step);
  ls.close();
  return w.close();
}

/**
 * `sessions` sessions logged in together, then each client sends a command line of `length`
 * characters in segments of `per` bytes without its line end, every session in turn; only then do
 * the line ends come (each answered 500) and the sessions QUIT.
 */
export function partialLines(sessions, { length = 8000, per = 8000 } = {}, path = null) {
  const w = new PcapWriter(new Sink(path));
  const ls = new Lockstep(w, sessions);
  ls.login();
  const line = Buffer.from(`SITE ${'z'.repeat(Math.max(0, length - 5))}`, 'latin1');
  for (let o = 0; o < line.length; o += per) ls.step([true, FLAGS.PSH | FLAGS.ACK, line.subarray(o, o + per)]);
  ls.step([true, FLAGS.PSH | FLAGS.ACK, Buffer.from('\r\n', 'latin1')]);
  ls.step([false, FLAGS.PSH | FLAGS.ACK, Buffer.from('500 Line too long.\r\n', 'latin1')]);
  ls.close();
  return w.close();
}

/** Ethernet + IPv4 frame around `payload` (protocol `proto`), with the fragment field given (flags and offset in 8-byte units). */
export function ipv4Frame(src, dst, proto, payload, { id = 0, frag = 0x4000 } = {}) {
  const b = Buffer.alloc(14 + 20 + payload.length);
  b.writeUInt32BE(0x02000000, 0);
  b.writeUInt16BE(0x0001, 4);
  b.writeUInt32BE(0x02000000, 6);
  b.writeUInt16BE(0x0002, 10);
  b.writeUInt16BE(0x0800, 12);
  b[14] = 0x45;
  b.writeUInt16BE(20 + payload.length, 16);
  b.writeUInt16BE(id, 18);
  b.writeUInt16BE(frag, 20);
  b[22] = 64;
  b[23] = proto;
  b.writeUInt32BE(src, 26);
  b.writeUInt32BE(dst, 30);
  b.writeUInt16BE(fold(sum16(b, 14, 34)), 24);
  payload.copy(b, 34);
  return b;
}

/**
 * A generated tiny FTP session, then n IPv4 fragments of one TCP datagram that never completes:
 * 8-byte fragments at every second 8-byte slot (each one a hole after it, more fragments to come),
 * sent over and over (a broken sensor replaying them, or an attacker's fragment flood).
 */
export function fragmentHoles(n, path = null) {
  const w = new PcapWriter(new Sink(path));
  let t = 0;
  for (const f of tinySessionFrames(0)) w.packet((t += 100), f);
  const eight = Buffer.alloc(8, 0x46);
  const slots = 4095;
  const frames = Array.from({ length: slots }, (_, k) => ipv4Frame(clientOf(0).addr, SERVER, 6, eight, { id: 0x4242, frag: 0x2000 | (k * 2) }));
  for (let i = 0; i < n; i++) w.packet((t += 1), frames[i % slots]);
  return w.close();
}

/** TLS records of content type `type` carrying `body`, `per` bytes of it a record. */
function tlsRecords(type, body, per) {
  const out = [];
  for (let o = 0; o < body.length; o += per) {
    const piece = body.subarray(o, Math.min(body.length, o + per));
    const h = Buffer.alloc(5);
    h[0] = type;
    h.writeUInt16BE(0x0303, 1);
    h.writeUInt16BE(piece.length, 3);
    out.push(h, piece);
  }
  return Buffer.concat(out);
}

/**
 * `sessions` sessions logged in together, each then AUTH TLS, 234, and a ClientHello whose
 * handshake header claims `claimed` bytes but that sends only `sent` of them, in TLS records of
 * `per` bytes each (all sessions in turn, a segment of at most 60,000 bytes at a time); then the
 * sessions close without a further byte.
 */
export function tlsHelloFlood(sessions, { claimed = 65000, sent = 60000, per = 16384 } = {}, path = null) {
  const w = new PcapWriter(new Sink(path));
  const ls = new Lockstep(w, sessions);
  ls.login();
  ls.step([true, FLAGS.PSH | FLAGS.ACK, Buffer.from('AUTH TLS\r\n', 'latin1')]);
  ls.step([false, FLAGS.PSH | FLAGS.ACK, Buffer.from('234 Proceed with negotiation.\r\n', 'latin1')]);
  const hs = Buffer.alloc(4 + sent, 0x11);
  hs[0] = 1;
  hs.writeUIntBE(claimed, 1, 3);
  const bytes = tlsRecords(22, hs, per);
  for (let o = 0; o < bytes.length; o += 60000) ls.step([true, FLAGS.PSH | FLAGS.ACK, bytes.subarray(o, o + 60000)]);
  for (const step of TINY_STEPS.slice(10)) ls.step(step);
  return w.close();
}
