// Types for the generated adversarial captures (adversarial.mjs), for the tests that import it.
/** Each returns the capture's bytes when no path is given (written to the path otherwise). */
export function synOnly(n: number, path?: string | null): Buffer;
export function rstClosed(n: number, path?: string | null): Buffer;
export function ftpTiny(n: number, path?: string | null): Buffer;
export function noops(sessions: number, perSession: number, path?: string | null): Buffer;
export function preliminaryFlood(n: number, path?: string | null): Buffer;
export function unaskedReplies(sessions: number, perSession: number, path?: string | null): Buffer;
export function idbFlood(n: number, path?: string | null): Buffer;
export function longTransfer(segments: number, path?: string | null): Buffer;
export function manyTransfers(n: number, path?: string | null): Buffer;
export function besideSession(n: number, path?: string | null): Buffer;
export function failedTransfers(n: number, opts?: { syn?: boolean }, path?: string | null): Buffer;
export function badTimestamp(path?: string | null): Buffer;
export function zeroGzip(gib: number, path?: string | null): Buffer;
export function unusedPorts(n: number, path?: string | null): Buffer;
export function refusedRetries(n: number, path?: string | null): Buffer;
export function hugeReplies(n: number, opts?: { lines?: number; width?: number }, path?: string | null): Buffer;
export function hugeGreetings(sessions: number, opts?: { lines?: number; width?: number; per?: number }, path?: string | null): Buffer;
export function noLineEnd(bytes: number, path?: string | null): Buffer;
export function byteByByte(n: number, path?: string | null): Buffer;
export function hugeListing(n: number, path?: string | null): Buffer;
export function overlapping(n: number, opts?: { size?: number; overlap?: number; holes?: boolean }, path?: string | null): Buffer;
export function partialLines(sessions: number, opts?: { length?: number; per?: number }, path?: string | null): Buffer;
export function tlsHelloFlood(sessions: number, opts?: { claimed?: number; sent?: number; per?: number }, path?: string | null): Buffer;
export function fragmentHoles(n: number, path?: string | null): Buffer;
export function ipv4Frame(src: number, dst: number, proto: number, payload: Buffer, opts?: { id?: number; frag?: number }): Buffer;
