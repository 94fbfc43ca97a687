/**
 * A transfer confirmed by its server whose data connection's end the capture lost: read by the
 * statuses and verdicts (verdict.ts: not known, never completed with bytes "the capture lost") and by
 * the fallback chains (fallback.ts: the server took the other way and confirmed it).
 */
import type { Transfer } from './model.js';
import { carriesExpected, expectedBytes, streamMode } from './sender-stopped.js';

/**
 * A transfer the server confirmed (2xx) whose data connection has no end at all in the capture (no
 * FIN, no reset, by either side, nor an acknowledgement of a FIN the capture missed) though the
 * capture went on past its last data to the reply, in stream mode (where the sender's close ends the
 * data): either the capture lost the close (and any rest of the data), or the connection was reset
 * and the capture lost that reset, the rest still queued (a server that closes abortively still
 * answers 226: pyftpdlib, for its own reset and for its client's). Whole only when every byte of the
 * size the session stated came (verdict.ts countedWhole); otherwise the 2xx alone does not say
 * which, so the transfer is not known, never "completed" with bytes "the capture lost". The data
 * connection's last data segment in the capture, or null.
 */
export function dataEndNotCaptured(t: Transfer): number | null {
  const c = t.connection;
  if (!(t.reply !== null && t.reply.code >= 200 && t.reply.code < 300) || t.direction === null || !streamMode(t) || !c?.established || c.midstream || c.close !== null || c.rst) return null;
  if (c.handshake.some((e) => e.type === 'fin' || e.type === 'rst') || c.finUnseen !== undefined) return null;
  const expected = expectedBytes(t);
  if (expected !== null && (t.bytes + c.gapBytes >= expected || carriesExpected(t))) return null;
  const last = c.lastData?.frame ?? null;
  return last !== null && last < t.reply.frame ? last : null;
}
