/**
 * Wires the stages together for one capture: records → decoded frames → TCP reassembly → FTP
 * control parsing → sessions and transfers. One pass, synchronous per record; nothing here keeps
 * packet bytes beyond the callback that received them, except the first bytes of listings (bounded,
 * parsed at the end by listing-collector.ts).
 */
import type { Readable } from 'node:stream';
import { readCapture } from '../capture/read-capture.js';
import { readCaptureFilesThreaded } from '../capture/read-parallel.js';
import type { CaptureHeaderInfo, CaptureReadResult, CaptureRecord, CaptureSink } from '../capture/types.js';
import { ChecksumTally } from '../decode/checksum-tally.js';
import { registerChecksumMemory, unregisterChecksumMemory } from '../capture/word-sum.js';
import { decodeFrame, newFrameScratch } from '../decode/frame.js';
import { Ipv4Defragmenter } from '../decode/ipv4-defrag.js';
import { LostFragmentHeads } from './lost-fragments.js';
import { linkTypeName } from '../decode/link.js';
import { TCP_RST, TCP_SYN, type TunnelLayer } from '../decode/types.js';
import { ReplyHolds } from '../ftp/reply-holds.js';
import { TcpReassembler } from '../tcp/reassembler.js';
import type { StreamChunk, TcpConnection } from '../tcp/types.js';
import { warning, type Warning } from '../warnings/catalog.js';
import { DataLinker } from './data-linker.js';
import { diagnose } from './diagnose/index.js';
import { identifyServerSoftware, settleRestCounts } from './server-software.js';
import { pairNatViews } from './nat-pairs.js';
import type { Analysis, LinkTypeCount, RstSeen, Session, Transfer, TunnelCount } from './model.js';
import { ConnectionRouter, type ConnectionData } from './connection-router.js';
import { ListingCollector } from './listing-collector.js';
import { dataAnswerReset } from './answer-reset.js';
import { decideVerdicts, resetHostTtl, rstFromMiddlebox, settleOutcomes } from './verdict.js';
import { findLoginGuessing } from './login-guessing.js';
import { TtlTable, ttlPair } from './ttl-table.js';
import { placeClientEnds } from './own-addresses.js';
import { pairFxpAnnouncements } from './fxp.js';
import { pairRelays } from './relay-pairs.js';
import { DEFAULT_LIMITS, engineLimits, heapCeiling, heldPool, limitsFor, type Limits } from './memory-budget.js';

export { DEFAULT_LIMITS };
import { FrameDamageTally } from './frame-damage.js';
import { TlsSecrets } from '../tls/connection.js';
import { TlsKeyLog } from '../tls/keylog.js';
import type { TlsRecordSeen } from '../tls/types.js';

export interface AnalyzeOptions {
  fileName: string;
  showPasswords?: boolean;
  /** Called now and then with the number of capture bytes read so far. */
  onProgress?(bytesRead: number): void;
  /** Receives the payload of linked data connections (views, valid only during the call). */
  onTransferData?(transfer: Transfer, chunk: StreamChunk, toServer: boolean): void;
  /** Limits; defaults are documented in the README. */
  maxPendingCommands?: number;
  maxCommands?: number;
  maxCommandsTotal?: number;
  maxEmptySessions?: number;
  maxSessions?: number;
  maxOpenAnnouncements?: number;
  maxConnections?: number;
  /** Seconds of silence before a connection is given up (default 3600). */
  idleTimeout?: number;
  maxBufferedBytesTotal?: number;
  maxHeldBytesTotal?: number;
  maxKeyLogHandshakes?: number;
  /**
   * Heap bytes the budgets above are sized for when not given one by one (memory-budget.ts);
   * default: the heap this thread runs in.
   */
  memoryCeiling?: number;
  /**
   * TLS secrets (NSS key log lines, from --tls-keylog files) for decrypting FTPS; the Decryption
   * Secrets Blocks of a pcapng file are added to it as they are read.
   */
  tlsKeyLog?: TlsKeyLog;
  /** Sees every TLS record the analysis reads (header, frame, content when clear or decrypted): the dump's TLS lines. */
  onTlsRecord?(record: TlsRecordSeen): void;
  /**
   * The payload of these connections (tcp.stream numbers), whatever they are taken for: a second
   * reading by `extract` of the data connections a first one knew only once the capture was read.
   */
  connectionData?: ConnectionData;
}


const PROGRESS_EVERY = 4096;
/** pcapng DSB secrets type 'TLSK': NSS key log lines. */
const TLS_KEY_LOG_SECRETS = 0x544c534b;

/** Data connections that repeated bytes with other content: one warning, naming the first and the policy. */
function noteConflicts(sessions: Session[], warnings: Warning[]): void {
  const hit: Transfer[] = [];
  for (const s of sessions) for (const t of s.transfers) if (t.connection?.conflicts) hit.push(t);
  if (hit.length === 0) return;
  const first = hit.reduce((a, b) => (a.connection!.conflicts!.frame <= b.connection!.conflicts!.frame ? a : b));
  const c = first.connection!;
  const k = c.conflicts!;
  const segments = hit.reduce((n, t) => n + t.connection!.conflicts!.count, 0);
  const facts = { segments, connections: hit.length, stream: c.stream, streamOffset: k.offset, kept: k.kept };
  warnings.push(warning('conflicting-retransmissions', facts, { frame: k.frame }));
}

function noteRstTtl(rst: RstSeen, ttls: Map<number, number>, outgoing: Set<number>, forwarder: boolean): void {
  const ttl = ttls.get(rst.frame);
  if (ttl !== undefined) rst.ttl = ttl;
  // On a device that forwards the session's packets, each one it passes on is captured arriving
  // first: a reset whose first capture is leaving it was made there.
  if (forwarder && outgoing.has(rst.frame)) rst.madeHere = true;
}
/** Linux cooked capture's packet type for a packet the capturing host sent. */
const PACKET_OUTGOING = 4;
const MAX_TTL_HOSTS = 65_536;
/** Pairs of addresses whose first TTL is kept: both directions of as many conversations as hosts were kept before. */
const MAX_TTL_PAIRS = 2 * MAX_TTL_HOSTS;

/** The budgets this analysis runs under: the memory ceiling's, or the options' where given one by one. */
function effectiveLimits(o: AnalyzeOptions): Limits {
  const b = limitsFor(o.memoryCeiling ?? heapCeiling());
  return {
    ...b,
    maxPendingCommands: o.maxPendingCommands ?? b.maxPendingCommands,
    maxCommands: o.maxCommands ?? b.maxCommands,
    maxCommandsTotal: o.maxCommandsTotal ?? b.maxCommandsTotal,
    maxEmptySessions: o.maxEmptySessions ?? b.maxEmptySessions,
    maxSessions: o.maxSessions ?? b.maxSessions,
    maxOpenAnnouncements: o.maxOpenAnnouncements ?? b.maxOpenAnnouncements,
    maxConnections: o.maxConnections ?? b.maxConnections,
    idleTimeout: o.idleTimeout ?? b.idleTimeout,
    maxBufferedBytesTotal: o.maxBufferedBytesTotal ?? b.maxBufferedBytesTotal,
    maxHeldBytesTotal: o.maxHeldBytesTotal ?? b.maxHeldBytesTotal,
    maxKeyLogHandshakes: o.maxKeyLogHandshakes ?? b.maxKeyLogHandshakes,
  };
}

export async function analyzeStream(input: Readable | NodeJS.ReadableStream, options: AnalyzeOptions): Promise<Analysis> {
  return analyzeRecords((sink) => readCapture(input, sink, { fileName: options.fileName }), options);
}

/**
 * Analyse capture files by path: one file, or the files of one ring buffer in order, read as one
 * capture (see capture/read-files.ts). The reading runs on a worker thread when `thread` is not
 * false, side by side with the analysis.
 */
export async function analyzeFiles(paths: string[], options: AnalyzeOptions & { thread?: boolean }): Promise<Analysis> {
  let memory: WebAssembly.Memory | null = null;
  try {
    return await analyzeRecords(
      (sink) =>
        readCaptureFilesThreaded(paths, sink, {
          thread: options.thread,
          // Checksums are then summed where the packets lie, without a copy.
          onMemory: (m) => {
            memory = m;
            registerChecksumMemory(m);
          },
        }),
      options,
    );
  } finally {
    if (memory !== null) unregisterChecksumMemory(memory);
  }
}

export async function analyzeRecords(
  read: (sink: CaptureSink) => Promise<CaptureReadResult>,
  options: AnalyzeOptions,
): Promise<Analysis> {
  const warnings: Warning[] = [];
  const linkCounts = new Map<number, LinkTypeCount>();
  const tally = new ChecksumTally();
  const lostHeads = new LostFragmentHeads();
  const defrag = new Ipv4Defragmenter({ onIncompleteHead: lostHeads.note });
  let header: CaptureHeaderInfo | null = null;
  // The capture's first and latest times as fields of one object (NaN: no packet yet), not closure
  // variables: a double stored in a closure variable is a new heap number on every packet.
  const times = { first: NaN, last: NaN };
  let backwardsReported = false;
  const damage = new FrameDamageTally();

  const listings = new ListingCollector();
  const tlsKeyLog = options.tlsKeyLog ?? new TlsKeyLog();
  let secretsDropped = 0;
  const limits = effectiveLimits(options);
  // Secrets from the capture's Decryption Secrets Blocks keep to the budget (a key log given on the command line is loaded whole).
  tlsKeyLog.limit(limits.maxKeyLogHandshakes);
  const held = heldPool(limits.maxHeldBytesTotal, (w) => warnings.push(w));
  const replyHolds = new ReplyHolds();
  const router = new ConnectionRouter({
    showPasswords: options.showPasswords ?? false,
    maxPendingCommands: limits.maxPendingCommands,
    maxCommands: limits.maxCommands,
    maxCommandsTotal: limits.maxCommandsTotal,
    maxEmptySessions: limits.maxEmptySessions,
    maxSessions: limits.maxSessions,
    maxOpenAnnouncements: limits.maxOpenAnnouncements,
    heldPool: held,
    replyHolds,
    linker: new DataLinker(),
    tlsSecrets: new TlsSecrets(tlsKeyLog, options.onTlsRecord, held),
    onWarning: (w) => warnings.push(w),
    readsAllTransferData: options.onTransferData !== undefined,
    connectionData: options.connectionData,
    onTransferData: (transfer, chunk, toServer) => {
      listings.push(transfer, chunk, toServer);
      options.onTransferData?.(transfer, chunk, toServer);
    },
  });
  const reassembler = new TcpReassembler(router, { ...engineLimits(limits), onWarning: (w) => warnings.push(w) });

  const rstTtls = new Map<number, number>();
  // Resets the capturing host itself sent (Linux cooked captures say so): a router's own REJECT.
  const rstOutgoing = new Set<number>();
  // First TTL / hop limit seen from each address toward each other: where the capture was taken shows in them.
  const ttls = new TtlTable(MAX_TTL_PAIRS);

  let lastCount: LinkTypeCount | undefined;
  const tunnelCounts = new Map<string, TunnelCount>();
  // One set of frame and header objects for every packet: nothing below keeps a frame (FrameScratch).
  const decoded = newFrameScratch();
  const onRecord = (record: CaptureRecord): void => {
    if (Number.isNaN(times.first)) times.first = record.time;
    if (record.time < times.last && !backwardsReported) {
      backwardsReported = true;
      warnings.push(warning('time-backwards', {}, { frame: record.frame, offset: record.offset }));
    }
    times.last = record.time;
    if (options.onProgress && record.frame % PROGRESS_EVERY === 0) options.onProgress(record.offset);

    const frame = decodeFrame(record, defrag, decoded);
    if (frame.problems.length !== 0 || frame.truncated) damage.note(frame, record);
    let count = record.linkType === lastCount?.linkType ? lastCount : linkCounts.get(record.linkType);
    if (!count) {
      count = {
        linkType: record.linkType,
        name: linkTypeName(record.linkType),
        frames: 0,
        supported: frame.link.kind !== 'unsupported',
      };
      linkCounts.set(record.linkType, count);
    }
    lastCount = count;
    count.frames++;
    if (!frame.ip) return;
    if (frame.tunnels !== undefined) countTunnel(tunnelCounts, frame.tunnels, record.frame);
    tally.add(frame);
    const ttl = frame.ip.version === 4 ? frame.ip.ttl : frame.ip.hopLimit;
    // A host's TTL is read from its TCP segments only: Neighbor Discovery goes out with hop limit 255
    // by rule (RFC 4861), so an IPv6 capture that begins with the client's Neighbor Solicitation would
    // give the client 255, and every real RST of its (hop limit 64) would look forged by a middlebox.
    if (frame.tcp) ttls.note(frame.ip.src, frame.ip.dst, ttl, frame.link);
    // A RST's own TTL tells whether the host it names sent it or a middlebox did (verdict.ts).
    if (frame.tcp && (frame.tcp.flags & TCP_RST) !== 0 && rstTtls.size < MAX_TTL_HOSTS) {
      rstTtls.set(record.frame, ttl);
      if (frame.link.packetType === PACKET_OUTGOING) rstOutgoing.add(record.frame);
    }
    // A reply held for its command goes on before a connection opens, or after a while (ftp/reply-holds.ts).
    if (frame.tcp) replyHolds.tick(record.time, (frame.tcp.flags & TCP_SYN) !== 0);
    if (frame.tcp || frame.icmp) reassembler.push(frame);
  };

  const result = await read({
    onHeader: (h) => {
      header = h;
    },
    onRecord,
    onWarning: (w) => warnings.push({ ...w }),
    // pcapng Decryption Secrets Blocks (TLS key log text): usable by every later packet.
    onSecrets: (type, data) => {
      if (type === TLS_KEY_LOG_SECRETS) secretsDropped += tlsKeyLog.addText(Buffer.from(data).toString('latin1')).dropped;
    },
  });
  const first = Number.isNaN(times.first) ? null : times.first;
  const last = Number.isNaN(times.last) ? null : times.last;
  reassembler.finish();
  defrag.finish();
  const sessions = router.finish();
  listings.finish(sessions);
  lostHeads.attach(sessions);
  pairFxpAnnouncements(sessions);
  for (const s of sessions) {
    // Each end's TTL on the session's own control connection; the first over the whole capture for the two addresses when it has none.
    const own = s.controlConnection.marks.ttl;
    s.ttl = ttlPair(own.client ?? ttls.of(s.client.ip, s.server.ip), own.server ?? ttls.of(s.server.ip, s.client.ip));
    const ends = placeClientEnds(s, ttls);
    s.clientAliases = ends.aliases;
    s.clientEndsUnplaced = ends.unplaced;
    const forwarder = s.natPeer === null && s.controlConnection.forwardedCopies > 0;
    if (s.controlConnection.rst) noteRstTtl(s.controlConnection.rst, rstTtls, rstOutgoing, forwarder);
    for (const t of s.transfers) {
      const c = t.connection;
      if (c?.rst) noteRstTtl(c.rst, rstTtls, rstOutgoing, forwarder);
      // With the reset's TTL noted: the client's reset of an answer from elsewhere (answer-reset.ts).
      const answerReset = dataAnswerReset(t, s);
      if (answerReset !== null) t.answerReset = answerReset;
      // Not the client's own reset of an answer that reached it around the router that translated its
      // SYN: its TTL differs for the shorter way back, not for another device.
      if (c?.rst && answerReset === null && rstFromMiddlebox(c.rst, resetHostTtl(c, c.rst, s))) c.rst.forged = true;
    }
  }
  noteConflicts(sessions, warnings);
  settleRestCounts(sessions);
  settleOutcomes(sessions, last);

  warnings.push(...damage.warnings());
  const lost = defrag.stats.firstIncomplete;
  if (lost !== null) warnings.push(warning('fragments-incomplete', { count: defrag.stats.incomplete, ...lost, allFrames: defrag.stats.incompleteFrames }, { frame: lost.frames[0] }));
  const engine = reassembler.stats();
  if (engine.copies > 0) warnings.push(warning('captured-twice', { count: engine.copies }, { frame: engine.firstCopy }));
  if (secretsDropped > 0) warnings.push(warning('tls-secrets-limit', { max: limits.maxKeyLogHandshakes, dropped: secretsDropped }));
  for (const c of linkCounts.values()) {
    if (!c.supported) {
      warnings.push(warning('unsupported-link-type', { frames: c.frames, linkType: c.linkType, name: c.name }));
    }
  }
  const h = header ?? result.header;
  const analysis: Analysis = {
    capture: {
      file: options.fileName,
      format: h.format,
      compressed: h.compressed,
      packets: result.packets,
      bytes: result.bytes,
      linkTypes: [...linkCounts.values()],
      tunnels: [...tunnelCounts.values()],
      first,
      last,
      tcpConnections: reassembler.stats().total,
      checksums: tally.summary(),
      warnings,
    },
    sessions,
    loginGuessing: findLoginGuessing(sessions),
    passivePortSplits: [],
    limits,
  };
  pairNatViews(sessions);
  pairRelays(sessions);
  // After the relays: a proxy's front session names no product of its own.
  identifyServerSoftware(sessions);
  diagnose(analysis);
  decideVerdicts(analysis);
  return analysis;
}

export type { Session, TcpConnection };

/** One more frame inside this chain of tunnels (counted by the chain's kinds, outermost first). */
function countTunnel(counts: Map<string, TunnelCount>, tunnels: TunnelLayer[], frame: number): void {
  const key = tunnels.length === 1 ? tunnels[0].kind : tunnels.map((t) => t.kind).join('/');
  const c = counts.get(key);
  if (c === undefined) counts.set(key, { layers: tunnels.map((t) => t.kind), frames: 1, firstFrame: frame });
  else c.frames++;
}
