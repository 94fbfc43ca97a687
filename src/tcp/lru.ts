/**
 * A least-recently-used list of live connections, linked through their own `lruPrev`/`lruNext`
 * fields: O(1) append, unlink and touch, the oldest at the head.
 */
export interface LruNode<T> {
  lruPrev: T | null;
  lruNext: T | null;
}

export class LruList<T extends LruNode<T>> {
  head: T | null = null;
  private tail: T | null = null;

  append(x: T): void {
    x.lruPrev = this.tail;
    x.lruNext = null;
    if (this.tail !== null) this.tail.lruNext = x;
    else this.head = x;
    this.tail = x;
  }

  unlink(x: T): void {
    if (x.lruPrev !== null) x.lruPrev.lruNext = x.lruNext;
    else if (this.head === x) this.head = x.lruNext;
    if (x.lruNext !== null) x.lruNext.lruPrev = x.lruPrev;
    else if (this.tail === x) this.tail = x.lruPrev;
    x.lruPrev = null;
    x.lruNext = null;
  }

  /** Most recently used now: to the tail. */
  touch(x: T): void {
    if (this.tail === x) return;
    this.unlink(x);
    this.append(x);
  }
}
