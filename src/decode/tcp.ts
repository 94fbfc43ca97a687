/**
 * TCP header and options. Lengths are checked once (fixed header, data offset against the
 * segment and the captured bytes), then fields are read through the table. Option parsing always
 * advances or stops, so a hostile option list cannot loop.
 */

import type { ChecksumStatus, DecodedFrame, TcpHeader, TcpOption } from './types.js';
import type { IpPayloadView } from './ip-payload.js';
import { checksumExpected, sumWithin, sumWords } from './checksum.js';
import { IPPROTO_TCP, TCP, TCP_MIN_HEADER_LENGTH, TCP_OPTION, TCP_OPTION_LENGTH, read8, read16, read32 } from './fields.js';
import { addProblem } from './problems.js';

const EOL: TcpOption = Object.freeze({ kind: 0, name: 'eol' } as const);
const NOP: TcpOption = Object.freeze({ kind: 1, name: 'nop' } as const);
const SACK_PERMITTED: TcpOption = Object.freeze({ kind: 4, name: 'sack-permitted' } as const);
const EMPTY = new Uint8Array(0);
/** Most segments have no options: one shared (frozen) empty list for all of them. */
const NO_OPTIONS: TcpOption[] = Object.freeze([]) as unknown as TcpOption[];

function u32(b: Uint8Array, o: number): number {
  return ((b[o] << 24) | (b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3]) >>> 0;
}

/**
 * Options in b[start, end), of which b[start, capEnd) was captured. A length byte of 0 or 1, a
 * missing length byte, or an option running past `end` yields one 'malformed' entry and ends
 * parsing. A known option with the wrong length yields a 'malformed' entry and parsing goes on
 * after it (its length byte is still usable). An option cut by the snapshot length just ends the
 * list: truncated is not malformed.
 */
export function parseTcpOptions(b: Uint8Array, start: number, end: number, capEnd = end): TcpOption[] {
  if (start >= end) return NO_OPTIONS;
  const opts: TcpOption[] = [];
  let i = start;
  while (i < end && i < capEnd) {
    const kind = b[i];
    if (kind === TCP_OPTION.EOL) {
      opts.push(EOL);
      break; // the rest is padding
    }
    if (kind === TCP_OPTION.NOP) {
      opts.push(NOP);
      i++;
      continue;
    }
    if (i + 1 >= end) {
      opts.push({ kind, name: 'malformed', reason: `option ${kind} has no length byte` });
      break;
    }
    if (i + 1 >= capEnd) break;
    const len = b[i + 1];
    if (len < 2) {
      opts.push({ kind, name: 'malformed', reason: `option ${kind} has length ${len} (minimum 2)` });
      break;
    }
    if (i + len > end) {
      opts.push({ kind, name: 'malformed', reason: `option ${kind} of length ${len} runs past the header by ${i + len - end} bytes` });
      break;
    }
    if (i + len > capEnd) {
      // Cut by the snapshot length: a timestamp option's TSval may still be whole, as tshark reads it.
      if (kind === TCP_OPTION.TIMESTAMP && len === TCP_OPTION_LENGTH[kind] && i + 6 <= capEnd) opts.push({ kind: 8, name: 'timestamp', tsval: u32(b, i + 2), tsecr: null });
      break;
    }
    const want = TCP_OPTION_LENGTH[kind];
    if (want !== undefined && len !== want) {
      opts.push({ kind, name: 'malformed', reason: `option ${kind} has length ${len} (should be ${want})` });
    } else if (kind === TCP_OPTION.MSS) {
      opts.push({ kind: 2, name: 'mss', mss: (b[i + 2] << 8) | b[i + 3] });
    } else if (kind === TCP_OPTION.WSCALE) {
      opts.push({ kind: 3, name: 'wscale', shift: b[i + 2] });
    } else if (kind === TCP_OPTION.SACK_PERMITTED) {
      opts.push(SACK_PERMITTED);
    } else if (kind === TCP_OPTION.TIMESTAMP) {
      opts.push({ kind: 8, name: 'timestamp', tsval: u32(b, i + 2), tsecr: u32(b, i + 6) });
    } else if (kind === TCP_OPTION.SACK) {
      if ((len - 2) % 8 !== 0) {
        opts.push({ kind, name: 'malformed', reason: `SACK option length ${len} is not 2 + 8n` });
      } else {
        const blocks: Array<[number, number]> = [];
        for (let j = i + 2; j < i + len; j += 8) blocks.push([u32(b, j), u32(b, j + 4)]);
        opts.push({ kind: 5, name: 'sack', blocks });
      }
    } else {
      opts.push({ kind, name: 'unknown', length: len, data: b.subarray(i + 2, i + len) });
    }
    i += len;
  }
  return opts;
}

/**
 * A decoded TCP header. Its options are parsed on first read, from the frame's bytes: most
 * segments are bulk data and ACKs whose options (timestamps) no consumer reads, and parsing them
 * was a third of all allocation on a large capture. Read `options` while the frame's bytes are
 * valid: during the capture sink's call, or on a frame decoded from a copy (dump, report, trace).
 * One header can be filled again for the next segment (`fill`: the analysis pass, which keeps none).
 */
export class TcpSegmentHeader implements TcpHeader {
  srcPort = 0;
  dstPort = 0;
  seq = 0;
  ack = 0;
  flags = 0;
  window = 0;
  checksum = 0;
  checksumStatus: ChecksumStatus = 'unverifiable';
  checksumExpected: number | undefined = undefined;
  urgentPointer = 0;
  payloadLength = 0;
  headerLength = 0;
  // Private (#) fields: not enumerable, so the header still reads as its tshark fields alone.
  #bytes: Uint8Array = EMPTY;
  #start = 0;
  /** End of the captured bytes (options cut by the snapshot length end the list). */
  #capturedEnd = 0;
  #options: TcpOption[] | null = null;

  /** The header of the segment at bytes[start], every field replaced. */
  fill(bytes: Uint8Array, start: number, headerLength: number, segmentLength: number, capturedEnd: number): this {
    this.#bytes = bytes;
    this.#start = start;
    this.#capturedEnd = capturedEnd;
    this.#options = null;
    this.headerLength = headerLength;
    this.srcPort = read16(bytes, start, TCP.srcPort);
    this.dstPort = read16(bytes, start, TCP.dstPort);
    this.seq = read32(bytes, start, TCP.seq);
    this.ack = read32(bytes, start, TCP.ack);
    this.flags = read16(bytes, start, TCP.flags);
    this.window = read16(bytes, start, TCP.window);
    this.checksum = read16(bytes, start, TCP.checksum);
    this.checksumStatus = 'unverifiable';
    this.checksumExpected = undefined;
    this.urgentPointer = read16(bytes, start, TCP.urgentPointer);
    this.payloadLength = segmentLength - headerLength;
    return this;
  }

  /**
   * Offset of the first option of `kind` at or after `from` (where an option starts), or -1: read
   * from the bytes, no list built (nearly every segment carries timestamps, which nothing reads).
   */
  #nextOption(kind: number, from: number): number {
    const b = this.#bytes;
    const end = Math.min(this.#start + this.headerLength, this.#capturedEnd);
    for (let i = from; i < end; ) {
      const k = b[i];
      if (k === kind) return i;
      if (k === 0) return -1;
      if (k === 1) {
        i++;
        continue;
      }
      const len = i + 1 < end ? b[i + 1] : 0;
      if (len < 2) return -1;
      i += len;
    }
    return -1;
  }

  /** Whether an option of this kind is among the captured options. */
  hasOption(kind: number): boolean {
    if (this.#options !== null) return this.#options.some((o) => o.kind === kind);
    return this.#nextOption(kind, this.#start + TCP_MIN_HEADER_LENGTH) >= 0;
  }

  /**
   * The right edges of the segment's SACK blocks, into `out`; returns how many. Read from the bytes
   * as parseTcpOptions would, with no list built (a lossy transfer's every ACK carries some). 40
   * bytes of options hold at most 4 blocks; `out` takes SACK_EDGES_MAX.
   */
  sackRightEdges(out: Float64Array): number {
    if (this.#options !== null) return sackEdgesOfList(this.#options, out);
    const b = this.#bytes;
    const end = Math.min(this.#start + this.headerLength, this.#capturedEnd);
    let n = 0;
    for (let i = this.#nextOption(TCP_OPTION.SACK, this.#start + TCP_MIN_HEADER_LENGTH); i >= 0; ) {
      const len = i + 1 < end ? b[i + 1] : 0;
      if (len < 2) break;
      if (i + len <= end && (len - 2) % 8 === 0) for (let j = i + 2; j < i + len && n < out.length; j += 8) out[n++] = u32(b, j + 4);
      i = this.#nextOption(TCP_OPTION.SACK, i + len);
    }
    return n;
  }

  get options(): TcpOption[] {
    if (this.#options === null) {
      const start = this.#start;
      this.#options = parseTcpOptions(this.#bytes, start + TCP_MIN_HEADER_LENGTH, start + this.headerLength, this.#capturedEnd);
    }
    return this.#options;
  }
}

/**
 * Decode the TCP header at ip.bytes[ip.start]. The segment's wire length is ip.wireLength; the
 * captured part ends at ip.end. Returns undefined (with a problem or `truncated` set) when the
 * header cannot be read or breaks its length rules. `checksumVerifiable` is false for a fragment
 * that was not reassembled: its checksum covers bytes we do not have. `reuse`: a header to fill
 * instead of a new one.
 */
export function decodeTcp(ip: IpPayloadView, frame: DecodedFrame, checksumVerifiable: boolean, reuse?: TcpSegmentHeader): TcpHeader | undefined {
  const b = ip.bytes;
  const start = ip.start;
  const segLen = ip.wireLength;
  const captured = ip.end - start;
  if (segLen < TCP_MIN_HEADER_LENGTH) {
    addProblem(frame, 'tcp-segment-short', { length: segLen, min: TCP_MIN_HEADER_LENGTH });
    return undefined;
  }
  if (captured < TCP_MIN_HEADER_LENGTH) {
    frame.truncated = true;
    return undefined;
  }
  const headerLength = read8(b, start, TCP.headerLength);
  if (headerLength < TCP_MIN_HEADER_LENGTH) {
    addProblem(frame, 'tcp-data-offset', { headerLength });
    return undefined;
  }
  if (headerLength > segLen) {
    addProblem(frame, 'tcp-header-beyond-segment', { headerLength, segment: segLen });
    return undefined;
  }
  const tcp = (reuse ?? new TcpSegmentHeader()).fill(b, start, headerLength, segLen, ip.end);
  if (captured < headerLength) {
    frame.truncated = true;
    frame.payload = EMPTY;
    return tcp;
  }
  // A plain view (b.subarray on a Buffer builds another Buffer, several times slower); none for
  // the many segments without payload (ACKs).
  const payloadStart = start + headerLength;
  frame.payload = ip.end > payloadStart ? new Uint8Array(b.buffer, b.byteOffset + payloadStart, ip.end - payloadStart) : EMPTY;
  if (checksumVerifiable && captured === segLen) {
    // Pseudo-header: addresses, zero + protocol, upper-layer length (32-bit for IPv6; the same
    // two 16-bit words for IPv4, whose length always fits the low word).
    const pseudo = ip.addressSum + IPPROTO_TCP + (segLen >>> 16) + (segLen & 0xffff);
    const sum = ip.bytesSum >= 0 ? pseudo + sumWithin(b, ip.bytesSum, start, ip.end) : sumWords(b, start, ip.end, pseudo);
    const expected = checksumExpected(sum, tcp.checksum);
    if (expected === undefined) tcp.checksumStatus = 'ok';
    else {
      tcp.checksumStatus = 'bad';
      tcp.checksumExpected = expected;
    }
  }
  return tcp;
}

/** TCP option kind 5, selective acknowledgement (RFC 2018). */
export const TCP_OPTION_SACK = 5;

/**
 * Whether the segment carries SACK blocks. A decoded segment's options are read from its bytes
 * without building them (nearly every segment carries timestamps, which nothing reads); a header
 * made otherwise is asked its option list.
 */
export function carriesSack(tcp: TcpHeader): boolean {
  return tcp instanceof TcpSegmentHeader ? tcp.hasOption(TCP_OPTION_SACK) : tcp.options.some((o) => o.kind === TCP_OPTION_SACK);
}

/** Room for every SACK edge a TCP header can hold: 40 bytes of options carry at most 4 blocks. */
export const SACK_EDGES_MAX = 8;

function sackEdgesOfList(options: TcpOption[], out: Float64Array): number {
  let n = 0;
  for (const o of options) if (o.name === 'sack') for (const block of o.blocks) if (n < out.length) out[n++] = block[1];
  return n;
}

/** The right edges of the segment's SACK blocks, into `out`; returns how many. */
export function sackRightEdges(tcp: TcpHeader, out: Float64Array): number {
  return tcp instanceof TcpSegmentHeader ? tcp.sackRightEdges(out) : sackEdgesOfList(tcp.options, out);
}
