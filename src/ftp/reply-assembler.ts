/**
 * Reply assembly (RFC 959 §4.2): server lines in, one FtpReply per reply out.
 * "123-First line" opens a multi-line reply; only a line that starts with the same code followed
 * by a space (or the bare code) closes it. Lines in between are text, whatever digits they start
 * with. A reply holds at most maxLines lines / maxBytes bytes: beyond that it is truncated (the
 * rest is counted, not kept) and closed when its last line arrives.
 */

import { warning, type Warning } from '../warnings/catalog.js';
import type { FtpReply } from './types.js';
import type { FramedLine } from './line-framer.js';
import { parseReplyLine } from './commands.js';
import type { HeldPool } from '../tcp/held-pool.js';

export const DEFAULT_MAX_REPLY_LINES = 1000;
export const DEFAULT_MAX_REPLY_BYTES = 256 * 1024;

export interface ReplyAssemblerOptions {
  maxLines?: number;
  maxBytes?: number;
  /** Shared by every session's assembler: the characters their open replies hold together. */
  pool?: HeldPool;
}


interface OpenReply {
  code: number;
  /** "NNN" and "NNN " as text, to recognise the closing line. */
  codeText: string;
  firstFrame: number;
  texts: string[];
  lines: string[];
  bytes: number;
  /** Lines skipped after the bound. */
  skipped: number;
  problems: string[];
  /** The frame and time of its latest line (where it ends if cut). */
  lastFrame: number;
  lastTime: number;
  /** A capture gap fell inside it: a later line that opens a reply of its own ends it. */
  afterGap: boolean;
}

export class ReplyAssembler {
  private readonly maxLines: number;
  private readonly maxBytes: number;
  private readonly pool: HeldPool | undefined;
  private open: OpenReply | null = null;
  private limitReported = false;

  constructor(
    private readonly emit: (reply: FtpReply) => void,
    private readonly onLimit: (frame: number, time: number, warning: Warning<'ftp-reply-lines'>) => void,
    opts: ReplyAssemblerOptions = {},
  ) {
    this.maxLines = Math.max(2, opts.maxLines ?? DEFAULT_MAX_REPLY_LINES);
    this.maxBytes = Math.max(64, opts.maxBytes ?? DEFAULT_MAX_REPLY_BYTES);
    this.pool = opts.pool;
  }

  /** True while a multi-line reply waits for its last line. */
  get inMultiline(): boolean {
    return this.open !== null;
  }

  pushLine(line: FramedLine): void {
    const open = this.open;
    if (open !== null) {
      this.continueReply(open, line);
      return;
    }
    const parsed = parseReplyLine(line.text);
    if (parsed.code !== 0 && parsed.sep === '-') {
      const problems: string[] = [];
      if (line.malformed !== undefined) problems.push(line.malformed);
      if (parsed.problem !== undefined) problems.push(parsed.problem);
      if (this.pool !== undefined) this.pool.used += line.text.length;
      this.open = {
        code: parsed.code,
        codeText: line.text.slice(0, 3),
        firstFrame: line.firstFrame,
        texts: [parsed.text],
        lines: [line.text],
        bytes: line.text.length,
        skipped: 0,
        problems,
        lastFrame: line.frame,
        lastTime: line.time,
        afterGap: false,
      };
      return;
    }
    // A one-line reply (most): its text and problems as they are, with no lists to join.
    const reply: FtpReply = { type: 'reply', frame: line.frame, firstFrame: line.firstFrame, time: line.time, code: parsed.code, text: parsed.text, lines: [line.text], multiline: false };
    const malformed = line.malformed === undefined ? parsed.problem : parsed.problem === undefined ? line.malformed : `${line.malformed}; ${parsed.problem}`;
    if (malformed !== undefined) reply.malformed = malformed;
    this.emit(reply);
  }

  /** Close an open multi-line reply early (capture gap, end of stream) as malformed `why`. */
  flush(frame: number, time: number, why: string): void {
    const open = this.open;
    if (open === null) return;
    this.open = null;
    open.problems.push(why);
    this.emitOpen(open, frame, time);
  }

  /**
   * The client sent its next command while a multi-line reply whose rest the capture lost (a gap,
   * a snaplen's cut) was open: a client sends a command once the reply before it has ended, so the
   * closing line was in what the capture lost. The reply ends there, cut, before the command (so it
   * pairs with the command it answered, not with the new one).
   */
  endAfterGap(): void {
    const open = this.open;
    if (open === null || !open.afterGap) return;
    this.open = null;
    this.emitOpen(open, open.lastFrame, open.lastTime);
  }

  /**
   * A capture gap inside an open multi-line reply: its closing line may have been in the gap. The
   * reply stays open for the text lines after the gap (the rest of a listing of features, say), but
   * the next line that reads as a reply of its own ends it, cut, and is read as that reply: the
   * following replies are not swallowed as its inner lines.
   */
  gapInside(why: string): void {
    const open = this.open;
    if (open === null) return;
    open.afterGap = true;
    if (!open.problems.includes(why)) open.problems.push(why);
  }

  private continueReply(open: OpenReply, line: FramedLine): void {
    const text = line.text;
    const closes =
      text.startsWith(open.codeText) && (text.length === 3 || text.charCodeAt(3) === 0x20 /* space */);
    if (open.afterGap && !closes) {
      const parsed = parseReplyLine(text);
      if (parsed.code !== 0 && parsed.problem === undefined) {
        this.open = null;
        this.emitOpen(open, open.lastFrame, open.lastTime);
        this.pushLine(line);
        return;
      }
    }
    open.lastFrame = line.frame;
    open.lastTime = line.time;
    if (line.malformed !== undefined && !open.problems.includes(line.malformed)) open.problems.push(line.malformed);

    const full = open.skipped > 0 || open.lines.length >= this.maxLines || open.bytes + text.length > this.maxBytes;
    const pool = this.pool;
    const poolFull = !full && pool !== undefined && pool.used + text.length > pool.max;
    if ((full || poolFull) && !closes) {
      // Count, don't keep; the closing line is still kept so the reply ends with its last text.
      if (poolFull) pool!.onFull(line.frame);
      else if (open.skipped === 0) this.truncate(open, line);
      open.skipped++;
      return;
    }
    open.lines.push(text);
    open.texts.push(closes ? text.slice(4) : text);
    open.bytes += text.length;
    if (pool !== undefined) pool.used += text.length;
    if (!closes) return;
    this.open = null;
    if (open.skipped > 0) open.problems.push(`reply truncated: ${open.skipped} line${open.skipped === 1 ? '' : 's'} skipped`);
    this.emitOpen(open, line.frame, line.time);
  }

  private truncate(open: OpenReply, line: FramedLine): void {
    if (this.limitReported) return;
    this.limitReported = true;
    const facts = { replyCode: open.code, maxLines: this.maxLines, maxBytes: this.maxBytes };
    this.onLimit(line.frame, line.time, warning('ftp-reply-lines', facts, { frame: line.frame }));
  }

  private emitOpen(open: OpenReply, frame: number, time: number): void {
    if (this.pool !== undefined) this.pool.used -= open.bytes;
    this.emit(makeReply(open.code, open.firstFrame, frame, time, open.texts, open.lines, true, open.problems));
  }
}

function makeReply(
  code: number,
  firstFrame: number,
  frame: number,
  time: number,
  texts: string[],
  lines: string[],
  multiline: boolean,
  problems: string[],
): FtpReply {
  const reply: FtpReply = { type: 'reply', frame, firstFrame, time, code, text: texts.join('\n'), lines, multiline };
  if (problems.length > 0) reply.malformed = problems.join('; ');
  return reply;
}
