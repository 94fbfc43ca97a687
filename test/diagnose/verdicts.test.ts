/**
 * Issue 11's findings, each on a real recording made for it (fixtures/record.sh): the verdict the
 * model decides, the cause, the frames that prove it, and what each output says. Frame numbers
 * are tshark's (checked against the fixture's tshark views where they hold the fact).
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyzeFiles } from '../../src/analysis/pipeline.js';
import type { Analysis, Session, Transfer } from '../../src/analysis/model.js';
import { runCli } from '../cli/run-cli.js';
import { FIXTURES } from '../support/facts.js';
import { readView, replyFrame } from './tshark-evidence.js';
import { VERDICT_FIXTURES } from './verdict-fixtures.js';


const cache = new Map<string, Promise<Analysis>>();
function analyze(name: string): Promise<Analysis> {
  if (!cache.has(name)) cache.set(name, analyzeFiles([join(FIXTURES, `${name}.pcap`)], { fileName: name, thread: false }));
  return cache.get(name)!;
}
const path = (name: string): string => join(FIXTURES, `${name}.pcap`);
const transfers = (a: Analysis): Transfer[] => a.sessions.flatMap((s) => s.transfers);
const causes = (a: Analysis): Array<string | null> => [
  ...a.sessions.map((s) => s.diagnosis?.cause ?? null),
  ...transfers(a).map((t) => t.diagnosis?.cause ?? null),
];

it('names every fixture recorded for issue 11', () => {
  expect(VERDICT_FIXTURES).toHaveLength(26);
});

describe('1. an ABOR after a whole transfer and its 226 is housekeeping, not an abort', () => {
  for (const [name, aborts, bytes] of [
    ['housekeeping-abor-vsftpd-lftp', [197, 190], [65536, 32768]],
    ['housekeeping-abor-ipv6-vsftpd-lftp', [197, 192], [65536, 32768]],
  ] as const) {
    it(name, async () => {
      const a = await analyze(name);
      const ts = transfers(a);
      expect(ts.map((t) => [t.status, t.verdict.kind, t.bytes, t.abortFrame, t.lateAbortFrame, t.reply?.code])).toEqual([
        ['complete', 'completed', bytes[0], null, aborts[0], 226],
        ['complete', 'completed', bytes[1], null, aborts[1], 226],
      ]);
      // The second session resumed at REST 32768 of the 65536 the server announced: nothing missing.
      expect(ts.map((t) => (t.verdict.kind === 'completed' ? [t.verdict.expected, t.verdict.missingBytes] : null))).toEqual([
        [65536, 0],
        [32768, 0],
      ]);
      // The ABOR itself was answered "225 No transfer to ABOR" after the 226.
      for (const [i, s] of a.sessions.entries()) {
        const abor = s.commands.find((c) => c.command === 'ABOR')!;
        expect([abor.frame, abor.reply?.code]).toEqual([aborts[i], 225]);
        expect(abor.frame).toBeGreaterThan(s.transfers[0].reply!.frame);
      }
      expect(causes(a).filter(Boolean)).toEqual([]);
      const timeline = await runCli(['timeline', path(name)]);
      const notes = timeline.stdout.replace(/[|\s]+/g, ' ');
      expect(notes.match(/ABOR for transfer 1: its data still came whole and the server said 226; nothing was aborted/g)).toHaveLength(2);
      const diagnose = await runCli(['diagnose', path(name)]);
      expect(diagnose.stdout).toMatch(/No failed data connections in 2 sessions: 2 transfers \(2 complete\)\./);
    });
  }
});

describe('2. a 227 nobody connected to before the client moved on is a failed attempt', () => {
  it('seen at the server behind DNAT without a helper: passive-unreached, with what this point cannot see', async () => {
    const name = 'dnat-nohelper-server-side-vsftpd-lftp';
    const a = await analyze(name);
    const view = readView(FIXTURES, name);
    const pasv = view.ftp.filter((r) => r['ftp.response.code'] === '227').map((r) => Number(r['frame.number']));
    expect(pasv).toEqual([35, 66]);
    expect(a.sessions.map((s) => s.vantage?.point)).toEqual(['server-side', 'server-side']);
    expect(transfers(a).map((t) => [t.status, t.verdict.kind, t.diagnosis?.cause, t.announce?.frame])).toEqual([
      ['failed', 'failed', 'passive-unreached', 35],
      ['failed', 'failed', 'passive-unreached', 66],
    ]);
    const d = transfers(a)[0].diagnosis!;
    expect(d.summary).toMatch(/cannot see the client's SYNs/);
    expect(d.summary).toMatch(/The client then closed the session \(frame 37, 5\.0 s later\)/);
    expect(d.advice).toMatch(/pasv_address/);
    expect(d.advice).toMatch(/FTP helper/);
    expect(d.evidence).toEqual([33, 35, 37].filter((f) => f !== 33 || d.evidence.includes(33)));
  });

  it('the same run seen at the client: passive-address-mismatch, the SYNs to the inside address unanswered', async () => {
    const a = await analyze('dnat-nohelper-client-side-vsftpd-lftp');
    expect(a.sessions.map((s) => [s.server.ip, s.vantage?.point])).toEqual([
      ['203.0.113.21', 'client-side'],
      ['203.0.113.21', 'client-side'],
    ]);
    expect(transfers(a).map((t) => [t.status, t.diagnosis?.cause, t.announce?.endpoint?.ip, t.connection?.synFrames.length])).toEqual([
      ['failed', 'passive-address-mismatch', '198.51.100.20', 5],
      ['failed', 'passive-address-mismatch', '198.51.100.20', 5],
    ]);
  });
});

describe('3. behind SNAT without a helper, seen at the client', () => {
  it('active: the server tried for 5 s, none of its SYNs arrived: not "no attempt"', async () => {
    const a = await analyze('snat-nohelper-client-side-vsftpd-ftp');
    const t = transfers(a)[0];
    expect([t.status, t.diagnosis?.cause, t.announce?.frame, t.request?.frame, t.reply?.code, t.reply?.frame]).toEqual([
      'failed',
      'active-syn-unanswered',
      32,
      34,
      425,
      36,
    ]);
    expect(t.diagnosis!.summary).toMatch(/5\.0 s after RETR \(frame 34\): it tried to connect for that long/);
    expect(t.diagnosis!.summary).toMatch(/a NAT in front of the client that did not rewrite the address in PORT/);
    expect(t.diagnosis!.advice).toMatch(/FTP helper/);
  });

  it('passive: a 227 the client followed and then gave up on is diagnosed, not left unused', async () => {
    const a = await analyze('snat-nohelper-passive-client-side-vsftpd-curl');
    const t = transfers(a)[0];
    expect([t.request, t.status, t.diagnosis?.cause, t.announce?.frame, t.connection?.synFrames]).toEqual([
      null,
      'failed',
      'passive-address-mismatch',
      18,
      [19, 21, 22, 23, 24, 25],
    ]);
  });
});

describe('4. a control connection that never opened is diagnosed at session level, in every output', () => {
  const cases = [
    { name: 'ctrl-drop-vsftpd-curl', control: 'unanswered', cause: 'control-unanswered', evidence: [3, 4, 5, 6, 7, 8, 9], says: /7 SYNs at frames 3, 4, 5, 6, 7, 8 and 9 \(retransmitted after 1\.0 s, 2\.1 s, 3\.1 s, 4\.1 s, 5\.1 s and 7\.1 s\)/ },
    { name: 'ctrl-reject-rst-vsftpd-curl', control: 'refused', cause: 'control-refused', evidence: [3, 4], says: /the server host 198\.51\.100\.20 itself answered with a reset \(RST\) at frame 4/ },
    { name: 'ctrl-reject-icmp-vsftpd-curl', control: 'refused', cause: 'control-refused', evidence: [3, 4], says: /ICMP destination unreachable \(from 198\.51\.100\.20\) at frame 4/ },
    { name: 'ctrl-closed-curl', control: 'refused', cause: 'control-refused', evidence: [3, 4], says: /nothing listens on that port/ },
    // The router's REJECT: a RST in the server's name with the TTL of a packet that crossed no router.
    { name: 'ctrl-router-reject-curl', control: 'refused', cause: 'control-refused', evidence: [3, 4], says: /a device between the client and the server answered .* with a reset \(RST\) at frame 4: a firewall or router on the path/ },
    { name: 'ctrl-router-icmp-curl', control: 'refused', cause: 'control-refused', evidence: [3, 4], says: /192\.0\.2\.1, a device between the client and the server, answered with ICMP destination unreachable/ },
  ];
  for (const c of cases) {
    it(c.name, async () => {
      const a = await analyze(c.name);
      const s: Session = a.sessions[0];
      expect([a.sessions.length, s.control.kind, s.diagnosis?.cause, s.diagnosis?.evidence, s.transfers.length]).toEqual([
        1,
        c.control,
        c.cause,
        c.evidence,
        0,
      ]);
      expect(s.diagnosis!.summary).toMatch(c.says);
      const [summary, diagnose, explain] = await Promise.all([
        runCli(['summary', '--no-color', path(c.name)]),
        runCli(['diagnose', '--no-color', path(c.name)]),
        runCli(['explain', path(c.name)]),
      ]);
      expect(summary.stdout).toMatch(/session 1: .*never opened\. \[control-/);
      expect(diagnose.stdout).toMatch(new RegExp(`^Session 1 \\(${c.cause}\\)$`, 'm'));
      expect(diagnose.stdout).not.toMatch(/nothing to diagnose/);
      expect(explain.stdout).not.toMatch(/stays open/);
      expect(explain.stdout.replace(/\s+/g, ' ')).toMatch(/never opened\. No command can follow/);
    });
  }
});

describe('with the FTP helper on the NAT, the same sessions are healthy, seen from either side', () => {
  for (const name of ['dnat-helper-server-side-vsftpd-lftp', 'dnat-helper-client-side-vsftpd-lftp', 'snat-helper-client-side-vsftpd-ftp']) {
    it(name, async () => {
      const a = await analyze(name);
      expect(transfers(a).map((t) => [t.request?.command, t.status, t.verdict.kind, t.bytes])).toEqual([
        ['LIST', 'complete', 'completed', 260],
        ['RETR', 'complete', 'completed', 511],
        ['STOR', 'complete', 'completed', 259],
      ]);
      expect(causes(a).filter(Boolean)).toEqual([]);
    });
  }
});

describe('5. data connections filtered out: succeeded according to the replies', () => {
  it('control-only-vsftpd-lftp: 41 transfers, none called failed, none diagnosed', async () => {
    const name = 'control-only-vsftpd-lftp';
    const a = await analyze(name);
    const ts = transfers(a);
    expect(ts).toHaveLength(41);
    expect(ts.every((t) => t.verdict.kind === 'not-captured' && t.verdict.replies === 'completed' && t.reply?.code === 226)).toBe(true);
    expect(causes(a).filter(Boolean)).toEqual([]);
    const [diagnose, explain] = await Promise.all([runCli(['diagnose', path(name)]), runCli(['explain', path(name)])]);
    expect(diagnose.stdout).toMatch(/No failed data connections in 1 session: 41 transfers \(41 complete per replies\)\./);
    expect(`${diagnose.stdout}${explain.stdout}`).not.toMatch(/succeeded\)|No transfer of session/);
    expect(explain.stdout.replace(/\s+/g, ' ')).toMatch(/Verdict: transfer 2 succeeded according to the replies \(226, frame \d+\); its data connection is not in the capture\./);
  });
});

describe('6. sizes the session states decide "incomplete" and "missing from the capture"', () => {
  it('cut-midtransfer: 393,216 of the 4,194,304 bytes the 150 announced when the capture ended: incomplete everywhere', async () => {
    const name = 'cut-midtransfer-vsftpd-curl';
    const a = await analyze(name);
    const t = transfers(a)[0];
    expect([t.expectedSize, t.preliminary?.frame, t.reply]).toEqual([4194304, 27, null]);
    expect(t.verdict).toEqual({ kind: 'incomplete', bytes: 393216, expected: 4194304, why: 'capture-ended', underWay: { step: 'moving', frame: t.connection!.lastData!.frame }, evidence: t.verdict.evidence });
    const [summary, diagnose] = await Promise.all([runCli(['summary', '--no-color', path(name)]), runCli(['diagnose', path(name)])]);
    expect(summary.stdout).toMatch(/│ incomplete 393,216\/4,194,304 │/);
    expect(diagnose.stdout).not.toMatch(/completed/);
    expect(diagnose.stdout.replace(/\s+/g, ' ')).toMatch(/incomplete: 393,216 of 4,194,304 announced bytes had moved when the capture ended/);
  });

  it('capture-loss: 226 and a stated size of 1,048,576, 47,784 bytes not in the capture: completed, and says so', async () => {
    const name = 'capture-loss-vsftpd-lftp';
    const a = await analyze(name);
    const view = readView(FIXTURES, name);
    const t = transfers(a).find((x) => x.request?.command === 'RETR')!;
    expect([t.status, t.diagnosis, t.reply?.frame]).toEqual(['complete', null, replyFrame(view, 226, 1)]);
    expect(t.verdict).toMatchObject({ kind: 'completed', bytes: 1000792, expected: 1048576, missingBytes: 47784 });
    const diagnose = await runCli(['diagnose', path(name)]);
    expect(diagnose.stdout.replace(/\s+/g, ' ')).toMatch(/completed according to the server \(226, frame 1091\), but 47,784 of its bytes are missing from the capture/);
  });
});

describe('7. a transfer already running when the capture began', () => {
  it('is shown, marked mid-stream, with its bytes and the 226 that ended it', async () => {
    const a = await analyze('midstream-transfer-vsftpd-curl');
    const ts = transfers(a);
    expect(ts.map((t) => [t.inferred, t.direction, t.bytes, t.reply?.code, t.reply?.frame, t.verdict.kind])).toEqual([
      ['midstream', 'download', 262144, 226, 261, 'unknown'],
    ]);
    expect(ts[0].connection).toMatchObject({ midstream: true, stream: 0, server: { ip: '198.51.100.20', port: 50025 }, client: { ip: '192.0.2.10', port: 50272 } });
    expect(causes(a).filter(Boolean)).toEqual([]);
  });
});

describe('8. a RST from a router is not the server refusing', () => {
  it('fail-passive-router-rst: the TTL says a middlebox sent it, and the advice names that device', async () => {
    const a = await analyze('fail-passive-router-rst-vsftpd-curl');
    const t = transfers(a)[0];
    expect([t.diagnosis?.cause, t.connection?.rst]).toEqual(['passive-refused', { frame: 20, by: 'server', ttl: 64, forged: true }]);
    expect(a.sessions[0].ttl.server).toBe(63);
    expect(t.diagnosis!.summary).toMatch(/TTL 64, where the server's own packets arrive with TTL 63: a firewall or router between them sent it, not the server/);
    expect(t.diagnosis!.advice).toMatch(/A firewall or router between the client and the server rejects connections to 198\.51\.100\.20:50012/);
  });
});

describe('9–11. FTPS: CCC, hidden transfers, AUTH SSL, and a service that is not FTP', () => {
  it('ccc-proftpd-python: after CCC the PASV/STOR/RETR are read and linked', async () => {
    const a = await analyze('ccc-proftpd-python');
    const s = a.sessions[0];
    expect([s.tlsFrame, s.tlsEndFrame, s.diagnosis]).toEqual([10, 31, null]);
    expect(s.transfers.map((t) => [t.request?.command, t.announce?.frame, t.status, t.bytes])).toEqual([
      ['STOR', 34, 'complete', 259],
      ['RETR', 50, 'complete', 511],
    ]);
  });

  it('tls-data-vsftpd-lftp: 5 probable transfers with their bytes, marked inferred', async () => {
    const a = await analyze('tls-data-vsftpd-lftp');
    const s = a.sessions[0];
    expect(s.diagnosis?.cause).toBe('tls-hidden');
    expect(s.transfers.map((t) => [t.inferred, t.verdict.kind])).toEqual(Array(5).fill(['tls-hidden', 'unknown']));
    expect(s.transfers.map((t) => t.connection!.stream)).toEqual([1, 2, 3, 4, 5]);
    const summary = await runCli(['summary', '--no-color', path('tls-data-vsftpd-lftp')]);
    expect(summary.stdout).toMatch(/│ 5 unknown +│/);
    expect(summary.stdout.match(/probable \(TLS\)/g)).toHaveLength(5);
  });

  it('auth-ssl-vsftpd-lftp: the words name AUTH SSL, as sent', async () => {
    const a = await analyze('auth-ssl-vsftpd-lftp');
    expect(a.sessions[0].diagnosis!.summary).toMatch(/\(AUTH SSL answered 234\)/);
    expect(a.sessions[0].diagnosis!.summary).not.toMatch(/AUTH TLS/);
  });

  it('ssh-banner-port21: SSH on port 21 is said to be SSH, not an FTP session', async () => {
    const name = 'ssh-banner-port21-dropbear-curl';
    const a = await analyze(name);
    const s = a.sessions[0];
    expect(s.notFtp).toEqual({ by: 'server', frame: 6, line: 'SSH-2.0-dropbear_2022.83', protocol: 'SSH' });
    expect([s.diagnosis?.cause, s.diagnosis?.evidence]).toEqual(['not-ftp', [6]]);
    expect(s.diagnosis!.advice).toMatch(/SFTP/);
    const summary = await runCli(['summary', '--no-color', path(name)]);
    expect(summary.stdout).toMatch(/session 1: The server spoke SSH, not FTP \("SSH-2\.0-dropbear_2022\.83", frame 6\)/);
  });
});

describe('12. AUTH GSSAPI on another port, found by content', () => {
  it('gssapi-nocreds: the exchange is read as commands and replies, nothing garbled', async () => {
    const a = await analyze('gssapi-nocreds-python-curl');
    const s = a.sessions[0];
    expect(s.server.port).toBe(2811);
    expect(s.commands.map((c) => [c.command, c.arg, c.reply?.code])).toEqual([
      [null, '', 220],
      ['AUTH', 'GSSAPI', 334],
      ['AUTH', 'GSSAPI', 334],
    ]);
    expect(causes(a).filter(Boolean)).toEqual([]);
  });
});

describe('14. no TYPE sent: the transfer is ASCII, FTP\'s default', () => {
  it('no-type-ascii-vsftpd-python', async () => {
    const a = await analyze('no-type-ascii-vsftpd-python');
    const t = transfers(a)[0];
    expect([t.type, t.bytes, t.expectedSize, t.verdict.kind]).toEqual(['A', 521, 511, 'completed']);
  });
});


/**
 * Failure recordings with other servers and clients than issue 11's (fixtures/record.sh, the
 * `sc_*` scenarios after `start_pureftpd_plain`): what ftpcap got wrong on them, asserted on the
 * recording. Frame numbers are tshark's.
 */
describe('15. a server killed mid-download: aborted by the server, not a capture that missed the end', () => {
  it('server-killed-pureftpd-curl: FIN after 217,952 of 524,288 announced bytes, the session closed with no reply', async () => {
    const name = 'server-killed-pureftpd-curl';
    const a = await analyze(name);
    const t = transfers(a)[0];
    // curl saved exactly what the data connection carried before the server's FIN (its exit 18).
    expect([t.request?.command, t.expectedSize, t.reply, t.connection?.close, t.connection?.rst]).toEqual(['RETR', 524288, null, 'fin', null]);
    expect(t.verdict).toEqual({ kind: 'aborted', by: 'server', bytes: 217952, expected: 524288, cause: 'aborted', evidence: t.verdict.evidence });
    expect([a.sessions[0].closedBy?.by, a.sessions[0].closedBy?.frame]).toEqual(['server', 280]);
    expect(t.diagnosis!.evidence).toEqual([18, 19, 20, 26, 278, 280]);
    expect(t.diagnosis!.summary).toMatch(/and the server then closed the control connection \(frame 280\) with no final reply/);
    expect(t.diagnosis!.summary).toMatch(/^Session 1, transfer 1 \(RETR half\.bin, passive mode\) was cut short: stopped part-way \(ABOR, a reset, or an error reply after data moved\)\./);
    const [summary, diagnose, explain] = await Promise.all([
      runCli(['summary', '--no-color', path(name)]),
      runCli(['diagnose', '--no-color', path(name)]),
      runCli(['explain', path(name)]),
    ]);
    expect(summary.stdout).toMatch(/│ aborted \(server\) \[1\] │/);
    // Before: "Not failures, but the capture does not show everything … incomplete" and "No failed data connections".
    expect(diagnose.stdout).not.toMatch(/No failed data connections|Not failures/);
    expect(diagnose.stdout).toMatch(/^Session 1, transfer 1: aborted$/m);
    expect(explain.stdout.replace(/\s+/g, ' ')).toMatch(/Verdict: transfer 1 aborted by the server after 217,952 of 524,288 bytes/);
  });

  it('the killed client (wget, kill -9) stays aborted by the client', async () => {
    const t = transfers(await analyze('client-killed-pyftpdlib-wget'))[0];
    expect([t.status, t.verdict.kind, t.verdict.kind === 'aborted' && t.verdict.by, t.connection?.rst, t.diagnosis?.cause]).toEqual([
      'aborted',
      'aborted',
      'client',
      { frame: 254, by: 'client', ttl: 64, noConnection: true },
      'aborted',
    ]);
  });
});

describe('16. a PASV whose 227 arrived after the client had closed the session was never usable', () => {
  it('fail-passive-drop-pyftpdlib-ncftp: the second 227 (frame 47) came after the client\'s FIN (frame 46): unused, not passive-unreached', async () => {
    const name = 'fail-passive-drop-pyftpdlib-ncftp';
    const a = await analyze(name);
    const s = a.sessions[0];
    expect([s.closedBy?.by, s.closedBy?.frame]).toEqual(['client', 46]);
    expect(transfers(a).map((t) => [t.announce?.frame, t.status, t.diagnosis?.cause ?? null, t.connection?.synFrames ?? null])).toEqual([
      [34, 'failed', 'passive-syn-unanswered', [35, 37, 38, 39, 40, 43, 44]],
      [47, 'unused', null, null],
    ]);
    const diagnose = await runCli(['diagnose', '--no-color', path(name)]);
    // Before: "failed [2] passive-unreached … closed the session (frame 46, -3 ms later) … The client declined to connect".
    expect(diagnose.stdout).not.toMatch(/passive-unreached|declined to connect|-\d+ ms later/);
    expect(diagnose.stdout).toMatch(/1 of 2 transfers diagnosed \(1 failed, 1 unused\)\./);
  });
});

describe('17. a passive fallback: the failed attempt is failed, the retry complete, the session not failed', () => {
  it('fallback-epsv-pasv-pureftpd-curl: EPSV reset by the firewall, then PASV and RETR', async () => {
    const name = 'fallback-epsv-pasv-pureftpd-curl';
    const a = await analyze(name);
    expect(transfers(a).map((t) => [t.announce?.command, t.announce?.frame, t.request?.command ?? null, t.status, t.bytes, t.reply?.code ?? null, t.diagnosis?.cause ?? null])).toEqual([
      ['EPSV', 18, null, 'failed', 0, null, 'passive-refused'],
      ['PASV', 22, 'RETR', 'complete', 511, 226, null],
    ]);
    expect(a.sessions[0].diagnosis).toBeNull();
    const summary = await runCli(['summary', '--no-color', path(name)]);
    expect(summary.stdout).toMatch(/│ 1 failed, 1 complete │/);
  });
});

describe('18. a PASV the server refused is a failed data connection, not "no data transfers"', () => {
  it('fail-pasv-denied-proftpd-wget: 501 to PASV, wget gives up (exit 8): one failed transfer, server-refused', async () => {
    const name = 'fail-pasv-denied-proftpd-wget';
    const a = await analyze(name);
    const t = transfers(a)[0];
    expect(transfers(a)).toHaveLength(1);
    expect([t.mode, t.announce?.command, t.announce?.frame, t.announce?.refused, t.announce?.endpoint, t.announce?.reply?.code, t.request, t.connection]).toEqual([
      'passive',
      'PASV',
      24,
      true,
      null,
      501,
      null,
      null,
    ]);
    expect([t.status, t.verdict.kind, t.diagnosis?.cause, t.diagnosis?.evidence]).toEqual(['failed', 'failed', 'server-refused', [23, 24]]);
    // The command keeps no tuple: nothing was announced.
    expect(a.sessions[0].commands.find((c) => c.command === 'PASV')?.tuple).toBeUndefined();
    const [summary, diagnose, transfersOut, explain] = await Promise.all([
      runCli(['summary', '--no-color', path(name)]),
      runCli(['diagnose', '--no-color', path(name)]),
      runCli(['transfers', '--no-color', path(name)]),
      runCli(['explain', path(name)]),
    ]);
    // Before: "Transfers (none)" and "No data transfers in 1 FTP session: nothing to diagnose."
    expect(summary.stdout).toMatch(/│ 1\.1 │ passive │ - +│ - +│ - +│ - +│ failed \[1\] │/);
    expect(diagnose.stdout).not.toMatch(/nothing to diagnose/);
    expect(transfersOut.stdout).toMatch(/│ announced +│ PASV refused: 501 PASV: Operation not permitted \(frame 24\)/);
    expect(explain.stdout.replace(/\s+/g, ' ')).toMatch(/PASV \(frame 23\): the client asks the server to listen for a data connection\. The server refuses: 501 PASV: Operation not permitted \(frame 24\); no address or port is announced\./);
    expect(explain.stdout).not.toMatch(/cannot be decoded/);
  });
});

describe('19. a 426 before any reset: the server ended the transfer, and the words keep that order', () => {
  it('data-reset-vsftpd-curl: the router reset the server\'s side (unseen here), 426 at 84; curl closed 20 s later and met a RST', async () => {
    const a = await analyze('data-reset-vsftpd-curl');
    const t = transfers(a)[0];
    expect([t.reply?.code, t.reply?.frame, t.connection?.rst, t.bytes, t.expectedSize]).toEqual([426, 84, { frame: 88, by: 'server', ttl: 63, noConnection: true }, 56472, 262144]);
    // Neither end closed or reset the data connection before the 426: the server's end was reset by neither host's software (verdicts-review43).
    expect(t.verdict).toMatchObject({ kind: 'aborted', by: 'firewall', bytes: 56472, expected: 262144, cause: 'aborted' });
    const d = t.diagnosis!.summary;
    expect(d.indexOf('426 Failure writing network stream (frame 84)')).toBeLessThan(d.indexOf('reset (frame 88)'));
    expect(d).not.toMatch(/The server reset the data connection at frame 88/);
  });
});

describe('20. an EPSV the server refused, then PASV that carried the RETR: the refusal is no failure (the client fell back)', () => {
  it('fallback-epsv-denied-proftpd-curl: 501 to EPSV, curl falls back to PASV, RETR complete', async () => {
    const name = 'fallback-epsv-denied-proftpd-curl';
    const a = await analyze(name);
    expect(transfers(a).map((t) => [t.announce?.command, t.announce?.frame, t.announce?.refused ?? false, t.request?.command ?? null, t.status, t.bytes, t.reply?.code ?? null, t.diagnosis?.cause ?? null])).toEqual([
      ['EPSV', 18, true, null, 'fell-back', 0, null, null],
      ['PASV', 20, false, 'RETR', 'complete', 511, 226, null],
    ]);
    // The refusal (18), the PASV that replaced it (19), the RETR over it (28) and its 226 (35).
    expect(transfers(a)[0].verdict).toMatchObject({ kind: 'fell-back', code: 501, reply: 18, evidence: [18, 19, 28, 35] });
    expect(a.sessions[0].diagnosis).toBeNull();
    const diagnose = await runCli(['diagnose', '--no-color', path(name)]);
    expect(diagnose.stdout).toMatch(/No failed data connections in 1 session: 2 transfers \(1 refused \(the client fell back\), 1 complete\)\./);
    expect(diagnose.stdout.replace(/\n {2}/g, ' ')).toContain(
      'refused, and no failure: the server refuses EPSV (501, frame 18); the client asked with PASV instead (frame 19), and RETR hello.txt (frame 28, transfer 1.2) over it completed (226, frame 35). Nothing to change.',
    );
  });
});

describe('21. an upload the server called complete while its client was gone is not "complete"', () => {
  it('client-killed-stor-pureftpd-curl: curl killed 1.5 s into a 512 KiB STOR; pure-ftpd kept 196,232 bytes and said 226', async () => {
    const name = 'client-killed-stor-pureftpd-curl';
    const a = await analyze(name);
    const s = a.sessions[0];
    const t = transfers(a)[0];
    // The client's FIN on the data connection (291), the 226 (294), the client's RST on the control connection as it arrived (296).
    expect([t.request?.frame, t.reply?.code, t.reply?.frame, t.connection?.close, s.closedBy, s.close]).toEqual([
      24,
      226,
      294,
      'fin',
      { by: 'client', frame: 296, time: s.closedBy!.time, how: 'rst' },
      'rst',
    ]);
    expect(t.verdict).toEqual({ kind: 'unknown', why: 'client-gone', bytes: 196232, reply: 294, gone: 296, evidence: t.verdict.evidence });
    expect(t.verdict.evidence).toEqual(expect.arrayContaining([24, 291, 294, 296]));
    expect([t.status, t.diagnosis]).toEqual(['complete', null]);
    const [summary, diagnose] = await Promise.all([runCli(['summary', '--no-color', path(name)]), runCli(['diagnose', '--no-color', path(name)])]);
    // Before: "│ complete │" and "1 transfer (1 complete)".
    expect(summary.stdout).toMatch(/│ unknown \(client gone\) │/);
    expect(diagnose.stdout.replace(/\s+/g, ' ')).toMatch(/its control connection was reset as that reply arrived \(frame 296\)\. Nothing in the capture says how big the file was/);
    expect(diagnose.stdout).not.toMatch(/\(1 complete\)/);
  });

  it('no other recording is taken for it: every upload whose client waited for its reply stays complete', async () => {
    const others = ['passive-vsftpd-lftp', 'active-vsftpd-ftp', 'fail-stor-denied-pyftpdlib-python', 'nano-epsv-vsftpd-curl'];
    for (const name of others) {
      const a = await analyze(name);
      expect(transfers(a).filter((t) => t.verdict.kind === 'unknown').map((t) => `${name} ${t.id}`)).toEqual([]);
    }
  });
});

describe('22. a data connection whose SYN-ACKs were never acknowledged failed; it was not "unused"', () => {
  it('fail-passive-synack-dropped-pyftpdlib-curl: the client\'s firewall drops pyftpdlib\'s SYN-ACKs; curl gives up after 6 s', async () => {
    const name = 'fail-passive-synack-dropped-pyftpdlib-curl';
    const a = await analyze(name);
    const t = transfers(a)[0];
    expect([t.announce?.frame, t.connection?.synFrames, t.connection?.synAckFrames, t.connection?.established, t.request]).toEqual([
      16,
      [17, 20, 23, 25, 27, 31],
      [18, 21, 22, 24, 26, 28, 32],
      false,
      null,
    ]);
    // Before: "unused" (announced, never used, nothing shows the client tried) and "nothing to diagnose".
    expect([t.status, t.verdict.kind, t.diagnosis?.cause]).toEqual(['failed', 'failed', 'handshake-incomplete']);
    expect(a.sessions[0].diagnosis?.cause).toBe('handshake-incomplete');
    const summary = await runCli(['summary', '--no-color', path(name)]);
    expect(summary.stdout).toMatch(/│ failed \[1\] │/);
    expect(summary.stdout).not.toMatch(/unused/);
  });
});

describe('23. an error reply after data moved stopped the transfer part way: aborted by the server, and a stall is its cause', () => {
  it('stalled-pyftpdlib-python: ftplib stops reading for 8 s, pyftpdlib says "421 Data connection timed out." after 244,016 bytes', async () => {
    const name = 'stalled-pyftpdlib-python';
    const a = await analyze(name);
    const t = transfers(a)[0];
    expect([t.reply?.code, t.reply?.frame, t.connection?.zeroWindowFrames.slice(0, 2), t.connection?.rst]).toEqual([421, 81, [27, 73], null]);
    // Before: "failed" (as if refused, or never opened) with the cause stalled.
    expect(t.verdict).toEqual({ kind: 'aborted', by: 'server', bytes: 244016, expected: null, cause: 'stalled', evidence: t.verdict.evidence });
    const summary = await runCli(['summary', '--no-color', path(name)]);
    expect(summary.stdout).toMatch(/│ aborted \(server\) \[1\] │/);
    expect(summary.stdout).toMatch(/1\.1 stalled: the transfer stalled/);
  });
});

describe('24. a reset forged by a middlebox is worded as the table says: by the network, not by the server', () => {
  it('upload-reset-pyftpdlib-curl: the router resets curl\'s STOR after 60 kB in the server\'s name (TTL 64 vs 63)', async () => {
    const name = 'upload-reset-pyftpdlib-curl';
    const a = await analyze(name);
    const t = transfers(a)[0];
    expect([t.connection?.rst, a.sessions[0].ttl.server, t.reply]).toEqual([{ frame: 91, by: 'server', ttl: 64, forged: true }, 63, null]);
    expect(t.verdict).toMatchObject({ kind: 'aborted', by: 'network', cause: 'aborted' });
    // Before: "The server reset the data connection at frame 91" and "The server dropped the transfer: check its log and disk space".
    expect(t.diagnosis!.summary).not.toMatch(/The server reset the data connection/);
    expect(t.diagnosis!.advice).not.toMatch(/The server dropped the transfer/);
    const summary = await runCli(['summary', '--no-color', path(name)]);
    expect(summary.stdout).toMatch(/│ aborted \(network\) \[1\] │/);
  });
});

describe('25. an EPRT refused as a command (its address the client\'s own) is not advised as a third-party address', () => {
  it('fallback-eprt-denied-proftpd-curl: 501 to EPRT, curl falls back to PORT, RETR complete', async () => {
    const name = 'fallback-eprt-denied-proftpd-curl';
    const a = await analyze(name);
    // The client asked again with PORT and got its file: the refusal is no failure (test 20).
    expect(transfers(a).map((t) => [t.mode, t.announce?.command, t.announce?.endpoint?.ip, t.announce?.reply?.code, t.status, t.diagnosis?.cause ?? null])).toEqual([
      ['active', 'EPRT', '192.0.2.10', 501, 'fell-back', null],
      ['active', 'PORT', '192.0.2.10', 200, 'complete', null],
    ]);
    // Before: "the server will not connect to the address the client announced", and port_promiscuous / AllowForeignAddress advice.
    const words = (await runCli(['diagnose', '--no-color', path(name)])).stdout.replace(/\n {2}/g, ' ');
    expect(words).toContain('the server refuses EPRT (501, frame 18); the client asked with PORT instead (frame 19)');
    expect(words).not.toMatch(/will not connect to the address|port_promiscuous|AllowForeignAddress/);
    expect(a.sessions[0].diagnosis).toBeNull();
  });
});

describe('26. a host\'s TTL is its TCP segments\': IPv6 Neighbor Discovery (hop limit 255) does not make its own RST look forged', () => {
  it('client-killed-ipv6-proftpd-wget: frame 1 is the client\'s Neighbor Solicitation (255); its RST (64) is its own', async () => {
    const name = 'client-killed-ipv6-proftpd-wget';
    const a = await analyze(name);
    const t = transfers(a)[0];
    expect([a.sessions[0].ttl, t.connection?.rst]).toEqual([{ client: 64, server: 63 }, { frame: 246, by: 'client', ttl: 64, noConnection: true }]);
    // Before: client TTL 255, "aborted (network)" and "A device between the client and the server reset the data connection".
    expect(t.verdict).toMatchObject({ kind: 'aborted', by: 'client', bytes: 179928, expected: 524288, cause: 'aborted' });
    expect(t.diagnosis!.summary).toMatch(/The client reset the data connection at frame 246/);
    expect(t.diagnosis!.summary).not.toMatch(/TTL 255|A device between/);
  });
});

describe('27. a command sent after the server closed the session for idleness was never answered, and every output says so', () => {
  it('idle-timeout-pyftpdlib-python: 421 at 29, FIN at 30, TYPE I at 33 met by a RST at 34', async () => {
    const name = 'idle-timeout-pyftpdlib-python';
    const a = await analyze(name);
    const view = readView(FIXTURES, name);
    // tshark's view: the unasked 421 comes before the TYPE I, and nothing answers the TYPE I.
    const ftp = view.ftp.map((r) => [Number(r['frame.number']), r['ftp.request.command'] || r['ftp.response.code']]);
    expect(ftp.slice(-2)).toEqual([
      [29, '421'],
      [33, 'TYPE'],
    ]);
    const flags = (f: number): number => parseInt(view.fields.find((r) => Number(r['frame.number']) === f)!['tcp.flags'], 16);
    expect([flags(30) & 0x001, flags(34) & 0x004]).toEqual([0x001, 0x004]);
    const s = a.sessions[0];
    const type = s.commands.find((c) => c.command === 'TYPE' && c.frame === 33)!;
    expect(type.reply).toBeNull();
    expect(type.noReply).toEqual({
      why: 'server-closed',
      notice: { code: 421, frame: 29, idle: true, idleSeconds: 3.002 },
      closed: 30,
      reset: 34,
      evidence: [29, 30, 33, 34],
    });
    // The first TYPE I, answered, has no such reason; the transfer stays complete, nothing is diagnosed.
    expect(s.commands.filter((c) => c.noReply !== undefined).map((c) => c.frame)).toEqual([33]);
    expect(transfers(a).map((t) => t.verdict.kind)).toEqual(['completed']);
    const [sessions, diagnose, explain, timeline, json] = await Promise.all([
      runCli(['sessions', '--no-color', path(name)]),
      runCli(['diagnose', '--no-color', path(name)]),
      runCli(['explain', path(name)]),
      runCli(['timeline', path(name)]),
      runCli(['summary', '--json', path(name)]),
    ]);
    const flat = (x: string): string => x.replace(/[|\s]+/g, ' ');
    const said = /closed the control connection for idleness \(421, frame 29.*TYPE I \(frame 33\), sent after that, was never answered \(the server reset the connection, frame 34\)/;
    expect(flat(sessions.stdout)).toMatch(said);
    expect(flat(diagnose.stdout)).toMatch(said);
    expect(diagnose.stdout).toMatch(/No failed data connections in 1 session: 1 transfer \(1 complete\)\./);
    const story = flat(explain.stdout);
    expect(story).toMatch(/421 Control connection timed out\. \(frame 29\): it closes the control connection for idleness, 3\.002 s after the last exchange\./);
    expect(story).toMatch(/TYPE I \(frame 33\) → no reply: the server had already closed the control connection for idleness \(421, frame 29; FIN, frame 30\) before the client sent it; it answered the command with a reset \(RST, frame 34\)/);
    expect(story).not.toMatch(/TYPE I \(frame 33\) → no reply in the capture/);
    expect(story).not.toMatch(/everything happened as described/);
    // Frame 31 is the server's FIN sent again (tshark: retransmission), not the client's answer.
    expect(story).toMatch(/the server sends its FIN again: FIN \(frame 31\)/);
    expect(story).not.toMatch(/answers: FIN \(frame 31\)/);
    expect(flat(timeline.stdout)).toMatch(/TYPE I \(frame 33\) was never answered: the server had already closed the control connection for idleness/);
    const c33 = (JSON.parse(json.stdout) as Analysis).sessions[0].commands.find((c) => c.frame === 33)!;
    expect(c33.noReply).toEqual(type.noReply);
  });
});

describe('28. one event, one sentence: the reset that refused a data connection is told once', () => {
  for (const [name, rst] of [
    ['fallback-epsv-pasv-pureftpd-curl', 20],
    ['fail-passive-refused-pureftpd-ncftp', 32],
  ] as const) {
    it(`${name}: RST (frame ${rst}) is the answer to the SYN, not told again as a teardown`, async () => {
      const a = await analyze(name);
      expect(transfers(a)[0].connection?.rst?.frame).toBe(rst);
      let story = (await runCli(['explain', path(name)])).stdout.replace(/\s+/g, ' ');
      // The diagnosis quoted in it is the diagnosis' own words (checked by diagnose.test.ts).
      for (const t of transfers(a)) if (t.diagnosis) story = story.split(t.diagnosis.summary.replace(/\s+/g, ' ')).join('');
      expect(story.split(`RST (frame ${rst})`)).toHaveLength(2);
      expect(story).toMatch(new RegExp(`Instead of SYN\\+ACK, the server answers RST \\(frame ${rst}\\)`));
      expect(story).not.toMatch(/resets the data connection/);
    });
  }
});

describe('29. a refused PASV or EPSV announced nothing: the words say the request was refused', () => {
  // wget gives up after the refused PASV (a failure); curl asks again with PASV and gets its file (no failure, test 20).
  for (const [name, command, request, reply, other, fellBack] of [
    ['fail-pasv-denied-proftpd-wget', 'PASV', 23, 24, 'EPSV', false],
    ['fallback-epsv-denied-proftpd-curl', 'EPSV', 17, 18, 'PASV', true],
  ] as const) {
    it(`${name}: ${command} (frame ${request}) refused with 501 (frame ${reply})`, async () => {
      const a = await analyze(name);
      const t = transfers(a)[0];
      expect([t.announce?.command, t.announce?.refused, t.announce?.endpoint, t.announce?.reply?.code, t.announce?.reply?.frame, t.request]).toEqual([command, true, null, 501, reply, null]);
      expect(t.verdict).toMatchObject(fellBack ? { kind: 'fell-back', code: 501, reply } : { kind: 'failed', cause: 'server-refused' });
      const [explain, timeline, transfersOut, diagnose, report] = await Promise.all([
        runCli(['explain', path(name)]),
        runCli(['timeline', path(name)]),
        runCli(['transfers', '--no-color', path(name)]),
        runCli(['diagnose', '--no-color', path(name)]),
        runCli(['report', path(name)]),
      ]);
      const flat = (x: string): string => x.replace(/[|│\s]+/g, ' ');
      const title = `Transfer 1: a passive data connection the client asked for; the server refused ${command} (501, frame ${reply}): no address or port was announced, so no transfer command could use one`;
      expect(flat(explain.stdout)).toContain(title);
      expect(flat(report.stdout)).toContain(title);
      for (const out of [explain.stdout, timeline.stdout, transfersOut.stdout, report.stdout]) {
        expect(flat(out)).not.toMatch(/announced in passive mode that no transfer command used|no transfer command used it/);
      }
      expect(flat(transfersOut.stdout)).toContain(`requested none: the server refused ${command} (501, frame ${reply}); nothing was announced to use`);
      if (fellBack) {
        expect(flat(timeline.stdout)).not.toMatch(/Transfer 1 failed/);
        expect(flat(diagnose.stdout)).toContain(`the client asked with ${other} instead`);
        return;
      }
      expect(flat(timeline.stdout)).toMatch(/Transfer 1 failed: the server refused the command \(no data connection in the capture\)/);
      // The advice names the other passive command, not the one refused.
      expect(flat(diagnose.stdout)).toContain(`use another passive command (${other} for ${command})`);
    });
  }
});

describe('30. a path-MTU black hole: data lost on the path is not "missing from the capture", and a closed session is not a capture that ended', () => {
  it('pmtu-blackhole-client-side-vsftpd-curl: 2896 bytes never reached the client, which SACKed the last 104 and closed 12 s later', async () => {
    const name = 'pmtu-blackhole-client-side-vsftpd-curl';
    const a = await analyze(name);
    const view = readView(FIXTURES, name);
    const data = view.fields.filter((r) => r['tcp.srcport'] === '50041' && Number(r['tcp.len']) > 0);
    // tshark: the only data segment that arrived is frame 28 (104 bytes); every later ACK of the
    // client's (29, 31, 33) acknowledges the server's ISN + 1 (relative ack 1: nothing received in order).
    expect(data.map((r) => [Number(r['frame.number']), Number(r['tcp.len'])])).toEqual([[28, 104]]);
    const isn = Number(view.fields.find((r) => Number(r['frame.number']) === 20)!['tcp.seq_raw']);
    const acks = view.fields.filter((r) => r['tcp.dstport'] === '50041' && Number(r['frame.number']) > 28).map((r) => Number(r['tcp.ack_raw']) - isn);
    expect(acks).toEqual([1, 1, 1]);
    const t = transfers(a)[0];
    const c = t.connection!;
    expect([t.bytes, t.expectedSize, c.gapBytes, c.undeliveredBytes, c.unacknowledgedBytes, c.retransmissions]).toEqual([104, 3000, 0, 2896, 3000, 0]);
    expect(t.verdict).toEqual({ kind: 'incomplete', bytes: 104, expected: 3000, why: 'session-ended', lost: { sent: 3000, acknowledged: 0, arrivedBeyondAck: 104 }, evidence: [18, 19, 20, 26, 35] });
    expect(t.diagnosis?.cause).toBe('path-loss');
    expect(t.diagnosis?.summary).toMatch(/2896 bytes of the server's data never reached the client: it received data sent after them, but its acknowledgements never went past them, so the path lost them \(not the capture\)/);
    expect(t.diagnosis?.advice).toMatch(/path-MTU black hole/);
    expect(t.diagnosis?.advice).not.toMatch(/zero window/);
    const flat = (x: string): string => x.replace(/[|│\s]+/g, ' ');
    const [transfersOut, explain, summary] = await Promise.all([
      runCli(['transfers', '--no-color', path(name)]),
      runCli(['explain', path(name)]),
      runCli(['summary', '--no-color', path(name)]),
    ]);
    // Before: "2896 bytes missing from the capture", "each segment acknowledged by the other side",
    // "had moved when the capture ended" (the client had closed both connections at 33 and 35).
    for (const out of [transfersOut.stdout, explain.stdout, summary.stdout]) {
      expect(flat(out)).not.toMatch(/missing from the capture|each segment acknowledged|when the capture ended/);
    }
    expect(flat(transfersOut.stdout)).toContain('2896 bytes lost on the path (never acknowledged by the receiver)');
    expect(flat(explain.stdout)).toContain("104 bytes flow server → client (frame 28); the client's acknowledgements, in order, never covered 3000 of the bytes sent. 2896 bytes sent before them never reached the client");
    // Review 81: the 104 bytes that arrived (SACKed) are not among those lost.
    expect(flat(explain.stdout)).toContain(
      'incomplete: the client acknowledged 0 of the 3,000 bytes sent (3,000 announced), 2,896 of the rest lost on the path, and 104 more arrived but not in order (TCP acknowledges in order, and hands nothing on past bytes still missing), when the control connection closed, with no final reply',
    );
    expect(flat(summary.stdout)).toContain('incomplete, 0/3,000 received in order, 104 more arrived');
  });

  it('pmtu-blackhole-server-side-vsftpd-curl: the server sent 3000 bytes, retransmitted 6 times, the client acknowledged none', async () => {
    const name = 'pmtu-blackhole-server-side-vsftpd-curl';
    const a = await analyze(name);
    const view = readView(FIXTURES, name);
    // tshark: 1448 + 1448 + 104 bytes (28-30), then the first segment sent again six times (34, 36-40).
    const data = view.fields.filter((r) => r['tcp.srcport'] === '50041' && Number(r['tcp.len']) > 0);
    expect(data.map((r) => [Number(r['frame.number']), Number(r['tcp.len'])])).toEqual([
      [28, 1448], [29, 1448], [30, 104], [34, 1448], [36, 1448], [37, 1448], [38, 1448], [39, 1448], [40, 1448],
    ]);
    const t = transfers(a)[0];
    const c = t.connection!;
    expect([t.bytes, c.gapBytes, c.undeliveredBytes, c.unacknowledgedBytes, c.retransmissions, c.zeroWindowFrames]).toEqual([3000, 0, 0, 3000, 6, []]);
    // Before: "incomplete 3,000/3,000" and "3,000 of 3,000 announced bytes had moved": sent is not received.
    expect(t.verdict).toMatchObject({ kind: 'incomplete', bytes: 3000, why: 'session-ended', lost: { sent: 3000, acknowledged: 0 } });
    const summary = await runCli(['summary', '--no-color', path(name)]);
    expect(summary.stdout).toContain('incomplete, 0/3,000 received');
    expect(summary.stdout).not.toMatch(/incomplete 3,000\/3,000/);
    expect(t.diagnosis?.summary).toMatch(/The client never acknowledged 3000 of the bytes the server sent, although they were sent again \(6 retransmitted segments\) and the client kept its window open: they were lost on the path/);
    expect(t.diagnosis?.summary).not.toMatch(/3000 bytes had moved/);
  });

  it('pmtu-blackhole-upload-vsftpd-curl: the client (the sender, captured) sent 15,928 bytes and repeated its first segment 5 times; the server acknowledged none', async () => {
    const name = 'pmtu-blackhole-upload-vsftpd-curl';
    const a = await analyze(name);
    const view = readView(FIXTURES, name);
    // tshark: the server's only packet on the data connection is its SYN-ACK (20); nothing of the client's data is acknowledged.
    expect(view.fields.filter((r) => r['tcp.srcport'] === '50032').map((r) => Number(r['frame.number']))).toEqual([20]);
    const t = transfers(a)[0];
    const c = t.connection!;
    expect([t.direction, t.bytes, c.unacknowledgedBytes, c.retransmissions, c.close]).toEqual(['upload', 15928, 15928, 5, null]);
    // Before: "incomplete: 15,928 bytes had moved" and the zero-window advice (the server's SYN-ACK was not taken as its acknowledgement).
    expect(t.verdict).toMatchObject({ kind: 'incomplete', why: 'session-ended', lost: { sent: 15928, acknowledged: 0 } });
    const summary = await runCli(['summary', '--no-color', path(name)]);
    expect(summary.stdout).toContain('incomplete, 0/15,928 received');
  });

  it('no other recording has bytes lost on the path: a few unacknowledged bytes at a close are not a black hole', async () => {
    // Each of these ends a data connection with some bytes unacknowledged (a TLS close_notify and a
    // FIN sent again, a client killed, a reset, a full disk); ftps-tls12-active-proftpd-lftp's third
    // connection (31 bytes, one retransmission) was once called 'lost on the path'.
    for (const name of [
      'passive-vsftpd-lftp', 'capture-loss-vsftpd-lftp', 'resume-appe-vsftpd-curl', 'abort-vsftpd-lftp', 'ftps-tls12-active-proftpd-lftp',
      'ftps-tls13-proftpd-lftp', 'tls-data-vsftpd-lftp', 'client-killed-pyftpdlib-wget', 'fail-stor-full-pyftpdlib-curl', 'upload-reset-vsftpd-curl',
      'abor-pureftpd-python', 'large-lossy-vsftpd-lftp',
    ]) {
      const file = ['large-lossy-vsftpd-lftp'].includes(name) ? join(FIXTURES, `${name}.pcap.gz`) : path(name);
      const a = await analyzeFiles([file], { fileName: name, thread: false });
      for (const t of transfers(a)) {
        expect([name, t.id, t.connection?.undeliveredBytes ?? 0, t.verdict.kind === 'incomplete' ? (t.verdict.lost ?? null) : null]).toEqual([name, t.id, 0, null]);
        expect(`${t.diagnosis?.summary ?? ''}`, `${name} ${t.id}`).not.toMatch(/lost on the path/);
      }
    }
  });
});

describe('31. FTPS through DNAT with the FTP helper: the helper cannot rewrite the encrypted 227', () => {
  const name = 'ftps-dnat-helper-client-side-vsftpd-lftp';
  it('without keys: the data SYNs to another address than the server\'s are named, not "no other connection"', async () => {
    const a = await analyze(name);
    const view = readView(FIXTURES, name);
    // tshark: five SYNs from the client to 198.51.100.20:50039 (the inside address), none answered.
    const syns = view.fields.filter((r) => r['ip.dst'] === '198.51.100.20').map((r) => Number(r['frame.number']));
    expect(syns).toEqual([57, 59, 60, 61, 62]);
    const s = a.sessions[0];
    expect([s.server.ip, s.tlsFrame, s.diagnosis?.cause, s.diagnosis?.evidence]).toEqual(['203.0.113.21', 24, 'tls-hidden', [24, 57]]);
    expect(s.diagnosis!.summary).toMatch(/the client opened a connection to a high port of another address than the server's 203\.0\.113\.21: stream 1: 192\.0\.2\.10:47026 → 198\.51\.100\.20:50039 \(never established\)/);
    expect(s.diagnosis!.summary).toMatch(/cannot read it inside TLS/);
    expect(s.diagnosis!.summary).not.toMatch(/No other connection/);
    expect(s.diagnosis!.elsewhere!.map((g) => [g.stream, g.synFrame, g.to.ip, g.to.port, g.established])).toEqual([[1, 57, '198.51.100.20', 50039, false]]);
    const [timeline, explain] = await Promise.all([runCli(['timeline', path(name)]), runCli(['explain', path(name)])]);
    const flat = (x: string): string => x.replace(/[|\s]+/g, ' ');
    // Before: the timeline called it a "Connection between the same hosts", and explain did not mention it.
    expect(flat(timeline.stdout)).not.toMatch(/between the same hosts/);
    expect(flat(timeline.stdout)).toContain("Probably a data connection to where an encrypted reply pointed, 198.51.100.20 (not the server's 203.0.113.21): the client opens it, port 47026 → 50039");
    expect(flat(explain.stdout)).toContain("The client tries to open a connection to 198.51.100.20:50039 (tcp.stream 1, SYN frame 57), which never opens — not the server's address 203.0.113.21");
  });

  it('with keys: the 227 names the inside address, and the diagnosis says the helper could not rewrite it', async () => {
    const out = await runCli(['diagnose', '--no-color', '--tls-keylog', join(FIXTURES, `${name}.keys`), path(name)]);
    const flat = out.stdout.replace(/\s+/g, ' ');
    expect(flat).toMatch(/Session 1, transfer 1: passive-address-mismatch/);
    expect(flat).toMatch(/At frame 56 the server answered PASV with 227 198\.51\.100\.20:50039/);
    expect(flat).toMatch(/That reply travelled inside TLS \(the control connection switched at frame 24\): a NAT's or firewall's FTP helper could not read or rewrite its address/);
  });
});

describe('31b. active FTPS from behind MASQUERADE with the FTP helper: the encrypted PORT keeps the inside address', () => {
  const name = 'ftps-snat-active-client-side-vsftpd-python';
  it('with keys: PORT 192.0.2.10 (frame 30) refused with 500 (31); the cause is TLS hiding it from the helper, not a missing helper', async () => {
    const keys = join(FIXTURES, `${name}.keys`);
    const [diagnose, explain] = await Promise.all([
      runCli(['diagnose', '--no-color', '--tls-keylog', keys, path(name)]),
      runCli(['explain', '--tls-keylog', keys, path(name)]),
    ]);
    const flat = (x: string): string => x.replace(/\s+/g, ' ');
    expect(flat(diagnose.stdout)).toMatch(/Session 1, transfer 1: active-address-mismatch/);
    expect(flat(diagnose.stdout)).toMatch(/At frame 30 the client announced PORT 192\.0\.2\.10:38427/);
    expect(flat(diagnose.stdout)).toMatch(/500 Illegal PORT command \(frame 31\)/);
    expect(flat(diagnose.stdout)).toMatch(/The PORT travelled inside TLS \(the control connection switched at frame 10\): a NAT's FTP helper cannot read or rewrite it/);
    expect(flat(diagnose.stdout)).toMatch(/What to change: The PORT is encrypted \(FTPS\), so no NAT FTP helper can rewrite it: use passive mode/);
    // Before: "(no FTP helper)" and "enable the NAT's FTP helper (nf_conntrack_ftp)": the helper was running.
    for (const out of [diagnose.stdout, explain.stdout]) expect(flat(out)).not.toMatch(/no FTP helper|enable the NAT's FTP helper/);
  });

  it('without keys: TLS hid everything and no data connection was attempted', async () => {
    const a = await analyze(name);
    expect([a.sessions[0].diagnosis?.cause, a.sessions[0].diagnosis?.evidence, transfers(a).length]).toEqual(['tls-hidden', [10], 0]);
  });

  it('clear-text active NAT mismatches keep their helper advice', async () => {
    const a = await analyze('nat-active-nohelper-vsftpd-ftp');
    expect(transfers(a).map((t) => [t.diagnosis?.cause, /enable the NAT's FTP helper/.test(t.diagnosis?.advice ?? '')])).toEqual([
      ['active-address-mismatch', true],
      ['active-address-mismatch', true],
    ]);
  });
});

describe('32. resumed, appended and listed transfers are complete with their own byte counts; ABOR and a data timeout with other servers', () => {
  it('resume-appe-vsftpd-curl: REST 1000 + RETR moves 2000 of a 3000-byte file (complete); APPE of 259 bytes', async () => {
    const a = await analyze('resume-appe-vsftpd-curl');
    expect(transfers(a).map((t) => [t.request?.command, t.bytes, t.status, t.verdict.kind, t.reply?.code, t.reply?.frame])).toEqual([
      ['RETR', 2000, 'complete', 'completed', 226, 37],
      ['APPE', 259, 'complete', 'completed', 226, 72],
    ]);
    expect(transfers(a)[0].verdict).toMatchObject({ expected: 2000, missingBytes: 0 });
    expect(causes(a).filter(Boolean)).toEqual([]);
  });

  it('mlsd-nlst-stou-pureftpd-python: MLSD 674, NLST 43, STOU 259 bytes, all complete', async () => {
    const a = await analyze('mlsd-nlst-stou-pureftpd-python');
    expect(transfers(a).map((t) => [t.request?.command, t.bytes, t.verdict.kind, t.reply?.frame])).toEqual([
      ['MLSD', 674, 'completed', 27],
      ['NLST', 43, 'completed', 43],
      ['STOU', 259, 'completed', 61],
    ]);
    expect(causes(a).filter(Boolean)).toEqual([]);
  });

  for (const [name, bytes, rst, reply] of [
    ['abort-proftpd-lftp', 69564, 167, 168],
    ['abort-pureftpd-lftp', 78252, 131, null],
  ] as const) {
    it(`${name}: lftp interrupts the download (Telnet IP/Synch, then resets the data connection at ${rst}): aborted by the client`, async () => {
      const a = await analyze(name);
      const t = transfers(a)[0];
      expect([t.bytes, t.connection?.rst?.frame, t.connection?.rst?.by, t.reply?.frame ?? null]).toEqual([bytes, rst, 'client', reply]);
      expect(t.verdict).toMatchObject({ kind: 'aborted', by: 'client', bytes, expected: 4194304, cause: 'aborted' });
    });
  }

  it('data-timeout-vsftpd-python: the client stops reading (zero window 29, 67), vsftpd says 421 Data timeout (76): aborted by the server, stalled', async () => {
    const a = await analyze('data-timeout-vsftpd-python');
    const t = transfers(a)[0];
    expect([t.bytes, t.reply?.code, t.reply?.frame, t.connection?.zeroWindowFrames]).toEqual([234576, 421, 76, [29, 67]]);
    expect(t.verdict).toMatchObject({ kind: 'aborted', by: 'server', bytes: 234576, expected: 524288, cause: 'stalled' });
    // vsftpd closed the control connection (FIN 78) right after its 421; the client's QUIT came at 287.
    // Before: "QUIT (frame 287) → … Then the server closes the control connection: FIN (frame 78)".
    const explain = (await runCli(['explain', path('data-timeout-vsftpd-python')])).stdout.replace(/\s+/g, ' ');
    expect(explain).toContain('The teardown had begun before the QUIT: the server closes the control connection: FIN (frame 78)');
    expect(explain).not.toMatch(/Then the server closes the control connection: FIN \(frame 78\)/);
  });
});

describe('33. replies after an ABOR go to the commands they answer: a 221 is QUIT\'s, a 226 naming the abort is the ABOR\'s', () => {
  const cmds = (a: Analysis) =>
    a.sessions[0].commands.filter((c) => c.command === 'RETR' || c.command === 'ABOR' || c.command === 'QUIT').map((c) => [c.command, c.frame, c.reply?.code ?? null, c.reply?.frame ?? null, c.preliminary.map((r) => r.frame), c.noReply?.why ?? null]);

  it('abor-stalled-quit-pureftpd-python: ABOR 98, QUIT 123, a stray 150 (125) and 221 (126): the ABOR was never answered, the transfer has no final reply', async () => {
    const name = 'abor-stalled-quit-pureftpd-python';
    const a = await analyze(name);
    const view = readView(FIXTURES, name);
    const ftp = view.ftp.map((r) => [Number(r['frame.number']), r['ftp.request.command'] || r['ftp.response.code']]);
    expect(ftp.slice(-5)).toEqual([[23, '150'], [98, 'ABOR'], [123, 'QUIT'], [125, '150'], [126, '221']]);
    expect(cmds(a)).toEqual([
      ['RETR', 22, null, null, [23, 125], null],
      ['ABOR', 98, null, null, [], 'answered-later'],
      ['QUIT', 123, 221, 126, [], null],
    ]);
    const abor = a.sessions[0].commands.find((c) => c.command === 'ABOR')!;
    expect(abor.noReply).toEqual({ why: 'answered-later', later: { command: 'QUIT', frame: 123, code: 221, replyFrame: 126 }, evidence: [98, 123, 126] });
    const t = transfers(a)[0];
    // Before: the 221 was the transfer's reply ("aborted by the client after … bytes (221, frame 126)") and the ABOR's none.
    expect([t.reply, t.abortFrame, t.connection?.rst?.frame]).toEqual([null, 98, 122]);
    expect(t.verdict).toMatchObject({ kind: 'aborted', by: 'client' });
    const [transfersOut, sessions, explain] = await Promise.all([
      runCli(['transfers', '--no-color', path(name)]),
      runCli(['sessions', '--no-color', path(name)]),
      runCli(['explain', path(name)]),
    ]);
    const flat = (x: string): string => x.replace(/[|│\s]+/g, ' ');
    expect(flat(transfersOut.stdout)).not.toMatch(/221/);
    expect(flat(sessions.stdout)).toContain('ABOR (frame 98) was never answered: the server answered the later QUIT (frame 123) with 221 (frame 126) and never this command');
    expect(flat(explain.stdout)).toContain('ABOR (frame 98) → no reply: the server answered the later QUIT (frame 123) with 221 (frame 126) and never this command');
  });

  it('abor-stalled-pureftpd-python: no 426; "226 Since you see this ABOR must\'ve succeeded" (120) answers the ABOR, not the RETR', async () => {
    const a = await analyze('abor-stalled-pureftpd-python');
    expect(cmds(a)).toEqual([
      ['RETR', 22, null, null, [23, 119], null],
      ['ABOR', 97, 226, 120, [], null],
      ['QUIT', 117, 221, 121, [], null],
    ]);
    const t = transfers(a)[0];
    // Before: the transfer's reply was that 226, as if the server had completed it.
    expect([t.reply, t.verdict.kind]).toEqual([null, 'aborted']);
  });

  it('servers that say 426 then 226 keep the RFC 959 pairing: RETR 426, ABOR 226', async () => {
    for (const [name, retr, abor] of [
      ['abor-vsftpd-python', 101, 102],
      ['abor-proftpd-python', 160, 161],
      ['abor-pureftpd-python', 121, 122],
    ] as const) {
      const a = await analyze(name);
      const got = cmds(a).slice(0, 2).map((c) => [c[0], c[2], c[3], c[5]]);
      expect(got, name).toEqual([
        ['RETR', 426, retr, null],
        ['ABOR', 226, abor, null],
      ]);
      expect(transfers(a)[0].verdict, name).toMatchObject({ kind: 'aborted', by: 'client' });
    }
  });
});
