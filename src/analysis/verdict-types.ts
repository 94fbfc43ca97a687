/**
 * The verdicts: what happened to each transfer and to each control connection, as values. They
 * are decided once (verdict.ts) from the facts and the diagnosis; every renderer words them and
 * none decides one. Each carries the frames that prove it.
 */
import type { Resumption } from '../tcp/types.js';
import type { CauseCode } from './diagnose/cause-code.js';

/** The transfer that shows a session's data connections are not in the capture (analysis/data-unseen.ts). */
export interface DataUnseen {
  session: number;
  transfer: number;
  /** The reply that says its data connection existed: its 226/250, else its 1xx. */
  reply: number;
}

/** A download's piece of a file fetched in segments (aria2c, axel, lftp pget): see analysis/split-download.ts. */
export interface SplitSegment {
  /** The file's bytes this download was there for: from its REST offset to where the next segment began. */
  start: number;
  end: number;
  /** The file's size as the session stated it (SIZE's 213, the 150's "(N bytes)"). */
  size: number;
  /** The download that fetched the file from `end` on: its session, transfer and command frame. */
  next: { session: number; transfer: number; frame: number };
  /** The client's close of this data connection: its ABOR, reset or FIN; or of its control connection (`control`). */
  closed: number;
  /** Present when `closed` is the client's close of its control connection, the data connection still open then (aria2c). */
  control?: true;
  /** The segments of this file in the capture together hold every byte of it. */
  whole: boolean;
}

/**
 * A download the client stopped short while another session of its own to the same server was
 * still under way at the capture's end (analysis/split-download.ts findPendingSplits): one piece of
 * a file fetched in segments, or a download stopped, the capture ended before it could show which.
 */
export interface SplitPending {
  /** How the client stopped it: its ABOR, its reset or FIN of the data connection, or its close of the control connection while the data still came. */
  how: 'abor' | 'rst' | 'fin' | 'control';
  /** That stop's frame. */
  closed: number;
  /** Where its data ended in the file: its REST offset plus the bytes it carried. */
  reach: number;
  /** The client's other session still under way, and its last step (a frame) before the capture's end. */
  session: number;
  frame: number;
}

/**
 * A download the client stopped short beside another download between the same two hosts, while the
 * capture lost part of what would show whether it was a split download's finished piece: control
 * bytes of a session of the same client to the same server (a command, its reply: the REST, RETR or
 * SIZE of a segment), or a download between them whose command or data connection's opening it lost
 * (analysis/split-download.ts findSplitsLost).
 */
export interface SplitLost {
  /** How the client stopped it. */
  how: SplitPending['how'];
  /** That stop's frame. */
  closed: number;
  /** Where its data ended in the file: its REST offset (when the capture shows it) plus the bytes it carried. */
  reach: number;
  /** The other download beside it: its session, transfer ("S.T") and first frame in the capture. */
  session: number;
  transfer: string;
  frame: number;
  /** What the capture lost: the first frame after a control connection's gap (`control`), or the other download's command or data connection's opening (`transfer`). */
  lost: { what: 'control'; session: number; frame: number } | { what: 'command' | 'connection'; frame: number };
}

/**
 * A transfer command whose announcement the capture lost (announce-lost.ts): control bytes lost
 * before it (`gap`: where the capture picked the control connection up again), and a connection
 * between the hosts no transfer took (`stream`, its SYN's frame or null) open while it ran.
 */
export interface AnnounceLost {
  gap: number;
  stream: number;
  syn: number | null;
}

/** A download's size as a server rounded it in its 150 (pure-ftpd's "N.N kbytes to download"): between `low` and `high` bytes. */
export interface AnnouncedKbytes {
  kbytes: number;
  low: number;
  high: number;
  /** The 150 reply's frame. */
  frame: number;
}

/**
 * Who ended a transfer early. `network`: a reset or ICMP error from neither end (a middlebox, its
 * TTL or the capturing host's own REJECT tells). `firewall`: the server's end of the data connection
 * reset by something the client never sent, seen only in the server's stack answering for a
 * connection it no longer had (serverSideResetUnseen, serverEndGoneUnseen): a firewall's REJECT
 * on the path or on the server's own host, which a capture from the client's side cannot tell apart.
 */
/** `other-server`: the other server of an FXP copy, the data connection's far end (not the FTP client). */
export type Stopper = 'client' | 'server' | 'network' | 'firewall' | 'other-server';

export type TransferVerdict =
  /**
   * The server's 2xx closed it. `missingBytes`: bytes the server moved that the capture lacks (its
   * own losses, or a data connection partly captured), so "completed" is the server's word for it.
   */
  | {
      kind: 'completed';
      bytes: number;
      expected: number | null;
      missingBytes: number;
      /**
       * Of `bytes`, those the capture's snapshot length cut (tcpdump -s): seen crossing (their TCP
       * headers are in the capture), their payload not captured. The capture's setting, no sign of
       * a fault. Absent when none.
       */
      payloadCut?: number;
      /**
       * The capture holds the data connection whole and its sender closed it before `expected`: it
       * sent fewer bytes than the session stated (the file changed while it was sent, or the size
       * was stated wrong), none lost by the network or the capture.
       */
      sentShort: boolean;
      /**
       * The capture holds the data connection whole and its sender sent more than `expected`, in
       * binary (verdict.ts sentLong): the file grew on the server while it was sent (a log or an
       * export still being written), or its size was stated wrong. Nothing lost; the 2xx counts
       * every byte. Absent otherwise.
       */
      sentLong?: true;
      /**
       * The receiver's reset (its frame) that came once every stated byte had arrived and been
       * acknowledged, which the server answered with 426 (verdict.ts resetAfterWhole): the 426
       * reports that reset, not a loss. Absent otherwise.
       */
      resetAfterWhole?: number;
      /**
       * The transfer mode when not stream (MODE Z: deflate): the bytes counted are that mode's on the
       * wire, not the file's, and no announced size measures them. Absent in stream mode.
       */
      wireMode?: string;
      /**
       * The data's sender ended the data connection with its own reset (no FIN) after its queue had
       * drained (verdict.ts senderReset): its last data segment, the receiver's acknowledgement of
       * every byte with an open window, and the reset a round trip or more later. Nothing was discarded.
       */
      resetDrained?: { lastData: number | null; ack: number; reset: number };
      /**
       * One finished segment of a split download (model.ts Transfer.segment): `bytes` past `segment.end`
       * were more than it needed, `expected` counts to the file's end; the client's close (and a 426
       * answering it) ended a piece that was done.
       */
      segment?: SplitSegment;
      evidence: number[];
    }
  /** The replies say the data moved (2xx, or a 1xx and no final reply), but its data connection is not in the capture. */
  | { kind: 'not-captured'; replies: 'completed' | 'started'; evidence: number[] }
  /**
   * No final reply in the capture: `capture-ended` (it was still running when the capture ended),
   * `session-ended` (the control connection closed first), `size-not-captured` (see `sizeLost`), `split-not-captured` (see `splitLost`), `not-followed` (the analysis gave up its
   * data or control connection at frame `evictedAt` to make room for others: more connections were
   * live at once than its budget, `--max-memory`), `reply-not-captured` (its final reply was in
   * bytes the capture lost: `replyInGap`).
   */
  | {
      kind: 'incomplete';
      bytes: number;
      expected: number | null;
      /** No exact size announced, a rounded one (Transfer.announcedKbytes): present then, absent otherwise. */
      about?: AnnouncedKbytes;
      why: 'capture-ended' | 'session-ended' | 'not-followed' | 'reply-not-captured' | 'size-not-captured' | 'end-not-captured' | 'data-end-not-captured' | 'split-not-captured';
      evictedAt?: number;
      /**
       * not-followed: the session's commands were not kept from this frame on (Session.commandsNotKept),
       * and none after this transfer's own was: what the client did next, which would tell whether
       * it failed or was given up, is not known.
       */
      commandsFrom?: number;
      /** not-followed: as commandsFrom, the client's next session let go whole (past the session budget), from this frame (Session.peersNotKept). */
      sessionsFrom?: number;
      /**
       * not-followed: a passive transfer nothing connected to, unanswered, while the client's sessions
       * to another server were let go from this frame (Session.otherServersNotKept, not-followed.ts
       * fxpHalfNotKept): an FXP copy's other half may be there.
       */
      otherServersFrom?: number;
      /**
       * not-followed: a download the client stopped early while another session of the same client to
       * the same server was not followed whole from this frame (splitSiblingNotFollowed): a split
       * download's next segment may be there.
       */
      siblingFrom?: number;
      /**
       * With `why: 'size-not-captured'`: the download's receiver reset its data connection (frame
       * `reset`) holding every byte the capture shows, acknowledged; the size the session stated, which
       * says whether that was the whole file, is in bytes the capture lost (`sizeLost`: the SIZE whose
       * 213 was lost, or the 213 whose SIZE, naming the file, was, or — `both` — control bytes lost
       * before the transfer command, where a SIZE and its 213 may be; size-lost.ts).
       */
      sizeLost?: { frame: number; lost: 'reply' | 'command' | 'both' };
      reset?: number;
      /**
       * With `why: 'end-not-captured'`: the client had acknowledged every byte the session stated when
       * the server answered 426 (frame `reply`), and the data connection's end (FIN or reset) is not in
       * the capture: the 426 may answer the client's reset the capture lost (verdict.ts wholeBeforeLostEnd).
       */
      endLost?: { reply: number };
      /**
       * With `why: 'data-end-not-captured'`: the server confirmed the transfer (frame `reply`), and the
       * capture holds no end of its data connection after its last data segment (frame `lastData`), nor
       * every byte the session stated: the capture lost the close (and any rest), or a reset with the
       * rest still queued (data-end-lost.ts).
       */
      dataEndLost?: { reply: number; lastData: number };
      /**
       * With `why: 'reply-not-captured'`: its final reply came in the server's bytes the capture lost
       * (frame `gap`), as the client's next command shows (`later`): the transfer ended, how is not known.
       */
      replyInGap?: { gap: number; later: { command: string | null; frame: number; closing?: true; acknowledged?: true; noTransfer?: true; quitAborted?: true } };
      /**
       * Present when the receiver never got part of the data (path-loss.ts): bytes sent as far as the
       * capture shows, and acknowledged (in order: cumulatively); `arrivedBeyondAck`, in a capture at
       * the receiver's side, bytes it holds arriving there beyond that acknowledgement (after the lost
       * ones), absent when none.
       */
      lost?: { sent: number; acknowledged: number; arrivedBeyondAck?: number };
      /**
       * Present when the capture ended while the sender was not sending, every byte acknowledged and
       * the receiver's window open, in a transfer whose data had never paused before
       * (stopped-at-end.ts `sender-idle`): paused or stopped, the capture cannot tell. Its last data
       * and the receiver's acknowledgement of all of it (frames), and the seconds from that data to
       * the capture's end.
       */
      idle?: { sender: 'client' | 'server'; seconds: number; lastData: number; drained: number };
      /**
       * Present when the server's 2xx (`reply`, its frame) came while its data was still arriving at
       * the capture's end (in-flight.ts `arriving`: the last data at `lastData`, null when none of it had come, the sender not closed,
       * short of any stated size): the server replies once its data is queued, and the capture ended
       * before the rest arrived, so the 2xx is no proof yet.
       */
      arriving?: { reply: number; lastData: number | null };
      /** Present when the client stopped it while another session of its own to the server was still under way (SplitPending). */
      splitPending?: SplitPending;
      /** With `why: 'split-not-captured'`: the client stopped it beside another download, and the capture lost what would show whether it was a piece (SplitLost). */
      splitLost?: SplitLost;
      /**
       * Present when the transfer was still under way at the capture's last packet (in-flight.ts), no
       * failure shown: `connecting` (its data connection's SYN, or SYN and SYN-ACK, less than the first
       * retransmission timeout before the end), `moving` (its data connection open, data moving or
       * about to), `waiting` (its command, 1xx, or the data's close awaiting the next step),
       * `aborting` (the client's ABOR, its answer and the transfer's still to come, the data still
       * coming: cut short or sent as it finished, not known yet); `frame`: that last step.
       */
      underWay?: { step: 'connecting' | 'moving' | 'waiting' | 'aborting'; frame: number };
      /**
       * With `why: 'capture-ended'`, the transfer still under way: the client had closed (`fin`) or
       * reset its control connection after the transfer command, before any final reply, with no
       * QUIT (frame `frame`): it had left, and what still moved was what its TCP stack (or the
       * server's) had been handed before (a client whose own time limit ended an upload, or one killed).
       */
      clientLeft?: { frame: number; how: 'fin' | 'rst' };
      /**
       * With `why: 'session-ended'`: the control connection's reset (frame `reset`) shows packets of its
       * sender's the capture lost just before it (its FIN, or `bytes`): what the server sent then is not
       * in the capture (control-end-lost.ts). No cause is given.
       */
      controlEndLost?: ControlEndLost;
      evidence: number[];
    }
  /**
   * The data arrived whole, but the server's final reply never reached the client: on the control
   * connection `by`'s segments from frame `from` on (the reply at `reply`, when the capture holds it;
   * else the client's FIN or command) were sent again (`repeats`) and never acknowledged.
   */
  | {
      kind: 'reply-lost';
      bytes: number;
      expected: number | null;
      reply: number | null;
      by: 'client' | 'server';
      from: number;
      /** What went unacknowledged from `from` on was only a FIN (no bytes). */
      finOnly: boolean;
      repeats: number[];
      evidence: number[];
    }
  /** It did not happen: refused, or its data connection never opened. `cause` from the diagnosis. */
  | { kind: 'failed'; cause: CauseCode | null; evidence: number[] }
  /**
   * Refused, and no failure: the server answered the transfer command with `code` (frame `reply`),
   * a command it lacks (500/502) or a directory asked for as a file (550), and the client did what it
   * meant another way (`fallback`), which completed; or a refused announcement the client got past
   * (its next one accepted and used, even when that transfer then failed for its own reason:
   * `fallback.completed` false). Counted apart from the failures in every output.
   */
  | { kind: 'fell-back'; code: number; reply: number; fallback: Fallback; evidence: number[] }
  /**
   * Refused, and no failure of its own: the server refused this announcement (`code`, its reply at
   * frame `reply`), which the client sent as a retry, another way, of an attempt that had already
   * failed (`retryOf`: inetutils-ftp's PORT answered 425, then LPRT answered 502; tnftp's EPRT
   * answered 502, then PORT answered 502), with no transfer command between. The refusal changed
   * nothing: the operation had failed, and that failure is `retryOf.transfer`'s, counted once.
   * `lacking`: the refusal said the server lacks the command (fallback.ts saysLacking).
   * Counted apart from the failures in every output (analysis/retry-refused.ts).
   */
  | { kind: 'retry-refused'; code: number; reply: number; lacking: boolean; retryOf: RetryOf; evidence: number[] }
  /**
   * Stopped part way: ABOR, 426, or a reset after data moved. `resumed`: an upload the server called
   * complete (its 2xx at frame `reply`) while the client was gone (frame `gone`), which the client's
   * later binary resume (REST `from`, its command at frame `frame`) shows was cut short: that resume
   * completed the file at `size` bytes (analysis/resumed-upload.ts).
   */
  | {
      kind: 'aborted';
      by: Stopper | null;
      bytes: number;
      expected: number | null;
      /** No exact size announced, a rounded one (Transfer.announcedKbytes): present then, absent otherwise. */
      about?: AnnouncedKbytes;
      cause: CauseCode | null;
      resumed?: { reply: number; gone: number; size: number; from: number; frame: number };
      /**
       * A download whose every stated byte and then its sender's FIN (frame `fin`) had arrived, which
       * the server answered with an error reply, not a confirmation (sender-stopped.ts wholeThenRefused):
       * ended unconfirmed, nothing cut. Absent otherwise.
       */
      unconfirmed?: { fin: number };
      /**
       * A download with no size in the capture whose 1xx the capture's snapshot length cut (frame
       * `sizeCut`; verdict.ts sizeCutAt): the size a server states there, which says whether the
       * bytes that moved were the whole file, is not known. Absent otherwise.
       */
      sizeCut?: number;
      /**
       * Its data connection is not in a capture that holds none between these hosts (analysis/data-unseen.ts):
       * how much moved is not known (`bytes` counts nothing). Absent otherwise.
       */
      dataUnseen?: DataUnseen;
      /**
       * Present when the receiver never got part of what the capture shows sent (path-loss.ts), so
       * `bytes` (the sender's, as captured) overstates what arrived: bytes sent as far as the capture
       * shows, and the receiver's acknowledgement of them. Absent otherwise (as with `incomplete`'s).
       */
      lost?: { sent: number; acknowledged: number };
      /**
       * Present when the receiver closed its end and reset the data still coming (path-loss.ts
       * refusedAfterClose): bytes sent as far as the capture shows, what the receiver acknowledged
       * before, and its reset's frame. `bytes` counts what was sent, not what the receiver took.
       */
      refusedAfterClose?: { sent: number; acknowledged: number; reset: number };
      /**
       * Present when a reset (frame `reset`) cut the data connection while the receiver's
       * acknowledgements trailed the bytes sent, in a capture that cannot show their arrival at the
       * receiver (path-loss.ts sentAtReset): `bytes` counts what was sent, `acknowledged` what the
       * receiver had acknowledged when the reset came. Nothing is claimed of the rest (neither lost nor
       * arrived). Absent otherwise.
       */
      sentAtReset?: { sent: number; acknowledged: number; reset: number };
      evidence: number[];
    }
  /** Announced and never used, and nothing shows that the client tried and failed. */
  | { kind: 'unused'; evidence: number[] }
  /**
   * The capture cannot tell: it holds one side only, or the transfer began before it. `command`: the
   * frame of the transfer command the capture does hold, when only its data connection began before
   * the capture (its announcement and SYN came first). `resumes`: not begun before the capture, but
   * picked up again after the analysis had given its data connection up (TcpConnection.resumes).
   * `handshakeLost`: its data connection's first packet in the capture came after that command, so it
   * opened during the capture, which lost its handshake (a kernel's drops), not before it.
   */
  | { kind: 'unknown'; why: 'one-way' | 'midstream'; bytes: number; command?: number; handshakeLost?: true; resumes?: Resumption; evidence: number[] }
  /**
   * An upload the server called complete (2xx) while its client was already gone: it sent no command
   * after the upload and its control connection was closed before the reply, or reset by the reply
   * (the reply met a closed socket). Nothing in the capture says how big the file was: only the
   * client knew whether it had sent it all (a client killed mid-upload looks exactly like this).
   */
  | { kind: 'unknown'; why: 'client-gone'; bytes: number; reply: number; gone: number; evidence: number[] }
  /**
   * An upload the server called complete (2xx) after the capture lost bytes the client sent on the
   * control connection while it ran (`lost`: where the server's acknowledgement showed them): the
   * client's ABOR may have been among them (the client stopping mid-upload, the server answering
   * 226 to what it had), and nothing in the capture says how big the file was.
   */
  | { kind: 'unknown'; why: 'abort-not-captured'; bytes: number; reply: number; lost: number; evidence: number[] }
  /**
   * Its announcement (PORT/PASV, or the reply) was in control bytes the capture lost, and a connection
   * between the hosts that no transfer took ran while it did (`announceLost`): most likely its data
   * connection, which could not be linked without the announced endpoint. The server's replies
   * (`reply`, frame or null) alone do not say whether its data came whole: not known.
   */
  | { kind: 'unknown'; why: 'announce-lost'; bytes: number; reply: number | null; announceLost: AnnounceLost; evidence: number[] }
  /**
   * TLS hid the commands: the transfer is inferred from its data connection. `cause` when what TLS
   * showed in clear names a failure (tls-no-close-notify: its sender stopped without close_notify).
   */
  | { kind: 'unknown'; why: 'tls-hidden'; bytes: number; cause: CauseCode | null; evidence: number[] }
  /**
   * The capture lost the transfer command (inferred-transfers.ts inferLostCommands): the server's
   * 1xx (`preliminary`) and final reply (`reply`), frames or null, and the data connection to the
   * announced endpoint say a transfer ran; `whole`: the final reply was a 2xx and the data came
   * whole (the status says complete). What was asked for is not in the capture: never failed.
   */
  | { kind: 'unknown'; why: 'command-lost'; bytes: number; expected: number | null; preliminary: number | null; reply: number | null; whole: boolean; evidence: number[] };

export type TransferVerdictKind = TransferVerdict['kind'];

/** What became of the control connection itself. */
export type ControlVerdict =
  /** The client's SYNs got no answer in the capture. */
  | { kind: 'unanswered'; synFrames: number[]; evidence: number[] }
  /**
   * The client's SYN was answered from another address than the one it called (`called`; null where
   * the capture holds only the answer's end, at the server), and the client reset that answer: a port
   * forward that translated the SYN while the answer went around it — NAT reflection without the
   * hairpin SNAT (answer-reset.ts). `twin`: the session of the other half of the same attempt; `hops`:
   * at the server, the routers on the SYN's way and on the reset's.
   */
  | {
      kind: 'answer-reset';
      called: { ip: string; port: number } | null;
      answeredBy: { ip: string; port: number };
      synFrames: number[];
      synAckFrames: number[];
      resetFrames: number[];
      twin: number | null;
      hops: { syn: number; reset: number } | null;
      evidence: number[];
    }
  /**
   * The client's SYN was answered (SYN-ACK) from the address it called, and the client's host reset
   * that answer, never acknowledging it: no socket waited for it any more. The client had given up
   * before the answer came (a connect timeout shorter than the path's round trip: a95-sat-connect-
   * timeout, curl --connect-timeout 1 over a 1.2 s round trip), or never meant to open the connection
   * (a SYN scan resets the answer at once). `answeredAfter`: seconds from the first SYN to the first
   * SYN-ACK at this capture point; `resetAfter`: from that SYN-ACK to the client's first reset.
   */
  | { kind: 'abandoned'; synFrames: number[]; synAckFrames: number[]; resetFrames: number[]; answeredAfter: number | null; resetAfter: number; evidence: number[] }
  /**
   * The analysis gave the connection up after its SYNs (at frame `at`), to make room for others:
   * more connections were live at once than its budget (`--max-memory`). Whether an answer came is
   * not known; nothing failed that the capture shows.
   */
  | { kind: 'not-followed'; synFrames: number[]; at: number; evidence: number[] }
  /**
   * The client's one SYN was sent less than its retransmission timeout (in-flight.ts) before the
   * capture ended: the capture stopped before an answer was due, so whether one came is not known.
   */
  | { kind: 'connecting'; synFrames: number[]; evidence: number[] }
  /** Answered with RST or ICMP unreachable instead of SYN-ACK; `by` says who (the server, or a middlebox). */
  | { kind: 'refused'; how: 'rst' | 'icmp'; by: 'server' | 'network'; reporter: string | null; evidence: number[] }
  /**
   * Opened, and the server turned the session away: `at: 'greeting'`, it answered the connection
   * with an error instead of a greeting (421); `at: 'login'`, it answered a login command (`command`,
   * the frame of USER, PASS or ACCT) with an error of its own — 421, or a 5xx that is not a login
   * refusal (530) nor the client's syntax or sequence (501-504): vsftpd's "500 OOPS" for its own
   * configuration — and no login followed. `limit`: its words name a connection limit (too many
   * connections or users). `tlsRequired`: its words say the session must use TLS first (proftpd's
   * "550 SSL/TLS required on the control channel", vsftpd's "530 Non-anonymous sessions must use
   * encryption"): a refusal of the clear-text login, whatever its code, not of the password.
   */
  | { kind: 'turned-away'; at: 'greeting' | 'login'; command: number | null; code: number; reply: number; limit: boolean; tlsRequired: boolean; evidence: number[] }
  /**
   * Opened, and the server sent no greeting before the client gave up: the client closed the
   * connection (`closed`, its FIN or RST) `waited` seconds after the server's SYN-ACK (at least
   * MIN_PATIENCE: a probe that closes at once did not wait for anything) with no command sent and
   * no reply received. `lateGreeting`: the frame of a greeting that came after that close, else null.
   */
  | { kind: 'ungreeted'; closed: number; waited: number; lateGreeting: number | null; evidence: number[] }
  /**
   * Opened, and the server closed (`how`: FIN) or reset it `after` seconds from its SYN-ACK, before
   * any greeting and before the client said anything (`closed`: that frame): it turned the session
   * away without a word (proftpd at MaxInstances, a TCP-wrappers or per-address rule, a server that
   * dies on accepting).
   */
  | { kind: 'hung-up'; how: 'fin' | 'rst'; closed: number; after: number; evidence: number[] }
  /**
   * Opened; `closedBy` null while still open at the capture's end. `how`: that first close's own
   * kind, the frame the evidence cites (Session.closedBy). `reset`: a RST that followed a FIN close
   * (`answered`: the other side's bytes after that close, which drew it: a socket closed for reading
   * resets on data, as pure-ftpd's unasked "Logout." after its client's FIN). Absent otherwise.
   */
  | { kind: 'opened'; closedBy: 'client' | 'server' | null; how: 'fin' | 'rst' | null; reset?: ControlReset; evidence: number[] }
  /**
   * The capture began after the handshake; or, with `resumes`, the analysis picked the control
   * connection up again after giving it up (TcpConnection.resumes): its earlier part is another session.
   */
  | { kind: 'midstream'; closedBy: 'client' | 'server' | null; how: 'fin' | 'rst' | null; reset?: ControlReset; resumes?: Resumption; evidence: number[] };

/** A reset of a control connection after it was closed with a FIN (ControlVerdict `opened`). */
export interface ControlReset {
  by: 'client' | 'server';
  frame: number;
  /** The first frame of the other side's bytes sent after the close and before the reset; null when none came. */
  answered: number | null;
}

/** The failed attempt a refused announcement retried (retry-refused.ts). */
export interface RetryOf {
  /** The transfer whose failure the operation's is ("1.1"), its announcement's command and the command's frame. */
  transfer: string;
  command: string;
  frame: number;
  /** The reply that said that attempt failed (a 425 to PORT, a 502 to EPRT, the transfer command's 425): its code and frame. */
  code: number;
  replyFrame: number;
  /** That reply refused the attempt's announcement (a 502, a 550), rather than saying its data connection or command failed (a 425). */
  refused: boolean;
  /** That transfer's transfer command, when it sent one ("RETR hello.txt"); else null. */
  request: string | null;
  /** Refused retries between that attempt and this one (tnftp's PORT refused after EPRT, then LPRT): each a retry of the same attempt; the first 8. */
  via: RefusedStep[];
  /** Refused retries between them beyond those in `via` (a chain of thousands, on hostile input). */
  viaMore?: number;
}

/** A refused announcement on the client's way to its fallback: its command's frame, the refusal's code and frame, its transfer ("2.1"). */
export interface RefusedStep {
  command: string;
  frame: number;
  code: number;
  replyFrame: number;
  transfer: string;
}

/**
 * What the client did instead of a refused transfer command, and how that went (fallback.ts decides
 * it): a transfer command (`FallbackCommand`), or, after a refused announcement, an accepted one the
 * client then sent no transfer command over (`FallbackAttempt`), or one still under way when the
 * capture ended (`FallbackUnderWay`), or one whose answer the capture lost (`FallbackAnswerLost`).
 */
export type Fallback = FallbackCommand | FallbackAttempt | FallbackUnderWay | FallbackAnswerLost;

/** The announcement a refused PASV/EPSV/PORT/EPRT fell back to. */
export interface FallbackAnnounce {
  /**
   * The announcement the client sent next instead, and its command's frame; both null when the
   * capture lost it (the client's bytes that held it are not in the capture) and a transfer command
   * the server served used it: another way, not the refused one again.
   */
  command: string | null;
  frame: number | null;
  /** The refusal said the server lacks the command (saysLacking), rather than refusing it. */
  lacking: boolean;
  /** The refused announcements the client sent between this refusal and `command` (EPSV refused, then PASV refused, then PORT): each also fell back. */
  via: RefusedStep[];
}

export interface FallbackCommand {
  /**
   * The transfer command the client fell back to (with its argument), its frame, its final reply's
   * code and frame; those two null only with `connectionFailed`, the capture holding no final reply
   * (it ended while the server was still connecting, or the client left first).
   */
  command: string;
  frame: number;
  code: number | null;
  replyFrame: number | null;
  /** The transfer that carried the fallback ("1.2"). */
  transfer: string;
  /** The transfer command is one the capture lost (inferLostCommands: command-lost): `command` names it by that, `frame` is the server's first reply to it. */
  commandLost?: true;
  /**
   * The fallback completed. False only after a refused announcement: the server accepted the next
   * one and the transfer command using it was then refused for its own reason (`code`: a 550 for a
   * missing file), a failure of that transfer, not of the refused probe.
   */
  completed: boolean;
  /**
   * After a refused announcement: the transfer command over the accepted one failed short of the file
   * (`code`: a 425, its data connection never opened; a 421), a failure of that transfer with its own
   * cause and diagnosis, not of the refused probe. Absent when the server answered about the file (550).
   */
  connectionFailed?: true;
  /**
   * The fallback's final reply is in the server's bytes the capture lost (its own verdict: not
   * confirmed, reply-not-captured): `code` and `replyFrame` are its 1xx, which shows the server took
   * it; `gap`, where the capture resumed.
   */
  replyInGap?: { gap: number };
  /**
   * Present when the server took it (`code` and `replyFrame` its 1xx) and its data's sender ended the
   * data connection with a FIN, with no final reply in the capture (a client that closes its control
   * connection once the data is in: urllib): the other way was taken, how it ended is its own verdict.
   */
  finalReplyMissing?: true;
  /**
   * A RETR of a directory: the CWD into that name the server accepted before the listing (null: a
   * command the server lacks). `archive`: the RETR asked for the directory as one archive of itself
   * (DIR.tar, ncftpget -R's first try), the name it asked for.
   */
  directory: { arg: string; code: number; replyFrame: number; archive?: string } | null;
  /** A refused announcement (no transfer command used it): the one the client sent next, which the transfer command above used. */
  announce?: FallbackAnnounce;
}

/**
 * A refused announcement (basic-ftp's EPSV answered 501 by proftpd) whose next announcement the
 * server accepted (`accepted`: its reply's code and frame), and over which the client then sent no
 * transfer command because its own attempt failed: the data connection's SYNs went unanswered, or
 * the client would not connect to the address the 227 named. That failure is the transfer
 * `transfer`'s, with its own cause; the refused probe got past its refusal all the same.
 */
export interface FallbackAttempt {
  command: null;
  transfer: string;
  completed: false;
  directory: null;
  announce: FallbackAnnounce;
  accepted: { code: number; frame: number };
  /**
   * The accepted announcement's address was cut by the capture's snapshot length and no transfer
   * command used it: whether and where the client tried to connect is not in the capture (no
   * failure claimed). Absent when the attempt is seen to fail.
   */
  tupleCut?: true;
  /**
   * Accepted, no transfer command over it in the capture, and the capture lost control bytes after
   * it (`gap`: where it resumed): what the client did over it is not in the capture (no failure
   * claimed). Absent when the attempt is seen to fail.
   */
  lostAfter?: { gap: number };
}

/**
 * A refused announcement (EPSV answered 502), then the client's next one (`announce`: PASV, or
 * client bytes the capture lost, where it asked), whose answer is in the server's bytes the capture lost (`answerLost.gap`: where it resumed,
 * or the client's acknowledgement of them): the client asked another way, and what the server said
 * to it is not in the capture, so the refusal decided nothing. `transfer`: the transfer over that
 * announcement, when the capture holds one (its data connection, its command; its own verdict),
 * else null. No failure claimed on the refused one.
 */
export interface FallbackAnswerLost {
  command: null;
  frame: null;
  transfer: string | null;
  completed: false;
  directory: null;
  /** Its `command` null when the capture lost the client's bytes after the refusal too (where it asked again). */
  announce: FallbackAnnounce;
  answerLost: { gap: number };
}

/**
 * A refusal the client was getting past when the capture simply stopped (in-flight.ts): it had asked
 * another way — a transfer command after one the server lacks (LIST after MLSD), an announcement the
 * server accepted after a refused one, a new session after closing the refused one (lftp), or the CWD
 * into a name whose RETR was refused, a directory (urllib), before or with its LIST — and
 * the capture ended before that way had an outcome. Not a failure: nothing after the refusal had
 * failed yet.
 */
export interface FallbackUnderWay {
  /** The transfer command of the other way (with its argument) and its frame; null when the client had not sent one yet. */
  command: string | null;
  frame: number | null;
  /** The transfer of the other way ("1.2"); null when there was none yet (`session`, still logging in). */
  transfer: string | null;
  completed: false;
  /** A RETR of a directory: the CWD into that name the server accepted, the listing under way or still to come; null otherwise. */
  directory: FallbackCommand['directory'];
  /** After a refused announcement: the one the client asked with instead, and the server's acceptance of it, when the capture has them. */
  announce?: FallbackAnnounce;
  accepted?: { code: number; frame: number };
  /** The client's new session to the server, when it closed the refused one and connected anew (lftp) and that session was still going. */
  session?: number;
  /** The last step of the other way in the capture (a frame), less than a retransmission timeout before its end. */
  underWay: number;
}

/** A control connection's reset that shows packets of its sender's the capture lost just before it (control-end-lost.ts). */
export interface ControlEndLost {
  /** The reset's frame, and who sent it. */
  reset: number;
  by: 'client' | 'server';
  /** Its sender's FIN lost (true), or `bytes` of its sender's. */
  fin: boolean;
  bytes: number;
}
