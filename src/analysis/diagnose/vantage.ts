/**
 * Where was the capture taken? A host's packets leave with a TTL (hop limit) of 64, 128 or 255
 * and lose one per router, so a side whose packets arrive with an unchanged TTL is on the capture's
 * own segment. What a diagnosis may claim depends on it: a capture on the server's side cannot
 * tell whether a SYN reached the client.
 */
import type { Session } from '../model.js';
import type { Vantage } from './types.js';

const INITIAL_TTLS = [32, 64, 128, 255];

/** Routers between a sender and the capture point, from the TTL seen; null when unknown. */
export function hopsAway(ttl: number | null): number | null {
  if (ttl === null) return null;
  const initial = INITIAL_TTLS.find((t) => t >= ttl);
  return initial === undefined ? null : initial - ttl;
}

export function inferVantage(s: Session): Vantage {
  if (s.natPeer) {
    const { inside, outside } = s.natPeer;
    return {
      point: 'in-between',
      reason:
        `it was taken on the NAT device itself: every packet appears twice, before and after translation ` +
        `(the client is ${inside.ip}:${inside.port} inside, ${outside.ip}:${outside.port} outside)`,
    };
  }
  const c = hopsAway(s.ttl.client);
  const v = hopsAway(s.ttl.server);
  const ttlWords = `the client's packets arrive with TTL ${s.ttl.client ?? '?'}, the server's with ${s.ttl.server ?? '?'}`;
  if (c === null || v === null) return { point: 'unknown', reason: 'not enough packets from both sides to tell' };
  if (c === 0 && v === 0) {
    return { point: 'same-segment', reason: `${ttlWords}: no router between either of them and the capture point` };
  }
  if (c === 0) {
    return {
      point: 'client-side',
      reason: `${ttlWords} (${v} router${v === 1 ? '' : 's'} away): it was taken on the client's side and shows what reached the client`,
    };
  }
  if (v === 0) {
    return {
      point: 'server-side',
      reason: `${ttlWords} (${c} router${c === 1 ? '' : 's'} away): it was taken on the server's side and shows what reached the server`,
    };
  }
  return {
    point: 'in-between',
    reason: `${ttlWords}: it was taken between them, ${c} router(s) from the client and ${v} from the server`,
  };
}

/** What this capture can say about packets travelling towards `side`. */
export function canSeeArrivalAt(vantage: Vantage, side: 'client' | 'server'): boolean {
  return vantage.point === 'same-segment' || vantage.point === `${side}-side`;
}
