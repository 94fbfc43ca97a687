/**
 * One analysis and one packet trace per fixture, shared by the teaching tests of a file (each
 * fixture is read twice, once for each, as the CLI does). Every frame that belongs to a traced
 * connection is kept for the dump; `allFrames` keeps every frame of the capture.
 */
import { createReadStream } from 'node:fs';
import { resolve } from 'node:path';
import { analyzeStream } from '../../src/analysis/pipeline.js';
import type { Analysis } from '../../src/analysis/model.js';
import { traceConnections, tracePackets, type PacketTrace } from '../../src/analysis/packet-trace.js';
import { buildLadder, type SessionLadder } from '../../src/analysis/ladder.js';
import { readTsharkTsv, type TsvRow } from '../conformance/peer-readers.js';
import { existing } from '../support/read-text.js';

export const FIXTURES_DIR = resolve(__dirname, '../../fixtures');

/** The recorded fixtures the teaching output is checked on (file names). */
export const TEACH_FIXTURES = [
  'abort-vsftpd-lftp.pcap',
  'active-vsftpd-ftp.pcap',
  'bounce-allowed-vsftpd-python.pcap',
  'bounce-refused-vsftpd-python.pcap',
  'fail-active-drop-vsftpd-ftp.pcap',
  'fail-active-reject-vsftpd-ftp.pcap',
  'fail-login-vsftpd-curl.pcap',
  'fail-passive-drop-vsftpd-curl.pcap',
  'fail-passive-reject-icmp-proftpd-curl.pcap',
  'fail-passive-reject-rst-proftpd-curl.pcap',
  'fail-pasv-address-vsftpd-lftp.pcap',
  'fail-retr-missing-vsftpd-curl.pcap',
  'ipv6-eprt-vsftpd-curl.pcap',
  'ipv6-epsv-proftpd-lftp.pcapng',
  'large-lossy-vsftpd-lftp.pcap.gz',
  'nano-epsv-vsftpd-curl.pcap',
  'nat-active-helper-vsftpd-ftp.pcap',
  'nat-active-nohelper-vsftpd-ftp.pcap',
  'offload-on-passive-vsftpd-curl.pcap',
  'passive-proftpd-curl.pcapng',
  'passive-vsftpd-lftp.pcap',
  'pasv-address-ignored-vsftpd-curl.pcap',
  'qinq-passive-proftpd-curl.pcap',
  'server-side-passive-proftpd-lftp.pcap',
  'sll-eprt4-proftpd-curl.pcap',
  'sll2-passive-vsftpd-lftp.pcap',
  'tls-vsftpd-lftp.pcap',
  'vlan-passive-vsftpd-lftp.pcap',
] as const;

/** "active-vsftpd-ftp" for "active-vsftpd-ftp.pcap". */
export function baseName(file: string): string {
  return file.replace(/\.pcap(ng)?(\.gz)?$/, '');
}

export interface Loaded {
  file: string;
  analysis: Analysis;
  trace: PacketTrace;
  ladders: SessionLadder[];
}

const cache = new Map<string, Promise<Loaded>>();

/** Analysis, trace (all roles; frames kept as asked) and ladders of one fixture. */
export function load(file: string, keep: 'connections' | 'all' | 'none' = 'none'): Promise<Loaded> {
  const key = `${file}|${keep}`;
  let p = cache.get(key);
  if (p === undefined) {
    p = (async () => {
      const path = resolve(FIXTURES_DIR, file);
      const shown = `fixtures/${file}`;
      const analysis = await analyzeStream(createReadStream(path), { fileName: shown });
      const trace = await tracePackets(createReadStream(path), traceConnections(analysis), {
        fileName: shown,
        limits: analysis.limits,
        keep: keep === 'none' ? undefined : keep === 'all' ? () => true : (_f, c) => c !== null,
      });
      return { file, analysis, trace, ladders: analysis.sessions.map((s) => buildLadder(s, trace)) };
    })();
    cache.set(key, p);
  }
  return p;
}

/** tshark's per-frame header fields (scripts/tshark-fields.sh), by frame number. */
export function tsharkFields(file: string): Map<number, TsvRow> {
  const rows = readTsharkTsv(resolve(FIXTURES_DIR, `${baseName(file)}.tshark-fields.tsv`));
  return new Map(rows.map((r) => [Number(r['frame.number']), r]));
}

export function tsharkTsv(file: string, view: 'ftp' | 'datachan' | 'streams'): TsvRow[] {
  return readTsharkTsv(resolve(FIXTURES_DIR, `${baseName(file)}.tshark-${view}.tsv`));
}

export function hasTsharkView(file: string, view: string): boolean {
  return existing(resolve(FIXTURES_DIR, `${baseName(file)}.tshark-${view}.tsv`)) !== null;
}
