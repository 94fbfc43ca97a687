/**
 * Builds one FTP session from its control channel's events: matches replies to commands through a
 * queue (so pipelined commands are paired right), tracks session state (user, directory, TYPE,
 * REST, renames, TLS) and creates a Transfer for every PORT/EPRT/LPRT or PASV/EPSV/LPSV
 * announcement. Linking transfers to TCP connections is the DataLinker's job.
 */
import { warning, type Warning } from '../warnings/catalog.js';
import { announcesActive, announcesPassive, commandInfo, isWrapped, passiveCommandOfReply, sentDuringTransfer, transferKind, type TupleKind } from '../ftp/commands.js';
import type { FtpEvent, FtpReply, FtpRequest, TupleResult } from '../ftp/types.js';
import {
  parseEprtArg,
  parseEpsvReply,
  parseLprtArg,
  parseLpsvReply,
  parsePasvReply,
  parsePortArg,
} from '../ftp/tuples.js';
import type {
  AddressTuple,
  Command,
  ControlConnection,
  Endpoint,
  Reply,
  Session,
  Transfer,
} from './model.js';
import { kbytesFrom150, nameFrom150, pathFrom257, resolveFtpPath, sizeFrom150 } from './paths.js';
import { lineText } from './text.js';
import { CUT_SHORT } from '../ftp/line-framer.js';
import { TEXT_CHARS_PER_COMMAND, TRANSFER_COST_IN_COMMANDS, textCostInCommands } from './memory-budget.js';
import { readableByHosts } from './announce-malformed.js';
import type { DataEnds } from './data-connections.js';
import { dataSender } from './data-sender.js';
import { serverSoftware } from './server-software.js';
import type { StringPool } from './string-pool.js';


const GREETING_CODES = new Set([120, 220, 421]);
/**
 * The preliminary replies of a command that has none (most): one shared, frozen empty list, replaced
 * by a list of its own at the first 1xx. Every kept command had carried an empty array of its own.
 */
const NO_PRELIMINARY: Reply[] = Object.freeze([]) as unknown as Reply[];
/** Preliminary (1xx) replies kept per command: a server that sends them without end must not grow memory. */
export const MAX_PRELIMINARY_REPLIES = 100;
const TLS_MECHANISMS = new Set(['TLS', 'SSL', 'TLS-C', 'TLS-P']);

/** The tuple parser for each kind of announcement the command catalog names. */
const TUPLE_PARSERS: Record<TupleKind, (text: string) => TupleResult> = {
  port: parsePortArg,
  eprt: parseEprtArg,
  lprt: parseLprtArg,
  pasv: parsePasvReply,
  epsv: parseEpsvReply,
  lpsv: parseLpsvReply,
};

export interface SessionBuilderOptions {
  showPasswords: boolean;
  /** Commands kept waiting for replies; beyond it commands are counted, not paired (reported once). */
  maxPendingCommands: number;
  /** Commands kept per session; beyond it they are counted for reply pairing only (reported once). */
  maxCommands: number;
  /**
   * Commands all sessions together may still keep (shared, decremented per kept command); once
   * spent, commands are only counted as past maxCommands, and onExhausted is told (the owner
   * reports it once for the capture).
   */
  commandBudget?: { left: number; onExhausted(frame: number): void };
  /** Transfers announced but not yet used, per session; beyond it announcements are not tracked. */
  maxOpenAnnouncements: number;
  /**
   * Called when a transfer's data endpoint becomes known, so the linker can expect it; and for a
   * passive transfer whose 227/229 the capture lacks (its endpoint unknown: only an FXP copy can name it).
   */
  onAnnounce(transfer: Transfer, session: Session): void;
  /** Called when an unused announcement is forgotten (bound reached): the linker stops expecting it. */
  onForget(transfer: Transfer): void;
  /** How the transfer's data connection has closed so far: null while it has not (DataConnections.endsOf). */
  dataEnds(transfer: Transfer): DataEnds | null;
  /** Bytes the transfer's data connection has carried so far (0: none yet, or none linked; DataConnections.bytesOf). */
  dataBytes(transfer: Transfer): number;
  onWarning(warning: Warning): void;
  /** Every session's verbs, arguments and reply texts kept once (absent: each kept as it came). */
  strings?: StringPool;
}

/** 1xx codes that repeat during a transfer by design: restart markers (110, RFC 959), GridFTP's range and performance markers (111, 112). */
const MARKER_CODES = new Set([110, 111, 112]);

/**
 * A transfer's data connection was cut as far as the capture has read: reset by either end, or closed
 * by the end that receives its data (FIN) — not the sender's FIN that ends its data normally.
 */
function cutBeforeEnd(t: Transfer, ends: DataEnds | null): boolean {
  if (ends === null) return false;
  if (ends.rst) return true;
  const sender = dataSender(t.direction);
  return sender !== null && ends.fin[sender === 'client' ? 'server' : 'client'];
}

/** A command's or reply's problems name a line the capture cut short. */
const cutShort = (malformed: string | undefined): boolean => malformed?.includes(CUT_SHORT) === true;

/** The byte offset a REST names (a stream-mode restart marker: a whole number), or null. */
export function restartOffset(rest: Command): number | null {
  const n = Number(rest.arg.trim());
  return Number.isSafeInteger(n) && n >= 0 ? n : null;
}

/** The address tuple a passive command's reply (227, 228, 229) announces. */
export function passiveReplyTuple(verb: string, text: string): AddressTuple {
  return toTuple(TUPLE_PARSERS[commandInfo(verb)!.tuple!](text));
}

function toTuple(result: TupleResult): AddressTuple {
  if (result.ok) {
    return { ok: true, ip: result.ip, port: result.port, family: result.family, arithmetic: result.arithmetic };
  }
  return { ok: false, ip: null, port: null, family: null, arithmetic: '', reason: result.reason };
}

function toReply(e: FtpReply, strings: StringPool | undefined): Reply {
  const text = lineText(e.text);
  const reply: Reply = {
    code: e.code,
    text: strings === undefined ? text : strings.intern(text),
    frame: e.frame,
    firstFrame: e.firstFrame,
    time: e.time,
  };
  if (e.malformed) reply.malformed = e.malformed;
  return reply;
}

/** A session as its control connection opens: numbered, described and judged once the capture is read. */
/**
 * One empty list shared by every session until something is added to it (a short session holds
 * none of these): replaced, never pushed to, while it is this one. Frozen, so a push from
 * elsewhere fails loudly instead of filling every session's list.
 */
export const NO_ITEMS: never[] = Object.freeze([]) as unknown as never[];

/** A session's opaque byte counts while it has none (most): shared, replaced by its own at the first. */
const NO_OPAQUE_BYTES: Session['opaqueBytes'] = Object.freeze({ client: 0, server: 0 });

/** The control connection's facts before it closes (ControlChannels.close describes it): one frozen object for all. */
const NOT_DESCRIBED_YET: ControlConnection = Object.freeze({
  established: false,
  synFrames: NO_ITEMS,
  synAckFrames: NO_ITEMS,
  handshake: NO_ITEMS,
  rst: null,
  icmpErrors: NO_ITEMS,
  unacknowledged: null,
  hole: null,
  forwardedCopies: 0,
  marks: Object.freeze({ ttl: Object.freeze({ client: null, server: null }), clientLink: null }),
});

/**
 * A session as its control connection opens: numbered, described and judged once the capture is read.
 * `client` and `server` are kept as given (the connection's own endpoints: never changed).
 */
export function newSession(stream: number, client: Endpoint, server: Endpoint, start: number, end: number, midstream: boolean): Session {
  return {
    id: 0, // numbered by start once the capture is read
    stream,
    client,
    server,
    start,
    end,
    user: null,
    loggedIn: false,
    loginAttempts: 0,
    login: 'none', // decided in verdict.ts
    loginRefusal: null, // decided in verdict.ts
    loginRetried: null, // decided in verdict.ts
    tlsRefusal: null, // decided in verdict.ts
    tls: false,
    tlsMode: null,
    tlsFrame: null,
    dataProtection: null,
    greeting: null,
    midstream,
    controlConnection: NOT_DESCRIBED_YET,
    control: { kind: 'opened', closedBy: null, how: null, evidence: [] }, // decided in verdict.ts
    close: null,
    closedBy: null,
    cwd: null,
    renames: NO_ITEMS,
    commands: [],
    transfers: [],
    opaqueBytes: NO_OPAQUE_BYTES,
    controlGapBytes: 0,
    forgottenAnnouncements: 0,
    otherConnections: NO_ITEMS,
    ttl: { client: null, server: null },
    clientAliases: NO_ITEMS,
    clientEndsUnplaced: NO_ITEMS,
    warnings: NO_ITEMS,
    natPeer: null,
    vantage: null,
    diagnosis: null,
  };
}

export function newTransfer(s: Session, id: number, mode: 'active' | 'passive', announce: Transfer['announce']): Transfer {
  return {
    id,
    session: s.id,
    mode,
    announce,
    request: null,
    connection: null,
    preliminary: null,
    reply: null,
    status: announce ? 'unused' : 'incomplete',
    direction: null,
    bytes: 0,
    duration: null,
    throughput: null,
    type: null,
    transferMode: null,
    restOffset: null,
    expectedSize: null,
    abortFrame: null,
    diagnosis: null,
    verdict: { kind: 'unused', evidence: [] }, // decided in verdict.ts
  };
}

/**
 * A transfer command refused with its announcement still standing (SessionBuilder.reopen, and
 * inferred-transfers.ts reopenRefusedOutright when the next command is lost): the refused command
 * gets a transfer of its own, in `t`'s place and with its number, sharing the announcement; `t`
 * keeps the announcement (and any data connection linked to it) for the next command, numbered `id`
 * at the end of the session's transfers. Returns the refused command's transfer.
 */
export function splitRefusal(s: Session, t: Transfer, id: number): Transfer {
  const refused = newTransfer(s, t.id, t.mode, t.announce);
  refused.request = t.request;
  refused.reply = t.reply;
  refused.direction = t.direction;
  refused.type = t.type;
  refused.transferMode = t.transferMode;
  refused.restOffset = t.restOffset;
  refused.expectedSize = t.expectedSize;
  if (t.sizeStated !== undefined) refused.sizeStated = t.sizeStated;
  t.request = null;
  t.reply = null;
  t.direction = null;
  t.restOffset = null;
  t.expectedSize = null;
  delete t.sizeStated;
  t.id = id;
  const i = s.transfers.lastIndexOf(t);
  if (i >= 0) s.transfers[i] = refused;
  s.transfers.push(t);
  return refused;
}

/** Which protocol a first line that is not FTP belongs to, when it says so. */
function foreignProtocol(line: string): string | null {
  if (/^SSH-\d/.test(line)) return 'SSH';
  if (/^HTTP\/\d/.test(line) || /^(GET|POST|HEAD|PUT|OPTIONS) \S+ HTTP\//.test(line)) return 'HTTP';
  if (/^\+OK/.test(line)) return 'POP3';
  if (/^\* OK/.test(line)) return 'IMAP';
  if (/^\x16\x03/.test(line)) return 'TLS';
  return null;
}

/** Gaps in the server's bytes kept while commands wait (skipRepliesInGap): more tell nothing new. */
const MAX_SERVER_GAPS = 8;

/**
 * Bytes of the server's the capture lost while commands waited: `frame`, the client's first
 * acknowledgement of them when it came before the capture resumed (`acked`), else where it resumed;
 * `end`, the server's stream offset where it resumed (a later command whose segment acknowledged that
 * far shows the client had them: a delayed ACK comes after the next reply).
 */
interface ServerGap {
  frame: number;
  acked: boolean;
  end: number;
}

export class SessionBuilder {
  private readonly pending: Command[] = [];
  /**
   * Commands sent after the pending queue filled up: not queued, only counted, so that their
   * replies are consumed in order and every later reply still pairs with the right command.
   */
  private untracked = 0;
  /** Commands counted but not kept (past maxCommands or the capture-wide budget). */
  droppedCommands = 0;
  /** Time of the control connection's latest segment with payload (either way): which of concurrent sessions was just speaking. */
  lastControlTime = Number.NEGATIVE_INFINITY;
  private pendingOverflowReported = false;
  private preliminaryOverflowReported = false;
  private commandLimitReported = false;
  private announcementOverflowReported = false;
  /** The latest announced transfer that no data command has used yet. */
  private awaitingRequest: Transfer | null = null;
  /** The last passive announcement the client sent since the last request or PORT, answered or not. */
  private passiveAsked: Command | null = null;
  /** Whether the client sent a PORT/PASV (or kin) in the capture yet (Transfer.announceMaybeBeforeCapture). */
  private announcedInCapture = false;
  /**
   * A transfer command the client sent before the reply to its PASV/EPSV came (a client that sends
   * its commands without waiting, or one whose reply is lost): when that reply comes, it is this
   * transfer's announcement.
   */
  private askedAhead: { asked: Command; transfer: Transfer } | null = null;
  /**
   * The last transfer command, when the server refused it before using its announcement (no 1xx, no
   * data): a transfer command next, with no announcement between, relies on that announcement still
   * standing (reopen).
   */
  private refusedBeforeData: Transfer | null = null;
  /**
   * Bytes of the server's the capture lost while commands waited for replies, later than the oldest
   * waiting command (at most MAX_SERVER_GAPS): replies may be in them (skipRepliesInGap).
   */
  private serverGaps: ServerGap[] = [];
  /** ABORs sent once their transfer's sender had closed the data connection (skipRepliesInGap). */
  private abortsAfterDataEnd: WeakSet<Command> | null = null;
  /** How far each waiting command's segment acknowledged the server's bytes (a stream offset), when known. */
  private commandAcks: WeakMap<Command, number> | null = null; // made on first use: a session in lockstep never needs it
  /** The capture holds a command of the client's: its direction is captured, and a reply nothing asked for lost its command. */
  private clientSpoke = false;
  /** A 221 answered client bytes the capture lost: they held the QUIT, and later replies' unseen client bytes are the same. */
  private quitUnseen = false;
  /** Where the capture last resumed after losing bytes of the client's (the frame after the gap): commands may be in them. */
  private clientGapAt = 0;
  /** Where the capture last resumed after losing bytes of the control connection, either way; and the frame of the session's last transfer command. */
  private gapAt = 0;
  private lastRequestAt = 0;
  /** The transfer whose final reply came last: an ABOR after it is housekeeping (lateAbortFrame). */
  private lastEnded: Transfer | null = null;
  /**
   * A transfer command whose ABOR was answered (226 naming the abort) before the transfer itself:
   * a 426 that comes next is its (proftpd after an in-band ABOR: 226, then 426). Any other reply
   * ends the wait (pure-ftpd sends no 426 at all).
   */
  private abortedBeforeFinal: Command | null = null;
  /**
   * A transfer command still running when the server answered the QUIT sent right behind it (221):
   * its own final reply may follow the 221 (pyftpdlib answers a QUIT at once and the transfer once
   * its data ends: 221, then 226, then the close). The next reply, when nothing else waits, is its.
   */
  private quitBeforeFinal: Command | null = null;
  /** The QUIT that the last reply answered, when that reply was no 221 and nothing else waited (unaskedBeforeQuit). */
  private quitOtherReply: Command | null = null;
  /** Transfers with a request and no final reply yet (ABOR and 426 apply to these). */
  private readonly running: Transfer[] = [];
  /** Announcements no command has used yet, oldest first (bounded: the oldest are forgotten). */
  private readonly unusedAnnouncements: Transfer[] = [];
  /**
   * Where the last forgotten announcement stood in session.transfers: the next oldest stands at or
   * after it (transfers are appended as they are made), so the search for it starts there instead
   * of scanning the newer ones (a client's 10,000 PORTs cost 6 µs each, most of analysing them).
   */
  private forgottenAt = 0;
  private nextTransferId = 1;
  private type: string | null = null;
  /** The MODE last accepted (null: none, RFC 959's stream mode). */
  private transferMode: string | null = null;
  /** The last TYPE command sent: while its reply is not in the capture, the type in force is unknown. */
  private typeAsked: Command | null = null;
  private restOffset: number | null = null;
  /**
   * A REST still waiting for its reply when a transfer command was sent (a client that does not wait
   * for the 350, or one whose 350 the capture lost): that reply settles the transfer's offset.
   */
  private restFor: { command: Command; transfer: Transfer } | null = null;
  private renameFrom: string | null = null;
  // Made on first use: most short sessions need neither (a flood of them paid two Maps each).
  private sizes: Map<string, { size: number; frame: number }> | null = null;

  /** A path's stated size (SIZE) forgotten: the session itself wrote, deleted or renamed the file since. */
  private forgetSize(arg: string): void {
    const path = this.sizes === null ? null : resolveFtpPath(this.session.cwd, arg);
    if (path !== null) this.sizes!.delete(path);
  }
  private commandTransfers: Map<Command, Transfer> | null = null;
  /** The security mechanism an AUTH was accepted with (334/234), e.g. GSSAPI. */
  private securityMechanism: string | null = null;
  /** Whether the server's first reply (its greeting) has been seen. */
  private greeted = false;

  constructor(
    readonly session: Session,
    private readonly options: SessionBuilderOptions,
  ) {}

  onEvent(event: FtpEvent): void {
    const s = this.session;
    switch (event.type) {
      case 'request':
        // A line the snapshot length cut before its verb could be read (tcpdump -s 68 leaves two bytes).
        this.noteReadable(!(cutShort(event.malformed) && event.raw.length < 3), event.frame);
        this.onRequest(event);
        break;
      case 'reply':
        this.noteReadable(!(cutShort(event.malformed) && event.code === 0), event.frame);
        this.onReply(event);
        break;
      case 'tls-start':
        s.tls = true;
        s.tlsMode = event.implicit ? 'implicit' : 'explicit';
        s.tlsFrame = event.frame;
        break;
      case 'tls-end':
        // CCC: the control channel is clear text again from here (the first direction to return).
        s.tlsEndFrame ??= event.frame;
        break;
      case 'not-ftp':
        s.notFtp ??= { by: event.dir, frame: event.frame, line: lineText(event.line), protocol: foreignProtocol(event.line) };
        break;
      case 'opaque':
        if (event.reason === 'gap' && event.dir === 'server' && this.pending.length > 0 && this.serverGaps.length < MAX_SERVER_GAPS) {
          this.serverGaps.push({ frame: event.acked ?? event.frame, acked: event.acked !== undefined, end: event.end ?? Infinity });
        }
        if (event.reason === 'gap' && event.dir === 'client') {
          this.clientGapAt = event.frame;
          const waiting = this.awaitingRequest?.announce;
          if (waiting?.reply != null) waiting.clientBytesLostAt ??= event.frame;
          this.noteClientBytesLost(event.frame);
        }
        // A snaplen's cut tail of a captured line is no stretch of the conversation lost (where a SIZE
        // and its 213 could hide): each segment's start, where a line begins, is in the capture.
        if (event.reason === 'gap' && event.cutOnly !== true) this.gapAt = event.frame;
        // controlGapBytes comes from the reassembler's gap events (control-channels.ts), which
        // also cover gaps after TLS began; counting the parser's gap here too counted them twice.
        if (s.opaqueBytes === NO_OPAQUE_BYTES) s.opaqueBytes = { client: 0, server: 0 };
        s.opaqueBytes[event.dir] += event.bytes;
        break;
      case 'limit':
        this.warn(event.warning);
        break;
    }
    this.touch(event.time); // every FTP event has its time
  }

  private touch(time: number): void {
    if (time > this.session.end) this.session.end = time;
  }

  private warn(w: Warning): void {
    const s = this.session;
    if (s.warnings === NO_ITEMS) s.warnings = [w];
    else s.warnings.push(w);
    this.options.onWarning(w);
  }

  private onRequest(e: FtpRequest): void {
    const s = this.session;
    const strings = this.options.strings;
    const verb = strings === undefined ? e.command : strings.intern(e.command);
    let arg = lineText(e.arg);
    if (verb === 'PASS' && !this.options.showPasswords && arg !== '') arg = '****';
    else if (strings !== undefined) arg = strings.intern(arg);
    const cmd: Command = { frame: e.frame, time: e.time, command: verb, arg, reply: null, preliminary: NO_PRELIMINARY };
    this.clientSpoke = true;
    // Only a command sent while others wait can show an earlier one's reply was in a gap (skipRepliesInGap):
    // a session in lockstep keeps no entry per command.
    if (e.acked !== undefined && this.pending.length > 0) (this.commandAcks ??= new WeakMap()).set(cmd, e.acked);
    if (this.pending.length > 0) cmd.sentWaiting = this.pending.length;
    if (e.firstFrame !== undefined && e.firstFrame !== e.frame) cmd.firstFrame = e.firstFrame;
    if (e.malformed) cmd.malformed = e.malformed;
    const budget = this.options.commandBudget;
    const cost = 1 + textCostInCommands(arg.length);
    if (s.commands.length >= this.options.maxCommands || (budget !== undefined && budget.left < cost)) {
      // Past a bound a command is only counted for reply pairing: no state, no transfer.
      this.droppedCommands++;
      s.commandsNotKept ??= { count: 0, from: e.frame };
      s.commandsNotKept.count++;
      if (s.commands.length < this.options.maxCommands) {
        budget!.onExhausted(e.frame);
      } else if (!this.commandLimitReported) {
        this.commandLimitReported = true;
        this.warn(warning('ftp-commands-per-session', { max: this.options.maxCommands }, { frame: e.frame }));
      }
      this.untracked++;
      return;
    }
    if (budget !== undefined) budget.left -= cost;
    if (commandInfo(verb)?.namesPath === true && arg !== '') {
      const path = resolveFtpPath(s.cwd, arg);
      if (path !== null && path.startsWith('/')) cmd.path = path;
    }
    s.commands.push(cmd);
    this.enqueue(cmd);
    // RFC 2228: a wrapped (ENC/MIC/CONF) command hides the real one, as TLS would.
    if (isWrapped(verb)) this.noteWrapped(e.frame);

    if (verb === 'USER') {
      s.user = arg;
      s.loginAttempts++;
    }
    if (announcesActive(verb) || announcesPassive(verb)) this.announcedInCapture = true;
    if (announcesActive(verb)) this.announce(cmd, 'active', toTuple(TUPLE_PARSERS[commandInfo(verb)!.tuple!](e.arg)));
    this.passiveAsked = announcesPassive(verb) ? cmd : announcesActive(verb) ? null : this.passiveAsked;
    if (verb === 'TYPE') this.typeAsked = cmd;

    const direction = transferKind(verb);
    if (direction) this.request(cmd, direction);

    if (verb === 'ABOR') {
      const t = this.running[this.running.length - 1];
      if (t && t.abortFrame === null) {
        t.abortFrame = e.frame;
        // Sent once the data had ended, or every byte the session stated had come: it may be housekeeping
        // after a final reply the capture lost (skipRepliesInGap).
        if (this.dataEnded(t) || this.statedBytesCame(t)) (this.abortsAfterDataEnd ??= new WeakSet()).add(cmd);
      }
      // Nothing running: the last transfer had already ended (lftp sends ABOR as housekeeping).
      else if (!t && this.lastEnded && this.lastEnded.lateAbortFrame === undefined) this.lastEnded.lateAbortFrame = e.frame;
    }
  }

  /** A wrapped command or reply: the session's protection began at the first (ADAT 235, or this). */
  private noteWrapped(frame: number): void {
    const s = this.session;
    s.protection ??= { mechanism: this.securityMechanism ?? 'unknown', frame, wrapped: 0 };
    s.protection.wrapped++;
  }

  private enqueue(cmd: Command): void {
    if (this.untracked === 0 && this.pending.length < this.options.maxPendingCommands) {
      this.pending.push(cmd);
      return;
    }
    cmd.replyUntracked = true;
    this.untracked++;
    if (!this.pendingOverflowReported) {
      this.pendingOverflowReported = true;
      this.warn(warning('ftp-pending-commands', { max: this.options.maxPendingCommands }, { frame: cmd.frame }));
    }
  }

  private announce(cmd: Command, mode: 'active' | 'passive', tuple: AddressTuple, reply: Reply | null = null, refused = false, askedBeforeCapture = false): void {
    const s = this.session;
    this.refusedBeforeData = null;
    // A tuple the capture cut off is no malformed one: it was announced, the capture lacks it.
    const cut = !tuple.ok && !refused && cutShort(mode === 'active' ? cmd.malformed : reply?.malformed);
    if (cut) tuple = { ...tuple, reason: 'the capture cut the line short before its tuple' };
    // A refused PASV carried no tuple at all: the command keeps none.
    if (!refused) cmd.tuple = tuple;
    let endpoint: Endpoint | null = null;
    if (tuple.ok && tuple.port !== null) {
      // EPSV's 229 names only a port: the host is the control connection's server (RFC 2428).
      endpoint = { ip: tuple.ip ?? s.server.ip, port: tuple.port };
    }
    const announce: NonNullable<Transfer['announce']> = {
      frame: mode === 'active' ? cmd.frame : (reply?.frame ?? cmd.frame),
      time: mode === 'active' ? cmd.time : (reply?.time ?? cmd.time),
      command: cmd.command ?? '',
      endpoint,
      tuple,
      reply,
      ...(refused ? { refused: true as const } : {}),
      ...(cut ? { cut: true as const } : {}),
      ...(askedBeforeCapture ? { askedBeforeCapture: true as const } : {}),
    };
    // The reply to a PASV the client did not wait for: the transfer command sent meanwhile uses it.
    const ahead = this.askedAhead;
    if (ahead !== null && ahead.asked === cmd) {
      this.askedAhead = null;
      const transfer = ahead.transfer;
      transfer.announce = announce;
      delete transfer.unansweredAnnounce;
      if (endpoint || cut || readableByHosts(transfer)) this.options.onAnnounce(transfer, s);
      return;
    }
    if (this.unusedAnnouncements.length >= this.options.maxOpenAnnouncements) this.forgetOldestAnnouncement(cmd.frame);
    const transfer = newTransfer(s, this.nextTransferId++, mode, announce);
    this.keepTransfer(transfer);
    this.unusedAnnouncements.push(transfer);
    this.awaitingRequest = transfer;
    if (mode === 'active') (this.commandTransfers ??= new Map()).set(cmd, transfer);
    if (endpoint || cut || readableByHosts(transfer)) this.options.onAnnounce(transfer, s);
  }

  /** A new transfer joins the session, and takes its cost from the capture's budget of kept commands. */
  private keepTransfer(transfer: Transfer): void {
    this.session.transfers.push(transfer);
    const budget = this.options.commandBudget;
    if (budget !== undefined) budget.left -= TRANSFER_COST_IN_COMMANDS;
  }

  /**
   * Too many announcements left unused (a hostile client can send thousands of PORTs): forget the
   * oldest, so memory stays bounded while the newest — the one a data command will use — is kept.
   */
  private forgetOldestAnnouncement(frame: number): void {
    const s = this.session;
    const old = this.unusedAnnouncements.shift()!;
    if (!old.connection) {
      let i = s.transfers.indexOf(old, this.forgottenAt);
      // Not at or after it (the last one forgotten had been made again at the end, reopen()): the whole list.
      if (i < 0) i = s.transfers.lastIndexOf(old);
      this.forgottenAt = Math.max(0, i);
      if (i >= 0) s.transfers.splice(i, 1);
      this.options.onForget(old);
      // Its memory is free again: so is its share of the command budget.
      const budget = this.options.commandBudget;
      if (budget !== undefined) budget.left += TRANSFER_COST_IN_COMMANDS;
    }
    s.forgottenAnnouncements++;
    if (!this.announcementOverflowReported) {
      this.announcementOverflowReported = true;
      this.warn(warning('ftp-expected-data-channels', { max: this.options.maxOpenAnnouncements }, { frame }));
    }
  }

  private request(cmd: Command, direction: 'download' | 'upload' | 'listing'): void {
    const s = this.session;
    let transfer = this.awaitingRequest;
    // A refused announcement, then client bytes the capture lost: the client asked again in them (lftp's
    // PORT after PASV answered 502), and this command used that, not the refused one.
    if (transfer !== null && (transfer.announce?.reply?.code ?? 0) >= 400 && this.clientGapAt > transfer.announce!.frame) transfer = null;
    // The same after an announcement whose data connection had gone unanswered (its SYN sent again,
    // no SYN-ACK): the client announced again in the lost bytes (a second PASV) and connected there.
    else if (transfer !== null && this.clientGapAt > (transfer.announce?.frame ?? Infinity) && this.options.dataEnds(transfer)?.unanswered === true) transfer = null;
    // A refused announcement, then a PASV the client sent after it whose answer the capture lacks (its
    // 227 dropped): this command used that PASV (unansweredAnnounce), not the refused one.
    else if (transfer !== null && (transfer.announce?.reply?.code ?? 0) >= 400 && this.passiveAsked !== null && this.passiveAsked.reply === null && this.passiveAsked.frame > transfer.announce!.frame) transfer = null;
    const reused = transfer === null && this.passiveAsked === null ? this.refusedBeforeData : null;
    this.refusedBeforeData = null;
    if (reused !== null) {
      transfer = this.reopen(reused);
    } else if (!transfer) {
      // No PORT/PASV since the last transfer: RFC 959's default data port (active, from port 20
      // to the client's control port), or the client relies on an announcement the capture missed.
      // A passive announcement the client sent whose reply the capture lacks (a capture of the client's
      // direction only): the transfer was passive, with an endpoint the capture does not hold.
      const asked = this.passiveAsked !== null && this.passiveAsked.reply === null ? this.passiveAsked : null;
      transfer = newTransfer(s, this.nextTransferId++, asked ? 'passive' : 'active', null);
      if (!asked && s.midstream && !this.announcedInCapture) transfer.announceMaybeBeforeCapture = true;
      if (asked) {
        transfer.unansweredAnnounce = { command: asked.command ?? '', frame: asked.frame };
        this.askedAhead = { asked, transfer };
      }
      this.keepTransfer(transfer);
      // Its endpoint unknown, it can still be the passive half of an FXP copy (data-linker.ts).
      if (asked) this.options.onAnnounce(transfer, s);
    } else {
      const i = this.unusedAnnouncements.lastIndexOf(transfer);
      if (i >= 0) this.unusedAnnouncements.splice(i, 1);
    }
    this.awaitingRequest = null;
    this.passiveAsked = null;
    const path = direction === 'listing' && cmd.arg.startsWith('-') ? null : resolveFtpPath(s.cwd, cmd.arg);
    transfer.request = { frame: cmd.frame, time: cmd.time, command: cmd.command ?? '', arg: cmd.arg, path };
    transfer.direction = direction;
    // RFC 959: ASCII until a TYPE says otherwise; unknown when the session began before the capture,
    // or when client bytes the capture lost (with no TYPE seen) may hold one (TYPE I, dropped by the kernel).
    // A TYPE whose reply is not in the capture (one direction only) leaves the type unknown, not A.
    transfer.type = this.typeAsked !== null && this.typeAsked.reply === null ? null : (this.type ?? (s.midstream || this.clientGapAt > 0 ? null : 'A'));
    transfer.transferMode = this.transferMode ?? (s.midstream ? null : 'S');
    transfer.restOffset = this.restOffset;
    this.restOffset = null;
    let rest: Command | undefined;
    for (const c of this.pending) if (c.command === 'REST' && c.reply === null) rest = c;
    this.restFor = rest === undefined ? null : { command: rest, transfer };
    // Control bytes lost since the previous transfer command: what the client asked before this one (SIZE, REST, TYPE) may be there.
    if (this.gapAt > this.lastRequestAt) transfer.controlGapBefore = this.gapAt;
    this.lastRequestAt = cmd.frame;
    // A SIZE answers for a download only: before an upload it is the server's copy as it stands (the
    // part a resume continues from: wput, curl -C -), not the size of what the upload will carry.
    const size = path !== null && direction === 'download' ? this.sizes?.get(path) : undefined;
    if (size !== undefined) {
      transfer.expectedSize = size.size;
      transfer.sizeStated = { frame: size.frame, size: size.size };
    }
    (this.commandTransfers ??= new Map()).set(cmd, transfer);
    this.running.push(transfer);
  }

  /**
   * A transfer command the server refused before it used the announcement (no 1xx, no data),
   * followed by another transfer command with no announcement between: the client relies on the
   * announcement still standing, as the server keeps it (ftpcopy: MLSD answered 500 by vsftpd, then
   * LIST over the same PASV, whose data connection it had opened before the MLSD). The refused
   * command gets a transfer of its own in the same place and with the same number, sharing the
   * announcement; the announcement's transfer — with the data connection linked to it at its SYN —
   * is the next command's, numbered after the transfers already there.
   */
  private reopen(t: Transfer): Transfer {
    const refused = splitRefusal(this.session, t, this.nextTransferId++);
    if (this.lastEnded === t) this.lastEnded = refused;
    return t;
  }

  private onReply(e: FtpReply): void {
    const s = this.session;
    const reply = this.budgetedReply(toReply(e, this.options.strings));
    const first = !this.greeted;
    this.greeted = true;
    // The server speaks first: its greeting (120 then 220, or 421 when it refuses service) answers
    // no command, even when an impatient client pipelined commands before it arrived.
    // A first line with no reply code is another service's banner (SSH on port 21), not a greeting.
    // Not a first line the capture cut short (its snapshot length) showing no more than digits: a reply code cut in two.
    if (first && !s.midstream && reply.code === 0 && !(cutShort(reply.malformed) && /^\d{0,2}$/.test(reply.text))) {
      s.notFtp ??= { by: 'server', frame: reply.frame, line: reply.text.split('\n')[0], protocol: foreignProtocol(e.text) };
    }
    if (first && !s.midstream && GREETING_CODES.has(reply.code)) {
      if (reply.code === 220) s.greeting = reply.text;
      if (reply.code === 120) this.greeted = false;
      s.commands.push({ frame: reply.frame, time: reply.time, command: null, arg: '', reply, preliminary: NO_PRELIMINARY });
      return;
    }

    // RFC 2228 replies to wrapped commands: 631 (integrity), 632 (confidentiality and integrity), 633 (confidentiality).
    if (reply.code >= 631 && reply.code <= 633) this.noteWrapped(reply.frame);
    if (this.serverGaps.length > 0) this.skipRepliesInGap();
    // The server had client bytes the capture lost when it wrote this reply: a running transfer's ABOR
    // may be among them. Not once a 221 answered them: it answers the first of them, a QUIT (an ABOR
    // before it would have had its own reply first), after which a client sends nothing more.
    if (e.clientUnseen !== undefined && reply.code === 221 && !this.pending.some((c) => c.command === 'QUIT')) {
      this.quitUnseen = true;
      // The lost bytes first showed with the last transfer's own final reply, and the next reply is
      // this 221: they held the QUIT alone (an ABOR among them would have drawn its own reply first:
      // vsftpd's 225 or "226 ABOR successful"), so that transfer's ABOR was not lost.
      const ended = this.lastEnded;
      if (ended !== null && ended.reply !== null && ended.clientBytesLost === ended.reply.frame && !/\babort/i.test(ended.reply.text) && !this.replyBetween(ended.reply.frame, reply.frame)) {
        delete ended.clientBytesLost;
      }
    }
    if (e.clientUnseen !== undefined && !this.quitUnseen) this.noteClientBytesLost(reply.frame);
    if (reply.code >= 200 && e.clientUnseen !== undefined) this.replyAfterLostCommand(reply, false);
    else if (reply.code === 421) this.replyAfterLostCommand(reply, true);
    // A passive announcer's reply (227, 229, 228) answers only its command: with commands waiting
    // before that one, their replies are in server bytes the capture does not hold (lost, or before a
    // capture begun mid-session: a54-late-login without TYPE's 200, whose 227 then answered TYPE and
    // shifted every reply after it). Only plain commands are passed over: a transfer's, a REST's or
    // an announcement's reply lost is read by the gap rules, which know what it held.
    const announcer = passiveCommandOfReply(reply.code);
    if (announcer !== null && this.pending.length > 1 && this.pending[0].command !== announcer && this.untracked === 0) {
      const at = this.pending.findIndex((c) => c.command === announcer);
      const plain = (c: Command): boolean => c.command !== null && transferKind(c.command) === null && c.command !== 'REST' && !announcesActive(c.command) && !announcesPassive(c.command);
      if (at > 0 && this.pending.slice(0, at).every(plain)) {
        const asked = this.pending[at];
        for (const c of this.pending.splice(0, at)) {
          c.noReply = { why: 'capture-gap', gap: reply.frame, later: { command: asked.command, frame: asked.frame }, evidence: [c.frame, asked.frame, reply.frame] };
        }
      }
    }
    const head = this.pending[0];
    if (reply.code >= 100 && reply.code < 200 && !head && this.untracked > 0) return;
    if (reply.code >= 100 && reply.code < 200 && head) {
      // The same 1xx again, to a transfer already started: pure-ftpd's last line on a transfer it could
      // not finish (the client closed the data connection) carries the code of its last reply ("150
      // 0.002 seconds (measured here), 58.77 Mbytes per second"), and no 226 or 4xx follows. The
      // transfer has no final reply; a client that waits for one reads this line as it and goes on,
      // so the replies after it answer the commands sent after it (a45-ftputil-pureftpd: PWD's 257,
      // CWD's 250, not the RETR's). Such a line comes once the data connection was cut: reset, or
      // closed by the end that receives the data (a client giving up on a download), before it.
      // Otherwise the same code again is one more preliminary reply, and the final one still follows
      // (a48-double-150-pyftpdlib-lftp: two 150 lines before the data, the second after an upload's
      // client had sent its data and its FIN, then 226). It repeats the code that started the
      // transfer; markers repeat by design and are no such line: 110 (RFC 959's restart marker), 111
      // and 112 (GridFTP's range and performance markers, GFD.20).
      const t0 = this.runningTransfer(head) ? this.commandTransfers?.get(head) : undefined;
      const closing = t0 !== undefined && !MARKER_CODES.has(reply.code) && head.preliminary[0].code === reply.code && cutBeforeEnd(t0, this.options.dataEnds(t0));
      if (closing) {
        if (head.preliminary.length < MAX_PRELIMINARY_REPLIES) head.preliminary.push(reply);
        this.pending.shift();
        this.commandTransfers?.delete(head);
        t0.closingLine = reply;
        return;
      }
      if (head.preliminary === NO_PRELIMINARY) head.preliminary = [reply];
      else if (head.preliminary.length < MAX_PRELIMINARY_REPLIES) head.preliminary.push(reply);
      else if (!this.preliminaryOverflowReported) {
        this.preliminaryOverflowReported = true;
        this.warn(warning('ftp-preliminary-replies', { max: MAX_PRELIMINARY_REPLIES }, { frame: reply.frame }));
      }
      const t = this.commandTransfers?.get(head);
      if (t && t.request && t.preliminary === null) {
        t.preliminary = reply;
        const size = sizeFrom150(reply.text);
        // After REST r, proftpd's 150 counts the bytes left to send (SIZE's number minus r), vsftpd's
        // the whole file: a number that is exactly SIZE's minus r is the rest of the same file. With
        // no SIZE in the session (a client resuming in a new session with the size it already knew,
        // as lftp get -c does), a server that names itself proftpd still counts what is left: the
        // file is that number plus r, and the download owes the number, not the number less r again.
        const rest = t.restOffset ?? 0;
        const remaining = rest > 0 && t.expectedSize !== null && size === t.expectedSize - rest;
        const unsaid = rest > 0 && size !== null && !remaining && t.expectedSize === null;
        const software = unsaid ? serverSoftware(s) : null;
        const countsRest = unsaid && software === 'proftpd';
        if (unsaid && software === null) t.restCountUnsure = size!;
        if (countsRest) t.expectedSize = size! + rest;
        else if (size !== null && !remaining) t.expectedSize = size;
        const kbytes = size === null && t.expectedSize === null && t.direction === 'download' ? kbytesFrom150(reply.text) : null;
        if (kbytes !== null) t.announcedKbytes = { ...kbytes, frame: reply.frame };
        const unique = t.request.command === 'STOU' ? nameFrom150(reply.text) : null;
        if (unique !== null) t.request.path = resolveFtpPath(s.cwd, unique);
      }
      return;
    }
    const aborted = this.abortedBeforeFinal;
    this.abortedBeforeFinal = null;
    if (aborted !== null && reply.code === 426) {
      aborted.reply = reply;
      this.applyReply(aborted, reply);
      return;
    }
    const quitted = this.quitBeforeFinal;
    this.quitBeforeFinal = null;
    const quitOther = this.quitOtherReply;
    this.quitOtherReply = null;
    if (quitOther !== null && !head && this.untracked === 0 && reply.code === 221) {
      this.unaskedBeforeQuit(quitOther, reply);
      return;
    }
    if (quitted !== null && !head && this.untracked === 0 && reply.code >= 200 && reply.code !== 221) {
      quitted.reply = reply;
      this.applyReply(quitted, reply);
      return;
    }
    if (!head && this.untracked > 0) {
      // The reply of a command sent past the pending bound: consume it to keep the pairing in order.
      this.untracked--;
      return;
    }
    if (!head) {
      // A reply nothing asked for, e.g. a 421 "closing control connection" on timeout.
      if (!this.keepUnasked(reply)) return;
      this.announceUnasked(reply);
      this.restartUnasked(reply);
      return;
    }
    // 221 closes the session (RFC 959: QUIT's reply): with a QUIT waiting behind other commands, the
    // server answered the QUIT and never the commands before it (pure-ftpd after an ABOR it did not
    // answer: abor-pureftpd-python), so they stay unanswered instead of taking QUIT's reply.
    if (reply.code === 221 && head.command !== 'QUIT') {
      const quit = this.pending.findIndex((c) => c.command === 'QUIT');
      // With no QUIT waiting, the server closing on its own (inetutils-ftpd's "221 You could at least
      // say goodbye." to a client's FIN), or answering a QUIT the capture lost: no answer to a
      // transfer command, whose final reply is then missing (never sent, or in bytes the capture
      // lost before the 221), never a success. Lost bytes the client acknowledged are read at the
      // session's end (lastReplyInGap); others, before a 221 to a QUIT the capture lost, here.
      if (quit < 0 && this.isTransferCommand(head)) {
        if (!this.serverGaps.some((g) => g.frame > head.frame && g.acked)) this.replyAfterLostCommand(reply, false);
        this.keepUnasked(reply);
        return;
      }
      if (quit > 0) {
        const q = this.pending[quit];
        // The QUIT right behind a running transfer: the transfer's own reply may still come after the 221.
        if (quit === 1 && this.runningTransfer(head)) this.quitBeforeFinal = head;
        this.pending.splice(0, quit + 1);
        q.reply = reply;
        this.applyReply(q, reply);
        return;
      }
    }
    // A 2xx no transfer command ends with (200, 213, 257…: 226 and 250 do), to a transfer command
    // waiting alone, after server bytes the capture lost: the transfer's reply is in them, and this
    // one answers a command the capture lost too (a65-ftps-refused without RETR's 550 and the next
    // TYPE I: "200 Type set to I" read as the RETR's success). TLS hides from the parser which
    // client bytes the server had (FtpReply.clientUnseen), so the reply's code tells.
    if (this.isTransferCommand(head) && reply.code >= 200 && reply.code < 300 && reply.code !== 226 && reply.code !== 250 && this.pending.length === 1) {
      this.replyAfterLostCommand(reply, false);
      // Taken off the waiting list: its reply was in the gap.
      if (this.pending[0] !== head) {
        this.keepUnasked(reply);
        return;
      }
    }
    const next = this.pending[1];
    // A positive reply saying the transfer was aborted, while a QUIT the client sent during it waits
    // behind it: the QUIT's (pure-ftpd: "426 ABORT" for the transfer, then "226-Transfer aborted" for
    // the QUIT), not the transfer's success. The transfer's own reply may still follow
    // (abortedBeforeFinal); after server bytes the capture lost, it is in them (a61-quit-mid-pureftpd
    // without its 426).
    if (reply.code >= 200 && reply.code < 300 && reply.code !== 221 && next?.command === 'QUIT' && this.runningTransfer(head) && /\baborted\b/i.test(reply.text)) {
      this.pending.splice(0, 2);
      next.reply = reply;
      this.applyReply(next, reply);
      const gap = this.serverGaps.find((g) => g.frame > head.frame && g.frame <= reply.frame);
      const t = this.commandTransfers?.get(head);
      if (gap !== undefined && t !== undefined) {
        head.noReply = { why: 'capture-gap', gap: gap.frame, later: { command: 'QUIT', frame: reply.frame, quitAborted: true }, evidence: [...new Set([head.frame, next.frame, gap.frame, reply.frame])] };
        t.replyInGap = head.noReply;
        this.commandTransfers!.delete(head);
        this.stopRunning(t);
      } else this.abortedBeforeFinal = head;
      return;
    }
    // A positive reply that names the abort, while an ABOR waits behind a transfer command that has
    // no final reply: the ABOR's (RFC 959: 426 for the transfer, then 226 for the ABOR; a server that
    // skips the 426 — pure-ftpd's "226 Since you see this ABOR must've succeeded" — leaves the transfer
    // without one), not the transfer reporting success.
    if (reply.code >= 200 && reply.code < 300 && next?.command === 'ABOR' && this.commandTransfers?.has(head) === true && /\bABORT?\b/i.test(reply.text)) {
      this.pending.splice(0, 2);
      next.reply = reply;
      this.applyReply(next, reply);
      // "225 No transfer to abort" after server bytes the capture lost: no 426 is to come.
      this.abortedBeforeFinal = reply.code === 225 && this.endedInGap(head, next, reply) ? null : head;
      return;
    }
    // A running transfer ends with 226/250 or an error: any other 2xx or 3xx while it runs (200 to
    // NOOP, 211 to STAT) answers the command sent after it (pyftpdlib answers those at once, before
    // the transfer's 226). So does a 500/501/502: the server accepted the transfer command with its
    // 1xx, so "not recognised" is about the line sent after it (vsftpd's "500 Unknown command." to
    // an ABOR line cut by urgent mode, then 426 for the LIST: abor-list-vsftpd-python).
    const laterCommand = (reply.code >= 200 && reply.code < 400 && reply.code !== 226 && reply.code !== 250) || (reply.code >= 500 && reply.code <= 502);
    if (next !== undefined && this.runningTransfer(head) && laterCommand) {
      this.pending.splice(1, 1);
      next.reply = reply;
      this.applyReply(next, reply);
      if (next.command === 'ABOR' && reply.code === 225 && this.endedInGap(head, next, reply)) this.pending.shift();
      return;
    }
    // The same with the command sent after it (an ABOR) in client bytes the capture lost while the
    // transfer ran (the server had them: Transfer.clientBytesLost): a positive reply that names the
    // abort ("226 Abort successful", then proftpd's 426 for the LIST), or one such a line draws,
    // answers that command, not the transfer, which keeps waiting for its own; the reply is kept as
    // one no command in the capture asked for.
    const lost = next === undefined && this.runningTransfer(head) ? this.commandTransfers?.get(head) : undefined;
    if (lost?.clientBytesLost !== undefined && lost.abortFrame === null && (laterCommand || (reply.code >= 200 && reply.code < 300 && /\bABORT?\b/i.test(reply.text)))) {
      if (reply.code < 300) {
        // Answered as the ABOR's: the transfer's own 426 may follow (abortedBeforeFinal), as when the ABOR is in the capture.
        this.pending.shift();
        this.abortedBeforeFinal = head;
      }
      s.commands.push({ frame: reply.frame, time: reply.time, command: null, arg: '', reply, preliminary: NO_PRELIMINARY });
      return;
    }
    this.pending.shift();
    head.reply = reply;
    this.applyReply(head, reply);
    if (head.command === 'QUIT' && reply.code !== 221 && this.pending.length === 0) this.quitOtherReply = head;
  }

  /** Whether a reply of the session came after frame `after` and before `before` (the last few kept entries: replies come in order). */
  private replyBetween(after: number, before: number): boolean {
    const list = this.session.commands;
    for (let i = list.length - 1; i >= 0 && i >= list.length - 8; i--) {
      const r = list[i].reply;
      if (r !== null && r.frame > after && r.frame < before) return true;
    }
    return false;
  }

  /** A reply no command waits for, kept like a command from the same budgets (a server sending them without end fills neither); false when not kept. */
  private keepUnasked(reply: Reply): boolean {
    const budget = this.options.commandBudget;
    if (this.session.commands.length >= this.options.maxCommands) return false;
    if (budget !== undefined && budget.left <= 0) {
      budget.onExhausted(reply.frame);
      return false;
    }
    if (budget !== undefined) budget.left--;
    this.session.commands.push({ frame: reply.frame, time: reply.time, command: null, arg: '', reply, preliminary: NO_PRELIMINARY });
    return true;
  }

  /**
   * A 221 with nothing waiting, right after a reply other than 221 took the one waiting QUIT: two
   * final replies for one command, so one of them answered nothing, and 221 is QUIT's (RFC 959).
   * The line before it was the server's own, sent unasked as the QUIT arrived: a second answer to a
   * command it had already answered (Twisted's "550 ... internal server error" when its wait for a
   * passive data connection ends, 10 s after its 227, while it held the client's QUIT unread).
   */
  private unaskedBeforeQuit(quit: Command, reply: Reply): void {
    const s = this.session;
    const earlier = quit.reply!;
    quit.reply = reply;
    this.applyReply(quit, reply);
    if (s.commands.length >= this.options.maxCommands) return;
    // Before the QUIT in the list: its line came before the 221 (the renderers' stable sorts by frame
    // then tell the two lines of the one segment in the order they were sent).
    const at = s.commands.lastIndexOf(quit);
    s.commands.splice(at, 0, { frame: earlier.frame, time: earlier.time, command: null, arg: '', reply: earlier, preliminary: NO_PRELIMINARY });
  }

  /**
   * The capture lost bytes of the server's while commands waited: the replies of some of them may be
   * in those bytes, and pairing the next reply with the oldest waiting command would shift every reply
   * after it onto the wrong command (a 502 meant for MDTM read as RETR's refusal). A waiting command's
   * reply is taken to be in a gap when the client sent a later command once the gap's bytes had reached
   * it (its acknowledgement of them came before, or with that command; bytes the client never
   * acknowledged were lost on the path and held no reply it had: a36-split-227): a client sends
   * its next command when its last is answered — for a transfer command, when its final reply came, so
   * an ABOR, STAT or NOOP sent while it ran proves nothing; an ABOR sent once the transfer's sender had
   * closed the data connection (abortsAfterDataEnd) does: the server sends the final reply as the data
   * ends, and the ABOR was housekeeping after it (lftp, python's ftplib). Commands the client sent together without
   * waiting (before the gap) stay waiting, and the next reply pairs with the oldest as before.
   */
  private skipRepliesInGap(): void {
    // A gap counts for the commands sent before it: once the oldest waiting command came after it, it counts for none.
    const oldest = this.pending[0];
    const gaps = oldest === undefined ? [] : this.serverGaps.filter((g) => g.frame > oldest.frame);
    this.serverGaps = gaps;
    let k = 0;
    while (k < this.pending.length - 1) {
      const c = this.pending[k];
      const gap = gaps.find((g) => g.frame > c.frame);
      if (gap === undefined) break;
      const transfer = this.commandTransfers?.get(c)?.request?.frame === c.frame;
      let later: Command | undefined;
      for (let m = k + 1; m < this.pending.length && later === undefined; m++) {
        const x = this.pending[m];
        if (x.frame < gap.frame || x.command === null || (transfer && sentDuringTransfer(x.command) && !this.abortsAfterDataEnd?.has(x))) continue;
        // The client had the lost bytes: acknowledged before the capture resumed, or by this command's own segment.
        if (gap.acked || (this.commandAcks?.get(x) ?? -1) >= gap.end) later = x;
      }
      if (later === undefined) break;
      const at = gap.acked ? gap.frame : later.frame;
      c.noReply = { why: 'capture-gap', gap: at, later: { command: later.command!, frame: later.frame }, evidence: [...new Set([c.frame, at, later.frame])] };
      k++;
    }
    for (const c of this.pending.splice(0, k)) {
      if (this.restFor?.command === c) this.restartLost(c, this.restFor.transfer);
      const t = this.commandTransfers?.get(c);
      if (t === undefined) continue;
      this.commandTransfers!.delete(c);
      // The reply of its announcement (PORT's 200) in the gap: the transfer's command still runs.
      if (t.request?.frame !== c.frame) continue;
      if (c.noReply?.why === 'capture-gap') t.replyInGap = c.noReply;
      // Its final reply in the gap, the ABOR after it was housekeeping (abortsAfterDataEnd).
      if (t.abortFrame !== null && c.noReply?.why === 'capture-gap' && c.noReply.later.frame === t.abortFrame) [t.lateAbortFrame, t.abortFrame] = [t.abortFrame, null];
      this.stopRunning(t);
    }
  }

  /**
   * At the session's end, the client's last command still waiting, and bytes of the server's after
   * it that the capture lost and the client acknowledged: its reply is most likely in them, as a
   * server's next bytes after a command are its reply (noReply capture-gap, `later.acknowledged`).
   * For a PASV, EPSV or LPSV, the 227 (the data connection the client then opened can be linked to
   * it: inferred-transfers.ts); for a transfer command, its final reply (Transfer.replyInGap: not
   * known, where "no final reply came" read a download whose file had shrunk, its 226 lost, as
   * stopped by the server). Not for a command the client sent others with (which reply the lost
   * bytes held is not known), nor for lost bytes it never acknowledged (lost on the path).
   */
  private lastReplyInGap(): void {
    const c = this.pending[this.pending.length - 1];
    if (c === undefined || this.pending.length !== 1 || this.untracked > 0 || c.command === null || c.reply !== null) return;
    const t = this.commandTransfers?.get(c);
    const transfer = t !== undefined && t.request?.frame === c.frame ? t : undefined;
    if (transfer === undefined && !announcesPassive(c.command)) return;
    const gap = this.serverGaps.find((g) => g.frame > c.frame && g.acked);
    if (gap === undefined) return;
    c.noReply = { why: 'capture-gap', gap: gap.frame, later: { command: null, frame: gap.frame, acknowledged: true }, evidence: [c.frame, gap.frame] };
    if (transfer !== undefined) transfer.replyInGap = c.noReply;
  }

  /**
   * Every byte of a download the session stated (the file's size, less a REST offset) has come on its
   * data connection, as far as the capture has gone: its sender's FIN may be in bytes the capture lost.
   */
  private statedBytesCame(t: Transfer): boolean {
    if (t.direction !== 'download' || t.expectedSize === null || (t.transferMode !== null && t.transferMode !== 'S')) return false;
    const ends = this.options.dataEnds(t);
    return (ends === null || !ends.rst) && this.options.dataBytes(t) >= Math.max(0, t.expectedSize - (t.restOffset ?? 0));
  }

  /**
   * An ABOR answered 225 (RFC 959: no transfer in progress) while the transfer command before it has
   * no final reply, after server bytes the capture lost: the transfer had ended, and its final reply
   * is in those bytes (a server answers in order: pyftpdlib's 226, then its 225 to a late ABOR).
   * True when so (the caller takes the command off the waiting list).
   */
  private endedInGap(head: Command, abor: Command, reply: Reply): boolean {
    const gap = this.serverGaps.find((g) => g.frame > head.frame && g.frame <= reply.frame);
    const t = this.commandTransfers?.get(head);
    if (gap === undefined || t === undefined || t.request?.frame !== head.frame) return false;
    head.noReply = { why: 'capture-gap', gap: gap.frame, later: { command: 'ABOR', frame: reply.frame, noTransfer: true }, evidence: [...new Set([head.frame, gap.frame, abor.frame, reply.frame])] };
    t.replyInGap = head.noReply;
    this.commandTransfers!.delete(head);
    this.stopRunning(t);
    return true;
  }

  /** A REST sent for transfer `t` whose reply is in control bytes the capture lost (Transfer.restUnconfirmed). */
  private restartLost(rest: Command, t: Transfer): void {
    this.restFor = null;
    const offset = restartOffset(rest);
    if (offset !== null && offset > 0 && t.restOffset === null) t.restUnconfirmed = { offset, frame: rest.frame };
  }

  /** Client bytes of the control connection the capture lost, known at `frame`, while a transfer ran (Transfer.clientBytesLost). */
  private noteClientBytesLost(frame: number): void {
    const t = this.running[this.running.length - 1];
    if (t !== undefined && t.abortFrame === null) t.clientBytesLost ??= frame;
  }

  /** The transfer's data sender has closed the data connection (its FIN; no reset), as far as the capture has gone. */
  private dataEnded(t: Transfer): boolean {
    const sender = dataSender(t.direction);
    const ends = this.options.dataEnds(t);
    return sender !== null && ends !== null && !ends.rst && ends.fin[sender];
  }

  /**
   * A final reply that came after bytes of the server's the capture lost, once the server had client
   * bytes the capture lost too (FtpReply.clientUnseen): the one waiting command's reply may be in the
   * server's gap, and this reply may answer a command in the client's (a 226 and the next command
   * dropped together: the SITE's 500 that followed is not the upload's reply, PASS's 230 and an OPTS
   * gone, the OPTS's 501 is not a refused login). The waiting command's reply is taken to be in the
   * gap (noReply capture-gap, its `later` the command the capture lost, known by this reply), and this
   * reply answers that lost command: nothing waits for it. Only a client in lockstep (one command
   * waiting): with more, which of them the lost bytes followed is not known. A 421 after bytes of the
   * server's the capture lost (`closing`) is read the same way with no client bytes lost: a server
   * sends it unasked as it closes the session (pyftpdlib's idle timeout after a 226 the capture
   * lost), so the waiting command's reply may be in the gap and the 421 need not answer it.
   */
  private replyAfterLostCommand(reply: Reply, closing: boolean): void {
    const c = this.pending[0];
    if (c === undefined || this.pending.length !== 1 || this.untracked > 0 || c.command === null) return;
    const gap = this.serverGaps.find((g) => g.frame > c.frame && g.frame <= reply.frame);
    if (gap === undefined) return;
    const later = closing ? { command: null, frame: reply.frame, closing: true as const } : { command: null, frame: reply.frame };
    c.noReply = { why: 'capture-gap', gap: gap.frame, later, evidence: [...new Set([c.frame, gap.frame, reply.frame])] };
    this.pending.shift();
    const t = this.commandTransfers?.get(c);
    if (t === undefined) return;
    this.commandTransfers!.delete(c);
    if (t.request?.frame !== c.frame) return;
    t.replyInGap = c.noReply;
    this.stopRunning(t);
  }

  /**
   * A 227, 228 or 229 nothing waited for, in a session whose client's commands the capture holds: the
   * capture lost the PASV, LPSV or EPSV that asked for it (a server names an endpoint to nothing else), and the endpoint
   * it names is announced all the same, for the transfer command that uses it (the announcement's
   * command is the one its reply code answers; its frame is the reply's, as for every passive one).
   * So too in a session the capture began during, before any command of the client's: the capture
   * began after the command (tcpdump started between the PASV and its 227). Not when the client's
   * bytes could not be read as lines (TLS, a line begun before the capture and longer than the bound):
   * its commands, and which of them used the endpoint, are not readable.
   */
  private announceUnasked(reply: Reply): void {
    const verb = passiveCommandOfReply(reply.code);
    const s = this.session;
    if (verb === null || !(this.clientSpoke || (s.midstream && !s.tls && s.opaqueBytes.client === 0))) return;
    const tuple = toTuple(TUPLE_PARSERS[commandInfo(verb)!.tuple!](reply.text));
    // Only a reply that names an endpoint: pure-ftpd says "227 Logout." to a client's FIN.
    if (!tuple.ok || tuple.port === null) return;
    const asked: Command = { frame: reply.frame, time: reply.time, command: verb, arg: '', reply, preliminary: NO_PRELIMINARY };
    this.announce(asked, 'passive', tuple, reply, false, !this.clientSpoke);
  }

  /**
   * A 350 nothing waited for that states a restart position ("350 Restart position accepted
   * (2097152)", "350 Restarting at 1097728"), in a session whose client's commands the capture holds:
   * the capture lost the REST, and the server's reply says the offset it accepted, which the next
   * transfer starts from (a split download's segment is known by it).
   */
  private restartUnasked(reply: Reply): void {
    if (reply.code !== 350 || !this.clientSpoke || !/\brestart/i.test(reply.text)) return;
    const m = /\b(\d{1,15})\b/.exec(reply.text);
    const n = m === null ? NaN : Number(m[1]);
    if (Number.isSafeInteger(n) && n >= 0) this.restOffset = n;
  }

  /**
   * A reply's text takes from the capture's budget of kept commands by its length (beside the one
   * its command took); when the budget cannot pay for it, only its first TEXT_CHARS_PER_COMMAND
   * characters are kept (the budget's warning says so). A hostile server's 256 KiB replies, one
   * per command, would otherwise hold a thousand times what the budget counts for them.
   */
  private budgetedReply(reply: Reply): Reply {
    const cost = textCostInCommands(reply.text.length);
    const budget = this.options.commandBudget;
    if (cost === 0 || budget === undefined) return reply;
    if (budget.left >= cost) {
      budget.left -= cost;
      return reply;
    }
    budget.onExhausted(reply.frame);
    // A copy, not a slice: a slice would keep the whole text alive behind it.
    reply.text = Buffer.from(reply.text.slice(0, TEXT_CHARS_PER_COMMAND), 'utf8').toString('utf8');
    return reply;
  }

  /** A transfer command still waiting for its final reply (its transfer's request). */
  private isTransferCommand(cmd: Command): boolean {
    return this.commandTransfers?.get(cmd)?.request?.frame === cmd.frame;
  }

  /** The transfer's final reply came, or was lost: it no longer runs (an ABOR finds nothing). */
  private stopRunning(t: Transfer): void {
    const i = this.running.indexOf(t);
    if (i >= 0) this.running.splice(i, 1);
  }

  /** A transfer command whose 1xx came and whose final reply has not. */
  private runningTransfer(cmd: Command): boolean {
    return cmd.preliminary !== NO_PRELIMINARY && this.isTransferCommand(cmd);
  }

  private applyReply(cmd: Command, reply: Reply): void {
    const s = this.session;
    const ok = reply.code >= 200 && reply.code < 300;
    const verb = cmd.command ?? '';
    switch (verb) {
      case 'PASS':
      case 'USER':
      case 'ACCT':
        if (reply.code === 230) s.loggedIn = true;
        break;
      case 'CWD':
      case 'XCWD':
        // From a directory never named (no PWD, no absolute CWD) the path stays relative to the login
        // directory, which is not necessarily "/" (vsftpd without chroot: the home directory).
        if (ok) s.cwd = resolveFtpPath(s.cwd, cmd.arg) ?? s.cwd;
        break;
      case 'CDUP':
      case 'XCUP':
        if (ok) s.cwd = resolveFtpPath(s.cwd, '..');
        break;
      case 'PWD':
      case 'XPWD':
        if (reply.code === 257) s.cwd = pathFrom257(reply.text) ?? s.cwd;
        break;
      case 'TYPE':
        if (ok) this.type = cmd.arg.trim().toUpperCase().split(/\s+/)[0] || null;
        break;
      case 'MODE':
        if (ok) this.transferMode = cmd.arg.trim().toUpperCase() || null;
        break;
      case 'REST': {
        const n = restartOffset(cmd);
        const accepted = reply.code === 350 && n !== null;
        // Answered after the transfer command it was sent for: the offset is that transfer's, not the next one's.
        if (this.restFor?.command === cmd) {
          if (accepted && this.restFor.transfer.restOffset === null) this.restFor.transfer.restOffset = n;
          this.restFor = null;
        } else if (accepted) this.restOffset = n;
        break;
      }
      case 'RNFR':
        this.renameFrom = reply.code === 350 ? cmd.arg : null;
        break;
      case 'DELE':
      case 'STOR':
      case 'APPE':
        // The session's own change to a file it had asked the size of: that size no longer stands.
        if (reply.code < 400) this.forgetSize(cmd.arg);
        break;
      case 'RNTO':
        if (ok) {
          this.forgetSize(cmd.arg);
          if (this.renameFrom !== null) this.forgetSize(this.renameFrom);
        }
        if (this.renameFrom !== null) {
          const rename = { from: this.renameFrom, to: cmd.arg, frame: cmd.frame, ok };
          if (s.renames === NO_ITEMS) s.renames = [rename];
          else s.renames.push(rename);
        }
        this.renameFrom = null;
        break;
      case 'AUTH':
        // 334 (ADAT needed) or 234 accept a mechanism; GSSAPI's protection begins at ADAT's 235.
        if (reply.code === 334 || reply.code === 234) this.securityMechanism = cmd.arg.trim().toUpperCase();
        break;
      case 'ADAT':
        if (reply.code === 235 && this.securityMechanism !== null && !TLS_MECHANISMS.has(this.securityMechanism)) {
          s.protection ??= { mechanism: this.securityMechanism, frame: reply.frame, wrapped: 0 };
        }
        break;
      case 'PROT':
        if (ok) {
          const level = cmd.arg.trim().toUpperCase();
          s.dataProtection = level === 'P' ? 'P' : level === 'C' ? 'C' : s.dataProtection;
        }
        break;
      case 'SIZE': {
        const n = Number(reply.text.trim());
        const path = resolveFtpPath(s.cwd, cmd.arg);
        if (reply.code === 213 && Number.isSafeInteger(n) && path !== null && (this.sizes?.size ?? 0) < 10_000) (this.sizes ??= new Map()).set(path, { size: n, frame: reply.frame });
        break;
      }
    }

    const info = commandInfo(verb);
    if (announcesPassive(verb) && reply.code === info!.announceReply) {
      this.announce(cmd, 'passive', toTuple(TUPLE_PARSERS[info!.tuple!](reply.text)), reply);
      return;
    }
    // A passive announcement the server refused (PASV denied, EPSV not implemented) is a data
    // connection asked for and refused, as a PORT the server refuses is: a transfer with no endpoint.
    if (announcesPassive(verb) && reply.code >= 400) {
      this.announce(cmd, 'passive', { ok: false, ip: null, port: null, family: null, arithmetic: '', reason: `refused (${reply.code})` }, reply, true);
      return;
    }

    const transfer = this.commandTransfers?.get(cmd);
    if (!transfer) return;
    this.commandTransfers?.delete(cmd);
    if (transfer.request && transfer.request.frame === cmd.frame) {
      transfer.reply = reply;
      this.lastEnded = transfer;
      const announced = transfer.announce?.reply;
      // Not a 425, nor a refusal after its data connection had closed: the server had used the
      // announcement then (it connected, or waited, and gave up; it reset the connection it had
      // accepted), so the next command cannot rely on it (a63-passive-toggle: PORT, RETR answered 425,
      // then PASV; a64-stor-restart-off: PASV, its connection reset as STOR was answered 451, then PASV).
      const ends = this.options.dataEnds(transfer);
      const closed = ends !== null && (ends.rst || ends.fin.client || ends.fin.server);
      this.refusedBeforeData =
        reply.code >= 400 &&
        reply.code !== 425 &&
        !closed &&
        cmd.preliminary === NO_PRELIMINARY &&
        transfer.bytes === 0 &&
        transfer.abortFrame === null &&
        transfer.lateAbortFrame === undefined &&
        transfer.announce?.endpoint != null &&
        announced != null &&
        announced.code < 300
          ? transfer
          : null;
      this.stopRunning(transfer);
      // A 425 before any data connection: the server gave up on the one it announced (its listener
      // closed). A later connection to that endpoint is another's (vsftpd gives the port to the next
      // session's PASV), not this one's, whose story ends with the 425.
      if (reply.code === 425 && transfer.connection === null && transfer.announce?.endpoint != null) this.options.onForget(transfer);
    } else if (transfer.announce) {
      transfer.announce.reply = reply;
    }
  }

  /** Whether any line of the session could be read; the first one the snapshot length cut unreadable. */
  private anyReadable = false;
  private firstCut: number | null = null;

  private noteReadable(readable: boolean, frame: number): void {
    if (readable) this.anyReadable = true;
    else this.firstCut ??= frame;
  }

  /** The capture ended or the control connection closed: commands still waiting keep reply null. */
  finish(): void {
    // Every line cut before its verb or code: what the session asked and answered is not in the capture.
    if (!this.anyReadable && this.firstCut !== null) this.session.linesCut = { frame: this.firstCut };
    this.lastReplyInGap();
    this.pending.length = 0;
    this.abortedBeforeFinal = null;
    this.quitBeforeFinal = null;
    this.untracked = 0;
    this.running.length = 0;
  }
}
