/**
 * The twelfth verdict audit, each on a real recording (fixtures/record.sh, "Twelfth verdict audit"):
 * many things at once. Three sessions whose 227s come in a row and whose data connections open in
 * reverse order before their RETRs; lftp pget -n 4 (REST ranges over parallel sessions); two active
 * sessions the server connects to from port 20 at once; one passive port whose four-tuple is reused
 * three times; one passive port held by session 1's data connection while session 2 asks for one;
 * three curl processes at once from three client addresses with EPSV; a session that sends PASV
 * twice (another session's PASV between) and connects to both; lftp pget -n 3 over IPv6 with EPSV.
 * Which data connection belongs to which command is tshark's ftp-data view (NAME.tshark-data-streams.tsv);
 * sizes and sha256 are the recorder's facts. Frame numbers are tshark's.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Analysis } from '../../src/analysis/model.js';
import { runCli } from '../cli/run-cli.js';
import { FIXTURES } from '../support/facts.js';
import { readTsharkTsv } from '../conformance/peer-readers.js';
import { analyze, causes, extractedFiles, facts, factSha, flat, outputs, path, reportPage } from './audit-fixtures.js';

const tmp = mkdtempSync(join(tmpdir(), 'ftpcap-audit12-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** tshark's ftp-data view: data stream → [setup frame (the 227/PORT), command frame]. */
const dataStreams = (name: string): Record<string, [number, number]> =>
  Object.fromEntries(
    readTsharkTsv(join(FIXTURES, `${name}.tshark-data-streams.tsv`)).map((r) => [
      r['tcp.stream'],
      [Number(r['ftp-data.setup-frame']), Number(r['ftp-data.command-frame'])],
    ]),
  );
/** Every transfer: [session, command arg, data stream, announcement (227/PORT) frame, command frame, bytes, final reply frame, verdict kind]. */
const rows = (a: Analysis) =>
  a.sessions.flatMap((s) =>
    s.transfers.map((t) => [s.id, t.request?.arg ?? null, t.connection?.stream ?? null, t.announce?.frame ?? null, t.request?.frame ?? null, t.bytes, t.reply?.frame ?? null, t.verdict.kind]),
  );
/** The transfers' data streams as tshark links them: stream → [227/PORT frame, command frame]. */
const linked = (a: Analysis): Record<string, [number, number]> =>
  Object.fromEntries(
    a.sessions.flatMap((s) =>
      s.transfers
        .filter((t) => t.connection !== null && t.request !== null)
        .map((t) => [String(t.connection!.stream), [t.announce!.frame, t.request!.frame] as [number, number]]),
    ),
  );
/** extract's saved files: name → sha256. */
const extracted = (name: string): Promise<Record<string, string>> => extractedFiles(name, tmp);
const sha = factSha;
const ALARM = /stall|incomplete|failed:|aborted|lost segments|refused|mismatch|What to change/i;

describe('1. three sessions at once: 227s in a row, data connections opened in reverse order before the RETRs', () => {
  const name = 'three-sessions-vsftpd-python';
  it('each RETR gets the data connection its own 227 named (tshark), its exact size and sha256; no diagnosis anywhere', async () => {
    const f = facts(name);
    expect([f.capture.packets, f.files.map((x: any) => [x.path, x.size, x.received_matches])]).toEqual([
      155,
      [
        ['one.bin', 5000, true],
        ['two.bin', 12000, true],
        ['three.bin', 20000, true],
      ],
    ]);
    const a = await analyze(name);
    expect(a.sessions.map((s) => [s.client.ip, s.client.port])).toEqual([
      ['192.0.2.10', 33939],
      ['192.0.2.11', 54179],
      ['192.0.2.10', 55587],
    ]);
    // SYNs: stream 3 (session 3) at 57, stream 4 (session 2) at 60, stream 5 (session 1) at 63; RETRs 66 (2), 87 (1), 98 (3).
    expect(rows(a)).toEqual([
      [1, 'one.bin', 5, 50, 87, 5000, 131, 'completed'],
      [2, 'two.bin', 4, 53, 66, 12000, 136, 'completed'],
      [3, 'three.bin', 3, 56, 98, 20000, 139, 'completed'],
    ]);
    expect(linked(a)).toEqual(dataStreams(name));
    expect(causes(a)).toEqual([]);
    expect(await extracted(name)).toEqual({
      's1-t1-one.bin': sha(name, 'one.bin'),
      's2-t1-two.bin': sha(name, 'two.bin'),
      's3-t1-three.bin': sha(name, 'three.bin'),
    });
    const [summary, diagnose, explain] = await outputs(name, 'summary', 'diagnose', 'explain');
    expect(summary).toContain('RETR two.bin 198.51.100.20:50030 12000 226 complete');
    expect(diagnose).toContain('No failed data connections in 3 sessions: 3 transfers (3 complete).');
    for (const o of [summary, diagnose, explain]) expect(o).not.toMatch(ALARM);
  });
});

describe('2. lftp pget -n 4: REST ranges over parallel sessions', () => {
  const name = 'pget4-vsftpd-lftp';
  it('three ranges (0, 90000, 60000) on their own sessions and data connections, exact bytes; the ranges equal the original from their offsets; the fourth session only FEAT/QUIT', async () => {
    const f = facts(name);
    expect([f.capture.packets, f.files[0].size, f.files[0].received_matches]).toEqual([371, 120000, true]);
    const a = await analyze(name);
    expect(a.sessions).toHaveLength(4);
    expect(rows(a)).toEqual([
      [1, 'chunks.bin', 4, 79, 86, 120000, 190, 'completed'],
      [2, 'chunks.bin', 5, 217, 223, 30000, 278, 'completed'],
      [3, 'chunks.bin', 6, 226, 277, 60000, 347, 'completed'],
    ]);
    expect(a.sessions.flatMap((s) => s.transfers.map((t) => t.restOffset))).toEqual([null, 90000, 60000]);
    // tshark names the REST as the command of the later ranges; its frames and streams are the same.
    expect(dataStreams(name)).toEqual({ '4': [79, 86], '5': [217, 221], '6': [226, 232] });
    expect(linked(a)).toEqual({ '4': [79, 86], '5': [217, 223], '6': [226, 277] });
    expect(causes(a)).toEqual([]);
    expect(a.sessions[3].transfers).toEqual([]);
    const saved = await extracted(name);
    expect(saved['s1-t1-chunks.bin']).toBe(sha(name, 'chunks.bin'));
    // The later ranges run to the file's end (the server sent it all before lftp's ABOR): their bytes are the whole file's tail.
    const whole = readFileSync(join(tmp, name, 's1-t1-chunks.bin'));
    const tail = (n: number) => createHash('sha256').update(whole.subarray(whole.length - n)).digest('hex');
    expect([saved['s2-t1-chunks.bin'], saved['s3-t1-chunks.bin']]).toEqual([tail(30000), tail(60000)]);
    const [summary, diagnose] = await outputs(name, 'summary', 'diagnose');
    expect(diagnose).toContain('No failed data connections in 4 sessions: 3 transfers (3 complete).');
    for (const o of [summary, diagnose]) expect(o).not.toMatch(ALARM);
  });
});

describe('3. active mode, two sessions at once: the server connects from port 20 to both client ports', () => {
  const name = 'active-two-sessions-vsftpd-python';
  it('each data connection belongs to the session whose PORT named its port (tshark), exact sizes and sha256', async () => {
    const a = await analyze(name);
    expect(rows(a)).toEqual([
      [1, 'left.bin', 3, 32, 37, 7000, 77, 'completed'],
      [2, 'right.bin', 2, 35, 38, 9000, 57, 'completed'],
    ]);
    expect(a.sessions.flatMap((s) => s.transfers.map((t) => [t.connection?.client.port, t.connection?.server.port]))).toEqual([
      [32887, 20],
      [39225, 20],
    ]);
    expect(linked(a)).toEqual(dataStreams(name));
    expect(causes(a)).toEqual([]);
    expect(await extracted(name)).toEqual({ 's1-t1-left.bin': sha(name, 'left.bin'), 's2-t1-right.bin': sha(name, 'right.bin') });
  });
});

describe('4. one passive port, the same four-tuple three times in one session', () => {
  const name = 'pasv-one-port-vsftpd-python';
  it('three data connections 192.0.2.10:40000 -> :50000, one per RETR, exact sizes and sha256', async () => {
    const a = await analyze(name);
    expect(rows(a)).toEqual([
      [1, 'first.bin', 1, 18, 22, 4000, 33, 'completed'],
      [1, 'second.bin', 2, 36, 40, 6000, 55, 'completed'],
      [1, 'third.bin', 3, 58, 62, 8000, 79, 'completed'],
    ]);
    expect(a.sessions[0].transfers.map((t) => [t.connection?.client.port, t.connection?.server.port])).toEqual([
      [40000, 50000],
      [40000, 50000],
      [40000, 50000],
    ]);
    // tshark's ftp-data view links only the first of the three (same four-tuple): its streams view has all three.
    expect(dataStreams(name)).toEqual({ '1': [18, 22] });
    expect(causes(a)).toEqual([]);
    expect(await extracted(name)).toEqual({
      's1-t1-first.bin': sha(name, 'first.bin'),
      's1-t2-second.bin': sha(name, 'second.bin'),
      's1-t3-third.bin': sha(name, 'third.bin'),
    });
  });
});

describe("5. one passive port held by session 1's data connection: session 2's PASV fails (500 OOPS: vsf_sysutil_bind)", () => {
  const name = 'pasv-port-busy-vsftpd-python';
  it("session 1 complete with no diagnosis; session 2's refusal is a server that could not open a port, with advice on the passive range, not 'allow PASV'", async () => {
    const f = facts(name);
    expect([f.capture.packets, f.files[0].size, f.files[0].received_matches]).toEqual([94, 30000, true]);
    const a = await analyze(name);
    expect(rows(a)).toEqual([
      [1, 'slow.bin', 2, 33, 38, 30000, 88, 'completed'],
      [2, null, null, 50, null, 0, null, 'failed'],
    ]);
    expect(linked(a)).toEqual(dataStreams(name));
    expect(a.sessions[0].transfers[0].diagnosis).toBeNull();
    const d = a.sessions[1].transfers[0].diagnosis!;
    expect([d.cause, d.evidence]).toEqual(['server-refused', [33, 47, 50]]);
    // Before: "…at frame 50: the server will not open a passive data port" and "The server refuses PASV: use another
    // passive command (EPSV for PASV) or active mode (PORT) on the client, or allow PASV on the server".
    expect(d.summary).toContain('the server could not open a passive data port for it, though it accepts PASV: it answered PASV in session 1 with 227 at frame 33');
    expect(d.advice).toContain('its passive port range (vsftpd: pasv_min_port/pasv_max_port) may be too narrow');
    expect(d.advice).not.toMatch(/allow PASV|EPSV for PASV/);
    expect(await extracted(name)).toEqual({ 's1-t1-slow.bin': sha(name, 'slow.bin') });
    const [diagnose, explain] = await outputs(name, 'diagnose', 'explain');
    for (const o of [diagnose, explain]) expect(o).not.toMatch(/allow PASV on the server/);
    // Before: "data connection 1 lost segments on the way: 3 were sent again" (frames 58, 62, 66 repeat 55, 61, 65,
    // all captured at the client, which D-SACKs them).
    expect(explain).not.toContain('lost segments');
    expect(explain).toContain('data connection 1: 3 segments were sent again although their first copies had reached the client\'s side');
    const html = await reportPage(name, tmp);
    expect(html).toContain('could not open a passive data port');
  });
});

describe('6. three curl processes at once from three client addresses, EPSV (229: a port, no address)', () => {
  const name = 'three-curls-epsv-vsftpd';
  it("each RETR gets the data connection its own 229 named (tshark's streams; tshark names curl's TYPE I, sent after the 229, as the command), exact sizes and sha256; no diagnosis", async () => {
    const f = facts(name);
    expect([f.capture.packets, f.files.map((x: any) => [x.path, x.size, x.received_matches])]).toEqual([
      215,
      [
        ['red.bin', 16000, true],
        ['green.bin', 24000, true],
        ['blue.bin', 32000, true],
      ],
    ]);
    const a = await analyze(name);
    expect(a.sessions.map((s) => s.client.ip)).toEqual(['192.0.2.11', '192.0.2.10', '192.0.2.12']);
    expect(rows(a)).toEqual([
      [1, 'green.bin', 4, 98, 106, 24000, 198, 'completed'],
      [2, 'red.bin', 5, 152, 160, 16000, 189, 'completed'],
      [3, 'blue.bin', 3, 42, 50, 32000, 145, 'completed'],
    ]);
    expect(dataStreams(name)).toEqual({ '3': [42, 46], '4': [98, 102], '5': [152, 156] });
    expect(Object.entries(linked(a)).map(([stream, [announce]]) => [stream, announce])).toEqual(Object.entries(dataStreams(name)).map(([stream, [setup]]) => [stream, setup]));
    expect(causes(a)).toEqual([]);
    expect(await extracted(name)).toEqual({
      's1-t1-green.bin': sha(name, 'green.bin'),
      's2-t1-red.bin': sha(name, 'red.bin'),
      's3-t1-blue.bin': sha(name, 'blue.bin'),
    });
    const [summary, diagnose, explain] = await outputs(name, 'summary', 'diagnose', 'explain');
    for (const o of [summary, diagnose, explain]) expect(o).not.toMatch(ALARM);
  });
});

describe("7. PASV twice in session 1, session 2's PASV between: the first announcement's connection unused", () => {
  const name = 'pasv-twice-vsftpd-python';
  it('the RETR runs on the data connection of its session\'s latest PASV (tshark), the superseded one (reset by vsftpd) is unused, not a failure', async () => {
    const a = await analyze(name);
    expect(rows(a)).toEqual([
      [1, null, 2, 33, null, 0, null, 'unused'],
      [1, 'mine.bin', 4, 45, 51, 6000, 67, 'completed'],
      [2, 'theirs.bin', 3, 39, 69, 9000, 89, 'completed'],
    ]);
    expect(a.sessions[0].transfers[0].connection?.rst).toEqual({ frame: 44, by: 'server', ttl: 63 });
    expect(linked(a)).toEqual(dataStreams(name));
    expect(causes(a)).toEqual([]);
    expect(await extracted(name)).toEqual({ 's1-t2-mine.bin': sha(name, 'mine.bin'), 's2-t1-theirs.bin': sha(name, 'theirs.bin') });
    const [summary, diagnose] = await outputs(name, 'summary', 'diagnose');
    expect(diagnose).toContain('No failed data connections in 2 sessions: 3 transfers (1 unused, 2 complete).');
    for (const o of [summary, diagnose]) expect(o).not.toMatch(ALARM);
    // Before: "everything happened as described", after a data connection that opened, carried nothing and was reset.
    const explain1 = flat((await runCli(['explain', '--no-color', '-s', '1', path(name)])).stdout);
    expect(explain1).toContain('Compared with the textbook: - the data connection of transfer 1 opened (SYN frame 35) and carried nothing: no transfer command used it.');
    expect(explain1).not.toContain('everything happened as described');
  });
});

describe('8. lftp pget -n 3 over IPv6 with EPSV: data connections linked by port alone', () => {
  const name = 'pget3-ipv6-epsv-vsftpd-lftp';
  it('two ranges on their own sessions and data connections (tshark), exact bytes; the second is the whole file\'s tail; the third session, closed before its greeting arrived, is no failure', async () => {
    const f = facts(name);
    expect([f.capture.packets, f.files[0].size, f.files[0].received_matches]).toEqual([226, 90000, true]);
    const a = await analyze(name);
    expect(rows(a)).toEqual([
      [1, 'six.bin', 3, 41, 45, 90000, 129, 'completed'],
      [2, 'six.bin', 4, 159, 165, 30000, 212, 'completed'],
    ]);
    expect(a.sessions.flatMap((s) => s.transfers.map((t) => t.restOffset))).toEqual([null, 60000]);
    // tshark names the REST (163) as the later range's command.
    expect(dataStreams(name)).toEqual({ '3': [41, 45], '4': [159, 163] });
    expect(linked(a)).toEqual({ '3': [41, 45], '4': [159, 165] });
    expect(causes(a)).toEqual([]);
    expect(a.sessions[2].transfers).toEqual([]);
    const saved = await extracted(name);
    expect(saved['s1-t1-six.bin']).toBe(sha(name, 'six.bin'));
    const whole = readFileSync(join(tmp, name, 's1-t1-six.bin'));
    expect(saved['s2-t1-six.bin']).toBe(createHash('sha256').update(whole.subarray(60000)).digest('hex'));
    const [summary, diagnose] = await outputs(name, 'summary', 'diagnose');
    expect(diagnose).toContain('No failed data connections in 3 sessions: 2 transfers (2 complete).');
    for (const o of [summary, diagnose]) expect(o).not.toMatch(ALARM);
    // Session 3: the client's FIN (131) came before the greeting (149). Before, explain told the
    // greeting and then the close, with nothing said of the order.
    const explain3 = flat((await runCli(['explain', '--no-color', '-s', '3', path(name)])).stdout);
    expect(explain3).toContain('The server greets: 220 (vsFTPd 3.0.3) (frame 149), after the client had already closed its side of the control connection (FIN, frame 131).');
    expect(explain3).toContain('the client closed the control connection (frame 131) before the server\'s greeting (frame 149) came');
  });
});
