/**
 * The forty-first verdict audit, on real recordings (fixtures/record.sh, "Forty-first verdict
 * audit"): FTP across a router whose routes have MTU 576 while every interface keeps 1500 and the
 * ends set no DF, so the router cuts each full-sized segment into three IPv4 fragments (552 + 552 +
 * 376 payload bytes). One ftplib session to vsftpd: FEAT, HELP, STAT pub (a 4257-character reply,
 * fragmented on the control connection), LIST pub, RETR 40000 bytes, STOR 40000 bytes; captured at
 * the client (the server's packets come as fragments) and at the server (the client's do).
 * a41-frag-loss: every 5th non-first fragment toward the client dropped before the client-side
 * capture (and, by the kernel's fragmenter, the rest of that datagram), every 5th reaching the server
 * dropped after the server-side capture's tap; TCP recovers and every transfer completes.
 * a41-frag-blackhole: every non-first fragment toward the client dropped: a 40000-byte RETR never
 * arrives; vsftpd's 226 came once its data was queued. Before this audit both of its captures said
 * "completed according to the server (226, frame 50), but … of its bytes are missing from the
 * capture: the capture lost them, not the transfer", and no output named a datagram never reassembled.
 * Frames, fragments and byte counts are tshark's (NAME.tshark-*.tsv), sizes and sha256 the recorder's.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../cli/run-cli.js';
import { analyze, dataStreams, extractedFiles, facts, flat, ftpRows, nothingFailed, ourRows, outputs, path, reportPage, transferRows, tsv } from './audit-fixtures.js';

const tmp = mkdtempSync(join(tmpdir(), 'ftpcap-audit41-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

interface Fragment {
  frame: number;
  offset: number;
  length: number;
  more: boolean;
}
/** IPv4 fragments by datagram (source and IP ID), from tshark's per-frame fields, in capture order. */
function datagrams(name: string): Map<string, Fragment[]> {
  const out = new Map<string, Fragment[]>();
  for (const r of tsv(name, 'fields')) {
    if (r['ip.version'] !== '4') continue;
    const more = (Number(r['ip.flags']) & 0x1) !== 0;
    const offset = Number(r['ip.frag_offset']) * 8;
    if (!more && offset === 0) continue;
    const key = `${r['ip.src']} ${r['ip.id']}`;
    const list = out.get(key) ?? [];
    list.push({ frame: Number(r['frame.number']), offset, length: Number(r['ip.len']) - Number(r['ip.hdr_len']), more });
    out.set(key, list);
  }
  return out;
}
/** A datagram is whole when its fragments cover it from byte 0 to its last fragment's end. */
function whole(frags: Fragment[]): boolean {
  const sorted = [...frags].sort((x, y) => x.offset - y.offset);
  let end = 0;
  for (const f of sorted) {
    if (f.offset > end) return false;
    end = Math.max(end, f.offset + f.length);
  }
  return sorted.some((f) => !f.more && f.offset + f.length === end);
}
/** `dump --frame RANGE`'s boxes, each flattened to one line. */
async function dumpBoxes(name: string, range: string): Promise<string[]> {
  const out = (await runCli(['dump', '--frame', range, path(name)])).stdout;
  return out.split(/\n(?=\/=)/).map(flat);
}
const incomplete = (name: string): Fragment[][] => [...datagrams(name).values()].filter((d) => !whole(d));

const SESSION_ROWS: Record<string, unknown[][]> = {
  'a41-frag-vsftpd-python': [
    ['1.1', 'PASV', 50, 'LIST pub', 54, 1, 4144, 226, 71, 'completed'],
    ['1.2', 'PASV', 76, 'RETR frag40k.bin', 80, 2, 40000, 226, 185, 'completed'],
    ['1.3', 'PASV', 190, 'STOR up40k.bin', 194, 3, 40000, 226, 245, 'completed'],
  ],
  'a41-frag-vsftpd-python-server-side': [
    ['1.1', 'PASV', 44, 'LIST pub', 48, 1, 4144, 226, 59, 'completed'],
    ['1.2', 'PASV', 64, 'RETR frag40k.bin', 68, 2, 40000, 226, 118, 'completed'],
    ['1.3', 'PASV', 123, 'STOR up40k.bin', 127, 3, 40000, 226, 232, 'completed'],
  ],
  'a41-frag-loss-vsftpd-python': [
    ['1.1', 'PASV', 55, 'LIST pub', 59, 1, 4144, 226, 76, 'completed'],
    ['1.2', 'PASV', 83, 'RETR frag40k.bin', 87, 2, 40000, 226, 215, 'completed'],
    ['1.3', 'PASV', 220, 'STOR up40k.bin', 224, 3, 40000, 226, 306, 'completed'],
  ],
  'a41-frag-loss-vsftpd-python-server-side': [
    ['1.1', 'PASV', 49, 'LIST pub', 53, 1, 4144, 226, 64, 'completed'],
    ['1.2', 'PASV', 71, 'RETR frag40k.bin', 75, 2, 40000, 226, 147, 'completed'],
    ['1.3', 'PASV', 152, 'STOR up40k.bin', 156, 3, 40000, 226, 326, 'completed'],
  ],
};

describe('forty-first audit: FTP across a router that fragments (MTU 576, no DF)', () => {
  for (const [name, rows] of Object.entries(SESSION_ROWS)) {
    it(`${name}: every transfer completed, byte counts and files exact, each segment counted once`, async () => {
      const a = await analyze(name);
      const f = facts(name);
      expect([f.server.software, f.client.software, f.client.exit_status]).toEqual(['vsftpd', 'python3-ftplib', 0]);
      expect(transferRows(a)).toEqual(rows);
      for (const t of a.sessions[0].transfers) expect([t.announce!.frame, t.request!.frame]).toEqual(dataStreams(name)[String(t.connection!.stream)]);
      // The files as the recorder saved them: RETR's and STOR's 40000 bytes, sha256 as sent.
      const byPath = Object.fromEntries(f.files.map((x: { path: string }) => [x.path, x]));
      expect([byPath['frag40k.bin'].received.size, byPath['frag40k.bin'].received_matches, byPath['up40k.bin'].received.size, byPath['up40k.bin'].received_matches]).toEqual([40000, true, 40000, true]);
      const saved = await extractedFiles(name, join(tmp, name));
      expect([saved['s1-t2-frag40k.bin'], saved['s1-t3-up40k.bin']]).toEqual([byPath['frag40k.bin'].sha256, byPath['up40k.bin'].sha256]);
      // The listing: 41 lines of the client's 4103 characters, each with its CRLF on the wire.
      expect(byPath.pub.received.size + 41).toBe(4144);
    });

    it(`${name}: healthy in every output`, async () => {
      await nothingFailed(name, tmp);
    });
  }

  it('a41-frag-vsftpd-python: the STAT reply, the listing and the download arrive as fragments; the frame that completes each datagram carries its segment', async () => {
    const name = 'a41-frag-vsftpd-python';
    const a = await analyze(name);
    const d = [...datagrams(name).values()];
    // Every datagram whole, three fragments (552 + 552 + 376) each for a full-sized segment, all from the server.
    expect(d.every(whole)).toBe(true);
    expect(incomplete(name)).toEqual([]);
    expect(a.capture.warnings).toEqual([]);
    const full = d.filter((x) => x.length === 3);
    expect(full.length).toBeGreaterThan(28);
    expect(full[0].map((x) => [x.offset, x.length, x.more])).toEqual([[0, 552, true], [552, 552, true], [1104, 376, false]]);
    expect(new Set(tsv(name, 'fields').filter((r) => Number(r['ip.flags']) & 1).map((r) => r['ip.src']))).toEqual(new Set(['198.51.100.20']));
    // The STAT pub reply (4257 characters as ftplib returned it): its first and last lines are tshark's frames.
    expect(ourRows(a, 1)).toEqual(ftpRows(name, '0'));
    const stat = a.sessions[0].commands.find((c) => c.command === 'STAT')!;
    expect([stat.frame, stat.reply!.code, stat.reply!.firstFrame, stat.reply!.frame]).toEqual([34, 213, 35, 46]);
    expect(stat.reply!.text.split('\n')).toHaveLength(45);
    // The first fragmented datagram is the STAT reply's: frames 36, 37 held, 38 completes it.
    const [first] = full;
    expect(first.map((x) => x.frame)).toEqual([36, 37, 38]);
    const boxes = await dumpBoxes(name, '36-38');
    expect(boxes.map((b) => /IP fragment: (.*?) Ethernet II/.exec(b)![1])).toEqual([
      'held: a later frame completes its datagram and decodes it',
      'held: a later frame completes its datagram and decodes it',
      'reassembled: this frame completes a datagram of 3 fragments (frames 36, 37, 38)',
    ]);
    expect(boxes.map((b) => b.includes('TCP - Transport Control Protocol'))).toEqual([false, false, true]);
    // The ladder shows the download once, as tshark's 28 segments, from the frame that completed the first.
    const [timeline, explain] = await outputs(name, 'timeline', 'explain');
    const payload = tsv(name, 'fields').filter((r) => r['tcp.srcport'] === '50084' && Number(r['tcp.len']) > 0).map((r) => Number(r['frame.number']));
    expect([payload.length, payload[0], payload.at(-1)]).toEqual([28, 84, 180]);
    expect(flat(timeline)).toContain('84-180 42700 <-------- Data + ACK ×28 (40000 bytes) ---------- 50084');
    expect(flat(explain)).toContain('40000 bytes flow server → client (28 segments, frames 84-180)');
  });

  it('a41-frag-loss-vsftpd-python: the datagrams never reassembled are a note naming their frames, as tshark finds them; nothing is lost', async () => {
    const name = 'a41-frag-loss-vsftpd-python';
    const a = await analyze(name);
    const lost = incomplete(name);
    expect(lost).toHaveLength(17);
    expect(lost[0].map((x) => [x.frame, x.offset, x.length, x.more])).toEqual([[36, 0, 552, true]]);
    const frames = lost.flatMap((x) => x.map((y) => y.frame));
    expect(a.capture.warnings).toEqual([
      {
        code: 'fragments-incomplete',
        severity: 'note',
        message:
          '17 fragmented IP datagram(s) never completed: some of their fragments are not in the capture (lost before the capture point, or by the capture), ' +
          'so nothing above IP was read from them; the first: frame 36 (552 of an unknown number of payload bytes; its last fragment is not in the capture)',
        count: 17,
        frames: [36],
        held: 552,
        total: -1,
        reason: 'end',
        allFrames: frames,
        frame: 36,
      },
    ]);
    // Every byte came in the end (a retransmission filled each hole): no gap, no loss, no retransmission
    // at the client of what it had received (the first copies never arrived).
    for (const t of a.sessions[0].transfers) expect([t.connection!.gapBytes, t.connection!.undeliveredBytes, t.verdict]).toMatchObject([0, 0, { kind: 'completed', missingBytes: 0 }]);
    expect(a.sessions[0].transfers[1].connection!.retransmissions).toBe(0);
    // Of the 17, the data connections' (the other two are the STAT reply's, on the control connection).
    expect(a.sessions[0].transfers.map((t) => t.connection!.lostFragments ?? null)).toEqual([
      { toServer: 0, toClient: 1, firstFrame: 65 },
      { toServer: 0, toClient: 14, firstFrame: 89 },
      null,
    ]);
    expect(lost.filter((d) => d[0].frame < 55).map((d) => d[0].frame)).toEqual([36, 47]);
    expect(a.sessions[0].controlGapBytes).toBe(0);
    expect(datagrams(name).get('198.51.100.20 0x2dbd')!.map((x) => x.frame)).toEqual([37, 38, 39]);
    const boxes = await dumpBoxes(name, '36-39');
    expect(boxes.map((b) => /IP fragment: (.*?) Ethernet II/.exec(b)![1])).toEqual([
      'held, never reassembled: the rest of its datagram is not in the capture',
      'held: a later frame completes its datagram and decodes it',
      'held: a later frame completes its datagram and decodes it',
      'reassembled: this frame completes a datagram of 3 fragments (frames 37, 38, 39)',
    ]);
    const [summary, diagnose] = await outputs(name, 'summary', 'diagnose');
    expect(flat(summary + diagnose)).not.toMatch(/capture lost|missing from the capture|lost on the path/);
  });

  it('a41-frag-loss-vsftpd-python-server-side: the server dropped fragments after the capture: every datagram whole here, the copies sent again counted once', async () => {
    const name = 'a41-frag-loss-vsftpd-python-server-side';
    const a = await analyze(name);
    expect(incomplete(name)).toEqual([]);
    expect(a.capture.warnings).toEqual([]);
    const [list, retr, stor] = a.sessions[0].transfers;
    // The server's own repeats of what the router dropped toward the client, the client's of what the server dropped.
    expect([list.connection!.retransmissions, retr.connection!.retransmissions, stor.connection!.retransmissions]).toEqual([1, 14, 18]);
    for (const t of [list, retr, stor]) expect([t.bytes, t.connection!.gapBytes, t.connection!.unacknowledgedBytes, t.diagnosis]).toEqual([t.bytes, 0, 0, null]);
    expect([list.bytes, retr.bytes, stor.bytes]).toEqual([4144, 40000, 40000]);
  });
});

describe('forty-first audit: a firewall drops every non-first fragment toward the client', () => {
  const client = 'a41-frag-blackhole-vsftpd-python';
  const server = 'a41-frag-blackhole-vsftpd-python-server-side';

  it('the recording: hello.txt arrives, frag40k.bin never does (ftplib times out, nothing saved)', () => {
    const f = facts(client);
    expect(f.client.messages).toBe("226 Transfer complete.|RETR frag40k.bin: TimeoutError('timed out')|saved 0");
    expect(f.files.map((x: { path: string; received: unknown; received_matches?: boolean }) => [x.path, x.received === null ? null : x.received_matches])).toEqual([
      ['hello.txt', true],
      ['frag40k.bin', null],
    ]);
  });

  it('client side: only first fragments arrive; the 226 came early; path-loss (as at the server), never "the capture lost them"', async () => {
    const a = await analyze(client);
    const lost = incomplete(client);
    expect(lost).toHaveLength(16);
    expect(lost.every((d) => d.length === 1 && d[0].offset === 0 && d[0].more)).toBe(true);
    expect(a.capture.warnings.map((w) => [w.code, w.frame, 'count' in w ? w.count : null])).toEqual([['fragments-incomplete', 40, 16]]);
    expect(transferRows(a, (t) => [t.verdict.kind === 'aborted' ? t.verdict.by : null, t.diagnosis?.cause ?? null, t.diagnosis?.evidence ?? null])).toEqual([
      ['1.1', 'PASV', 18, 'RETR hello.txt', 22, 1, 511, 226, 29, 'completed', null, null, null],
      ['1.2', 'PASV', 34, 'RETR frag40k.bin', 38, 2, 0, 226, 50, 'aborted', 'client', 'path-loss', [34, 35, 36, 38, 40, 50, 58]],
    ]);
    // The 16 heads are the data connection's: the server's segments, first fragments only (tshark's frames).
    expect(a.sessions[0].transfers[1].connection!.lostFragments).toEqual({ toServer: 0, toClient: 16, firstFrame: 40 });
    expect(lost[0][0].frame).toBe(40);
    // Frame 58: the client's FIN on the data connection, 8 s after the 226 (ftplib's timeout).
    const fin = tsv(client, 'fields').find((r) => r['frame.number'] === '58')!;
    expect([fin['tcp.flags'], fin['tcp.srcport']]).toEqual(['0x0011', String(a.sessions[0].transfers[1].connection!.client.port)]);
    const [summary, transfers, diagnose, explain] = await outputs(client, 'summary', 'transfers', 'diagnose', 'explain');
    for (const text of [summary, transfers, diagnose, explain]) expect(flat(text)).not.toMatch(/capture lost them|completed according to the server/);
    expect(flat(transfers)).toContain('aborted by the client after 0 of 40,000 bytes (226, frame 50).');
    expect(flat(diagnose)).toContain(
      'The client then closed the data connection (FIN, frame 58) having acknowledged 0 of the 40000 bytes announced: it gave up on the transfer. ' +
        'The 226 only says the server had handed its data to its own TCP stack, not that it arrived',
    );
    expect(flat(diagnose)).toContain(
      "The server's data reached the client only as the first fragments of 16 IP datagrams (the first at frame 40), never whole: the rest of each was lost on the path, so the client received none of it",
    );
    expect(flat(diagnose)).toContain('a firewall or router that drops IP fragments');
    const boxes = await dumpBoxes(client, '40');
    expect(boxes.map((b) => /IP fragment: (.*?) Ethernet II/.exec(b)![1])).toEqual(['held, never reassembled: the rest of its datagram is not in the capture']);
    const j = JSON.parse((await runCli(['summary', '--json', path(client)])).stdout);
    expect(j.sessions[0].transfers[1]).toMatchObject({ status: 'aborted', verdict: { kind: 'aborted', by: 'client', cause: 'path-loss' }, diagnosis: { cause: 'path-loss' } });
    expect(await reportPage(client, tmp)).not.toMatch(/capture lost them/);
  });

  it('server side: whole segments never acknowledged, sent again: path-loss, the 226 notwithstanding', async () => {
    const a = await analyze(server);
    expect(incomplete(server)).toEqual([]);
    expect(a.capture.warnings).toEqual([]);
    const t = a.sessions[0].transfers[1];
    expect([t.bytes, t.connection!.unacknowledgedBytes, t.connection!.retransmissions, t.reply!.frame]).toEqual([15928, 15928, 5, 50]);
    expect(t.verdict).toMatchObject({ kind: 'aborted', by: 'client', bytes: 15928, expected: 40000, cause: 'path-loss' });
    expect(t.diagnosis!.evidence).toEqual([34, 35, 36, 38, 50, 58]);
    const [transfers, diagnose] = await outputs(server, 'transfers', 'diagnose');
    expect(flat(transfers + diagnose)).not.toMatch(/capture lost them|completed according to the server/);
    expect(flat(diagnose)).toContain(
      'The client never acknowledged 15928 of the bytes the server sent, although they were sent again (5 retransmitted segments) and the client kept its window open: they were lost on the path',
    );
    expect(flat(diagnose)).toContain('The client then closed the data connection (FIN, frame 58) having acknowledged 0 of the 40000 bytes announced');
    const logs = flat((await runCli(['logs', path(server)])).stdout);
    expect(logs).toMatch(/RETR frag40k\.bin aborted by-client path-loss/);
  });
});
