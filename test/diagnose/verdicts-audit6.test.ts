/**
 * The sixth verdict audit, each on a real recording (fixtures/record.sh, "sixth verdict audit"):
 * a clear-text login refused because vsftpd (force_local_logins_ssl) or pure-ftpd (-Y 2) requires
 * TLS, an anonymous login refused by vsftpd (anonymous_enable=NO), and a greeting slower than the
 * client's patience. Frame numbers are tshark's (the fixtures' tshark-ftp/-streams views).
 */
import { readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../cli/run-cli.js';
import { FIXTURES } from '../support/facts.js';
import { readTsharkTsv } from '../conformance/peer-readers.js';
import { analyze, causes, outputs, path } from './audit-fixtures.js';

const facts = (name: string): Record<string, any> => JSON.parse(readFileSync(join(FIXTURES, `${name}.facts.json`), 'utf8'));
const ftp = (name: string) => readTsharkTsv(join(FIXTURES, `${name}.tshark-ftp.tsv`));
// Audit 28: the relaxing setting of the server the greeting names (vsftpd force_local_logins_ssl, pure-ftpd -Y), no other's.
const FTPS_ADVICE = /^Connect with explicit FTPS \(AUTH TLS before USER\).*curl --ssl-reqd.*\((vsftpd: force_local_logins_ssl=NO|pure-ftpd: -Y 1 rather than 2 or 3)\)\.$/;
const TLS_WORDS = 'because it requires TLS before the login: the clear-text login was refused, not the password';

const tmp = mkdtempSync(join(tmpdir(), 'ftpcap-audit6-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
async function report(name: string): Promise<string> {
  const html = join(tmp, `${name}.html`);
  expect((await runCli(['report', path(name), '-o', html])).code).toBe(0);
  return readFileSync(html, 'utf8');
}

describe('1-2. a clear-text login refused because the server requires TLS', () => {
  const cases = [
    {
      name: 'tls-required-vsftpd-curl',
      code: 530,
      words: '530 Non-anonymous sessions must use encryption.',
      packets: 13,
    },
    {
      name: 'tls-required-pureftpd-curl',
      code: 421,
      words: '421 Sorry, cleartext sessions and weak ciphers are not accepted on this server.',
      packets: 13,
    },
  ];
  for (const c of cases) {
    it(`${c.name}: USER 8 in clear → ${c.code} (10): turned away at the login with tlsRequired, FTPS advice, in every output; no "wrong password", no ✗`, async () => {
      const f = facts(c.name);
      expect([f.capture.packets, f.client.exit_status, f.tls]).toEqual([c.packets, c.code === 530 ? 67 : 28, undefined]);
      // tshark: USER at 8, the refusal at 10 (pure-ftpd's 421 is multi-line; its "421 Logout." follows at 12).
      const rows = ftp(c.name).map((r) => [r['frame.number'], r['ftp.request.command'] || r['ftp.response.code']]);
      expect(rows.slice(0, 3)).toEqual([['6', '220'], ['8', 'USER'], ['10', String(c.code)]]);
      const a = await analyze(c.name);
      const s = a.sessions[0];
      expect([s.loggedIn, s.loginAttempts, s.transfers.length, s.tls]).toEqual([false, 1, 0, false]);
      expect(s.control).toEqual({ kind: 'turned-away', at: 'login', command: 8, code: c.code, reply: 10, limit: false, tlsRequired: true, evidence: [3, 4, 8, 10, 11] });
      expect([s.diagnosis?.cause, s.diagnosis?.evidence]).toEqual(['session-refused', [3, 4, 8, 10, 11]]);
      expect(s.diagnosis!.summary).toContain(`answered USER (frame 8) from 192.0.2.10:${s.client.port} with ${c.words.replace(/\.$/, '')} (frame 10)`);
      expect(s.diagnosis!.summary).toContain('it requires the session to be encrypted (TLS) before the login');
      expect(s.diagnosis!.advice).toMatch(FTPS_ADVICE);
      expect(causes(a)).toEqual(['session-refused']);
      const [summary, sessions, diagnose, explain, timeline] = await outputs(c.name, 'summary', 'sessions', 'diagnose', 'explain', 'timeline');
      // Before: "turned the session away after the login … an error of its own and not a wrong password (530)"
      // in summary, explain and timeline, while diagnose said TLS.
      expect(summary).toContain(`session 1: The server turned the session away at the login: it answered USER (frame 8) with ${c.words} (frame 10), ${TLS_WORDS}; no listing or transfer could follow.`);
      for (const o of [summary, sessions]) {
        expect(o).toContain(`none: turned away at login (${c.code})`);
        expect(o).not.toContain('✗');
      }
      expect(diagnose).toContain('Session 1 (session-refused)');
      expect(diagnose).toContain('Connect with explicit FTPS');
      expect(explain).toContain(`the server turned the session away at the login (${c.code}, frame 10), ${TLS_WORDS}: no listing or transfer could follow`);
      expect(explain).toContain('What to change: Connect with explicit FTPS');
      expect(timeline).toContain('The server turns the session away at the login (because it requires TLS before the login: the clear-text login was refused, not the password)');
      for (const o of [summary, diagnose, explain, timeline]) {
        expect(o).not.toMatch(/an error of its own|the login failed|wrong password \(530\)/);
      }
      const json = JSON.parse((await runCli(['sessions', '--json', path(c.name)])).stdout);
      expect(json.sessions[0].control).toEqual(s.control);
      const page = await report(c.name);
      expect(page).toContain(`turned away at login (${c.code})`);
      expect(page).toContain('(refused by the server)');
      expect(page).not.toContain('(login failed)');
    });
  }
});

describe('3. an anonymous login refused (vsftpd anonymous_enable=NO)', () => {
  it('anon-refused-vsftpd-curl: USER anonymous 8 → 331 (10), PASS 11 → 530 Login incorrect (13): a failed login (login-failed, anonymous advice), not turned away, in every output', async () => {
    const name = 'anon-refused-vsftpd-curl';
    const f = facts(name);
    expect([f.capture.packets, f.client.exit_status, f.files[0].received]).toEqual([16, 67, null]);
    const rows = ftp(name).map((r) => [r['frame.number'], r['ftp.request.command'] || r['ftp.response.code'], r['ftp.request.arg'] || r['ftp.response.arg']]);
    expect(rows).toEqual([
      ['6', '220', '(vsFTPd 3.0.3)'],
      ['8', 'USER', 'anonymous'],
      ['10', '331', 'Please specify the password.'],
      ['11', 'PASS', 'ftp@example.com'],
      ['13', '530', 'Login incorrect.'],
    ]);
    const a = await analyze(name);
    const s = a.sessions[0];
    expect([s.user, s.loggedIn, s.loginAttempts, s.transfers.length]).toEqual(['anonymous', false, 1, 0]);
    // The credentials were refused: the connection opened and the client closed it (FIN 14).
    expect(s.control).toEqual({ kind: 'opened', closedBy: 'client', how: 'fin', evidence: [3, 4, 14] });
    // A refused login is the session's failure (login-failed), with the anonymous advice: before, diagnose said "nothing to diagnose".
    expect(s.loginRefusal).toEqual({ command: 11, verb: 'PASS', code: 530, reply: 13 });
    expect(causes(a)).toEqual(['login-failed']);
    expect(s.diagnosis!.evidence).toEqual([8, 11, 13, 14]);
    expect(s.diagnosis!.summary).toContain('refused the login of user anonymous from 192.0.2.10:46716: it answered PASS (frame 11) with 530 Login incorrect (frame 13); the client then closed the connection (frame 14)');
    expect(s.diagnosis!.advice).toMatch(/^The server does not take anonymous logins: .*\(vsftpd: anonymous_enable\)/);
    const [summary, sessions, diagnose, explain, timeline] = await outputs(name, 'summary', 'sessions', 'diagnose', 'explain', 'timeline');
    for (const o of [summary, sessions]) expect(o).toContain('anonymous ✗');
    expect(summary).toContain('Logins the server refused session 1: The server refused the login of anonymous: it answered PASS (frame 11) with 530 Login incorrect. (frame 13); no listing or transfer could follow. [login-failed]');
    expect(explain).toContain('PASS **** (frame 11) → 530 Login incorrect. (frame 13)');
    expect(explain).toContain('What went wrong (login-failed: the server refused the login (user name or password, or an account not allowed to use FTP)): Session 1: the server 198.51.100.20:21 refused the login of user anonymous');
    expect(explain).toContain('the login failed, so no listing or transfer could follow');
    expect(timeline).toContain('530 Login incorrect.');
    expect(timeline).toContain('The server refuses the login (530): no listing or transfer can follow');
    expect(diagnose).toContain('Session 1 (login-failed)');
    expect(diagnose).toContain('Evidence: frames 8, 11, 13, 14');
    expect(diagnose).not.toContain('nothing to diagnose');
    for (const o of [summary, sessions, diagnose, explain, timeline]) expect(o).not.toMatch(/turned (the session )?away|session-refused|requires TLS/);
    const page = await report(name);
    expect(page).toContain('(login failed)');
    expect(page).toContain('<span class="code">login-failed</span>');
    expect(page).not.toContain('turned away');
  });
});

describe('4. a greeting slower than the client\'s patience', () => {
  it('slow-greeting-pyftpdlib-curl: handshake 3-5, client FIN 6 after 4.0 s, the 220 at 8 (8.0 s) met by a reset (9): ungreeted, no-greeting, advice that fits pyftpdlib, in every output', async () => {
    const name = 'slow-greeting-pyftpdlib-curl';
    const f = facts(name);
    expect([f.capture.packets, f.client.exit_status]).toEqual([9, 28]);
    expect(f.client.messages).toContain('Operation timed out after 4001 milliseconds with 0 bytes received');
    expect(ftp(name).map((r) => [r['frame.number'], r['ftp.response.code']])).toEqual([['8', '220']]);
    const a = await analyze(name);
    const s = a.sessions[0];
    expect([s.user, s.loginAttempts, s.transfers.length, s.closedBy?.by, s.closedBy?.frame]).toEqual([null, 0, 0, 'client', 6]);
    const { waited, ...rest } = s.control as Extract<typeof s.control, { kind: 'ungreeted' }>;
    // Before: { kind: 'opened', closedBy: 'client' } and no diagnosis; explain told "The server greets: 220 (frame 8)".
    expect(rest).toEqual({ kind: 'ungreeted', closed: 6, lateGreeting: 8, evidence: [3, 4, 6, 8, 9] });
    expect(waited).toBeCloseTo(4.001, 3);
    expect([s.diagnosis?.cause, s.diagnosis?.evidence]).toEqual(['no-greeting', [3, 4, 6, 8, 9]]);
    expect(s.diagnosis!.summary).toContain(
      'the client 192.0.2.10:54930 opened the control connection to 198.51.100.20:21 (SYN frame 3, SYN-ACK frame 4), but the server sent no greeting (220): ' +
        'the client gave up and closed the connection (frame 6) 4.0 s after the handshake, without a command. ' +
        'The greeting came only at frame 8 (220 pyftpdlib 1.5.7 ready), 8.0 s after the handshake, when the client had already gone (it answered with a reset, frame 9).',
    );
    // Audit 28: pyftpdlib's greeting names it, and it looks nothing up (vsftpd 3.0.3 has no reverse_lookup_enable either).
    // Review 81: so the advice leads with what fits it (busy, or an overloaded host), not a lookup to turn off.
    expect(s.diagnosis!.advice).toMatch(/^The server accepts the connection but is slow to greet, and pyftpdlib looks nothing up before greeting: no lookup explains the wait\./);
    expect(s.diagnosis!.advice).not.toMatch(/reverse-DNS/);
    expect(causes(a)).toEqual(['no-greeting']);
    const [summary, sessions, diagnose, explain, timeline] = await outputs(name, 'summary', 'sessions', 'diagnose', 'explain', 'timeline');
    for (const o of [summary, sessions]) expect(o).toContain('none: no greeting (client gave up after 4.001 s)');
    expect(summary).toContain('session 1: The server never greeted: the client waited 4.001 s after the handshake for its 220, then closed the connection (frame 6); the greeting came only at frame 8, after the client had gone');
    expect(diagnose).toContain('Session 1 (no-greeting)');
    expect(diagnose).toContain('Evidence: frames 3, 4, 6, 8, 9');
    expect(explain).toContain('What went wrong (no-greeting: ');
    expect(explain).toContain('the server never greeted within the 4.001 s the client waited');
    expect(explain).not.toContain('The server greets');
    expect(explain).not.toContain('no listing or transfer was asked for');
    expect(timeline).toContain('No greeting came: the client gives up after 4.001 s and closes');
    expect(timeline).toContain('The greeting comes too late: the client has already closed');
    const page = await report(name);
    expect(page).toContain('never greeted');
  });

  it('a silent implicit-FTPS port and an SSH banner stay what they were (tls-mode-mismatch, not-ftp), not no-greeting', async () => {
    const implicit = await analyze('ftps-plain-to-implicit-vsftpd-curl');
    expect([implicit.sessions[0].control.kind, implicit.sessions[0].diagnosis?.cause]).toEqual(['opened', 'tls-mode-mismatch']);
    const ssh = await analyze('ssh-banner-port21-dropbear-curl');
    expect([ssh.sessions[0].control.kind, ssh.sessions[0].diagnosis?.cause]).toEqual(['opened', 'not-ftp']);
  });
});
