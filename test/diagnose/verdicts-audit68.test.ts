/**
 * The sixty-eighth verdict audit, on real recordings (fixtures/record.sh, "sixty-eighth audit"): FXP
 * (server-to-server) copies that fail. lftp (ftp:use-fxp, fxp-force) or ftplib sends PASV to vsftpd
 * (A, 198.51.100.20) and PORT naming A's endpoint to pyftpdlib (B, 203.0.113.30); the data connection
 * runs between the two servers. Each copy is captured at the router (all three connections) and at
 * the client (-client-side-: the two control connections only).
 *
 * a68-fxp-data-drop-* / a68-fxp-data-reject-*: the router DROPs (or resets) B's SYN to A's passive
 * port. Before this audit, at the router: "active-syn-unanswered: the server could not reach the
 * client" (B's PORT) and "passive-syn-unanswered: the client could not reach the server's passive
 * port … a firewall on the client host" (A's RETR), with the advice to use passive mode on the client;
 * at the client, "fxp-refused: the server will not connect to another server", B's 425 (a failed
 * connection) read as a refusal by policy. Now fxp-unreached at both points: the copy failed between
 * the two servers, the client's network no part of it.
 *
 * a68-fxp-stor-refused-*: B may not write (perm elr). pyftpdlib connects at PORT, A sends on its RETR,
 * B resets the data connection and refuses the STOR (550, no 1xx). Before: B's STOR "aborted (an error
 * reply after data moved)" at the router (the 550 came before any byte; the bytes were A's push) and
 * A's RETR "aborted (client) … look at the client side" (B reset it, not the FTP client); B's PORT with
 * no command of its own "unknown (command not captured)" (A's bytes taken for a lost command's); at the
 * client, the STOR "fxp-unreached" although both servers said the connection was made (200, 150).
 *
 * a68-fxp-abort-*: ftplib sends ABOR (in-band, or urgent) on A's rate-limited RETR; vsftpd answers it
 * only once the file is sent: 226, then "225 No transfer to ABOR". Both servers hold the whole file.
 * Before: at the client, A's RETR "aborted (client)" while B's STOR read complete.
 *
 * a68-fxp-data-timeout-*: the router drops A's data to B past 40 kB; vsftpd's data timeout (421).
 * Before: at the client, A's RETR "failed: the server refused the command" (a 421 after its 150),
 * and the abort's words claimed "0 bytes of 150000" moved, which the client cannot see.
 *
 * Frames are tshark's (NAME.tshark-*.tsv), sizes and sha256 the recorder's (NAME.facts.json).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { analyze, derived, facts, flat, jsonVerdicts, outputs, transfer, verdicts } from './audit-fixtures.js';

const tmp = mkdtempSync(join(tmpdir(), 'ftpcap-audit68-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const pair = (name: string, a: string, b: string) => ({ name, a, b });

describe('sixty-eighth audit: the data path between the two servers dropped or reset', () => {
  for (const { name, a, b } of [
    pair('a68-fxp-data-drop-vsftpd-pyftpdlib-lftp', '2.1', '1.1'),
    pair('a68-fxp-data-drop-client-side-vsftpd-pyftpdlib-lftp', '2.1', '1.1'),
    pair('a68-fxp-data-reject-vsftpd-pyftpdlib-lftp', '2.1', '1.1'),
    pair('a68-fxp-data-reject-client-side-vsftpd-pyftpdlib-lftp', '2.1', '1.1'),
  ]) {
    it(`${name}: B's PORT and A's RETR both failed, fxp-unreached, at either capture point`, async () => {
      expect(facts(name).files.map((x: any) => [x.op, x.received])).toEqual([['RETR', null], ['STOR', null]]);
      const an = await analyze(name);
      const port = transfer(an, a);
      const retr = transfer(an, b);
      expect([port.mode, port.fxp !== undefined, retr.request?.command, retr.fxp !== undefined]).toEqual(['active', true, 'RETR', true]);
      for (const t of [port, retr]) expect([t.verdict.kind, t.diagnosis?.cause]).toEqual(['failed', 'fxp-unreached']);
      const json = new Map((await jsonVerdicts(name)).map(([id, ...rest]) => [id, rest]));
      expect([json.get(a), json.get(b)]).toEqual([['failed', 'fxp-unreached'], ['failed', 'fxp-unreached']]);
      const [diagnose, summary] = await outputs(name, 'diagnose', 'summary');
      expect(diagnose).not.toMatch(/could not reach the client|client's firewall|firewall on the client|passive mode on the client/);
      expect(summary).not.toMatch(/syn-unanswered/);
      expect(diagnose).toContain('The data connection of an FXP copy runs between the two servers, not through the client');
    });
  }

  it("at the router: B's SYN to A in the frames; at the client: only the servers' replies, no claim about a SYN", async () => {
    const [router] = await outputs('a68-fxp-data-drop-vsftpd-pyftpdlib-lftp', 'diagnose');
    expect(router).toContain('203.0.113.30 sent SYN to 198.51.100.20:50082 at frames 67, 70, 71, 72 and 73. It never got an answer. 203.0.113.30 answered PORT with 421 Active data channel timed out (frame 74).');
    expect(transfer(await analyze('a68-fxp-data-drop-vsftpd-pyftpdlib-lftp'), '2.1').diagnosis!.evidence).toEqual([66, 67, 70, 71, 72, 73, 74, 180]);
    const [client] = await outputs('a68-fxp-data-drop-client-side-vsftpd-pyftpdlib-lftp', 'diagnose');
    expect(client).toContain('203.0.113.30 answered PORT with 421 Active data channel timed out (frame 68).');
    expect(client).toContain('198.51.100.20 answered RETR with 425 Failed to establish connection (frame 172).');
    expect(client).toContain('This capture holds only the client\'s control connections: the data connection runs between the two servers, so where it was stopped is not visible here');
    expect(client).not.toMatch(/sent SYN/);
  });

  it("a PORT refused by policy (vsftpd's 500 Illegal PORT) stays fxp-refused", async () => {
    const an = await analyze('a68-fxp-data-reject-vsftpd-pyftpdlib-lftp');
    expect([transfer(an, '3.1').announce?.reply?.code, transfer(an, '3.1').diagnosis?.cause, transfer(an, '2.2').diagnosis?.cause]).toEqual([500, 'fxp-refused', 'fxp-refused']);
  });
});

describe('sixty-eighth audit: the destination refuses the STOR after the source started', () => {
  const router = 'a68-fxp-stor-refused-vsftpd-pyftpdlib-lftp';
  const client = 'a68-fxp-stor-refused-client-side-vsftpd-pyftpdlib-lftp';

  it('at the router: the STOR refused (550 before any 1xx), A\'s RETRs aborted by the other server, B\'s bare PORT no lost command', async () => {
    const an = await analyze(router);
    expect(verdicts(an)).toEqual([
      ['1.1', 'aborted', 'aborted', null],
      ['1.2', 'failed', 'fxp-refused', null],
      ['1.3', 'failed', 'server-refused', null],
      ['2.1', 'aborted', 'aborted', null],
      ['2.2', 'failed', 'fxp-refused', null],
      ['3.1', 'aborted', 'aborted', null],
    ]);
    expect(transfer(an, '1.1').inferred).toBeUndefined();
    expect([transfer(an, '1.3').reply?.code, transfer(an, '1.3').reply?.frame, transfer(an, '1.3').preliminary]).toEqual([550, 243, null]);
    // B reset the data connections (frames 131 and 241), the second before the client's ABOR on A (frame 246).
    expect(transfer(an, '2.1').verdict).toMatchObject({ kind: 'aborted', by: 'other-server', bytes: 60816 });
    expect(transfer(an, '3.1').verdict).toMatchObject({ kind: 'aborted', by: 'other-server', bytes: 60816 });
    const [summary, diagnose] = await outputs(router, 'summary', 'diagnose');
    expect(summary).not.toMatch(/command not captured/);
    expect(summary).toContain('aborted (other server)');
    expect(diagnose).toContain('The other server of the FXP copy, 203.0.113.30 (the far end of the data connection, not the FTP client), reset the data connection at frame 131');
    expect(diagnose).not.toMatch(/look at the client side/);
    // B's bare PORT half: A pushed on its RETR before B had a STOR, and B reset the connection (frame 131).
    expect(diagnose).toContain("An FXP copy: the other server (198.51.100.20) sent into this data connection on its own transfer command (transfer 2.1) before this server had been given one for it, and this server reset it.");
    expect(diagnose).toContain("60816 bytes had been sent; the server's reset acknowledged every one of them");
  });

  it('at the client: the STOR refused, not fxp-unreached (both servers said the connection was made); the bare PORT not diagnosed by a SIZE 550', async () => {
    const an = await analyze(client);
    expect(verdicts(an)).toEqual([
      // Review 77: the bare PORT's connection was made and used by A's RETR (2.1: 150, then 426): aborted with it, not unused.
      ['1.1', 'aborted', 'aborted', null],
      ['1.2', 'failed', 'fxp-refused', null],
      ['1.3', 'failed', 'server-refused', null],
      ['2.1', 'aborted', 'aborted', null],
      ['2.2', 'failed', 'fxp-refused', null],
      ['3.1', 'aborted', 'aborted', null],
    ]);
    // No connection in this capture: who stopped A's first RETR (426, no ABOR) is not said.
    expect(transfer(an, '2.1').verdict).toMatchObject({ kind: 'aborted', by: null });
    expect(transfer(an, '1.1').verdict).toMatchObject({ kind: 'aborted', by: null });
    expect(transfer(an, '1.1').diagnosis!.summary).not.toMatch(/SIZE/);
  });
});

describe('sixty-eighth audit: an ABOR that came to nothing (225) on an FXP copy', () => {
  for (const name of [
    'a68-fxp-abort-source-vsftpd-pyftpdlib-python',
    'a68-fxp-abort-source-client-side-vsftpd-pyftpdlib-python',
    'a68-fxp-abort-oob-vsftpd-pyftpdlib-python',
    'a68-fxp-abort-oob-client-side-vsftpd-pyftpdlib-python',
  ]) {
    it(`${name}: both halves complete, agreeing`, async () => {
      const f = facts(name);
      expect(f.files.map((x: any) => [x.op, x.received.size, x.received_matches])).toEqual([['RETR', 150000, true], ['STOR', 150000, true]]);
      expect(f.client.output).toContain('A 225 No transfer to ABOR.');
      const an = await analyze(name);
      const kinds = verdicts(an).map((v) => v[1]);
      const clientSide = name.includes('-client-side-');
      expect(kinds).toEqual(clientSide ? ['not-captured', 'not-captured'] : ['completed', 'completed']);
      expect(an.sessions.every((s) => s.transfers.every((t) => t.diagnosis === null && t.status === 'complete'))).toBe(true);
      const [summary] = await outputs(name, 'summary');
      expect(summary).not.toMatch(/aborted/);
    });
  }
});

describe('sixty-eighth audit: the same copies cut before the ABOR was answered', () => {
  it('at the client, cut after the RETR\'s 226 and before the ABOR\'s 225: not known yet, not aborted', async () => {
    const name = 'a68-fxp-abort-source-client-side-vsftpd-pyftpdlib-python';
    const full = await analyze(name);
    expect([transfer(full, '1.1').abortFrame, transfer(full, '1.1').lateAbortFrame, transfer(full, '1.1').reply?.frame]).toEqual([null, 40, 44]);
    const d = await derived(tmp, name, 'before-225', (f) => f <= 44);
    const t = transfer(d.a, '1.1');
    expect([t.status, t.verdict.kind, t.diagnosis]).toEqual(['incomplete', 'not-captured', null]);
    // B's 226 came first: the STOR complete by its server's word. Cut before it, incomplete, and no
    // "not in the capture" diagnosis (the data runs between the servers, never past this point).
    expect([transfer(d.a, '2.1').status, transfer(d.a, '2.1').diagnosis]).toEqual(['complete', null]);
    const early = await derived(tmp, name, 'before-226s', (f) => f <= 40);
    expect([transfer(early.a, '2.1').status, transfer(early.a, '2.1').diagnosis, transfer(early.a, '1.1').status]).toEqual(['incomplete', null, 'incomplete']);
  });

  it('at the router, cut after the data and before any reply: not known yet, not aborted', async () => {
    const name = 'a68-fxp-abort-oob-vsftpd-pyftpdlib-python';
    const d = await derived(tmp, name, 'before-226', (f) => f <= 190);
    const t = transfer(d.a, '1.1');
    expect([t.request?.command, t.abortFrame, t.reply, t.status, t.diagnosis]).toEqual(['RETR', 157, null, 'incomplete', null]);
  });
});

describe('sixty-eighth audit: vsftpd\'s data timeout on a copy the path between the servers starved', () => {
  it("at the client: A's RETR aborted by its 421 after the 150 (not a refused command), no byte count claimed", async () => {
    const name = 'a68-fxp-data-timeout-client-side-vsftpd-pyftpdlib-lftp';
    const an = await analyze(name);
    const retr = transfer(an, '2.1');
    expect([retr.preliminary?.code, retr.reply?.code, retr.connection]).toEqual([150, 421, null]);
    expect([retr.verdict.kind, retr.diagnosis?.cause]).toEqual(['aborted', 'aborted']);
    const [diagnose] = await outputs(name, 'diagnose');
    const text = flat(diagnose);
    expect(text).toContain('Its data connection, an FXP copy\'s, runs between the two servers and is not in this capture (transfer 1.1 is the other half): how much moved is not visible here');
    expect(text).not.toMatch(/0 bytes of 150000 announced had been transferred/);
  });

  it('at the router: the same RETR aborted by the server, the data lost on the path between the servers', async () => {
    const an = await analyze('a68-fxp-data-timeout-vsftpd-pyftpdlib-lftp');
    expect(transfer(an, '2.1').verdict).toMatchObject({ kind: 'aborted', by: 'server', cause: 'path-loss' });
    expect(transfer(an, '1.1').verdict).toMatchObject({ kind: 'aborted', by: 'client' });
  });

  it("at the router and at the client: lftp's PASV to pyftpdlib for the reverse copy (frame 188 at the router), left when vsftpd's session had gone, is unused, not 'nobody connected'", async () => {
    for (const name of ['a68-fxp-data-timeout-vsftpd-pyftpdlib-lftp', 'a68-fxp-data-timeout-client-side-vsftpd-pyftpdlib-lftp']) {
      const an = await analyze(name);
      const t = transfer(an, '1.2');
      expect([t.mode, t.announce?.command, t.announce?.endpoint?.ip, t.request, t.connection, t.status, t.diagnosis]).toEqual(['passive', 'PASV', '203.0.113.30', null, null, 'unused', null]);
    }
    // The router's capture holds the servers' data connections: the rule for a PASV nobody connected to would apply, but this client copies between servers.
    const router = await analyze('a68-fxp-data-timeout-vsftpd-pyftpdlib-lftp');
    expect(transfer(router, '1.1').fxp).toBeDefined();
    expect(transfer(router, '1.2').announce?.reply?.frame).toBe(188);
  });
});
