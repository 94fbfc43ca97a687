/**
 * The eleventh verdict audit, each on a real recording (fixtures/record.sh, "Eleventh verdict
 * audit"): the server stops or refuses a transfer part-way, or the file changes under it. An
 * upload cut by proftpd's MaxStoreFileSize after data flowed (552), a file truncated and one grown
 * on the server during proftpd's slow RETR, one truncated under vsftpd's RETR to a slow reader, proftpd refusing RETR of a mode-000 file and of a
 * directory and STOR into a read-only directory after lftp opened the data connection, and vsftpd's
 * "425 Security: Bad IP connecting." for a data connection from the client's own second address,
 * vsftpd refusing an active-mode RETR before it connects, and proftpd closing a session whose client
 * sent RETR after PASV without ever connecting. Frame numbers are tshark's.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Analysis } from '../../src/analysis/model.js';
import { runCli } from '../cli/run-cli.js';
import { FIXTURES } from '../support/facts.js';
import { readTsharkTsv } from '../conformance/peer-readers.js';
import { analyze, causes, facts, outputs, path, reportPage, transfers } from './audit-fixtures.js';

/** tshark's FTP rows with a command or a reply code, as "frame:command-or-code". */
const ftpRows = (name: string): string[] =>
  readTsharkTsv(join(FIXTURES, `${name}.tshark-ftp.tsv`))
    .filter((r) => r['ftp.request.command'] || r['ftp.response.code'])
    .map((r) => `${r['frame.number']}:${r['ftp.request.command'] || r['ftp.response.code']}`);
/** ftpcap's commands with their final replies, every session: "frame:VERB>code@frame". */
const exchanges = (a: Analysis): string[] =>
  a.sessions.flatMap((s) =>
    s.commands.filter((c) => c.command !== null).map((c) => `${c.frame}:${c.command}>${c.reply?.code ?? '-'}@${c.reply?.frame ?? '-'}`),
  );
/** The same pairs read from tshark: each command with the next reply code in its session's stream. */
const tsharkExchanges = (name: string): string[] => {
  const rows = readTsharkTsv(join(FIXTURES, `${name}.tshark-ftp.tsv`)).filter((r) => r['ftp.request.command'] || r['ftp.response.code']);
  const out: string[] = [];
  rows.forEach((r, i) => {
    if (!r['ftp.request.command']) return;
    const later = rows.slice(i + 1).filter((x) => x['tcp.stream'] === r['tcp.stream']);
    const at = later.findIndex((x) => x['ftp.response.code'] && !x['ftp.response.code'].startsWith('1'));
    // A multi-line reply (211-Features … 211 End) ends at its last line with the same code: tshark names both.
    let reply = at < 0 ? undefined : later[at];
    for (const x of later.slice(at + 1)) {
      if (x['ftp.request.command'] || x['ftp.response.code'] !== reply?.['ftp.response.code']) break;
      reply = x;
    }
    out.push(`${r['frame.number']}:${r['ftp.request.command']}>${reply?.['ftp.response.code'] ?? '-'}@${reply?.['frame.number'] ?? '-'}`);
  });
  return out;
};
/** Words that would blame the network for what the server decided. */
const NETWORK_BLAME = /firewall|path-MTU|capture lost|lost on the path|not captured|behind a NAT/i;

const tmp = mkdtempSync(join(tmpdir(), 'ftpcap-audit11-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('1. an upload cut by the server size limit after data flowed', () => {
  it('stor-limit-proftpd-curl: STOR aborted by the server with its 552 after 65536 bytes moved; the cause is its reply, the advice its quota', async () => {
    const name = 'stor-limit-proftpd-curl';
    const f = facts(name);
    expect([f.capture.packets, f.files[0].size, f.files[0].received.size, f.files[0].received_matches]).toEqual([113, 65536, 14480, false]);
    expect(ftpRows(name)).toEqual(['6:220', '8:USER', '10:331', '11:PASS', '13:230', '14:PWD', '16:257', '17:EPSV', '18:229', '22:TYPE', '23:200', '24:STOR', '25:150', '107:552', '109:QUIT', '110:221']);
    const a = await analyze(name);
    expect(exchanges(a)).toEqual(tsharkExchanges(name));
    const [t] = transfers(a);
    expect([t.request?.command, t.preliminary?.frame, t.reply?.code, t.reply?.frame, t.bytes, t.status]).toEqual(['STOR', 25, 552, 107, 65536, 'aborted']);
    expect(t.verdict).toEqual(expect.objectContaining({ kind: 'aborted', by: 'server', bytes: 65536, cause: 'aborted' }));
    // The session's cause (its one failed transfer's) and the transfer's.
    expect(causes(a)).toEqual(['aborted', 'aborted']);
    const [summary, diagnose, explain, timeline] = await outputs(name, 'summary', 'diagnose', 'explain', 'timeline');
    expect(summary).toContain('aborted (server)');
    expect(diagnose).toContain('The server replied 552 Transfer aborted. File too large (frame 107)');
    expect(diagnose).toContain('What to change: The file exceeds a storage allocation on the server: raise the quota or store less.');
    expect(explain).toContain('Verdict: transfer 1 aborted by the server after 65,536 bytes (552, frame 107).');
    expect(timeline).toContain('552 Transfer aborted. File too large');
    for (const o of [summary, diagnose, explain, timeline]) expect(o).not.toMatch(NETWORK_BLAME);
  });
});

describe('2. a file that changes on the server while it is sent', () => {
  it('file-changed-proftpd-curl, shrink.bin: 226 after 50000 of the 120000 bytes announced over a data connection held whole: sent short (the file changed), not "not captured"', async () => {
    const name = 'file-changed-proftpd-curl';
    const f = facts(name);
    expect(f.files.map((x: any) => [x.path, x.size, x.received.size])).toEqual([
      ['shrink.bin', 50000, 50000],
      ['grow.bin', 100000, 60000],
    ]);
    expect(ftpRows(name).slice(0, 16)).toEqual(['6:220', '8:USER', '10:331', '11:PASS', '13:230', '14:PWD', '16:257', '17:PASV', '18:227', '22:TYPE', '23:200', '24:SIZE', '25:213', '26:RETR', '27:150', '102:226']);
    const a = await analyze(name);
    expect(a.sessions).toHaveLength(2);
    expect(exchanges(a)).toEqual(tsharkExchanges(name));
    const [shrink, grow] = transfers(a);
    expect([shrink.expectedSize, shrink.bytes, shrink.connection?.gapBytes, shrink.connection?.close, shrink.status]).toEqual([120000, 50000, 0, 'fin', 'complete']);
    // Before: missingBytes 70000 ("complete, 70,000 B not captured": "the capture lost them, not the transfer").
    expect(shrink.verdict).toEqual(expect.objectContaining({ kind: 'completed', bytes: 50000, expected: 120000, missingBytes: 0, sentShort: true }));
    expect(shrink.diagnosis).toBeNull();
    const [summary, transfersOut, diagnose, explain] = await outputs(name, 'summary', 'transfers', 'diagnose', 'explain');
    expect(summary).toContain('complete, 50,000 of 120,000 B announced');
    const words = 'it sent 50,000 of the 120,000 bytes announced and closed the data connection itself; the capture holds every byte it sent';
    for (const o of [transfersOut, diagnose, explain]) expect(o).toContain(words);
    expect(diagnose).toContain('Not failures, but not the whole story either');
    for (const o of [summary, transfersOut, diagnose, explain]) {
      expect(o).not.toContain('not captured');
      expect(o).not.toContain('the capture lost them');
    }
    const dir = join(tmp, 'extract');
    expect((await runCli(['extract', '-o', dir, path(name)])).code).toBe(0);
    const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
    const o = manifest.objects.find((x: any) => x.originalName === 'shrink.bin');
    expect([o.bytes, o.sha256, o.verdict, o.missingBytes]).toEqual([50000, f.files[0].sha256, 'unverified', 0]);
    expect(o.notes.join(' ')).not.toContain('the capture lacks');
    expect(o.notes.join(' ')).toContain('the capture holds every byte the server sent');
  });

  it('file-changed-proftpd-curl, grow.bin: the client reset after 65536 bytes, more than the 60000 announced, while the server still sent: the file grew, not a client crash', async () => {
    const name = 'file-changed-proftpd-curl';
    const a = await analyze(name);
    const grow = transfers(a)[1];
    expect([grow.request?.frame, grow.reply?.code, grow.reply?.frame, grow.connection?.rst?.frame, grow.connection?.rst?.by, grow.bytes, grow.expectedSize]).toEqual([128, 426, 227, 226, 'client', 65536, 60000]);
    expect(grow.verdict).toEqual(expect.objectContaining({ kind: 'aborted', by: 'client', bytes: 65536, expected: 60000 }));
    const [diagnose, explain] = await outputs(name, 'diagnose', 'explain');
    // Before: "65536 bytes of 60000 announced had been transferred", advice "it was interrupted, timed out or was killed".
    expect(diagnose).toContain('That reset came after 65536 bytes, more than the 60000 announced, while the server was still sending: the file grew on the server while it was sent');
    expect(diagnose).toContain('65536 bytes (60000 announced) had been transferred');
    expect(diagnose).toContain('What to change: The file changed on the server while it was sent');
    expect(diagnose).not.toContain('of 60000 announced');
    expect(diagnose).not.toContain('timed out or was killed');
    expect(explain).toContain('Verdict: transfer 1 aborted by the client after 65,536 bytes (60,000 announced) (426, frame 227).');
  });
});

describe('2b. a file truncated under vsftpd while a slow reader fetches it', () => {
  it('file-truncated-vsftpd-python: vsftpd closes the data connection itself after 196608 of 200000 bytes and says 426 Failure writing network stream: aborted by the server, which stopped on its own; the slow reader is no stall', async () => {
    const name = 'file-truncated-vsftpd-python';
    const f = facts(name);
    // The file was 200000 bytes when RETR began; the client got 196608, of which only the first 60000 (the file's new length) are the file's.
    expect([f.files[0].size, f.files[0].received.size, f.files[0].received_matches, f.client.received_matching_prefix]).toEqual([200000, 196608, false, 60000]);
    expect(ftpRows(name)).toEqual(['6:220', '8:USER', '10:331', '11:PASS', '13:230', '14:TYPE', '16:200', '17:PASV', '18:227', '22:RETR', '23:150', '287:426', '291:QUIT', '292:221']);
    const a = await analyze(name);
    expect(exchanges(a)).toEqual(tsharkExchanges(name));
    const [t] = transfers(a);
    const c = t.connection!;
    expect([t.expectedSize, t.bytes, c.gapBytes, c.rst, c.handshake.find((e) => e.type === 'fin' && e.by === 'server')?.frame, c.zeroWindowFrames.slice(0, 5)]).toEqual([
      200000, 196608, 0, null, 285, [29, 36, 42, 48, 54],
    ]);
    expect(t.verdict).toEqual(expect.objectContaining({ kind: 'aborted', by: 'server', bytes: 196608, expected: 200000 }));
    // Before: stalled, "The receiving side (client) advertised a zero window at frames 29, 36, 42, 48 and 54: it stopped reading"
    // (the client read 4 KiB every 50 ms: no pause longer than 0.5 s), advice "check the receiving side's disk and process".
    expect(causes(a)).toEqual(['aborted', 'aborted']);
    expect(t.diagnosis?.evidence).toContain(285);
    const [summary, diagnose, explain] = await outputs(name, 'summary', 'diagnose', 'explain');
    expect(summary).toContain('aborted (server)');
    expect(diagnose).toContain('The server closed the data connection itself (FIN, frame 285) after 196608 of the 200000 bytes it announced, with no reset and nothing missing from the capture: it stopped sending on its own. The server replied 426 Failure writing network stream (frame 287).');
    expect(diagnose).toContain('What to change: The server stopped sending on its own and then reported a failure');
    expect(explain).toContain('Verdict: transfer 1 aborted by the server after 196,608 of 200,000 bytes (426, frame 287).');
    for (const o of [summary, diagnose, explain]) {
      expect(o).not.toContain('stalled');
      expect(o).not.toContain('it stopped reading');
      expect(o).not.toContain('something in between cut');
    }
  });
});

describe('3. the server refuses after the client opened the passive data connection', () => {
  it('denied-proftpd-lftp: RETR of a mode-000 file, RETR of a directory, STOR into a read-only directory: 550 each, server-refused; the empty data connections are no network problem', async () => {
    const name = 'denied-proftpd-lftp';
    const f = facts(name);
    expect(f.files.map((x: any) => [x.op, x.path, x.received?.size ?? null])).toEqual([
      ['RETR', 'secret.bin', null],
      ['RETR', 'pub', null],
      ['STOR', 'ro/upload.txt', null],
      ['RETR', 'hello.txt', 511],
    ]);
    const a = await analyze(name);
    expect(exchanges(a)).toEqual(tsharkExchanges(name));
    expect(
      transfers(a).map((t) => [t.request?.command, t.request?.arg, t.request?.frame, t.reply?.code, t.reply?.frame, t.connection?.established, t.bytes, t.verdict.kind]),
    ).toEqual([
      ['RETR', 'secret.bin', 64, 550, 66, true, 0, 'failed'],
      ['RETR', 'pub', 76, 550, 78, true, 0, 'failed'],
      ['STOR', 'ro/upload.txt', 84, 550, 86, true, 0, 'failed'],
      ['RETR', 'hello.txt', 96, 226, 103, true, 511, 'completed'],
    ]);
    expect(causes(a)).toEqual(['server-refused', 'server-refused', 'server-refused']);
    const [summary, diagnose, explain, timeline] = await outputs(name, 'summary', 'diagnose', 'explain', 'timeline');
    expect(summary).toContain('3 failed, 1 complete');
    expect(diagnose).toContain('The server answered RETR (frame 64) with 550 secret.bin: Permission denied at frame 66');
    expect(diagnose).toContain('The server answered RETR (frame 76) with 550 pub: Not a regular file at frame 78');
    expect(diagnose).toContain('The server answered STOR (frame 84) with 550 ro/upload.txt: Permission denied at frame 86');
    expect(diagnose).toContain('The data connection had opened, but nothing moved on it');
    // What each 550's own text says, and the advice for it (before: "not found, or no permission", "Check the path" for all three).
    expect(diagnose).toContain('Permission denied at frame 66: the server denies the user access to the file');
    expect(diagnose).toContain('Not a regular file at frame 78: the name is a directory, not a file');
    expect(diagnose).toContain('What to change: RETR and STOR take a file, and the name is a directory on the server: list it (LIST) or change into it (CWD) on the client.');
    // The RETR's advice is about the file; the STOR's (fifteenth audit; before: the RETR's words) about writing there.
    expect(diagnose.match(/What to change: The user may not read or write that file on the server/g)).toHaveLength(1);
    expect(diagnose).toContain("What to change: The user may not write there: check the folder's permissions on the server");
    expect(diagnose).not.toContain('not found, or no permission');
    for (const o of [summary, diagnose, explain, timeline]) expect(o).not.toMatch(NETWORK_BLAME);
    const html = await reportPage(name, tmp);
    expect(html).toContain('server-refused');
  });
});

describe("4. a server's own 425 for a data connection from another address", () => {
  it("bad-ip-vsftpd-python: 425 Security: Bad IP connecting for a data connection from the client's second address, both unrouted at a client-side capture: the client's own address, not a NAT pool", async () => {
    const name = 'bad-ip-vsftpd-python';
    expect(ftpRows(name)).toEqual(['6:220', '8:USER', '10:331', '11:PASS', '13:230', '14:TYPE', '16:200', '17:PASV', '18:227', '24:RETR', '26:425', '29:TYPE', '30:200', '31:PASV', '32:227', '36:RETR', '37:150', '43:226', '45:QUIT', '46:221']);
    const a = await analyze(name);
    expect(exchanges(a)).toEqual(tsharkExchanges(name));
    const [bad, good] = transfers(a);
    expect([bad.connection?.client.ip, bad.connection?.marks.ttl.client, a.sessions[0].client.ip, a.sessions[0].ttl.client]).toEqual(['192.0.2.11', 64, '192.0.2.10', 64]);
    expect([bad.reply?.code, bad.reply?.frame, bad.bytes, bad.verdict.kind]).toEqual([425, 26, 0, 'failed']);
    expect([good.reply?.code, good.reply?.frame, good.bytes, good.verdict.kind]).toEqual([226, 43, 511, 'completed']);
    expect(causes(a)).toEqual(['passive-peer-mismatch']);
    const [summary, diagnose, explain] = await outputs(name, 'summary', 'diagnose', 'explain');
    expect(summary).toContain('1 failed, 1 complete');
    // Before: "both are the same client behind a NAT that gave each new connection another outside address", advice "A NAT in front of the client…".
    expect(diagnose).toContain('Both addresses send from this capture\'s own segment (TTL 64 and 64, unchanged by any router), so no NAT changed them');
    expect(diagnose).toContain('the client itself opened it from another of its own addresses');
    expect(diagnose).toContain("What to change: Make the client open its data connections from the control connection's address");
    for (const o of [diagnose, explain]) expect(o).not.toContain('behind a NAT');
    expect(diagnose).not.toContain('A NAT in front of the client');
  });

  it('snat-pool-*: where the other address arrives routed (server side) or the capture sees one address (client side inside the NAT), the NAT reading stays', async () => {
    const [server] = await outputs('snat-pool-server-side-vsftpd-curl', 'diagnose');
    expect(server).toContain('both are the same client behind a NAT');
    expect(server).toContain('What to change: A NAT in front of the client');
    const [client] = await outputs('snat-pool-client-side-vsftpd-curl', 'diagnose');
    expect(client).toContain('a NAT between this capture point and the server gave the two connections different outside addresses');
  });
});

describe('5. the server refuses or gives up before any data connection', () => {
  it('active-denied-vsftpd-lftp: PORT accepted, RETR of a mode-000 file refused with 550 before vsftpd connects; the unused active port is no network problem; the next RETR completes', async () => {
    const name = 'active-denied-vsftpd-lftp';
    expect(facts(name).files.map((x: any) => [x.path, x.received?.size ?? null])).toEqual([
      ['secret.bin', null],
      ['hello.txt', 511],
    ]);
    const a = await analyze(name);
    expect(exchanges(a)).toEqual(tsharkExchanges(name));
    expect(transfers(a).map((t) => [t.mode, t.announce?.command, t.announce?.frame, t.request?.frame, t.reply?.code, t.reply?.frame, t.connection === null, t.verdict.kind])).toEqual([
      ['active', 'PORT', 34, 36, 550, 37, true, 'failed'],
      ['active', 'PORT', 42, 44, 226, 54, false, 'completed'],
    ]);
    expect(causes(a)).toEqual(['server-refused']);
    const [summary, diagnose, explain, timeline] = await outputs(name, 'summary', 'diagnose', 'explain', 'timeline');
    expect(diagnose).toContain('The server answered RETR (frame 36) with 550 Failed to open file at frame 37: the file is unavailable: not found, or no permission. No data connection was attempted.');
    for (const o of [summary, diagnose, explain, timeline]) expect(o).not.toMatch(NETWORK_BLAME);
  });

  it('noconnect-proftpd-python: PASV, RETR, no SYN from the client in a client-side capture, and proftpd closes the session 6.8 s later: the client never connected (failed, no-attempt), not a capture that ended or lacks the data connection', async () => {
    const name = 'noconnect-proftpd-python';
    const f = facts(name);
    expect([f.capture.packets, f.files[0].received]).toEqual([23, null]);
    expect(ftpRows(name)).toEqual(['6:220', '8:USER', '10:331', '11:PASS', '13:230', '14:TYPE', '16:200', '17:PASV', '18:227', '19:RETR', '22:QUIT']);
    const a = await analyze(name);
    expect(exchanges(a)).toEqual(tsharkExchanges(name));
    const s = a.sessions[0];
    expect([s.closedBy?.by, s.closedBy?.frame]).toEqual(['server', 21]);
    const [t] = transfers(a);
    expect([t.announce?.frame, t.request?.frame, t.reply, t.connection]).toEqual([18, 19, null, null]);
    // The server gave up on it: failed (was "incomplete: the session ended" beside a no-attempt diagnosis).
    expect([t.status, t.verdict.kind]).toEqual(['failed', 'failed']);
    // Before: not-in-capture, "The capture ends 6.8 s after the request before any reply or data connection",
    // advice "Take the capture where both connections pass" — for a capture taken at the client, which went on.
    expect(causes(a)).toEqual(['no-attempt', 'no-attempt']); // the session's (its one failed transfer's) and the transfer's
    expect(t.diagnosis?.evidence).toEqual([18, 19, 21]);
    const [summary, diagnose, explain] = await outputs(name, 'summary', 'diagnose', 'explain');
    expect(summary).toContain('no-attempt: no data connection was attempted');
    expect(diagnose).toContain('No reply to RETR (frame 19) came: the server closed the control connection 6.8 s later (frame 21) without a word, and no connection attempt to 198.51.100.20:50015 by either side is in the capture.');
    expect(diagnose).toContain('so it would hold the client\'s SYN had it sent one: the client never tried to connect');
    expect(diagnose).toContain('What to change: The client sent RETR without connecting to the passive port the server offered');
    for (const o of [summary, diagnose, explain]) {
      expect(o).not.toContain('The capture ends');
      expect(o).not.toContain('not in the capture');
    }
  });
});
