/**
 * The first TTL (hop limit) seen on packets from one address to another: where the capture was
 * taken shows in it (diagnose/vantage.ts). Kept per pair of addresses, not per sender: a capture
 * that merges two capture points (the client's side and the server's, beyond a NAT) holds the
 * client's packets twice, with TTL 64 toward the public address at one point and 63 toward the
 * inside address at the other; each view of the session reads its own. The same packet's link-layer
 * source address is kept beside it (Ethernet, Linux cooked): two addresses sending from one network
 * card on the capture's own segment are one host (own-addresses.ts).
 */
import type { LinkHeader } from '../decode/types.js';
import type { TcpConnection } from '../tcp/types.js';
import type { ConnectionMarks } from './model.js';

interface FirstSeen {
  ttl: number;
  /** The link-layer source address ("aa:bb:cc:dd:ee:ff"), when the link type carries one. */
  link: string | undefined;
}

export class TtlTable {
  private readonly bySource = new Map<string, Map<string, FirstSeen>>();
  private pairs = 0;
  // The last two pairs noted: a connection's packets alternate between its two directions, and
  // one remembered pair then missed on nearly every packet (two Map look-ups each).
  private lastSrc = '';
  private lastDst = '';
  private prevSrc = '';
  private prevDst = '';

  constructor(private readonly maxPairs: number) {}

  /**
   * Note a TCP segment's TTL (and its link layer's source, read only for a pair's first packet: the
   * analysis pass formats it when asked, link.ts EthernetScratch); the first one of each pair is
   * kept, up to maxPairs pairs.
   */
  note(src: string, dst: string, ttl: number, link?: Pick<LinkHeader, 'src'>): void {
    // Seen just before: already noted (or the table is full).
    if ((src === this.lastSrc && dst === this.lastDst) || (src === this.prevSrc && dst === this.prevDst)) return;
    this.prevSrc = this.lastSrc;
    this.prevDst = this.lastDst;
    this.lastSrc = src;
    this.lastDst = dst;
    if (this.pairs >= this.maxPairs) return;
    let toward = this.bySource.get(src);
    if (toward === undefined) this.bySource.set(src, (toward = new Map()));
    if (toward.has(dst)) return;
    toward.set(dst, { ttl, link: link?.src });
    this.pairs++;
  }

  /** The first TTL of packets from `src` to `dst`; null when none was seen (or kept). */
  of(src: string, dst: string): number | null {
    return this.bySource.get(src)?.get(dst)?.ttl ?? null;
  }

  /** The link-layer source address of that first packet; null when unknown. */
  linkOf(src: string, dst: string): string | null {
    return this.bySource.get(src)?.get(dst)?.link ?? null;
  }
}

/** The connection's first marks (TcpConnection.firstMarks) in FTP terms; `clientDir`: the direction the FTP client's packets travel. */
export function connectionMarks(conn: TcpConnection, clientDir: 'c2s' | 's2c'): ConnectionMarks {
  const client = conn.firstMarks[clientDir];
  const server = conn.firstMarks[clientDir === 'c2s' ? 's2c' : 'c2s'];
  return { ttl: ttlPair(client?.ttl ?? null, server?.ttl ?? null), clientLink: client?.link ?? null };
}

export type TtlPair = Readonly<{ client: number | null; server: number | null }>;

/** Every pair of TTLs met so far, by (client + 1) × 257 + server + 1 (null as -1): at most 257² small objects. */
const TTL_PAIRS = new Map<number, TtlPair>();

/**
 * A frozen pair of TTLs, one object per pair of values: each session and connection keeps two such
 * pairs to the end of the capture, and a capture's sessions share a few pairs (ftp-100k: one).
 */
export function ttlPair(client: number | null, server: number | null): TtlPair {
  const key = ((client ?? -1) + 1) * 257 + (server ?? -1) + 1;
  let pair = TTL_PAIRS.get(key);
  if (pair === undefined) {
    pair = Object.freeze({ client, server });
    TTL_PAIRS.set(key, pair);
  }
  return pair;
}
