/**
 * Which frames' header dumps the report embeds, and the dumps themselves. The packet trace calls
 * `keep` for every frame of the traced connections as it reads; the collector keeps, per
 * connection, its first packets (the handshake), every SYN, FIN, RST and ICMP error (up to a
 * bound), the control connection's command and reply segments (up to a bound), and the first and
 * the last payload-carrying segment of each data connection. Each kept frame is turned into the
 * same lines `dump` prints (dump.ts, dump-fields.ts) at once, so the capture's bytes are not held.
 * The report then embeds only the dumps its ladders point at, at most MAX_EMBEDDED_DUMPS.
 */
import type { Analysis } from '../../analysis/model.js';
import type { KeptFrame, TraceConnection } from '../../analysis/packet-trace.js';
import { decodeFrame } from '../../decode/frame.js';
import { TCP_FIN, TCP_RST, TCP_SYN } from '../../decode/types.js';
import { dumpBlock, formatLine, type DumpOptions } from '../dump.js';

/** Frames whose dumps one report embeds. */
export const MAX_EMBEDDED_DUMPS = 400;
/** Bytes of each embedded frame shown in hex (headers always fit; the rest of a data segment is cut). */
export const HEX_BYTES = 256;
/** Dumps held while the capture is read, before the report picks the ones it shows. */
const MAX_CANDIDATES = 4000;
/**
 * And their text, in characters: a frame of pipelined commands dumps one line per command (a NOOP
 * flood's frames hundreds each), and 4000 such dumps filled a 128 MiB heap.
 */
export const MAX_CANDIDATE_CHARS = 4 * 1024 * 1024;
/** Per connection: first packets kept, SYN/FIN/RST/ICMP frames kept, control text segments kept. */
const FIRST_PACKETS = 4;
const SIGNAL_FRAMES = 32;
const CONTROL_TEXT_FRAMES = 600;

/**
 * One line of a frame's box: its text as `dump` prints it, and the tshark fields it shows as
 * "name=value;name=value". In the text, a run of n ≥ 3 spaces is a tab and the character 64+n
 * (the page expands it; text from packets has no tab, escapeText shows one as \t).
 */
export type DumpTextLine = string | [text: string, fields: string];

/** Runs of spaces packed as described above (the boxes are mostly alignment). */
export function packSpaces(text: string): string {
  return text.replace(/ {3,}/g, (run) => {
    let out = '';
    for (let n = run.length; n > 0; n -= 60) out += n >= 3 ? `\t${String.fromCharCode(64 + Math.min(n, 60))}` : ' '.repeat(n);
    return out;
  });
}

export interface FrameDump {
  frame: number;
  lines: DumpTextLine[];
  /** The first HEX_BYTES captured bytes, base64. */
  hex: string;
  /** Bytes captured (the hex may show fewer). */
  captured: number;
}

interface ConnState {
  firstData: boolean;
  signal: number;
  text: number;
  /** The latest payload-carrying segment of a data connection, copied, rendered at the end. */
  last: { k: KeptFrame; data: Uint8Array } | null;
}

/** The characters a dump holds (its lines, their fields, its hex). */
export function dumpChars(d: FrameDump): number {
  let n = d.hex.length;
  for (const l of d.lines) n += typeof l === 'string' ? l.length : l[0].length + l[1].length;
  return n;
}

function toDump(k: KeptFrame, a: Analysis, opts: DumpOptions): FrameDump {
  const block = dumpBlock(k, a, opts);
  const lines = block.lines.map((l): DumpTextLine => {
    const text = packSpaces(formatLine(l).text);
    return l.fields !== undefined && l.fields.length > 0 ? [text, l.fields.map((f) => `${f.tshark}=${f.value}`).join(';')] : text;
  });
  const shown = k.data.subarray(0, HEX_BYTES);
  return { frame: k.decoded.frame, lines, hex: Buffer.from(shown.buffer, shown.byteOffset, shown.byteLength).toString('base64'), captured: k.data.length };
}

export class DumpCollector {
  private readonly dumps = new Map<number, FrameDump>();
  /** Characters held by `dumps` (see MAX_CANDIDATE_CHARS). */
  private chars = 0;
  private readonly conns = new Map<TraceConnection, ConnState>();
  /** Frames the collector chose while reading; `onKept` renders them. */
  private wanted: 'dump' | 'last' | null = null;

  constructor(
    private readonly analysis: Analysis,
    private readonly opts: DumpOptions,
  ) {}

  private state(conn: TraceConnection): ConnState {
    let st = this.conns.get(conn);
    if (st === undefined) {
      st = { firstData: false, signal: 0, text: 0, last: null };
      this.conns.set(conn, st);
    }
    return st;
  }

  /** For tracePackets' `keep`: whether this frame's dump may be shown. */
  readonly keep = (frame: number, conn: TraceConnection | null): boolean => {
    this.wanted = null;
    if (conn === null) return false;
    const p = conn.packets[conn.packets.length - 1];
    if (p === undefined || p.frame !== frame) return false;
    const st = this.state(conn);
    const full = this.dumps.size >= MAX_CANDIDATES || this.chars >= MAX_CANDIDATE_CHARS;
    if (!full && conn.packets.length <= FIRST_PACKETS) this.wanted = 'dump';
    else if (!full && (p.icmp !== undefined || (p.flags & (TCP_SYN | TCP_FIN | TCP_RST)) !== 0) && st.signal < SIGNAL_FRAMES) {
      st.signal++;
      this.wanted = 'dump';
    } else if (p.payloadLength > 0 && conn.role === 'control') {
      if (!full && st.text < CONTROL_TEXT_FRAMES) {
        st.text++;
        this.wanted = 'dump';
      }
    } else if (p.payloadLength > 0) {
      if (!st.firstData && !full) {
        st.firstData = true;
        this.wanted = 'dump';
      } else this.wanted = 'last';
    }
    return this.wanted !== null;
  };

  /** For tracePackets' `onKept`: render the frame now (its views are valid only during the call). */
  readonly onKept = (k: KeptFrame): void => {
    if (this.wanted === 'dump') this.hold(toDump(k, this.analysis, this.opts));
    else if (this.wanted === 'last' && k.connection !== null) {
      this.state(k.connection).last = { k: { ...k, decoded: k.decoded }, data: k.data.slice() };
    }
    this.wanted = null;
  };

  private hold(d: FrameDump): void {
    this.dumps.set(d.frame, d);
    this.chars += dumpChars(d);
  }

  /** Every dump collected, the last data segment of each connection included. */
  finish(): Map<number, FrameDump> {
    for (const st of this.conns.values()) {
      if (st.last === null) continue;
      const { k, data } = st.last;
      const f = k.decoded;
      const decoded = decodeFrame({
        frame: f.frame,
        offset: 0,
        tsSec: Math.floor(f.time),
        tsNsec: 0,
        time: f.time,
        linkType: k.linkType,
        interfaceId: 0,
        capturedLength: f.capturedLength,
        originalLength: f.originalLength,
        data,
      });
      this.hold(toDump({ ...k, decoded, data }, this.analysis, this.opts));
      st.last = null;
    }
    return this.dumps;
  }
}
