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
