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

const WIRESHARK_PORT_20 =
  'Wireshark keys an active-mode data conversation on server port 20 (RFC 959 default); this NetBSD server ' +
  'connected from ephemeral ports (61920, 61918) to the announced client port, which ftpcap matches';
const WIRESHARK_EPRT =
  "Wireshark's EPRT conversation (packet-ftp.c) pairs the client's own address with the announced one, both " +
  "the client's, so an EPRT data connection is never linked; ftpcap matches the announced endpoint";
const ZEEK_STALE_CODE =
  'Zeek writes a command when the next one arrives, with the last reply code it holds then; ';

/**
 * Every deliberate disagreement between ftpcap and a peer, with its reason. Several captures
 * come from test generators (Zeek's py.fake server, suricata-verify's crafted sessions), not
 * from real FTP software.
 */
const KNOWN: Known[] = [
  // tshark: Wireshark dissects each TCP segment alone and only its first line.
  {
    capture: 'suricata-verify/ftp-too-long-command-buffered',
    peer: 'tshark-ftp',
    what: 'request rows 26–110 (43)',
    ftpcap: 'RETR AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA…(8192 chars)@42',
    peerValue: 'RETR AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA…(81 chars)@26 … Z@110',
    reason:
      'crafted 8 KB+ RETR line over 43 segments: Wireshark does not reassemble FTP lines and shows every segment as a ' +
      'new "request"; ftpcap keeps one RETR, cut at its 8192-byte line bound in frame 42 (where Command.frame points)',
  },
  {
    capture: 'suricata-verify/ftp-too-long-response',
    peer: 'tshark-ftp',
    what: 'response rows 42–246 (103)',
    ftpcap: 'nothing',
    peerValue: 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA…(1024 chars)@42 … A@246',
    reason:
      'crafted 112 KB 227 line: ftpcap cuts it at 8192 bytes (frame 40) and skips the rest of the line, so its ' +
      'reply spans frames 24–40; Wireshark shows each later segment as a continuation line',
  },
  // tshark data-channel endpoints
  // tshark data-stream links
  {
    capture: 'zeek/ipv4',
    peer: 'tshark-links',
    what: 'ftpcap-only link: data stream 3',
    ftpcap: 'PORT@57 → LIST@59',
    peerValue: 'not linked',
    reason: WIRESHARK_PORT_20,
  },
  {
    capture: 'zeek/ipv4',
    peer: 'tshark-links',
    what: 'ftpcap-only link: data stream 4',
    ftpcap: 'PORT@75 → RETR@77',
    peerValue: 'not linked',
    reason: WIRESHARK_PORT_20,
  },
  {
    capture: 'zeek/ipv6',
    peer: 'tshark-links',
    what: 'ftpcap-only link: data stream 4',
    ftpcap: 'EPRT@90 → RETR@93',
    peerValue: 'not linked',
    reason: WIRESHARK_EPRT,
  },
  {
    capture: 'zeek/ipv6',
    peer: 'tshark-links',
    what: 'ftpcap-only link: data stream 5',
    ftpcap: 'EPRT@113 → LIST@116',
    peerValue: 'not linked',
    reason: WIRESHARK_EPRT,
  },
  {
    capture: 'zeek/retr',
    peer: 'tshark-links',
    what: 'data stream 1: command frame',
    ftpcap: '35',
    peerValue: '29',
    reason:
      'Wireshark 4.0 gives the data conversation the first request after the 229 (SIZE at 29); the data ' +
      'connection carries the reply to RETR /README at 35 (150 at 36, 226 at 59), which ftpcap links',
  },
  {
    capture: 'zeek/retr',
    peer: 'tshark-links',
    what: 'data stream 1: command',
    ftpcap: 'RETR /README',
    peerValue: 'SIZE /README',
    reason: 'same link as the row above: Wireshark 4.0 takes the first request after the 229, SIZE, not the RETR',
  },
  // Zeek ftp.log
  {
    capture: 'zeek/fake-long-commands',
    peer: 'zeek',
    what: 'ftp.log row 2 SYST: reply code',
    ftpcap: '215',
    peerValue: '200',
    reason:
      `${ZEEK_STALE_CODE}the generator's next command TYPEEE… (132 chars) exceeds FTP::max_command_length, Zeek ` +
      'drops it, and its 200 reply overwrites SYST\'s 215 (tshark: SYST 14 → 215 at 16)',
  },
  {
    capture: 'zeek/fake-long-commands',
    peer: 'zeek',
    what: 'ftp.log row 3 PASV: reply code',
    ftpcap: '227',
    peerValue: '215',
    reason: `${ZEEK_STALE_CODE}the dropped SYSTTT… command's 215 overwrites PASV's 227 (tshark: PASV 22 → 227 at 24)`,
  },
  {
    capture: 'zeek/fake-server-delays-all',
    peer: 'zeek',
    what: 'ftp.log row 1 USER: password',
    ftpcap: 'none',
    peerValue: 'anonymous@zeek.org',
    reason:
      "Zeek's password column is the session's state when the record is written; all commands came before any " +
      'reply, so PASS was already seen when USER was logged (ftpcap compares the PASS sent before USER: none)',
  },
  {
    capture: 'zeek/ftp-invalid-reply-code',
    peer: 'zeek',
    what: 'ftp.log row 3 PASV: reply code',
    ftpcap: '0',
    peerValue: '230',
    reason:
      `${ZEEK_STALE_CODE}the generator's reply "99 PASV invalid" has no 3-digit code (tshark: no code either), ` +
      'which Zeek skips, so PASV keeps PASS\'s 230; ftpcap records the line as a malformed reply, code 0',
  },
  {
    capture: 'zeek/ftp-missing-reply-code',
    peer: 'zeek',
    what: 'ftp.log row 3 SYST: reply code',
    ftpcap: '0',
    peerValue: '230',
    reason:
      `${ZEEK_STALE_CODE}the generator's reply "SYST not supported" has no code, which Zeek skips, so SYST keeps ` +
      "PASS's 230; ftpcap records a malformed reply, code 0",
  },
  {
    capture: 'zeek/ipv6-multiline-reply',
    peer: 'zeek',
    what: 'ftp.log row 5 RETR: reply code',
    ftpcap: '550',
    peerValue: '221',
    reason:
      `${ZEEK_STALE_CODE}RETR (43) was answered 550 at 44 (tshark agrees), then the server closed with an ` +
      'unsolicited 221 at 47 before Zeek wrote the RETR record at connection end',
  },
];

/** Facts read from each peer's files and compared (fixed by the peer files, not by ftpcap). */
const FACTS: Record<Peer, number> = {
  'tshark-ftp': 844,
  'tshark-datachan': 148,
  'tshark-links': 108,
  zeek: 333,
  suricata: 23,
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
