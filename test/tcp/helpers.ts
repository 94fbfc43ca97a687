/**
 * Synthetic decoded records for reassembly tables (not packet bytes: the decoder is not under
 * test here) and a listener that records what the reassembler said, compactly.
 */

import { TCP_ACK, TCP_FIN, TCP_PSH, TCP_RST, TCP_SYN, type DecodedFrame, type IcmpError } from '../../src/decode/types.js';
import type { ConnectionEvent, ReassemblyListener, StreamChunk, TcpConnection } from '../../src/tcp/types.js';

export interface Side {
  ip: string;
  port: number;
}

export const CLIENT: Side = { ip: '10.0.0.1', port: 40000 };
export const SERVER: Side = { ip: '10.0.0.2', port: 21 };

const FLAG_LETTERS: Record<string, number> = { S: TCP_SYN, A: TCP_ACK, F: TCP_FIN, R: TCP_RST, P: TCP_PSH };

export interface SegSpec {
  /** 'c' = CLIENT → SERVER, 's' = SERVER → CLIENT (or explicit endpoints). */
  from: 'c' | 's';
  flags: string; // letters from S A F R P
  seq: number;
  ack?: number;
  data?: string | Uint8Array;
  window?: number;
  time?: number;
  /** Payload length on the wire when the capture cut it (snaplen). */
  wireLength?: number;
  client?: Side;
  server?: Side;
}

/** Builds frames with increasing frame numbers (1-based) and, unless given, time = frame number. */
export class FrameMaker {
  private n = 0;
  constructor(
    private client: Side = CLIENT,
    private server: Side = SERVER,
  ) {}

  seg(s: SegSpec): DecodedFrame {
    const frame = ++this.n;
    const c = s.client ?? this.client;
    const v = s.server ?? this.server;
    const [src, dst] = s.from === 'c' ? [c, v] : [v, c];
    let flags = 0;
    for (const ch of s.flags) flags |= FLAG_LETTERS[ch];
    const payload = typeof s.data === 'string' ? new TextEncoder().encode(s.data) : (s.data ?? new Uint8Array(0));
    return {
      frame,
      time: s.time ?? frame,
      tsSec: Math.floor(s.time ?? frame),
      tsNsec: 0,
      capturedLength: 54 + payload.length,
      originalLength: 54 + (s.wireLength ?? payload.length),
      link: { kind: 'ethernet', linkType: 1, headerLength: 14 },
      ip: {
        version: 4,
        headerLength: 20,
        dsfield: 0,
        totalLength: 40 + (s.wireLength ?? payload.length),
        id: frame,
        flags: 2,
        fragOffset: 0,
        ttl: 64,
        protocol: 6,
        checksum: 0,
        checksumStatus: 'ok',
        src: src.ip,
        dst: dst.ip,
        options: new Uint8Array(0),
      },
      tcp: {
        srcPort: src.port,
        dstPort: dst.port,
        seq: s.seq >>> 0,
        ack: (s.ack ?? 0) >>> 0,
        headerLength: 20,
        flags,
        window: s.window ?? 65535,
        checksum: 0,
        checksumStatus: 'ok',
        urgentPointer: 0,
        options: [],
        payloadLength: s.wireLength ?? payload.length,
      },
      payload,
      truncated: s.wireLength !== undefined && s.wireLength > payload.length,
      problems: [],
    };
  }

  icmp(err: IcmpError, time?: number): DecodedFrame {
    const frame = ++this.n;
    return {
      frame,
      time: time ?? frame,
      tsSec: Math.floor(time ?? frame),
      tsNsec: 0,
      capturedLength: 70,
      originalLength: 70,
      link: { kind: 'ethernet', linkType: 1, headerLength: 14 },
      payload: new Uint8Array(0),
      icmp: err,
      truncated: false,
      problems: [],
    };
  }
}

/** Records every callback as a line; keeps each direction's stream text with gap markers. */
export class Recorder implements ReassemblyListener {
  log: string[] = [];
  conns: TcpConnection[] = [];
  chunks: Array<StreamChunk & { conn: number; text: string }> = [];
  closes: Array<{ id: number; reason: string }> = [];
  events: Array<ConnectionEvent & { conn: number }> = [];
  private text = new Map<string, string>();

  onOpen(conn: TcpConnection, frame: number): void {
    this.conns.push(conn);
    this.log.push(`open ${conn.id} f${frame}`);
  }

  onData(conn: TcpConnection, chunk: StreamChunk): void {
    const text = new TextDecoder().decode(chunk.bytes);
    // Views die after the callback: keep a decoded copy only.
    this.chunks.push({ ...chunk, bytes: chunk.bytes.slice(), conn: conn.id, text });
    const gap = chunk.gapBefore > 0 ? ` gap${chunk.gapBefore}` : '';
    this.log.push(`data ${conn.id} ${chunk.dir} @${chunk.streamOffset}${gap} f${chunk.frame} ${JSON.stringify(text)}`);
    const k = `${conn.id} ${chunk.dir}`;
    this.text.set(k, (this.text.get(k) ?? '') + (chunk.gapBefore > 0 ? `[${chunk.gapBefore}]` : '') + text);
  }

  onEvent(conn: TcpConnection, e: ConnectionEvent): void {
    this.events.push({ ...e, conn: conn.id });
    const extra = e.repeat ? ' repeat' : '';
    const bytes = e.type === 'gap' ? ` ${e.bytes}` : '';
    this.log.push(`${e.type} ${conn.id} ${e.dir} f${e.frame}${extra}${bytes}`);
  }

  onClose(conn: TcpConnection, reason: 'fin' | 'rst' | 'evicted' | 'end' | 'reused'): void {
    this.closes.push({ id: conn.id, reason });
    this.log.push(`close ${conn.id} ${reason}`);
  }

  /** A direction's delivered stream, gaps shown as [n]. */
  stream(conn: number, dir: 'c2s' | 's2c'): string {
    return this.text.get(`${conn} ${dir}`) ?? '';
  }

  /** Log lines of one kind (prefix match), e.g. only 'data'. */
  only(...kinds: string[]): string[] {
    return this.log.filter((l) => kinds.includes(l.slice(0, l.indexOf(' '))));
  }
}
