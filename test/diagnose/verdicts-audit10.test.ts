/**
 * The tenth verdict audit, each on a real recording (fixtures/record.sh, "Tenth verdict audit"):
 * healthy but unusual setups, where a false alarm would be the error. A server whose 227 names its
 * own second address, a client whose PORT names its own second address, 30 and 12 transfers in a
 * row (lftp mirror, active RETRs from port 20), a rate-limited RETR with keep-alive NOOPs, a refused
 * login followed by a good one and a re-login, and REIN. Frame numbers are tshark's.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Analysis, Transfer } from '../../src/analysis/model.js';
import { runCli } from '../cli/run-cli.js';
import { analyze, causes, facts, outputs, path, reportPage, transfers, tsv } from './audit-fixtures.js';

/** tshark's FTP rows with a command or a reply code, as "frame:command-or-code". */
const ftpRows = (name: string): string[] =>
  tsv(name, 'ftp')
    .filter((r) => r['ftp.request.command'] || r['ftp.response.code'])
    .map((r) => `${r['frame.number']}:${r['ftp.request.command'] || r['ftp.response.code']}`);
/** ftpcap's commands with their final replies, as "frame:verb>code@reply-frame". */
const exchanges = (a: Analysis): string[] =>
  a.sessions[0].commands.filter((c) => c.command !== null).map((c) => `${c.frame}:${c.command}>${c.reply?.code ?? '-'}@${c.reply?.frame ?? '-'}`);
/** ftpcap's commands as tshark lists them: each command's frame, each reply's frame (preliminaries too). */
const asTshark = (a: Analysis): string[] =>
  a.sessions[0].commands
    .flatMap((c) => [
      ...(c.command === null ? [] : [[c.frame, `${c.frame}:${c.command}`] as const]),
      ...c.preliminary.map((p) => [p.frame, `${p.frame}:${p.code}`] as const),
      ...(c.reply === null ? [] : [[c.reply.frame, `${c.reply.frame}:${c.reply.code}`] as const]),
    ])
    .sort((x, y) => x[0] - y[0])
    .map((x) => x[1]);
/** Payload bytes of each data connection as tshark counts them (NAME.tshark-streams.tsv), by its two ports. */
const wireBytes = (name: string, t: Transfer): number => {
  const c = t.connection!;
  const row = tsv(name, 'streams').find(
    (r) => [r.srcport, r.dstport].sort().join() === [String(c.client.port), String(c.server.port)].sort().join(),
  )!;
  return Number(row.bytes_src_to_dst) + Number(row.bytes_dst_to_src);
};
/** The recorder's size of each file moved, by path (RETR/STOR), from NAME.facts.json. */
const sizes = (name: string): Map<string, number> =>
  new Map(facts(name).files.filter((f: any) => f.size !== undefined).map((f: any) => [f.path, f.size]));
const timelineOf = async (name: string): Promise<string> => (await runCli(['timeline', '--no-color', path(name)])).stdout;
const healthy = (a: Analysis): void => {
  expect(causes(a)).toEqual([]);
  for (const s of a.sessions) expect([s.diagnosis, s.control.kind, s.login]).toEqual([null, 'opened', 'logged-in']);
  for (const t of transfers(a)) expect(t.verdict.kind).toBe('completed');
};
const NO_ALARM = /What to change|bounce|third host|mismatch|NAT|stall|failed \[|aborted|incomplete|No transfer/;

const tmp = mkdtempSync(join(tmpdir(), 'ftpcap-audit10-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('1. a multi-homed server: the 227 names its own second address, which answers', () => {
  it('multihomed-pasv-vsftpd-lftp: control to .20, data to .21; three transfers complete; no address-mismatch; explain notes the other address; the timeline calls .21 the address the server named, not a third host', async () => {
    const name = 'multihomed-pasv-vsftpd-lftp';
    const f = facts(name);
    expect([f.capture.packets, f.server.address, f.server.second_address]).toEqual([84, '198.51.100.20', '198.51.100.21']);
    expect(f.files.map((x: any) => [x.op, x.received?.size, x.received_matches ?? null])).toEqual([
      ['LIST', 256, null],
      ['RETR', 511, true],
      ['STOR', 259, true],
    ]);
    const datachan = tsv(name, 'datachan').filter((r) => r['ftp.response.code'] === '227');
    expect(datachan.map((r) => [r['frame.number'], r['ftp.passive.ip'], r['ftp.passive.port']])).toEqual([
      ['29', '198.51.100.21', '50056'],
      ['49', '198.51.100.21', '50073'],
      ['63', '198.51.100.21', '50074'],
    ]);
    const a = await analyze(name);
    expect(asTshark(a)).toEqual(ftpRows(name).filter((r) => r !== '10:211'));
    expect(exchanges(a)).toContain('28:PASV>227@29');
    expect(transfers(a).map((t) => [t.request?.command, t.connection?.server.ip, t.bytes, wireBytes(name, t), t.reply?.frame])).toEqual([
      ['LIST', '198.51.100.21', 260, 260, 40],
      ['RETR', '198.51.100.21', 511, 511, 60],
      ['STOR', '198.51.100.21', 259, 259, 74],
    ]);
    healthy(a);
    expect(transfers(a).map((t) => t.passiveAddress?.reading ?? null)).toEqual(['departure', 'departure', 'departure']);
    const [summary, diagnose, explain] = await outputs(name, 'summary', 'diagnose', 'explain');
    expect(summary).toContain('fxa10user no 0.000 16 3 complete');
    expect(diagnose).toBe('No failed data connections in 1 session: 3 transfers (3 complete). ');
    expect(explain).toContain('Departure from the textbook: the 227 in frame 29 names 198.51.100.21, not the address 198.51.100.20 the client is talking to.');
    expect(explain).toContain('Verdict: transfer 3 completed: 259 bytes, all in the capture (226, frame 74).');
    // Before: the column of 198.51.100.21 was headed "third host".
    const timeline = await timelineOf(name);
    expect(timeline.split('\n')[2]).toMatch(/FTP client +FTP server +server-named address$/);
    expect(timeline).not.toContain('third host');
    const html = await reportPage(name, tmp);
    expect(html).not.toMatch(/bounce|third host|mismatch/i);
  });
});

describe('2. a multi-homed client: PORT names its own second address (vsftpd port_promiscuous=YES)', () => {
  it('multihomed-port-vsftpd-python: the data connections to 192.0.2.11 come from the client\'s own network card at zero hops: no bounce, no failure; every output healthy', async () => {
    const name = 'multihomed-port-vsftpd-python';
    const f = facts(name);
    expect([f.capture.packets, f.client.address, f.client.second_address]).toEqual([69, '192.0.2.10', '192.0.2.11']);
    expect(f.files.map((x: any) => [x.op, x.path, x.received?.size, x.received_matches])).toEqual([
      ['RETR', 'hello.txt', 511, true],
      ['RETR', 'small.bin', 3000, true],
      ['STOR', 'upload-py.txt', 259, true],
    ]);
    expect(ftpRows(name)).toEqual([
      '6:220', '8:USER', '10:331', '11:PASS', '13:230', '14:TYPE', '16:200', '17:PORT', '18:200', '19:RETR', '25:150', '31:226',
      '33:PORT', '34:200', '35:RETR', '39:150', '49:226', '51:PORT', '52:200', '53:STOR', '57:150', '63:226', '65:QUIT', '66:221',
    ]);
    const ports = tsv(name, 'datachan').filter((r) => r['ftp.request.command'] === 'PORT');
    expect(ports.map((r) => `${r['ftp.active.cip']}:${r['ftp.active.port']}`)).toEqual(['192.0.2.11:34185', '192.0.2.11:35607', '192.0.2.11:43647']);
    // The evidence: the client's SYN (frame 3, from .10) and its SYN-ACK from .11 (frame 23) leave the same
    // network card with TTL 64; the server's packets (frame 22) arrive through the router, TTL 63.
    const fields = new Map(tsv(name, 'fields').map((r) => [r['frame.number'], r]));
    expect(['3', '23', '22'].map((n) => [fields.get(n)!['ip.src'], fields.get(n)!['eth.src'], fields.get(n)!['ip.ttl']])).toEqual([
      ['192.0.2.10', '52:e4:14:c3:5d:4f', '64'],
      ['192.0.2.11', '52:e4:14:c3:5d:4f', '64'],
      ['198.51.100.20', '96:db:5b:54:f5:b7', '63'],
    ]);
    const a = await analyze(name);
    expect(asTshark(a)).toEqual(ftpRows(name));
    expect(a.sessions[0].clientAliases).toEqual(['192.0.2.11']);
    expect(transfers(a).map((t) => [t.request?.command, t.mode, `${t.connection?.client.ip}:${t.connection?.client.port}`, t.connection?.synFrame, t.bytes, wireBytes(name, t), t.reply?.frame])).toEqual([
      ['RETR', 'active', '192.0.2.11:34185', 22, 511, 511, 31],
      ['RETR', 'active', '192.0.2.11:35607', 36, 3000, 3000, 49],
      ['STOR', 'active', '192.0.2.11:43647', 54, 259, 259, 63],
    ]);
    // Before: three "bounce" diagnoses and the session's "No transfer of session 1 succeeded (3 attempted: 3× bounce)".
    healthy(a);
    const [summary, diagnose, explain] = await outputs(name, 'summary', 'diagnose', 'explain');
    expect(summary).toContain('fxa10user no 0.000 10 3 complete');
    expect(diagnose).toBe('No failed data connections in 1 session: 3 transfers (3 complete). ');
    expect(explain).toContain(
      'Departure from the textbook: PORT in frame 17 names 192.0.2.11, not the address 192.0.2.10 the client\'s control connection comes from, ' +
        'but another address of the client\'s own host — its packets from 192.0.2.11 reach this capture point from the same network card as those ' +
        'from 192.0.2.10, with no router between: one host with two addresses, no third host.',
    );
    for (const o of [summary, diagnose]) expect(o).not.toMatch(NO_ALARM);
    const timeline = await timelineOf(name);
    expect(timeline.split('\n')[2]).toMatch(/FTP client +FTP server +FTP client, 2nd address$/);
    expect(timeline).not.toMatch(/third host|bounce/);
    const json = JSON.parse((await runCli(['summary', '--json', path(name)])).stdout) as Analysis;
    expect(json.sessions[0].diagnosis).toBeNull();
    expect(json.sessions[0].transfers.map((t) => t.diagnosis)).toEqual([null, null, null]);
  });

  it('multihomed-port-server-side-vsftpd-python: the same setup seen at the server: 192.0.2.11 arrives through the router as a third host would; still a bounce (the server took a foreign address), but the diagnosis says the capture cannot tell a third host from the client\'s own second address, and no output calls it a third host', async () => {
    const name = 'multihomed-port-server-side-vsftpd-python';
    const f = facts(name);
    expect([f.capture.packets, f.capture.namespace, f.files.every((x: any) => x.received_matches)]).toEqual([67, 'server', true]);
    expect(ftpRows(name)).toEqual([
      '6:220', '8:USER', '10:331', '11:PASS', '13:230', '14:TYPE', '16:200', '17:PORT', '18:200', '19:RETR', '23:150', '29:226',
      '31:PORT', '32:200', '33:RETR', '37:150', '47:226', '49:PORT', '50:200', '51:STOR', '55:150', '61:226', '63:QUIT', '64:221',
    ]);
    const fields = new Map(tsv(name, 'fields').map((r) => [r['frame.number'], r]));
    // The client's SYN (3) and 192.0.2.11's SYN-ACK (21): both through the router, TTL 63, the router's card.
    expect(['3', '21'].map((n) => [fields.get(n)!['ip.src'], fields.get(n)!['ip.ttl']])).toEqual([['192.0.2.10', '63'], ['192.0.2.11', '63']]);
    expect(fields.get('3')!['eth.src']).toBe(fields.get('21')!['eth.src']);
    const a = await analyze(name);
    expect([a.sessions[0].clientAliases, a.sessions[0].clientEndsUnplaced]).toEqual([[], ['192.0.2.11']]);
    expect(transfers(a).map((t) => [t.verdict.kind, t.bytes, t.diagnosis?.cause])).toEqual([
      ['completed', 511, 'bounce'],
      ['completed', 3000, 'bounce'],
      ['completed', 259, 'bounce'],
    ]);
    expect(a.sessions[0].diagnosis).toBeNull();
    const [summary, diagnose, explain] = await outputs(name, 'summary', 'diagnose', 'explain');
    // Before: "the PORT names a third host, port 40311 … sending 511 bytes there instead of to the client".
    expect(diagnose).toContain(
      'the client is 192.0.2.10: the PORT names another address, and a temporary port, 40311. The server accepted it and connected from ' +
        '198.51.100.20:39833 to 192.0.2.11:40311 (SYN frame 20), sending 511 bytes there. Whether 192.0.2.11 is a third host (an FTP bounce) ' +
        "or another address of the client's own host (a host with two addresses may name either in PORT) this capture point cannot tell",
    );
    for (const o of [summary, diagnose, explain]) expect(o).not.toMatch(/third host(?! \(an FTP bounce\) or another address)|No transfer|instead of to the client/);
    // The advice says both readings too (review 78): a client's own second address is nothing to investigate.
    expect(transfers(a)[0].diagnosis!.advice).toBe(
      "Nothing is wrong if 192.0.2.11 is another address of the client's own host (check the client's addresses, or capture on its own segment). " +
        "If it is not, this is an FTP bounce: a server should refuse PORT/EPRT to any address but the client's, as most do by default (vsftpd: port_promiscuous). " +
        'Investigate the client: bounces are used to scan or attack hosts from the server.',
    );
    expect((await timelineOf(name)).split('\n')[2]).toMatch(/FTP client +FTP server +client-named address$/);
  });

  it('bounce-allowed-vsftpd-python, for contrast: the PORT names 203.0.113.30 behind the router (TTL 63, the router\'s card): still a bounce, but no longer "No transfer of session 1 succeeded" — the data went there', async () => {
    const name = 'bounce-allowed-vsftpd-python';
    const a = await analyze(name);
    expect(a.sessions[0].clientAliases).toEqual([]);
    expect(transfers(a).map((t) => [t.verdict.kind, t.diagnosis?.cause])).toEqual([['completed', 'bounce']]);
    // Before: session 1's diagnosis said "No transfer of session 1 succeeded (1 attempted: 1× bounce)".
    expect(a.sessions[0].diagnosis).toBeNull();
    const [diagnose] = await outputs(name, 'diagnose');
    expect(diagnose).toContain('Session 1, transfer 1 (RETR hello.txt, active mode) completed, but PORT names another address than the client\'s (FTP bounce).');
    expect(diagnose).not.toContain('No transfer');
    expect((await timelineOf(name)).split('\n')[2]).toMatch(/FTP client +FTP server +third host$/);
  });
});

describe('3. many transfers in a row', () => {
  it('mirror-vsftpd-lftp: lftp mirror, LIST and 30 PASV RETRs on one control connection: 31 complete with the recorder\'s byte counts', async () => {
    const name = 'mirror-vsftpd-lftp';
    const f = facts(name);
    expect([f.capture.packets, f.files.length, f.files.filter((x: any) => x.received_matches).length]).toEqual([533, 31, 30]);
    const a = await analyze(name);
    expect(a.sessions).toHaveLength(1);
    expect(asTshark(a)).toEqual(ftpRows(name).filter((r) => r !== '10:211'));
    const ts = transfers(a);
    expect(ts).toHaveLength(31);
    expect(ts[0].request?.command).toBe('LIST');
    expect(ts[0].bytes).toBe(wireBytes(name, ts[0]));
    const size = sizes(name);
    expect(ts.slice(1).map((t) => [t.request?.arg, t.bytes])).toEqual(ts.slice(1).map((t) => [t.request?.arg, size.get(t.request!.arg)]));
    expect(ts.slice(1).map((t) => t.request?.arg)).toEqual(Array.from({ length: 30 }, (_, i) => `f${String(i + 1).padStart(2, '0')}.bin`));
    for (const t of ts) expect(t.bytes).toBe(wireBytes(name, t));
    healthy(a);
    const [summary, diagnose, explain] = await outputs(name, 'summary', 'diagnose', 'explain');
    expect(summary).toContain('fxa10user no 0.000 99 31 complete');
    expect(diagnose).toBe('No failed data connections in 1 session: 31 transfers (31 complete). ');
    expect(explain).toContain('Compared with the textbook: everything happened as described.');
    for (const o of [summary, diagnose, explain]) expect(o).not.toMatch(NO_ALARM);
  });

  it('active-burst-vsftpd-python: 12 PORT RETRs back to back, each data connection from the server\'s port 20 to a new client port: 12 complete', async () => {
    const name = 'active-burst-vsftpd-python';
    const f = facts(name);
    expect([f.capture.packets, f.files.length, f.files.every((x: any) => x.received_matches)]).toEqual([211, 12, true]);
    const a = await analyze(name);
    expect(asTshark(a)).toEqual(ftpRows(name));
    const ts = transfers(a);
    expect(ts.map((t) => t.connection?.server.port)).toEqual(Array(12).fill(20));
    expect(new Set(ts.map((t) => t.connection?.client.port)).size).toBe(12);
    const size = sizes(name);
    expect(ts.map((t) => [t.mode, t.request?.arg, t.bytes])).toEqual(ts.map((t) => ['active', t.request?.arg, size.get(t.request!.arg)]));
    for (const t of ts) expect(t.bytes).toBe(wireBytes(name, t));
    healthy(a);
    const [summary, diagnose, explain] = await outputs(name, 'summary', 'diagnose', 'explain');
    expect(summary).toContain('fxa10user no 0.000 39 12 complete');
    expect(diagnose).toBe('No failed data connections in 1 session: 12 transfers (12 complete). ');
    expect(explain).toContain('Compared with the textbook: everything happened as described.');
    for (const o of [summary, diagnose, explain]) expect(o).not.toMatch(NO_ALARM);
  });
});

describe('4. a rate-limited RETR, then keep-alive NOOPs while idle', () => {
  it('slow-keepalive-vsftpd-python: 150,000 bytes over 5.6 s (vsftpd local_max_rate), four NOOPs 2 s apart, another RETR: no stall, nothing diagnosed', async () => {
    const name = 'slow-keepalive-vsftpd-python';
    const f = facts(name);
    expect([f.capture.packets, f.server.local_max_rate, f.files.map((x: any) => [x.path, x.size, x.received_matches])]).toEqual([
      232,
      '15000',
      [
        ['slow.bin', 150000, true],
        ['hello.txt', 511, true],
      ],
    ]);
    const a = await analyze(name);
    expect(asTshark(a)).toEqual(ftpRows(name));
    expect(exchanges(a).filter((e) => e.includes('NOOP'))).toEqual(['200:NOOP>200@201', '203:NOOP>200@204', '206:NOOP>200@207', '209:NOOP>200@210']);
    const ts = transfers(a);
    expect(ts.map((t) => [t.request?.arg, t.bytes, wireBytes(name, t), t.reply?.frame])).toEqual([
      ['slow.bin', 150000, 150000, 198],
      ['hello.txt', 511, 511, 226],
    ]);
    expect(ts[0].duration).toBeGreaterThan(5);
    expect(ts[0].connection?.zeroWindowFrames).toEqual([]);
    healthy(a);
    const [summary, diagnose, explain, timeline] = await outputs(name, 'summary', 'diagnose', 'explain', 'timeline');
    expect(diagnose).toBe('No failed data connections in 1 session: 2 transfers (2 complete). ');
    expect(explain).toContain('150000 bytes flow server → client (107 segments, frames 24-193)');
    expect(explain).toContain('Compared with the textbook: everything happened as described.');
    for (const o of [summary, diagnose, explain, timeline]) expect(o).not.toMatch(/stall|idle|timed out|zero window|What to change|failed \[/i);
  });
});

describe('5. logins repeated within one session', () => {
  it('relogin-vsftpd-python: 530 to the first PASS, 230 to the second; RETR; USER/PASS again (331 Any password will do, 230 Already logged in); RETR: logged in, no login-failed; explain says the first login was refused and that it was no failure', async () => {
    const name = 'relogin-vsftpd-python';
    expect(facts(name).files.map((x: any) => [x.path, x.received_matches])).toEqual([
      ['hello.txt', true],
      ['small.bin', true],
    ]);
    expect(ftpRows(name)).toEqual([
      '6:220', '8:USER', '10:331', '11:PASS', '13:530', '14:USER', '16:331', '17:PASS', '19:230', '20:TYPE', '22:200', '23:PASV', '24:227', '28:RETR',
      '29:150', '35:226', '37:USER', '38:331', '39:PASS', '40:230', '41:TYPE', '42:200', '43:PASV', '44:227', '48:RETR', '49:150', '59:226', '61:QUIT', '62:221',
    ]);
    const a = await analyze(name);
    expect(asTshark(a)).toEqual(ftpRows(name));
    const s = a.sessions[0];
    expect([s.login, s.loginAttempts, s.loginRefusal]).toEqual(['logged-in', 3, null]);
    expect(s.loginRetried).toEqual({ refused: 1, first: { command: 11, code: 530, reply: 13 }, loggedIn: 19 });
    expect(transfers(a).map((t) => [t.request?.arg, t.bytes, t.reply?.frame])).toEqual([
      ['hello.txt', 511, 35],
      ['small.bin', 3000, 59],
    ]);
    healthy(a);
    const [summary, diagnose, explain] = await outputs(name, 'summary', 'diagnose', 'explain');
    expect(diagnose).toBe('No failed data connections in 1 session: 2 transfers (2 complete). ');
    expect(summary).not.toMatch(/refused|login-failed|failed/i);
    // Before: "Compared with the textbook: everything happened as described." after a 530 Login incorrect.
    expect(explain).toContain('PASS **** (frame 11) → 530 Login incorrect. (frame 13)');
    expect(explain).toContain(
      'Compared with the textbook: - the server refused a login first (530, frame 13); the client tried again and logged in (230, frame 19): no failure.',
    );
    expect(explain).toContain('PASS **** (frame 39) → 230 Already logged in. (frame 40)');
  });

  it('rein-pyftpdlib-python: login, RETR, REIN (230), login again, RETR: two complete transfers, nothing refused', async () => {
    const name = 'rein-pyftpdlib-python';
    const a = await analyze(name);
    expect(asTshark(a)).toEqual(ftpRows(name));
    expect(exchanges(a)).toEqual([
      '8:USER>331@10', '11:PASS>230@12', '13:TYPE>200@14', '15:PASV>227@16', '20:RETR>226@25', '29:REIN>230@30',
      '31:USER>331@32', '33:PASS>230@34', '35:TYPE>200@36', '37:PASV>227@38', '42:RETR>226@51', '55:QUIT>221@56',
    ]);
    const s = a.sessions[0];
    expect([s.login, s.loginAttempts, s.loginRefusal, s.loginRetried]).toEqual(['logged-in', 2, null, null]);
    expect(transfers(a).map((t) => [t.request?.arg, t.bytes, wireBytes(name, t)])).toEqual([
      ['hello.txt', 511, 511],
      ['small.bin', 3000, 3000],
    ]);
    healthy(a);
    const [diagnose, explain] = await outputs(name, 'diagnose', 'explain');
    expect(diagnose).toBe('No failed data connections in 1 session: 2 transfers (2 complete). ');
    expect(explain).toContain('Compared with the textbook: everything happened as described.');
  });
});
