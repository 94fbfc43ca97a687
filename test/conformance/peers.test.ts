/**
 * ftpcap against three independent FTP analyzers on the shared real captures
 * (../shared/captures/{zeek,suricata-verify}, see its README): tshark 4.0's FTP lines, decoded
 * data-channel endpoints and data-stream links, Zeek's ftp.log/files.log, and suricata-verify's
 * eve expectations. Every fact on which ftpcap and a peer differ must be listed in KNOWN below,
 * with the reason; the test fails on a new disagreement and on a listed one that went away.
 */
import { existsSync, readdirSync, readFileSync, createReadStream } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { analyzeStream } from '../../src/analysis/pipeline.js';
import { parseYaml, readTsharkTsv, readZeekLog } from './peer-readers.js';
import { checkSuricata } from './suricata-checks.js';
import { disagreementKey, Tally, type Disagreement, type Peer } from './tally.js';
import { checkTsharkDatachan, checkTsharkFtp, checkTsharkLinks } from './tshark-checks.js';
import { checkZeekFilesLog, checkZeekFtpLog } from './zeek-checks.js';

interface Known extends Disagreement {
  reason: string;
}

/** Every deliberate disagreement between ftpcap and a peer. */
const KNOWN: Known[] = [];

/** Facts read from each peer's files and compared (fixed by the peer files, not by ftpcap). */
const FACTS: Record<Peer, number> = {
  'tshark-ftp': 0,
  'tshark-datachan': 0,
  'tshark-links': 0,
  zeek: 0,
  suricata: 0,
};

const PEERS = Object.keys(FACTS) as Peer[];

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const CAPTURES = resolve(REPO, '../shared/captures');
const SOURCES = ['zeek', 'suricata-verify'];
const haveCaptures = existsSync(CAPTURES);
if (!haveCaptures) console.log(`skipping peer conformance tests: ${CAPTURES} is absent (shared captures are not in the repository)`);

/**
 * Zeek runs made with non-default script options that change logged values; each capture is
 * compared with its one remaining ftp.log.
 */
const ZEEK_VARIANT_LOGS = [
  /\.ftp-max-arg-length\.ftp\.log$/, // FTP::max_arg_length = 17: arguments and replies cut
  /\.ftp-max-user-length\.ftp\.log$/, // FTP::max_user_length = 4: user names cut
  /\.ftp-password-pass-command-hidden\.ftp\.log$/, // the same run with passwords hidden
  /\.policy\.protocols\.ftp\.ftp\.ftp\.log$/, // same capture as ftp-multiline-reply, fewer commands logged
];

interface Capture {
  /** "zeek/ipv4" */
  id: string;
  dir: string;
  base: string;
}

function listCaptures(): Capture[] {
  return SOURCES.flatMap((source) =>
    readdirSync(join(CAPTURES, source))
      .filter((f) => f.endsWith('.pcap'))
      .sort()
      .map((f) => ({ id: `${source}/${f.slice(0, -'.pcap'.length)}`, dir: join(CAPTURES, source), base: f.slice(0, -'.pcap'.length) })),
  );
}

function peerFiles(c: Capture, suffix: string): string[] {
  return readdirSync(c.dir)
    .filter((f) => f.startsWith(`${c.base}.`) && f.endsWith(suffix))
    .sort()
    .map((f) => join(c.dir, f));
}

function zeekFtpLog(c: Capture): string | null {
  const logs = peerFiles(c, '.ftp.log').filter((f) => !ZEEK_VARIANT_LOGS.some((re) => re.test(f)));
  if (logs.length > 1) throw new Error(`${c.id}: several base Zeek ftp.logs, choose one: ${logs.join(', ')}`);
  return logs[0] ?? null;
}

async function compareCapture(c: Capture): Promise<Tally[]> {
  const pcap = join(c.dir, `${c.base}.pcap`);
  const a = await analyzeStream(createReadStream(pcap), { fileName: pcap, showPasswords: true });
  const file = (suffix: string) => join(c.dir, `${c.base}${suffix}`);
  const tallies = [
    checkTsharkFtp(c.id, a, readTsharkTsv(file('.tshark-ftp.tsv'))),
    checkTsharkDatachan(c.id, a, readTsharkTsv(file('.tshark-ftp-datachan.tsv'))),
    checkTsharkLinks(c.id, a, readTsharkTsv(file('.tshark-ftp-data-streams.tsv'))),
  ];
  const zeek = new Tally(c.id, 'zeek');
  const ftpLog = zeekFtpLog(c);
  if (ftpLog !== null) checkZeekFtpLog(c.id, a, readZeekLog(ftpLog), zeek);
  for (const log of peerFiles(c, '.files.log')) checkZeekFilesLog(c.id, a, readZeekLog(log), zeek);
  tallies.push(zeek);
  for (const yaml of peerFiles(c, '.test.yaml')) {
    const name = yaml.slice(yaml.indexOf('.suricata.') + '.suricata.'.length, -'.test.yaml'.length);
    tallies.push(checkSuricata(c.id, a, name, parseYaml(readFileSync(yaml, 'utf8'))));
  }
  return tallies;
}

describe.skipIf(!haveCaptures)('ftpcap against tshark, Zeek and Suricata on the shared captures', () => {
  const tallies: Tally[] = [];

  beforeAll(async () => {
    for (const c of listCaptures()) tallies.push(...(await compareCapture(c)));
  });

  it('reads every capture and the peer files next to it', () => {
    const ids = listCaptures().map((c) => c.id);
    expect(ids.length).toBe(21);
    expect(new Set(tallies.map((t) => t.capture))).toEqual(new Set(ids));
  });

  it.each(PEERS)('%s: the disagreements are exactly the known ones', (peer) => {
    const observed = tallies
      .filter((t) => t.peer === peer)
      .flatMap((t) => t.disagreements)
      .map(disagreementKey)
      .sort();
    const known = KNOWN.filter((k) => k.peer === peer)
      .map(disagreementKey)
      .sort();
    expect(observed).toEqual(known);
  });

  it('compares a fixed number of facts with each peer', () => {
    const counts = Object.fromEntries(PEERS.map((p) => [p, tallies.filter((t) => t.peer === p).reduce((n, t) => n + t.facts, 0)]));
    expect(counts).toEqual(FACTS);
  });

  it('lists every known disagreement once, with a reason', () => {
    const keys = KNOWN.map(disagreementKey);
    expect(new Set(keys).size).toBe(keys.length);
    for (const k of KNOWN) expect(k.reason.length, disagreementKey(k)).toBeGreaterThan(20);
  });
});
