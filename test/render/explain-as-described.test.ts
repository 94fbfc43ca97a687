/**
 * Review 80: "Compared with the textbook: everything happened as described" closed `explain`'s and
 * `report`'s story of sessions whose capture did not hold all of it: a capture stopped during a RETR
 * (capture-stopped-vsftpd-lftp: no FIN, no 226, the control connection still open), one filtered to
 * port 21 (control-only-vsftpd-lftp: none of the 41 data connections; a72-port21-pasv-drop-vsftpd-python,
 * whose unused second PASV's SYNs are out of it too), one begun during a transfer
 * (midstream-transfer-vsftpd-curl), one holding one side's packets (a22-oneway-server-out-vsftpd-curl).
 * The model said so (incomplete, not-captured, mid-stream, one-way); the closing sentence claimed the
 * whole textbook story. It now says what the capture holds happened as described, and what is not in it.
 */
import { describe, expect, it } from 'vitest';
import { runCli } from '../cli/run-cli.js';
import { flat, outputs, reportPage } from '../diagnose/audit-fixtures.js';
import { FIXTURES } from '../support/facts.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';

const tmp = mkdtempSync(join(tmpdir(), 'ftpcap-as-described-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const WHOLE = 'Compared with the textbook: everything happened as described.';

describe('explain: the closing comparison claims no more than the capture holds', () => {
  const cases = [
    { name: 'capture-stopped-vsftpd-lftp', unseen: /not in it: the end of the session \(the capture ends before the control connection is closed\); how transfer 2 ended \(incomplete 174,512\/1,048,576\)\./ },
    { name: 'control-only-vsftpd-lftp', unseen: /not in it: the data connections \(the capture holds none of them\)\./ },
    { name: 'a72-port21-pasv-drop-vsftpd-python', unseen: /not in it: the data connections \(the capture holds none of them\)\./ },
    { name: 'midstream-transfer-vsftpd-curl', unseen: /not in it: the session's start \(its handshake, login and the commands before the capture began\); the start of transfer 1 \(before the capture began\)\./ },
    { name: 'a22-oneway-server-out-vsftpd-curl', unseen: /not in it: the client's packets \(the capture holds the server's only\)\./ },
  ];
  for (const c of cases) {
    it(c.name, async () => {
      const [explain] = await outputs(c.name, 'explain');
      expect(explain).not.toContain(WHOLE);
      expect(explain).toMatch(/Compared with the textbook: everything the capture holds happened as described; not in it: /);
      expect(explain).toMatch(c.unseen);
      const page = (await reportPage(c.name, tmp)).replace(/\s+/g, ' ');
      expect(page).not.toContain(WHOLE);
      expect(page).toContain('everything the capture holds happened as described; not in it: ');
    });
  }
  it('a whole healthy capture still reads as described (passive-vsftpd-lftp)', async () => {
    const [explain] = await outputs('passive-vsftpd-lftp', 'explain');
    expect(explain).toContain(WHOLE);
  });
});

/**
 * Review 80: fxp-vsftpd-pyftpdlib-lftp, a server-to-server copy (FXP): pyftpdlib (203.0.113.30,
 * session 1, PORT then STOR) connects from its port 56589 to vsftpd's passive port 50007
 * (198.51.100.20, session 2, PASV then RETR). tshark: SYN 67 from 203.0.113.30, FIN 75 from
 * 198.51.100.20, FIN 77 from 203.0.113.30. The client 192.0.2.10 never touches that connection.
 * Before this review explain told session 2's teardown "the server closes the data connection: FIN
 * (frame 75); the client answers: FIN (frame 77)", session 1's STOR "Upload a file (client sends on
 * the data connection)", and the timeline "Data connection 1 (passive) for RETR …: the client opens
 * it, port 56589 → 50007".
 */
describe('explain and timeline: an FXP data connection is between the two servers', () => {
  it('fxp-vsftpd-pyftpdlib-lftp', async () => {
    const [explain, timeline] = await outputs('fxp-vsftpd-pyftpdlib-lftp', 'explain', 'timeline');
    expect(explain).toContain('The server closes the data connection: FIN (frame 75); the other server answers: FIN (frame 77)');
    expect(explain).not.toMatch(/the client answers: FIN \(frame 77\)/);
    expect(explain).toContain('STOR /hello-fxp.txt (frame 71): Store a file the other server sends on the data connection (FXP).');
    expect(explain).not.toContain('client sends on the data connection');
    expect(timeline).toContain('the other server, 203.0.113.30 (FXP), opens it, port 56589 → 50007');
    expect(timeline).not.toMatch(/the client opens it, port 56589/);
  });
});

/**
 * Review 80: a26-pasv-garbage-fallback-pyftpdlib-python: pyftpdlib answers PASV (frame 15) with
 * "227 Entering Passive Mode" and no address (frame 16, tshark); ftplib falls back to PORT and the
 * RETR completes. The model: transfer 1 unused, no diagnosis (right: nothing failed). explain told
 * "the announcement cannot be decoded" as a step, then closed with "everything happened as
 * described": the textbook's 227 carries an address and port. The same for hostile-server-python's
 * two junk 227s. A malformed announcement with no diagnosis of its own is a departure.
 */
describe('explain: an announcement that cannot be decoded departs from the textbook', () => {
  it('a26-pasv-garbage-fallback-pyftpdlib-python', async () => {
    const [explain] = await outputs('a26-pasv-garbage-fallback-pyftpdlib-python', 'explain');
    expect(explain).not.toContain(WHOLE);
    expect(explain).toContain('Compared with the textbook: - the 227 in frame 16 announces no address and port that can be decoded (no h1,h2,h3,h4,p1,p2 tuple in the 227 reply).');
  });
  it('a26-pasv-garbage-pyftpdlib-wget: once, by its diagnosis, when it failed the transfer', async () => {
    const [explain] = await outputs('a26-pasv-garbage-pyftpdlib-wget', 'explain');
    expect(explain).toContain('transfer 1 failed: the announcement of the data connection');
    expect(explain).not.toContain('announces no address and port that can be decoded');
  });
});

/**
 * Review 80: capture-loss-vsftpd-lftp: the capture filter dropped about 1/16 of the server's data
 * segments (47,784 bytes in 16 gaps; the client received them all). `transfers` reads "complete,
 * 47,784 B not captured"; the report's warnings section read "No warnings: the capture was read
 * whole" — of a capture that lacks 47,784 bytes. Its warnings are the file's reading; it says so.
 */
describe("report: no warnings is not a whole capture", () => {
  it('capture-loss-vsftpd-lftp', async () => {
    const page = await reportPage('capture-loss-vsftpd-lftp', tmp);
    expect(page).not.toContain('the capture was read whole');
    expect(page).toContain('No warnings: every record of the file was read and analysed');
    const [transfers] = await outputs('capture-loss-vsftpd-lftp', 'transfers');
    expect(transfers).toContain('complete, 47,784 B not captured');
  });
});

/**
 * Review 80: implicit FTPS (ftps-implicit-2990-vsftpd-curl, implicit-tls-vsftpd-curl): TLS starts
 * with the connection (the ClientHello, frame 6, 517 bytes, tshark), no AUTH TLS. explain told no
 * step of it, and its comparison listed only "the server listens on port 2990, not the usual 21",
 * as if the textbook's commands and replies had been there to read; explicit FTPS says "TLS hides
 * the commands and replies from the textbook steps 4 on" (authStep). Implicit FTPS now says so too,
 * and, read with the key log (ftps-implicit-2990-vsftpd-curl-secrets), that it hid them from the path.
 */
describe('explain: implicit FTPS is told, and departs from the textbook', () => {
  it('ftps-implicit-2990-vsftpd-curl (no keys)', async () => {
    const [explain] = await outputs('ftps-implicit-2990-vsftpd-curl', 'explain');
    expect(explain).toContain('2. Implicit FTPS: TLS starts with the connection (frame 6), before the greeting; everything on the control connection is encrypted');
    expect(explain).toContain("- TLS (implicit, from the connection's start) hides the greeting, the commands and the replies from the textbook step 4 on.");
  });
  it('ftps-implicit-2990-vsftpd-curl-secrets (its pcapng holds the keys)', async () => {
    const r = await runCli(['explain', '--no-color', join(FIXTURES, 'ftps-implicit-2990-vsftpd-curl-secrets.pcapng')]);
    expect(r.code).toBe(0);
    const explain = flat(r.stdout);
    expect(explain).toContain('ftpcap decrypted it with the TLS key log');
    expect(explain).toContain("- TLS (implicit, from the connection's start) hid the commands and replies from anything on the path without the keys");
  });
});

/**
 * Review 80: snaplen-vsftpd-lftp (tcpdump -s 96): the 227 replies (frames 35 and 53) are cut before
 * their tuples; the server announced them whole, the client connected, both transfers completed.
 * A cut announcement is not in the capture, not a departure from the textbook.
 */
describe('explain: an announcement the capture cut short is unseen, not malformed', () => {
  it('snaplen-vsftpd-lftp', async () => {
    const [explain] = await outputs('snaplen-vsftpd-lftp', 'explain');
    expect(explain).toContain(
      'everything the capture holds happened as described; not in it: the address and port the 227 in frame 35 announced (the capture cut the line short); the address and port the 227 in frame 53 announced (the capture cut the line short).',
    );
    expect(explain).not.toContain('announces no address and port that can be decoded');
  });
});

/**
 * Review 80: no "Implicit FTPS … everything on the control connection is encrypted" where TLS never
 * started: ftps-implicit-to-plain-vsftpd-curl (curl's ClientHello, frame 8, answered by vsftpd's clear
 * 220 at frame 6) and ftps-plain-to-implicit-vsftpd-curl (plain FTP to port 990: neither side speaks).
 */
describe('explain: implicit FTPS only when the TLS started', () => {
  for (const name of ['ftps-implicit-to-plain-vsftpd-curl', 'ftps-plain-to-implicit-vsftpd-curl']) {
    it(name, async () => {
      const [explain] = await outputs(name, 'explain');
      expect(explain).not.toContain('Implicit FTPS: TLS starts with the connection');
    });
  }
});
