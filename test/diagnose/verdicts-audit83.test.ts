/**
 * The eighty-third verdict audit, on real recordings (fixtures/record.sh, "Eighty-third verdict
 * audit"): FTPS from netkit's ftpd-ssl (server, Debian 0.17.36+really0.17-2) and ftp-ssl (client,
 * 0.17.34+really0.17-1+b1), which no fixture had.
 *
 * Their ways: ftp-ssl sends AUTH TLS, PBSZ 0 and PROT P on its own, resumes the control session on
 * its data connections (vsftpd's require_ssl_reuse is satisfied) and is active (PORT) until told
 * `passive`; it writes no key log. It ends an upload's TLS data connection without close_notify (here
 * with a RST: the server's session ticket lay unread), and vsftpd answers 426 "Failure reading network
 * stream" although every byte was stored (a83-ftpssl-stor-426-*, facts: server.stored). Bookworm's
 * ftpd-ssl answers 234 to AUTH SSL/TLS but never loads its certificate (the -z cert= file is never
 * opened), so every handshake ends in its handshake_failure alert, then "421 ftpd: SSL_accept error:
 * ... no shared cipher" in clear on the same connection. curl, lftp and ftp-ssl all give up there
 * (ftp-ssl does not fall back to clear text after a failed handshake); curl without TLS works.
 *
 * One false cause found and fixed (a83-ftpdssl-tls-fails-*): the failed control handshakes were
 * diagnosed "Client and server have no cipher suite (or key exchange) in common: widen the server's
 * list or the client's". Three clients with their default lists were all refused at the ClientHello,
 * and the server said why in clear (its 421, not quoted by the diagnosis): it had no certificate to
 * use. A server's handshake_failure answering the ClientHello now names both causes, the server's own
 * certificate and key first (ftps.ts handshakeAdvice), and the diagnosis quotes the server's
 * clear-text line after the failure (ftps.ts serverLineAfter). ftpd-ssl's settings are named
 * (server-software.ts: netkit certificate / tlsCiphers).
 *
 * A second false verdict (a83-ftpssl-auth-refused-vsftpd): vsftpd without TLS answers ftp-ssl's AUTH TLS
 * and AUTH SSL with 530. ftp-ssl by default goes on in clear text (session 1, its RETR completed);
 * with -z secure (session 2) it sends no USER/PASS ("SSL not available - login failed") but still its
 * TYPE and PASV (each 530), then QUIT, and vsftpd closes. Session 2's PASV was diagnosed login-failed,
 * "the server refused the login (user name or password, ...)" — no login was ever sent — and every
 * output said the client "went on in clear text (no failure: its commands, password and files crossed
 * unencrypted)". The client's QUIT now ends the session as its close does (verdict.ts tlsRefusal
 * gaveUp), and a refusal for want of a login in a session that sent none, after TLS was refused to a
 * client that requires it, is auth-refused (login.ts checkNotLoggedIn).
 *
 * Two outputs disagreed with the model on a failed control handshake: the timeline said "The control
 * connection is encrypted (TLS) from frame 10 on" and the sessions table "explicit", while explain and
 * diagnose said nothing was encrypted. Both now word the model's tlsEndAfter ('handshake-failed').
 *
 * Frames are tshark's (NAME.tshark-*.tsv), sizes and sha256 the recorder's (NAME.facts.json).
 */
import { describe, expect, it } from 'vitest';
import { analyze, facts, flat, FAILURE_WORDS, ftpRows, jsonVerdicts, outputs, transferRows, verdicts } from './audit-fixtures.js';

describe('eighty-third audit: ftp-ssl against vsftpd, healthy (no key log)', () => {
  const name = 'a83-ftpssl-healthy-vsftpd';
  it('three TLS data connections (two active from port 20, one passive), each a probable transfer; nothing diagnosed', async () => {
    const a = await analyze(name);
    expect(transferRows(a, (t) => [t.mode])).toEqual([
      ['1.1', null, null, null, null, 1, 2177, null, null, 'unknown', 'active'],
      ['1.2', null, null, null, null, 2, 2428, null, null, 'unknown', 'active'],
      ['1.3', null, null, null, null, 3, 4917, null, null, 'unknown', 'passive'],
    ]);
    expect(a.sessions[0].transfers.map((t) => t.diagnosis)).toEqual([null, null, null]);
    expect(a.sessions[0].diagnosis?.cause).toBe('tls-hidden');
    expect(facts(name).files.map((f: { received_matches?: boolean }) => f.received_matches ?? null)).toEqual([null, true, true]);
    // diagnose's session note on what TLS hides says what a client-side capture cannot see ("a packet that never came back…").
    const [diagnose, ...others] = await outputs(name, 'diagnose', 'summary', 'transfers', 'explain', 'timeline', 'logs');
    expect(flat(diagnose)).toContain('0 of 3 transfers diagnosed (3 unknown)');
    for (const text of others) expect(flat(text)).not.toMatch(FAILURE_WORDS);
  });
});

describe('eighty-third audit: ftp-ssl upload answered 426 by vsftpd (no close_notify), every byte stored', () => {
  it('without keys: no failure claimed and no cause the capture cannot show, at both capture points', async () => {
    for (const name of ['a83-ftpssl-stor-426-vsftpd', 'a83-ftpssl-stor-426-server-side-vsftpd']) {
      const a = await analyze(name);
      expect(verdicts(a)).toEqual([['1.1', 'unknown', null, null], ['1.2', 'unknown', null, null]]);
      // The client reset its upload's data connection after all 21315 bytes were acknowledged (frame 65).
      expect(a.sessions[0].transfers[0].connection).toMatchObject({ bytesToServer: 21315, close: 'rst', rst: { frame: 67, by: 'client' } });
      expect(await jsonVerdicts(name)).toEqual([['1.1', 'unknown', null], ['1.2', 'unknown', null]]);
      const f = facts(name);
      expect(f.files[0]).toMatchObject({ op: 'STOR', size: 20000, received_matches: true });
      expect(f.server.log).toContain('DATA connection terminated without SSL shutdown');
    }
  });
});

describe('eighty-third audit: the passive port dropped behind TLS (the helper cannot read the 227)', () => {
  it('client side: passive-syn-unanswered, the hidden 227 named; server side: no data connection, nothing failed claimed', async () => {
    const client = await analyze('a83-ftpssl-pasv-drop-vsftpd');
    expect(verdicts(client)).toEqual([['1.1', 'failed', 'passive-syn-unanswered', null]]);
    expect(flat(client.sessions[0].transfers[0].diagnosis!.summary)).toContain('The 227 was inside TLS, so a firewall or NAT FTP helper on the way could not read it either');
    const server = await analyze('a83-ftpssl-pasv-drop-server-side-vsftpd');
    expect(verdicts(server)).toEqual([]);
    expect(flat(server.sessions[0].diagnosis!.summary)).toContain('their data connections never reached the capture point');
    expect(facts('a83-ftpssl-pasv-drop-vsftpd').client.got_file).toBe('no');
  });
});

describe('eighty-third audit: ftpd-ssl answers 234, then fails every handshake (no certificate loaded)', () => {
  it('each failed handshake names the server\'s certificate and quotes its clear 421; the clear-text RETR completed; both capture points', async () => {
    for (const name of ['a83-ftpdssl-tls-fails-three-clients', 'a83-ftpdssl-tls-fails-server-side-three-clients']) {
      // AUTH SSL (curl), AUTH TLS (lftp after FEAT, ftp-ssl): each 234, each followed by the 421 in clear.
      const rows = [...ftpRows(name, '0'), ...ftpRows(name, '1'), ...ftpRows(name, '2')].filter(([, x]) => /^(AUTH|234|421)$/.test(x));
      expect(rows).toEqual([[8, 'AUTH'], [10, '234'], [13, '421'], [23, 'AUTH'], [24, '234'], [27, '421'], [34, 'AUTH'], [36, '234'], [39, '421']]);
      const a = await analyze(name);
      const told = [13, 27, 39];
      a.sessions.slice(0, 3).forEach((s, i) => {
        expect(s.diagnosis?.cause).toBe('tls-handshake-failed');
        expect(s.diagnosis!.evidence).toContain(told[i]);
        expect(flat(s.diagnosis!.summary)).toContain(`The server then wrote in clear text: 421 ftpd: SSL_accept error:0A0000C1:SSL routines::no shared cipher: Success (frame ${told[i]})`);
        expect(flat(s.diagnosis!.advice)).toContain('no certificate and key of its own to use with any of them');
        expect(flat(s.diagnosis!.advice)).toContain('(netkit ftpd: ftpd-ssl -z cert= and -z key=, default /etc/ftpd-ssl/ftpd.pem)');
        expect(s.transfers).toEqual([]);
      });
      expect(verdicts(a)).toEqual([['4.1', 'completed', null, null]]);
      const [diagnose, timeline, sessions] = await outputs(name, 'diagnose', 'timeline', 'sessions');
      expect(flat(diagnose)).not.toContain('widen the server');
      // Before: "The control connection is encrypted (TLS) from frame 10 on", and TLS "explicit" in the table.
      expect(flat(timeline)).toContain('TLS was to begin at frame 10, but its handshake failed: nothing on the control connection was encrypted, clear text again from frame 13 on.');
      expect(flat(timeline)).not.toMatch(/is encrypted \(TLS\)/);
      expect(flat(sessions).match(/explicit, failed/g)).toHaveLength(3);
      expect(facts(name).client.saved_tls_sessions).toBe('hello-curl-tls.txt: none; hello-lftp.txt: none; hello-ftpssl.txt: none; ');
      expect(facts(name).files).toMatchObject([{ op: 'RETR', path: 'hello.txt', size: 511, received_matches: true }]);
    }
  });
});

describe('eighty-third audit: ftp-ssl and a server without TLS (AUTH refused)', () => {
  const name = 'a83-ftpssl-auth-refused-vsftpd';
  it('default: it goes on in clear text and the RETR completes; -z secure: no login sent, its unlogged PASV is auth-refused, not a refused login', async () => {
    expect(ftpRows(name, '0').slice(1, 7)).toEqual([[8, 'AUTH'], [10, '530'], [11, 'AUTH'], [12, '530'], [13, 'USER'], [14, '331']]);
    expect(ftpRows(name, '2')).toEqual([[45, '220'], [47, 'AUTH'], [49, '530'], [50, 'AUTH'], [51, '530'], [52, 'TYPE'], [53, '530'], [54, 'PASV'], [55, '530'], [56, 'QUIT'], [57, '221']]);
    const a = await analyze(name);
    expect(verdicts(a)).toEqual([['1.1', 'completed', null, null], ['2.1', 'failed', 'auth-refused', null]]);
    expect(a.sessions.map((s) => s.tlsRefusal)).toEqual([
      { command: 11, mechanism: 'SSL', code: 530, reply: 12, gaveUp: false },
      { command: 50, mechanism: 'SSL', code: 530, reply: 51, gaveUp: true },
    ]);
    const d = a.sessions[1].transfers[0].diagnosis!;
    expect(flat(d.summary)).toContain('the session was not logged in, and the client never tried: it sent no user name or password, as it requires TLS and the server had refused it (AUTH SSL, frame 50, answered 530 at frame 51)');
    expect(d.evidence).toEqual([50, 51, 54, 55]);
    expect(await jsonVerdicts(name)).toEqual([['1.1', 'completed', null], ['2.1', 'failed', 'auth-refused']]);
    const [summary, explain] = await outputs(name, 'summary', 'explain');
    expect(flat(summary)).toContain('session 2: The server refused TLS: it answered AUTH SSL (frame 50) with 530 Please login with USER and PASS. (frame 51); the client, which requires TLS, closed the connection without logging in');
    expect(flat(summary)).not.toMatch(/refused the login/);
    expect(flat(explain)).toContain('the client, which requires it, ended the session without logging in');
    expect(facts(name).files).toMatchObject([{ op: 'RETR', path: 'hello.txt', size: 511, received_matches: true }]);
    expect(facts(name).client.saved_secure).toBe('none');
  });
});

describe('eighty-third audit: clients that only try TLS against ftpd-ssl, then clear text', () => {
  const name = 'a83-ftpdssl-try-tls-lftp-curl';
  it('lftp (ssl-allow): the failed handshake, then its clear-text session whose RETR completed; curl --ssl fails; curl active get and put complete', async () => {
    const a = await analyze(name);
    expect(a.sessions.map((s) => [s.id, s.tls, s.loggedIn, s.diagnosis?.cause ?? null])).toEqual([
      [1, true, false, 'tls-handshake-failed'],
      [2, false, true, null],
      [3, true, false, 'tls-handshake-failed'],
      [4, false, true, null],
      [5, false, true, null],
    ]);
    expect(transferRows(a, (t) => [t.mode])).toEqual([
      ['2.1', 'PASV', 43, 'RETR hello.txt', 47, 2, 511, 226, 55, 'completed', 'passive'],
      ['4.1', 'PORT', 92, 'RETR small.bin', 98, 5, 3000, 226, 113, 'completed', 'active'],
      ['5.1', 'PORT', 137, 'STOR a83-up.txt', 141, 7, 259, 226, 152, 'completed', 'active'],
    ]);
    expect(flat(a.sessions[0].diagnosis!.summary)).toContain('The server then wrote in clear text: 421 ftpd: SSL_accept error:0A0000C1:SSL routines::no shared cipher: Success (frame 15)');
    expect(await jsonVerdicts(name)).toEqual([['2.1', 'completed', null], ['4.1', 'completed', null], ['5.1', 'completed', null]]);
    expect(facts(name).files.map((f: { received_matches: boolean }) => f.received_matches)).toEqual([true, true, true]);
    expect(facts(name).client.saved_tls_sessions).toBe('hello-lftp.txt: 511 bytes; hello-curl-ssl.txt: none; ');
  });
});

describe('eighty-third audit: proftpd refuses PROT P (534) and ftp-ssl goes on with clear data connections', () => {
  const name = 'a83-ftpssl-prot-refused-proftpd';
  it('without keys: both data connections carried clear text, said so; no failure claimed; the files whole', async () => {
    const a = await analyze(name);
    expect(transferRows(a, (t) => [t.inferred, t.connection!.tls ?? null])).toEqual([
      ['1.1', null, null, null, null, 1, 511, null, null, 'unknown', 'tls-hidden', null],
      ['1.2', null, null, null, null, 2, 259, null, null, 'unknown', 'tls-hidden', null],
    ]);
    const d = a.sessions[0].diagnosis!;
    expect(d.cause).toBe('tls-hidden');
    expect(flat(d.summary)).toContain('stream 1, stream 2 carried clear text, not TLS records: what they moved crossed the network unencrypted (the server refused PROT P');
    expect(a.sessions[0].transfers.map((t) => t.diagnosis)).toEqual([null, null]);
    expect(facts(name).client.output).toContain('534 Unwilling to accept security parameters');
    expect(facts(name).files.map((f: { received_matches: boolean }) => f.received_matches)).toEqual([true, true]);
  });
});
