/**
 * The seventy-ninth verdict audit, on real recordings (fixtures/record.sh, "Seventy-ninth verdict
 * audit"): a malformed 229 on an IPv6 control connection. pyftpdlib, listening on the server's IPv6
 * address, rewrites its 229 "(|||port|)" to "(port N)" (as a broken ALG might).
 *
 * a79-epsv-malformed-v6-pyftpdlib-curl: curl cannot read the 229 and QUITs without RETR.
 * a79-epsv-malformed-v6-pyftpdlib-lftp: lftp cannot read it, reconnects, and fetches the file in
 * active mode (EPRT) in a second session.
 *
 * Before this audit both diagnoses advised "use PASV instead of EPSV (curl --disable-epsv …)": over
 * IPv6 a 227 can carry only an IPv4 address, so PASV is no way round it; active mode (EPRT), which
 * lftp itself fell back to, is.
 *
 * Frames are tshark's (NAME.tshark-*.tsv), sizes the recorder's (NAME.facts.json).
 */
import { describe, expect, it } from 'vitest';
import { analyze, facts, ftpRows, outputs, transfer, verdicts } from './audit-fixtures.js';

describe('seventy-ninth audit: a malformed 229 on an IPv6 control connection', () => {
  it("curl: failed, announce-malformed, and the advice is active mode (EPRT), not PASV", async () => {
    const name = 'a79-epsv-malformed-v6-pyftpdlib-curl';
    expect(facts(name).family).toBe('ipv6');
    expect(facts(name).server.rewritten).toMatch(/^rewritten: '229 Entering extended passive mode \(\|\|\|\d+\|\)\.' -> '229 Entering extended passive mode \(port \d+\)\.'/);
    expect(facts(name).client.got_file).toBe('no');
    expect(ftpRows(name, '0').slice(-4)).toEqual([[15, 'EPSV'], [16, '229'], [17, 'QUIT'], [18, '221']]);
    const a = await analyze(name);
    expect(verdicts(a)).toEqual([['1.1', 'failed', 'announce-malformed', null]]);
    expect(transfer(a, '1.1').diagnosis!.evidence).toEqual([15, 16, 17]);
    const advice = transfer(a, '1.1').diagnosis!.advice;
    expect(advice).toContain('Meanwhile the client can use active mode (EPRT: curl --ftp-port -, lftp set ftp:passive-mode no)');
    expect(advice).toContain('PASV is no way round it over IPv6, as a 227 can carry only an IPv4 address.');
    const [diagnose, explain] = await outputs(name, 'diagnose', 'explain');
    for (const text of [diagnose, explain]) expect(text).not.toMatch(/PASV instead of EPSV|--disable-epsv|prefer-epsv no/);
  });

  it('lftp: session 1 failed (its 229 unreadable), the file came in session 2 over EPRT, the advice EPRT', async () => {
    const name = 'a79-epsv-malformed-v6-pyftpdlib-lftp';
    expect(facts(name).client.got_file).toBe('yes');
    // Then lftp's Telnet IP and Synch bytes (frames 34, 35, no command after them) and its FIN.
    expect(ftpRows(name, '0').slice(-4, -2)).toEqual([[32, 'EPSV'], [33, '229']]);
    expect(ftpRows(name, '1').slice(-7)).toEqual([[63, 'EPRT'], [67, '200'], [68, 'RETR'], [69, '125'], [75, '226'], [77, 'QUIT'], [78, '221']]);
    const a = await analyze(name);
    expect(verdicts(a)).toEqual([
      ['1.1', 'failed', 'announce-malformed', '2.1 REST null completed'],
      ['2.1', 'completed', null, null],
    ]);
    expect(transfer(a, '2.1').bytes).toBe(facts(name).files.at(-1).size);
    expect(transfer(a, '1.1').diagnosis!.advice).toContain('active mode (EPRT');
    expect(transfer(a, '1.1').diagnosis!.advice).not.toMatch(/PASV instead of EPSV/);
  });
});

// A session none of whose transfers succeeded is summed up by its commonest cause; between causes met
// as often it named the first, where the client's last attempt is why it stopped (diagnose/index.ts
// allFailed). The recorders' ground truth decides these: lftp's FXP copy whose destination refused the
// STOR (550, permissions), and one whose data stopped crossing between the servers (aborted).
describe('a session summed up by the cause its client ended on, between causes met as often', () => {
  it('a68-fxp-stor-refused (router and client side): session 1 is server-refused (the STOR 550), not the aborted first attempt', async () => {
    for (const name of ['a68-fxp-stor-refused-vsftpd-pyftpdlib-lftp', 'a68-fxp-stor-refused-client-side-vsftpd-pyftpdlib-lftp']) {
      expect(facts(name).expected).toContain('the copy failed because the destination refused the STOR (permissions)');
      const s = (await analyze(name)).sessions[0];
      expect(s.transfers.map((t) => t.diagnosis?.cause ?? null)).toEqual(['aborted', 'fxp-refused', 'server-refused']);
      expect(s.diagnosis!.cause).toBe('server-refused');
      expect(s.diagnosis!.summary).toBe('No transfer of session 1 succeeded (3 attempted: 1× aborted, 1× fxp-refused, 1× server-refused): the server refused the command.');
    }
  });

  it("a68-fxp-data-timeout: session 4 is aborted (its STOR, cut between the servers), not lftp's refused reverse attempt", async () => {
    const s = (await analyze('a68-fxp-data-timeout-vsftpd-pyftpdlib-lftp')).sessions[3];
    expect(s.transfers.map((t) => t.diagnosis?.cause ?? null)).toEqual(['fxp-refused', 'aborted']);
    expect(s.diagnosis!.cause).toBe('aborted');
  });

  it("a49-busybox-ftpd-curl: session 6 stays passive-syn-unanswered (its SYNs), not curl's PASV left at once (nobody connected)", async () => {
    const s = (await analyze('a49-busybox-ftpd-curl')).sessions[5];
    expect(s.transfers.map((t) => t.diagnosis?.cause ?? null)).toEqual(['passive-syn-unanswered', 'passive-unreached']);
    expect(s.diagnosis!.cause).toBe('passive-syn-unanswered');
  });
});
