/**
 * The fortieth verdict audit, on real recordings (fixtures/record.sh, "Fortieth verdict audit"): slow
 * but healthy transfers are completed in every output, with no stall, abort or loss said of them —
 * server rate limits (vsftpd local_max_rate and anon_max_rate, proftpd TransferRate, pure-ftpd -T), client rate limits
 * (curl --limit-rate, lftp net:limit-rate, wget --limit-rate), a reader that pauses 3, 5 and 11 s
 * (zero windows, probes, the window reopened), a server that waits 6 s before its 150 (RETR, LIST) or
 * sends its 226 6 s after the data closed, an upload that pauses 4 s and 12 s. Beside them, in one
 * capture cut while three downloads ran, a server process stopped (SIGSTOP) and a reader that stopped
 * reading are stalled, and a 2 KiB/s reader still moving after a 5 s pause is not: before, all three
 * were "stalled" (any zero window in a transfer with no reply was). Frames are tshark's
 * (NAME.tshark-ftp.tsv, NAME.tshark-fields.tsv), byte counts its NAME.tshark-streams.tsv; sizes and
 * sha256 are the recorder's facts.
 */
import { createReadStream, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { analyzeStream } from '../../src/analysis/pipeline.js';
import { runCli } from '../cli/run-cli.js';
import { filterPcap } from '../support/pcap-edit.js';
import { analyze, dataStreams, extractedFiles, facts, flat, ftpRows, nothingFailed, ourRows, outputs, path, reportPage, transferRows, tsv } from './audit-fixtures.js';

const tmp = mkdtempSync(join(tmpdir(), 'ftpcap-audit40-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** tshark's payload bytes each way on each TCP stream: [client → server, server → client]. */
const streamBytes = (name: string): Record<string, [number, number]> =>
  Object.fromEntries(tsv(name, 'streams').map((r) => [r.stream, [Number(r.bytes_src_to_dst), Number(r.bytes_dst_to_src)]]));
/** tshark's row of one frame: [TCP flags, source port, window, payload length]. */
const frameRow = (name: string, frame: number): [string, number, number, number] => {
  const r = tsv(name, 'fields').find((x) => Number(x['frame.number']) === frame)!;
  return [r['tcp.flags'], Number(r['tcp.srcport']), Number(r['tcp.window_size_value']), Number(r['tcp.len'])];
};

/** Words that call a transfer stopped, cut or lossy: none may be said of a slow but healthy one. */
const TROUBLE = /\bstall|stopped (reading|sending)|zero window at|No data moved|lost (segments|on the path)|\blossy\b|\baborted\b|\bfailed\b|did not complete/i;

interface Healthy {
  name: string;
  server: string;
  client: string;
  /** transferRows plus [zero windows, retransmitted segments, the longest pause between two data segments (s, 1 decimal)]. */
  rows: unknown[][];
}

const HEALTHY: Healthy[] = [
  {
    name: 'a40-server-rate-vsftpd-curl',
    server: 'vsftpd',
    client: 'curl',
    rows: [
      ['1.1', 'EPSV', 18, 'RETR rate.bin', 26, 1, 80000, 226, 106, 'completed', 0, 0, 0],
      ['2.1', 'EPSV', 128, 'STOR up.bin', 134, 3, 24000, 226, 167, 'completed', 0, 1, 0],
    ],
  },
  {
    name: 'a40-anon-rate-vsftpd-curl',
    server: 'vsftpd',
    client: 'curl',
    rows: [['1.1', 'EPSV', 14, 'RETR rate.bin', 24, 1, 150000, 226, 169, 'completed', 0, 0, 8.3]],
  },
  {
    name: 'a40-server-rate-proftpd-lftp',
    server: 'proftpd',
    client: 'lftp',
    rows: [
      ['1.1', 'PASV', 56, 'RETR rate.bin', 60, 1, 36000, 226, 119, 'completed', 0, 0, 5.4],
      ['1.2', 'PASV', 122, 'STOR up.bin', 126, 2, 18000, 226, 154, 'completed', 0, 2, 0],
    ],
  },
  {
    name: 'a40-server-rate-pureftpd-wget',
    server: 'pure-ftpd',
    client: 'wget',
    rows: [['1.1', 'PASV', 24, 'RETR rate.bin', 28, 1, 40000, 226, 82, 'completed', 0, 0, 0]],
  },
  {
    name: 'a40-client-rate-vsftpd-curl',
    server: 'vsftpd',
    client: 'curl',
    rows: [
      ['1.1', 'EPSV', 18, 'RETR rate.bin', 26, 1, 24000, 226, 80, 'completed', 0, 0, 0],
      ['2.1', 'EPSV', 105, 'STOR up.bin', 111, 3, 16000, 226, 140, 'completed', 0, 0, 0],
    ],
  },
  {
    name: 'a40-client-rate-vsftpd-lftp',
    server: 'vsftpd',
    client: 'lftp',
    rows: [['1.1', 'PASV', 36, 'RETR rate.bin', 40, 1, 30000, 226, 104, 'completed', 3, 5, 3.6]],
  },
  {
    name: 'a40-client-rate-pureftpd-wget',
    server: 'pure-ftpd',
    client: 'wget',
    rows: [['1.1', 'PASV', 24, 'RETR rate.bin', 28, 1, 30000, 226, 33, 'completed', 8, 4, 1.7]],
  },
  {
    name: 'a40-slow-reader-vsftpd-python',
    server: 'vsftpd',
    client: 'python3-ftplib',
    rows: [['1.1', 'PASV', 18, 'RETR paused.bin', 22, 1, 65536, 226, 124, 'completed', 4, 3, 11]],
  },
  {
    name: 'a40-slow-server-pyftpdlib-python',
    server: 'pyftpdlib',
    client: 'python3-ftplib',
    rows: [
      ['1.1', 'PASV', 16, 'RETR first.bin', 20, 1, 20000, 226, 54, 'completed', 0, 0, 0],
      ['1.2', 'PASV', 62, 'LIST', 66, 2, 399, 226, 74, 'completed', 0, 0, null],
      ['1.3', 'PASV', 80, 'RETR last.bin', 84, 3, 20000, 226, 118, 'completed', 0, 0, 0],
    ],
  },
  {
    name: 'a40-upload-pause-vsftpd-python',
    server: 'vsftpd',
    client: 'python3-ftplib',
    rows: [['1.1', 'PASV', 18, 'STOR paused.bin', 22, 1, 49152, 226, 100, 'completed', 0, 0, 12]],
  },
];

const pauseOf = (s: number | undefined): number | null => (s === undefined ? null : Math.round(s * 10) / 10);

for (const h of HEALTHY) {
  const name = h.name;
  describe(`${name}: slow but healthy`, () => {
    it("commands, replies, data streams and byte counts are tshark's and the recorder's; every transfer completed", async () => {
      const a = await analyze(name);
      const f = facts(name);
      expect([f.server.software, f.client.software]).toEqual([h.server, h.client]);
      for (const s of a.sessions) expect(ourRows(a, s.id)).toEqual(ftpRows(name, String(s.stream)));
      expect(
        transferRows(a, (t) => [t.connection!.zeroWindowFrames.length, t.connection!.retransmissions, pauseOf(t.connection!.longestSilence?.seconds)]),
      ).toEqual(h.rows);
      const ds = dataStreams(name);
      const bytes = streamBytes(name);
      for (const t of a.sessions.flatMap((s) => s.transfers)) {
        // tshark's ftp-data setup frame (the 227/229's); its command frame is another than RETR/STOR's for some clients.
        expect(t.announce!.reply!.frame).toBe(ds[String(t.connection!.stream)][0]);
        // The bytes each way are tshark's (which counts a segment sent again twice), and the file's size the recorder's.
        const [up, down] = bytes[String(t.connection!.stream)];
        const tshark = t.direction === 'upload' ? up : down;
        if (t.connection!.retransmissions === 0) expect(t.bytes).toBe(tshark);
        else expect(t.bytes).toBeLessThan(tshark);
        const file = f.files.find((x: { path: string }) => x.path === (t.request!.arg || '.'));
        if (file.size !== undefined) expect([t.bytes, file.received.size, file.received_matches]).toEqual([file.size, file.size, true]);
        expect([t.status, t.diagnosis]).toEqual(['complete', null]);
        expect(t.verdict).toMatchObject({ kind: 'completed', bytes: t.bytes, missingBytes: 0, sentShort: false });
      }
    });

    it('no output says stalled, stopped, lost or aborted; nothing is diagnosed', async () => {
      await nothingFailed(name, tmp);
      const texts = await outputs(name, 'summary', 'sessions', 'transfers', 'diagnose', 'explain', 'timeline');
      for (const format of ['zeek', 'eve']) texts.push(flat((await runCli(['logs', '--format', format, path(name)])).stdout));
      expect(texts[6]).toMatch(/ completed - - /);
      // "No failed data connections": diagnose's line for a capture with none.
      for (const text of texts) expect(text.replace(/\bNo failed data connections\b/g, '')).not.toMatch(TROUBLE);
      expect(texts[3]).toMatch(/^No failed data connections in 1 session|No failed data connections in \d sessions/);
      const j = JSON.parse((await runCli(['summary', '--json', path(name)])).stdout);
      for (const s of j.sessions) for (const t of s.transfers) expect([t.status, t.verdict.kind, t.diagnosis]).toEqual(['complete', 'completed', null]);
      const report = await reportPage(name, tmp);
      expect(report).not.toMatch(/\bstalled\b|stopped reading|did not complete/);
    });

    it("extract: every file saved whole, its sha256 the recorder's, its verdict complete", async () => {
      const saved = await extractedFiles(name, tmp);
      const manifest = JSON.parse(readFileSync(join(tmp, name, 'manifest.json'), 'utf8'));
      const f = facts(name);
      for (const o of manifest.objects) {
        expect(o.verdict).toBe('complete');
        const file = f.files.find((x: { path: string }) => x.path === o.originalName);
        if (file?.sha256 !== undefined) expect([saved[o.savedName], o.sha256, o.bytes]).toEqual([file.sha256, file.sha256, file.size]);
      }
      expect(manifest.objects).toHaveLength(h.rows.length);
    });
  });
}

describe('the pauses of the healthy transfers, as measured, say nothing against them', () => {
  it('a40-slow-reader: the reader held its window shut 11 s (the third pause), the server probed, the window reopened: complete', async () => {
    const a = await analyze('a40-slow-reader-vsftpd-python');
    const c = a.sessions[0].transfers[0].connection!;
    // tshark's zero windows from the client, each the first after an open window: where each pause began.
    let open = true;
    const shuts: number[] = [];
    for (const r of tsv('a40-slow-reader-vsftpd-python', 'fields').filter((x) => Number(x['tcp.srcport']) === c.client.port && Number(x['tcp.dstport']) === c.server.port)) {
      const zero = r['tcp.window_size_value'] === '0' && (Number(r['tcp.flags']) & 0x07) === 0;
      if (zero && open) shuts.push(Number(r['frame.number']));
      open = !zero;
    }
    expect(c.zeroWindowFrames).toEqual(shuts);
    expect(shuts).toHaveLength(4);
    expect(c.windowShut).toEqual({ toServer: null, toClient: null });
    expect(c.longestShut.toClient).toBeCloseTo(10.958, 3);
    expect(c.longestSilence).toMatchObject({ fromFrame: 98, toFrame: 111 });
    expect(c.longestSilence!.seconds).toBeCloseTo(11.001, 3);
  });

  it('a40-anon-rate: vsftpd (anon_max_rate) sent nothing for 8.3 s (frames 135 to 138) between bursts, the client acknowledged all: complete', async () => {
    const a = await analyze('a40-anon-rate-vsftpd-curl');
    expect(a.sessions[0].user).toBe('anonymous');
    const c = a.sessions[0].transfers[0].connection!;
    expect(c.longestSilence).toMatchObject({ fromFrame: 135, toFrame: 138 });
    expect(c.longestSilence!.seconds).toBeCloseTo(8.279, 3);
    expect([frameRow('a40-anon-rate-vsftpd-curl', 135)[1], frameRow('a40-anon-rate-vsftpd-curl', 138)[1]]).toEqual([c.server.port, c.server.port]);
  });

  it('a40-upload-pause: the client sent nothing for 12 s (frames 63 to 67), then the rest: complete', async () => {
    const a = await analyze('a40-upload-pause-vsftpd-python');
    const c = a.sessions[0].transfers[0].connection!;
    expect(c.longestSilence).toMatchObject({ fromFrame: 63, toFrame: 67 });
    expect(c.longestSilence!.seconds).toBeCloseTo(12.001, 3);
    expect([frameRow('a40-upload-pause-vsftpd-python', 63)[1], frameRow('a40-upload-pause-vsftpd-python', 67)[1]]).toEqual([c.client.port, c.client.port]);
  });

  it('a40-slow-server: the 150 came 6 s after RETR first.bin and after LIST; the 226 of last.bin 6 s after its data closed', async () => {
    const name = 'a40-slow-server-pyftpdlib-python';
    const a = await analyze(name);
    const [first, list, last] = a.sessions[0].transfers;
    const opened = (t: typeof first): { frame: number; time: number } => a.sessions[0].commands.find((x) => x.frame === t.request!.frame)!.preliminary[0];
    expect([opened(first).frame, opened(list).frame, opened(last).frame]).toEqual([24, 68, 85]);
    expect(opened(first).time - first.request!.time).toBeGreaterThanOrEqual(6);
    expect(opened(list).time - list.request!.time).toBeGreaterThanOrEqual(6);
    expect(opened(last).time - last.request!.time).toBeLessThan(0.1);
    // last.bin: the server's FIN on the data connection, then its 226 six seconds later.
    const fin = last.connection!.handshake.find((e) => e.type === 'fin' && e.by === 'server')!;
    expect(frameRow(name, fin.frame)[0]).toBe('0x0011');
    expect(last.reply!.time - fin.time).toBeGreaterThanOrEqual(6);
    expect(fin.frame).toBeLessThan(118);
  });
});

describe('a40-stalled-beside-slow-vsftpd: stopped beside slow, in one capture cut while all three ran', () => {
  const name = 'a40-stalled-beside-slow-vsftpd';

  it("rows, bytes and the recorder's facts", async () => {
    const a = await analyze(name);
    const f = facts(name);
    expect(f.capture.stopped_early).toBe(true);
    for (const s of a.sessions) expect(ourRows(a, s.id)).toEqual(ftpRows(name, String(s.stream)));
    expect(transferRows(a, (t) => [t.expectedSize, t.diagnosis?.cause ?? null, t.diagnosis?.evidence ?? null])).toEqual([
      ['1.1', 'PASV', 16, 'RETR stopped.bin', 20, 1, 12288, null, null, 'incomplete', 100000, 'stalled', [16, 17, 18, 20, 165, 175]],
      ['2.1', 'PASV', 61, 'RETR unread.bin', 65, 3, 18176, null, null, 'incomplete', 60000, 'stalled', [61, 62, 63, 65, 251, 252]],
      ['3.1', 'PASV', 116, 'RETR slow.bin', 120, 5, 26624, null, null, 'incomplete', 100000, null, null],
    ]);
    // tshark counts the bytes of a segment sent again twice (4, 3 and 4 segments of 1024 bytes here, 512 in the first).
    const bytes = streamBytes(name);
    expect(a.sessions.map((s) => s.transfers[0].connection!.retransmissions)).toEqual([4, 3, 4]);
    expect([bytes['1'][1], bytes['3'][1], bytes['5'][1]]).toEqual([12288 + 3 * 512 + 768, 18176 + 1792, 26624 + 2304]);
    for (const t of a.sessions.flatMap((s) => s.transfers)) expect(t.verdict).toMatchObject({ kind: 'incomplete', why: 'capture-ended', bytes: t.bytes });
    expect(f.files.map((x: { path: string; size: number }) => [x.path, x.size])).toEqual([['stopped.bin', 100000], ['unread.bin', 60000], ['slow.bin', 100000]]);
  });

  it('1.1: the server stopped (SIGSTOP): its last data at frame 165, the client acknowledged all with its window open (frame 175), nothing more for 15.7 s', async () => {
    const a = await analyze(name);
    const t = a.sessions[0].transfers[0];
    const c = t.connection!;
    expect(frameRow(name, 165)).toEqual(['0x0018', c.server.port, 64, 512]);
    const ack = frameRow(name, 175);
    expect([ack[0], ack[1], ack[3]]).toEqual(['0x0010', c.client.port, 0]);
    expect(ack[2]).toBeGreaterThan(0);
    expect(c.drained.toClient?.frame).toBe(175);
    expect(c.windowShut.toClient).toBeNull();
    // After 165 the server sent one data segment only: 167, frame 165's 512 bytes again (a spurious retransmission, no new data).
    const later = tsv(name, 'fields').filter((r) => Number(r['frame.number']) > 165 && Number(r['tcp.srcport']) === c.server.port && Number(r['tcp.dstport']) === c.client.port);
    expect(later.filter((r) => Number(r['tcp.len']) > 0).map((r) => Number(r['frame.number']))).toEqual([167]);
    expect(frameRow(name, 167)).toEqual(frameRow(name, 165));
    expect(a.capture.last! - c.lastData!.time).toBeCloseTo(15.67, 2);
    expect(c.longestSilence!.seconds).toBeCloseTo(1.006, 3);
    const [diagnose] = await outputs(name, 'diagnose');
    expect(diagnose).toContain(
      "No data moved for 16 s, from frame 165 to the end of the capture, every byte acknowledged with the client's window open (frame 175): the server stopped sending (before that, data had moved again after pauses of at most 1.0 s). 12288 bytes had moved.",
    );
    expect(diagnose).toContain('The server stopped sending while the client had acknowledged every byte and kept its window open: nothing on the network held the data back.');
    // Before: "The receiving side (client) advertised a zero window at frames 29, 35, 41, 79 and 98: it stopped reading"
    // (the client's brief zero windows, each reopened, while the server still sent); the client read on, the server had stopped.
    const block = diagnose.slice(diagnose.indexOf('Session 1, transfer 1: stalled'), diagnose.indexOf('Session 2, transfer 1: stalled'));
    expect(block).not.toMatch(/zero window|stopped reading/);
  });

  it('2.1: the reader stopped: its zero window from frame 252 held to the end (10.6 s), probes answered with zero windows', async () => {
    const a = await analyze(name);
    const t = a.sessions[1].transfers[0];
    const c = t.connection!;
    expect(frameRow(name, 252)).toEqual(['0x0010', c.client.port, 0, 0]);
    expect(c.windowShut.toClient?.frame).toBe(252);
    // Every packet of the client's on that connection after 252 advertises a zero window.
    const after = tsv(name, 'fields').filter((r) => Number(r['frame.number']) > 252 && Number(r['tcp.srcport']) === c.client.port && Number(r['tcp.dstport']) === c.server.port);
    expect(after.length).toBeGreaterThan(2);
    expect(after.every((r) => r['tcp.window_size_value'] === '0')).toBe(true);
    expect(a.capture.last! - c.windowShut.toClient!.time).toBeCloseTo(10.604, 3);
    expect(c.longestShut.toClient).toBeCloseTo(0.97, 2);
    const [diagnose] = await outputs(name, 'diagnose');
    expect(diagnose).toContain(
      'The receiving side (client) advertised a zero window at frame 252 and kept it shut to the end of the capture, 11 s later (before that it had opened a shut window again within 970 ms): it stopped reading; the last data came at frame 251. 18176 bytes had moved.',
    );
  });

  it('3.1: 2 KiB/s, a 5.5 s zero window that reopened, data until frame 345 and the window shut only 0.23 s at the end: in progress, no diagnosis', async () => {
    const a = await analyze(name);
    const t = a.sessions[2].transfers[0];
    const c = t.connection!;
    expect([t.diagnosis, a.sessions[2].diagnosis]).toEqual([null, null]);
    expect(c.zeroWindowFrames).toHaveLength(20);
    expect(c.longestShut.toClient).toBeCloseTo(5.505, 3);
    expect(c.lastData?.frame).toBe(345);
    expect(c.windowShut.toClient?.frame).toBe(346);
    expect(a.capture.last! - c.windowShut.toClient!.time).toBeCloseTo(0.228, 3);
  });

  it('every output: 1.1 and 2.1 stalled, 3.1 incomplete (the capture ended) and nothing more', async () => {
    const [summary, diagnose, explain, timeline] = await outputs(name, 'summary', 'diagnose', 'explain', 'timeline');
    const logs = flat((await runCli(['logs', path(name)])).stdout);
    expect(summary).toContain('1.1 passive RETR stopped.bin 198.51.100.20:50072 12288 - incomplete 12,288/100,000 [1]');
    expect(summary).toContain('2.1 passive RETR unread.bin 198.51.100.20:50075 18176 - incomplete 18,176/60,000 [2]');
    expect(summary).toContain('3.1 passive RETR slow.bin 198.51.100.20:50046 26624 - incomplete 26,624/100,000 └');
    expect(summary).toContain('[1] 1.1 stalled: the transfer stalled [2] 2.1 stalled: the transfer stalled (ftpcap diagnose');
    expect(summary).not.toContain('[3]');
    expect(diagnose).toContain('Session 3, transfer 1 (RETR slow.bin): incomplete: 26,624 of 100,000 announced bytes had moved when the capture ended, with no final reply.');
    expect(diagnose).toContain('2 of 3 transfers diagnosed (3 incomplete).');
    expect(diagnose).not.toContain('Session 3, transfer 1: stalled');
    expect(explain).toContain('Verdict: transfer 1 incomplete: 26,624 of 100,000 announced bytes had moved when the capture ended, with no final reply.');
    expect(explain.match(/What went wrong \(stalled: the transfer stalled\)/g)).toHaveLength(2);
    expect(timeline.match(/the transfer stalled/g)).toHaveLength(2);
    expect(timeline).toContain('Transfer 1 incomplete 12,288/100,000: the transfer stalled');
    expect(timeline).toContain('Transfer 1 incomplete 18,176/60,000: the transfer stalled');
    expect(logs).toMatch(/ 12288 S1 0 \S+ 1 1 passive RETR stopped\.bin incomplete capture-ended stalled /);
    expect(logs).toMatch(/ 18176 S1 0 \S+ 2 1 passive RETR unread\.bin incomplete capture-ended stalled /);
    expect(logs).toMatch(/ 26624 S1 0 \S+ 3 1 passive RETR slow\.bin incomplete capture-ended - /);
    const eve = (await runCli(['logs', '--format', 'eve', path(name)])).stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l))
      .filter((e) => e.event_type === 'ftp_data');
    expect(eve.map((e) => [e.ftp_data.filename, e.ftpcap?.verdict ?? e.ftp_data.verdict, e.ftpcap?.cause ?? e.ftp_data.cause ?? null])).toEqual([
      ['stopped.bin', 'incomplete', 'stalled'],
      ['unread.bin', 'incomplete', 'stalled'],
      ['slow.bin', 'incomplete', null],
    ]);
    const j = JSON.parse((await runCli(['summary', '--json', path(name)])).stdout);
    expect(j.sessions.map((s: any) => [s.transfers[0].status, s.transfers[0].verdict.why, s.transfers[0].diagnosis?.cause ?? null])).toEqual([
      ['incomplete', 'capture-ended', 'stalled'],
      ['incomplete', 'capture-ended', 'stalled'],
      ['incomplete', 'capture-ended', null],
    ]);
    const report = await reportPage(name, tmp);
    expect(report.match(/the transfer stalled/g)?.length).toBeGreaterThan(0);
    expect(report).not.toMatch(/Session 3, transfer 1: stalled/);
  });

  it('extract: each object saved with what the capture holds, none called complete', async () => {
    const out = join(tmp, `${name}-x`);
    expect((await runCli(['extract', '-o', out, path(name)])).code).toBe(0);
    const objects = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')).objects;
    expect(objects.map((o: any) => [o.originalName, o.bytes, o.verdict])).toEqual([
      ['stopped.bin', 12288, expect.not.stringMatching(/^complete$/)],
      ['unread.bin', 18176, expect.not.stringMatching(/^complete$/)],
      ['slow.bin', 26624, expect.not.stringMatching(/^complete$/)],
    ]);
  });
});

describe('a40-slow-reader cut during its 11 s pause (a capture ended early, derived by removing the records after frame 109)', () => {
  it('the window shut since frame 100 for 6.8 s at the end, after a 5 s pause it had read on from: in progress, not stalled', async () => {
    const name = 'a40-slow-reader-vsftpd-python';
    // Frames 101-109: the server's zero-window probes, each answered with a zero window; 110 reopens it (not kept).
    expect([100, 102, 105, 107, 109].map((n) => frameRow(name, n)[2])).toEqual([0, 0, 0, 0, 0]);
    expect(frameRow(name, 110)[2]).toBeGreaterThan(0);
    const cut = join(tmp, 'slow-reader-cut.pcap');
    writeFileSync(cut, filterPcap(readFileSync(path(name)), (r) => r.frame <= 109));
    const a = await analyzeStream(createReadStream(cut), { fileName: cut });
    const t = a.sessions[0].transfers[0];
    const c = t.connection!;
    expect(c.windowShut.toClient?.frame).toBe(100);
    expect(a.capture.last! - c.windowShut.toClient!.time).toBeCloseTo(6.826, 3);
    expect(c.longestShut.toClient).toBeCloseTo(4.958, 2);
    // Before: "stalled: The receiving side (client) advertised a zero window at frames 29, 48, 75 and 100: it stopped reading".
    expect([t.bytes, t.diagnosis, t.verdict.kind, t.verdict.kind === 'incomplete' && t.verdict.why]).toEqual([55208, null, 'incomplete', 'capture-ended']);
    const [diagnose] = (await Promise.all([runCli(['diagnose', '--no-color', cut])])).map((r) => flat(r.stdout));
    expect(diagnose).toContain('Session 1, transfer 1 (RETR paused.bin): incomplete: 55,208 of 65,536 announced bytes had moved when the capture ended, with no final reply.');
    expect(diagnose).not.toMatch(/stall|stopped reading/);
  });
});

describe('a40-upload-stalled-beside-slow-vsftpd: two uploads cut by the capture\'s end, one server stopped', () => {
  const name = 'a40-upload-stalled-beside-slow-vsftpd';

  it('1.1: the server stopped (SIGSTOP): its zero window from frame 98 held to the end (16 s): stalled, the server stopped reading', async () => {
    const a = await analyze(name);
    expect(facts(name).capture.stopped_early).toBe(true);
    for (const s of a.sessions) expect(ourRows(a, s.id)).toEqual(ftpRows(name, String(s.stream)));
    expect(transferRows(a, (t) => [t.diagnosis?.cause ?? null, t.diagnosis?.evidence ?? null])).toEqual([
      ['1.1', 'PASV', 18, 'STOR stopped.bin', 22, 1, 24704, null, null, 'incomplete', 'stalled', [18, 19, 20, 22, 97, 98]],
      ['2.1', 'PASV', 88, 'STOR slow.bin', 92, 3, 34816, null, null, 'incomplete', null, null],
    ]);
    const bytes = streamBytes(name);
    expect([bytes['1'][0], bytes['3'][0]]).toEqual([24704, 34816]);
    const c = a.sessions[0].transfers[0].connection!;
    expect(frameRow(name, 97)).toEqual(['0x0018', c.client.port, 63, 128]);
    expect(frameRow(name, 98)).toEqual(['0x0010', c.server.port, 0, 0]);
    expect(c.windowShut).toEqual({ toServer: { frame: 98, time: expect.any(Number) }, toClient: null });
    const after = tsv(name, 'fields').filter((r) => Number(r['frame.number']) > 98 && Number(r['tcp.srcport']) === c.server.port && Number(r['tcp.dstport']) === c.client.port);
    expect(after.length).toBeGreaterThan(2);
    expect(after.every((r) => r['tcp.window_size_value'] === '0')).toBe(true);
    const [diagnose] = await outputs(name, 'diagnose');
    expect(diagnose).toContain(
      'The receiving side (server) advertised a zero window at frame 98 and kept it shut to the end of the capture, 16 s later: it stopped reading; the last data came at frame 97. 24704 bytes had moved.',
    );
  });

  it('2.1: 1 KiB every 0.5 s to the end: incomplete (the capture ended), no diagnosis, in every output', async () => {
    const a = await analyze(name);
    const t = a.sessions[1].transfers[0];
    expect([t.diagnosis, a.sessions[1].diagnosis, t.connection!.windowShut.toServer, t.connection!.zeroWindowFrames]).toEqual([null, null, null, []]);
    expect(t.verdict).toMatchObject({ kind: 'incomplete', why: 'capture-ended', bytes: 34816 });
    expect(a.capture.last! - t.connection!.lastData!.time).toBeLessThan(0.01);
    const [summary, diagnose, timeline] = await outputs(name, 'summary', 'diagnose', 'timeline');
    expect(summary).toContain('[1] 1.1 stalled: the transfer stalled (ftpcap diagnose');
    expect(summary).not.toContain('[2]');
    expect(diagnose).toContain('Session 2, transfer 1 (STOR slow.bin): incomplete: 34,816 bytes had moved when the capture ended, with no final reply.');
    expect(timeline.match(/the transfer stalled/g)).toHaveLength(1);
    const logs = flat((await runCli(['logs', path(name)])).stdout);
    expect(logs).toMatch(/ passive STOR stopped\.bin incomplete capture-ended stalled /);
    expect(logs).toMatch(/ passive STOR slow\.bin incomplete capture-ended - /);
  });
});
