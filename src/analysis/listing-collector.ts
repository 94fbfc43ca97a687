/**
 * Keeps the first bytes of every listing's data connection (LIST, NLST, MLSD) and, once the
 * capture is read, parses them into entries on the transfer (`transfer.listing`). Bounded: at most
 * MAX_LISTING_BYTES per listing and MAX_TOTAL_LISTING_BYTES for the whole capture; what was cut is
 * said in the result. Fed from the pipeline's data callback; it never keeps other transfers' bytes.
 */
import type { StreamChunk } from '../tcp/types.js';
import { parseListingLine, type Listing, type ListingCommand, type ListingFormat } from './listing-parser.js';
import type { Session, Transfer } from './model.js';
import { lineText } from './text.js';

export const MAX_LISTING_BYTES = 1 << 20;
export const MAX_TOTAL_LISTING_BYTES = 16 << 20;

interface Piece {
  /** Bytes missing from the capture just before these bytes. */
  gapBefore: number;
  bytes: Buffer;
}

export interface KeptListing {
  pieces: Piece[];
  bytes: number;
  gapBytes: number;
  cut: Listing['cut'];
  /** Capture time of the first bytes (dates in `ls -l` lines without a year are relative to it). */
  time: number;
}

const LISTING_COMMANDS = new Set<string>(['LIST', 'NLST', 'MLSD']);

export class ListingCollector {
  private readonly kept = new Map<Transfer, KeptListing>();
  private total = 0;

  constructor(
    private readonly limits = { perListing: MAX_LISTING_BYTES, total: MAX_TOTAL_LISTING_BYTES },
  ) {}

  /** Data of a linked data connection: kept when it is (or may turn out to be) a listing. */
  push(transfer: Transfer, chunk: StreamChunk, toServer: boolean): void {
    if (toServer) return;
    if (transfer.request !== null && transfer.direction !== 'listing') {
      // Data arrived before the request was seen, and it was not a listing after all.
      const k = this.kept.get(transfer);
      if (k) {
        this.total -= k.bytes;
        this.kept.delete(transfer);
      }
      return;
    }
    let k = this.kept.get(transfer);
    if (!k) {
      k = { pieces: [], bytes: 0, gapBytes: 0, cut: null, time: chunk.time };
      this.kept.set(transfer, k);
    }
    if (k.cut) return;
    const n = chunk.bytes.length;
    const perRoom = this.limits.perListing - k.bytes;
    const totalRoom = this.limits.total - this.total;
    const room = Math.min(perRoom, totalRoom);
    if (chunk.gapBefore > 0) k.gapBytes += chunk.gapBefore;
    const take = Math.min(n, room);
    if (take > 0 || chunk.gapBefore > 0) {
      k.pieces.push({ gapBefore: chunk.gapBefore, bytes: Buffer.from(chunk.bytes.subarray(0, take)) });
      k.bytes += take;
      this.total += take;
    }
    if (take < n) k.cut = perRoom <= totalRoom ? 'size' : 'total';
  }

  /** End of capture: parse what was kept into every listing transfer whose data connection opened. */
  finish(sessions: Session[]): void {
    for (const s of sessions) {
      for (const t of s.transfers) {
        if (t.direction !== 'listing' || !t.connection?.established || !t.request) continue;
        const command = t.request.command.toUpperCase();
        if (!LISTING_COMMANDS.has(command)) continue;
        // Stopped part-way (an ABOR, a reset): its last line without a newline is where it was cut, not an entry.
        t.listing = parseKept(command as ListingCommand, this.kept.get(t), t.abortFrame !== null || t.connection.rst !== null);
      }
    }
    this.kept.clear();
    this.total = 0;
  }
}

/** `total 4108`: the block count ls -l prints before the entries. */
const TOTAL_LINE = /^total \d+\s*$/;

/**
 * Split kept bytes into lines; lines touching a gap or the cut end are broken and not parsed. A
 * listing `stopped` part-way (the client's ABOR, a reset of its data connection) ends where it was
 * cut: a last line without its newline is broken too (pyftpdlib's LIST aborted after 13336 bytes
 * ended in "…-rw-r--r-- 1 u g 0 Jan 02 2024 entry-number-"). A whole listing may end without one.
 */
export function parseKept(command: ListingCommand, k: KeptListing | undefined, stopped = false): Listing {
  const listing: Listing = { format: null, entries: [], unparsed: 0, bytes: k?.bytes ?? 0, gapBytes: k?.gapBytes ?? 0, cut: k?.cut ?? null };
  if (!k) return listing;
  const formats = new Set<ListingFormat>();
  const reference = new Date(k.time * 1000);
  // Runs of contiguous bytes, each with whether a gap came before it.
  const runs: Array<{ afterGap: boolean; text: string }> = [];
  for (const p of k.pieces) {
    const text = p.bytes.toString('latin1');
    const last = runs[runs.length - 1];
    if (p.gapBefore > 0 || !last) runs.push({ afterGap: p.gapBefore > 0, text });
    else last.text += text;
  }
  runs.forEach((run, i) => {
    const lines = run.text.split('\n');
    const endsClean = run.text.endsWith('\n');
    const beforeGap = i < runs.length - 1;
    lines.forEach((raw, j) => {
      const isLast = j === lines.length - 1;
      if (isLast && endsClean) return; // the empty string after the final newline
      const broken = (j === 0 && run.afterGap) || (isLast && (beforeGap || listing.cut !== null || stopped));
      // Every CR before the LF: GridFTP ends its LIST lines with CR CR LF.
      const line = lineText(raw.replace(/\r+$/, ''));
      // ls -l's first line, "total 4108" (netkit ftpd, GridFTP), is a header: no entry, nothing unread.
      if (line.trim() === '' || (command === 'LIST' && TOTAL_LINE.test(line))) return;
      const parsed = broken ? null : parseListingLine(command, line, reference);
      if (!parsed) {
        listing.unparsed++;
        return;
      }
      formats.add(parsed.format);
      listing.entries.push(parsed.entry);
    });
  });
  listing.format = formats.size === 0 ? null : formats.size === 1 ? [...formats][0] : 'mixed';
  return listing;
}
