/**
 * The fifty-eighth verdict audit, on real recordings (fixtures/record.sh, "Fifty-eighth verdict
 * audit"): a data connection ended in the middle by the path or by the server's own timer, in the
 * directions and modes not recorded before, and what a network engineer meets beside them. The
 * router's iptables rule -m connbytes picks every packet of a data connection past 60 kB in one
 * direction: REJECT --reject-with tcp-reset answers it with a RST to its sender only, DROP loses it.
 * Wrong verdicts found, each before → after:
 * - a58-active-retr-rst (active RETR, the router resets the server's side; vsftpd says 426, lftp then
 *   resets its end): "aborted by the client", "The client reset the data connection: it was
 *   interrupted, timed out or was killed" → aborted by a firewall (the server never closed its end,
 *   before its 426 or after: its end was already gone);
 * - a58-retr-rst (the same in passive mode; lftp closes with a FIN the router's rule keeps the
 *   server's answer from, and resumes twice with REST): "aborted by server" (twice), "aborted by
 *   client" → aborted by a firewall, three times;
 * - a58-retr-blackhole (curl, the router drops the server's data past 60 kB, curl's speed limit gives
 *   up 9.3 s later): cause "aborted", "The server dropped the transfer: … a 426 without an ABOR" (no
 *   426 was sent) → stalled, the data stopped arriving with every byte acknowledged;
 * - a58-stor-data-timeout (vsftpd data_connection_timeout=3, the client pauses 8 s mid-STOR):
 *   "421 … the server is closing the session (service not available)", advice "raise its session
 *   limit (vsftpd: max_clients / max_per_ip)" → stalled: the client sent nothing for 6.0 s, the
 *   server's data timeout ended the upload;
 * - a58-stor-stalled (proftpd TimeoutStalled 3, the same pause): cause "aborted", "a 426 without an
 *   ABOR…" → stalled;
 * - a58-active-retr-blackhole (lftp, net:timeout 4, resumes over four new sessions until the file is
 *   whole): the four cut attempts "completed: one segment of a download split over several
 *   connections" (the client's FIN, sent again unanswered for 13 s, kept each data connection
 *   "running" beside the next session) → aborted by the client, stalled (at the server: path-loss);
 * - a58-stor-blackhole-curl, at the server (the upload stops arriving, curl closes the control
 *   connection 20 s later): "incomplete", no diagnosis ("Not failures") → stalled.
 * Frames and byte counts are tshark's (NAME.tshark-*.tsv), files and sha256 the recorder's (NAME.facts.json).
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../cli/run-cli.js';
import { analyze, extractedFiles, facts, ftpRows, nothingFailed, ourRows, outputs, path, transferRows, tsv } from './audit-fixtures.js';

const tmp = mkdtempSync(join(tmpdir(), 'ftpcap-audit58-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** Each transfer: transferRows' columns, then its status, who stopped it (verdict.by) and its cause. */
const rows = async (name: string): Promise<unknown[][]> =>
  transferRows(await analyze(name), (t) => [t.status, (t.verdict as { by?: string }).by ?? null, t.diagnosis?.cause ?? null]);

/** summary --json's transfers: [id, status, verdict kind, verdict by, cause]. */
async function json(name: string): Promise<unknown[][]> {
  const r = await runCli(['summary', '--json', path(name)]);
  expect(r.code).toBe(0);
  return JSON.parse(r.stdout).sessions.flatMap((s: any) => s.transfers.map((t: any) => [`${s.id}.${t.id}`, t.status, t.verdict.kind, t.verdict.by ?? null, t.diagnosis?.cause ?? null]));
}

/** The zeek ftpcap_data.log rows: [command, arg, verdict, detail, cause]. */
async function dataLog(name: string): Promise<string[][]> {
  const out = (await runCli(['logs', path(name)])).stdout;
  const part = out.slice(out.indexOf('#path\tftpcap_data'));
  const fields = part.split('\n').find((l) => l.startsWith('#fields'))!.split('\t').slice(1);
  const col = (x: string): number => fields.indexOf(x);
  return part
    .split('\n')
    .filter((l) => l !== '' && !l.startsWith('#'))
    .map((l) => l.split('\t'))
    .map((f) => [f[col('ftpcap_command')], f[col('ftpcap_arg')], f[col('ftpcap_verdict')], f[col('ftpcap_detail')], f[col('ftpcap_cause')]]);
}

/** tshark's per-frame rows of one TCP connection, named by its client end's port: [frame, source port, TCP flags, payload length]. */
const streamFrames = (name: string, port: number): Array<[number, number, number, number]> =>
  tsv(name, 'fields')
    .filter((r) => Number(r['tcp.srcport']) === port || Number(r['tcp.dstport']) === port)
    .map((r) => [Number(r['frame.number']), Number(r['tcp.srcport']), Number(r['tcp.flags']), Number(r['tcp.len'])]);
const RST = 0x004;
const FIN = 0x001;

/** tshark's bytes of one TCP stream (tshark-streams.tsv): [src port, dst port, bytes src → dst, bytes dst → src]. */
const streamBytes = (name: string, stream: string): number[] => {
  const r = tsv(name, 'streams').find((x) => x.stream === stream)!;
  return [Number(r.srcport), Number(r.dstport), Number(r.bytes_src_to_dst), Number(r.bytes_dst_to_src)];
};

describe('fifty-eighth audit: the router resets a data connection mid-transfer (connbytes past 60 kB, REJECT with tcp-reset)', () => {
  it('a58-active-retr-rst: active RETR, the server side reset: the 426 came with neither end closed, and the server never closed its end: a firewall, not the client', async () => {
    const name = 'a58-active-retr-rst-vsftpd-lftp';
    const f = facts(name);
    expect([f.server.software, f.client.software, f.client.version, f.mode, f.client.exit_status]).toEqual(['vsftpd', 'lftp', '4.9.2', 'active', 0]);
    expect(f.network.filter).toContain('--sport 20 -d 192.0.2.10 -m connbytes --connbytes 60000: --connbytes-dir original');
    // lftp removed its partial file; hello.txt whole.
    expect(f.files.map((x: any) => [x.path, x.size, x.received?.size ?? null, x.received_matches ?? null])).toEqual([
      ['a58-down.bin', 262144, null, null],
      ['hello.txt', 511, 511, true],
    ]);
    const a = await analyze(name);
    expect(ourRows(a, 1)).toEqual(ftpRows(name, '0'));
    expect(ftpRows(name, '0').filter(([fr]) => fr >= 34)).toEqual([[34, 'PORT'], [35, '200'], [36, 'RETR'], [40, '150'], [96, '426'], [99, 'SIZE'], [100, '213'], [101, 'MDTM'], [102, '213'], [103, 'PORT'], [104, '200'], [105, 'RETR'], [109, '150'], [115, '226'], [117, 'QUIT'], [118, '221']]);
    // tshark: vsftpd connects from port 20; 56472 bytes reach the client; the client's RST (frame 98) after the 426 (frame 96), nothing from the server but data.
    expect(streamBytes(name, '1')).toEqual([20, 33953, 56472, 0]);
    const data = streamFrames(name, 33953);
    expect(data.filter(([, , flags]) => flags & (RST | FIN))).toEqual([[98, 33953, 0x014, 0]]);
    expect(data.filter(([, port, flags]) => port === 20 && flags & (RST | FIN))).toEqual([]);
    expect(await rows(name)).toEqual([
      ['1.1', 'PORT', 34, 'RETR a58-down.bin', 36, 1, 56472, 426, 96, 'aborted', 'aborted', 'firewall', 'aborted'],
      ['1.2', 'PORT', 103, 'RETR hello.txt', 105, 2, 511, 226, 115, 'completed', 'complete', null, null],
    ]);
    const t = a.sessions[0].transfers[0];
    expect(t.diagnosis!.evidence).toEqual([34, 35, 36, 37, 38, 96, 98]);
    expect(t.connection!.rst).toMatchObject({ frame: 98, by: 'client', acksAll: true });
    expect(await json(name)).toEqual([
      ['1.1', 'aborted', 'aborted', 'firewall', 'aborted'],
      ['1.2', 'complete', 'completed', null, null],
    ]);
    expect(await dataLog(name)).toEqual([
      ['RETR', 'a58-down.bin', 'aborted', 'by-firewall', 'aborted'],
      ['RETR', 'hello.txt', 'completed', '-', '-'],
    ]);
    const [summary, transfers, diagnose, explain] = await outputs(name, 'summary', 'transfers', 'diagnose', 'explain');
    expect(summary).toContain('RETR a58-down.bin 192.0.2.10:33953 56472 426 aborted (firewall)');
    expect(transfers).toContain("aborted by a firewall's reset (on the path, or on the server's own host: this capture cannot tell which) after 56,472 of 262,144 bytes (426, frame 96)");
    // Before: "The client reset the data connection at frame 98" and "it was interrupted, timed out or was killed — look at the client side".
    expect(diagnose).toContain(
      'The client reset the data connection 0 ms after that reply (frame 98). The server had neither closed nor reset its end before that reply, nor after it',
    );
    expect(diagnose).toContain("Something other than the client reset the server's end of the data connection");
    expect(diagnose).not.toContain('look at the client side');
    expect(explain).toContain("aborted by a firewall's reset");
    expect(explain).not.toContain('look at the client side');
  });

  it('a58-retr-rst: passive, lftp resumes twice; at the client all three attempts reset by a firewall (FIN never answered, or its own reset after the 426), at the server the router\'s reset arrives', async () => {
    const name = 'a58-retr-rst-vsftpd-lftp';
    const f = facts(name);
    expect([f.client.software, f.mode, f.client.messages]).toEqual(['lftp', 'passive', 'get: a58-down.bin: Fatal error: max-retries exceeded']);
    // One fact per attempt (the file from its REST offset, and what lftp kept of it): lftp kept the first two pieces, 112944 bytes.
    expect(f.files.map((x: any) => [x.size, x.received.size, x.received_matches])).toEqual([[262144, 56472, false], [205672, 56472, false], [149200, 0, false], [511, 511, true]]);
    expect(f.client.saved).toMatch(/^a58-down\.bin: 112944 bytes, sha256 9eb4232d05c1/);
    const a = await analyze(name);
    expect(ourRows(a, 1)).toEqual(ftpRows(name, '0'));
    expect(ftpRows(name, '0').filter(([, c]) => ['REST', 'RETR', '426', '226'].includes(c))).toEqual([
      [39, 'RETR'], [97, '426'], [109, 'REST'], [111, 'RETR'], [169, '426'], [182, 'REST'], [184, 'RETR'], [241, '426'], [253, 'REST'], [255, 'RETR'], [262, '226'],
    ]);
    // The first attempt: the client's FIN (frame 99) sent again four times and once more at frame 175, never answered; nothing from the server but data.
    expect(streamFrames(name, 53244).filter(([, , flags]) => flags & (RST | FIN)).map(([fr, port, flags]) => [fr, port, flags])).toEqual([
      [99, 53244, 0x011], [100, 53244, 0x011], [101, 53244, 0x011], [102, 53244, 0x011], [103, 53244, 0x011], [175, 53244, 0x011],
    ]);
    expect(streamFrames(name, 44714).filter(([, , flags]) => flags & (RST | FIN))).toEqual([[243, 44714, 0x014, 0]]);
    expect(await rows(name)).toEqual([
      ['1.1', 'PASV', 35, 'RETR a58-down.bin', 39, 1, 56472, 426, 97, 'aborted', 'aborted', 'firewall', 'aborted'],
      ['1.2', 'PASV', 105, 'RETR a58-down.bin', 111, 2, 56472, 426, 169, 'aborted', 'aborted', 'firewall', 'aborted'],
      ['1.3', 'PASV', 178, 'RETR a58-down.bin', 184, 3, 56472, 426, 241, 'aborted', 'aborted', 'firewall', 'aborted'],
      ['1.4', 'PASV', 249, 'RETR hello.txt', 255, 4, 511, 226, 262, 'completed', 'complete', null, null],
    ]);
    expect(a.sessions[0].transfers.map((t) => t.diagnosis?.evidence ?? null)).toEqual([[35, 36, 37, 39, 97, 99], [105, 106, 107, 111, 169, 171], [178, 179, 180, 184, 241, 243], null]);
    const [diagnose] = await outputs(name, 'diagnose');
    expect(diagnose).toContain(
      'The client closed the data connection 0 ms after that reply (FIN, frame 99), and nothing answered it: no acknowledgement, though the client sent it again for 3.3 s.',
    );
    expect(diagnose).not.toContain('The server dropped the transfer: check its log');
    expect((await dataLog(name)).map((r) => r[3])).toEqual(['by-firewall', 'by-firewall', 'by-firewall', '-']);

    // The same session at the server: the router's reset arrives in the client's name with TTL 64 (the client's packets: 63).
    const server = 'a58-retr-rst-vsftpd-lftp-server-side';
    const sa = await analyze(server);
    expect(ourRows(sa, 1)).toEqual(ftpRows(server, '0'));
    expect(await rows(server)).toEqual([
      ['1.1', 'PASV', 35, 'RETR a58-down.bin', 39, 1, 60816, 426, 104, 'aborted', 'aborted', 'network', 'aborted'],
      ['1.2', 'PASV', 117, 'RETR a58-down.bin', 123, 2, 60816, 426, 188, 'aborted', 'aborted', 'network', 'aborted'],
      ['1.3', 'PASV', 203, 'RETR a58-down.bin', 209, 3, 60816, 426, 272, 'aborted', 'aborted', 'network', 'aborted'],
      ['1.4', 'PASV', 280, 'RETR hello.txt', 286, 4, 511, 226, 293, 'completed', 'complete', null, null],
    ]);
    const firstReset = tsv(server, 'fields').find((r) => r['tcp.srcport'] === '53244' && Number(r['tcp.flags']) & RST)!;
    expect([Number(firstReset['frame.number']), firstReset['ip.src'], Number(firstReset['ip.ttl'])]).toEqual([99, '192.0.2.10', 64]);
    expect(sa.sessions[0].transfers[0].connection!.rst).toMatchObject({ frame: 99, by: 'client', ttl: 64, forged: true });
    expect(sa.sessions[0].ttl.client).toBe(63);
  });

  it('a58-active-stor-rst: active STOR, the client side reset by the router (TTL 64 in the server\'s name): aborted by the network; the server kept 56472 bytes', async () => {
    const name = 'a58-active-stor-rst-vsftpd-lftp';
    const f = facts(name);
    expect([f.files[0].op, f.files[0].size, f.files[0].received.size]).toEqual(['STOR', 204800, 56472]);
    const a = await analyze(name);
    expect(ourRows(a, 1)).toEqual(ftpRows(name, '0'));
    expect(ourRows(a, 2)).toEqual(ftpRows(name, '2'));
    expect(streamBytes(name, '1')).toEqual([20, 46543, 0, 65536]);
    expect(await rows(name)).toEqual([
      ['1.1', 'PORT', 30, 'STOR a58-up.bin', 32, 1, 65536, null, null, 'aborted', 'aborted', 'network', 'aborted'],
      ['2.1', 'PORT', 148, 'RETR hello.txt', 150, 3, 511, 226, 157, 'completed', 'complete', null, null],
    ]);
    const reset = tsv(name, 'fields').find((r) => r['frame.number'] === '106')!;
    expect([reset['ip.src'], Number(reset['ip.ttl']), Number(reset['tcp.flags']) & RST]).toEqual(['198.51.100.20', 64, RST]);
    expect(a.sessions[0].transfers[0].diagnosis!.evidence).toEqual([30, 31, 32, 33, 34, 106]);
    const [diagnose] = await outputs(name, 'diagnose');
    expect(diagnose).toContain('A device between the client and the server reset the data connection at frame 106: the reset carries the server\'s address but TTL 64');
  });
});

describe('fifty-eighth audit: data stopped by a firewall\'s silent drop, or by the sender\'s pause and the server\'s data timeout', () => {
  it('a58-retr-blackhole: curl gives up 9.3 s after the data stopped: stalled, not "the server dropped the transfer … a 426"', async () => {
    const name = 'a58-retr-blackhole-vsftpd-curl';
    const f = facts(name);
    expect([f.client.software, f.client.messages]).toEqual(['curl', 'curl: (28) Operation too slow. Less than 1000 bytes/sec transferred the last 3 seconds']);
    expect([f.files[0].received.size, f.files[0].received_matches]).toEqual([56472, false]);
    const a = await analyze(name);
    expect(ourRows(a, 1)).toEqual(ftpRows(name, '0'));
    expect(ourRows(a, 2)).toEqual(ftpRows(name, '2'));
    expect(streamBytes(name, '1')).toEqual([44262, 50045, 0, 56472]);
    // The last data at frame 82; the client's FIN at frame 85, 9.3 s later; nothing from the server after.
    expect(streamFrames(name, 44262).filter(([fr]) => fr >= 82 && fr <= 98)).toEqual([[82, 50045, 0x010, 1448], [83, 44262, 0x010, 0], [85, 44262, 0x011, 0], [98, 44262, 0x011, 0]]);
    expect(streamFrames(name, 44262).filter(([, port]) => port === 50045).at(-1)![0]).toBe(82);
    expect(await rows(name)).toEqual([
      ['1.1', 'PASV', 18, 'RETR a58-down.bin', 26, 1, 56472, null, null, 'aborted', 'aborted', 'client', 'stalled'],
      ['2.1', 'PASV', 104, 'RETR hello.txt', 112, 3, 511, 226, 119, 'completed', 'complete', null, null],
    ]);
    expect(a.sessions[0].transfers[0].diagnosis!.evidence).toEqual([18, 19, 20, 26, 82, 85]);
    // What curl saved is what the capture holds: the same 56472 bytes.
    const saved = await extractedFiles(name, tmp);
    expect(saved['s1-t1-a58-down.bin']).toBe(f.files[0].received.sha256);
    expect(await json(name)).toEqual([
      ['1.1', 'aborted', 'aborted', 'client', 'stalled'],
      ['2.1', 'complete', 'completed', null, null],
    ]);
    const [summary, diagnose, explain] = await outputs(name, 'summary', 'diagnose', 'explain');
    expect(summary).toContain('[1] 1.1 stalled: the transfer stalled');
    expect(diagnose).toContain(
      "No data came from the server for 9.3 s after frame 82, every byte before it acknowledged and the client's window open: the server stopped sending, or the path stopped delivering what it sent (this capture, on the client's side, cannot tell which)",
    );
    expect(diagnose).toContain('A capture at the server tells which');
    expect(diagnose).not.toMatch(/The server dropped the transfer|426 without an ABOR/);
    expect(explain).toContain('What went wrong (stalled: the transfer stalled)');
    expect((await dataLog(name))[0]).toEqual(['RETR', 'a58-down.bin', 'aborted', 'by-client', 'stalled']);
  });

  it('a58-active-retr-blackhole: lftp resumes over four new sessions until the file is whole: the cut attempts are stalled, not segments of a split download', async () => {
    const name = 'a58-active-retr-blackhole-vsftpd-lftp';
    const f = facts(name);
    expect([f.client.software, f.client.exit_status]).toEqual(['lftp', 0]);
    // One fact per attempt: four cut after 56472 bytes, the fifth the file's last 36256 bytes; lftp's file whole.
    expect(f.files.map((x: any) => [x.size, x.received.size, x.received_matches])).toEqual([
      [262144, 56472, false], [205672, 56472, false], [149200, 56472, false], [92728, 56472, false], [36256, 36256, true], [511, 511, true],
    ]);
    expect(f.client.saved).toBe("a58-down.bin: 262144 bytes, sha256 a68f83dc024389409f207fe68d21eb3d729794236f21a14fe2636211ff30ce11, the server's file matched");
    const a = await analyze(name);
    for (const s of a.sessions) expect(ourRows(a, s.id)).toEqual(ftpRows(name, String((s.id - 1) * 2)));
    expect(ftpRows(name, '8').filter(([, c]) => c === 'REST')).toEqual([[436, 'REST'], [497, 'REST']]);
    expect(a.sessions.map((s) => s.transfers[0].restOffset ?? 0)).toEqual([0, 56472, 112944, 169416, 225888]);
    // The first attempt's FIN (frame 101, 4.0 s after the last data) goes out again until frame 517, after session 5 began (frame 404).
    expect(streamFrames(name, 49969).filter(([, , flags]) => flags & FIN).map(([fr]) => fr)).toEqual([101, 126, 197, 198, 199, 200, 299, 517]);
    expect(await rows(name)).toEqual([
      ['1.1', 'PORT', 37, 'RETR a58-down.bin', 39, 1, 56472, null, null, 'aborted', 'aborted', 'client', 'stalled'],
      ['2.1', 'PORT', 131, 'RETR a58-down.bin', 135, 3, 56472, null, null, 'aborted', 'aborted', 'client', 'stalled'],
      ['3.1', 'PORT', 230, 'RETR a58-down.bin', 234, 5, 56472, null, null, 'aborted', 'aborted', 'client', 'stalled'],
      ['4.1', 'PORT', 330, 'RETR a58-down.bin', 334, 7, 56472, 226, 395, 'aborted', 'aborted', 'client', 'stalled'],
      ['5.1', 'PORT', 434, 'RETR a58-down.bin', 438, 9, 36256, 226, 489, 'completed', 'complete', null, null],
      ['5.2', 'PORT', 495, 'RETR hello.txt', 499, 10, 511, 226, 509, 'completed', 'complete', null, null],
    ]);
    expect(a.sessions.flatMap((s) => s.transfers).map((t) => t.segment ?? null)).toEqual([null, null, null, null, null, null]);
    expect(a.sessions[0].transfers[0].laterAttempt).toMatchObject({ session: 2, transfer: 1, rest: 56472 });
    // The five pieces the capture holds, in order, are the file lftp saved.
    const saved = await extractedFiles(name, tmp);
    const whole = createHash('sha256');
    for (const s of [1, 2, 3, 4, 5]) whole.update(readFileSync(join(tmp, name, `s${s}-t1-a58-down.bin`)));
    expect(whole.digest('hex')).toBe('a68f83dc024389409f207fe68d21eb3d729794236f21a14fe2636211ff30ce11');
    expect(saved['s5-t1-a58-down.bin']).toBe(f.files[4].received.sha256);
    expect(Object.keys(saved)).toHaveLength(6);
    const [summary, transfers] = await outputs(name, 'summary', 'transfers');
    expect(summary).not.toContain('complete (segment)');
    expect(transfers).not.toContain('one segment of a download split');
    expect((await json(name)).map((r) => r[4])).toEqual(['stalled', 'stalled', 'stalled', 'stalled', null, null]);

    // At the server: the data sent again into the drop, never acknowledged: path-loss, aborted by the client.
    const server = 'a58-active-retr-blackhole-vsftpd-lftp-server-side';
    const sa = await analyze(server);
    for (const s of sa.sessions) expect(ourRows(sa, s.id)).toEqual(ftpRows(server, String((s.id - 1) * 2)));
    expect((await rows(server)).map((r) => [r[0], r[6], r[9], r[11], r[12]])).toEqual([
      ['1.1', 89240, 'aborted', 'client', 'path-loss'],
      ['2.1', 89240, 'aborted', 'client', 'path-loss'],
      ['3.1', 89240, 'aborted', 'client', 'path-loss'],
      ['4.1', 88672, 'aborted', 'client', 'path-loss'],
      ['5.1', 36256, 'completed', null, null],
      ['5.2', 511, 'completed', null, null],
    ]);
    expect(streamBytes(server, '1')).toEqual([20, 49969, 98464, 0]);
    expect(sa.sessions[0].transfers[0].connection!.unacknowledgedBytes).toBe(32768);
  });

  it('a58-stor-data-timeout: vsftpd\'s data timeout ends an upload the client paused: stalled (the client sent nothing), not "raise its session limit"', async () => {
    const name = 'a58-stor-data-timeout-vsftpd-python';
    const f = facts(name);
    expect([f.server.config, f.client.messages]).toEqual([
      'data_connection_timeout=3 (the line after the default 30 wins)',
      "sent 32768, pausing 8 s|sent the rest|reply: error_temp('421 Data timeout. Reconnect. Sorry.')|RETR hello.txt: EOFError()|QUIT: BrokenPipeError(32, 'Broken pipe')",
    ]);
    expect(f.files.map((x: any) => [x.op, x.size, x.received.size])).toEqual([['STOR', 65536, 32768]]);
    expect(f.client.retr_after).toContain('RETR hello.txt never sent');
    const a = await analyze(name);
    expect(ourRows(a, 1)).toEqual(ftpRows(name, '0'));
    expect(ftpRows(name, '0').slice(-4)).toEqual([[22, 'STOR'], [23, '150'], [71, '421'], [108, 'TYPE']]);
    // The server's FIN (frame 70) 6.0 s after the client's last data (frame 66); the client's late data reset from frame 92.
    const data = streamFrames(name, 53380);
    expect(data.filter(([fr, , flags]) => flags & FIN || fr === 92)).toEqual([[70, 50097, 0x011, 0], [92, 50097, RST, 0]]);
    expect(data.filter(([fr, port, , len]) => port === 53380 && len > 0 && fr > 66)[0][0]).toBe(76);
    expect(await rows(name)).toEqual([['1.1', 'PASV', 18, 'STOR a58-up.bin', 22, 1, 55936, 421, 71, 'aborted', 'aborted', 'server', 'stalled']]);
    const d = a.sessions[0].transfers[0].diagnosis!;
    expect(d.evidence).toEqual([18, 19, 20, 22, 66, 70, 71, 92]);
    expect(d.summary).toContain("No data came from the client for 6.0 s after frame 66, every byte before it acknowledged and the server's window open: the client sent nothing more");
    expect(d.summary).toContain('The server closed the data connection (FIN, frame 70) before the client had ended it: it gave up waiting. The server then replied 421 Data timeout. Reconnect. Sorry (frame 71)');
    expect(d.advice).toContain('its data timeout (vsftpd: data_connection_timeout) ended the upload');
    const [diagnose, explain] = await outputs(name, 'diagnose', 'explain');
    expect(diagnose).not.toMatch(/max_clients|session limit|service not available/);
    expect(explain).toContain('transfer 1 aborted (server): the transfer stalled');
    expect(await json(name)).toEqual([['1.1', 'aborted', 'aborted', 'server', 'stalled']]);
  });

  it('a58-stor-stalled: proftpd\'s TimeoutStalled closes the data and control connections without a reply: stalled, not "a 426 without an ABOR"', async () => {
    const name = 'a58-stor-stalled-proftpd-python';
    const f = facts(name);
    expect([f.server.software, f.server.config, f.files[0].received.size]).toEqual(['proftpd', 'TimeoutStalled 3', 32768]);
    const a = await analyze(name);
    expect(ourRows(a, 1)).toEqual(ftpRows(name, '0'));
    expect(ftpRows(name, '0').slice(-3)).toEqual([[22, 'STOR'], [23, '150'], [106, 'TYPE']]);
    expect(await rows(name)).toEqual([['1.1', 'PASV', 18, 'STOR a58-up.bin', 22, 1, 55936, null, null, 'aborted', 'aborted', 'server', 'stalled']]);
    const d = a.sessions[0].transfers[0].diagnosis!;
    expect(d.evidence).toEqual([18, 19, 20, 22, 66, 70, 90]);
    expect(d.summary).toContain('No data came from the client for 3.4 s after frame 66');
    expect(d.advice).toContain('its data timeout (proftpd: TimeoutStalled / TimeoutNoTransfer) ended the upload');
    expect(`${d.summary} ${d.advice}`).not.toContain('426');
  });

  it('a58-stor-blackhole: the client\'s data dropped past 60 kB: path-loss at the client; at the server the upload stops arriving and the session ends: stalled, not "Not failures"', async () => {
    const lftp = 'a58-stor-blackhole-vsftpd-lftp';
    expect(await rows(lftp)).toEqual([
      ['1.1', 'PASV', 34, 'STOR a58-up.bin', 38, 1, 127800, null, null, 'incomplete', 'incomplete', null, 'path-loss'],
      ['2.1', 'PASV', 190, 'RETR hello.txt', 194, 3, 511, 226, 201, 'completed', 'complete', null, null],
    ]);
    const curl = 'a58-stor-blackhole-vsftpd-curl';
    expect([facts(curl).client.exit_status, facts(curl).files[0].received.size]).toEqual([28, 56472]);
    expect(streamBytes(curl, '1')).toEqual([49972, 50064, 136488, 0]);
    expect(await rows(curl)).toEqual([['1.1', 'PASV', 18, 'STOR a58-up.bin', 24, 1, 127800, null, null, 'incomplete', 'incomplete', null, 'path-loss']]);
    const server = 'a58-stor-blackhole-vsftpd-curl-server-side';
    const a = await analyze(server);
    expect(ourRows(a, 1)).toEqual(ftpRows(server, '0'));
    // At the server: 56472 bytes arrive, the last at frame 85; the client's FIN of the control connection at frame 88, 20 s later.
    expect(streamBytes(server, '1')).toEqual([49972, 50064, 56472, 0]);
    expect(streamFrames(server, 45204).filter(([, , flags]) => flags & FIN)).toEqual([[88, 45204, 0x011, 0]]);
    expect(await rows(server)).toEqual([['1.1', 'PASV', 18, 'STOR a58-up.bin', 24, 1, 56472, null, null, 'incomplete', 'incomplete', null, 'stalled']]);
    const d = a.sessions[0].transfers[0].diagnosis!;
    expect(d.evidence).toEqual([18, 19, 20, 24, 85, 88]);
    expect(d.summary).toContain("No data came from the client for 20 s after frame 85, every byte before it acknowledged and the server's window open: the client stopped sending, or the path stopped delivering what it sent (this capture, on the server's side, cannot tell which)");
    expect(d.advice).toContain('A capture at the client tells which');
    const [diagnose] = await outputs(server, 'diagnose');
    expect(diagnose).not.toContain('Not failures');
    // extract: the piece the server got, unverified because the session ended (not "the capture ends before the final reply").
    const manifest = JSON.parse((await runCli(['extract', '-o', join(tmp, server), path(server)])).code === 0 ? readFileSync(join(tmp, server, 'manifest.json'), 'utf8') : '{}');
    expect(manifest.objects.map((o: any) => [o.status, o.verdict, o.bytes, o.notes])).toEqual([
      ['incomplete', 'unverified', 56472, ['the session ended (its control connection closed) with no final reply to the transfer']],
    ]);
  });
});

describe('fifty-eighth audit: a batch with one refused file, refused SIZE/MDTM, REST at and past the end, IPv6 active through a dropping router', () => {
  it('a58-mget-one-denied: of eight RETRs only the unreadable m4.bin failed (550); the others complete with their exact bytes', async () => {
    const name = 'a58-mget-one-denied-vsftpd-lftp';
    const f = facts(name);
    expect([f.client.exit_status, f.client.messages]).toEqual([1, 'mget: Access failed: 550 Failed to open file. (m4.bin)']);
    const a = await analyze(name);
    expect(ourRows(a, 1)).toEqual(ftpRows(name, '0'));
    expect(await rows(name)).toEqual([
      ['1.1', 'PASV', 32, 'LIST', 36, 1, 512, 226, 43, 'completed', 'complete', null, null],
      ['1.2', 'PASV', 52, 'RETR m1.bin', 56, 2, 1234, 226, 63, 'completed', 'complete', null, null],
      ['1.3', 'PASV', 70, 'RETR m2.bin', 74, 3, 2234, 226, 83, 'completed', 'complete', null, null],
      ['1.4', 'PASV', 90, 'RETR m3.bin', 94, 4, 3234, 226, 102, 'completed', 'complete', null, null],
      ['1.5', 'PASV', 112, 'RETR m4.bin', 116, 5, 0, 550, 117, 'failed', 'failed', null, 'server-refused'],
      ['1.6', 'PASV', 125, 'RETR m5.bin', 129, 6, 5234, 226, 142, 'completed', 'complete', null, null],
      ['1.7', 'PASV', 149, 'RETR m6.bin', 153, 7, 6234, 226, 165, 'completed', 'complete', null, null],
      ['1.8', 'PASV', 175, 'RETR m7.bin', 179, 8, 7234, 226, 194, 'completed', 'complete', null, null],
      ['1.9', 'PASV', 201, 'RETR m8.bin', 205, 9, 8234, 226, 222, 'completed', 'complete', null, null],
    ]);
    // Each file as lftp saved it, sha256 for sha256; m4.bin never moved (its data connection: 0 bytes).
    const saved = await extractedFiles(name, tmp);
    for (const x of f.files.filter((x: any) => x.op === 'RETR' && x.received)) expect([x.path, saved[`s1-t${Number(x.path[1]) + 1}-${x.path}`]]).toEqual([x.path, x.received.sha256]);
    expect(streamBytes(name, '5')).toEqual([36764, 50067, 0, 0]);
    expect(a.sessions[0].transfers[4].diagnosis!.evidence).toEqual([112, 113, 114, 116, 117, 124]);
    const [summary, diagnose] = await outputs(name, 'summary', 'diagnose');
    expect(summary).toContain('fxa58user no 0.000 41 8 complete, 1 failed');
    expect(diagnose).toContain('1 of 9 transfers diagnosed (8 complete, 1 failed).');
    expect((await dataLog(name)).filter((r) => r[2] !== 'completed')).toEqual([['RETR', 'm4.bin', 'failed', '-', 'server-refused']]);
  });

  it('a58-size-mdtm-denied: SIZE and MDTM refused 550 before each RETR, which completes: healthy in every output', async () => {
    const name = 'a58-size-mdtm-denied-proftpd-lftp';
    const a = await analyze(name);
    expect(ourRows(a, 1)).toEqual(ftpRows(name, '0'));
    expect(ftpRows(name, '0').filter(([, c]) => c === '550').map(([fr]) => fr)).toEqual([56, 58, 74, 76]);
    expect(await rows(name)).toEqual([
      ['1.1', 'PASV', 60, 'RETR hello.txt', 64, 1, 511, 226, 71, 'completed', 'complete', null, null],
      ['1.2', 'PASV', 78, 'RETR small.bin', 82, 2, 3000, 226, 93, 'completed', 'complete', null, null],
    ]);
    expect(facts(name).files.map((x: any) => x.received_matches)).toEqual([true, true]);
    await nothingFailed(name, tmp);
  });

  it('a58-rest-past-end: REST 3000 and REST 999999 on a 3000-byte file: vsftpd sends nothing and says 226; healthy, as is the plain RETR', async () => {
    const name = 'a58-rest-past-end-vsftpd-python';
    const a = await analyze(name);
    expect(ourRows(a, 1)).toEqual(ftpRows(name, '0'));
    expect(ftpRows(name, '0').filter(([, c]) => ['REST', '350'].includes(c))).toEqual([[24, 'REST'], [25, '350'], [40, 'REST'], [41, '350']]);
    expect(await rows(name)).toEqual([
      ['1.1', 'PASV', 20, 'RETR small.bin', 26, 1, 0, 226, 31, 'completed', 'complete', null, null],
      ['1.2', 'PASV', 36, 'RETR small.bin', 42, 2, 0, 226, 47, 'completed', 'complete', null, null],
      ['1.3', 'PASV', 52, 'RETR small.bin', 56, 3, 3000, 226, 67, 'completed', 'complete', null, null],
    ]);
    expect(a.sessions[0].transfers.map((t) => t.restOffset ?? null)).toEqual([3000, 999999, null]);
    expect(facts(name).files.map((x: any) => x.received.size)).toEqual([0, 0, 3000]);
    await nothingFailed(name, tmp);
  });

  it('a58-eprt-router-drop: IPv6 active, the router drops the server\'s SYNs: 425 after 5.0 s, none of its SYNs in the client-side capture', async () => {
    const name = 'a58-eprt-router-drop-vsftpd-lftp';
    const f = facts(name);
    expect([f.family, f.client.address, f.client.exit_status]).toEqual(['ipv6', '2001:db8:1::10', 1]);
    const a = await analyze(name);
    expect(ourRows(a, 1)).toEqual(ftpRows(name, '0'));
    expect(tsv(name, 'streams')).toHaveLength(1);
    expect(await rows(name)).toEqual([['1.1', 'EPRT', 36, 'RETR hello.txt', 38, null, 0, 425, 40, 'failed', 'failed', null, 'active-syn-unanswered']]);
    expect(a.sessions[0].transfers[0].diagnosis!.evidence).toEqual([36, 37, 38, 40]);
  });
});
