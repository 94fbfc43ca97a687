/**
 * What `ftpcap extract` says about each recovered object (DIR/manifest.json and the table), and the
 * verdict on whether it is whole. Pure: facts about the transfer and its bytes in, a verdict out.
 */
import type { Transfer, TransferStatus, TransferVerdict } from '../analysis/model.js';

/**
 * complete   — a success reply (226/250), no byte missing from the capture, and the size the
 *              server announced (SIZE reply or the 150's "(N bytes)"), when known, matches;
 * truncated  — the capture lost bytes of it (gaps: `missing` ranges), or began mid-connection;
 * aborted    — 426, ABOR, or a reset after data flowed (transfer status `aborted`);
 * failed     — the server answered the transfer command with an error (4xx/5xx) after data flowed;
 * unverified — the capture ends before the final reply (or the session ended with none), the size disagrees, or the data is
 *              encrypted: nothing proves the bytes are the whole object;
 * conflicting — retransmitted bytes of it differed from the first copy (which was saved): the
 *              content is in doubt whatever the replies say (checked before all the others).
 */
export type Verdict = 'complete' | 'truncated' | 'aborted' | 'failed' | 'unverified' | 'conflicting';

/** A byte range [start, end) of the transferred data (offset 0 = the data connection's first byte). */
export interface ByteRange {
  start: number;
  end: number;
}

export type ObjectDirection = 'download' | 'upload' | 'listing' | 'to-server' | 'to-client';

export interface ManifestObject {
  session: number;
  transfer: number;
  direction: ObjectDirection;
  /** The data connection's tcp.stream (Wireshark's numbering). */
  stream: number | null;
  /** RETR, STOR, STOU, APPE, LIST, NLST, MLSD; null when no command used the data connection. */
  command: string | null;
  /** The command's argument as sent, and the path it names (tracked working directory). */
  originalName: string | null;
  originalPath: string | null;
  /** File name inside the output directory. */
  savedName: string;
  /** Bytes in the saved file (after --fill-gaps zeros and --ascii-to-lf conversion). */
  bytes: number;
  /** Payload bytes the capture holds for it. */
  capturedBytes: number;
  /** sha256 of the saved file, hex. */
  sha256: string;
  /** TYPE in force (A, I, …) or null when no TYPE was seen. */
  type: string | null;
  /** Sent as text: TYPE A, or a listing. */
  ascii: boolean;
  /** CRLF line endings turned into LF (--ascii-to-lf), and how many. */
  convertedToLf: boolean;
  lineEndingsConverted: number;
  /** REST offset: the data starts at this byte of the file. */
  restOffset: number | null;
  /** The transfer mode, present only when not stream (MODE Z: the saved bytes are the deflate stream). */
  transferMode?: string | null;
  /** Size the server announced (SIZE reply or "(N bytes)" in the 150 reply). */
  expectedSize: number | null;
  /** The transfer's status and final reply (frame numbers as in Wireshark). */
  status: TransferStatus;
  reply: { code: number; frame: number } | null;
  verdict: Verdict;
  /** Ranges missing from the capture (at most MAX_RANGES listed; `missingBytes` counts all). */
  missing: ByteRange[];
  missingBytes: number;
  missingRangesOmitted: number;
  /** The missing ranges were written as zeros (--fill-gaps); otherwise the file is shorter. */
  gapsFilled: boolean;
  notes: string[];
  /** One finished segment of a split download: the file's bytes [start, end) it was there for, of `size`. */
  segment?: { start: number; end: number; size: number };
}

export interface SkippedTransfer {
  session: number;
  transfer: number;
  command: string | null;
  originalName: string | null;
  status: TransferStatus;
  /** The transfer's verdict (analysis/verdict.ts), as every other output words it. */
  verdict: TransferVerdict;
  reason: string;
}

export interface Manifest {
  tool: 'ftpcap extract';
  capture: string;
  options: { session: number | null; transfer: number | null; fillGaps: boolean; asciiToLf: boolean };
  objects: ManifestObject[];
  /** Transfers named by a command whose data is not in the capture. */
  skipped: SkippedTransfer[];
}

export const MAX_RANGES = 1000;

export interface JudgeInput {
  status: TransferStatus;
  /** Bytes the capture lost, and whether it began during the data connection. */
  missingBytes: number;
  midstream: boolean;
  /** Bytes the data covered on the wire (captured + missing). */
  wireLength: number;
  /** CRLF pairs in the data when it was sent as text (null: not counted). */
  crlfPairs: number | null;
  expectedSize: number | null;
  restOffset: number | null;
  /** PROT P: the data connection carried TLS records, not the file. */
  encrypted: boolean;
  /** The transfer mode when not stream (MODE Z: deflate; B, C): the wire carried other bytes than the file's. */
  transferMode?: string | null;
  /** Retransmissions of this object's bytes that differed from the copy saved (null: none seen). */
  conflicts?: { count: number; frame: number; kept: number } | null;
  /** An upload the server called complete while its client was already gone (the transfer's verdict says so). */
  clientGone?: boolean;
  /** The data arrived whole but the final reply never reached the client (the transfer's verdict says so). */
  replyLost?: boolean;
  /** The verdict's `arriving`: the server's 2xx came while the data was still arriving at the capture's end. */
  arriving?: boolean;
  /** The verdict's `session-ended`: the control connection closed, in the capture, with no final reply to the transfer. */
  sessionEnded?: boolean;
  /** TLS on the control connection hid the command and the final reply (the transfer's verdict says so). */
  replyHidden?: boolean;
  /** The capture lost the transfer command; the server's replies and the data connection are in it (the transfer's verdict: unknown, command-lost). */
  commandLost?: boolean;
  /** The capture holds one direction only (the transfer's verdict: unknown, one-way). */
  oneWay?: boolean;
  /** The server sent fewer bytes than it announced over a data connection the capture holds whole (the transfer's verdict says so). */
  sentShort?: boolean;
  /** The server sent more bytes than it announced over a data connection the capture holds whole (the transfer's verdict says so). */
  sentLong?: boolean;
  /** One finished segment of a split download (the transfer's verdict says so): the file's bytes it was there for. */
  segment?: { start: number; end: number; size: number } | null;
}

/** Whether the data length agrees with the size the server announced (as sent, after REST, or LF-converted). */
export function sizeAgrees(x: Pick<JudgeInput, 'wireLength' | 'crlfPairs' | 'expectedSize' | 'restOffset'>): boolean | null {
  if (x.expectedSize === null) return null;
  const lengths = [x.wireLength];
  if (x.crlfPairs !== null) lengths.push(x.wireLength - x.crlfPairs);
  const rest = x.restOffset ?? 0;
  return lengths.some((n) => n === x.expectedSize || (rest > 0 && n + rest === x.expectedSize));
}

export function judge(x: JudgeInput): { verdict: Verdict; notes: string[] } {
  const notes: string[] = [];
  if (x.midstream) notes.push('the capture began during the data connection: its first bytes are missing');
  if (x.encrypted) notes.push('the data connection is encrypted (PROT P): the saved bytes are TLS records, not the file');
  const mode = x.transferMode ?? null;
  if (mode !== null) {
    notes.push(
      mode === 'Z'
        ? 'sent in MODE Z: the saved bytes are the deflate (zlib) stream as on the wire, not the file; inflate them to get the file'
        : `sent in MODE ${mode}: the saved bytes are as on the wire, with that mode's framing, not the file`,
    );
  }
  // A segment of a split download is a piece of the file: it agrees when it reaches its segment's end.
  const seg = x.segment ?? null;
  // Another mode's bytes on the wire are no measure of the file's size.
  const agrees = seg !== null ? x.wireLength + seg.start >= seg.end : mode !== null ? null : sizeAgrees(x);
  if (seg !== null) {
    notes.push(
      `one segment of a download split over several connections: it was there for bytes ${seg.start}-${seg.end} of the ${seg.size}-byte file; ` +
        `this piece holds bytes ${seg.start}-${seg.start + x.wireLength} (the client closed it once the next segment had the rest), not a truncated file`,
    );
  } else if (agrees === false) {
    // TYPE A: the announced size counts the file, whose text form adds a CR to each line end.
    const file = x.crlfPairs !== null ? ` in ASCII mode (TYPE A), ${x.wireLength - x.crlfPairs} of the file less the CR of each of ${x.crlfPairs} line ends` : '';
    notes.push(`${x.wireLength} bytes on the wire${file}, but the server announced ${x.expectedSize}`);
  }
  // The server moved more than the capture holds (its 2xx and its stated size say so): the capture lost the rest.
  // Unless the capture holds the whole data connection: then the server sent no more (the verdict's sentShort).
  const short = agrees === false && !x.sentShort && x.expectedSize !== null && x.wireLength + (x.restOffset ?? 0) < x.expectedSize;
  if (short && x.status === 'complete') notes.push(`the capture lacks ${x.expectedSize! - (x.restOffset ?? 0) - x.wireLength} bytes the server sent`);
  if (x.sentLong) notes.push('the capture holds every byte the server sent: it sent more than it announced (the file grew on the server while it was sent, or its size was announced wrong)');
  if (x.sentShort) notes.push('the capture holds every byte the server sent: it sent fewer than it announced (the file changed on the server while it was sent, or its size was announced wrong)');
  if (x.conflicts) {
    notes.push(
      `${x.conflicts.count} retransmitted segment(s) carried other bytes than the first copy (first: frame ${x.conflicts.frame}, ` +
        `against frame ${x.conflicts.kept}); the first copy was saved`,
    );
  }
  let verdict: Verdict;
  if (x.conflicts) verdict = 'conflicting';
  else if (x.status === 'aborted') verdict = 'aborted';
  else if (x.missingBytes > 0 || x.midstream || (short && x.status === 'complete')) verdict = 'truncated';
  else if (x.status === 'failed') verdict = 'failed';
  else if (x.commandLost) {
    // The bytes are what the data connection carried; which file they were of is not in the capture.
    verdict = x.status === 'complete' && agrees !== false && !x.encrypted ? 'complete' : 'unverified';
    notes.push("the capture lost the transfer command: the server's replies and this data connection are in it, but which file was asked for is not");
  } else if (x.status !== 'complete' && x.replyLost) {
    // Whole data is whole: only the reply that would have confirmed it was lost on the way.
    verdict = agrees === false || x.encrypted ? 'unverified' : 'complete';
    notes.push("the data arrived whole, but the server's final reply never reached the client (its control connection was cut)");
  } else if (x.status !== 'complete' && x.arriving) {
    verdict = 'unverified';
    notes.push("the server's final reply came before its data had all arrived (it replies once the data is queued), and the capture ends before the rest did");
  } else if (x.status !== 'complete' && x.sessionEnded) {
    verdict = 'unverified';
    notes.push('the session ended (its control connection closed) with no final reply to the transfer');
  } else if (x.status !== 'complete') {
    verdict = 'unverified';
    notes.push('the capture ends before the final reply to the transfer');
  } else if (agrees === false || x.encrypted) verdict = 'unverified';
  else if (x.replyHidden) {
    verdict = 'unverified';
    notes.push("TLS hid the server's final reply: the data connection ended normally, but whether the server counted the transfer complete is not in the capture");
  } else if (x.oneWay) {
    verdict = 'unverified';
    notes.push("the capture holds one direction only: these are the bytes the server sent and called complete, but whether the client received them is not in the capture");
  } else if (x.clientGone) {
    verdict = 'unverified';
    notes.push('the server called it complete, but its client was already gone: only the client knew how big the file was');
  } else verdict = 'complete';
  return { verdict, notes };
}

/** Direction of an object: the transfer's, or which way the bytes went when no command is known. */
export function objectDirection(t: Transfer, toServer: boolean): ObjectDirection {
  return t.direction ?? (toServer ? 'to-server' : 'to-client');
}

/** Add [start, end) to sorted, disjoint ranges (ranges arrive in stream order), merging neighbours. */
export function addRange(ranges: ByteRange[], start: number, end: number): boolean {
  if (end <= start) return true;
  const last = ranges[ranges.length - 1];
  if (last && start <= last.end) {
    last.end = Math.max(last.end, end);
    return true;
  }
  if (ranges.length >= MAX_RANGES) return false;
  ranges.push({ start, end });
  return true;
}
