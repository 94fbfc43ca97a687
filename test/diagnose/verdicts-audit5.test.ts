/**
 * The fifth verdict audit, each on a real recording (fixtures/record.sh, "fifth verdict audit"):
 * parallel sessions from one client, a first data SYN lost and sent again, ABOR during an upload,
 * vsftpd's "500 OOPS" answering the login, active mode from a port other than 20. Frame numbers
 * are tshark's (the fixtures' tshark-ftp/-streams views); bytes and digests are the facts'.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Manifest } from '../../src/extract/manifest.js';
import { runCli } from '../cli/run-cli.js';
import { FIXTURES } from '../support/facts.js';
import { analyze, causes, flat, outputs, path, transfers } from './audit-fixtures.js';
import { readTsharkTsv } from '../conformance/peer-readers.js';

const facts = (name: string): Record<string, any> => JSON.parse(readFileSync(join(FIXTURES, `${name}.facts.json`), 'utf8'));
const streams = (name: string) => readTsharkTsv(join(FIXTURES, `${name}.tshark-streams.tsv`));
/** Words that would be a false alarm on a healthy transfer. */
const ALARM = /stall|zero window|short|missing|incomplete|failed:|truncated|mismatch|Departure from the textbook|not the announced|lost segments|bounce/i;

const tmp = mkdtempSync(join(tmpdir(), 'ftpcap-audit5-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
async function extract(name: string): Promise<Manifest> {
  const dir = join(tmp, name);
  expect((await runCli(['extract', path(name), '-o', dir])).code).toBe(0);
  return JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as Manifest;
}

describe('1. parallel sessions from one client (lftp mirror --parallel=3)', () => {
  it('parallel-vsftpd-lftp: three sessions, six data connections, each linked to the session whose 227 named its port, exact bytes', async () => {
    const name = 'parallel-vsftpd-lftp';
    const a = await analyze(name);
    expect(a.sessions.map((s) => [s.id, s.stream, s.client.port])).toEqual([[1, 0, 43772], [2, 2, 43780], [3, 3, 43782]]);
    // tshark: stream, server port, bytes to the client.
    const data = streams(name).filter((r) => r.dstport !== '21').map((r) => [Number(r.stream), Number(r.dstport), Number(r.bytes_dst_to_src)]);
    expect(data).toEqual([[1, 50039, 335], [4, 50018, 7000], [5, 50066, 8000], [6, 50001, 5000], [7, 50038, 9000], [8, 50014, 6000]]);
    const rows = a.sessions.flatMap((s) =>
      s.transfers.map((t) => [`${s.id}.${t.id}`, t.request?.command, t.request?.arg, t.announce?.endpoint?.port, t.connection?.stream, t.connection?.server.port, t.bytes, t.reply?.code, t.reply?.frame, t.verdict.kind]),
    );
    expect(rows).toEqual([
      ['1.1', 'LIST', '', 50039, 1, 50039, 335, 226, 42, 'completed'],
      ['1.2', 'RETR', 'file3.bin', 50018, 4, 50018, 7000, 226, 119, 'completed'],
      ['1.3', 'RETR', 'file4.bin', 50066, 5, 50066, 8000, 226, 148, 'completed'],
      ['2.1', 'RETR', 'file2.bin', 50014, 8, 50014, 6000, 226, 224, 'completed'],
      ['3.1', 'RETR', 'file1.bin', 50001, 6, 50001, 5000, 226, 174, 'completed'],
      ['3.2', 'RETR', 'file5.bin', 50038, 7, 50038, 9000, 226, 228, 'completed'],
    ]);
    // Every data connection of the capture belongs to one transfer; none is left over.
    expect(a.sessions.flatMap((s) => s.otherConnections)).toEqual([]);
    // The sessions ran at once: 2.1's and 3.2's data connections overlap in time.
    const [t21, t32] = [a.sessions[1].transfers[0].connection!, a.sessions[2].transfers[1].connection!];
    expect(t21.start < t32.end && t32.start < t21.end).toBe(true);
    expect(causes(a)).toEqual([]);
    const out = await outputs(name, 'summary', 'sessions', 'transfers', 'diagnose', 'explain', 'timeline');
    expect(out[3]).toContain('No failed data connections in 3 sessions: 6 transfers (6 complete).');
    for (const o of out) expect(o).not.toMatch(ALARM);
    // extract: each file as the client saved it (the facts' digests).
    const m = await extract(name);
    const saved = new Map(facts(name).files.filter((f: any) => f.op === 'RETR').map((f: any) => [f.size, f.received.sha256]));
    expect(m.objects.filter((o) => o.command === 'RETR').map((o) => [o.bytes, o.sha256 === saved.get(o.bytes), o.verdict])).toEqual([
      [7000, true, 'complete'], [8000, true, 'complete'], [6000, true, 'complete'], [5000, true, 'complete'], [9000, true, 'complete'],
    ]);
  });
});

describe('2. a first data SYN dropped by the router, sent again 1 s later, then connected', () => {
  it('syn-retry-vsftpd-curl: SYN 19 and 21, SYN-ACK 22, 3000 bytes, 226 (40): completed, no diagnosis, no retransmitted data', async () => {
    const name = 'syn-retry-vsftpd-curl';
    expect(facts(name).data.syn_frames).toEqual([19, 21]);
    const a = await analyze(name);
    const t = transfers(a)[0];
    const c = t.connection!;
    expect([c.synFrames, c.synAckFrames, c.retransmissions, t.bytes, t.expectedSize, t.verdict.kind, t.reply?.code, t.reply?.frame]).toEqual([
      [19, 21], [22], 0, 3000, 3000, 'completed', 226, 40,
    ]);
    expect(causes(a)).toEqual([]);
    const [summary, transfersOut, diagnose, explain, timeline] = await outputs(name, 'summary', 'transfers', 'diagnose', 'explain', 'timeline');
    expect(diagnose).toContain('No failed data connections in 1 session: 1 transfer (1 complete).');
    // The SYN sent again is told where the handshake is told, and nowhere as lost data.
    expect(transfersOut).toContain('SYN frame 19, retransmitted at frame 21, SYN-ACK frame 22');
    expect(transfersOut).not.toMatch(/retransmitted segments/);
    expect(explain).toContain('SYN (frames 19, 21: sent 2 times), SYN+ACK (frame 22)');
    expect(explain).toContain('Compared with the textbook: everything happened as described.');
    // Before: "1 segments are sent again" in the data step and "data connection 1 lost segments on the way".
    expect(explain).not.toMatch(/sent again \(retransmissions\)/);
    expect(timeline).toContain('SYN (retransmitted)');
    for (const o of [summary, transfersOut, diagnose, explain, timeline]) expect(o).not.toMatch(ALARM);
  });
});

describe('3. ABOR during an upload', () => {
  it('abor-stor-vsftpd-python: STOR 22, 65,536 bytes sent, ABOR 108 → 426 (110), 226 (112): aborted by the client, upload advice, no network blame', async () => {
    const name = 'abor-stor-vsftpd-python';
    const f = facts(name);
    expect([f.server.stored_bytes, f.files[0].received.size]).toEqual([65536, 65536]);
    expect(streams(name).map((r) => [r.stream, r.bytes_src_to_dst, r.bytes_dst_to_src])).toEqual([['0', '80', '255'], ['1', '65536', '0']]);
    const a = await analyze(name);
    const t = transfers(a)[0];
    expect([t.request?.command, t.direction, t.bytes, t.abortFrame, t.reply?.code, t.reply?.frame, t.status]).toEqual(['STOR', 'upload', 65536, 108, 426, 110, 'aborted']);
    expect(t.verdict).toMatchObject({ kind: 'aborted', by: 'client', bytes: 65536, cause: 'aborted' });
    expect([t.diagnosis?.cause, t.diagnosis?.evidence]).toEqual(['aborted', [18, 19, 20, 22, 108, 110]]);
    // Before: "a client that wanted only part of the file (a byte range such as curl -r …)", a download's advice.
    expect(t.diagnosis!.advice).toMatch(/^The client asked to stop \(ABOR\) part way through its upload: .* not a network refusal/);
    expect(t.diagnosis!.advice).not.toMatch(/curl -r|byte range|firewall|router/);
    expect(a.sessions[0].diagnosis).toBeNull();
    const [summary, transfersOut, diagnose, explain] = await outputs(name, 'summary', 'transfers', 'diagnose', 'explain');
    expect(summary).toContain('aborted (client)');
    expect(transfersOut).toContain('aborted by the client after 65,536 bytes (426, frame 110)');
    expect(diagnose).toContain('1 of 1 transfer diagnosed (1 aborted)');
    expect(explain).toContain('Verdict: transfer 1 aborted by the client after 65,536 bytes (426, frame 110)');
    const m = await extract(name);
    expect(m.objects.map((o) => [o.command, o.bytes, o.verdict, o.sha256])).toEqual([['STOR', 65536, 'aborted', f.files[0].received.sha256]]);
  });
});

describe('4. vsftpd "500 OOPS" answering the login (writable chroot root)', () => {
  it('oops-chroot-vsftpd-curl: PASS 11 → 500 OOPS (16): the server turned the session away after the login, not a wrong password, in every output', async () => {
    const name = 'oops-chroot-vsftpd-curl';
    const a = await analyze(name);
    const s = a.sessions[0];
    expect([s.loggedIn, s.transfers.length]).toEqual([false, 0]);
    expect(s.control).toEqual({ kind: 'turned-away', at: 'login', command: 11, code: 500, reply: 16, limit: false, tlsRequired: false, evidence: [3, 4, 11, 16, 17] });
    expect([s.diagnosis?.cause, s.diagnosis?.evidence]).toEqual(['session-refused', [3, 4, 11, 16, 17]]);
    expect(s.diagnosis!.summary).toContain('answered PASS (frame 11) from 192.0.2.10:59576 with 500 OOPS: vsftpd: refusing to run with writable root inside chroot() (frame 16)');
    expect(s.diagnosis!.summary).toContain('not because of the user name or password');
    expect(s.diagnosis!.advice).toMatch(/chroot_local_user=YES.*\(chmod a-w\).*allow_writeable_chroot=YES/);
    const [summary, sessions, diagnose, explain, timeline] = await outputs(name, 'summary', 'sessions', 'diagnose', 'explain', 'timeline');
    // Before: diagnose "nothing to diagnose", the user marked ✗, explain "the login failed".
    expect(summary).toContain('session 1: The server turned the session away after the login: it answered PASS (frame 11) with 500 OOPS');
    expect(summary).toContain('an error of its own, not a wrong password; no listing or transfer could follow.');
    for (const o of [summary, sessions]) {
      expect(o).toContain('none: turned away at login (500)');
      expect(o).not.toContain('✗');
    }
    expect(diagnose).toContain('Session 1 (session-refused)');
    expect(explain).toContain('the server turned the session away after the login (500, frame 16), an error of its own, not a wrong password');
    expect(explain).toContain('What to change: The server\'s configuration refused the session, not the password');
    expect(explain).not.toContain('the login failed');
    expect(timeline).toContain('The server turns the session away after the login (an error of its own, not a wrong password)');
    const html = join(tmp, 'oops.html');
    expect((await runCli(['report', path(name), '-o', html])).code).toBe(0);
    const page = readFileSync(html, 'utf8');
    expect(page).toContain('turned away at login (500)');
    expect(page).toContain('(refused by the server)');
    expect(page).not.toContain('(login failed)');
  });

  it('tls-required-proftpd-curl: USER 8 in clear → 550 SSL/TLS required (10): the clear-text login refused, with FTPS advice, not the server\'s configuration to fix', async () => {
    const name = 'tls-required-proftpd-curl';
    const a = await analyze(name);
    const s = a.sessions[0];
    expect([s.loggedIn, s.transfers.length]).toEqual([false, 0]);
    expect(s.control).toEqual({ kind: 'turned-away', at: 'login', command: 8, code: 550, reply: 10, limit: false, tlsRequired: true, evidence: [3, 4, 8, 10, 11] });
    expect([s.diagnosis?.cause, s.diagnosis?.evidence]).toEqual(['session-refused', [3, 4, 8, 10, 11]]);
    expect(s.diagnosis!.summary).toContain(`answered USER (frame 8) from 192.0.2.10:${s.client.port} with 550 SSL/TLS required on the control channel (frame 10)`);
    expect(s.diagnosis!.summary).toContain('it requires the session to be encrypted (TLS) before the login');
    expect(s.diagnosis!.advice).toMatch(/^Connect with explicit FTPS \(AUTH TLS before USER\).*curl --ssl-reqd.*\(proftpd: TLSRequired off\)\.$/);
    const [summary, diagnose] = await outputs(name, 'summary', 'diagnose');
    expect(summary).toContain('none: turned away at login (550)');
    expect(diagnose).toContain('Connect with explicit FTPS');
  });

  it('a wrong password is still a failed login, not a refusal (fail-login-vsftpd-curl: 530)', async () => {
    const a = await analyze('fail-login-vsftpd-curl');
    expect(a.sessions[0].control.kind).toBe('opened');
    const [explain] = await outputs('fail-login-vsftpd-curl', 'explain');
    expect(explain).toContain('the login failed');
  });
});

describe('5. active mode, the server connecting from a port other than 20', () => {
  it('active-highport-vsftpd-ftp: PORTs 32, 50, 66; data from ports 34159, 36485, 46747; LIST, RETR, STOR complete; no bounce, no port alarm', async () => {
    const name = 'active-highport-vsftpd-ftp';
    expect(facts(name).data.source_ports).toBe('34159 36485 46747');
    const a = await analyze(name);
    expect(transfers(a).map((t) => [t.mode, t.announce?.frame, t.request?.command, t.connection?.initiator, t.connection?.server.port, t.connection?.match, t.bytes, t.reply?.frame, t.verdict.kind])).toEqual([
      ['active', 32, 'LIST', 'server', 34159, 'exact', 260, 44, 'completed'],
      ['active', 50, 'RETR', 'server', 36485, 'exact', 511, 62, 'completed'],
      ['active', 66, 'STOR', 'server', 46747, 'exact', 259, 78, 'completed'],
    ]);
    expect(causes(a)).toEqual([]);
    const out = await outputs(name, 'summary', 'sessions', 'transfers', 'diagnose', 'explain', 'timeline');
    expect(out[3]).toContain('No failed data connections in 1 session: 3 transfers (3 complete).');
    // Before: "Departure from the textbook: the server opened data connection 1 from port 34159, not port 20 (a firewall … would drop it)".
    expect(out[4]).toContain('It comes from port 34159, not port 20: RFC 959 makes port 20 the server\'s default data port');
    expect(out[4]).toContain('Compared with the textbook: everything happened as described.');
    for (const o of out) expect(o).not.toMatch(ALARM);
    for (const o of out) expect(o).not.toMatch(/would drop/);
    const m = await extract(name);
    expect(m.objects.map((o) => [o.command, o.bytes, o.verdict])).toEqual([['LIST', 260, 'complete'], ['RETR', 511, 'complete'], ['STOR', 259, 'complete']]);
  });
});

it('flat undoes table borders', () => expect(flat('a │ b\n c')).toBe('a b c'));
