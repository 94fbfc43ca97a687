/**
 * The data connections of announced transfers: their payload is timed (the longest silence),
 * read through TLS when PROT P protects it, and handed to the transfer's readers (the listing
 * collector, extraction) in the FTP client's and server's terms; at the end of the capture each
 * becomes its transfer's DataConnection.
 */
import type { Warning } from '../warnings/catalog.js';
import type { ChunkAnswer, ConnectionEvent, StreamChunk, TcpConnection } from '../tcp/types.js';
import type { TlsSecrets } from '../tls/connection.js';
import type { DataLink } from './data-linker.js';
import { recordHandshakeEvent } from './handshake-events.js';
import type { HandshakeEvent, Transfer } from './model.js';
import { DataTls } from './tls-routes.js';
import { acknowledgedUnseen, describeConnection } from './transfer-outcome.js';
import { dataSender } from './data-sender.js';
import { CrlfCounter, textMode } from './line-ends.js';

export interface DataConnectionsOptions {
  tlsSecrets: TlsSecrets;
  onWarning(w: Warning): void;
  /** Receives the payload of linked data connections (views, valid only during the call). */
  onTransferData?(transfer: Transfer, chunk: StreamChunk, toServer: boolean): void;
  /**
   * onTransferData reads every transfer's bytes (extraction). When false, only listings' bytes
   * are read: a file transfer's are only counted, and the reassembler need not copy them.
   */
  readsAllTransferData?: boolean;
}

/** How a data connection has closed so far: a FIN from either end, a reset from either. */
export interface DataEnds {
  fin: { client: boolean; server: boolean };
  rst: boolean;
  /** Its SYN was sent again and no SYN-ACK has come: the connection has gone unanswered so far. */
  unanswered: boolean;
}

/** The transfer's entry, made on first use (nothing closed, nothing gone unanswered yet). */
function noteOf(ends: WeakMap<Transfer, DataEnds>, t: Transfer): DataEnds {
  let e = ends.get(t);
  if (e === undefined) ends.set(t, (e = { fin: { client: false, server: false }, rst: false, unanswered: false }));
  return e;
}

function noteEnd(ends: WeakMap<Transfer, DataEnds>, t: Transfer, type: 'fin' | 'rst', by: 'client' | 'server'): void {
  const e = noteOf(ends, t);
  if (type === 'rst') e.rst = true;
  else e.fin[by] = true;
}

export interface DataRoute {
  kind: 'data';
  link: DataLink;
  conn: TcpConnection;
  handshake: HandshakeEvent[];
  lastData: { frame: number; time: number } | null;
  longestSilence: { seconds: number; fromFrame: number; fromTime: number; toFrame: number } | null;
  /** PROT P: the data connection's TLS (decided on its first bytes; null when clear). */
  tls?: DataTls | null;
  /** A clear TYPE A file transfer's CRLF pairs (undefined: not decided yet; null: not counted, or a gap). */
  lineEnds?: CrlfCounter | null;
}

export class DataConnections {
  private readonly routes: DataRoute[] = [];
  /** How each transfer's data connection has closed so far (FIN by either end, a reset), or gone unanswered: read while the capture is read. */
  private readonly closes = new WeakMap<Transfer, DataEnds>();
  /** Each transfer's data connection route, for its byte count while the capture is read. */
  private readonly routeOf = new WeakMap<Transfer, DataRoute>();
  /** The transfers that are an FXP copy's halves (fxpHalf), as of `fxpHalvesOf` routes. */
  private fxpHalves: WeakSet<Transfer> | null = null;
  private fxpHalvesOf = 0;

  constructor(private readonly options: DataConnectionsOptions) {}

  open(conn: TcpConnection, link: DataLink): DataRoute {
    const route: DataRoute = { kind: 'data', link, conn, handshake: [], lastData: null, longestSilence: null };
    this.routes.push(route);
    this.routeOf.set(link.transfer, route);
    return route;
  }

  /** One chunk of a data connection (this runs for every data segment of every transfer). */
  push(route: DataRoute, chunk: StreamChunk): ChunkAnswer {
    noteSilence(route, chunk);
    // PROT P: the TLS layer reads the chunk and hands on the decrypted bytes (tls-routes.ts).
    if (route.tls === undefined) route.tls = DataTls.detect(this.options.tlsSecrets, route.link, route.conn, chunk, this.options.onWarning);
    if (route.tls) {
      // Even without keys the bytes are kept: the record headers are read, and a segment held out
      // of order would otherwise come as zeros (ChunkAnswer).
      route.tls.push(chunk, this.options.onTransferData);
      return undefined;
    }
    const { transfer, swapped, peer } = route.link;
    // The responder is the announced side: the client in active mode, the server in passive.
    const fromInitiator = (chunk.dir === 'c2s') !== swapped;
    if (route.lineEnds === undefined) route.lineEnds = transfer.request !== null && textMode(transfer) && dataSender(transfer.direction) !== null ? new CrlfCounter() : null;
    const counted = route.lineEnds !== null && toServer(transfer, fromInitiator) === (dataSender(transfer.direction) === 'client');
    if (counted && chunk.gapBefore > 0) route.lineEnds = null;
    else if (counted) route.lineEnds!.push(chunk.bytes);
    const sink = this.options.onTransferData;
    if (!sink) return;
    // A file transfer's bytes nobody reads (no extraction) are only counted; a listing's are read, and
    // a TYPE A file's are too for its line ends (out of order, a connection only counted gets zeros).
    const readsAll = this.options.readsAllTransferData === true;
    const answer: ChunkAnswer =
      !route.lineEnds && onlyCounted(transfer, readsAll) && (peer === undefined || onlyCounted(peer.transfer, readsAll)) ? 'count-only' : undefined;
    sink(transfer, chunk, toServer(transfer, fromInitiator));
    // FXP: the other session's transfer reads the same bytes, in its own terms.
    if (peer !== undefined) sink(peer.transfer, chunk, toServer(peer.transfer, fromInitiator));
    return answer;
  }

  /** Keep the packets that tell how a data connection opened (or failed to) and closed. */
  event(route: DataRoute, event: ConnectionEvent): void {
    const { transfer, swapped } = route.link;
    const fromInitiator = (event.dir === 'c2s') !== swapped;
    const initiatorIsClient = transfer.mode === 'passive';
    const byClient = fromInitiator === initiatorIsClient;
    recordHandshakeEvent(route.handshake, event, byClient);
    if (event.type === 'syn' && event.repeat === true && route.conn.synAckFrames.length === 0) noteOf(this.closes, transfer).unanswered = true;
    else if (event.type === 'syn-ack') noteOf(this.closes, transfer).unanswered = false;
    if (event.type === 'fin' || event.type === 'rst') {
      noteEnd(this.closes, transfer, event.type, byClient ? 'client' : 'server');
      // FXP: the other session's transfer sees the same connection the other way round.
      if (route.link.peer !== undefined) noteEnd(this.closes, route.link.peer.transfer, event.type, byClient ? 'server' : 'client');
    }
  }

  /**
   * How the transfer's data connection has closed so far (null: not at all, or none linked yet): a
   * line the server writes once its client has closed it (pure-ftpd's last line under the 1xx of the
   * start) is read as the transfer's end only then (session-builder.ts).
   */
  endsOf(transfer: Transfer): DataEnds | null {
    return this.closes.get(transfer) ?? null;
  }

  /** Bytes the transfer's data connection has carried so far, both ways (a transfer's data goes one way). */
  bytesOf(transfer: Transfer): number {
    const c = this.routeOf.get(transfer)?.conn;
    return c === undefined ? 0 : c.bytes.c2s + c.bytes.s2c;
  }

  /** End of capture (every connection closed): each transfer's data connection. */
  describeAll(): void {
    for (const d of this.routes) {
      const t = d.link.transfer;
      const connection = describeConnection(d.conn, d.link, d.handshake, d.lastData, d.longestSilence);
      t.connection = connection;
      // A capture of the receiver's packets only: its acknowledgements count the data (c2s is the initiator's).
      const acknowledged = acknowledgedUnseen(d.conn, t, (t.mode === 'passive') !== d.link.swapped ? 'c2s' : 's2c');
      if (acknowledged !== null) t.acknowledged = acknowledged;
      if (d.tls) d.tls.describe(connection);
      if (d.lineEnds !== undefined && t.request !== null && textMode(t)) connection.crlfPairs = d.lineEnds?.pairs ?? null;
      const peer = d.link.peer;
      if (peer === undefined) continue;
      // The peer's mode is the other one: who is its "client" and "server" is the other way round.
      const flipped = d.handshake.map((e): HandshakeEvent => ({ ...e, by: e.by === 'client' ? 'server' : 'client' }));
      const link = { transfer: peer.transfer, session: peer.session, match: 'exact' as const, swapped: d.link.swapped };
      peer.transfer.connection = describeConnection(d.conn, link, flipped, d.lastData, d.longestSilence);
    }
  }

  /** Whether the transfer's data connection was linked as an FXP copy's (a PASV and a PORT of two sessions). */
  fxpHalf(t: Transfer): boolean {
    if (this.fxpHalves === null || this.fxpHalvesOf !== this.routes.length) {
      // Gathered once (again only if routes were added): a scan of every route per transfer is quadratic.
      this.fxpHalves = new WeakSet();
      for (const d of this.routes) {
        if (d.link.peer === undefined) continue;
        this.fxpHalves.add(d.link.transfer);
        this.fxpHalves.add(d.link.peer.transfer);
      }
      this.fxpHalvesOf = this.routes.length;
    }
    return this.fxpHalves.has(t);
  }

  /** After the sessions are numbered: each FXP pair names the other. */
  noteFxpPairs(): void {
    for (const d of this.routes) {
      const peer = d.link.peer;
      if (peer === undefined) continue;
      const t = d.link.transfer;
      t.fxp = { session: peer.transfer.session, transfer: peer.transfer.id };
      peer.transfer.fxp = { session: t.session, transfer: t.id };
    }
  }
}

// Plain functions, not closures made per chunk: push runs for every data segment of every transfer.

/** Whether a chunk from the connection's initiator (or not) travels toward the transfer's server. */
function toServer(t: Transfer, fromInitiator: boolean): boolean {
  return t.mode === 'passive' ? fromInitiator : !fromInitiator;
}

/** A file transfer's bytes nobody reads (no extraction) are only counted. */
function onlyCounted(t: Transfer, readsAllTransferData: boolean): boolean {
  return !readsAllTransferData && t.request !== null && t.direction !== 'listing';
}

/** The timing of a connection's data: its last payload, and the longest pause between two. */
export interface DataTiming {
  lastData: { frame: number; time: number } | null;
  longestSilence: { seconds: number; fromFrame: number; fromTime: number; toFrame: number } | null;
}

/** A stalled transfer shows as a long pause between payload-carrying segments. */
export function noteSilence(route: DataTiming, chunk: StreamChunk): void {
  if (chunk.bytes.length === 0) return;
  const last = route.lastData;
  if (last) {
    const gap = chunk.time - last.time;
    if (gap > (route.longestSilence?.seconds ?? 0)) {
      route.longestSilence = { seconds: gap, fromFrame: last.frame, fromTime: last.time, toFrame: chunk.frame };
    }
  }
  // Updated in place: this runs for every data segment of every transfer.
  if (last) {
    last.frame = chunk.frame;
    last.time = chunk.time;
  } else {
    route.lastData = { frame: chunk.frame, time: chunk.time };
  }
}
