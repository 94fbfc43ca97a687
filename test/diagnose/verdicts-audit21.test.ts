/**
 * The twenty-first verdict audit, on real recordings (fixtures/record.sh, "Twenty-first verdict
 * audit"): healthy transfers whose connections end the way Windows and IIS end them, and the real
 * failures that look like them. pyftpdlib (subclassed) and Python ftplib clients set SO_LINGER 0 on
 * their sockets: the server resets every data connection once all is acknowledged and resets the
 * control connection after 221; a client resets each data connection once it has everything (before
 * the server's FIN, or carrying the ACK of it), the server sends 226 before closing, and the client
 * resets the control connection without QUIT; pyftpdlib answers 125 when the data connection is
 * already open. vsftpd + curl is the FIN-ended baseline. The failures: the server process killed
 * mid-RETR with SO_LINGER 0 on its data socket (its RST after 65536 of 262144 bytes, the control
 * connection closed by its kernel, no reply) and a client that gives up mid-download (its RST, 426).
 * Frame numbers are tshark's (NAME.tshark-ftp.tsv, -fields.tsv, -data-streams.tsv); sizes and
 * sha256 are the recorder's facts.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Analysis } from '../../src/analysis/model.js';
import { runCli } from '../cli/run-cli.js';
import { analyze, dataStreams, extractedFiles, facts, flat, ftpRows, ourRows, outputs, path, reportPage, transferRows, tsv } from './audit-fixtures.js';

const tmp = mkdtempSync(join(tmpdir(), 'ftpcap-audit21-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** Every transfer's row, then who stopped an aborted one, its cause, and its data connection's reset [by, frame]. */
const rows = (a: Analysis): unknown[][] =>
  transferRows(a, (t) => [
    t.verdict.kind === 'aborted' ? t.verdict.by : null,
    t.diagnosis?.cause ?? null,
    t.connection?.rst ? [t.connection.rst.by, t.connection.rst.frame] : null,
    t.preliminary?.code ?? null,
  ]);

/** tshark's frames with RST set: [frame, source port]. */
const rsts = (name: string): Array<[number, number]> =>
  tsv(name, 'fields')
    .filter((r) => (Number(r['tcp.flags']) & 0x04) !== 0)
    .map((r) => [Number(r['frame.number']), Number(r['tcp.srcport'])]);

/** The session's commands and replies and its data streams are tshark's. */
function sameAsTshark(a: Analysis, name: string, commandFrame: Record<string, number> = {}): void {
  expect(a.sessions.map((s) => s.stream)).toEqual([0]);
  expect(ourRows(a, 1)).toEqual(ftpRows(name, '0'));
  const all = a.sessions.flatMap((s) => s.transfers);
  for (const [stream, [setup, cmd]] of Object.entries(dataStreams(name))) {
    const t = all.find((x) => String(x.connection?.stream) === stream)!;
    expect([t.announce?.reply?.frame, t.request?.frame]).toEqual([setup, commandFrame[stream] ?? cmd]);
  }
}

/** Each data stream's bytes in tshark's view (both directions), by stream. */
const streamBytes = (name: string): Record<string, number> =>
  Object.fromEntries(tsv(name, 'streams').filter((r) => r.stream !== '0').map((r) => [r.stream, Number(r.bytes_src_to_dst) + Number(r.bytes_dst_to_src)]));

/** A healthy capture: no diagnosis for any transfer or session, and no words of failure in any output. */
async function healthyEverywhere(name: string, a: Analysis, ending: string | null = null): Promise<void> {
  expect(a.sessions.map((s) => s.diagnosis)).toEqual([null]);
  expect(a.sessions[0]!.transfers.every((t) => t.verdict.kind === 'completed' && t.diagnosis === null)).toBe(true);
  const [summary, diagnose, explain, sessions, timeline] = await outputs(name, 'summary', 'diagnose', 'explain', 'sessions', 'timeline');
  const n = a.sessions[0]!.transfers.length;
  expect(diagnose).toContain(`No failed data connections in 1 session: ${n} transfers (${n} complete).`);
  expect(summary).toContain(`${n} complete`);
  expect(sessions).toContain(`${n} complete`);
  const ALARM = /aborted|failed|incomplete|never answered|What went wrong|What to change|\[1\]/;
  // The server's own words are quoted as they are (pyftpdlib's "426 Transfer aborted; N bytes transmitted.").
  const quoted = (x: string): string => x.replace(/426 Transfer aborted;/g, '426');
  for (const text of [summary, diagnose.replace('No failed data connections', ''), explain, sessions, timeline]) expect(quoted(text)).not.toMatch(ALARM);
  // A control connection ended by a reset (or without QUIT and 221) is no failure, but not the textbook either (audit 23).
  if (ending === null) expect(explain).toContain('Compared with the textbook: everything happened as described.');
  else {
    expect(explain).not.toContain('everything happened as described');
    expect(explain.replace(/\s+/g, ' ')).toContain(`Compared with the textbook: - ${ending}.`);
  }
  const json = JSON.parse((await runCli(['summary', '--json', path(name)])).stdout);
  expect(json.sessions[0].diagnosis).toBeNull();
  expect(json.sessions[0].transfers.map((t: { verdict: { kind: string }; diagnosis: unknown }) => [t.verdict.kind, t.diagnosis])).toEqual(
    Array.from({ length: n }, () => ['completed', null]),
  );
  const logs = (await runCli(['logs', path(name)])).stdout.split('\n').filter((l) => l.includes('ftp-data'));
  expect(logs).toHaveLength(n);
  // ftpcap_verdict, ftpcap_detail, ftpcap_cause: the last three columns.
  for (const l of logs) expect(l.split('\t').slice(-3)).toEqual(['completed', '-', '-']);
  const html = flat(await reportPage(name, tmp));
  expect(html.split('<article class="card"').length - 1).toBe(0);
}

/** extract's files are the recorder's: each as the client (download) or the server (upload) saved it. */
async function filesAsRecorded(name: string, expected: Record<string, string>): Promise<void> {
  const files: Array<{ op: string; path: string; sha256?: string; received: { sha256: string } }> = facts(name).files;
  const sha = (op: string, p: string): string => files.find((f) => f.op === op && f.path === p)!.received.sha256;
  const want = Object.fromEntries(Object.entries(expected).map(([file, key]) => [file, sha(key.split(' ')[0]!, key.split(' ')[1]!)]));
  expect(await extractedFiles(name, tmp)).toEqual(want);
  for (const f of files) if (f.sha256) expect(f.received.sha256).toBe(f.sha256);
}

describe('1. ftplib -> pyftpdlib, IIS-like server ends: every data connection reset by the server after the last ACK, control reset after 221', () => {
  const name = 'a21-server-rst-pyftpdlib-python';
  it('four transfers completed, each data connection ended by the server’s RST (tshark), 125 on the STOR', async () => {
    const a = await analyze(name);
    sameAsTshark(a, name);
    expect(rows(a)).toEqual([
      ['1.1', 'PASV', 16, 'LIST', 20, 1, 399, 226, 25, 'completed', null, null, ['server', 24], 150],
      ['1.2', 'PASV', 30, 'RETR w64k.bin', 34, 2, 65536, 226, 106, 'completed', null, null, ['server', 105], 150],
      ['1.3', 'PASV', 109, 'STOR up64k.bin', 113, 3, 65536, 226, 185, 'completed', null, null, ['server', 184], 125],
      ['1.4', 'PASV', 190, 'RETR hello.txt', 194, 4, 511, 226, 199, 'completed', null, null, ['server', 198], 150],
    ]);
    // tshark: the RSTs come from the servers' data ports and port 21 (after 221, frame 202).
    expect(rsts(name)).toEqual([[24, 50053], [105, 50065], [184, 50054], [198, 50079], [204, 21]]);
    expect(ftpRows(name, '0').slice(-2)).toEqual([[201, 'QUIT'], [202, '221']]);
    expect(streamBytes(name)).toEqual({ 1: 399, 2: 65536, 3: 65536, 4: 511 });
    expect(a.sessions[0]!.closedBy).toMatchObject({ by: 'client', frame: 203, how: 'fin' });
  });
  it('no diagnosis in any output; extract saves what the client and the server saved', async () => {
    const a = await analyze(name);
    await healthyEverywhere(name, a, 'the client closed the control connection (FIN, frame 203) after the QUIT and its 221; the server then reset it (RST, frame 204), instead of a FIN each way (step 10)');
    const [explain] = await outputs(name, 'explain');
    // Its ACK of every byte (frame 103) came first (audit 25's resetDrained).
    expect(flat(explain)).toContain('The server resets the data connection: RST (frame 105), after the client had acknowledged every byte with room for more (frame 103): nothing was left to discard.');
    expect(explain).toContain('the server resets the control connection: RST (frame 204)');
    await filesAsRecorded(name, {
      's1-t1-list.txt': 'LIST .',
      's1-t2-w64k.bin': 'RETR w64k.bin',
      's1-t3-up64k.bin': 'STOR up64k.bin',
      's1-t4-hello.txt': 'RETR hello.txt',
    });
  });
});

describe('2. ftplib (Windows-like) -> pyftpdlib: 226 before the data FIN, the client resets each data connection and the control connection (no QUIT)', () => {
  const name = 'a21-client-rst-pyftpdlib-python';
  it('four transfers completed; the client’s RSTs come after the 226 (downloads) or after the last ACK (STOR)', async () => {
    const a = await analyze(name);
    sameAsTshark(a, name);
    expect(rows(a)).toEqual([
      ['1.1', 'PASV', 18, 'RETR w64k.bin', 22, 1, 65536, 226, 93, 'completed', null, null, ['client', 95], 150],
      ['1.2', 'PASV', 98, 'LIST', 102, 2, 399, 226, 107, 'completed', null, null, ['client', 110], 125],
      ['1.3', 'PASV', 112, 'STOR up64k.bin', 116, 3, 65536, 226, 187, 'completed', null, null, ['client', 186], 150],
      ['1.4', 'PASV', 194, 'RETR hello.txt', 198, 4, 511, 226, 202, 'completed', null, null, ['client', 204], 150],
    ]);
    const ports = tsv(name, 'streams').map((r) => Number(r.srcport));
    expect(rsts(name)).toEqual([[95, ports[1]], [110, ports[2]], [186, ports[3]], [204, ports[4]], [205, ports[0]]]);
    // No QUIT: the last command is RETR hello.txt, its 226 the last reply.
    expect(ftpRows(name, '0').slice(-3)).toEqual([[198, 'RETR'], [199, '150'], [202, '226']]);
    expect(streamBytes(name)).toEqual({ 1: 65536, 2: 399, 3: 65536, 4: 511 });
    expect(a.sessions[0]!.closedBy).toMatchObject({ by: 'client', frame: 205, how: 'rst' });
  });
  it('no diagnosis in any output; extract saves what the client and the server saved', async () => {
    const a = await analyze(name);
    await healthyEverywhere(name, a, 'the client reset the control connection (RST, frame 205) without a QUIT answered by 221 first, instead of closing it with a FIN each way (step 10)');
    const [explain] = await outputs(name, 'explain');
    expect(explain).toContain('The server closes the data connection: FIN (frame 109); the client resets the data connection: RST (frame 110).');
    expect(explain).toContain('The client resets the control connection: RST (frame 205).');
    await filesAsRecorded(name, {
      's1-t1-w64k.bin': 'RETR w64k.bin',
      's1-t2-list.txt': 'LIST .',
      's1-t3-up64k.bin': 'STOR up64k.bin',
      's1-t4-hello.txt': 'RETR hello.txt',
    });
  });
});

describe('3. curl -> vsftpd: the same operations ended with FINs (baseline)', () => {
  const name = 'a21-baseline-vsftpd-curl';
  it('three transfers completed, no RST anywhere, no diagnosis in any output', async () => {
    const a = await analyze(name);
    // tshark links curl's data streams 1 and 2 to the TYPE A / TYPE I sent between PASV and LIST/RETR.
    expect(dataStreams(name)).toMatchObject({ 1: [18, 22], 2: [34, 38] });
    sameAsTshark(a, name, { 1: 24, 2: 42 });
    expect(rows(a)).toEqual([
      ['1.1', 'PASV', 18, 'LIST', 24, 1, 393, 226, 31, 'completed', null, null, null, 150],
      ['1.2', 'PASV', 34, 'RETR w64k.bin', 42, 2, 65536, 226, 110, 'completed', null, null, null, 150],
      ['1.3', 'PASV', 113, 'STOR up64k.bin', 117, 3, 65536, 226, 190, 'completed', null, null, null, 150],
    ]);
    expect(rsts(name)).toEqual([]);
    expect(streamBytes(name)).toEqual({ 1: 393, 2: 65536, 3: 65536 });
    await healthyEverywhere(name, a);
    const ex = await extractedFiles(name, tmp);
    // curl saved the listing with its line ends converted (387 bytes); the wire carried 393.
    expect(Object.keys(ex)).toEqual(['s1-t1-list.txt', 's1-t2-w64k.bin', 's1-t3-up64k.bin']);
    expect(facts(name).files[0].received.size).toBe(387);
    expect(ex['s1-t2-w64k.bin']).toBe(facts(name).files[1].received.sha256);
    expect(ex['s1-t3-up64k.bin']).toBe(facts(name).files[2].received.sha256);
  });
});

describe('4. the server process killed mid-RETR with SO_LINGER 0: its RST before all the data, control closed without a reply', () => {
  const name = 'a21-server-killed-pyftpdlib-python';
  it('aborted by the server after 65536 of 262144 bytes; the session failed; what the client kept is extracted', async () => {
    const a = await analyze(name);
    sameAsTshark(a, name);
    expect(rows(a)).toEqual([['1.1', 'PASV', 18, 'RETR w256k.bin', 22, 1, 65536, null, null, 'aborted', 'server', 'aborted', ['server', 93], 150]]);
    // tshark: the server's data RST (frame 93, from the 227's port), then its FIN on port 21 (frame
    // 94), the client's QUIT (95) answered by a RST (96).
    const fields = tsv(name, 'fields');
    const at = (f: number): [string, string] => {
      const r = fields.find((x) => x['frame.number'] === String(f))!;
      return [r['tcp.srcport']!, r['tcp.flags']!];
    };
    expect([at(93), at(94), at(96)]).toEqual([['50072', '0x0014'], ['21', '0x0011'], ['21', '0x0004']]);
    expect(ftpRows(name, '0').slice(-3)).toEqual([[22, 'RETR'], [23, '150'], [95, 'QUIT']]);
    expect(facts(name).files[0]).toMatchObject({ size: 262144, received: { size: 65536 }, received_matches: false });
    expect(await extractedFiles(name, tmp)).toEqual({ 's1-t1-w256k.bin': facts(name).files[0].received.sha256 });
    expect(a.sessions[0]!.closedBy).toMatchObject({ by: 'server', frame: 94, how: 'fin' });
    expect(a.sessions[0]!.diagnosis?.cause).toBe('aborted');
  });
  it('every output blames the server, says it went away (both connections, no reply) and advises its log', async () => {
    const a = await analyze(name);
    const d = a.sessions[0]!.transfers[0]!.diagnosis!;
    expect(d.evidence).toEqual([18, 19, 20, 22, 93, 94]);
    expect(d.advice).toBe('The server stopped sending and closed the session without a reply: it crashed, was killed or restarted — look in its log.');
    const [diagnose, explain, summary] = await outputs(name, 'diagnose', 'explain', 'summary');
    const went = flat(
      'The server reset the data connection at frame 93. After that reset, short of the 262144 bytes announced, the server closed the control connection too (frame 94) without a final reply: its end of both connections went away at once.',
    );
    expect(diagnose).toContain(went);
    expect(explain).toContain(went);
    expect(explain).toContain('Verdict: transfer 1 aborted by the server after 65,536 of 262,144 bytes.');
    expect(summary).toContain('aborted (server)');
    for (const text of [diagnose, explain]) {
      expect(text).toContain(flat(d.advice));
      // No 426 was sent: the advice must not talk of one.
      expect(text).not.toContain('a 426 without an ABOR');
    }
    const logs = (await runCli(['logs', path(name)])).stdout.split('\n').filter((l) => l.includes('ftp-data'));
    expect(logs.map((l) => l.split('\t').slice(-3))).toEqual([['aborted', 'by-server', 'aborted']]);
  });
});

describe('5. the client gives up mid-RETR: its RST (SO_LINGER 0) after 37184 bytes, the server answers 426', () => {
  const name = 'a21-client-gives-up-pyftpdlib-python';
  it('aborted by the client; the session is not failed; the advice looks at the client', async () => {
    const a = await analyze(name);
    sameAsTshark(a, name);
    expect(rows(a)).toEqual([['1.1', 'PASV', 18, 'RETR w256k.bin', 22, 1, 37184, 426, 65, 'aborted', 'client', 'aborted', ['client', 64], 150]]);
    const client = tsv(name, 'streams').find((r) => r.stream === '1')!;
    expect(rsts(name)).toEqual([[64, Number(client.srcport)]]);
    expect(Number(client.bytes_dst_to_src)).toBe(37184);
    expect(ftpRows(name, '0').slice(-3)).toEqual([[65, '426'], [67, 'QUIT'], [68, '221']]);
    expect(facts(name).files[0]).toMatchObject({ size: 262144, received: { size: 32768 }, received_matches: false });
    expect(a.sessions[0]!.diagnosis).toBeNull();
    const d = a.sessions[0]!.transfers[0]!.diagnosis!;
    expect(d.advice).toBe('The client reset the data connection: it was interrupted, timed out or was killed — look at the client side.');
    const [diagnose, explain] = await outputs(name, 'diagnose', 'explain');
    for (const text of [diagnose, explain]) {
      expect(text).toContain('The client reset the data connection at frame 64. The server replied 426 Transfer aborted; 47784 bytes transmitted (frame 65).');
      expect(text).toContain(flat(d.advice));
    }
    expect(explain).toContain('Verdict: transfer 1 aborted by the client after 37,184 of 262,144 bytes (426, frame 65).');
    const logs = (await runCli(['logs', path(name)])).stdout.split('\n').filter((l) => l.includes('ftp-data'));
    expect(logs.map((l) => l.split('\t').slice(-3))).toEqual([['aborted', 'by-client', 'aborted']]);
  });
});

describe('6. ftplib resets each download the moment it has SIZE bytes: pyftpdlib answers 426 although every byte arrived', () => {
  const name = 'a21-client-rst-now-pyftpdlib-python';
  it('completed, no diagnosis anywhere; the verdict says the 426 reports the reset, not a loss', async () => {
    const a = await analyze(name);
    sameAsTshark(a, name);
    expect(rows(a)).toEqual([
      ['1.1', 'PASV', 18, 'RETR hello.txt', 22, 1, 511, 426, 27, 'completed', null, null, ['client', 26], 150],
      ['1.2', 'PASV', 32, 'RETR w64k.bin', 36, 2, 65536, 426, 108, 'completed', null, null, ['client', 107], 150],
      ['1.3', 'PASV', 113, 'RETR small.bin', 117, 3, 3000, 426, 126, 'completed', null, null, ['client', 125], 150],
    ]);
    // tshark: each 426 follows the client's RST, and says the whole size was transmitted.
    const replies = tsv(name, 'ftp').filter((r) => r['ftp.response.code'] === '426').map((r) => [Number(r['frame.number']), r['ftp.response.arg']]);
    expect(replies).toEqual([
      [27, 'Transfer aborted; 511 bytes transmitted.'],
      [108, 'Transfer aborted; 65536 bytes transmitted.'],
      [126, 'Transfer aborted; 3000 bytes transmitted.'],
    ]);
    const ports = tsv(name, 'streams').map((r) => Number(r.srcport));
    expect(rsts(name)).toEqual([[26, ports[1]], [107, ports[2]], [125, ports[3]]]);
    expect(a.sessions[0]!.transfers.map((t) => t.verdict.kind === 'completed' && t.verdict.resetAfterWhole)).toEqual([26, 107, 125]);
    expect(a.sessions[0]!.transfers.map((t) => t.connection!.unacknowledgedBytes)).toEqual([0, 0, 0]);
    await healthyEverywhere(name, a);
    const [explain] = await outputs(name, 'explain');
    expect(explain).toContain(
      flat(
        "Verdict: transfer 2 completed: 65,536 bytes, all in the capture, every one of the 65,536 announced (426, frame 108): the client reset the data connection (frame 107) the moment it had every byte, and the server's 426 reports that reset, not a loss.",
      ),
    );
    await filesAsRecorded(name, { 's1-t1-hello.txt': 'RETR hello.txt', 's1-t2-w64k.bin': 'RETR w64k.bin', 's1-t3-small.bin': 'RETR small.bin' });
  });
});

describe('7. ftplib closes its STOR socket with SO_LINGER 0 before its data is acknowledged: the server says 226 for a truncated file', () => {
  const name = 'a21-stor-rst-early-pyftpdlib-python';
  it('aborted by the client, not completed; the 226 is said to count only what arrived', async () => {
    const a = await analyze(name);
    sameAsTshark(a, name);
    expect(rows(a)).toEqual([['1.1', 'PASV', 16, 'STOR up128k.bin', 20, 1, 28328, 226, 52, 'aborted', 'client', 'aborted', ['client', 51], 125]]);
    // tshark: 28328 bytes to the server, the client's RST at frame 51 with the last 3840 not yet acknowledged, then 226.
    const data = tsv(name, 'streams').find((r) => r.stream === '1')!;
    expect([data.bytes_src_to_dst, data.bytes_dst_to_src]).toEqual(['28328', '0']);
    expect(rsts(name)).toEqual([[51, Number(data.srcport)]]);
    expect(ftpRows(name, '0').slice(-5)).toEqual([[20, 'STOR'], [21, '125'], [52, '226'], [54, 'QUIT'], [55, '221']]);
    expect(a.sessions[0]!.transfers[0]!.connection!.unacknowledgedBytes).toBe(3840);
    // Ground truth: the client had 131072 bytes, the server kept the 28328 that came.
    expect(facts(name).files[0]).toMatchObject({ size: 131072, received: { size: 28328 }, received_matches: false });
    expect(facts(name).server.received_bytes).toBe(28328);
    expect(await extractedFiles(name, tmp)).toEqual({ 's1-t1-up128k.bin': facts(name).files[0].received.sha256 });
    const d = a.sessions[0]!.transfers[0]!.diagnosis!;
    // The last data segment (tshark: frame 50, 944 bytes from the client), the RST, the 226 (audit 25).
    expect(d.evidence).toEqual([16, 17, 18, 20, 50, 51, 52]);
    const [diagnose, explain, summary] = await outputs(name, 'diagnose', 'explain', 'summary');
    const said = flat(
      'The client ended the data connection with that reset, no FIN, before its data was acknowledged (its last data at frame 50). An abortive close discards whatever the sender still had queued, so the 226 counts only the bytes that reached the server, not the whole file.',
    );
    for (const text of [diagnose, explain]) {
      expect(text).toContain(said);
      expect(text).toContain('28328 bytes had been sent; the server had acknowledged 24488 of them when the reset came.');
      expect(text).toContain(flat(d.advice));
    }
    expect(d.advice).toMatch(/^The client closed its data socket abortively/);
    expect(summary).toContain('aborted (client)');
    const logs = (await runCli(['logs', path(name)])).stdout.split('\n').filter((l) => l.includes('ftp-data'));
    expect(logs.map((l) => l.split('\t').slice(-3))).toEqual([['aborted', 'by-client', 'aborted']]);
  });
});

describe('8. pyftpdlib closes its RETR socket with SO_LINGER 0 before its data drained: 226 for a truncated download', () => {
  const name = 'a21-retr-rst-early-pyftpdlib-python';
  it('aborted by the server, not "complete, bytes not captured": the capture lost nothing', async () => {
    const a = await analyze(name);
    sameAsTshark(a, name);
    expect(rows(a)).toEqual([['1.1', 'PASV', 18, 'RETR w256k.bin', 22, 1, 72272, 226, 103, 'aborted', 'server', 'aborted', ['server', 102], 150]]);
    const data = tsv(name, 'streams').find((r) => r.stream === '1')!;
    expect([data.bytes_src_to_dst, data.bytes_dst_to_src]).toEqual(['0', '72272']);
    expect(rsts(name)).toEqual([[102, Number(data.dstport)]]);
    expect(ftpRows(name, '0').slice(-4)).toEqual([[23, '150'], [103, '226'], [105, 'QUIT'], [106, '221']]);
    const c = a.sessions[0]!.transfers[0]!.connection!;
    expect([c.gapBytes, c.unacknowledgedBytes]).toEqual([0, 3840]);
    // Ground truth: the client kept the 72272 bytes that came of 262144.
    expect(facts(name).files[0]).toMatchObject({ size: 262144, received: { size: 72272 }, received_matches: false });
    expect(await extractedFiles(name, tmp)).toEqual({ 's1-t1-w256k.bin': facts(name).files[0].received.sha256 });
    const [diagnose, explain, summary] = await outputs(name, 'diagnose', 'explain', 'summary');
    for (const text of [diagnose, explain]) {
      expect(text).toContain(flat('so the 226 counts only the bytes that reached the client, not the whole file.'));
      expect(text).toContain('72272 bytes of 262144 announced had been sent; the client had acknowledged 68432 of them when the reset came.');
    }
    expect(summary).toContain('aborted (server)');
    for (const text of [summary, diagnose, explain]) expect(text).not.toMatch(/not captured|changed on the server/);
  });
});
