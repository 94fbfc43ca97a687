/**
 * The dump's TLS lines held against tshark with the same key log: for every frame tshark shows
 * TLS records in (NAME.tshark-tls-records.tsv, scripts/tshark-tls-records.sh), the records the
 * dump lists end in that frame with the same content types (the inner type, once a TLS 1.3 record
 * is decrypted), opaque types, versions, lengths and handshake message types, in the same order.
 * And through the CLI on one keyed capture: the record header, then the decrypted FTP text marked
 * derived; without keys, the same header and "cannot be read".
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { analyzeFiles } from '../../src/analysis/pipeline.js';
import { TlsRecordCollector } from '../../src/analysis/tls-records.js';
import { tlsRecordLines } from '../../src/render/dump-tls.js';
import { TlsKeyLog } from '../../src/tls/keylog.js';
import { runCli } from '../cli/run-cli.js';
import { FIXTURES_DIR } from './load.js';

const VIEW = /\.tshark-tls-records\.tsv(\.gz)?$/;
const KEYED = readdirSync(FIXTURES_DIR)
  .filter((f) => VIEW.test(f))
  .map((f) => f.replace(VIEW, ''))
  .sort();

function captureOf(name: string): string {
  for (const ext of ['pcap', 'pcapng', 'pcap.gz']) if (existsSync(join(FIXTURES_DIR, `${name}.${ext}`))) return join(FIXTURES_DIR, `${name}.${ext}`);
  throw new Error(`no capture for ${name}`);
}

function view(name: string): Array<Record<string, string>> {
  const plain = join(FIXTURES_DIR, `${name}.tshark-tls-records.tsv`);
  const text = (existsSync(plain) ? readFileSync(plain) : gunzipSync(readFileSync(`${plain}.gz`))).toString('latin1');
  const [head, ...rows] = text.replace(/\n$/, '').split('\n');
  const names = head.split('\t');
  return rows.map((r) => Object.fromEntries(r.split('\t').map((v, i) => [names[i], v])));
}

/** tshark's per-frame TSV view of a fixture (NAME.tshark-VIEW.tsv), rows by column name. */
function tsvView(name: string, which: string): Array<Record<string, string>> {
  const plain = join(FIXTURES_DIR, `${name}.tshark-${which}.tsv`);
  const text = (existsSync(plain) ? readFileSync(plain) : gunzipSync(readFileSync(`${plain}.gz`))).toString('latin1');
  const [head, ...rows] = text.replace(/\n$/, '').split('\n');
  const names = head.split('\t');
  return rows.map((r) => Object.fromEntries(r.split('\t').map((v, i) => [names[i], v])));
}

/**
 * Each tcp.stream's first RST frame (tshark's fields and streams views). ftpcap's reassembler ends
 * a connection at its first reset: a packet after it is "late", counted to the connection but not
 * read (SegmentFacts 'late'), since the host that reset had no connection left to take it; tshark
 * still decodes its records (vsftpd writing its 426, an alert and "500 OOPS" to a client already gone).
 */
function firstResets(name: string): Map<number, number> {
  const streams = tsvView(name, 'streams');
  const byPorts = new Map<string, number>();
  for (const r of streams) {
    byPorts.set(`${r.src}:${r.srcport}>${r.dst}:${r.dstport}`, Number(r.stream));
    byPorts.set(`${r.dst}:${r.dstport}>${r.src}:${r.srcport}`, Number(r.stream));
  }
  const out = new Map<number, number>();
  for (const r of tsvView(name, 'fields')) {
    if (r['tcp.flags'] === '' || (parseInt(r['tcp.flags'], 16) & 0x04) === 0) continue;
    const src = r['ip.src'] || r['ipv6.src'];
    const dst = r['ip.dst'] || r['ipv6.dst'];
    const stream = byPorts.get(`${src}:${r['tcp.srcport']}>${dst}:${r['tcp.dstport']}`);
    if (stream !== undefined && !out.has(stream)) out.set(stream, Number(r['frame.number']));
  }
  return out;
}

const FIELDS = ['tls.record.content_type', 'tls.record.opaque_type', 'tls.record.version', 'tls.record.length', 'tls.handshake.type'];

/** tshark's comma list as numbers ("0x0303" read as hex). */
const numbers = (v: string): number[] => (v === '' ? [] : v.split(',').map((x) => (x.startsWith('0x') ? parseInt(x, 16) : Number(x))));

describe('dump TLS record fields equal tshark', () => {
  it('has keyed fixtures with a record view', () => {
    expect(KEYED.length).toBeGreaterThanOrEqual(10);
  });

  it.each(KEYED)('%s', async (name) => {
    const keys = new TlsKeyLog();
    keys.addText(readFileSync(join(FIXTURES_DIR, `${name}.keys`), 'latin1'));
    const tls = new TlsRecordCollector(() => true);
    await analyzeFiles([captureOf(name)], { fileName: name, tlsKeyLog: keys, onTlsRecord: tls.onRecord, thread: false });
    const mismatches: string[] = [];
    let records = 0;
    const resets = firstResets(name);
    for (const row of view(name)) {
      const frame = Number(row['frame.number']);
      const reset = resets.get(Number(row['tcp.stream']));
      if (reset !== undefined && frame > reset) continue;
      const ours = (tls.byFrame.get(frame) ?? []).filter((r) => r.stream === Number(row['tcp.stream']));
      const shown = new Map<string, number[]>(FIELDS.map((f) => [f, []]));
      for (const l of tlsRecordLines(ours, '')) for (const f of l.fields ?? []) shown.get(f.tshark)?.push(f.value as number);
      for (const f of FIELDS) {
        const want = numbers(row[f]);
        if (JSON.stringify(shown.get(f)) !== JSON.stringify(want)) mismatches.push(`frame ${frame} ${f}: dump ${shown.get(f)?.join(',')}, tshark ${row[f]}`);
      }
      records += numbers(row['tls.record.length']).length;
    }
    expect(mismatches.slice(0, 20)).toEqual([]);
    expect(records).toBeGreaterThan(0);
  });
});

describe('dump --frame on a keyed FTPS capture', () => {
  const cap = 'fixtures/ftps-tls13-proftpd-lftp.pcap';
  const keys = 'fixtures/ftps-tls13-proftpd-lftp.keys';
  // tshark -o tls.keylog_file:KEYS: frame 63 ends one record, opaque type 23, 31 bytes, inner type 23, "USER ftpuser".
  it('shows the record header, then the decrypted command marked derived', async () => {
    const r = await runCli(['dump', '--tls-keylog', keys, '--frame', '63', cap]);
    expect(r.code).toBe(0);
    const box = r.stdout.split('\n').map((l) => l.slice(2, -2).trimEnd());
    expect(box).toContain('  Record 1:              opaque type 23, version 0x0303, 31 bytes');
    expect(box).toContain('                         [derived] decrypted: Application Data (23)');
    expect(box).toContain('  Line 1:                [derived] USER ftpuser<CR><LF>');
    expect(r.stdout).not.toContain('cannot be read');
  });

  it('with the secrets a pcapng carries (editcap --inject-secrets): decrypted without --tls-keylog', async () => {
    // tshark -o tls.keylog_file:fixtures/tls-data-vsftpd-lftp.keys: frame 39 ends one record of 31 bytes, PASS.
    const r = await runCli(['dump', '--frame', '39', 'fixtures/tls-data-vsftpd-lftp-secrets.pcapng']);
    const box = r.stdout.split('\n').map((l) => l.slice(2, -2).trimEnd());
    expect(box).toContain('  Record 1:              opaque type 23, version 0x0303, 31 bytes');
    expect(box).toContain('  Line 1:                [derived] PASS ****<CR><LF>');
  });

  it('without keys: the same header, and the bytes cannot be read', async () => {
    const r = await runCli(['dump', '--frame', '63', cap]);
    const box = r.stdout.split('\n').map((l) => l.slice(2, -2).trimEnd());
    expect(box).toContain('  Record 1:              opaque type 23, version 0x0303, 31 bytes');
    expect(box.some((l) => l.startsWith('  Encrypted:             31 bytes that cannot be read without'))).toBe(true);
    expect(r.stdout).not.toContain('USER');
  });
});
