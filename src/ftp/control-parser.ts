/**
 * One FTP control connection: both directions' StreamChunks in (capture order), FtpEvents out.
 * Client lines become requests, server lines are assembled into replies. When the connection
 * turns to TLS (234 after AUTH TLS/SSL/TLS-C/TLS-P, or a TLS record where a line should start)
 * its bytes are counted into 'opaque' events per direction. The TLS records are walked by their
 * headers: when a direction's records end at a record boundary and FTP text follows (CCC: the
 * control channel back in clear text, RFC 4217 §6), that direction is read as text again.
 * With a decryptor (keys for the connection's TLS: src/tls), the TLS bytes are handed to it and
 * the application data it returns is read as text like clear text, each line stamped with the
 * frame carrying the end of its TLS record.
 * Reports facts only: passwords are not masked here and nothing is logged.
 */

import type { Warning } from '../warnings/catalog.js';
import type { StreamChunk } from '../tcp/types.js';
import type { FtpEvent, FtpOpaque, FtpReply, FtpRequest } from './types.js';
import type { HeldPool } from '../tcp/held-pool.js';
import { DEFAULT_MAX_LINE_LENGTH, LineFramer, type FramedLine, type LineSink } from './line-framer.js';
import { ReplyAssembler } from './reply-assembler.js';
import { parseRequestLine } from './commands.js';
import type { ReplyHolder, ReplyHolds } from './reply-holds.js';

const TELNET_ONLY = /^(?:\xff[\xf0-\xfe])+$/;
/** What a clear-text line after TLS must look like to end it (CCC): a command, or a reply. */
const CLEAR_AGAIN: Record<'client' | 'server', RegExp> = {
  client: /^[A-Za-z]{3,4}( [^\r\n]*)?\r?\n/,
  server: /^[1-5]\d\d[ -][^\r\n]*\r?\n/,
};

/** Reads the control connection's TLS (made when TLS starts; see analysis/control-channels.ts). */
export interface ControlDecryptor {
  /** TLS bytes of one side, in stream order. */
  push(side: 'client' | 'server', bytes: Uint8Array, gapBefore: number, frame: number, time: number): void;
  /** Keys are in hand: the application data comes back as plaintext. */
  readonly decrypting: boolean;
}

export interface FtpControlParserOptions {
  /** The connection is TLS from its first byte (implicit FTPS, e.g. port 990). */
  implicitTls?: boolean;
  /**
   * Makes the decryptor when TLS starts; it gives decrypted application data to `plain`. Absent:
   * TLS bytes are only counted (opaque).
   */
  tls?: (plain: (side: 'client' | 'server', bytes: Uint8Array, frame: number, time: number) => void) => ControlDecryptor;
  maxLineLength?: number;
  maxReplyLines?: number;
  maxReplyBytes?: number;
  /** Shared with the other connections' parsers: the text they hold waiting for its end, together. */
  heldPool?: HeldPool;
  /** Shared with the other connections' parsers: the capture's clock releases held replies (reply-holds.ts). */
  replyHolds?: ReplyHolds;
}

type Side = 'client' | 'server';
type Mode = 'text' | 'tls' | 'not-text';

/** A reply held for client bytes still to come: how far it acknowledged them, and how far they had come then. */
interface HeldReply {
  reply: FtpReply;
  acked: number;
  end: number;
}

interface HeldRequest {
  request: FtpRequest;
  /** The server bytes its segment acknowledged (-1: held only behind an earlier one). */
  acked: number;
}

interface OpaqueRun {
  reason: 'tls' | 'not-text';
  bytes: number;
  frame: number;
  time: number;
}

/** AUTH mechanisms whose 234 reply switches the control connection to TLS. */
const TLS_MECHANISMS = new Set(['TLS', 'SSL', 'TLS-C', 'TLS-P']);

/** How many leading bytes of a direction the text check looks at. */
const TEXT_SAMPLE = 64;
/** At most this many chunks of the client's TLS bytes before its 234 are kept for the decryptor (a ClientHello takes one or two). */
const MAX_EARLY_CHUNKS = 8;
/** At most this many replies wait at once; an older one goes out when another comes. */
const MAX_HELD_REPLIES = 16;
/** At most this many requests wait at once for the replies before them (heldRequests). */
const MAX_HELD_REQUESTS = 16;

/**
 * Held replies or requests, oldest first: those whose acknowledged bytes of the other side (more than
 * a FIN's one past `end`, where its delivered bytes reach) have all come, taken off the front.
 */
function takeDelivered<T extends { acked: number }>(held: T[], end: number): T[] {
  let k = 0;
  while (k < held.length && held[k].acked - end <= 1) k++;
  return k === 0 ? [] : held.splice(0, k);
}

export class FtpControlParser implements ReplyHolder {
  /** Each direction's state, and the sink of its line framer. */
  private readonly sides: Record<Side, Direction>;
  private readonly replies: ReplyAssembler;
  private readonly implicitTls: boolean;
  /**
   * Where each direction's TLS records begin and end, to notice clear text after them (CCC).
   * Made when TLS starts (most control connections never see it): see `walker`.
   */
  private records: Record<Side, TlsRecordWalker> | null = null;
  /** The latest AUTH asked for TLS: a 234 now means the connection switches. */
  private authTlsSent = false;
  private tlsStarted = false;
  private finished = false;
  private readonly makeDecryptor: FtpControlParserOptions['tls'];
  private decryptor: ControlDecryptor | null = null;
  /**
   * Replies whose server had acknowledged client bytes not yet delivered when it sent them, in
   * order: the command they answer is still to come (a capture that wrote it after its reply — two
   * interfaces or NIC queues merged, a TAP's two directions — or that missed it and has the
   * client's retransmission). Given on once those bytes come, so that the command comes first; or,
   * with `clientUnseen`, when they turn out lost (a gap), when the capture's clock says so (another
   * connection opens, or a while passed: reply-holds.ts), at the end, or before any other event.
   */
  private heldReplies: HeldReply[] | null = null;
  /**
   * The mirror of heldReplies: requests whose client had acknowledged server bytes not delivered yet
   * when it sent them — a reply the capture wrote after the next command (two NIC queues, `-i any`).
   * Given on once those bytes come, so that the reply comes first and each command meets the state
   * its client saw (a REST's 350 before the RETR it restarts, a PASV's 501 before the PORT that
   * followed it); or when the bytes turn out lost (a gap or any other event), by the capture's clock,
   * at the end.
   */
  private heldRequests: HeldRequest[] | null = null;
  /** The client's TLS bytes that came before the 234 that began TLS (a capture's reordering), for the decryptor. */
  private early: Array<{ bytes: Uint8Array; gapBefore: number; frame: number; time: number }> | null = null;
  /** Where the client's side turned to TLS before the 234 came (see push), until that 234 starts TLS. */
  private clientTlsAt: { frame: number; time: number } | null = null;
  private readonly replyHolds: ReplyHolds | undefined;

  constructor(
    private readonly sink: (e: FtpEvent) => void,
    opts: FtpControlParserOptions = {},
  ) {
    const maxLine = opts.maxLineLength ?? DEFAULT_MAX_LINE_LENGTH;
    this.implicitTls = opts.implicitTls === true;
    this.makeDecryptor = opts.tls;
    this.replyHolds = opts.replyHolds;
    this.sides = { client: new Direction(this, 'client', maxLine, opts.heldPool), server: new Direction(this, 'server', maxLine, opts.heldPool) };
    this.replies = new ReplyAssembler(
      (r) => this.onReply(r),
      (frame, time, warning) => this.emit({ type: 'limit', dir: 'server', frame, time, limit: 'reply-lines', warning }),
      { maxLines: opts.maxReplyLines, maxBytes: opts.maxReplyBytes, pool: opts.heldPool },
    );
  }

  pushClient(chunk: StreamChunk): void {
    this.push('client', chunk);
  }

  pushServer(chunk: StreamChunk): void {
    this.push('server', chunk);
    // After the chunk's own replies: those came before the requests that acknowledged them.
    if (this.heldRequests !== null) this.releaseRequests();
  }

  /**
   * End of the connection: partial lines are emitted as malformed 'no line terminator', an
   * unfinished multi-line reply is closed, and the opaque byte counts are emitted.
   */
  finish(): void {
    if (this.finished) return;
    this.finished = true;
    this.releaseHeld();
    // The client turned to TLS before a 234 that never came in the capture: TLS began there after all.
    if (!this.tlsStarted && this.clientTlsAt !== null) this.startTls(this.clientTlsAt.frame, this.clientTlsAt.time, false);
    const plain = this.decryptor?.decrypting === true;
    const { client, server } = this.sides;
    if (client.mode === 'text' || (plain && client.mode === 'tls')) client.framer.finish();
    if (server.mode === 'text' || (plain && server.mode === 'tls')) {
      server.framer.finish();
      this.replies.flush(server.lastFrame, server.lastTime, 'no end of multi-line reply');
    }
    this.flushRun('client');
    this.flushRun('server');
  }

  private push(side: Side, chunk: StreamChunk): void {
    if (this.finished) return;
    const bytes = chunk.bytes;
    const n = bytes.length;
    if (this.implicitTls && !this.tlsStarted && n > 0) this.startTls(chunk.frame, chunk.time, true);
    const d = this.sides[side];
    if (chunk.streamOffset + n > d.end) d.end = chunk.streamOffset + n;
    // The client turned to TLS before the 234 came (see below): the server's TLS record, or bytes after
    // a stretch the capture lost (where that 234 was), begin TLS from the client's first record.
    if (side === 'server' && this.clientTlsAt !== null && !this.tlsStarted && n > 0 && (chunk.gapBefore > 0 || (d.framer.atLineStart && looksLikeTlsRecord(bytes)))) {
      this.startTls(this.clientTlsAt.frame, this.clientTlsAt.time, false);
    }

    if (d.mode === 'tls' && n > 0) {
      const clear = this.walker(side).walk(bytes, chunk.gapBefore > 0);
      if (clear >= 0 && CLEAR_AGAIN[side].test(latin1Prefix(bytes.subarray(clear)))) {
        // The records ended and FTP text follows: CCC took this direction back to clear text. After
        // bytes the capture lost (its close_notify), that text follows a gap: replies may be in it.
        if (chunk.gapBefore > 0 && clear === 0) this.onGap(side, chunk.gapBefore, chunk.frame, chunk.time, chunk.gapAcked, chunk.streamOffset);
        if (clear > 0) this.tlsBytes(side, bytes.subarray(0, clear), chunk);
        this.flushRun(side);
        d.mode = 'text';
        this.emit({ type: 'tls-end', dir: side, frame: chunk.frame, time: chunk.time });
        this.remember(side, chunk);
        const rest: StreamChunk = { ...chunk, bytes: bytes.subarray(clear), gapBefore: 0 };
        const read = d.framer.push(rest);
        if (read < rest.bytes.length) this.tlsBytes(side, rest.bytes.subarray(read), { ...chunk, gapBefore: 0 });
        return;
      }
    }
    if (d.mode === 'tls') {
      d.chunkAcked = chunk.peerAcked;
      // Bytes the capture lost under TLS are a gap as in clear text: replies may be in them (the 234
      // that began TLS, a reply the keys would have shown).
      if (chunk.gapBefore > 0) {
        // A line begun in the records before the gap ends in it: the text after it starts anew.
        d.framer.reset();
        this.onGap(side, chunk.gapBefore, chunk.frame, chunk.time, chunk.gapAcked, chunk.streamOffset);
      }
      if (n > 0 || chunk.gapBefore > 0) this.tlsBytes(side, bytes, chunk);
      this.remember(side, chunk);
      return;
    }
    if (d.mode !== 'text') {
      // Gaps are the reassembler's to report here: only bytes actually seen are counted.
      if (n > 0) this.addOpaque(side, 'not-text', n, chunk);
      this.remember(side, chunk);
      return;
    }

    const framer = d.framer;
    if (n > 0 && (!d.started || (framer.atLineStart && chunk.gapBefore === 0))) {
      const first = !d.started;
      d.started = true;
      if (looksLikeTlsRecord(bytes)) {
        // The client's first record before the 234 its segment acknowledged: the capture wrote the two
        // in the other order (two NIC queues, `-i any`). The client's side turns to TLS now, the
        // server's at its 234, which is still to come.
        if (side === 'client' && this.authTlsSent && !this.tlsStarted && chunk.peerAcked !== undefined && chunk.peerAcked > this.sides.server.end) {
          d.mode = 'tls';
          this.clientTlsAt = { frame: chunk.frame, time: chunk.time };
          this.walker(side).walk(bytes, false);
          this.tlsBytes(side, bytes, { ...chunk, gapBefore: 0 });
          this.remember(side, chunk);
          return;
        }
        // At a line start, a TLS record means TLS began: implicit FTPS, or a 234 we did not see. Not
        // implicit when the capture lost this side's bytes before it after the other side spoke clear
        // text (a 220 greeting, then AUTH TLS and its 234 the capture lost); a ClientHello as the
        // client's very first bytes after a 220 is implicit FTPS spoken to a plain port.
        const other = this.sides[side === 'client' ? 'server' : 'client'];
        this.startTls(chunk.frame, chunk.time, !this.authTlsSent && !(chunk.gapBefore > 0 && other.started));
        this.walker(side).walk(bytes, false);
        this.tlsBytes(side, bytes, { ...chunk, gapBefore: 0 });
        this.remember(side, chunk);
        return;
      }
      if (first && !looksLikeText(bytes) && !(side === 'server' && startsLikeReply(bytes))) {
        this.emit({ type: 'not-ftp', dir: side, frame: chunk.frame, time: chunk.time, line: printableFirstLine(bytes) });
        d.mode = 'not-text';
        this.addOpaque(side, 'not-text', n, chunk);
        this.remember(side, chunk);
        return;
      }
    }

    const read = framer.push(chunk);
    // The stream turned to TLS inside this chunk (234 was followed by more bytes): count the rest.
    if (read < n) {
      this.walker(side).walk(bytes.subarray(read), false);
      this.tlsBytes(side, bytes.subarray(read), { ...chunk, gapBefore: 0 });
    }
    this.remember(side, chunk);
  }

  /** TLS bytes of one side: decrypted when keys are in hand, counted as opaque otherwise. */
  private tlsBytes(side: Side, bytes: Uint8Array, at: { gapBefore: number; frame: number; time: number }): void {
    // The client's records before the 234 came (see push): kept for the decryptor that 234 makes.
    if (!this.tlsStarted && this.makeDecryptor !== undefined && (this.early?.length ?? 0) < MAX_EARLY_CHUNKS) {
      (this.early ??= []).push({ bytes: bytes.slice(), gapBefore: at.gapBefore, frame: at.frame, time: at.time });
    }
    const d = this.decryptor;
    if (d !== null) d.push(side, bytes, at.gapBefore, at.frame, at.time);
    if ((d === null || !d.decrypting) && bytes.length > 0) this.addOpaque(side, 'tls', bytes.length, at);
  }

  /** Decrypted application data of one side, read as text. */
  private onPlain(side: Side, bytes: Uint8Array, frame: number, time: number): void {
    const d = this.sides[side];
    if (this.finished || d.mode !== 'tls') return;
    d.plainFeeding = true;
    try {
      d.framer.push({ dir: side === 'client' ? 'c2s' : 's2c', bytes, gapBefore: 0, streamOffset: 0, frame, time });
    } finally {
      d.plainFeeding = false;
    }
  }

  /** @internal For its directions' line framers (Direction). */
  onClientLine(line: FramedLine): boolean {
    // "IAC IP IAC DM" alone (the Telnet interrupt a client sends before ABOR, as TCP urgent data)
    // is a signal, not a command: when ABOR does not follow on the same line, there is no request.
    if (line.text.charCodeAt(0) === 0xff && TELNET_ONLY.test(line.text)) return this.sides.client.mode === 'text' || this.sides.client.plainFeeding;
    const req = parseRequestLine(line.text);
    const problems = joinProblems(line.malformed, req.problem);
    this.replies.endAfterGap();
    // Optional fields in the literal (undefined when absent), neither spread in nor added after: a
    // spread costs an object per line, an added field an object for the out-of-line fields.
    const request: FtpRequest = {
      type: 'request',
      frame: line.frame,
      time: line.time,
      firstFrame: line.firstFrame !== line.frame ? line.firstFrame : undefined,
      command: req.command,
      arg: req.arg,
      raw: line.text,
      malformed: problems,
      acked: line.peerAcked,
    };
    const client = this.sides.client;
    this.sendRequest(request, client.plainFeeding ? client.chunkAcked : line.peerAcked);
    if (req.command === 'AUTH') this.authTlsSent = TLS_MECHANISMS.has(req.arg.trim().toUpperCase());
    return this.sides.client.mode === 'text' || this.sides.client.plainFeeding;
  }

  /** @internal For its directions' line framers (Direction). */
  onServerLine(line: FramedLine): boolean {
    const server = this.sides.server;
    // Decrypted, a line's acknowledgement is the TLS record's segment's (the same TCP stream offsets).
    server.lineAcked = server.plainFeeding ? server.chunkAcked : line.peerAcked;
    this.replies.pushLine(line);
    server.lineAcked = undefined;
    return this.sides.server.mode === 'text' || this.sides.server.plainFeeding;
  }

  private onReply(reply: FtpReply): void {
    // The server had acknowledged client bytes not delivered yet when it sent this reply's last line
    // (more than a FIN's one): the command it answers is still to come, or lost (heldReplies). In clear
    // text, or TLS read with keys (a decrypted line carries its record's segment's acknowledgement).
    const { client, server } = this.sides;
    const acked = server.lineAcked;
    const readable = client.mode === 'text' || (client.mode === 'tls' && this.decryptor?.decrypting === true);
    const ahead = acked !== undefined && readable && client.end >= 0 && acked - client.end > 1;
    if (ahead || this.heldReplies !== null) {
      if (this.heldReplies === null) this.replyHolds?.add(this);
      const held = (this.heldReplies ??= []);
      if (held.length >= MAX_HELD_REPLIES) this.giveUnseen(held.shift()!);
      held.push({ reply, acked: ahead ? acked : -1, end: client.end });
      return;
    }
    this.giveReply(reply);
  }

  /** A held reply on, saying how many client bytes it acknowledged had not come when it came (FtpReply.clientUnseen). */
  private giveUnseen(held: HeldReply): void {
    const { reply, acked, end } = held;
    // Clear text only: under TLS the bytes missing are records, which say nothing of how many commands.
    if (this.sides.client.mode === 'text' && acked - end > 1) reply.clientUnseen = acked - end;
    this.giveReply(reply);
  }

  /**
   * A request on, unless its client had acknowledged server bytes not delivered yet (more than a
   * FIN's one): then it waits for them behind any request already waiting (heldRequests).
   */
  private sendRequest(request: FtpRequest, acked: number | undefined): void {
    const server = this.sides.server;
    const readable = server.mode === 'text' || (server.mode === 'tls' && this.decryptor?.decrypting === true);
    const ahead = acked !== undefined && readable && server.end >= 0 && acked - server.end > 1;
    if (!ahead && this.heldRequests === null) {
      this.emit(request);
      return;
    }
    if (this.heldRequests === null && this.heldReplies === null) this.replyHolds?.add(this);
    const held = (this.heldRequests ??= []);
    if (held.length >= MAX_HELD_REQUESTS) this.emit(held.shift()!.request);
    held.push({ request, acked: ahead ? acked : -1 });
  }

  /** The server's bytes came: the held requests whose acknowledged bytes are all delivered go on, in order. */
  private releaseRequests(): void {
    const out = takeDelivered(this.heldRequests!, this.sides.server.end);
    if (this.heldRequests!.length === 0) this.stopHoldingRequests();
    for (const h of out) this.emit(h.request);
  }

  private stopHoldingRequests(): void {
    this.heldRequests = null;
    if (this.heldReplies === null) this.replyHolds?.delete(this);
  }

  /** A reply on to the sink. */
  private giveReply(reply: FtpReply): void {
    this.sink(reply);
    // Only the simple pairing here (the latest AUTH); full command/reply matching is analysis.
    if (reply.code === 234 && this.authTlsSent) this.startTls(reply.frame, reply.time, false);
  }

  /** The client's bytes came: the held replies whose acknowledged bytes are all delivered go on, in order. */
  private releaseDelivered(): void {
    const out = takeDelivered(this.heldReplies!, this.sides.client.end);
    if (this.heldReplies!.length === 0) this.stopHolding();
    for (const h of out) this.giveReply(h.reply);
  }

  /** The capture time of the oldest held reply or request (ReplyHolder). */
  get heldSince(): number {
    return Math.min(this.heldReplies?.[0].reply.time ?? Infinity, this.heldRequests?.[0].request.time ?? Infinity);
  }

  /**
   * Every held request goes on, then every held reply, saying which client bytes it acknowledged
   * are missing (ReplyHolder).
   */
  releaseHeld(): void {
    const requests = this.heldRequests;
    if (requests !== null) {
      this.stopHoldingRequests();
      for (const h of requests) this.emit(h.request);
    }
    const held = this.heldReplies;
    if (held === null) return;
    this.stopHolding();
    for (const h of held) this.giveUnseen(h);
  }

  /**
   * A gap in the client's bytes, the capture resuming at `end`: the held replies that acknowledged
   * no more than the gap go on (what they waited for is lost); one that acknowledged bytes after
   * it waits on for them, which may come right after the gap (the first copy of a command lost,
   * its retransmission captured after the reply: the reply must still follow its command).
   */
  private releaseBeforeGapEnd(end: number): void {
    const out = takeDelivered(this.heldReplies!, end);
    if (this.heldReplies!.length === 0) this.stopHolding();
    for (const h of out) this.giveUnseen(h);
  }

  private stopHolding(): void {
    this.heldReplies = null;
    if (this.heldRequests === null) this.replyHolds?.delete(this);
  }

  /**
   * Every event but a client's request comes after the held replies, which came before it (a gap in
   * the client's bytes, after those that waited for no more than it: releaseBeforeGapEnd); and every
   * event after the held requests (a gap in the server's bytes: what they waited for may be lost).
   */
  private emit(e: FtpEvent): void {
    if (this.heldRequests !== null && e.type !== 'request') this.releaseHeld();
    if (this.heldReplies !== null) {
      if (e.type === 'opaque' && e.dir === 'client' && e.reason === 'gap' && e.end !== undefined) this.releaseBeforeGapEnd(e.end);
      else if (e.type !== 'request') this.releaseHeld();
      else {
        this.sink(e);
        this.releaseDelivered();
        return;
      }
    }
    this.sink(e);
  }

  /** @internal For its directions' line framers (Direction). */
  onLineLimit(dir: Side, frame: number, time: number, warning: Warning<'ftp-line-length'>): void {
    this.emit({ type: 'limit', dir, frame, time, limit: 'line-length', warning });
  }

  /** @internal For its directions' line framers (Direction). */
  onGap(dir: Side, bytes: number, frame: number, time: number, acked?: number, end?: number, cutOnly?: boolean): void {
    // The rest of an open multi-line reply may be in the gap: its text lines after it still belong
    // to it, a line that opens a reply of its own ends it (ReplyAssembler.gapInside).
    if (dir === 'server') this.replies.gapInside('capture gap inside multi-line reply');
    const gap: FtpOpaque = { type: 'opaque', dir, frame, time, bytes, reason: 'gap' };
    if (acked !== undefined) gap.acked = acked;
    if (end !== undefined) gap.end = end;
    if (cutOnly === true) gap.cutOnly = true;
    this.emit(gap);
  }

  /** A direction's TLS record walker, made on first use. */
  private walker(side: Side): TlsRecordWalker {
    this.records ??= { client: new TlsRecordWalker(), server: new TlsRecordWalker() };
    return this.records[side];
  }

  private startTls(frame: number, time: number, implicit: boolean): void {
    if (this.tlsStarted) return;
    this.tlsStarted = true;
    // Fresh walkers from here on; a client side that turned to TLS before its 234 came keeps its own.
    if (this.sides.client.mode !== 'tls') this.records = null;
    this.emit({ type: 'tls-start', frame, time, implicit });
    if (this.makeDecryptor) this.decryptor = this.makeDecryptor((side, bytes, f, t) => this.onPlain(side, bytes, f, t));
    const early = this.early;
    this.early = null;
    if (early !== null && this.decryptor !== null) for (const e of early) this.decryptor.push('client', e.bytes, e.gapBefore, e.frame, e.time);
    for (const side of ['client', 'server'] as const) {
      if (this.sides[side].mode !== 'text') continue;
      this.sides[side].mode = 'tls';
      // A partial line held at the switch is unreadable now: count it with the TLS bytes.
      const dropped = this.sides[side].framer.reset();
      if (dropped > 0) this.addOpaque(side, 'tls', dropped, { frame, time });
    }
    this.replies.flush(this.sides.server.lastFrame, this.sides.server.lastTime, 'TLS started inside multi-line reply');
  }

  private addOpaque(side: Side, reason: OpaqueRun['reason'], bytes: number, at: { frame: number; time: number }): void {
    const run = this.sides[side].run;
    if (run !== null && run.reason === reason) {
      run.bytes += bytes;
      return;
    }
    this.flushRun(side);
    this.sides[side].run = { reason, bytes, frame: at.frame, time: at.time };
  }

  private flushRun(side: Side): void {
    const run = this.sides[side].run;
    if (run === null) return;
    this.sides[side].run = null;
    const ev: FtpOpaque = { type: 'opaque', dir: side, frame: run.frame, time: run.time, bytes: run.bytes, reason: run.reason };
    this.emit(ev);
  }

  private remember(side: Side, chunk: StreamChunk): void {
    const d = this.sides[side];
    d.lastFrame = chunk.frame;
    d.lastTime = chunk.time;
  }
}

/**
 * One direction of the control connection: how its bytes are read now, the opaque run being
 * counted, the last chunk seen, and its line framer, whose sink it is (one object per direction,
 * no closures: a capture may hold 100,000 control connections at once).
 */
class Direction implements LineSink {
  mode: Mode = 'text';
  /** Its first bytes were seen (and checked for TLS or non-text). */
  started = false;
  run: OpaqueRun | null = null;
  lastFrame = 0;
  lastTime = 0;
  /** The stream offset just past the last byte delivered in this direction (-1: none yet). */
  end = -1;
  /** A server line's acknowledgement of the client's bytes (FramedLine.peerAcked), while its reply is assembled. */
  lineAcked: number | undefined = undefined;
  /** Under TLS: the acknowledgement the segment being decrypted carried (StreamChunk.peerAcked). */
  chunkAcked: number | undefined = undefined;
  /** Decrypted application data is being read: lines keep the framer going. */
  plainFeeding = false;
  readonly framer: LineFramer;

  constructor(
    private readonly parser: FtpControlParser,
    private readonly side: Side,
    maxLine: number,
    pool: HeldPool | undefined,
  ) {
    this.framer = new LineFramer(this, maxLine, pool);
  }

  line(l: FramedLine): boolean {
    return this.side === 'client' ? this.parser.onClientLine(l) : this.parser.onServerLine(l);
  }

  limit(frame: number, time: number, w: Warning<'ftp-line-length'>): void {
    this.parser.onLineLimit(this.side, frame, time, w);
  }

  gap(bytes: number, frame: number, time: number, acked?: number, end?: number, cutOnly?: boolean): void {
    this.parser.onGap(this.side, bytes, frame, time, acked, end, cutOnly);
  }
}

/** The largest TLS record (RFC 8446 5.2: 2^14 bytes of plaintext plus 256 of expansion; TLS 1.2 allows 2048). */
const MAX_RECORD = (1 << 14) + 2048;

/**
 * Follows one direction's TLS records by their 5-byte headers (type, version, length). `walk`
 * returns the offset in `bytes` where something other than a record begins at a record boundary
 * after at least one whole record (clear text after CCC's close_notify), or -1. After a gap the
 * walk goes on only from a chunk that begins with a record header; a chunk that begins otherwise,
 * after records, may begin the clear text (the gap held the last records: CCC's close_notify), so
 * its offset 0 is returned for the caller to test, and the walk ends; a header that is no TLS
 * header ends it for good.
 */
class TlsRecordWalker {
  private readonly header = new Uint8Array(5);
  private have = 0;
  private remaining = 0;
  private lost = false;
  /** Content type of the last record begun; 0 before the first. */
  private lastType = 0;

  walk(bytes: Uint8Array, gapBefore: boolean): number {
    // After bytes the capture lost, a chunk that begins with a record header begins a record (TCP
    // segments usually start at one; the lost bytes may be the text TLS followed: a 234 not captured):
    // the walk goes on from there. Anything else and the record boundaries are lost for good.
    if (gapBefore && !this.lost) {
      if (looksLikeTlsRecord(bytes) && bytes.length >= 5 && ((bytes[3] << 8) | bytes[4]) <= MAX_RECORD) {
        this.have = 0;
        this.remaining = 0;
      } else {
        this.lost = true;
        return this.lastType !== 0 ? 0 : -1;
      }
    }
    if (this.lost) return -1;
    let i = 0;
    const n = bytes.length;
    while (i < n) {
      if (this.remaining > 0) {
        const take = Math.min(this.remaining, n - i);
        this.remaining -= take;
        i += take;
        continue;
      }
      if (this.have === 0 && (bytes[i] < 0x14 || bytes[i] > 0x17)) {
        if (this.lastType !== 0) return i;
        this.lost = true;
        return -1;
      }
      this.header[this.have++] = bytes[i++];
      if (this.have < 5) continue;
      this.have = 0;
      if (this.header[1] !== 0x03) {
        this.lost = true;
        return -1;
      }
      this.lastType = this.header[0];
      this.remaining = (this.header[3] << 8) | this.header[4];
    }
    return -1;
  }
}

/** The first bytes as a string (one char per byte), enough for a line test. */
function latin1Prefix(bytes: Uint8Array): string {
  return String.fromCharCode(...bytes.subarray(0, 512));
}

/** The first line of `bytes` when it is printable ASCII ("SSH-2.0-dropbear"), else ''. */
function printableFirstLine(bytes: Uint8Array): string {
  const max = Math.min(bytes.length, 200);
  let end = 0;
  while (end < max && bytes[end] >= 0x20 && bytes[end] < 0x7f) end++;
  const ended = end < bytes.length && (bytes[end] === 0x0d || bytes[end] === 0x0a);
  return end >= 4 && ended ? String.fromCharCode(...bytes.subarray(0, end)) : '';
}

function joinProblems(a: string | undefined, b: string | undefined): string | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return `${a}; ${b}`;
}

/** A TLS record header: content type 20..23 (handshake is 22 = 0x16), version major 3. */
export function looksLikeTlsRecord(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] >= 0x14 && bytes[0] <= 0x17 && bytes[1] === 0x03 && (bytes.length < 3 || bytes[2] <= 0x04);
}

/**
 * The first bytes of a server's direction begin with a reply code and its separator ("230 ", "220-"):
 * FTP, whatever its text holds after it (a hostile server's NUL in its 230, the first line a capture
 * that began mid-session holds).
 */
function startsLikeReply(bytes: Uint8Array): boolean {
  const digit = (i: number): boolean => bytes[i] >= 0x30 && bytes[i] <= 0x39;
  return bytes.length >= 4 && bytes[0] >= 0x31 && bytes[0] <= 0x35 && digit(1) && digit(2) && (bytes[3] === 0x20 || bytes[3] === 0x2d);
}

/**
 * The first bytes of a direction read as FTP text: no NUL, and control characters other than
 * TAB/CR/LF/FF/ESC (banners use ANSI colours) are rare. Bytes >= 0x80 are fine (UTF-8, Telnet IAC).
 */
function looksLikeText(bytes: Uint8Array): boolean {
  const n = Math.min(bytes.length, TEXT_SAMPLE);
  let bad = 0;
  for (let i = 0; i < n; i++) {
    const b = bytes[i];
    if (b === 0) return false;
    if ((b < 0x20 && b !== 0x09 && b !== 0x0a && b !== 0x0c && b !== 0x0d && b !== 0x1b) || b === 0x7f) bad++;
  }
  return bad * 8 <= n;
}
