/**
 * Field-by-field oracle: decode a capture with src/decode and compare every header field of every
 * frame with tshark's view of it, as written by scripts/tshark-fields.sh (a TSV with a header row).
 * All mismatches are collected (frame, field, ours, tshark's) so one assertion shows them all.
 *
 * Conventions of that TSV (tshark 4.x, -E occurrence=f): numbers in decimal, hex-based fields as
 * 0x with a fixed width, checksum status 0 bad / 1 good / 2 unverified, FT_NONE fields
 * (tcp.options.sack_perm) as the option's bytes. In an ICMP error the ip.* fields are the outer
 * header's and the tcp.* fields the quoted segment's, since that is the only TCP header there.
 */
import { createReadStream } from 'node:fs';
import { readText } from '../support/read-text.js';
import { readCapture } from '../../src/capture/read-capture.js';
import type { CaptureRecord } from '../../src/capture/types.js';
import { decodeFrame } from '../../src/decode/frame.js';
import { Ipv4Defragmenter } from '../../src/decode/ipv4-defrag.js';
import type { ChecksumStatus, DecodedFrame, LinkHeader } from '../../src/decode/types.js';
import { problemText } from '../../src/warnings/catalog.js';

export interface OracleMismatch {
  frame: number;
  field: string;
  ours: string;
  tshark: string;
}

export interface OracleResult {
  frames: number;
  /** Field comparisons made (both sides looked at). */
  compared: number;
  mismatches: OracleMismatch[];
  /** Differences that are ours by design on malformed headers (see `explain`), with the reason. */
  explained: Array<OracleMismatch & { reason: string }>;
}

/** Our decode's problems travel in the row under this key (no tshark field has it). */
const PROBLEMS = '#problems';

export type FieldRow = Record<string, string>;

export function parseTsv(text: string): FieldRow[] {
  const lines = text.split('\n').filter((l) => l.length > 0);
  if (lines.length === 0) return [];
  const header = lines[0].split('\t');
  return lines.slice(1).map((line) => {
    const cells = line.split('\t');
    const row: FieldRow = {};
    header.forEach((name, i) => (row[name] = cells[i] ?? ''));
    return row;
  });
}

const hex = (v: number, digits: number): string => '0x' + v.toString(16).padStart(digits, '0');
const dec = (v: number | undefined): string => (v === undefined ? '' : String(v));
const STATUS: Record<ChecksumStatus, string> = { bad: '0', ok: '1', unverifiable: '2' };
const ICMP_ERRORS_V4 = new Set(['3', '11']);
const ICMP_ERRORS_V6 = new Set(['1', '3']);
/** ICMPv6 packet too big: not decoded (decode/icmp.ts reads destination unreachable and time exceeded only). */
const ICMPV6_PACKET_TOO_BIG = '2';

/**
 * Which header a field comes from when a tunnel repeats it (tshark's -E occurrence): 'first' the
 * outermost (the committed *.tshark-fields.tsv views), 'last' the innermost (the tunnel
 * recordings' *.tshark-inner-fields.tsv, written with occurrence=l).
 */
export type Occurrence = 'first' | 'last';

/**
 * Our frame as tshark would print each field. Only fields listed in `columns` are produced;
 * a field we do not decode for this frame is ''.
 */
export function ourFields(f: DecodedFrame, occurrence: Occurrence = 'first'): FieldRow {
  const r: FieldRow = {};
  r[PROBLEMS] = f.problems.map(problemText).join('\n');
  r['frame.number'] = dec(f.frame);
  r['frame.cap_len'] = dec(f.capturedLength);
  r['frame.len'] = dec(f.originalLength);
  const tunnels = f.tunnels ?? [];
  let innerLink: LinkHeader | undefined;
  if (occurrence === 'last') for (const t of tunnels) innerLink = t.link ?? innerLink;
  const link = innerLink ?? f.link;
  if (link.kind === 'ethernet' && link.src !== undefined) {
    r['eth.src'] = link.src;
    r['eth.dst'] = link.dst ?? '';
    const outer = link.vlans !== undefined ? link.vlans[0].tpid : link.etherType;
    r['eth.type'] = outer === undefined ? '' : hex(outer, 4);
  }
  if ((link.kind === 'sll' || link.kind === 'sll2') && link.etherType !== undefined) {
    const outer = link.vlans !== undefined ? link.vlans[0].tpid : link.etherType;
    r['sll.etype'] = hex(outer, 4);
  }
  if (link.vlans !== undefined) {
    // 802.1ad S-tags are tshark's ieee8021ad protocol; vlan.* is the first 802.1Q (or 0x9100) tag.
    const i = link.vlans.findIndex((t) => t.tpid !== 0x88a8);
    if (i >= 0) {
      r['vlan.id'] = dec(link.vlans[i].id);
      r['vlan.etype'] = hex(i + 1 < link.vlans.length ? link.vlans[i + 1].tpid : (link.etherType ?? 0), 4);
    }
  }
  if (link.kind === 'null') r['null.family'] = dec(link.family);

  const ip = occurrence === 'first' && tunnels.length > 0 ? tunnels[0].ip : f.ip;
  if (ip?.version === 4) {
    r['ip.version'] = '4';
    r['ip.hdr_len'] = dec(ip.headerLength);
    r['ip.dsfield'] = hex(ip.dsfield, 2);
    const tso = ip.totalLength === 0 && tunnels.length === 0 && f.problems.some((p) => p.code === 'ip-length-zero');
    r['ip.len'] = dec(tso ? f.originalLength - link.headerLength : ip.totalLength);
    r['ip.id'] = hex(ip.id, 4);
    r['ip.flags'] = hex(ip.flags, 2);
    r['ip.frag_offset'] = dec(ip.fragOffset);
    r['ip.ttl'] = dec(ip.ttl);
    r['ip.proto'] = dec(ip.protocol);
    r['ip.checksum'] = hex(ip.checksum, 4);
    r['ip.checksum.status'] = STATUS[ip.checksumStatus];
    if (ip.checksumExpected !== undefined) r['ip.checksum_calculated'] = hex(ip.checksumExpected, 4);
    r['ip.src'] = ip.src;
    r['ip.dst'] = ip.dst;
  } else if (ip?.version === 6) {
    r['ip.version'] = '6'; // tshark's IPv6 dissector fills ip.version too
    r['ipv6.tclass'] = hex(ip.trafficClass, 8);
    r['ipv6.flow'] = hex(ip.flowLabel, 6);
    r['ipv6.plen'] = dec(ip.payloadLength);
    r['ipv6.nxt'] = dec(ip.nextHeader);
    r['ipv6.hlim'] = dec(ip.hopLimit);
    r['ipv6.src'] = ip.src;
    r['ipv6.dst'] = ip.dst;
  }
  const t = f.tcp;
  if (t !== undefined) {
    r['tcp.srcport'] = dec(t.srcPort);
    r['tcp.dstport'] = dec(t.dstPort);
    r['tcp.seq_raw'] = dec(t.seq);
    r['tcp.ack_raw'] = dec(t.ack);
    r['tcp.hdr_len'] = dec(t.headerLength);
    r['tcp.flags'] = hex(t.flags, 4);
    r['tcp.window_size_value'] = dec(t.window);
    r['tcp.checksum'] = hex(t.checksum, 4);
    r['tcp.checksum.status'] = STATUS[t.checksumStatus];
    if (t.checksumExpected !== undefined) r['tcp.checksum_calculated'] = hex(t.checksumExpected, 4);
    r['tcp.urgent_pointer'] = dec(t.urgentPointer);
    r['tcp.len'] = dec(t.payloadLength);
    for (const o of t.options) {
      if (o.name === 'mss') r['tcp.options.mss_val'] ??= dec(o.mss);
      else if (o.name === 'wscale') r['tcp.options.wscale.shift'] ??= dec(o.shift);
      else if (o.name === 'sack-permitted') r['tcp.options.sack_perm'] = 'present';
      else if (o.name === 'timestamp') {
        r['tcp.options.timestamp.tsval'] ??= dec(o.tsval);
        // Null: the snapshot length cut the option after its TSval; tshark has no TSecr then either.
        if (o.tsecr !== null) r['tcp.options.timestamp.tsecr'] ??= dec(o.tsecr);
      }
    }
  }
  const icmp = f.icmp;
  if (icmp !== undefined) {
    const p = icmp.family === 4 ? 'icmp' : 'icmpv6';
    r[`${p}.type`] = dec(icmp.type);
    r[`${p}.code`] = dec(icmp.code);
    r['tcp.srcport'] = dec(icmp.quoted.srcPort);
    r['tcp.dstport'] = dec(icmp.quoted.dstPort);
    r['tcp.seq_raw'] = dec(icmp.quoted.seq);
  }
  return r;
}

/** Fields of tshark's row that are not ours to compare on this frame (see module comment). */
function skipField(field: string, ours: FieldRow, theirs: FieldRow): boolean {
  if (field === 'ip.checksum_calculated') return theirs['ip.checksum.status'] !== '0';
  // A packet too big is none of ours to decode: its quoted TCP header and its own fields are tshark's alone (a64-ipv6-ptb-*).
  if (theirs['icmpv6.type'] === ICMPV6_PACKET_TOO_BIG && (field.startsWith('tcp.') || field.startsWith('icmpv6.'))) return true;
  const icmpError =
    ICMP_ERRORS_V4.has(theirs['icmp.type'] ?? '') || ICMP_ERRORS_V6.has(theirs['icmpv6.type'] ?? '');
  // The quoted segment is cut (a "fragmentation needed" quotes a full-sized segment's first bytes):
  // tshark computes a checksum over what is quoted; we verify none (a64-ipv4-fragneeded-1280-*).
  if (field === 'tcp.checksum_calculated') return icmpError || theirs['tcp.checksum.status'] !== '0';
  if (field.startsWith('icmp')) {
    // We decode only errors that quote TCP; other ICMP leaves `icmp` undefined by design.
    return !(icmpError && (theirs['tcp.srcport'] ?? '') !== '') && ours[field] === undefined;
  }
  if (icmpError && field.startsWith('tcp.')) {
    // tshark leaves tcp.seq_raw out of an 8-byte quote; compare it when tshark has it.
    if (field === 'tcp.seq_raw') return theirs[field] === '';
    return !(field === 'tcp.srcport' || field === 'tcp.dstport');
  }
  return false;
}

/**
 * Why a difference is by design, or undefined. Only for headers that break their own length
 * rules, where tshark and we stop at different places:
 * - a bogus IPv4 IHL / total length: tshark prints no more ip.* fields, we keep the header's facts;
 * - a bogus TCP data offset: tshark still prints tcp.* fields, we decode no TCP header at all;
 * - a chain of more than 16 IPv6 extension headers: tshark walks on, our walk is bounded.
 */
export function explain(
  field: string,
  mine: string,
  tshark: string,
  problems: string,
  row?: FieldRow,
): string | undefined {
  // A TCP checksum field of 0xffff where the computed value is 0x0000: the two one's-complement
  // zeros are equivalent (RFC 1624 §3) and the segment verifies (its sum is 0xffff, RFC 1071);
  // tshark 4.0 compares against 0x0000 and calls it bad.
  if (row?.['tcp.checksum'] === '0xffff' && (field === 'tcp.checksum.status' || field === 'tcp.checksum_calculated')) {
    if ((field === 'tcp.checksum.status' && mine === '1' && tshark === '0') || (field === 'tcp.checksum_calculated' && tshark === '0x0000' && mine === '')) {
      return 'checksum 0xffff is one\'s-complement zero (RFC 1624): valid; tshark 4.0 expects 0x0000';
    }
  }
  if (problems === '') return undefined;
  if (field.startsWith('ip.') && tshark === '' && /malformed: IPv4 (header length|total length \d+ is less)/.test(problems)) {
    return 'bogus IPv4 length: tshark stops, we keep the header facts';
  }
  if (field.startsWith('tcp.') && mine === '' && /malformed: TCP /.test(problems)) {
    return 'bogus TCP header length: tshark decodes it anyway, we decode no TCP header';
  }
  if ((field.startsWith('tcp.') || field.startsWith('icmp')) && mine === '' && problems.includes('IPv6 extension headers')) {
    return 'IPv6 extension chain longer than our bound';
  }
  return undefined;
}

export function compareRow(
  ours: FieldRow,
  theirs: FieldRow,
  frame: number,
  out: OracleMismatch[],
  explained?: Array<OracleMismatch & { reason: string }>,
): number {
  let compared = 0;
  for (const field of Object.keys(theirs)) {
    if (skipField(field, ours, theirs)) continue;
    let mine = ours[field] ?? '';
    let tshark = theirs[field];
    if (field === 'tcp.options.sack_perm') tshark = tshark === '' ? '' : 'present';
    // tshark 4.0 prints ip.frag_offset in 8-byte units (its tree shows bytes); ours is bytes.
    if (field === 'ip.frag_offset' && mine !== '' && tshark !== mine) mine = String(Number(mine) / 8);
    compared++;
    if (mine === tshark) continue;
    const reason = explain(field, mine, tshark, ours[PROBLEMS] ?? '', theirs);
    if (reason !== undefined && explained !== undefined) explained.push({ frame, field, ours: mine, tshark, reason });
    else out.push({ frame, field, ours: mine, tshark });
  }
  return compared;
}

/** Decode every frame of `capturePath` (with IPv4/IPv6 reassembly, as tshark does). */
export async function decodeCaptureFields(capturePath: string, occurrence: Occurrence = 'first'): Promise<FieldRow[]> {
  const rows: FieldRow[] = [];
  const defrag = new Ipv4Defragmenter();
  await readCapture(
    createReadStream(capturePath),
    {
      onRecord(record: CaptureRecord) {
        rows.push(ourFields(decodeFrame(record, defrag), occurrence));
      },
      onWarning() {},
    },
    { fileName: capturePath },
  );
  return rows;
}

export async function checkAgainstTshark(capturePath: string, tsvPath: string, occurrence: Occurrence = 'first'): Promise<OracleResult> {
  const ours = await decodeCaptureFields(capturePath, occurrence);
  const theirs = parseTsv(readText(tsvPath, 'utf8'));
  const mismatches: OracleMismatch[] = [];
  const explained: Array<OracleMismatch & { reason: string }> = [];
  let compared = 0;
  if (ours.length !== theirs.length) {
    mismatches.push({ frame: 0, field: 'frame count', ours: String(ours.length), tshark: String(theirs.length) });
  }
  const n = Math.min(ours.length, theirs.length);
  for (let i = 0; i < n; i++) compared += compareRow(ours[i], theirs[i], i + 1, mismatches, explained);
  return { frames: ours.length, compared, mismatches, explained };
}

export function formatMismatches(m: OracleMismatch[], limit = 50): string {
  const lines = m.slice(0, limit).map((x) => `frame ${x.frame} ${x.field}: ours ${JSON.stringify(x.ours)} tshark ${JSON.stringify(x.tshark)}`);
  if (m.length > limit) lines.push(`… and ${m.length - limit} more`);
  return lines.join('\n');
}
