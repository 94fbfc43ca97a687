/**
 * The control parsers of one capture that hold replies for client bytes still to come, or
 * requests for server bytes still to come (control-parser.ts heldReplies, heldRequests), shared so
 * that the capture's clock can release them: a held reply or request goes on after
 * HOLD_REPLY_SECONDS of capture time, or as soon as any TCP connection opens — a 227 held back must
 * be known when the SYN of the data connection it announced comes (an FXP copy's other server
 * connects within milliseconds). Usually empty: the check per packet is one
 * size test.
 */

/**
 * How long a reply waits for the client bytes it acknowledged: a command written after its reply
 * by the capture comes within microseconds, one the capture missed and the client sent again after
 * its retransmission timeout (Linux: at least 200 ms) well within a second.
 */
export const HOLD_REPLY_SECONDS = 1;

export interface ReplyHolder {
  /** The capture time of its oldest held reply or request. */
  readonly heldSince: number;
  /** Give on every held request, then every held reply, saying which client bytes it acknowledged are missing. */
  releaseHeld(): void;
}

export class ReplyHolds {
  private readonly holders = new Set<ReplyHolder>();

  add(h: ReplyHolder): void {
    this.holders.add(h);
  }

  delete(h: ReplyHolder): void {
    this.holders.delete(h);
  }

  /** A packet at capture time `now`; `opening`: it opens a TCP connection (a SYN). */
  tick(now: number, opening: boolean): void {
    if (this.holders.size === 0) return;
    for (const h of this.holders) if (opening || now - h.heldSince > HOLD_REPLY_SECONDS) h.releaseHeld();
  }
}
