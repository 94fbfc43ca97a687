/**
 * The analysis model: what ftpcap knows about a capture once it has been read. Every renderer
 * (tables, JSON, later dumps and ladders) reads this and nothing else. Field names are the JSON
 * field names documented in the README.
 */

import type { TlsAlert, TlsFacts } from '../tls/types.js';
import type { Resumption } from '../tcp/types.js';
import type { Warning } from '../warnings/catalog.js';
import type { CauseCode } from './diagnose/cause-code.js';
import type { Listing, ListingEntry } from './listing-parser.js';
import type { Limits } from './memory-budget.js';
import type { AnnounceLost, AnnouncedKbytes, ControlVerdict, DataUnseen, SplitLost, SplitPending, SplitSegment, TransferVerdict, TransferVerdictKind } from './verdict-types.js';

export type { AnnounceLost, AnnouncedKbytes, CauseCode, ControlVerdict, Listing, ListingEntry, SplitLost, SplitPending, SplitSegment, TlsAlert, TlsFacts, TransferVerdict };

/** Why a transfer did not complete, as a value with a stable cause code (diagnose/catalog.ts). */
export interface Diagnosis {
  cause: CauseCode;
  /** Plain-words account of what happened, citing frames, addresses and timings. */
  summary: string;
  /** Frames that show the evidence, ascending. */
  evidence: number[];
  /** What to change, naming the side and the setting. */
  advice: string;
  /**
   * The advice offers the other mode as a way out, and the capture shows that mode failing between the
   * same two hosts (diagnose/other-mode.ts): its first such attempt. The advice says so.
   */
  otherMode?: OtherModeFailure;
}

/**
 * One mode the capture shows failing between two hosts: `failed`, an attempt whose data connection
 * could not be made (`cause`, its diagnosis; `command` and `frame`, its announcement); `refused`, the
 * server refused each announcement of that mode the client asked with (the first refusal of each
 * command), and accepted none.
 */
export type OtherModeFailure =
  | { mode: TransferMode; how: 'failed'; transfer: string; cause: CauseCode; command: string; frame: number }
  | { mode: TransferMode; how: 'refused'; refusals: { transfer: string; command: string; code: number; frame: number }[] };

/**
 * `same-host`: client and server are one host (the same address at both ends, or two loopback
 * addresses), captured on that host (its loopback interface): every packet either end sent is in the
 * capture once, and nothing lies between them.
 */
export type VantagePoint = 'client-side' | 'server-side' | 'in-between' | 'same-segment' | 'same-host' | 'unknown';

/**
 * A TCP reset as captured. `ttl`: its TTL / hop limit (a middlebox's RST arrives with another than
 * the host's). `madeHere`: captured leaving a device that forwards the session's packets (a router's
 * tcpdump -i any, Linux cooked "outgoing") without having been seen arriving there: that device made
 * it, whatever address it carries.
 */
export interface RstSeen {
  frame: number;
  by: 'client' | 'server';
  ttl?: number;
  madeHere?: true;
  /** Made by a device between the hosts, not by the host it names (verdict.ts rstFromMiddlebox): decided once, for every output. */
  forged?: true;
  /**
   * Sent without ACK, its sequence number an acknowledgement the other end had sent: the stack of the
   * host it names answering a segment of a connection it no longer had (its end was already gone).
   */
  noConnection?: true;
  /**
   * Sent with ACK acknowledging every byte the other end had sent, as far as the capture shows them:
   * the host it names had them all when it reset (its own ACK of them may be missing from the capture).
   */
  acksAll?: true;
  /** Its sequence number lies past its sender's last byte the capture holds: the capture lost that many of its sender's bytes before it (a FIN's place not counted). */
  lostBefore?: number;
  /** Its sequence number lies one past its sender's last byte the capture holds, no FIN of its sender's captured: the capture lost the FIN its sender had sent first. */
  finLost?: true;
}

/** Where the capture was taken, inferred from TTLs and which packets it holds. */
export interface Vantage {
  point: VantagePoint;
  /** Why we think so, in words. */
  reason: string;
  /** What a capture taken there cannot see, in words (every output says it the same way). */
  blind: string;
  /**
   * Taken on a device that forwards the session's packets (a router's tcpdump -i any): each one it
   * passes on shows twice, arriving and leaving with a TTL one lower, so a packet seen once there was
   * not passed on (dropped at the device) or was made by it.
   */
  forwarder?: true;
}

/** A diagnosis of a whole session (the control connection failed, TLS hid its transfers, or all failed). */
export interface SessionDiagnosis extends Diagnosis {
  /** tls-hidden: connections that are probably its data connections (a guess from timing and ports). */
  guesses?: OtherConnection[];
  /**
   * tls-hidden: connections the client opened, while the session ran, to a high port of another
   * address than the server's — where an encrypted 227 naming an address no NAT rewrote sends it.
   */
  elsewhere?: OtherConnection[];
}


/** What a passive reply's other address was (analysis/passive-address.ts). */
/** A passive data connection's answer from another address, reset by the client (analysis/answer-reset.ts). */
export interface DataAnswerReset {
  /** The address the client's SYN went to, where the capture holds it (null at the server). */
  called: Endpoint | null;
  answeredBy: Endpoint;
  synFrames: number[];
  /** The answer and the client's reset of it (where only the answer's own connection shows them, its first SYN-ACK and last frame). */
  synAckFrame: number;
  resetFrame: number;
  /** At the server: the routers on the SYN's way and on the reset's (TTLs). */
  hops: { syn: number; reset: number } | null;
}

export interface PassiveAddress {
  announced: string;
  /** public: leads to this server (seen arriving); nat64: the server's IPv4 address behind a NAT64 translator (nat64.ts); departure: otherwise. */
  reading: 'public' | 'nat64' | 'departure';
}

export interface Endpoint {
  ip: string;
  port: number;
}

export interface Reply {
  code: number;
  /** Multi-line replies joined with '\n'. */
  text: string;
  /** Frame where the reply completed (its last line), and where it began. */
  frame: number;
  firstFrame: number;
  time: number;
  malformed?: string;
}

/** A decoded PORT / EPRT / LPRT argument or 227 / 229 / 228 reply. */
export interface AddressTuple {
  ok: boolean;
  ip: string | null;
  port: number | null;
  family: 4 | 6 | null;
  /** How the port was computed, e.g. "9×256+39". */
  arithmetic: string;
  /** Why the tuple could not be decoded (malformed). */
  reason?: string;
}

export interface Command {
  /** Frame carrying the end of the command line; `firstFrame` where it began, when different. */
  frame: number;
  firstFrame?: number;
  time: number;
  /** Upper-cased verb; null for a reply no command asked for (greeting, 421 on timeout). */
  command: string | null;
  arg: string;
  /** Final reply; null when the capture holds none. */
  reply: Reply | null;
  /** 1xx replies that came before the final one. */
  preliminary: Reply[];
  /**
   * A command that names a path (the catalog's namesPath: DELE, MKD, RNFR…): that path resolved
   * against the working directory tracked when it was sent; absent when that directory is unknown.
   */
  path?: string;
  /** PORT/EPRT/LPRT (request) or PASV/EPSV/LPSV (reply) address decoded. */
  tuple?: AddressTuple;
  malformed?: string;
  /** Sent while too many commands were already waiting: its reply was consumed in order but not paired. */
  replyUntracked?: true;
  /**
   * How many earlier commands still waited for their replies when it was sent (a client that does not
   * wait, or replies the capture lost); absent when none did. By the order commands and replies came
   * in, which holds a command written before the reply it acknowledged until that reply (control-parser
   * heldRequests), so its frame may be lower than that reply's.
   */
  sentWaiting?: number;
  /** No reply, and why (analysis/unanswered.ts); absent when it was answered or the capture does not say why. */
  noReply?: NoReply;
}

/**
 * Why a command got no reply. `server-closed`: the server had given up the control connection
 * before the command was sent: its unasked `notice` (a 421; `idle` when its text names a timeout,
 * `idleSeconds` since the client's last command was answered) and/or its FIN (`closed`) came
 * first; `reset`: the server's RST that met the command, if any.
 */
export interface ServerClosed {
  why: 'server-closed';
  notice: { code: number; frame: number; idle: boolean; idleSeconds: number | null } | null;
  closed: number | null;
  reset: number | null;
  evidence: number[];
}

/**
 * `answered-later`: the server answered a command sent after this one (`later`: that command's frame
 * and verb, its reply's code and frame) and never this one — replies come in order, so it was
 * skipped (pure-ftpd's QUIT answered 221 after an ABOR it never answered).
 */
export interface AnsweredLater {
  why: 'answered-later';
  later: { command: string; frame: number; code: number; replyFrame: number };
  evidence: number[];
}

/**
 * `capture-gap`: the reply is in the server's bytes the capture lacks (a kernel's drops, a SPAN port
 * that could not keep up): `gap` is the client's packet that first acknowledged those bytes, and the
 * client sent `later` (its verb and frame) then or after, as a client sends its next command once
 * its last was answered. Answered, not seen (session-builder.ts, skipRepliesInGap).
 */
export interface InCaptureGap {
  why: 'capture-gap';
  gap: number;
  /**
   * `command` null: the client's next command is in bytes the capture lost too, and the server had it
   * when it sent its reply at `frame` (FtpReply.clientUnseen: it had acknowledged them), which answers
   * that command, not this one. `closing`: that reply was a 421, which a server sends unasked as it
   * closes the session (its idle timeout): this command's own reply may be in the lost bytes, and
   * the 421 need not answer it. `acknowledged`: no command came after it in the capture (the
   * session's last PASV, its 227 dropped): `frame` is the client's acknowledgement of the lost bytes,
   * `command` null (session-builder.ts finish). `noTransfer`: the reply at `frame` is a 225 to the
   * client's ABOR sent before the lost bytes came (RFC 959: no transfer in progress), `command` 'ABOR':
   * the transfer had ended by then, its final reply in the lost bytes (session-builder.ts endedInGap).
   * `quitAborted`: the reply at `frame` answers the client's QUIT sent while the transfer ran, and
   * says the transfer was aborted (pure-ftpd's "226-Transfer aborted"), `command` 'QUIT': the
   * transfer's own final reply (its 426) is in the lost bytes.
   */
  later: { command: string | null; frame: number; closing?: true; acknowledged?: true; noTransfer?: true; quitAborted?: true };
  evidence: number[];
}

export type NoReply = ServerClosed | AnsweredLater | InCaptureGap;

export type TransferMode = 'active' | 'passive';

/** FTP server software ftpcap recognises from a greeting or SYST reply (server-software.ts). */
export type ServerSoftware = 'vsftpd' | 'proftpd' | 'pure-ftpd' | 'pyftpdlib' | 'twisted' | 'filezilla' | 'iis' | 'netkit' | 'inetutils' | 'gridftp';

/**
 * A transfer's status (verdict.ts). `fell-back`: the server refused the transfer command (or
 * announcement) and the client did what it meant another way, which completed or got past the
 * refusal (fallback.ts). `retry-refused`: a refused announcement the client sent as a retry, another
 * way, of an attempt that had already failed (retry-refused.ts).
 */
export type TransferStatus = 'complete' | 'failed' | 'fell-back' | 'retry-refused' | 'aborted' | 'incomplete' | 'unused';

export interface Announcement {
  frame: number;
  time: number;
  /** PORT, EPRT, LPRT (active) or PASV, EPSV, LPSV (passive). */
  command: string;
  /** The announced data endpoint (for EPSV: the control connection's server address). Null when malformed. */
  endpoint: Endpoint | null;
  tuple: AddressTuple;
  /** The reply to PORT/EPRT (200 or an error), or the 227/229/228 itself (for a refused passive one, the 4xx/5xx). */
  reply: Reply | null;
  /** A passive command the server refused (PASV denied, EPSV not implemented): no endpoint, `reply` says why. */
  refused?: true;
  /** The capture cut the line that carried the tuple (a short snaplen): no endpoint, but one was announced. */
  cut?: true;
  /**
   * A passive reply whose command came before the capture began (a session the capture began during,
   * before any command of the client's in it): when the client had it, and whether it still wanted
   * it, is not in the capture.
   */
  askedBeforeCapture?: true;
  /**
   * The first frame after a stretch of the client's control bytes the capture lost while this
   * announcement waited for its command: the client may have used it in them (the command, and the
   * data connection, lost with them), so nobody using it is no failure.
   */
  clientBytesLostAt?: number;
}

export interface DataConnection {
  /** TCP stream index (0-based, as Wireshark's tcp.stream). */
  stream: number;
  /** Who opened it: 'server' in active mode, 'client' in passive. */
  initiator: 'client' | 'server';
  /** The FTP client's end and the FTP server's end of the data connection. */
  client: Endpoint;
  server: Endpoint;
  /** First SYN frame, every SYN frame (retransmissions), and SYN-ACK frames. */
  synFrame: number | null;
  synFrames: number[];
  synAckFrames: number[];
  established: boolean;
  establishedFrame: number | null;
  /** Payload bytes each way that crossed the capture point: captured, or cut by the snaplen (`cutBytes`). */
  bytesToServer: number;
  bytesToClient: number;
  /**
   * Of the bytes that crossed, those whose segments the capture holds cut by its snapshot length
   * (tcpdump -s): on the wire for sure (their TCP headers are there), their payload not captured.
   * The capture's setting, never evidence about the transfer; extract cannot save them.
   */
  cutBytes: number;
  /** Bytes missing from the capture although the receiver acknowledged them (the capture lost them; snaplen cuts not counted). */
  gapBytes: number;
  /**
   * Bytes missing from the capture that the receiver never acknowledged while it acknowledged other
   * data: they did not reach the receiver either (lost on the path before the capture point).
   */
  undeliveredBytes: number;
  /**
   * The sender's bytes (as far as the capture shows them, gaps included) past the receiver's last
   * acknowledgement: sent and never confirmed received. 0 when the receiver acknowledged nothing in
   * the capture (its packets may simply not be in it). A reset ends the connection's reading
   * (tcp/reassembler.ts: later segments of it are counted after-close, not read): after a reset this
   * is what the receiver had not acknowledged when the reset came — acknowledgements still on their
   * way then may follow it in the capture (a65-ftps-client-killed-stor-vsftpd-python: the server's
   * ACKs after the client's reset acknowledge 19,324 more bytes).
   */
  unacknowledgedBytes: number;
  /**
   * `unacknowledgedBytes` by the side they were sent to (the one that had not acknowledged them):
   * a TLS data connection's receiver can leave the sender's last bytes unacknowledged while the
   * sender leaves the receiver's close_notify so (a65-ftps-quota-pureftpd-curl: the upload whole, the
   * server's 24 bytes of alert answered by the client's reset).
   */
  unacknowledged: { toServer: number; toClient: number };
  /**
   * IP datagrams of this connection that never completed in the capture: only their first fragment
   * (its TCP header names the connection) came, the rest was lost before the capture point
   * (analysis/lost-fragments.ts): how many each way, the first one's frame. Absent when none.
   */
  lostFragments?: { toServer: number; toClient: number; firstFrame: number };
  /**
   * TYPE A file transfers: CRLF pairs in the data's sender's bytes, the capture holding them all
   * (null: a gap, or TLS). Absent in other modes.
   */
  crlfPairs?: number | null;
  start: number;
  end: number;
  close: 'fin' | 'rst' | null;
  /** `ttl`: the RST's TTL / hop limit as captured (a middlebox's RST arrives with another than the host's). */
  rst: RstSeen | null;
  icmpErrors: Array<{ frame: number; type: number; code: number; reporter: string }>;
  /**
   * Segments with payload or a FIN sent again. A SYN or SYN-ACK sent again is not counted: it is in
   * `synFrames` / `synAckFrames` (a retransmitted SYN that got through moved no data twice).
   */
  retransmissions: number;
  /** Of `retransmissions`, how many each FTP side sent (a receiver's FIN sent again counts for the receiver). */
  retransmittedBy: { client: number; server: number };
  /** The frame of the first of `retransmittedBy` each side sent (0: none). */
  firstRetransmittedBy: { client: number; server: number };
  /** The capture time at which each side's acknowledgement of the other's bytes last moved on (-1: never). */
  ackAdvancedBy: { client: number; server: number };
  /** Packets captured twice (the same packet on two interfaces: tcpdump -i any on a router, a bridge): counted once. */
  captureCopies: number;
  zeroWindowFrames: number[];
  /** First seen without its SYN (the capture started during it). */
  midstream: boolean;
  /** The frame at which the analysis gave the connection up to make room for others (TcpConnection.evicted). */
  evicted?: number;
  /** A connection the analysis had given up and picked up again here (TcpConnection.resumes): mid-stream, but not begun before the capture. */
  resumes?: Resumption;
  /**
   * Retransmitted bytes whose content differed from the first copy, which was kept (first copy
   * wins): how many segments, the first one's frame and stream offset, the frame of the copy kept,
   * and which way it went. Absent when none was seen.
   */
  conflicts?: { count: number; frame: number; offset: number; kept: number; toServer: boolean };
  /** Handshake and teardown packets with their times, in capture order (at most 32). */
  handshake: HandshakeEvent[];
  /** Whether each side's FIN, once sent, was acknowledged by the other side in the capture (false: no FIN, or none acknowledged). */
  finAcked: { client: boolean; server: boolean };
  /** A side's FIN the capture missed, its peer's acknowledgement one past that side's data (that frame) showing it (TcpConnection.finUnseen). Absent when none. */
  finUnseen?: { client?: number; server?: number };
  /** A side's data ending in bytes the capture lost that its peer acknowledged (that frame), no FIN captured: its FIN may be among them (TcpConnection.endLost). Absent when none. */
  endLost?: { client?: number; server?: number };
  /**
   * Each way: the receiver's packet since which every byte sent that way was acknowledged with an
   * open receive window, and nothing new sent since (null: not so at the end of the connection).
   */
  drained: { toServer: { frame: number; time: number } | null; toClient: { frame: number; time: number } | null };
  /**
   * Each way: the receiver's zero window still in force at the end, from the packet that first
   * advertised it (null: its window open, or never shut).
   */
  windowShut: { toServer: { frame: number; time: number } | null; toClient: { frame: number; time: number } | null };
  /** Each way: the longest the receiver held its window shut before opening it again (seconds; 0: never). */
  longestShut: { toServer: number; toClient: number };
  /** The last payload seen, and the longest pause between two payload-carrying segments (from the one at `fromFrame`, sent at `fromTime`). */
  lastData: { frame: number; time: number } | null;
  longestSilence: { seconds: number; fromFrame: number; fromTime: number; toFrame: number } | null;
  /**
   * How it was linked: exact endpoint match, by port alone because an address differed (NAT), or
   * by its two hosts alone because the capture cut the announcement's tuple (a short snaplen).
   */
  match: 'exact' | 'port' | 'hosts';
  /** PROT P: what its TLS showed (handshake, resumption, alerts, decryption). Absent for clear data. */
  tls?: TlsFacts;
  /**
   * Decrypted application-data bytes each way (present only when decrypted). `bytesToServer` /
   * `bytesToClient` stay the TCP payload, TLS records included; the transfer's `bytes` are these.
   * The frames are those of the first and last record that carried application data each way
   * (null: none that way): the ladder marks the runs between them as decrypted data.
   */
  plaintext?: { toServer: number; toClient: number; framesToServer: FrameSpan | null; framesToClient: FrameSpan | null };
  /** When matched by port: the address actually used vs the one announced. */
  addressMismatch?: { announced: string; actual: string };
  marks: ConnectionMarks;
}

/**
 * Each end's marks on one connection (TcpConnection.firstMarks in the FTP client's and server's
 * terms): the TTL / hop limit of its first packet that was not a reset (null: none), and the
 * client's link-layer source address on it (null: none, or a link type without one). Where the
 * capture was taken shows in them (diagnose/vantage.ts), and a reset with another TTL than its
 * host's packets beside it was made by a middlebox (verdict.ts rstFromMiddlebox).
 */
export interface ConnectionMarks {
  ttl: { client: number | null; server: number | null };
  clientLink: string | null;
}

/** First and last frame of something spread over several frames. */
export interface FrameSpan {
  first: number;
  last: number;
}

export interface HandshakeEvent {
  type: 'syn' | 'syn-ack' | 'established' | 'rst' | 'fin' | 'icmp-error';
  frame: number;
  time: number;
  /** Which FTP side sent it (for an ICMP error: whose packet it answered). */
  by: 'client' | 'server';
  /** A retransmitted SYN or SYN-ACK. */
  repeat?: boolean;
}

export interface ControlConnection {
  established: boolean;
  /** The client's SYNs and the server's SYN-ACKs, with retransmissions, and the handshake's story. */
  synFrames: number[];
  synAckFrames: number[];
  handshake: HandshakeEvent[];
  rst: RstSeen | null;
  icmpErrors: Array<{ frame: number; type: number; code: number; reporter: string }>;
  /**
   * A side's last bytes (`bytes`) or FIN (`fin`), first sent at `frame`, were sent again (`repeats`,
   * the latest few) and never acknowledged to the end of the capture, while the other side had
   * acknowledged what came before: from there on nothing that side sent got through.
   */
  unacknowledged: { by: 'client' | 'server'; frame: number; repeats: number[]; bytes: number; fin: boolean; sackFrame?: number } | null;
  /**
   * The other view of the same loss, at the receiver's side: bytes of `by` that never arrived (a hole
   * of `bytes` before `frame`, the first segment after it), which the receiver never acknowledged while
   * it acknowledged later bytes selectively (SACK, `sackFrame`). `unacknowledged.sackFrame` is that
   * SACK seen from the sender's side: the peer held later bytes than those it never acknowledged.
   */
  hole: { by: 'client' | 'server'; frame: number; bytes: number; sackFrame: number } | null;
  /**
   * Packets of the control connection captured twice, the second copy with a TTL one lower: the
   * capture was taken on a device that forwards the session's packets (a router's tcpdump -i any),
   * where each one shows arriving and leaving (diagnose/vantage.ts).
   */
  forwardedCopies: number;
  marks: ConnectionMarks;
  /** The frame at which the analysis gave the connection up to make room for others (TcpConnection.evicted). */
  evicted?: number;
  /** A connection the analysis had given up and picked up again here (TcpConnection.resumes): mid-stream, but not begun before the capture. */
  resumes?: Resumption;
  /** A side's FIN the capture missed, the other side's acknowledgement one past that side's bytes (that frame) showing it (TcpConnection.finUnseen). Absent when none. */
  finUnseen?: { client?: number; server?: number };
}

/**
 * An address announcement written in more than one TCP segment whose first segment never got through
 * while a later one did (analysis/split-stall.ts): what a NAT's FTP helper does with one it cannot
 * read whole.
 */
export interface SplitStall {
  /** Who wrote the announcement. */
  by: 'client' | 'server';
  /**
   * `sent`: the capture holds the whole line, as its sender sent it (`firstFrame` … `frame`), and its
   * first segment sent again (`repeats`), never acknowledged. `received`: taken where the line was
   * going; only its end arrived (`frame`), the `missing` bytes before it never did.
   */
  seen: 'sent' | 'received';
  firstFrame: number;
  frame: number;
  repeats: number[];
  /** Bytes of the line (and after it) never acknowledged (`sent`), or never arrived (`received`). */
  missing: number;
  /** The receiver's acknowledgement that took a later piece selectively while still waiting for the start. */
  sackFrame: number;
  /** The announcing command (PORT/EPRT/LPRT, or the PASV/EPSV/LPSV the reply answered): its verb and frame; null when the lost line is not known (only its end arrived). */
  command: { verb: string; frame: number } | null;
  /** The line as the capture holds it: whole (`sent`, a request), or the end that arrived (`received`, a request); null for a reply (`Command.reply` has it) or when not kept. */
  line: string | null;
  /** An earlier announcement of the same kind in this session, written in one segment and accepted (its frame). */
  wholeBefore: number | null;
}

export interface OtherConnection {
  stream: number;
  /** Who sent the first SYN (or the first packet seen), and to whom. */
  from: Endpoint;
  to: Endpoint;
  synFrame: number | null;
  established: boolean;
  bytesFrom: number;
  bytesTo: number;
  start: number;
  end: number;
  close: 'fin' | 'rst' | null;
  /** Its first SYN-ACK and its last frame: a connection seen only as an answer and its reset (answer-reset.ts). */
  synAckFrame: number | null;
  lastFrame: number;
  /** TLS beside an FTPS session: what its handshake showed (resumption of the control session, alerts). */
  tls?: TlsFacts;
}

export interface TransferRequest {
  frame: number;
  time: number;
  command: string;
  arg: string;
  /**
   * The path the command names, resolved against the tracked working directory; for STOU, which
   * names none, the one the server's 150 gave ("FILE: name").
   */
  path: string | null;
}

export interface Transfer {
  id: number;
  session: number;
  mode: TransferMode;
  announce: Announcement | null;
  request: TransferRequest | null;
  connection: DataConnection | null;
  /** The 1xx reply that opened the transfer, and the final reply. */
  preliminary: Reply | null;
  reply: Reply | null;
  /**
   * The server's last line on a transfer it did not finish, under the 1xx code of its start (pure-ftpd:
   * "150 0.002 seconds (measured here), …" once the client closed the data connection): no final reply
   * followed, and the replies after it answer the commands sent after it. Only when `reply` is null.
   */
  closingLine?: Reply;
  /**
   * The final reply is in the server's bytes the capture lost, and the client's later command shows it
   * came (session-builder.ts skipRepliesInGap; its request's Command.noReply says the same): the
   * transfer ended, with a reply the capture cannot read. Only when `reply` is null.
   */
  replyInGap?: InCaptureGap;
  status: TransferStatus;
  /** 'download' (RETR), 'upload' (STOR/STOU/APPE), 'listing' (LIST/NLST/MLSD); null when unused. */
  direction: 'download' | 'upload' | 'listing' | null;
  /** Payload bytes carried in the transfer's direction. */
  bytes: number;
  /** Seconds from the data connection's SYN (or first packet) to its last packet. */
  duration: number | null;
  /** Bytes per second over that duration. */
  throughput: number | null;
  type: string | null;
  /**
   * The transfer mode (MODE) in force: `S` (stream, RFC 959's default) unless a MODE was accepted
   * before the command; `Z` (deflate), `B`, `C` put other bytes on the wire than the file's, so the
   * wire's count says nothing against the announced size. Null when the session began before the capture.
   */
  transferMode: string | null;
  restOffset: number | null;
  /**
   * A REST sent before the transfer command whose reply (its 350, or a refusal) the capture lost:
   * whether the server took the offset is not in the capture (restart-lost.ts settles it from the
   * bytes the data connection carried). Absent otherwise.
   */
  restUnconfirmed?: { offset: number; frame: number };
  /** Size announced by the server: "(N bytes)" in the 150 reply, or, for a download, a SIZE reply for the same path. */
  expectedSize: number | null;
  /**
   * A download's path answered by SIZE earlier in the session (213): that reply's frame and size, the
   * file as it stood then (a RETR refused as "no such file" after it: the file went in between).
   * Absent when no SIZE was answered for its path.
   */
  sizeStated?: { frame: number; size: number };
  /**
   * A download's size as pure-ftpd's 150 rounds it ("4096.0 kbytes to download", its frame): the
   * bytes left to send lie between `low` and `high` (paths.ts kbytesFrom150). Only when no exact
   * size was announced; absent otherwise. Never a verdict's `expected`: it cannot say a byte count is whole.
   */
  announcedKbytes?: AnnouncedKbytes;
  /**
   * After REST, the 150's byte count when the session did not say which server answered (its greeting
   * and SYST not in the capture): proftpd's counts the bytes left to send, others' the whole file.
   * Taken as the whole file until the other sessions to the same server name proftpd
   * (server-software.ts settleRestCounts). Absent otherwise.
   */
  restCountUnsure?: number;
  /**
   * The client's ABOR for the transfer, if any: the one that ended it, or one it sent right after
   * resetting the data connection itself, which reached the server after its error reply (verdict.ts).
   */
  abortFrame: number | null;
  /**
   * The first frame after client bytes of the control connection the capture lost while the transfer
   * ran (before its final reply): an ABOR may be among them, so an error reply then names no stopper.
   */
  clientBytesLost?: number;
  /** An ABOR sent while the transfer was finishing that did not end it (its data and 2xx were whole). */
  lateAbortFrame?: number;
  /**
   * One finished segment of a download split over several connections (analysis/split-download.ts):
   * the client closed it once its bytes reached where the next segment, already asked for, began.
   */
  segment?: SplitSegment;
  /**
   * A download the client stopped short while another session of its own to the server was still
   * under way at the capture's end (analysis/split-download.ts findPendingSplits): a finished piece
   * of a split download or a stopped one, not known yet. Its status is incomplete.
   */
  splitPending?: SplitPending;
  /**
   * A download the client stopped short beside another download between the same hosts, where the
   * capture lost what would show whether it was a split download's piece (split-download.ts
   * findSplitsLost): not known. Its status is incomplete.
   */
  splitLost?: SplitLost;
  /**
   * The frame where the capture picked the control connection up again after losing bytes of it,
   * since the session's previous transfer command (or its start) and before this one's: commands and
   * replies that set this transfer up (SIZE and its 213, REST, TYPE) may be in what was lost. Absent when none.
   */
  controlGapBefore?: number;
  /** Its announcement lost with control bytes, an unlinked connection between the hosts beside it (announce-lost.ts): not known. Its status is incomplete. */
  announceLost?: AnnounceLost;
  /**
   * A PASV/EPSV/LPSV the client sent before the request whose reply is not in the capture (a capture
   * of the client's direction only, or a lost reply): the transfer was passive, its endpoint unknown.
   */
  unansweredAnnounce?: { command: string; frame: number };
  /**
   * Present only when its announcement came before the capture began (a session the capture began
   * during: its PASV and 227, or PORT, are not in it) and its data connection was linked by hosts and
   * timing (inferred-transfers.ts linkUnannounced).
   */
  announcedBeforeCapture?: true;
  /**
   * A transfer of a session the capture began during whose command no PORT/PASV in the capture came
   * before: it may use one the client sent before the capture began, or RFC 959's default port, which
   * `mode` (active) then only assumes. Dropped when a data connection is linked to it (announcedBeforeCapture).
   */
  announceMaybeBeforeCapture?: true;
  /** Why it did not complete (null for a healthy transfer). Filled by the diagnosis stage. */
  diagnosis: Diagnosis | null;
  /** What happened, decided once (analysis/verdict.ts): every output words this and nothing else. */
  verdict: TransferVerdict;
  /**
   * Not announced by a command in the capture, inferred from a connection: `midstream` (it was
   * running when the capture began), `tls-hidden` (the commands were encrypted), `one-way` (a
   * capture of the server's direction only: built from its replies — 227/228/229, 1xx, the final
   * reply — and the data connection they point to; the command is not in the capture),
   * `command-lost` (the capture lost the client's transfer command: the server's 1xx or final reply
   * to it came with nothing waiting, after an announcement whose data connection is in the capture;
   * inferred-transfers.ts inferLostCommands).
   */
  inferred?: 'midstream' | 'tls-hidden' | 'one-way' | 'command-lost';
  /**
   * Data a capture of one direction does not hold, as the receiver's acknowledgements count it (no
   * packet of the data's sender on the data connection is in the capture): an upload in a capture of
   * the server's packets, a download in one of the client's. `by`: the receiver, whose ACKs count.
   * The highest acknowledgement number less the sender's ISN + 1 (its SYN or SYN-ACK as the
   * receiver acknowledged it), less one more for the sender's FIN when the server's 2xx to an upload
   * says it read the file to its end (`frame`: the ACK that reached that far). `upTo`: no such reply
   * (a download's always: nothing says whether the client's last ACK took in the server's FIN), so
   * the count may include the FIN (one more than the data). `bytes` stays what the capture holds
   * (0): these are acknowledged, not seen.
   */
  acknowledged?: { by: 'client' | 'server'; bytes: number; frame: number; upTo: boolean };
  /**
   * FXP (server to server): its data connection is also the data connection of this transfer of
   * another session — the other server's, whose passive endpoint this session's PORT named (or the
   * other way round). Such a PORT names a third party on purpose: no bounce.
   */
  fxp?: { session: number; transfer: number };
  /**
   * A proxy or gateway in the capture relayed this transfer: the same command (or, with none, the
   * same announcement) crossed its other leg as this transfer of another session (relay-pairs.ts).
   */
  relay?: { session: number; transfer: number };
  /**
   * Passive mode, the reply named another address than the server's own in this capture: whether
   * that is the server's public address (captured at the server, the data connection arrived there on
   * the announced port: pasv_address behind DNAT) or a departure (analysis/passive-address.ts).
   * Absent when it named the server's address, or no address (EPSV), or before diagnose ran.
   */
  passiveAddress?: PassiveAddress;
  /**
   * Passive mode, the data connection's SYN answered from another address than the one the client
   * called, the answer reset by the client (analysis/answer-reset.ts): decided once, in the pipeline,
   * before the statuses; read by the status, the reset's reading, the diagnosis and the ladder.
   */
  answerReset?: DataAnswerReset;
  /** LIST / NLST / MLSD: the entries the listing carried (absent for other transfers, or with no data connection). */
  listing?: Listing;
  /**
   * A transfer that did not finish (failed, aborted, incomplete) and the client's later attempt at
   * it in the capture (analysis/later-attempt.ts): the first later transfer from the same client to
   * the same server, in this session or one opened after this attempt began, of the same path and direction that starts no
   * further into the file than this one got (`samePath`); or, when this one never sent its command,
   * the client's next transfer with that server, or its next attempt that failed before its command
   * too (`samePath: false`). `outcome` is that transfer's
   * own verdict. A fact beside this transfer's verdict, never its cause. Absent when none followed.
   */
  laterAttempt?: {
    session: number;
    transfer: number;
    /** The later transfer's command frame (its PASV/PORT when it sent none), and the command as sent ("RETR file.bin") or null. */
    frame: number;
    request: string | null;
    /** Its REST offset (a resume), or null. */
    rest: number | null;
    samePath: boolean;
    sameSession: boolean;
    /** In another session the client had opened before this attempt began (a resume of it from exactly where it stopped: later-attempt.ts). */
    alreadyOpen?: true;
    outcome: TransferVerdictKind;
    /** With outcome `incomplete`: why its end is not known (the verdict's `why`). */
    unfinished?: Extract<TransferVerdict, { kind: 'incomplete' }>['why'];
  };
}

export interface Session {
  id: number;
  /** TCP stream index of the control connection. */
  stream: number;
  client: Endpoint;
  server: Endpoint;
  start: number;
  end: number;
  /** Last user name sent with USER, and whether a login succeeded. */
  user: string | null;
  loggedIn: boolean;
  loginAttempts: number;
  /**
   * How the login went, decided once (verdict.ts) for every output: `logged-in`; `failed` (the
   * credentials refused); `refused` (the server turned the session away at the login: `control`
   * says why); `unknown` (only the client's side is in the capture); `pending` (the capture ended with the
   * session open while the login was under way: its last login command unanswered, or answered 331
   * or 332 for more, and nothing refused: in-flight.ts); `none` (no login sent).
   */
  login: 'logged-in' | 'failed' | 'refused' | 'unknown' | 'pending' | 'none';
  /**
   * A failed login the server refused (verdict.ts): its last login command (USER, PASS, ACCT) and
   * the error answering it (530, 532, 501-504). Null otherwise, and when the client gave up unanswered.
   */
  loginRefusal: { command: number; verb: string; code: number; reply: number } | null;
  /**
   * A session that logged in after the server had refused a login (verdict.ts): a wrong password
   * retyped, a second user name tried. `refused` logins answered with an error before the first
   * success (`first` the earliest: its command, code and reply frame), then the 230 at `loggedIn`.
   * Not a failure: the login succeeded. Null when the first login succeeded, or none did.
   */
  loginRetried: { refused: number; first: { command: number; code: number; reply: number }; loggedIn: number } | null;
  /**
   * The server refused TLS (verdict.ts): the session's last AUTH TLS/SSL (`command`, `mechanism`
   * as sent) was answered with an error (`code` at `reply`: a server without FTPS, 500/502/504/534,
   * or vsftpd's 530 before the login) and none was accepted. `gaveUp`: the client then sent no
   * login and closed the connection: a client that requires TLS (curl --ssl-reqd, lftp
   * ftp:ssl-force) ends here; otherwise it went on in clear text, which is no failure.
   */
  tlsRefusal: { command: number; mechanism: string; code: number; reply: number; gaveUp: boolean } | null;
  tls: boolean;
  /** 'explicit' after AUTH TLS/SSL + 234, 'implicit' for TLS from the first byte (port 990). */
  tlsMode: 'explicit' | 'implicit' | null;
  tlsFrame: number | null;
  /** After CCC: the frame where the control channel was first seen in clear text again (absent otherwise). */
  tlsEndFrame?: number;
  /**
   * Why the control channel was clear text again at `tlsEndFrame` (control-tls.ts): 'ccc', the
   * client cleared it (RFC 4217) after TLS had carried the login; 'handshake-failed', TLS never got
   * going (a fatal alert, or no ServerHello) and the lines after it are a side's words in clear text
   * (netkit ftpd's 421 after its failed SSL_accept). Set with `tlsEndFrame`.
   */
  tlsEndAfter?: 'ccc' | 'handshake-failed';
  /**
   * RFC 2228 protection other than TLS (AUTH GSSAPI / KERBEROS_V4 accepted with ADAT): from `frame`
   * on, commands travel wrapped in ENC/MIC/CONF and replies as 631-633, unreadable like TLS.
   * `wrapped` counts the wrapped commands and replies.
   */
  protection?: { mechanism: string; frame: number; wrapped: number };
  /** The control connection's TLS as seen (version, suite, SNI, certificate, alerts, decryption). */
  tlsDetails?: TlsFacts;
  /** PROT P seen (data connections encrypted too). */
  dataProtection: 'C' | 'P' | null;
  greeting: string | null;
  /**
   * The server software its greeting or SYST reply names, or the other sessions to the same server
   * do (server-software.ts identifyServerSoftware); null: none does. Set before the diagnosis.
   */
  serverSoftware?: ServerSoftware | null;
  /**
   * The control connection carried another protocol: a side's first line was no FTP (e.g. an SSH
   * banner on port 21). `protocol` is recognised from that line, null when unknown.
   */
  notFtp?: { by: 'client' | 'server'; frame: number; line: string; protocol: string | null };
  /** Control connection seen without its SYN. */
  midstream: boolean;
  /**
   * Commands the analysis counted but did not keep, from frame `from` on (past the per-session or
   * capture-wide command budget, `--max-memory`): what the session did after that is not known.
   */
  commandsNotKept?: { count: number; from: number };
  /**
   * Sessions of the same client address to the same server the analysis let go (past its session
   * budget): the latest one's first frame. A reconnect's or a split download's next step may be there.
   */
  peersNotKept?: number;
  /**
   * Sessions of the same client address to another server the analysis let go (past its session
   * budget): the first frame of the earliest, the last of the latest. An FXP copy's other half may
   * be there.
   */
  otherServersNotKept?: { from: number; to: number };
  /**
   * Present only when the capture holds one side's packets of the control connection and none of
   * the other's (a capture filter, an asymmetric route): the side that was captured.
   */
  oneWay?: 'client' | 'server';
  /**
   * Present only when the capture holds none of the data connections between the session's two
   * addresses while a transfer's replies say it had one (a "port 21" capture filter): that transfer.
   * A data connection's absence is then no evidence (analysis/data-unseen.ts).
   */
  dataUnseen?: DataUnseen;
  /**
   * Present only when the capture holds no data connection between the session's two addresses at
   * all, and no reply shows one it lacks: an absent SYN may then be a capture filter's doing.
   */
  noDataSeen?: true;
  /**
   * Present only when the capture's snapshot length cut every line of the session before its verb or
   * reply code could be read (tcpdump -s 68): the first such line. Its transfers cannot be read.
   */
  linesCut?: { frame: number };
  /** The control connection's own TCP story: its SYNs, the answer to them, and how it ended. */
  controlConnection: ControlConnection;
  /** An announcement split across TCP segments that stalled the control connection there (analysis/split-stall.ts). */
  splitStall?: SplitStall;
  /** How the control connection fared, decided once (analysis/verdict.ts). */
  control: ControlVerdict;
  /** How the control connection ended. */
  close: 'fin' | 'rst' | null;
  /** Who ended it first, where, and how (the first FIN or RST: a FIN may be followed by a RST, `close` then says 'rst'). */
  closedBy: { by: 'client' | 'server'; frame: number; time: number; how: 'fin' | 'rst' } | null;
  /** Current directory at the end of the capture, as tracked: relative to the login directory while no PWD or absolute CWD named it. */
  cwd: string | null;
  renames: Array<{ from: string; to: string; frame: number; ok: boolean }>;
  commands: Command[];
  transfers: Transfer[];
  /** TCP connections between the session's two hosts that matched no announcement (at most 64). */
  otherConnections: OtherConnection[];
  /** TTL / hop limit of the first packet each side sent, as captured (tells where the capture was taken). */
  ttl: { client: number | null; server: number | null };
  /**
   * Other addresses of the client's own host that its data connections used (a PORT naming the
   * client's second address): shown to be the same host by the capture (own-addresses.ts).
   */
  clientAliases: string[];
  /**
   * Other addresses at the client's end of its data connections that this capture point cannot
   * place (own-addresses.ts): their packets arrive through a router (or carry no link address), so a
   * third host and another address of the client's own host look alike here.
   */
  clientEndsUnplaced: string[];
  /** Unused announcements dropped from `transfers` once more than the bound were waiting. */
  forgottenAnnouncements: number;
  /** Bytes of the control channel that could not be read as text (TLS, gaps). */
  opaqueBytes: { client: number; server: number };
  /** Capture lost bytes of the control connection itself. */
  controlGapBytes: number;
  /** The first frame after the first gap in the control connection's bytes (either direction), when the capture lost any after its first bytes. */
  controlGapFrame?: number;
  warnings: Warning[];
  /**
   * The same session seen on the other side of a NAT (capture taken on the NAT device): which view
   * this is, and the client's address inside and outside the NAT.
   */
  natPeer: { session: number; side: 'inside' | 'outside'; inside: Endpoint; outside: Endpoint } | null;
  /**
   * A relay (an FTP proxy or gateway) joins this session to another one in the capture: `front`, this
   * session's server is the relay and `session` is its own session to the real server; `back`, this
   * session's client is the relay, serving `session` (relay-pairs.ts). Absent otherwise.
   */
  relay?: { session: number; role: 'front' | 'back' };
  /** Where the capture was taken relative to this session's hosts. */
  vantage: Vantage | null;
  /** TLS hid the session's transfers, or all of them failed. */
  diagnosis: SessionDiagnosis | null;
}

export interface LinkTypeCount {
  linkType: number;
  name: string;
  frames: number;
  supported: boolean;
}

export interface ChecksumSummary {
  /** Hosts whose every verifiable outgoing packet had a bad checksum (capture on a host that offloads). */
  offloadLikely: string[];
  badIpv4: number;
  badTcp: number;
}

/** Frames whose IP packet came inside one chain of tunnel headers (outermost first), decoded to the inner packet (a tunnelled ARP frame is not counted). */
export interface TunnelCount {
  layers: Array<'gre' | 'vxlan' | 'ipip'>;
  frames: number;
  firstFrame: number;
}

export interface CaptureSummary {
  file: string;
  format: 'pcap' | 'pcapng';
  compressed: boolean;
  packets: number;
  bytes: number;
  linkTypes: LinkTypeCount[];
  /** Frames carried in tunnels (GRE, VXLAN, IP-in-IP), by chain of tunnel headers; empty when none. */
  tunnels: TunnelCount[];
  first: number | null;
  last: number | null;
  tcpConnections: number;
  checksums: ChecksumSummary;
  warnings: Warning[];
}

/**
 * One client address whose logins were refused often in a short while (login-guessing.ts, Zeek's
 * FTP::Bruteforcing rule: 20 failed logins, a 5xx answering USER or PASS, within 15 minutes).
 */
export interface LoginGuessing {
  client: string;
  /** The failed logins (5xx to USER or PASS) of this address in the whole capture, and on how many servers. */
  failures: number;
  servers: number;
  /** The first and the last failed login. */
  first: { frame: number; time: number };
  last: { frame: number; time: number };
  /**
   * The failed login that reached the threshold within the window (Zeek's notice is for it): its
   * frame and time, when the window's first one was, and the servers of the window's failures.
   */
  crossed: { frame: number; time: number; since: number; servers: number };
  /** Distinct user names tried: the first few, and how many in all. */
  users: string[];
  userCount: number;
  /** The sessions with a failed login: the first few, and how many in all. */
  sessions: number[];
  sessionCount: number;
}

/** One side of a passive port split: the ports of one outcome, their span, and the boundary transfer. */
export interface PortGroup {
  /** Lowest and highest port, how many distinct ports and how many transfers. */
  low: number;
  high: number;
  ports: number;
  transfers: number;
  /** The transfer with the port nearest the other group (the boundary), and the frame that shows it. */
  edge: { port: number; session: number; transfer: number; frame: number };
}

/**
 * Passive data connections to one server address whose outcome split by port (passive-port-split.ts):
 * every port that failed lies above (or below) every port that worked — a firewall on the way opens
 * only part of the range the server picks its passive ports from.
 */
export interface PassivePortSplit {
  server: string;
  worked: PortGroup;
  failed: PortGroup;
  /** Where the failing ports lie: above or below every port that worked. */
  closed: 'above' | 'below';
  /** The server software its sessions name (for the name of its range setting), or null. */
  software: ServerSoftware | null;
  /** Frames: the boundary transfers' and the first of each group's. */
  evidence: number[];
}

export interface Analysis {
  capture: CaptureSummary;
  sessions: Session[];
  /** Servers whose passive data connections worked on some ports and failed on others, split by port (passive-port-split.ts). */
  passivePortSplits: PassivePortSplit[];
  /** Client addresses whose logins were refused often in a short while (login-guessing.ts: Zeek's FTP::Bruteforcing rule). */
  loginGuessing: LoginGuessing[];
  /** The budgets the analysis ran under (memory-budget.ts); a second pass over the capture keeps to them too. Not in the JSON. */
  limits: Limits;
}
