/**
 * Recovers the objects carried by data connections while the capture is read: each linked data
 * connection's bytes (one flow per direction) go straight to a sink the caller opened — nothing is
 * held back — with a running sha256, the byte ranges the capture lost, optional zero filling of
 * those ranges and optional CRLF → LF conversion. Once the capture is read, `finish` names each
 * object, judges whether it is whole and lists the transfers whose data is not in the capture.
 * The sinks are the caller's (the CLI writes files); this module never touches the file system.
 */
import { createHash, type Hash } from 'node:crypto';
import type { Analysis, Session, Transfer } from '../analysis/model.js';
import type { StreamChunk } from '../tcp/types.js';
import { CrlfCounter } from '../analysis/line-ends.js';
import { CrlfToLf } from './crlf.js';
import { addRange, judge, objectDirection, type ByteRange, type ManifestObject, type SkippedTransfer } from './manifest.js';
import { objectFileName } from './names.js';
import { effectiveType, isTextTransfer } from './transfer-type.js';
import { streamMode } from '../analysis/sender-stopped.js';

/** Where one object's bytes go. `bytes` is valid only during the call. */
export interface ObjectSink {
  write(bytes: Uint8Array): void;
  /** Leave `n` bytes as zeros (a hole; --fill-gaps). */
  skip(n: number): void;
}

export interface ExtractSettings {
  fillGaps: boolean;
  asciiToLf: boolean;
  /** Only this session / transfer (transfer ids are per session). */
  session?: number;
  transfer?: number;
  /** Zeros written per object for --fill-gaps at most (default MAX_FILL_BYTES). */
  maxFillBytes?: number;
  /**
   * Whether the capture could be read a second time for the clear data connections that were
   * known only once it was read (a file can, a pipe cannot): `inferredWanted` names them.
   */
  readAgain?: boolean;
  /** Opens the sink of a new object (called on its first bytes, or at the end for an empty one). */
  openSink(): ObjectSink;
}

export interface RecoveredObject {
  /** Manifest entry; `savedName` is the suggested name until the caller settles the real one. */
  entry: ManifestObject;
  sink: ObjectSink;
}

export interface ExtractResult {
  objects: RecoveredObject[];
  skipped: SkippedTransfer[];
  /** Sinks opened for data that is not kept (other sessions, the unused direction): to discard. */
  discarded: ObjectSink[];
}

const ZEROS = new Uint8Array(64 * 1024);

/**
 * Zeros written per object for --fill-gaps at most: a hostile capture can acknowledge bytes far
 * beyond anything sent, which would otherwise become gigabytes of zeros. Gaps beyond it are left out.
 */
export const MAX_FILL_BYTES = 1 << 30;

class Flow {
  sink: ObjectSink | null = null;
  readonly hash: Hash = createHash('sha256');
  saved = 0;
  captured = 0;
  /** Stream offset just after the last byte seen or known missing. */
  extent = 0;
  readonly missing: ByteRange[] = [];
  missingBytes = 0;
  missingRanges = 0;
  /** Missing bytes written as zeros, and missing bytes left out (--fill-gaps past its bound). */
  filled = 0;
  unfilled = 0;
  /** Decided on the first bytes: whether the data is text (TYPE A or a listing). */
  ascii: boolean | null = null;
  converter: CrlfToLf | null = null;
  counter: CrlfCounter | null = null;

  constructor(
    readonly transfer: Transfer,
    readonly toServer: boolean,
  ) {}
}

const isText = isTextTransfer;

/** A transfer extract leaves out, with the verdict every other output gives it and why. */
function skippedEntry(s: Session, t: Transfer, reason: string): SkippedTransfer {
  return { session: s.id, transfer: t.id, command: t.request?.command ?? null, originalName: t.request?.arg ?? null, status: t.status, verdict: t.verdict, reason };
}

/**
 * A transfer known only once the capture was read (TLS hid its command, or it began before the
 * capture) whose data connection was in clear: its bytes are read in a second reading.
 */
export function inferredWanted(t: Transfer): boolean {
  // A transfer whose command the capture lost was an announcement's while the capture was read: its bytes were collected then.
  return t.inferred !== undefined && t.inferred !== 'command-lost' && t.connection !== null && t.connection.tls === undefined;
}

export class ExtractionCollector {
  private readonly flows = new Map<Transfer, [Flow | null, Flow | null]>();
  /** The first sink error: extraction stops there and the caller reports it. */
  error: unknown = null;

  constructor(private readonly settings: ExtractSettings) {}

  /** The pipeline's data callback. */
  onTransferData(transfer: Transfer, chunk: StreamChunk, toServer: boolean): void {
    if (this.error !== null) return;
    if (this.settings.transfer !== undefined && transfer.id !== this.settings.transfer) return;
    try {
      this.push(this.flow(transfer, toServer), chunk);
    } catch (err) {
      this.error = err;
    }
  }

  private flow(transfer: Transfer, toServer: boolean): Flow {
    let pair = this.flows.get(transfer);
    if (!pair) this.flows.set(transfer, (pair = [null, null]));
    const i = toServer ? 1 : 0;
    return (pair[i] ??= new Flow(transfer, toServer));
  }

  private push(f: Flow, chunk: StreamChunk): void {
    const { fillGaps, asciiToLf } = this.settings;
    if (f.ascii === null && (chunk.bytes.length > 0 || chunk.gapBefore > 0)) {
      // The type is known once the transfer command was seen, which is before its data in practice.
      f.ascii = f.transfer.request !== null && isText(f.transfer);
      // A mode other than stream (MODE Z's deflate) carries no line ends to convert or count.
      const lines = f.ascii && streamMode(f.transfer);
      if (lines && asciiToLf) f.converter = new CrlfToLf();
      else if (lines) f.counter = new CrlfCounter();
    }
    f.sink ??= this.settings.openSink();
    if (chunk.gapBefore > 0) {
      const start = chunk.streamOffset - chunk.gapBefore;
      if (f.converter) this.emit(f, f.converter.flush());
      f.counter?.gap();
      f.missingBytes += chunk.gapBefore;
      if (!addRange(f.missing, start, chunk.streamOffset)) f.missingRanges++;
      if (fillGaps && f.filled + chunk.gapBefore <= (this.settings.maxFillBytes ?? MAX_FILL_BYTES)) {
        f.sink.skip(chunk.gapBefore);
        for (let left = chunk.gapBefore; left > 0; left -= ZEROS.length) f.hash.update(ZEROS.subarray(0, Math.min(left, ZEROS.length)));
        f.saved += chunk.gapBefore;
        f.filled += chunk.gapBefore;
      } else {
        f.unfilled += chunk.gapBefore;
      }
    }
    const n = chunk.bytes.length;
    if (n > 0) {
      f.captured += n;
      f.counter?.push(chunk.bytes);
      this.emit(f, f.converter ? f.converter.push(chunk.bytes) : chunk.bytes);
    }
    f.extent = Math.max(f.extent, chunk.streamOffset + n);
  }

  private emit(f: Flow, bytes: Uint8Array): void {
    if (bytes.length === 0) return;
    f.sink!.write(bytes);
    f.hash.update(bytes);
    f.saved += bytes.length;
  }

  /** The capture is read: every selected transfer's objects with their verdicts, and what was skipped. */
  finish(analysis: Analysis): ExtractResult {
    const result: ExtractResult = { objects: [], skipped: [], discarded: [] };
    const kept = new Set<Flow>();
    for (const s of analysis.sessions) {
      if (this.settings.session !== undefined && s.id !== this.settings.session) continue;
      for (const t of s.transfers) {
        if (this.settings.transfer !== undefined && t.id !== this.settings.transfer) continue;
        this.finishTransfer(s, t, result, kept);
      }
    }
    for (const pair of this.flows.values()) {
      for (const f of pair) if (f?.sink && !kept.has(f)) result.discarded.push(f.sink);
    }
    this.flows.clear();
    return result;
  }

  private finishTransfer(s: Session, t: Transfer, result: ExtractResult, kept: Set<Flow>): void {
    const pair = this.flows.get(t) ?? [null, null];
    if (t.inferred !== undefined && pair.every((f) => f === null)) {
      // Known only once the capture was read (TLS hid its command, or it began before the capture):
      // in clear, its bytes come from a second reading of the file (inferredWanted). With TLS
      // hiding the commands they are encrypted only when the connection carried TLS records (PROT
      // P); PROT C (or none) leaves them in clear.
      const found =
        t.inferred === 'midstream'
          ? 'already running when the capture began: found from its connection after the capture was read'
          : t.inferred === 'command-lost'
            ? 'the capture lost its transfer command: found from the replies to it after the capture was read'
          : 'TLS hid its command: a probable data connection in clear text (no TLS records: PROT C, or no PROT), found from its connection after the capture was read';
      const why = !inferredWanted(t)
        ? 'TLS hid its command: a probable data connection, encrypted'
        : this.settings.readAgain
          ? `${found}; no data flowed on it`
          : `${found}; a capture read from a pipe cannot be read again for its bytes`;
      result.skipped.push(skippedEntry(s, t, why));
      return;
    }
    // TLS data (PROT P) not decrypted: its bytes are TLS records, not the file. An empty file under the
    // requested name (with "truncated": 0 bytes against the size announced) would say the transfer lost it.
    const tls = t.connection?.tls;
    if (tls !== undefined && tls.decryption !== 'decrypted' && pair.every((f) => f === null || f.captured === 0)) {
      const moved = (t.connection?.bytesToClient ?? 0) + (t.connection?.bytesToServer ?? 0);
      // A handshake that never completed carried no file: no key log would give one (a refused command:
      // servers begin TLS on a data connection only for a command they accept).
      if (!tls.handshakeDone) {
        const r = t.reply;
        const what = r !== null ? `the server answered ${r.code} (frame ${r.frame})` : `no reply to it in the capture`;
        result.skipped.push(skippedEntry(s, t, `${what}: its data connection opened, but its TLS handshake never completed (its ${moved} bytes are the handshake's), so no data moved`));
        return;
      }
      result.skipped.push(skippedEntry(s, t, `its data connection is TLS (PROT P) and was not decrypted: its ${moved} bytes are TLS records, not the file (a key log would give the file)`));
      return;
    }
    const opened = t.connection?.established === true || pair.some((f) => f !== null);
    if (!opened) {
      if (t.request) {
        // The capture ended on the data connection's SYN before any answer was due (the verdict's underWay): not "never opened".
        const connecting = t.verdict.kind === 'incomplete' && t.verdict.underWay?.step === 'connecting';
        const reason = !t.connection ? 'no data connection in the capture' : connecting ? 'the capture ended while its data connection was opening' : 'the data connection never opened';
        result.skipped.push(skippedEntry(s, t, reason));
      }
      return;
    }
    let flows: Flow[];
    if (t.direction === null) {
      // No command explains the connection: keep whatever flowed, each way.
      flows = pair.filter((f): f is Flow => f !== null && (f.captured > 0 || f.missingBytes > 0));
    } else {
      const toServer = t.direction === 'upload';
      flows = [pair[toServer ? 1 : 0] ?? this.flow(t, toServer)];
    }
    // Refused once its data connection had opened (lftp and busybox connect before the command), with
    // nothing moved: there is no file, and an empty one under the requested name would say there was.
    // The same for a refused probe the client recovered from (fell-back: MLSD refused, then LIST), and
    // for one cut short before any byte came (a client that gave up waiting on a proxy's other leg).
    if ((t.status === 'failed' || t.status === 'fell-back' || t.status === 'aborted') && flows.every((f) => f.captured === 0 && f.missingBytes === 0)) {
      const r = t.reply;
      const refused =
        t.status === 'aborted' ? 'it was cut short before any data came (aborted)' : r !== null ? `the server refused it (${r.code}, frame ${r.frame})` : 'it failed';
      result.skipped.push(skippedEntry(s, t, `${refused}: its data connection opened, but no data moved`));
      return;
    }
    const other = t.direction === null ? null : pair[t.direction === 'upload' ? 0 : 1];
    for (const f of flows) {
      if (f.converter) this.emit(f, f.converter.flush());
      f.sink ??= this.settings.openSink();
      kept.add(f);
      result.objects.push({ entry: this.describe(s, t, f, other), sink: f.sink });
    }
  }

  private describe(s: Session, t: Transfer, f: Flow, other: Flow | null): ManifestObject {
    const direction = objectDirection(t, f.toServer);
    const ascii = f.ascii ?? (t.request !== null && isText(t));
    const { verdict, notes } = judge({
      status: t.status,
      missingBytes: f.missingBytes,
      midstream: t.connection?.midstream ?? false,
      wireLength: f.extent,
      crlfPairs: f.converter ? f.converter.converted : f.counter ? f.counter.pairs : null,
      expectedSize: t.expectedSize,
      restOffset: t.restOffset,
      // Decrypted TLS data is the file's own bytes: only undecrypted records are "encrypted" here.
      encrypted: s.dataProtection === 'P' && t.connection?.tls?.decryption !== 'decrypted',
      transferMode: streamMode(t) ? null : t.transferMode,
      conflicts: t.connection?.conflicts && t.connection.conflicts.toServer === f.toServer ? t.connection.conflicts : null,
      clientGone: t.verdict.kind === 'unknown' && t.verdict.why === 'client-gone',
      replyLost: t.verdict.kind === 'reply-lost',
      arriving: t.verdict.kind === 'incomplete' && t.verdict.arriving !== undefined,
      sessionEnded: t.verdict.kind === 'incomplete' && t.verdict.why === 'session-ended',
      replyHidden: t.verdict.kind === 'unknown' && t.verdict.why === 'tls-hidden',
      oneWay: t.verdict.kind === 'unknown' && t.verdict.why === 'one-way',
      commandLost: t.verdict.kind === 'unknown' && t.verdict.why === 'command-lost',
      sentShort: t.verdict.kind === 'completed' && t.verdict.sentShort,
      sentLong: t.verdict.kind === 'completed' && t.verdict.sentLong === true,
      segment: t.verdict.kind === 'completed' ? (t.verdict.segment ?? null) : null,
    });
    if (f.filled > 0) notes.push(`${f.filled} bytes missing from the capture were written as zeros`);
    if (f.unfilled > 0) {
      notes.push(
        this.settings.fillGaps
          ? `${f.unfilled} bytes missing from the capture are left out (more zeros than --fill-gaps writes per file): the file is shorter`
          : `${f.unfilled} bytes missing from the capture are left out: the file is shorter (--fill-gaps writes zeros instead)`,
      );
    }
    const type = t.request !== null && t.direction !== 'listing' ? effectiveType(s, t) : null;
    if (ascii && t.direction !== 'listing' && streamMode(t)) {
      const sentAs =
        type === null
          ? "type unknown (the session began before the capture): taken as ASCII, FTP's default"
          : type.defaulted
            ? "sent as ASCII: no TYPE command before it, and TYPE A is FTP's default"
            : 'sent as ASCII (TYPE A)';
      notes.push(f.converter ? `${sentAs}: CRLF converted to LF` : `${sentAs}: line endings kept as on the wire (--ascii-to-lf converts CRLF)`);
    }
    if (this.settings.asciiToLf && f.ascii === false && t.request !== null && isText(t)) {
      notes.push('data began before the transfer command was seen: kept as sent, not converted');
    }
    if (t.restOffset !== null && t.restOffset > 0) notes.push(`REST ${t.restOffset}: the data starts at byte ${t.restOffset} of the file`);
    if (other && (other.captured > 0 || other.missingBytes > 0)) {
      notes.push(`${other.captured} bytes sent the other way on the data connection were not saved`);
    }
    return {
      session: s.id,
      transfer: t.id,
      direction,
      stream: t.connection?.stream ?? null,
      command: t.request?.command ?? null,
      originalName: t.request?.arg ?? null,
      originalPath: t.request?.path ?? null,
      savedName: objectFileName({
        session: s.id,
        transfer: t.id,
        command: t.request?.command ?? null,
        // A listing's argument may be options (`-la`): only a path names it.
        path: t.request ? (t.direction === 'listing' ? t.request.path : (t.request.path ?? t.request.arg)) : null,
        flow: f.toServer ? 'to-server' : 'to-client',
      }),
      bytes: f.saved,
      capturedBytes: f.captured,
      sha256: f.hash.digest('hex'),
      type: type?.type ?? t.type,
      ascii,
      convertedToLf: f.converter !== null,
      lineEndingsConverted: f.converter?.converted ?? 0,
      restOffset: t.restOffset,
      ...(streamMode(t) ? {} : { transferMode: t.transferMode }),
      expectedSize: t.expectedSize,
      status: t.status,
      reply: t.reply ? { code: t.reply.code, frame: t.reply.frame } : null,
      verdict,
      missing: f.missing,
      missingBytes: f.missingBytes,
      missingRangesOmitted: f.missingRanges,
      gapsFilled: f.filled > 0 && f.unfilled === 0,
      notes,
      ...(t.verdict.kind === 'completed' && t.verdict.segment ? { segment: { start: t.verdict.segment.start, end: t.verdict.segment.end, size: t.verdict.segment.size } } : {}),
    };
  }
}
