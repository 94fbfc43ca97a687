/**
 * ReplyHolds: the capture's clock releases replies a control parser holds for client bytes still to
 * come (control-parser.ts heldReplies): at once when a TCP connection opens, else after
 * HOLD_REPLY_SECONDS. Behaviour on real captures: test/diagnose/verdicts-order.test.ts, verdicts-audit60.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { HOLD_REPLY_SECONDS, ReplyHolds, type ReplyHolder } from '../../src/ftp/reply-holds.js';

/** A holder that records its releases and leaves the registry as a parser does. */
function holder(holds: ReplyHolds, since: number): ReplyHolder & { released: number } {
  const h = {
    heldSince: since,
    released: 0,
    releaseHeld(): void {
      h.released++;
      holds.delete(h);
    },
  };
  holds.add(h);
  return h;
}

describe('ReplyHolds', () => {
  it('keeps a hold while packets come within the hold time, and releases it after', () => {
    const holds = new ReplyHolds();
    const h = holder(holds, 100);
    holds.tick(100 + HOLD_REPLY_SECONDS / 2, false);
    holds.tick(100 + HOLD_REPLY_SECONDS, false);
    expect(h.released).toBe(0);
    holds.tick(100 + HOLD_REPLY_SECONDS + 0.001, false);
    expect(h.released).toBe(1);
    holds.tick(200, true);
    expect(h.released).toBe(1);
  });

  it('releases every hold, however recent, when a connection opens', () => {
    const holds = new ReplyHolds();
    const a = holder(holds, 100);
    const b = holder(holds, 100.0005);
    holds.tick(100.001, true);
    expect([a.released, b.released]).toEqual([1, 1]);
  });
});
