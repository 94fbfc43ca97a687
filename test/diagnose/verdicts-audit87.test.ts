/**
 * The eighty-seventh verdict audit, on real recordings (fixtures/record.sh, "eighty-seventh audit"):
 * active mode and the fallbacks between passive and active, with clients that had few failure
 * fixtures — tnftp (`passive auto`), ncftp, inetutils-ftp, Perl's Net::FTP, zsh's zftp, busybox ftpput.
 *
 * a87-pasv-denied-active-drop-proftpd-tnftp: proftpd refuses EPSV and PASV (501, frames 43 and 45);
 * tnftp falls back to PORT (200), RETR, and the client's firewall drops proftpd's SYNs: 425 (frame
 * 56). Before this audit the refused EPSV was a failure of its own (server-refused, "use active mode
 * (PORT) on the client") beside the RETR's: one download counted as two failures, the first blaming
 * the server's refusal the client had got past. A refused announcement whose next one the server
 * accepted, with a transfer command over it that then failed at its data connection, fell back
 * (fallback.ts), as it does when that command completes or the file is refused (550). The same in
 * a87-pasv-denied-active-reject-proftpd-zftp (PASV 501, PORT, RETR; the client's RST, 425).
 *
 * The advice for the active failure left there said "or use passive mode", which this server had
 * just refused; in a87-pasv-active-drop-vsftpd-tnftp (the passive SYNs dropped by the router, tnftp
 * falls back to EPRT, whose SYNs the client's firewall drops) each attempt's advice offered the other
 * mode, which the same capture shows failing. Advice offering a mode the capture shows failing
 * between the same hosts now says so (diagnose/other-mode.ts, `Diagnosis.otherMode`).
 *
 * a87-active-drop-giveup-proftpd-perl: Net::FTP (Timeout 3) sends QUIT 3.0 s after proftpd's first
 * SYN (frame 22) while proftpd keeps repeating it; the diagnosis said the client "closed the control
 * connection 6.0 s after the first SYN (frame 27)", looking for the client's next command only after
 * the server's last SYN.
 *
 * A host's own firewall refusing its own outgoing data connection (an OUTPUT rule) fails it before any
 * SYN leaves: a87-pasv-client-output-reject-fallback-vsftpd-tnftp, captured at the client, said "the
 * client never tried to connect there" and "The client declined to connect", a reading the capture
 * cannot make (no SYN left the client: it did not try, or its host refused it); and
 * a87-active-server-output-reject-server-side-vsftpd-perl, captured at the server, whose capture sees
 * the server send, advised to "capture nearer the server" and did not name the server host's firewall.
 *
 * a87-pasv-drop-stor-{,server-side-}vsftpd-wput: wput's passive SYNs unanswered, it sends STOR with no
 * data connection and ABOR 30 s later; vsftpd answers 425 when its wait for the connection ends. Read
 * "aborted (client)", and at the server "stopped part-way … a user interrupt or a client-side timeout —
 * not a network refusal": an ABOR of a transfer whose data connection never opened cut nothing
 * (verdict.ts abortedUnopened): failed, passive-syn-unanswered / passive-unreached.
 *
 * Also recorded, every verdict true: a87-active-reject-{,server-side-}vsftpd-perl (active-refused),
 * a87-active-drop-{,server-side-}proftpd-inetutils (active-syn-unanswered, the client's own firewall
 * named only at the client), a87-pasv-drop-fallback-{,server-side-}vsftpd-tnftp and
 * a87-pasv-router-rst-fallback-{,server-side-}vsftpd-tnftp (the passive attempt failed, the RETRs
 * over EPRT completed), a87-pasv-denied-fallback-proftpd-{ncftp,tnftp} (refused, fell back to PORT,
 * completed), a87-pasv-denied-proftpd-busybox and a87-port-refused-vsftpd-four-clients
 * (server-refused, each retry another way counted once).
 *
 * Frames are tshark's (NAME.tshark-*.tsv), sizes and sha256 the recorder's (NAME.facts.json).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { analyze, extractedFiles, factSha, facts, flagged, ftpRows, jsonVerdicts, ourRows, outputs, transfer, tsv, verdicts } from './audit-fixtures.js';

const tmp = mkdtempSync(join(tmpdir(), 'ftpcap-audit87-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** tshark's frame of the nth (0-based) command or reply code `what` on the control connection (stream 0). */
const frameOf = (name: string, what: string, nth = 0): number => ftpRows(name, '0').filter(([, c]) => c === what)[nth][0];
/** Each transfer: [id, verdict, cause] (audit-fixtures' verdicts without the later attempt). */
const vc = (a: Awaited<ReturnType<typeof analyze>>): unknown[][] => verdicts(a).map((r) => r.slice(0, 3));

// ---------------------------------------------------------------------------------------------------
// A refused passive mode, then a PORT whose data connection fails
// ---------------------------------------------------------------------------------------------------
describe('eighty-seventh audit: passive refused, the fallback to PORT fails at its data connection', () => {
  const tnftp = 'a87-pasv-denied-active-drop-proftpd-tnftp';
  const zftp = 'a87-pasv-denied-active-reject-proftpd-zftp';

  it("the recorder's facts and tshark: EPSV and PASV refused, PORT accepted, 425 to RETR; nothing saved", async () => {
    expect(facts(tnftp).client.output).toMatch(/fallback to active mode: on\..*501 PASV: Operation not permitted\|200 PORT command successful\|425 Unable to build data connection: Connection timed out/);
    expect(facts(tnftp).files.map((x: any) => [x.op, x.path, x.received ?? null])).toEqual([['RETR', 'hello.txt', null]]);
    expect([frameOf(tnftp, 'EPSV'), frameOf(tnftp, '501'), frameOf(tnftp, 'PASV'), frameOf(tnftp, '501', 1), frameOf(tnftp, 'PORT'), frameOf(tnftp, 'RETR'), frameOf(tnftp, '425')]).toEqual([42, 43, 44, 45, 46, 48, 56]);
    // proftpd's SYNs to the PORT, repeated, never answered (the client's INPUT drops them after the capture point).
    expect(flagged(tnftp, '0x0002', '42743')).toEqual([49, 51, 52, 53, 54, 55]);
    expect(ourRows(await analyze(tnftp), 1)).toEqual(ftpRows(tnftp, '0'));
    expect(facts(zftp).client.output).toMatch(/501 PASV: Operation not permitted.*425 Unable to build data connection: Connection refused/);
    expect([frameOf(zftp, 'PASV'), frameOf(zftp, '501'), frameOf(zftp, 'PORT'), frameOf(zftp, 'RETR'), frameOf(zftp, '425')]).toEqual([19, 20, 21, 23, 26]);
    expect([flagged(zftp, '0x0002', '58589'), flagged(zftp, '0x0014', '58589')]).toEqual([[24], [25]]);
  });

  it('the refused EPSV and PASV fell back to PORT; the one failure is the RETR, at its data connection', async () => {
    const a = await analyze(tnftp);
    expect(vc(a)).toEqual([
      ['1.1', 'fell-back', null],
      ['1.2', 'fell-back', null],
      ['1.3', 'failed', 'active-syn-unanswered'],
    ]);
    expect(transfer(a, '1.1').verdict).toEqual({
      kind: 'fell-back',
      code: 501,
      reply: 43,
      fallback: {
        command: 'RETR hello.txt', frame: 48, code: 425, replyFrame: 56, transfer: '1.3', directory: null, completed: false, connectionFailed: true,
        announce: { command: 'PORT', frame: 46, lacking: false, via: [{ command: 'PASV', frame: 44, code: 501, replyFrame: 45, transfer: '1.2' }] },
      },
      evidence: [43, 44, 45, 46, 48, 56],
    });
    expect(a.sessions[0].diagnosis?.cause).toBe('active-syn-unanswered');
    expect(await jsonVerdicts(tnftp)).toEqual([['1.1', 'fell-back', null], ['1.2', 'fell-back', null], ['1.3', 'failed', 'active-syn-unanswered']]);
    const z = await analyze(zftp);
    expect(vc(z)).toEqual([['1.1', 'fell-back', null], ['1.2', 'failed', 'active-refused']]);
    expect(transfer(z, '1.1').verdict).toMatchObject({ kind: 'fell-back', code: 501, reply: 20, fallback: { command: 'RETR hello.txt', frame: 23, code: 425, replyFrame: 26, transfer: '1.2', completed: false, connectionFailed: true } });
    expect(await jsonVerdicts(zftp)).toEqual([['1.1', 'fell-back', null], ['1.2', 'failed', 'active-refused']]);
  });

  it('every output words the refusals as got past and counts one failure; the advice says the server refused passive mode', async () => {
    const [summary, diagnose, explain, transfers, logs] = await outputs(tnftp, 'summary', 'diagnose', 'explain', 'transfers', 'logs');
    expect(summary).toMatch(/1\.1 passive - - - - refused, fell back to PORT/);
    expect(summary).toMatch(/1\.3 active RETR hello\.txt 192\.0\.2\.10:42743 0 425 failed \[1\]/);
    expect(summary).not.toMatch(/server-refused/);
    expect(diagnose).toContain('1 of 3 transfers diagnosed (2 refused (the client fell back), 1 failed)');
    expect(diagnose).toContain(
      'the client asked with PASV (frame 44, transfer 1.2, refused too: 501, frame 45), then PORT instead (frame 46), which the server accepted, and RETR hello.txt (frame 48, transfer 1.3) over it then failed for its own reason (425, frame 56): that failure is transfer 1.3\'s, not this one\'s.',
    );
    expect(diagnose).toContain(
      'Passive mode is no way out as this server stands: it refused EPSV (501, frame 43; transfer 1.1) and PASV (501, frame 45; transfer 1.2); the server must accept passive mode first.',
    );
    expect(transfers).toMatch(/Transfer 1\.1: passive, no command — refused, fell back to PORT/);
    expect(explain).toContain('- transfer 1 refused, fell back to PORT, which got past it (transfer 1.3 failed for its own reason): no failure.');
    expect(logs).toMatch(/fell-back to-1\.3/);
    const a = await analyze(tnftp);
    expect(transfer(a, '1.3').diagnosis!.otherMode).toEqual({
      mode: 'passive', how: 'refused', refusals: [{ transfer: '1.1', command: 'EPSV', code: 501, frame: 43 }, { transfer: '1.2', command: 'PASV', code: 501, frame: 45 }],
    });
    expect(a.sessions[0].diagnosis!.otherMode).toEqual(transfer(a, '1.3').diagnosis!.otherMode);
    const [zDiagnose] = await outputs(zftp, 'diagnose');
    expect(zDiagnose).toContain('Passive mode is no way out as this server stands: it refused PASV (501, frame 20; transfer 1.1); the server must accept passive mode first.');
    expect(zDiagnose).toContain('1 of 2 transfers diagnosed (1 refused (the client fell back), 1 failed)');
  });
});

// ---------------------------------------------------------------------------------------------------
// Both modes blocked: tnftp's passive auto falls back to EPRT, which fails too
// ---------------------------------------------------------------------------------------------------
describe('eighty-seventh audit: the passive attempt and the active fallback both fail', () => {
  const name = 'a87-pasv-active-drop-vsftpd-tnftp';

  it('two failures, each with its own cause; neither advice offers the other mode as if it worked', async () => {
    expect(facts(name).client.output).toMatch(/Can't connect to `198\.51\.100\.20:50011': Connection timed out\|200 EPRT command successful.*\|425 Failed to establish connection\./);
    expect([frameOf(name, 'EPSV'), frameOf(name, '229'), frameOf(name, 'EPRT'), frameOf(name, 'RETR'), frameOf(name, '425')]).toEqual([32, 33, 43, 46, 53]);
    expect(flagged(name, '0x0002', '50011')).toEqual([34, 36, 37, 38, 39, 40]);
    expect(flagged(name, '0x0002', '40841')).toEqual([47, 49, 50, 51, 52]);
    const a = await analyze(name);
    expect(vc(a)).toEqual([
      ['1.1', 'failed', 'passive-syn-unanswered'],
      ['1.2', 'failed', 'active-syn-unanswered'],
    ]);
    expect(transfer(a, '1.1').diagnosis!.otherMode).toEqual({ mode: 'active', how: 'failed', transfer: '1.2', cause: 'active-syn-unanswered', command: 'EPRT', frame: 43 });
    expect(transfer(a, '1.2').diagnosis!.otherMode).toEqual({ mode: 'passive', how: 'failed', transfer: '1.1', cause: 'passive-syn-unanswered', command: 'EPSV', frame: 33 });
    const [diagnose, json] = await outputs(name, 'diagnose', 'summary');
    expect(diagnose).toContain(
      'or use active mode. Active mode failed too between these hosts — transfer 1.2 (EPRT, frame 43): the server could not reach the client (active mode) — so it is no way out until that is fixed as well.',
    );
    expect(diagnose).toContain(
      'or use passive mode; nothing between the two hosts is what drops them. Passive mode failed too between these hosts — transfer 1.1 (EPSV, frame 33): the client could not reach the server\'s passive port — so it is no way out until that is fixed as well.',
    );
    expect(json).toMatch(/1\.1 passive - 198\.51\.100\.20:50011 0 - failed \[1\]/);
  });

  it('a passive attempt that failed beside an active fallback that worked keeps its plain advice', async () => {
    for (const n of ['a87-pasv-drop-fallback-vsftpd-tnftp', 'a87-pasv-router-rst-fallback-vsftpd-tnftp']) {
      const a = await analyze(n);
      expect(transfer(a, '1.1').diagnosis!.otherMode).toBeUndefined();
      expect(transfer(a, '1.1').diagnosis!.advice).toMatch(/use active mode|not on the server/);
      expect(transfer(a, '1.2').verdict.kind).toBe('completed');
    }
  });
});

// ---------------------------------------------------------------------------------------------------
// The client gives up while the server is still connecting (active mode)
// ---------------------------------------------------------------------------------------------------
describe('eighty-seventh audit: Net::FTP gives up on an active RETR before the server does', () => {
  const name = 'a87-active-drop-giveup-proftpd-perl';

  it("the diagnosis names the client's QUIT, sent between the server's SYNs, as where it gave up", async () => {
    expect(facts(name).client.messages).toMatch(/get hello\.txt failed: 421 \[Net::FTP\] Timeout/);
    expect([frameOf(name, 'PORT'), frameOf(name, 'RETR'), frameOf(name, 'QUIT')]).toEqual([15, 17, 22]);
    expect(flagged(name, '0x0002', '38647')).toEqual([18, 20, 21, 24, 25, 26, 29, 30]);
    expect(flagged(name, '0x0011', '21')).toEqual([27]);
    const a = await analyze(name);
    expect(vc(a)).toEqual([['1.1', 'failed', 'active-syn-unanswered']]);
    const [diagnose] = await outputs(name, 'diagnose');
    expect(diagnose).toContain('The client gave up and sent QUIT 3.0 s after the first SYN (frame 22).');
    expect(diagnose).not.toMatch(/closed the control connection 6\.0 s after/);
  });
});

// ---------------------------------------------------------------------------------------------------
// A host's own firewall refusing its own outgoing data connection: no SYN leaves it
// ---------------------------------------------------------------------------------------------------
describe("eighty-seventh audit: a host's own OUTPUT rule refuses its data connection before any SYN leaves", () => {
  it("server side: no SYN left the server, and the advice looks at the server host, not at a capture nearer it", async () => {
    const name = 'a87-active-server-output-reject-server-side-vsftpd-perl';
    expect(facts(name).network.filter).toMatch(/server: iptables -A OUTPUT -p tcp --syn --sport 20 -j REJECT/);
    expect([frameOf(name, 'PORT'), frameOf(name, 'RETR'), frameOf(name, '425')]).toEqual([15, 17, 18]);
    expect(flagged(name, '0x0002', '20')).toEqual([]);
    const a = await analyze(name);
    expect(vc(a)).toEqual([['1.1', 'failed', 'no-attempt']]);
    const d = transfer(a, '1.1').diagnosis!;
    expect(d.summary).toContain("This capture point sees the server's packets as it sends them: the server sent no SYN");
    expect(d.advice).toContain("and the server host's own firewall (a rule refusing its outbound connections fails them before any SYN leaves)");
    expect(d.advice).not.toMatch(/capture nearer the server/);
    // At the client: nothing reached it; not named the client's firewall.
    const c = await analyze('a87-active-server-output-reject-vsftpd-perl');
    expect(vc(c)).toEqual([['1.1', 'failed', 'active-unreached']]);
    expect(transfer(c, '1.1').diagnosis!.summary).toMatch(/or the server could not make it at all; this point cannot see which/);
  });

  it('client side: no SYN left the client for the passive port; the fallback to EPRT completed', async () => {
    const name = 'a87-pasv-client-output-reject-fallback-vsftpd-tnftp';
    expect(facts(name).client.output).toMatch(/Can't connect to `198\.51\.100\.20:50074': Connection refused\|200 EPRT command successful/);
    expect([frameOf(name, 'EPSV'), frameOf(name, '229'), frameOf(name, 'EPRT'), frameOf(name, 'RETR'), frameOf(name, '226')]).toEqual([33, 34, 35, 37, 47]);
    expect(flagged(name, '0x0002', '50074')).toEqual([]);
    const a = await analyze(name);
    expect(vc(a)).toEqual([['1.1', 'failed', 'passive-unreached'], ['1.2', 'completed', null]]);
    const d = transfer(a, '1.1').diagnosis!;
    // Before: "the client never tried to connect there", "The client declined to connect": what the capture cannot tell from its own host refusing it.
    expect(d.summary).toContain(
      "holds no SYN to 198.51.100.20:50074: none left the client — it did not try, or its own host refused the connection before a SYN left (a local firewall's OUTPUT rule fails it at once)",
    );
    expect(d.advice).toMatch(/^No connection to 198\.51\.100\.20:50074 left the client: check the client host's own firewall/);
    expect(Object.values(await extractedFiles(name, tmp))).toEqual([factSha(name, 'hello.txt')]);
    expect(vc(await analyze('a87-pasv-client-output-reject-fallback-server-side-vsftpd-tnftp'))).toEqual([['1.1', 'failed', 'passive-unreached'], ['1.2', 'completed', null]]);
  });
});

// ---------------------------------------------------------------------------------------------------
// An ABOR of a transfer whose data connection never opened
// ---------------------------------------------------------------------------------------------------
describe('eighty-seventh audit: wput sends STOR with no data connection, then ABOR', () => {
  const client = 'a87-pasv-drop-stor-vsftpd-wput';
  const server = 'a87-pasv-drop-stor-server-side-vsftpd-wput';

  /** tshark's passive data stream: the client's SYNs to the 227's port, never answered. */
  const port = (name: string): string => tsv(name, 'streams').find((r) => r.stream === '1')?.dstport ?? '';

  it("the recorder's facts and tshark: the passive SYNs unanswered, STOR anyway, ABOR 30 s later, vsftpd's 425; nothing stored", async () => {
    expect(facts(client).server.file_after).toBe('0 bytes on the server');
    expect(facts(client).files).toMatchObject([{ op: 'STOR', path: 'a87-wput.txt', size: 259, received: null }]);
    expect(facts(client).client.output).toMatch(/Send Failed \(Failed to establish connection\.\)/);
    const frames = [frameOf(client, 'PASV'), frameOf(client, '227'), frameOf(client, 'STOR'), frameOf(client, 'ABOR'), frameOf(client, '425')];
    expect(frames).toEqual([...frames].sort((x, y) => x - y));
    // Six SYNs (client tcp_syn_retries=2, as wput repeats its connect), all before STOR; none at the server.
    const syns = flagged(client, '0x0002', port(client));
    expect(syns.length).toBe(6);
    expect(syns.every((f) => f > frames[1] && f < frames[2])).toBe(true);
    expect(tsv(server, 'streams').filter((r) => r.stream !== '0')).toEqual([]);
  });

  it('failed at its data connection at both capture points, not aborted by the client', async () => {
    // Before: "aborted (client)"; at the server "stopped part-way … a user interrupt or a client-side timeout — not a network refusal".
    const a = await analyze(client);
    expect(vc(a)).toEqual([['1.1', 'failed', 'passive-syn-unanswered']]);
    const [, reply, stor, abor, refused] = [frameOf(client, 'PASV'), frameOf(client, '227'), frameOf(client, 'STOR'), frameOf(client, 'ABOR'), frameOf(client, '425')];
    expect(transfer(a, '1.1').verdict).toEqual({ kind: 'failed', cause: 'passive-syn-unanswered', evidence: [reply, ...flagged(client, '0x0002', port(client)), stor, abor, refused] });
    expect(transfer(a, '1.1').abortFrame).toBe(abor);
    const b = await analyze(server);
    expect(vc(b)).toEqual([['1.1', 'failed', 'passive-unreached']]);
    expect(await jsonVerdicts(server)).toEqual([['1.1', 'failed', 'passive-unreached']]);
    for (const text of await outputs(server, 'summary', 'diagnose', 'transfers', 'explain', 'timeline', 'logs')) {
      expect(text).not.toMatch(/aborted|stopped part-way|not a network refusal/i);
    }
    const [summary] = await outputs(client, 'summary');
    expect(summary).toMatch(new RegExp(`1\\.1 passive STOR a87-wput\\.txt 198\\.51\\.100\\.20:${port(client)} 0 425 failed \\[1\\]`));
  });
});

// ---------------------------------------------------------------------------------------------------
// Recorded and true before the audit
// ---------------------------------------------------------------------------------------------------
describe('eighty-seventh audit: the verdicts that were already true', () => {
  it('active mode refused or dropped at the client: the cause and the vantage point', async () => {
    const rows = async (n: string): Promise<unknown[][]> => vc(await analyze(n));
    expect(await rows('a87-active-reject-vsftpd-perl')).toEqual([['1.1', 'failed', 'active-refused']]);
    expect(await rows('a87-active-reject-server-side-vsftpd-perl')).toEqual([['1.1', 'failed', 'active-refused']]);
    expect(await rows('a87-active-drop-proftpd-inetutils')).toEqual([['1.1', 'failed', 'active-syn-unanswered']]);
    expect(await rows('a87-active-drop-server-side-proftpd-inetutils')).toEqual([['1.1', 'failed', 'active-syn-unanswered']]);
    const [client] = await outputs('a87-active-drop-proftpd-inetutils', 'diagnose');
    const [server] = await outputs('a87-active-drop-server-side-proftpd-inetutils', 'diagnose');
    expect(client).toContain("they reached the client's network and were dropped there");
    expect(server).toContain('Something between them, or on the client host, drops inbound connections to that port');
  });

  it('passive refused or unreachable, then active completes: the files are whole', async () => {
    for (const [n, rows] of [
      ['a87-pasv-denied-fallback-proftpd-ncftp', [['1.1', 'fell-back', null], ['1.2', 'completed', null]]],
      ['a87-pasv-denied-fallback-proftpd-tnftp', [['1.1', 'fell-back', null], ['1.2', 'fell-back', null], ['1.3', 'completed', null], ['1.4', 'completed', null]]],
      ['a87-pasv-drop-fallback-vsftpd-tnftp', [['1.1', 'failed', 'passive-syn-unanswered'], ['1.2', 'completed', null]]],
      ['a87-pasv-drop-fallback-server-side-vsftpd-tnftp', [['1.1', 'failed', 'passive-unreached'], ['1.2', 'completed', null]]],
      ['a87-pasv-router-rst-fallback-vsftpd-tnftp', [['1.1', 'failed', 'passive-refused'], ['1.2', 'completed', null], ['1.3', 'completed', null]]],
      ['a87-active-reject-then-pasv-pureftpd-php', [['1.1', 'failed', 'active-refused'], ['1.2', 'completed', null]]],
      ['a87-ipv6-epsv-drop-fallback-vsftpd-tnftp', [['1.1', 'failed', 'passive-syn-unanswered'], ['1.2', 'completed', null]]],
      ['a87-ipv6-epsv-drop-fallback-server-side-vsftpd-tnftp', [['1.1', 'failed', 'passive-unreached'], ['1.2', 'completed', null]]],
      ['a87-pasv-drop-proftpd-inetutils', [['1.1', 'failed', 'passive-syn-unanswered']]],
      ['a87-epsv-denied-pasv-drop-fallback-proftpd-tnftp', [['1.1', 'fell-back', null], ['1.2', 'failed', 'passive-syn-unanswered'], ['1.3', 'completed', null]]],
    ] as const) {
      expect(vc(await analyze(n))).toEqual(rows);
    }
    const saved = await extractedFiles('a87-pasv-drop-fallback-vsftpd-tnftp', tmp);
    expect(Object.values(saved)).toEqual([factSha('a87-pasv-drop-fallback-vsftpd-tnftp', 'hello.txt')]);
  });

  it('a server that refuses one mode outright: each refusal once, retries counted with it', async () => {
    expect(vc(await analyze('a87-pasv-denied-proftpd-gftp'))).toEqual([['1.1', 'failed', 'server-refused']]);
    expect(vc(await analyze('a87-pasv-denied-proftpd-busybox'))).toEqual([['1.1', 'failed', 'server-refused'], ['1.2', 'retry-refused', null]]);
    expect(vc(await analyze('a87-port-refused-vsftpd-four-clients'))).toEqual([
      ['1.1', 'failed', 'server-refused'],
      ['2.1', 'failed', 'server-refused'],
      ['2.2', 'retry-refused', null],
      ['3.1', 'failed', 'server-refused'],
      ['3.2', 'retry-refused', null],
      ['4.1', 'failed', 'server-refused'],
    ]);
  });
});
