/**
 * Session 42: a client that never logs in (a85-no-login-vsftpd-python, ftplib -> vsftpd). It sends
 * TYPE I, PASV and RETR without USER or PASS; vsftpd answers each with 530 "Please login with USER
 * and PASS.". No login was refused — none was sent — so the cause is not-logged-in, not login-failed
 * ("the server refused the login (user name or password…)", which every output said before).
 */
import { describe, expect, it } from 'vitest';
import { analyze, flat, ftpRows, jsonVerdicts, outputs, transfer, verdicts } from './audit-fixtures.js';

const NAME = 'a85-no-login-vsftpd-python';

describe('a client that sends commands without logging in', () => {
  it('tshark: the greeting, then TYPE, PASV and RETR each answered 530, then QUIT and 221; no USER or PASS', () => {
    expect(ftpRows(NAME, '0')).toEqual([
      [6, '220'],
      [8, 'TYPE'],
      [10, '530'],
      [11, 'PASV'],
      [12, '530'],
      [13, 'RETR'],
      [14, '530'],
      [15, 'QUIT'],
      [16, '221'],
    ]);
  });

  it('the transfer and the session: not-logged-in, citing the PASV, its 530 and the RETR (before: login-failed)', async () => {
    const a = await analyze(NAME);
    expect(verdicts(a)).toEqual([['1.1', 'failed', 'not-logged-in', null]]);
    const d = transfer(a, '1.1').diagnosis!;
    expect(d.evidence).toEqual([11, 12, 13]);
    expect(flat(d.summary)).toContain('The server answered PASV (frame 11) with 530 Please login with USER and PASS at frame 12: the client had sent no login before it (no USER or PASS)');
    expect(d.summary).not.toContain('refused the login');
    expect(d.advice).toContain('Log in first');
    expect(a.sessions[0].diagnosis?.cause).toBe('not-logged-in');
    expect(await jsonVerdicts(NAME)).toEqual([['1.1', 'failed', 'not-logged-in']]);
  });

  it('no output says the server refused a login', async () => {
    for (const text of await outputs(NAME, 'summary', 'transfers', 'diagnose', 'explain', 'logs')) {
      expect(text).not.toContain('refused the login');
      expect(text).not.toContain('login-failed');
    }
  });
});
