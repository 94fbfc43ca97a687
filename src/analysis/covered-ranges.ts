/**
 * Which stream offsets one direction of a connection has carried so far: sorted, disjoint,
 * merged [start, end) ranges. Adding a segment says how many of its bytes are new, so a repeat is
 * told from a late (out-of-order) segment filling a hole. Holes are few in practice (loss), and
 * segments arrive mostly at the end, so the search runs from the last range backwards.
 */
export class CoveredRanges {
  private readonly starts: number[] = [];
  private readonly ends: number[] = [];

  /** Highest offset covered (0 when empty). */
  get end(): number {
    return this.ends.length ? this.ends[this.ends.length - 1] : 0;
  }

  /** Add [start, end); returns how many of those bytes were not covered before. */
  add(start: number, end: number): number {
    if (end <= start) return 0;
    const S = this.starts;
    const E = this.ends;
    // First range that could touch [start, end): the last with starts[i] <= end, walking back.
    let hi = S.length - 1;
    while (hi >= 0 && S[hi] > end) hi--;
    let lo = hi;
    while (lo >= 0 && E[lo] >= start) lo--;
    lo++; // ranges lo..hi touch or overlap [start, end)
    if (lo > hi) {
      S.splice(lo, 0, start);
      E.splice(lo, 0, end);
      return end - start;
    }
    let covered = 0;
    for (let i = lo; i <= hi; i++) covered += Math.max(0, Math.min(E[i], end) - Math.max(S[i], start));
    const ns = Math.min(S[lo], start);
    const ne = Math.max(E[hi], end);
    S.splice(lo, hi - lo + 1, ns);
    E.splice(lo, hi - lo + 1, ne);
    return end - start - covered;
  }

  /** Bytes below the highest covered offset that no segment carried. */
  holes(): number {
    let n = 0;
    for (let i = 1; i < this.starts.length; i++) n += this.starts[i] - this.ends[i - 1];
    return n + (this.starts.length ? this.starts[0] : 0);
  }
}
