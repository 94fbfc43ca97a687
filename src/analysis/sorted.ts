/**
 * Searches in lists kept sorted, for the questions the analysis asks of every transfer ("the first
 * session opened after this refusal", "the first attempt after this one's end"): a binary search
 * instead of a scan, so that the answers stay linear in the capture.
 */
import type { Session } from './model.js';

/** The first index of `sorted` (ascending by `keyOf`) whose key is greater than `key`; its length when none is. */
export function firstAbove<T>(sorted: readonly T[], key: number, keyOf: (x: T) => number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (keyOf(sorted[mid]) <= key) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The first index of an ascending list of numbers whose value is at least `x`; its length when none is. */
export function firstAtLeast(sorted: readonly number[], x: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid] < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The sessions of one client address to one server endpoint share this key (retries, fallbacks, split downloads). */
export const peersKey = (s: Session): string => `${s.client.ip}|${s.server.ip}|${s.server.port}`;

/**
 * Whether two sessions of one client address may be one program's (a reconnect after a refusal, a
 * retry): it logs in as it did before; a session of another user from the same host is another
 * program's, or another person's. A login the capture lacks matches any.
 */
export const sameLogin = (a: Session, b: Session): boolean => a.user === null || b.user === null || a.user === b.user;
