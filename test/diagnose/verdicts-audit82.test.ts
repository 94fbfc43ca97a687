/**
 * The eighty-second verdict audit, on real recordings (fixtures/record.sh, "Eighty-second verdict
 * audit"): Twisted's FTP server (twisted.protocols.ftp 22.4) with lftp, curl, tnftp and ftplib.
 * (bftpd, the audit's first choice, is packaged by Debian in neither bookworm nor sid.)
 *
 * Twisted's ways: 125 instead of 150 whenever the data connection is open; one command at a time
 * (a command sent while one is in progress is read when it ends, so ABOR waits for the transfer's
 * end and QUIT for a pending PASV); no ABOR at all; after PASV a 10 s wait for the client's data
 * connection, then a second answer to PASV ("550 Requested action not taken: internal server
 * error") although its 227 was sent; on PORT it connects at once and answers PORT itself (425).
 *
 * Two false verdicts found and fixed:
 * - a82-abor-stor-twisted-python: the client sent ABOR, then closed its upload's data connection
 *   after 16384 of 100000 bytes; Twisted answered that close with 226. The transfer was "completed"
 *   (the ABOR taken for a no-op, late one); it is aborted by the client (verdict.ts closedAfterOwnAbort).
 * - a82-pasv-timeout-quit-*: Twisted's late 550 to PASV came while the client's QUIT waited, and
 *   was paired with QUIT (explain: "QUIT → 550"), the 221 left unasked; the 221 is QUIT's, the 550
 *   the server's unasked word (session-builder.ts unaskedBeforeQuit).
 *
 * - a82-range-resume-twisted-curl: curl -C - sent REST 4000, Twisted answered "502 Command 'REST'
 *   not implemented"; the diagnosis (server-refused) advised "switch the client to another (e.g. PASV
 *   instead of EPSV)"; it now says the server cannot resume: transfer the whole file (transfer.ts
 *   RESUME_REFUSED, a REST answered 500/502).
 * - a82-ipv6-twisted-lftp-curl: over IPv6 Twisted 22.4 has neither EPSV nor EPRT (502 to each, in
 *   sessions lftp reconnected between). Each diagnosis advised the other one ("use active mode
 *   (EPRT)" after the EPSV, "use passive mode (EPSV)" after the EPRT) that the capture shows refused
 *   too; the advice now says no data connection can be opened over IPv6 with this server (transfer.ts
 *   serverLacked, an index of what each server lacks, built once per capture).
 *
 * Frames are tshark's (NAME.tshark-*.tsv), sizes the recorder's (NAME.facts.json).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { analyze, facts, flagged, flat, ftpRows, jsonVerdicts, nothingFailed, outputs, transfer, transferRows, verdicts } from './audit-fixtures.js';

const tmp = mkdtempSync(join(tmpdir(), 'ftpcap-audit82-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('eighty-second audit: Twisted, healthy', () => {
  const name = 'a82-healthy-twisted-three-clients';
  it('lftp and curl (PASV, 125 before the data) and tnftp (PORT, connected on PORT): every transfer completed, its bytes the files', async () => {
    const a = await analyze(name);
    expect(transferRows(a)).toEqual([
      ['1.1', 'PASV', 24, 'RETR a82-twenty.bin', 28, 1, 20000, 226, 63, 'completed'],
      ['1.2', 'PASV', 66, 'STOR a82-up-lftp.bin', 70, 2, 30000, 226, 118, 'completed'],
      ['2.1', 'PASV', 142, 'RETR hello.txt', 150, 4, 511, 226, 158, 'completed'],
      ['3.1', 'PASV', 178, 'STOR a82-up-curl.txt', 184, 6, 259, 226, 192, 'completed'],
      ['4.1', 'PORT', 217, 'LIST .', 222, 8, 534, 226, 223, 'completed'],
      ['4.2', 'PORT', 233, 'RETR small.bin', 238, 9, 3000, 226, 250, 'completed'],
    ]);
    const sizes = facts(name).files.filter((f: { size?: number }) => f.size !== undefined).map((f: { size: number }) => f.size);
    expect(sizes).toEqual([20000, 30000, 511, 259, 3000]);
    expect(transfer(a, '1.1').preliminary?.code).toBe(125);
  });
  it('nothing is called failed in any output', () => nothingFailed(name, tmp));
});

describe('eighty-second audit: the passive range dropped by the router, the active data SYN reset by the client', () => {
  it('lftp: passive-syn-unanswered at the client (Twisted\'s unasked 550 after 10 s named), passive-unreached at the server', async () => {
    const client = await analyze('a82-pasv-drop-twisted-lftp');
    expect(verdicts(client)).toEqual([['1.1', 'failed', 'passive-syn-unanswered', null]]);
    expect(flat(transfer(client, '1.1').diagnosis!.summary)).toContain('The server gave up waiting for the connection: it said, unasked, 550 Requested action not taken: internal server error (frame 35, 10 s after its 227)');
    const server = await analyze('a82-pasv-drop-server-side-twisted-lftp');
    expect(verdicts(server)).toEqual([['1.1', 'failed', 'passive-unreached', null]]);
    // At the server too, Twisted's unasked 550 is the server giving up, told before the client's close (frame 30).
    const d = transfer(server, '1.1').diagnosis!;
    expect(flat(d.summary)).toContain('The server gave up waiting for the connection: it said, unasked, 550 Requested action not taken: internal server error (frame 28, 10 s after its 227). The client then closed the session (frame 30');
    expect(d.evidence).toEqual([24, 28, 30]);
    expect(facts('a82-pasv-drop-twisted-lftp').client.got_file).toBe('no');
  });
  it('curl: EPSV refused (502) is no failure, the PASV that followed failed, at both capture points', async () => {
    expect(verdicts(await analyze('a82-epsv-drop-twisted-curl'))).toEqual([['1.1', 'fell-back', null, null], ['1.2', 'failed', 'passive-syn-unanswered', null]]);
    expect(verdicts(await analyze('a82-epsv-drop-server-side-twisted-curl'))).toEqual([['1.1', 'fell-back', null, null], ['1.2', 'failed', 'passive-unreached', null]]);
  });
  it('tnftp (PORT): both attempts active-refused, Twisted answering PORT itself with 425, at both capture points', async () => {
    for (const name of ['a82-port-reject-twisted-tnftp', 'a82-port-reject-server-side-twisted-tnftp']) {
      expect(ftpRows(name, '0').filter(([, x]) => x === 'PORT' || x === '425')).toEqual([[21, 'PORT'], [24, '425'], [29, 'PORT'], [32, '425']]);
      const a = await analyze(name);
      expect(verdicts(a)).toEqual([['1.1', 'failed', 'active-refused', '1.2 REST null failed'], ['1.2', 'failed', 'active-refused', null]]);
      expect(transfer(a, '1.1').connection!.rst).toMatchObject({ frame: 23, by: 'client' });
      // A reset came back: the source-port-20 note speaks of a firewall rejecting, not dropping.
      expect(flat(transfer(a, '1.1').diagnosis!.summary)).toContain('not from port 20: a client-side firewall that admits active-mode data only from source port 20 rejects such connections');
      expect(await jsonVerdicts(name)).toEqual([['1.1', 'failed', 'active-refused'], ['1.2', 'failed', 'active-refused']]);
    }
  });
});

describe('eighty-second audit: ABOR, which Twisted does not implement and reads only after the transfer', () => {
  it('RETR: aborted by the client though Twisted said 226; its ABOR never answered', async () => {
    const name = 'a82-abor-twisted-python';
    const a = await analyze(name);
    expect(verdicts(a)).toEqual([['1.1', 'aborted', 'aborted', null]]);
    expect(facts(name).client.saved).toBe('83152 bytes');
    expect(transfer(a, '1.1').reply?.code).toBe(226);
  });

  it('STOR: the client sent ABOR (frame 49), then closed its data connection (FIN 52) after 16384 of 100000 bytes: aborted, not completed (before: completed, a no-op ABOR)', async () => {
    const name = 'a82-abor-stor-twisted-python';
    expect(ftpRows(name, '0').slice(-2)).toEqual([[49, 'ABOR'], [55, '226']]);
    expect(flagged(name, '0x0011', '50000')).toEqual([52, 53]);
    expect(facts(name).server.stored_bytes).toBe(16384);
    expect(facts(name).files[0].size).toBe(100000);
    const a = await analyze(name);
    expect(verdicts(a)).toEqual([['1.1', 'aborted', 'aborted', null]]);
    const t = transfer(a, '1.1');
    expect([t.bytes, t.abortFrame, t.lateAbortFrame, t.reply?.code]).toEqual([16384, 49, undefined, 226]);
    expect(await jsonVerdicts(name)).toEqual([['1.1', 'aborted', 'aborted']]);
    const [transfers, diagnose, timeline, logs] = await outputs(name, 'transfers', 'diagnose', 'timeline', 'logs');
    expect(flat(transfers)).toContain('aborted by the client after 16,384 bytes (226, frame 55)');
    expect(flat(transfers)).not.toContain('no-op ABOR');
    expect(flat(diagnose)).toContain('The client sent ABOR at frame 49. The server replied 226 Transfer Complete (frame 55).');
    expect(timeline).not.toContain('nothing was aborted');
    expect(flat(logs)).toContain(' passive STOR a82-up100k.bin aborted by-client aborted ');
  });
});

describe("eighty-second audit: Twisted's late second answer to PASV while the client's QUIT waits", () => {
  for (const [name, quit, cause] of [
    ['a82-pasv-timeout-quit-twisted-python', 22, 'passive-syn-unanswered'],
    ['a82-pasv-timeout-quit-server-side-twisted-python', 18, 'passive-unreached'],
  ] as const) {
    it(`${name}: QUIT (frame ${quit}) answered by the 221, the 550 unasked (before: QUIT → 550, the 221 unasked)`, async () => {
      const reply = quit + 2;
      // tshark shows the segment's first line: the 550, the 221 after it in the same segment.
      expect(ftpRows(name, '0').slice(-4)).toEqual([[15, 'PASV'], [16, '227'], [quit, 'QUIT'], [reply, '550']]);
      const a = await analyze(name);
      expect(verdicts(a)).toEqual([['1.1', 'failed', cause, null]]);
      const cmds = a.sessions[0].commands.slice(-2).map((c) => [c.command, c.frame, c.reply?.code, c.reply?.frame]);
      // The 550 stands before the QUIT in the list: it came first in the segment the 221 ends.
      expect(cmds).toEqual([[null, reply, 550, reply], ['QUIT', quit, 221, reply]]);
      const [explain, timeline, commands] = await outputs(name, 'explain', 'timeline', 'commands');
      // The timeline and the commands table tell the segment's two lines as sent: 550, then 221.
      for (const text of [timeline, commands]) {
        const [q, l550, l221] = [' QUIT ', ' 550 Requested', ' 221 Goodbye'].map((w) => text.indexOf(w));
        expect([q >= 0, q < l550, l550 < l221]).toEqual([true, true, true]);
      }
      expect(flat(explain)).toContain(`QUIT (frame ${quit}) → 221 Goodbye. (frame ${reply})`);
      expect(flat(explain)).toContain(`The server says, unasked: 550 Requested action not taken: internal server error (frame ${reply})`);
      expect(flat(explain)).not.toContain('without a QUIT answered by 221');
    });
  }
  it('at the client, the diagnosis names the 550 as the server giving up its wait, 10 s after its 227', async () => {
    const a = await analyze('a82-pasv-timeout-quit-twisted-python');
    expect(flat(transfer(a, '1.1').diagnosis!.summary)).toContain('The server gave up waiting for the connection: it said, unasked, 550 Requested action not taken: internal server error (frame 24, 10 s after its 227)');
  });
});

describe('eighty-second audit: curl against a server without REST', () => {
  const name = 'a82-range-resume-twisted-curl';
  it('curl -r 0-9999 (no REST): aborted by the client (its ABOR, 426), not a failure of the server or the network', async () => {
    expect(facts(name).client.saved).toBe('a82-first10k.bin 10000 bytes; a82-resume.bin 4000 bytes');
    const a = await analyze(name);
    expect(verdicts(a)).toEqual([['1.1', 'aborted', 'aborted', null], ['2.1', 'unused', 'server-refused', null]]);
    expect([transfer(a, '1.1').abortFrame, transfer(a, '1.1').reply?.code, transfer(a, '1.1').reply?.frame]).toEqual([69, 426, 71]);
  });
  it("curl -C -: REST 4000 answered 502: the server cannot resume, and the advice is the whole file, not PASV for EPSV (before: 'e.g. PASV instead of EPSV')", async () => {
    expect(ftpRows(name, '2').slice(-2)).toEqual([[97, 'REST'], [98, '502']]);
    const d = transfer(await analyze(name), '2.1').diagnosis!;
    expect(d.summary).toContain("502 Command 'REST' not implemented at frame 98: the server does not implement REST: it cannot start a transfer at an offset (no resume)");
    expect(d.advice).toBe('The server cannot resume a transfer (it has no REST): transfer the whole file from its start on the client (a download: remove the partial local copy or do not resume, e.g. curl without -C, lftp get without -c; an upload: STOR it whole).');
    expect(d.advice).not.toContain('EPSV');
  });
});

describe('eighty-second audit: Twisted over IPv6, which has neither EPSV nor EPRT', () => {
  const name = 'a82-ipv6-twisted-lftp-curl';
  it('three sessions (lftp EPSV, lftp EPRT after reconnecting, curl EPSV), each refused with 502: failed, server-refused, and no advice names the other refused command as the way out', async () => {
    expect(facts(name).family).toBe('ipv6');
    expect(facts(name).client.got_file).toBe('lftp no, curl no');
    const announcing = (stream: string): Array<[number, string]> => ftpRows(name, stream).filter(([, x]) => /^(EPSV|EPRT|PASV|PORT|5\d\d)$/.test(x));
    expect(announcing('0')).toEqual([[23, 'EPSV'], [24, '502']]);
    expect(announcing('1')).toEqual([[44, 'EPRT'], [45, '502']]);
    const a = await analyze(name);
    expect(verdicts(a)).toEqual([
      ['1.1', 'failed', 'server-refused', '2.1 REST null failed'],
      ['2.1', 'failed', 'server-refused', '3.1 REST null failed'],
      ['3.1', 'failed', 'server-refused', null],
    ]);
    const neither = (cmd: string, other: string): string =>
      `The server implements neither ${cmd} nor ${other}: over IPv6 no data connection can be opened with it (PASV and PORT carry only IPv4 addresses). Reach it over IPv4 (PASV or PORT), or use a server that implements EPSV and EPRT (RFC 2428).`;
    expect(a.sessions.map((s) => s.transfers[0].diagnosis!.advice)).toEqual([neither('EPSV', 'EPRT'), neither('EPRT', 'EPSV'), neither('EPSV', 'EPRT')]);
    expect(transfer(a, '1.1').diagnosis!.summary).toContain("502 Command 'EPSV' not implemented at frame 24: the server does not implement EPSV, nor EPRT (502, frame 45): over IPv6 it opens no data connection");
    expect(transfer(a, '1.1').diagnosis!.evidence).toEqual([23, 24, 45]);
    const [diagnose] = await outputs(name, 'diagnose');
    expect(flat(diagnose)).not.toMatch(/use active mode \(EPRT\)|use passive mode \(EPSV\)/);
  });
});
