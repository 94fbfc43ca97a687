/**
 * The TLS part of a dump box: each record that ends in the frame with its header fields (tshark's
 * tls.record.* names, so the dump can be held against tshark) and the handshake messages that begin
 * in it. What only decryption showed — a TLS 1.3 record's real content type, its handshake
 * messages, the application data — is marked derived. The records come from the analysis's own
 * TLS reading (analysis/tls-records.ts).
 */
import type { FrameTlsRecord } from '../analysis/tls-records.js';
import { handshakeTypeName } from '../tls/handshake.js';
import { CONTENT_TYPE, contentTypeName } from '../tls/suites.js';
import { hexValue, type DumpLine } from './dump-fields.js';


function typeText(t: number): string {
  return `${contentTypeName(t)} (${t})`;
}

/** One record's lines: header, then what decryption (or the clear handshake) showed. */
function recordLines(r: FrameTlsRecord, n: number): DumpLine[] {
  // The record layer's version field (TLS 1.3 leaves it at 0x0303): the hex is what the header says.
  const head = `version ${hexValue(r.version, 16)}, ${r.length} byte${r.length === 1 ? '' : 's'}`;
  const out: DumpLine[] = [];
  if (r.outerOnly) {
    out.push({
      level: 1,
      label: `Record ${n}`,
      text: `opaque type ${r.type}, ${head}`,
      fields: [
        { tshark: 'tls.record.opaque_type', value: r.type },
        { tshark: 'tls.record.version', value: r.version },
        { tshark: 'tls.record.length', value: r.length },
      ],
    });
    if (r.innerType !== null) {
      out.push({ level: 2, text: `decrypted: ${typeText(r.innerType)}`, derivedLine: true, fields: [{ tshark: 'tls.record.content_type', value: r.innerType }] });
    } else {
      out.push({ level: 2, text: 'encrypted: TLS 1.3 hides the real type inside' });
    }
  } else {
    out.push({
      level: 1,
      label: `Record ${n}`,
      text: `${typeText(r.type)}, ${head}`,
      fields: [
        { tshark: 'tls.record.content_type', value: r.type },
        { tshark: 'tls.record.version', value: r.version },
        { tshark: 'tls.record.length', value: r.length },
      ],
    });
  }
  for (const t of r.handshakeTypes) {
    out.push({ level: 2, text: `${r.decrypted ? 'decrypted ' : ''}handshake: ${handshakeTypeName(t)} (${t})`, derivedLine: r.decrypted, fields: [{ tshark: 'tls.handshake.type', value: t }] });
  }
  if (r.plain !== null) out.push({ level: 2, text: `decrypted: ${r.plain.length} bytes of application data`, derivedLine: true });
  return out;
}

/** The records ending in this frame; `where` names the connection. */
export function tlsRecordLines(records: readonly FrameTlsRecord[], where: string): DumpLine[] {
  const out: DumpLine[] = [{ level: 0, text: `TLS - Transport Layer Security (${where})` }];
  records.forEach((r, i) => out.push(...recordLines(r, i + 1)));
  return out;
}

/** Application data the records of a frame carried, decrypted, in order; null when none was. */
export function decryptedText(records: readonly FrameTlsRecord[]): { bytes: Uint8Array; length: number } | null {
  const parts = records.flatMap((r) => (r.plain === null ? [] : [r.plain]));
  if (parts.length === 0) return null;
  return { bytes: Buffer.concat(parts.map((p) => p.bytes)), length: parts.reduce((n, p) => n + p.length, 0) };
}

/** Bytes of the records that stayed encrypted (no key, or a key that failed). */
export function encryptedBytes(records: readonly FrameTlsRecord[]): number {
  return records.filter((r) => !r.decrypted && (r.outerOnly || r.type === CONTENT_TYPE.appData)).reduce((n, r) => n + r.length, 0);
}
