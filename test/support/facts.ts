/**
 * The ground truth fixtures/record.sh writes beside every capture (NAME.facts.json): one type and
 * one loader for every test that reads it.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

export const FIXTURES = resolve(__dirname, '../../fixtures');

/**
 * The REST offset of one attempt at a file the client resumed, when the recorder wrote one file fact
 * per attempt (record.sh a58_attempt_facts: "attempt 2 of 3: from offset 47784 (REST 47784; …"): that
 * attempt's transfer is the one with this offset; null for a file fact of a single transfer.
 */
export const attemptOffset = (f: FileFact): number | null => {
  const m = /^attempt \d+ of \d+: from offset (\d+)\b/.exec(f.note ?? '');
  return m === null ? null : Number(m[1]);
};

export interface FileFact {
  op: string;
  path: string;
  /** Size and sha256 of the original file on disk. */
  size?: number;
  sha256?: string;
  /** What the client saved; null when the script expected the transfer to fail. */
  received?: { size: number; sha256: string } | null;
  /** False when the client saved only part of the file (an aborted transfer). */
  received_matches?: boolean;
  /** The script's note (e.g. a resumed download: "REST 1000", the sizes are of the part that moved). */
  note?: string;
}

export interface Facts {
  name: string;
  /** `killed`: the recorder killed the client (kill -9) during a transfer (`mid-upload`). */
  client: { address: string; killed?: string };
  server: { address: string; port: number };
  capture: {
    file: string;
    packets: number;
    format?: string;
    gzip?: boolean;
    timestamp_precision?: string;
    /** A capture filter that kept only part of the traffic (port 21 only, or data segments dropped on purpose). */
    filter?: string;
    /** Data bytes the capture lacks by that filter's design. */
    data_bytes_missing?: number;
    /** The capture point sees only the control connections (an FXP copy's client side: its data runs between the two servers). */
    control_only?: string;
    /** The capture began during a transfer. */
    starts_midstream?: boolean;
    /** The file whose transfer was running when the capture began (the others came after it). */
    midstream_file?: string;
    /** The capture holds one direction only: the packets this side sent (tcpdump -Q). */
    one_way?: 'client' | 'server';
    /** The capture was stopped while a transfer was still running. */
    stopped_early?: boolean;
    /** It was stopped before the transfer's command: the file's transfer is not in the capture at all. */
    stopped_before_transfer?: boolean;
    /** The BPF filter that made tcpdump -c land on the same packet every run (it kept the session's packets). */
    count_filter?: string;
    /** tcpdump -s: each packet's bytes past it are not in the capture. */
    snaplen?: number;
    /** tcpdump -i any on a router: every packet is in the capture twice (tshark counts both). */
    every_packet_twice?: boolean;
    /** The network namespace tcpdump ran in (record.sh): "client", "server", "router". */
    namespace?: string;
  };

  files?: FileFact[];
  /** TYPE A converted at both ends (ascii-vsftpd-python): the file's size and lines, the data bytes on the wire. */
  /** TYPE A recordings: the file's size and lines, the wire's bytes; or, for several text files, each one's lines by path. */
  ascii?: { file_size?: number; lines?: number; wire_bytes_retr?: number; wire_bytes_stor?: number; lines_of?: Record<string, number> };
  /** Set for FTPS fixtures: everything after the 234 is encrypted (until CCC, when it says so). */
  tls?: string;
}

let listed: string[] | null = null;
/** The fixtures folder's file names, listed once per worker (it holds thousands; no test adds to it). */
export function fixtureFiles(): string[] {
  return (listed ??= existsSync(FIXTURES) ? readdirSync(FIXTURES).sort() : []);
}

/** A fixture's capture by its name: NAME.pcap, NAME.pcapng or NAME.pcap.gz. */
export function capturePath(name: string): string {
  const file = fixtureFiles().find((f) => f.startsWith(`${name}.pcap`));
  if (file === undefined) throw new Error(`no capture for ${name}`);
  return join(FIXTURES, file);
}

/** Every fixture's facts, in file-name order (none when fixtures/ is absent). */
export function listFacts(): Facts[] {
  return fixtureFiles()
    .filter((f) => f.endsWith('.facts.json'))
    .map((f) => JSON.parse(readFileSync(join(FIXTURES, f), 'utf8')) as Facts);
}
