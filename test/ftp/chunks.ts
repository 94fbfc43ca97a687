/** Builders for StreamChunk inputs to the FTP layer's tests (no packet bytes involved). */
import type { Direction, StreamChunk } from '../../src/tcp/types.js';
import type { FtpEvent } from '../../src/ftp/types.js';

/** One chunk of latin1 text (or bytes); time is frame/10 so tests can check it too. */
export function chunk(
  dir: Direction,
  data: string | Uint8Array,
  frame: number,
  opts: { gapBefore?: number; cutBefore?: number; streamOffset?: number } = {},
): StreamChunk {
  const bytes = typeof data === 'string' ? new Uint8Array(Buffer.from(data, 'latin1')) : data;
  return {
    dir,
    bytes,
    gapBefore: opts.gapBefore ?? 0,
    ...(opts.cutBefore !== undefined ? { cutBefore: opts.cutBefore } : {}),
    streamOffset: opts.streamOffset ?? 0,
    frame,
    time: frame / 10,
  };
}

/** Collects emitted events. */
export function collector(): { events: FtpEvent[]; emit: (e: FtpEvent) => void } {
  const events: FtpEvent[] = [];
  return { events, emit: (e) => events.push(e) };
}
