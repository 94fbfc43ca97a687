/**
 * The sixty-first verdict audit, on real recordings (fixtures/record.sh, "Sixty-first verdict audit"):
 * situations engineers' captures hold that no fixture covered.
 *
 * a61-tiny-quit-early-{vsftpd,proftpd,pureftpd,pyftpdlib}-python: Python's ftplib, one session of 0-
 * and 1-byte files both ways, passive then active (each data connection opens and closes with 0 or 1
 * byte), then a download read to its end and QUIT sent at once, before its 226; a second session sends
 * a 65536-byte upload, closes its data connection and, at once, its control connection (no QUIT, no
 * reply read); a third does the same after a download. The servers answer the early-closed upload four
 * ways: vsftpd 226 (kept the file whole), pure-ftpd 451 (kept it whole), proftpd 426 (kept nothing),
 * pyftpdlib no reply and a reset of the data connection it had not read (kept nothing). Before this
 * audit the three failures read "aborted by the server" with the advice "The server dropped the
 * transfer: check its log and disk space" (pure-ftpd's: "the server hit a local error: look in the
 * server's log (disk, permissions, quota)"), though the client's FIN on the control connection comes
 * before each server's end: the client left, and the server ended the transfer for it.
 *
 * a61-double-nat-*: tnftp in active mode through two NATs in a row (a home router behind a carrier's
 * NAT). With both FTP helpers the PORT is rewritten twice and every transfer completes (captured
 * between the routers and at the server); with the helper only on the inner NAT the server is told the
 * inner NAT's outside address, its SYNs there are dropped by the outer NAT: 425; then passive works
 * (captured at the client and at the server).
 *
 * a61-squid-*: curl through squid 5.7 as an FTP gateway (captured on squid's server side, where squid
 * is the FTP client): healthy; then with the server's passive range dropped:
 * squid's EPSV and then PASV data connections never connect, it gives up (HTTP 502).
 *
 * a61-wget-tree-one-denied-one-cut-vsftpd: wget -r of a tree, one file unreadable (550), one cut by
 * the router after 60 kB of each data connection and resumed (REST) until whole on the third try.
 * Before this audit diagnose said the second attempt had moved "56472 bytes of 150000 announced", while
 * the verdict (explain, transfers) said 56,472 of the 93,528 left after its REST.
 *
 * a61-ctrl-drop-stor-vsftpd-curl: a router that starts dropping the control connection 1.5 s into a
 * STOR (a rule, not an idle timeout): the upload arrives whole, the 226 never reaches the client.
 * Before this audit the client-side diagnosis said the control connection "had been idle for 12 s ...
 * while the data connection ran" (the data ran 2.7 s; the rest was curl waiting for the reply) and that
 * a device "forgot it (its idle timeout)", a guess the capture cannot make.
 *
 * a61-mirror-one-denied-one-dropped-vsftpd-lftp: lftp mirror --parallel=2, one file refused (550), one
 * whose data the router drops past 60 kB of each connection: mirror resumes it (REST) in whichever
 * session is free, the second attempt in the session already open beside the first. Before this audit
 * that first attempt named no later attempt (a session already running was never taken for a retry),
 * while the two after it did.
 *
 * Frames are tshark's (NAME.tshark-*.tsv), sizes and sha256 the recorder's (NAME.facts.json).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../cli/run-cli.js';
import { analyze, dataStreams, extractedFiles, facts, flat, ftpRows, nothingFailed, ourRows, outputs, path, reportPage, transfer, transferRows, tsv } from './audit-fixtures.js';
import type { Analysis } from '../../src/analysis/model.js';
import { analyzeFiles } from '../../src/analysis/pipeline.js';
import { filterPcap } from '../support/pcap-edit.js';

const tmp = mkdtempSync(join(tmpdir(), 'ftpcap-audit61-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/**
 * Each transfer's announcement and command frames are tshark's (its ftp-data view). tshark names the
 * first command after the announcement: a resume's REST, curl's TYPE I sent between its PASV and STOR.
 */
function sameAsTshark(name: string, a: Analysis): void {
  const ds = dataStreams(name);
  const rests = new Map(tsv(name, 'data-streams').map((r) => [r['tcp.stream'], r['ftp-data.command']]));
  let seen = 0;
  for (const t of a.sessions.flatMap((s) => s.transfers)) {
    const row = t.connection ? ds[String(t.connection.stream)] : undefined;
    if (!row) continue;
    seen++;
    const named = rests.get(String(t.connection!.stream))!;
    if (/^(REST|TYPE) /.test(named)) expect([t.announce!.frame, row[1] < t.request!.frame, row[1] > row[0]]).toEqual([row[0], true, true]);
    else expect([named.split(' ')[0], t.announce!.frame, t.request!.frame]).toEqual([t.request!.command, ...row]);
  }
  expect(seen).toBe(ds ? Object.keys(ds).length : 0);
}

/** The control streams of each session, in order (tshark's tcp.stream of its 220). */
const controlStreams = (name: string): string[] => tsv(name, 'ftp').filter((r) => r['ftp.response.code'] === '220').map((r) => r['tcp.stream']);

/**
 * eve's verdicts: "session.transfer" → [verdict, cause], from every event that names a transfer (its
 * ftp_data flow, and its PORT/PASV and command's ftp events), which must all agree.
 */
async function eveVerdicts(name: string): Promise<Record<string, [string, string | null]>> {
  const out = (await runCli(['logs', '--format', 'eve', path(name)])).stdout;
  const events = out.trim().split('\n').map((l) => JSON.parse(l)).filter((e) => e.ftpcap?.transfer !== undefined);
  const by: Record<string, [string, string | null]> = {};
  for (const e of events) {
    const id = `${e.ftpcap.session}.${e.ftpcap.transfer}`;
    const v: [string, string | null] = [e.ftpcap.verdict, e.ftpcap.cause];
    if (by[id]) expect(v).toEqual(by[id]);
    by[id] = v;
  }
  return by;
}

/** Zeek's ftpcap_data.log rows: "session.transfer" → [verdict, detail, cause]. */
async function zeekVerdicts(name: string): Promise<Record<string, string[]>> {
  const out = (await runCli(['logs', path(name)])).stdout;
  const lines = out.split('\n');
  const at = lines.findIndex((l) => l.startsWith('#fields') && l.includes('ftpcap_verdict'));
  const fields = lines[at].split('\t').slice(1);
  const rows = lines.slice(at + 1).filter((l) => l && !l.startsWith('#')).map((l) => Object.fromEntries(l.split('\t').map((v, i) => [fields[i], v])));
  return Object.fromEntries(rows.map((r) => [`${r.ftpcap_session}.${r.ftpcap_transfer}`, [r.ftpcap_verdict, r.ftpcap_detail, r.ftpcap_cause]]));
}

// ---------------------------------------------------------------------------------------------------
// 0- and 1-byte files; QUIT before a download's 226; the control connection closed before an upload's
// ---------------------------------------------------------------------------------------------------
const TINY_SESSION_1 = (f: number[]): unknown[][] => [
  ['1.1', 'PASV', f[0], 'RETR a61-empty.bin', f[1], 1, 0, 226, f[2], 'completed'],
  ['1.2', 'PASV', f[3], 'STOR up-passive-a61-empty.bin', f[4], 2, 0, 226, f[5], 'completed'],
  ['1.3', 'PASV', f[6], 'RETR a61-one.bin', f[7], 3, 1, 226, f[8], 'completed'],
  ['1.4', 'PASV', f[9], 'STOR up-passive-a61-one.bin', f[10], 4, 1, 226, f[11], 'completed'],
  ['1.5', 'PORT', f[12], 'RETR a61-empty.bin', f[13], 5, 0, 226, f[14], 'completed'],
  ['1.6', 'PORT', f[15], 'STOR up-active-a61-empty.bin', f[16], 6, 0, 226, f[17], 'completed'],
  ['1.7', 'PORT', f[18], 'RETR a61-one.bin', f[19], 7, 1, 226, f[20], 'completed'],
  ['1.8', 'PORT', f[21], 'STOR up-active-a61-one.bin', f[22], 8, 1, 226, f[23], 'completed'],
  ['1.9', 'PASV', f[24], 'RETR small.bin', f[25], 9, 3000, 226, f[26], 'completed'],
];

interface Tiny {
  server: string;
  /** Session 1's announcement, command and final-reply frames, transfer by transfer. */
  s1: number[];
  /** RETR small.bin's QUIT, the 226 after it, the 221. */
  quit: [number, number, number];
  /** Session 2's upload: its row, and what the server did with the file (bytes it kept). */
  upload: unknown[];
  kept: number;
  /** The client's FIN on session 2's control connection. */
  gone: number;
  /** Session 3's download. */
  s3: unknown[];
}

const TINY: Record<string, Tiny> = {
  'a61-tiny-quit-early-vsftpd-python': {
    server: 'vsftpd',
    s1: [20, 24, 29, 34, 38, 43, 48, 52, 59, 64, 68, 75, 79, 81, 89, 93, 95, 103, 107, 109, 119, 123, 125, 135, 138, 142, 154],
    quit: [153, 154, 155],
    upload: ['2.1', 'PASV', 175, 'STOR a61-quick.bin', 179, 11, 65536, 226, 253, 'unknown'],
    kept: 65536,
    gone: 249,
    s3: ['3.1', 'PASV', 270, 'RETR hello.txt', 274, 13, 511, 226, 281, 'completed'],
  },
  'a61-tiny-quit-early-proftpd-python': {
    server: 'proftpd',
    s1: [20, 24, 29, 34, 38, 43, 48, 52, 59, 64, 68, 75, 79, 81, 89, 93, 95, 103, 107, 109, 119, 123, 125, 135, 138, 142, 154],
    quit: [153, 154, 155],
    upload: ['2.1', 'PASV', 175, 'STOR a61-quick.bin', 179, 11, 65536, 426, 250, 'aborted'],
    kept: 0,
    gone: 249,
    s3: ['3.1', 'PASV', 269, 'RETR hello.txt', 273, 13, 511, 226, 281, 'completed'],
  },
  'a61-tiny-quit-early-pureftpd-python': {
    server: 'pure-ftpd',
    s1: [20, 24, 27, 35, 39, 44, 49, 53, 58, 65, 69, 76, 80, 82, 88, 94, 96, 104, 108, 110, 120, 124, 126, 136, 139, 143, 152],
    // pure-ftpd's 226 came before the client, still reading, sent its QUIT.
    quit: [156, 152, 157],
    upload: ['2.1', 'PASV', 178, 'STOR a61-quick.bin', 182, 11, 65536, 451, 256, 'aborted'],
    kept: 65536,
    gone: 252,
    s3: ['3.1', 'PASV', 273, 'RETR hello.txt', 277, 13, 511, 226, 282, 'completed'],
  },
  'a61-tiny-quit-early-pyftpdlib-python': {
    server: 'pyftpdlib',
    s1: [18, 22, 25, 32, 36, 41, 46, 50, 57, 62, 66, 73, 77, 82, 87, 91, 96, 101, 105, 110, 117, 121, 126, 133, 136, 140, 152],
    quit: [151, 152, 153],
    upload: ['2.1', 'PASV', 171, 'STOR a61-quick.bin', 175, 11, 65536, null, null, 'aborted'],
    kept: 0,
    gone: 245,
    s3: ['3.1', 'PASV', 262, 'RETR hello.txt', 266, 13, 511, 226, 274, 'completed'],
  },
};

describe('sixty-first audit: 0- and 1-byte files both ways, QUIT before a 226, a client that leaves before its upload is answered', () => {
  for (const [name, x] of Object.entries(TINY)) {
    it(`${name}: the recorder's facts: every file whole at its receiver but the early-closed upload (${x.kept} of 65536 kept)`, () => {
      const f = facts(name);
      expect([f.server.software, f.client.software, f.client.exit_status]).toEqual([x.server, 'python3-ftplib', 0]);
      expect(f.files.map((y: { op: string; path: string; size: number; received: { size: number } }) => [y.op, y.path, y.size, y.received.size])).toEqual([
        ['RETR', 'a61-empty.bin', 0, 0],
        ['STOR', 'up-passive-a61-empty.bin', 0, 0],
        ['RETR', 'a61-one.bin', 1, 1],
        ['STOR', 'up-passive-a61-one.bin', 1, 1],
        ['RETR', 'a61-empty.bin', 0, 0],
        ['STOR', 'up-active-a61-empty.bin', 0, 0],
        ['RETR', 'a61-one.bin', 1, 1],
        ['STOR', 'up-active-a61-one.bin', 1, 1],
        ['RETR', 'small.bin', 3000, 3000],
        ['STOR', 'a61-quick.bin', 65536, x.kept],
        ['RETR', 'hello.txt', 511, 511],
      ]);
      expect(f.files.filter((y: { received_matches: boolean }) => !y.received_matches).map((y: { path: string }) => y.path)).toEqual(x.kept === 65536 ? [] : ['a61-quick.bin']);
      expect(f.client.output).toContain('QUIT sent before reading the 226');
    });

    it(`${name}: every 0- and 1-byte transfer completed, passive and active; the download answered after QUIT completed; commands and replies as tshark reads them`, async () => {
      const a = await analyze(name);
      expect(transferRows(a)).toEqual([...TINY_SESSION_1(x.s1), x.upload, x.s3]);
      sameAsTshark(name, a);
      const streams = controlStreams(name);
      expect(streams).toHaveLength(3);
      for (const [i, stream] of streams.entries()) expect(ourRows(a, i + 1)).toEqual(ftpRows(name, stream));
      // QUIT went out before the client read the 226 (before it came, but on pure-ftpd): the 226 is RETR's, the 221 QUIT's.
      const quit = a.sessions[0].commands.find((c) => c.command === 'QUIT')!;
      expect([quit.frame, transfer(a, '1.9').reply!.frame, quit.reply!.frame, quit.reply!.code]).toEqual([...x.quit, 221]);
      for (const t of a.sessions[0].transfers) {
        expect([t.status, t.diagnosis]).toEqual(['complete', null]);
        expect(t.verdict).toMatchObject({ kind: 'completed', bytes: t.bytes, missingBytes: 0 });
        // The size is whatever the session stated (vsftpd's 150 names it, pyftpdlib's and pure-ftpd's do not).
        if (t.direction === 'download') expect([t.bytes, null]).toContain((t.verdict as { expected: number | null }).expected);
      }
      expect(transfer(a, '3.1').verdict).toMatchObject({ kind: 'completed', bytes: 511, missingBytes: 0 });
      // Sessions 2 and 3 end with the client's FIN, before the reply (session 3: the reply met a closed socket, or the close came after it).
      expect(a.sessions[1].closedBy).toMatchObject({ by: 'client', frame: x.gone });
      const [summary] = await outputs(name, 'summary');
      for (const id of ['1.1', '1.2', '1.3', '1.4', '1.5', '1.6', '1.7', '1.8', '1.9', '3.1']) expect(summary).toMatch(new RegExp(` ${id.replace('.', '\\.')} [^]*? complete `));
      expect(summary).not.toMatch(/\b(short|incomplete)\b/);
    });

    it(`${name}: the upload whose client left before the server's answer: ${x.upload[9]} in every output`, async () => {
      const a = await analyze(name);
      const t = transfer(a, '2.1');
      const [diagnose, explain, transfers, timeline] = await outputs(name, 'diagnose', 'explain', 'transfers', 'timeline');
      const eve = await eveVerdicts(name);
      const zeek = await zeekVerdicts(name);
      const json = JSON.parse((await runCli(['transfers', '--json', path(name)])).stdout).transfers.find((y: { session: number; id: number }) => y.session === 2 && y.id === 1);
      if (x.upload[9] === 'unknown') {
        // vsftpd's 226 to a client already gone: whether the client had sent its whole file only the client knew.
        expect(t.verdict).toMatchObject({ kind: 'unknown', why: 'client-gone', bytes: 65536, reply: 253, gone: 249 });
        expect([t.diagnosis, a.sessions[1].diagnosis]).toEqual([null, null]);
        expect([json.verdict.kind, json.verdict.why, eve['2.1'][0]]).toEqual(['unknown', 'client-gone', 'unknown']);
        expect(flat(transfers)).toContain('unknown: the server said 226 (frame 253) to 65,536 bytes, but the client was gone');
        expect(diagnose).toContain('No failed data connections in 3 sessions');
        return;
      }
      // The client's FIN on the control connection comes first; the server's end (its reply, or its reset) answers it.
      const serverEnd = t.reply?.frame ?? t.connection!.rst!.frame;
      expect(x.gone).toBeLessThan(serverEnd);
      expect(t.verdict).toMatchObject({ kind: 'aborted', by: 'client', bytes: 65536, cause: 'aborted' });
      expect([t.diagnosis!.cause, t.diagnosis!.evidence.includes(x.gone), t.diagnosis!.evidence.includes(serverEnd)]).toEqual(['aborted', true, true]);
      expect([json.verdict.kind, json.verdict.by, json.diagnosis.cause]).toEqual(['aborted', 'client', 'aborted']);
      expect(eve['2.1']).toEqual(['aborted', 'aborted']);
      expect(zeek['2.1']).toEqual(['aborted', 'by-client', 'aborted']);
      const said = flat(t.diagnosis!.summary);
      expect(said).toContain(`The client closed the control connection (FIN, frame ${x.gone}) before the server had answered the transfer, with no command after STOR: it had left`);
      expect(t.diagnosis!.advice).toContain("Have the client wait for the transfer's final reply (226) before it sends QUIT or closes.");
      if (t.reply) expect(said).toContain(`(frame ${t.reply.frame}): the server's answer to a client that had already left, not a failure of its own`);
      // pyftpdlib's reset acknowledged every byte: its TCP had them, its process never read them.
      if (!t.reply) expect(said).toContain("65536 bytes had been sent; the server's reset acknowledged every one of them: its TCP had them all");
      for (const text of [diagnose, explain]) {
        expect(text).not.toMatch(/The server dropped the transfer|the server hit a local error|the server had acknowledged \d+ of them/);
        expect(text).toContain('it had left');
      }
      expect(flat(transfers)).toContain('aborted by the client after 65,536 bytes');
      expect(flat(explain)).toContain('Verdict: transfer 1 aborted by the client after 65,536 bytes');
      expect(flat(timeline)).toContain('Transfer 1 aborted (client)');
      const page = await reportPage(name, tmp);
      expect(page).toContain('aborted by the client after 65,536 bytes');
      // Every other transfer healthy; only session 2 is diagnosed.
      expect(a.sessions.map((s) => s.diagnosis?.cause ?? null)).toEqual([null, 'aborted', null]);
      expect(Object.entries(eve).filter(([id]) => id !== '2.1').every(([, v]) => v[0] === 'completed' && v[1] === null)).toBe(true);
    });
  }
});

describe('sixty-first audit: the same capture stopped the moment the client closed its control connection', () => {
  it("a61-tiny-quit-early-vsftpd-python stopped at frame 249: the upload's reply may still come after the client's FIN, so it is in flight, not ended", async () => {
    // The client sent the upload's last bytes (frame 247), closed the data connection (FIN, 248) and
    // at once its control connection (FIN, 249): a half-close, after which the server still answers
    // (its 226 is frame 253). Cut there, as a capture stopped by hand would be, the last data was
    // not yet acknowledged (the server's ACK is frame 250). Before: "incomplete: ... when the control
    // connection closed" (session-ended), a close the capture does not show; the server's reply was
    // still due less than a retransmission timeout after the FIN.
    const name = 'a61-tiny-quit-early-vsftpd-python';
    const rows = tsv(name, 'fields');
    const at = (f: number): Record<string, string> => rows.find((r) => Number(r['frame.number']) === f)!;
    expect([at(247)['tcp.len'], at(248)['tcp.flags'], at(249)['tcp.flags'], at(249)['tcp.dstport'], at(250)['tcp.flags']]).toEqual(['376', '0x0011', '0x0011', '21', '0x0010']);
    expect(ftpRows(name, '10').find(([f]) => f === 253)).toEqual([253, '226']);
    const file = join(tmp, `${name}-stopped-249.pcap`);
    writeFileSync(file, filterPcap(readFileSync(path(name)), (r) => r.frame <= 249));
    const a = await analyzeFiles([file], { fileName: file, thread: false });
    const upload = a.sessions[1].transfers[0];
    expect([upload.request?.command, upload.request?.frame, upload.bytes, upload.status, upload.verdict.kind, 'why' in upload.verdict ? upload.verdict.why : null]).toEqual([
      'STOR', 179, 65536, 'incomplete', 'incomplete', 'capture-ended',
    ]);
    expect(upload.diagnosis ?? null).toBeNull();
  });
});

describe('sixty-first audit: a 1-byte file is counted in the singular', () => {
  it('a61-tiny-quit-early-vsftpd-python: RETR a61-one.bin (frame 52) and STOR up-passive-a61-one.bin (frame 68) each moved "1 byte"', async () => {
    const name = 'a61-tiny-quit-early-vsftpd-python';
    expect(ftpRows(name, '0').filter(([f]) => f === 52 || f === 68)).toEqual([[52, 'RETR'], [68, 'STOR']]);
    const [transfers, explain] = await outputs(name, 'transfers', 'explain');
    expect(transfers).toContain('1 byte to client, 0 bytes to server; closed by fin');
    expect(transfers).toContain('0 bytes to client, 1 byte to server; closed by fin');
    expect(transfers).toContain('completed: 1 byte, all in the capture (226, frame 59)');
    expect(explain).toContain('1 byte flows server → client (frame 54)');
    expect(explain).toContain('1 byte flows client → server (frame 70)');
    // The server's own words stay as it sent them.
    expect(explain).toContain('150 Opening BINARY mode data connection for a61-one.bin (1 bytes).');
    expect(`${transfers} ${explain}`).not.toMatch(/[^0-9,]1 bytes (?:to|in|flow|,)/);
  });
});

// ---------------------------------------------------------------------------------------------------
// Double NAT
// ---------------------------------------------------------------------------------------------------
describe('sixty-first audit: active mode through two NATs in a row', () => {
  const rows = [
    ['1.1', 'PORT', 32, 'LIST', 34, 1, 260, 226, 44, 'completed'],
    ['1.2', 'PORT', 50, 'RETR hello.txt', 52, 2, 511, 226, 62, 'completed'],
    ['1.3', 'PORT', 66, 'STOR upload-tnftp.txt', 68, 3, 259, 226, 78, 'completed'],
  ];
  for (const [name, peer] of [
    ['a61-double-nat-helpers-vsftpd-tnftp', '203.0.113.2'],
    ['a61-double-nat-helpers-vsftpd-tnftp-server-side', '198.51.100.1'],
  ] as const) {
    it(`${name}: each NAT's helper rewrote PORT; at this point it names the control peer ${peer}; LIST, RETR, STOR complete, the files exact`, async () => {
      const a = await analyze(name);
      const f = facts(name);
      expect(f.network.nat_helper).toMatch(/^inner: iptables .* outer: iptables /);
      expect(a.sessions.map((s) => s.client.ip)).toEqual([peer]);
      expect(transferRows(a, (t) => [t.announce!.endpoint!.ip, t.connection!.client.ip])).toEqual(rows.map((r) => [...r, peer, peer]));
      // tshark's PORT arguments: the address as this capture point saw it.
      const ports = tsv(name, 'ftp').filter((r) => r['ftp.request.command'] === 'PORT').map((r) => r['ftp.request.arg'].split(',').slice(0, 4).join('.'));
      expect(ports).toEqual([peer, peer, peer]);
      const byPath = Object.fromEntries(f.files.map((y: { path: string }) => [y.path, y]));
      expect([byPath['hello.txt'].received_matches, byPath['upload-tnftp.txt'].received_matches]).toEqual([true, true]);
      const saved = await extractedFiles(name, join(tmp, name));
      expect([saved['s1-t2-hello.txt'], saved['s1-t3-upload-tnftp.txt']]).toEqual([byPath['hello.txt'].sha256, byPath['upload-tnftp.txt'].sha256]);
    });
    it(`${name}: healthy in every output`, async () => {
      await nothingFailed(name, tmp);
    });
  }

  it("a61-double-nat-inner-helper: at the client, the server's data connection never arrived (425); the passive retry completed", async () => {
    const name = 'a61-double-nat-inner-helper-vsftpd-tnftp';
    const a = await analyze(name);
    const f = facts(name);
    expect(f.network.nat_helper).toMatch(/^inner: iptables .*; outer: none/);
    expect(f.client.output).toContain('425 Failed to establish connection.');
    expect(transferRows(a)).toEqual([
      ['1.1', 'PORT', 33, 'RETR hello.txt', 35, null, 0, 425, 37, 'failed'],
      ['1.2', 'PASV', 42, 'RETR hello.txt', 46, 1, 511, 226, 53, 'completed'],
    ]);
    // No SYN toward the client's announced port reached this capture.
    expect(tsv(name, 'fields').filter((r) => r['tcp.flags'] === '0x0002' && r['ip.dst'] === '192.0.2.10')).toEqual([]);
    const t = transfer(a, '1.1');
    expect([t.diagnosis!.cause, t.diagnosis!.evidence]).toEqual(['active-syn-unanswered', [33, 34, 35, 37]]);
    expect(t.laterAttempt).toMatchObject({ transfer: 2, outcome: 'completed' });
    expect(transfer(a, '1.2').diagnosis).toBeNull();
    expect([f.client.active_attempt, f.files.length, f.files[0].received_matches]).toEqual(['RETR hello.txt in active mode: 425, nothing kept', 1, true]);
    const [diagnose] = await outputs(name, 'diagnose');
    expect(diagnose).toContain('a NAT in front of the client that did not rewrite the address in PORT');
  });

  it('a61-double-nat-inner-helper server side: the PORT names the inner NAT (203.0.113.2), not the control peer 198.51.100.1; the SYN there unanswered: active-address-mismatch', async () => {
    const name = 'a61-double-nat-inner-helper-vsftpd-tnftp-server-side';
    const a = await analyze(name);
    expect(a.sessions[0].client.ip).toBe('198.51.100.1');
    expect(transferRows(a, (t) => [t.announce!.endpoint!.ip])).toEqual([
      ['1.1', 'PORT', 33, 'RETR hello.txt', 35, 1, 0, 425, 42, 'failed', '203.0.113.2'],
      ['1.2', 'PASV', 47, 'RETR hello.txt', 51, 2, 511, 226, 58, 'completed', '198.51.100.20'],
    ]);
    sameAsTshark(name, a);
    // tshark: the server's SYNs to 203.0.113.2 (its first, then its retransmissions), never answered.
    const syns = tsv(name, 'fields').filter((r) => r['tcp.flags'] === '0x0002' && r['ip.dst'] === '203.0.113.2').map((r) => Number(r['frame.number']));
    expect(syns).toEqual([36, 38, 39, 40, 41]);
    const t = transfer(a, '1.1');
    expect([t.diagnosis!.cause, t.diagnosis!.evidence]).toEqual(['active-address-mismatch', [33, 34, 35, ...syns, 42]]);
    expect(flat(t.diagnosis!.summary)).toContain(
      'announced PORT 203.0.113.2:52005 (port 203×256+37) — a routable address — while its packets come from 198.51.100.1: a NAT between them rewrote the packets but not the address inside PORT',
    );
    expect(t.laterAttempt).toMatchObject({ transfer: 2, outcome: 'completed' });
    const eve = await eveVerdicts(name);
    expect(eve).toEqual({ '1.1': ['failed', 'active-address-mismatch'], '1.2': ['completed', null] });
  });
});

// ---------------------------------------------------------------------------------------------------
// Squid as an FTP gateway
// ---------------------------------------------------------------------------------------------------
describe('sixty-first audit: squid as an FTP gateway', () => {
  it("a61-squid-gateway-vsftpd-curl: squid's three FTP sessions (EPSV 1, LIST, RETR in ASCII and binary) complete; the files exact", async () => {
    const name = 'a61-squid-gateway-vsftpd-curl';
    const a = await analyze(name);
    const f = facts(name);
    expect([f.proxy.software, f.client.exit_status]).toEqual(['squid', 0]);
    expect(f.client.output.split('|')).toEqual([
      'ftp://fxa61user:ftppass@198.51.100.20/pub/ http 200 3481 bytes',
      'ftp://fxa61user:ftppass@198.51.100.20/hello.txt http 200 511 bytes',
      'ftp://fxa61user:ftppass@198.51.100.20/small.bin http 200 3000 bytes',
    ]);
    expect(a.sessions.map((s) => s.client.ip)).toEqual(['198.51.100.1', '198.51.100.1', '198.51.100.1']);
    expect(transferRows(a, (t) => [t.announce!.command === 'EPSV' ? t.announce!.tuple : null])).toEqual([
      ['1.1', 'EPSV', 24, 'LIST', 28, 1, 64, 226, 35, 'completed', expect.objectContaining({ ok: true, port: 50085 })],
      ['2.1', 'EPSV', 59, 'RETR hello.txt', 63, 3, 511, 226, 71, 'completed', expect.objectContaining({ ok: true, port: 50088 })],
      ['3.1', 'EPSV', 98, 'RETR small.bin', 102, 5, 3000, 226, 113, 'completed', expect.objectContaining({ ok: true, port: 50099 })],
    ]);
    sameAsTshark(name, a);
    for (const [i, stream] of controlStreams(name).entries()) expect(ourRows(a, i + 1)).toEqual(ftpRows(name, stream));
    expect(a.sessions.flatMap((s) => s.commands.filter((c) => c.command === 'EPSV').map((c) => c.arg))).toEqual(['1', '1', '1']);
    const byPath = Object.fromEntries(f.files.map((y: { path: string }) => [y.path, y]));
    const saved = await extractedFiles(name, join(tmp, name));
    expect([saved['s2-t1-hello.txt'], saved['s3-t1-small.bin']]).toEqual([byPath['hello.txt'].sha256, byPath['small.bin'].sha256]);
    await nothingFailed(name, tmp);
  });

  it("a61-squid-passive-blocked: squid's EPSV, then PASV, data SYNs dropped at the server: both failed, passive-syn-unanswered; the session says so", async () => {
    const name = 'a61-squid-passive-blocked-vsftpd-curl';
    const a = await analyze(name);
    const f = facts(name);
    expect(f.client.output).toBe('ftp://fxa61user:ftppass@198.51.100.20/hello.txt http 502 3153 bytes');
    // What curl saved is squid's error page (HTTP 502), not the file.
    expect([f.files[0].received, f.proxy.error_page]).toEqual([null, "HTTP 502: squid's error page, 3153 bytes saved by curl as hello.txt"]);
    expect(f.proxy.access_log).toContain('TCP_MISS/502');
    expect(transferRows(a)).toEqual([
      ['1.1', 'EPSV', 22, null, null, 1, 0, null, null, 'failed'],
      ['1.2', 'PASV', 30, null, null, 2, 0, null, null, 'failed'],
    ]);
    expect(ourRows(a, 1)).toEqual(ftpRows(name, '0'));
    // tshark: squid's SYNs to each passive port, none answered.
    const syns = (port: string): number[] => tsv(name, 'fields').filter((r) => r['tcp.flags'] === '0x0002' && r['tcp.dstport'] === port).map((r) => Number(r['frame.number']));
    expect([syns('50060'), syns('50022')]).toEqual([[23, 25, 26, 27, 28], [32, 33, 34, 35, 36]]);
    expect(tsv(name, 'fields').filter((r) => r['tcp.srcport'] === '50060' || r['tcp.srcport'] === '50022')).toEqual([]);
    const [t1, t2] = a.sessions[0].transfers;
    expect([t1.diagnosis!.cause, t1.diagnosis!.evidence]).toEqual(['passive-syn-unanswered', [22, 23, 25, 26, 27, 28]]);
    expect([t2.diagnosis!.cause, t2.diagnosis!.evidence]).toEqual(['passive-syn-unanswered', [30, 32, 33, 34, 35, 36]]);
    expect(a.sessions[0].diagnosis!.cause).toBe('passive-syn-unanswered');
    expect(flat(t1.diagnosis!.summary)).toContain('The client gave up and sent PASV 4.5 s after the first SYN (frame 29)');
    expect(flat(t2.diagnosis!.summary)).toContain('The client gave up and closed the control connection 5.0 s after the first SYN (frame 37)');
    const [summary] = await outputs(name, 'summary');
    expect(summary).toContain('2 failed');
    expect(summary).not.toMatch(/complete/);
  });
});

// ---------------------------------------------------------------------------------------------------
// wget -r: one file refused, one cut twice and resumed whole
// ---------------------------------------------------------------------------------------------------
describe('sixty-first audit: a recursive download with one refused file and one cut and resumed', () => {
  const name = 'a61-wget-tree-one-denied-one-cut-vsftpd';

  it('every transfer as the recorder saw it: the listings and three files complete, b.bin cut twice then completed by its resume, c.bin refused', async () => {
    const a = await analyze(name);
    const f = facts(name);
    expect([f.client.software, f.client.exit_status]).toEqual(['wget', 0]);
    expect(f.client.saved).toBe('tree/b.bin: 150000 bytes, sha256 2ada415d930118b735ab04030a160202f0a61702ba794d2b6424456a945987de, the server\'s file matched');
    expect(transferRows(a, (t) => [t.restOffset ?? null, t.diagnosis?.cause ?? null])).toEqual([
      ['1.1', 'PASV', 24, 'LIST -a', 28, 1, 369, 226, 35, 'completed', null, null],
      ['1.2', 'PASV', 38, 'RETR a.bin', 42, 2, 2000, 226, 51, 'completed', null, null],
      ['1.3', 'PASV', 54, 'RETR b.bin', 58, 3, 56472, 426, 115, 'aborted', null, 'aborted'],
      ['1.4', 'PASV', 123, 'RETR b.bin', 130, 4, 56472, 426, 187, 'aborted', 56472, 'aborted'],
      ['1.5', 'PASV', 195, 'RETR b.bin', 202, 5, 37056, 226, 246, 'completed', 112944, null],
      ['1.6', 'PASV', 253, 'RETR c.bin', 257, 6, 0, 550, 258, 'failed', null, 'server-refused'],
      ['1.7', 'PASV', 264, 'LIST -a', 268, 7, 245, 226, 275, 'completed', null, null],
      ['1.8', 'PASV', 278, 'RETR d.bin', 282, 8, 4000, 226, 293, 'completed', null, null],
      ['1.9', 'PASV', 296, 'RETR e.bin', 300, 9, 5000, 226, 310, 'completed', null, null],
    ]);
    sameAsTshark(name, a);
    expect(ourRows(a, 1)).toEqual(ftpRows(name, '0'));
    // Each attempt's bytes are the recorder's (what the client kept of it), and the three make the file.
    const attempts = f.files.filter((y: { path: string }) => y.path === 'tree/b.bin').map((y: { received: { size: number } }) => y.received.size);
    expect(attempts).toEqual([56472, 56472, 37056]);
    expect(attempts.reduce((x: number, y: number) => x + y, 0)).toBe(150000);
    // The router's resets went to the server only: the 426 at the client, then the client's FIN answered by the server's reset.
    expect([transfer(a, '1.3').verdict, transfer(a, '1.4').verdict]).toMatchObject([
      { kind: 'aborted', by: 'firewall', bytes: 56472, expected: 150000 },
      { kind: 'aborted', by: 'firewall', bytes: 56472, expected: 93528 },
    ]);
    expect([transfer(a, '1.3').laterAttempt, transfer(a, '1.4').laterAttempt]).toMatchObject([
      { transfer: 4, rest: 56472, outcome: 'aborted' },
      { transfer: 5, rest: 112944, outcome: 'completed' },
    ]);
    expect(transfer(a, '1.5').verdict).toMatchObject({ kind: 'completed', bytes: 37056, expected: 37056, missingBytes: 0 });
  });

  it("every output gives the resumed attempt the size left after its REST, not the file's", async () => {
    const a = await analyze(name);
    const [diagnose, explain, summary] = await outputs(name, 'diagnose', 'explain', 'summary');
    expect(flat(transfer(a, '1.4').diagnosis!.summary)).toContain('56472 bytes of the 93528 left after REST 56472 (the file\'s 150000 announced) had been transferred');
    expect(flat(transfer(a, '1.3').diagnosis!.summary)).toContain('56472 bytes of 150000 announced had been transferred');
    expect(diagnose).not.toContain('56472 bytes of 150000 announced had been transferred. Vantage point: the client\'s packets arrive with TTL 64, the server\'s with 63 (1 router away): it was taken on the client\'s side and shows what reached the client. Evidence: frames 123');
    expect(explain).toContain('Verdict: transfer 4 aborted by a firewall\'s reset (on the path, or on the server\'s own host: this capture cannot tell which) after 56,472 of 93,528 bytes (426, frame 187)');
    expect(diagnose).toContain('Later: Tried again in the same session: RETR b.bin from offset 112,944 (REST: a resume), frame 202 (transfer 1.5), which completed.');
    expect(summary).toContain('6 complete, 2 aborted, 1 failed');
    const eve = await eveVerdicts(name);
    expect(eve['1.6']).toEqual(['failed', 'server-refused']);
    expect(Object.values(eve).filter((v) => v[0] === 'completed')).toHaveLength(6);
  });
});

// ---------------------------------------------------------------------------------------------------
// QUIT while the data still flows
// ---------------------------------------------------------------------------------------------------
interface QuitMid {
  server: string;
  rows: unknown[][];
  /** Each session's QUIT: [its frame, the reply paired with it, that reply's frame]. */
  quits: Array<[number, number, number]>;
  /** What each receiver kept: [RETR at the client, STOR at the server]. */
  kept: [number, number];
}
const QUIT_MID: Record<string, QuitMid> = {
  'a61-quit-mid-vsftpd-python': {
    server: 'vsftpd',
    rows: [
      ['1.1', 'PASV', 18, 'RETR a61-mid.bin', 22, 1, 262144, 226, 280, 'completed'],
      ['2.1', 'PASV', 304, 'STOR a61-mid-up.bin', 308, 3, 262144, 226, 538, 'completed'],
    ],
    quits: [[82, 221, 281], [310, 221, 539]],
    kept: [262144, 262144],
  },
  'a61-quit-mid-proftpd-python': {
    server: 'proftpd',
    rows: [
      ['1.1', 'PASV', 18, 'RETR a61-mid.bin', 22, 1, 262144, 226, 262, 'completed'],
      ['2.1', 'PASV', 283, 'STOR a61-mid-up.bin', 287, 3, 104632, null, null, 'aborted'],
    ],
    quits: [[82, 221, 263], [289, 221, 358]],
    kept: [262144, 65536],
  },
  'a61-quit-mid-pureftpd-python': {
    server: 'pure-ftpd',
    rows: [
      ['1.1', 'PASV', 18, 'RETR a61-mid.bin', 22, 1, 262144, 426, 130, 'aborted'],
      ['2.1', 'PASV', 261, 'STOR a61-mid-up.bin', 265, 3, 7240, 426, 268, 'aborted'],
    ],
    // pure-ftpd takes the QUIT for an abort: 426 to the transfer, then its "226 Transfer aborted" (451 after the upload); its logout line comes when the client closes, 20 s on.
    quits: [[97, 226, 145], [267, 451, 270]],
    kept: [262144, 0],
  },
  'a61-quit-mid-pyftpdlib-python': {
    server: 'pyftpdlib',
    rows: [
      ['1.1', 'PASV', 16, 'RETR a61-mid.bin', 20, 1, 262144, 226, 105, 'completed'],
      ['2.1', 'PASV', 279, 'STOR a61-mid-up.bin', 283, 3, 262144, 226, 515, 'completed'],
    ],
    // pyftpdlib answers the QUIT at once (221), and the transfer when its data ends (226), then closes.
    quits: [[80, 221, 104], [285, 221, 353]],
    kept: [262144, 262144],
  },
};

describe('sixty-first audit: QUIT sent right after the 150, the data still flowing', () => {
  for (const [name, x] of Object.entries(QUIT_MID)) {
    it(`${name}: ${x.server} — the replies paired as tshark shows them, each transfer as its receiver kept it`, async () => {
      const a = await analyze(name);
      const f = facts(name);
      expect([f.server.software, f.client.exit_status]).toEqual([x.server, 0]);
      expect(f.files.map((y: { received: { size: number } }) => y.received.size)).toEqual(x.kept);
      expect(transferRows(a)).toEqual(x.rows);
      sameAsTshark(name, a);
      const streams = controlStreams(name);
      for (const [i, stream] of streams.entries()) expect(ourRows(a, i + 1)).toEqual(ftpRows(name, stream));
      const quits = a.sessions.map((s) => s.commands.find((c) => c.command === 'QUIT')!).map((c) => [c.frame, c.reply!.code, c.reply!.frame]);
      expect(quits).toEqual(x.quits);
      // tshark's replies, in order: the 221 and the transfer's reply each where the server wrote them.
      for (const [q, code, frame] of x.quits) expect(tsv(name, 'ftp').find((r) => Number(r['frame.number']) === frame)!['ftp.response.code']).toBe(String(code));
      expect(x.quits.every(([q, , frame]) => q < frame)).toBe(true);
      const eve = await eveVerdicts(name);
      expect(Object.values(eve).map((v) => v[0])).toEqual(x.rows.map((r) => r[9]));
      for (const t of a.sessions.flatMap((s) => s.transfers)) {
        if (t.verdict.kind === 'completed') {
          expect([t.diagnosis, t.bytes]).toEqual([null, 262144]);
          continue;
        }
        expect(t.verdict).toMatchObject({ kind: 'aborted', by: 'client', cause: 'aborted' });
        const quit = a.sessions.find((s) => s.transfers.includes(t))!.commands.find((c) => c.command === 'QUIT')!;
        expect(t.diagnosis!.evidence).toContain(quit.frame);
        expect(flat(t.diagnosis!.summary)).toContain(`The client sent QUIT (frame ${quit.frame}) while the transfer was still under way`);
        expect(t.diagnosis!.advice).toMatch(/^The client sent QUIT before the transfer's final reply\. RFC 959 has the server finish the transfer/);
        expect(t.diagnosis!.advice).toContain(t.direction === 'upload' ? "check the server's copy" : 'compare its copy with the original');
        expect(flat(t.diagnosis!.summary)).not.toMatch(/The server dropped the transfer|local error/);
      }
      const [diagnose, summary] = await outputs(name, 'diagnose', 'summary');
      expect(diagnose).not.toMatch(/The server dropped the transfer|the server hit a local error/);
      expect(summary).not.toMatch(/\bincomplete\b/);
    });
  }

  it("a61-quit-mid-pyftpdlib-python: the 226 after the QUIT's 221 is the transfer's final reply (before this audit it was a reply nothing asked for, and both transfers read incomplete)", async () => {
    const name = 'a61-quit-mid-pyftpdlib-python';
    const a = await analyze(name);
    for (const [s, reply] of [[0, 105], [1, 515]] as const) {
      expect(a.sessions[s].commands.filter((c) => c.command === null && c.reply?.code === 226)).toEqual([]);
      expect(a.sessions[s].transfers[0]).toMatchObject({ status: 'complete', reply: { code: 226, frame: reply }, diagnosis: null });
    }
    await nothingFailed(name, tmp);
  });

  it('a61-quit-mid-proftpd-python: the upload proftpd closed on the QUIT: the 221 and the close named, the 65536 bytes the server kept are those it acknowledged', async () => {
    const name = 'a61-quit-mid-proftpd-python';
    const a = await analyze(name);
    const t = transfer(a, '2.1');
    expect(flat(t.diagnosis!.summary)).toContain('the server answered the QUIT with 221 Goodbye (frame 358), then closed the data connection (FIN, frame 359)');
    expect(flat(t.diagnosis!.summary)).toContain('104632 bytes had been sent; the server had acknowledged 65536 of them when the reset came');
    expect(facts(name).files[1].received.size).toBe(65536);
    const fin = tsv(name, 'fields').find((r) => r['frame.number'] === '359')!;
    expect([fin['tcp.srcport'], fin['tcp.flags']]).toEqual(['50039', '0x0011']);
  });
});

// ---------------------------------------------------------------------------------------------------
// The control connection dropped mid-upload
// ---------------------------------------------------------------------------------------------------
describe('sixty-first audit: a router that starts dropping the control connection during an upload', () => {
  for (const [name, by, reply] of [
    ['a61-ctrl-drop-stor-vsftpd-curl', 'client', null],
    ['a61-ctrl-drop-stor-vsftpd-curl-server-side', 'server', 313],
  ] as const) {
    it(`${name}: the upload whole (the server's copy), the final reply lost: reply-lost, control-cut, in every output`, async () => {
      const a = await analyze(name);
      const f = facts(name);
      expect([f.client.exit_status, f.files[0].received_matches, f.files[0].received.size]).toEqual([28, true, 262144]);
      expect(f.client.output).toContain('curl: (28) FTP response timeout');
      expect(transferRows(a)).toEqual([['1.1', 'PASV', 18, 'STOR a61-up.bin', 24, 1, 262144, reply === null ? null : 226, reply, 'reply-lost']]);
      sameAsTshark(name, a);
      expect(ourRows(a, 1)).toEqual(ftpRows(name, '0'));
      const t = transfer(a, '1.1');
      expect(t.verdict).toMatchObject({ kind: 'reply-lost', bytes: 262144, by, from: 313 });
      expect([t.diagnosis!.cause, t.diagnosis!.evidence]).toEqual(['control-cut', [18, 19, 20, 24, 25, 310, 313, 314]]);
      // tshark: the data connection's FINs (310, 311), then nothing on the control connection gets through (313 on, repeated).
      const fields = tsv(name, 'fields');
      const at = (n: number): Record<string, string> => fields.find((r) => r['frame.number'] === String(n))!;
      expect([at(310)['tcp.flags'], at(313)['tcp.dstport'] === '21' || at(313)['tcp.srcport'] === '21']).toEqual(['0x0011', true]);
      const said = flat(t.diagnosis!.summary);
      expect(said).toContain('a rule or a flushed state table that began dropping it looks the same');
      expect(said).not.toContain('forgot it (its idle timeout)');
      if (by === 'client') expect(said).toContain('The control connection had been idle for 2.7 s before the data connection ended (since frame 25), and 9.0 s more until that');
      else expect(said).toContain('The control connection had been idle for 2.7 s before that (since frame 25) while the data connection ran');
      const [summary, transfers] = await outputs(name, 'summary', 'transfers');
      expect(summary).toContain('1 data whole with the final reply lost');
      expect(transfers).toContain('delivered its data whole (262,144 bytes)');
      const eve = await eveVerdicts(name);
      expect(eve['1.1']).toEqual(['reply-lost', 'control-cut']);
    });
  }
});

// ---------------------------------------------------------------------------------------------------
// lftp mirror --parallel: one file refused, one dropped and resumed across the sessions
// ---------------------------------------------------------------------------------------------------
describe('sixty-first audit: lftp mirror --parallel=2 with one refused file and one whose data the path drops', () => {
  const name = 'a61-mirror-one-denied-one-dropped-vsftpd-lftp';

  it('every transfer as the recorder saw it; each cut attempt points to the resume after it, the first to the session already open beside it', async () => {
    const a = await analyze(name);
    const f = facts(name);
    expect([f.client.software, f.client.exit_status, f.client.output]).toEqual(['lftp', 1, 'mirror: Access failed: 550 Failed to open file. (locked.bin)']);
    expect(f.client.saved).toBe("tree/big.bin: 200000 bytes, sha256 39a8c7d82f0cdeb77106aadd84d9e5ae4615c5c475795784e228b31a29e6a291, the server's file matched");
    expect(f.files.filter((y: { path: string }) => y.path === 'tree/big.bin').map((y: { received: { size: number } }) => y.received.size)).toEqual([56472, 56472, 56472, 30584]);
    expect(transferRows(a, (t) => [t.restOffset ?? null, t.verdict.kind === 'aborted' ? t.verdict.by : null, t.laterAttempt ? `${t.laterAttempt.session}.${t.laterAttempt.transfer}` : null, t.laterAttempt?.alreadyOpen ?? null])).toEqual([
      ['1.1', 'PASV', 31, 'LIST', 35, 1, 318, 226, 39, 'completed', null, null, null, null],
      ['1.2', 'PASV', 60, 'RETR f1.bin', 64, 3, 1061, 226, 71, 'completed', null, null, null, null],
      ['1.3', 'PASV', 74, 'RETR f2.bin', 78, 4, 2061, 226, 84, 'completed', null, null, null, null],
      ['1.4', 'PASV', 90, 'RETR f3.bin', 94, 5, 3061, 226, 102, 'completed', null, null, null, null],
      ['1.5', 'PASV', 112, 'LIST', 116, 6, 132, 226, 120, 'completed', null, null, null, null],
      ['1.6', 'PASV', 132, 'RETR g1.bin', 138, 7, 4061, 226, 151, 'completed', null, null, null, null],
      ['1.7', 'PASV', 154, 'RETR locked.bin', 158, 8, 0, 550, 159, 'failed', null, null, null, null],
      ['1.8', 'PASV', 255, 'RETR big.bin', 261, 10, 56472, null, null, 'aborted', 56472, 'client', '3.1', null],
      ['2.1', 'PASV', 185, 'RETR big.bin', 189, 9, 56472, null, null, 'aborted', null, 'client', '1.8', true],
      ['3.1', 'PASV', 360, 'RETR big.bin', 366, 12, 56472, null, null, 'aborted', 112944, 'client', '4.1', null],
      ['4.1', 'PASV', 465, 'RETR big.bin', 471, 14, 30584, 226, 513, 'completed', 169416, null, null, null],
    ]);
    sameAsTshark(name, a);
    for (const [i, stream] of controlStreams(name).entries()) expect(ourRows(a, i + 1)).toEqual(ftpRows(name, stream));
    // Session 1 was open before session 2's attempt began: a resume from exactly where that attempt stopped.
    expect(a.sessions[0].start).toBeLessThan(transfer(a, '2.1').request!.time);
    expect([transfer(a, '2.1').bytes, transfer(a, '1.8').restOffset]).toEqual([56472, 56472]);
    expect(transfer(a, '2.1').diagnosis!.cause).toBe('stalled');
    const [diagnose, summary] = await outputs(name, 'diagnose', 'summary');
    expect(diagnose).toContain(
      'Later: Tried again in session 1 (another connection from the same client to the same server, already open beside this one): RETR big.bin from offset 56,472 (REST: a resume), frame 261 (transfer 1.8), which was cut short too.',
    );
    expect(diagnose).toContain('Later: Tried again in session 4 (a new connection from the same client to the same server): RETR big.bin from offset 169,416 (REST: a resume), frame 471 (transfer 4.1), which completed.');
    expect(summary).toContain('6 complete, 1 failed, 1 aborted');
    const eve = await eveVerdicts(name);
    expect(Object.values(eve).filter((v) => v[1] === 'stalled')).toHaveLength(3);
  });

  it('with a data segment, or the 227, missing from the capture, the first cut attempt is still no finished piece of a split download', async () => {
    // Transfer 2.1 (RETR big.bin, frame 189, its 227 frame 185) got 56,472 bytes, the last at 0.736 s;
    // lftp waited 4 s for more and closed the data connection (FIN, frame 248), then resumed from
    // REST 56472 in session 1, already open (frame 260). Before: with one of its data segments
    // (frame 191) missing from the capture (a kernel's drop), the silence check stood aside (data the
    // capture lost) and 2.1 read "completed: one segment of a download split over several
    // connections", closed "once its bytes reached the start of the next segment"; with the 227
    // missing, its data connection was linked only at the end (linkOneWayData) with its data's timing
    // not kept, and read the same. A piece closed 4 s after its last byte was waiting for more.
    const rows = tsv(name, 'fields');
    const at = (f: number): Record<string, string> => rows.find((r) => Number(r['frame.number']) === f)!;
    expect([at(191)['tcp.srcport'], at(191)['tcp.len'], at(248)['tcp.flags']]).toEqual(['50060', '1448', '0x0011']);
    expect(ftpRows(name, '2').filter(([f]) => f === 185 || f === 189)).toEqual([[185, '227'], [189, 'RETR']]);
    for (const [missing, kind] of [[191, 'aborted'], [193, 'aborted'], [185, 'aborted']] as const) {
      const file = join(tmp, `${name}-without-${missing}.pcap`);
      writeFileSync(file, filterPcap(readFileSync(path(name)), (r) => r.frame !== missing));
      const x = await analyzeFiles([file], { fileName: file, thread: false });
      const t = x.sessions[1].transfers[0];
      expect([t.request?.command, t.request?.arg, t.restOffset ?? null, t.segment ?? null, t.status, t.verdict.kind]).toEqual(['RETR', 'big.bin', null, null, kind, kind]);
    }
  });
});
