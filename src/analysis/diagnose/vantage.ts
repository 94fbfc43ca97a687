/**
 * Where was the capture taken? A host's packets leave with a TTL (hop limit) of 64, 128 or 255
 * and lose one per router, so a side whose packets arrive with an unchanged TTL is on the capture's
 * own segment. What a diagnosis may claim depends on it: a capture on the server's side cannot
 * tell whether a SYN reached the client.
 */
import type { Session } from '../model.js';
import { addressClass, ep } from './facts.js';
import type { Vantage } from './types.js';
import { StringPool } from '../string-pool.js';

/** Reasons are worded from a few TTLs: one copy of each, not one per session (string-pool.ts). */
const REASONS = new StringPool(256);

const INITIAL_TTLS = [32, 64, 128, 255];

/** Routers between a sender and the capture point, from the TTL seen; null when unknown. */
export function hopsAway(ttl: number | null): number | null {
  if (ttl === null) return null;
  // A loop, not find(): no closure per call (a few calls per session, on every session).
  for (const initial of INITIAL_TTLS) if (initial >= ttl) return initial - ttl;
  return null;
}

/** What a capture point cannot see, for each vantage point. */
export const BLIND: Record<Vantage['point'], string> = {
  'client-side':
    "Taken on the client's side: what happened beyond the client's network is seen only through what came back. A packet that never came back may have been dropped anywhere on the way, or never sent by the server; what the server received is not in this capture.",
  'server-side':
    "Taken on the server's side: packets the client sent that did not reach the server's network are not in this capture, nor what a device on the client's side did to them (NAT rewrites, firewall drops).",
  'in-between':
    "Taken between the hosts: packets lost or rewritten on either side of this point are seen only by their absence, and neither host's own view (what it sent, what it received) is in this capture.",
  'same-segment':
    'Taken on the segment both hosts share: no router between them, so what the capture lacks was not sent; what each host did internally (its firewall, its application) is seen only through its packets.',
  'same-host':
    'Taken on the one host that runs both the client and the server (its loopback interface): every packet either end sent is in it, once, and no router, NAT or firewall lies between them; a packet that got no answer was dropped by that host itself, after the capture point (a port nobody listens on answers with a reset).',
  unknown: 'Where the capture was taken cannot be told from it: which packets a device between the hosts dropped or changed cannot be told either.',
};

/** What a capture on a device that forwards the session's packets cannot see. */
export const FORWARDER_BLIND =
  "Taken on a device between the hosts that forwards their packets: what it passed on shows twice (arriving, then leaving with a TTL one lower), what it did not pass on shows once, arriving; what happened beyond it on either side is seen only through what came back, and neither host's own view is in this capture.";

export function inferVantage(s: Session): Vantage {
  if (!s.natPeer && s.controlConnection.forwardedCopies > 0) {
    return {
      point: 'in-between',
      reason:
        `it was taken on a device that forwards the session's packets: each appears twice, arriving (the client's with TTL ` +
        `${s.ttl.client ?? '?'}, the server's with ${s.ttl.server ?? '?'}) and leaving with a TTL one lower`,
      blind: FORWARDER_BLIND,
      forwarder: true,
    };
  }
  const { point, reason } = s.natPeer ? placeAtNat(s.natPeer) : sameHost(s.client.ip, s.server.ip) ? placeOnHost(s.client.ip, s.server.ip) : placeByTtls(s);
  // Spelled out, not spread: a spread copy got a hidden class of its own per session (10,000
  // sessions held 10,000 shapes; heap snapshot of the generated many-sessions capture).
  return { point, reason, blind: BLIND[point] };
}

/**
 * One host at both ends: the same address (a host talking to itself, through its loopback interface
 * whatever the address), or two loopback addresses (127.0.0.0/8, ::1), which never leave a host.
 */
export function sameHost(client: string, server: string): boolean {
  return client === server || (addressClass(client) === 'loopback' && addressClass(server) === 'loopback');
}

function placeOnHost(client: string, server: string): Omit<Vantage, 'blind'> {
  const reason =
    client === server
      ? `both ends have the address ${client}: client and server run on one host, and the capture was taken on that host`
      : `both ends have loopback addresses (${client}, ${server}): client and server run on one host, and the capture was taken on that host`;
  return { point: 'same-host', reason: REASONS.intern(reason) };
}

function placeAtNat({ inside, outside }: NonNullable<Session['natPeer']>): Omit<Vantage, 'blind'> {
  const reason =
    `it was taken on the NAT device itself: every packet appears twice, before and after translation ` +
    `(the client is ${ep(inside)} inside, ${ep(outside)} outside)`;
  return { point: 'in-between', reason: REASONS.intern(reason) };
}

/**
 * The last place read from the two ends' TTLs, by those TTLs: sessions between the same hosts come
 * one after another, and their place's words are then built and pooled once, not per session
 * (100,000 logins: ~100 ms of building and hashing the same sentence).
 */
let lastByTtls: { client: number | null; server: number | null; place: Omit<Vantage, 'blind'> } | null = null;

function placeByTtls(s: Session): Omit<Vantage, 'blind'> {
  // A RST a device on the way forged in the server's name says nothing of where the server is.
  const forged = s.control.kind === 'refused' && s.control.by === 'network';
  const serverTtl = forged ? null : s.ttl.server;
  const last = lastByTtls;
  if (last !== null && last.client === s.ttl.client && last.server === serverTtl) return last.place;
  const { point, reason } = placeFromTtls(s.ttl.client, serverTtl);
  const place = { point, reason: REASONS.intern(reason) };
  lastByTtls = { client: s.ttl.client, server: serverTtl, place };
  return place;
}

function placeFromTtls(clientTtl: number | null, serverTtl: number | null): Omit<Vantage, 'blind'> {
  const c = hopsAway(clientTtl);
  const v = hopsAway(serverTtl);
  const ttlWords = `the client's packets arrive with TTL ${clientTtl ?? '?'}, the server's with ${serverTtl ?? '?'}`;
  if (c === 0 && v === null) {
    return { point: 'client-side', reason: `the client's packets arrive with TTL ${clientTtl} (unchanged) and nothing came from the server itself: it was taken on the client's side` };
  }
  if (v === 0 && c === null) {
    return { point: 'server-side', reason: `the server's packets arrive with TTL ${serverTtl} (unchanged) and nothing came from the client itself: it was taken on the server's side` };
  }
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
  return seesBothEnds(vantage) || vantage.point === `${side}-side`;
}

/** Why one host leaves its own SYN unanswered, as a capture on it shows (a closed port answers with a reset). */
export const OWN_DROP =
  "its own firewall's input rules for that port, or a listener whose queue of pending connections is full (a port nobody listens on would have answered with a reset)";

/** A capture with no router between it and either end: on their shared segment, or on the one host that runs both. */
export function seesBothEnds(vantage: Vantage): boolean {
  return vantage.point === 'same-segment' || vantage.point === 'same-host';
}

/** Where a capture that sees `side`'s arrivals was taken, in words: "on the client's side", or the one host. */
export function arrivalPlaceWords(vantage: Vantage, side: 'client' | 'server'): string {
  return vantage.point === 'same-host' ? `on the one host that runs both the client and the server` : `on the ${side}'s side`;
}

/**
 * Would a data connection's SYN sent by `side` be in this capture: it sees that side's packets as
 * they leave, and it holds the hosts' data connections at all (not a "port 21" capture: data-unseen.ts).
 */
export function wouldHoldDataSyn(s: Session, vantage: Vantage, side: 'client' | 'server'): boolean {
  return s.dataUnseen === undefined && canSeeArrivalAt(vantage, side);
}
