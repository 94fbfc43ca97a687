/**
 * The first TTL (hop limit) seen on packets from one address to another: where the capture was
 * taken shows in it (diagnose/vantage.ts). Kept per pair of addresses, not per sender: a capture
 * that merges two capture points (the client's side and the server's, beyond a NAT) holds the
 * client's packets twice, with TTL 64 toward the public address at one point and 63 toward the
 * inside address at the other; each view of the session reads its own.
 */
export class TtlTable {
  private readonly bySource = new Map<string, Map<string, number>>();
  private pairs = 0;
  private lastSrc = '';
  private lastDst = '';

  constructor(private readonly maxPairs: number) {}

  /** Note a TCP segment's TTL; the first one of each pair is kept, up to maxPairs pairs. */
  note(src: string, dst: string, ttl: number): void {
    if (src === this.lastSrc && dst === this.lastDst) return; // seen just before: already noted (or the table is full)
    this.lastSrc = src;
    this.lastDst = dst;
    if (this.pairs >= this.maxPairs) return;
    let toward = this.bySource.get(src);
    if (toward === undefined) this.bySource.set(src, (toward = new Map()));
    if (toward.has(dst)) return;
    toward.set(dst, ttl);
    this.pairs++;
  }

  /** The first TTL of packets from `src` to `dst`; null when none was seen (or kept). */
  of(src: string, dst: string): number | null {
    return this.bySource.get(src)?.get(dst) ?? null;
  }
}
