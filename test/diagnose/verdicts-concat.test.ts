/**
 * A capture that holds more than one story reads each as it reads alone. A real capture often holds
 * one client's several sessions to one server, one after the other; a file merged from two capture
 * runs (mergecap -a) holds two capture points' views of the same hosts. scripts/sweep/concat-sweep.mjs
 * analysed every fixture followed by others of the same hosts and compared each session and transfer
 * with its analysis alone; each mechanism it found is a case here: two committed real fixtures, the
 * second's records appended with their timestamps moved to begin 2 s after the first's last
 * (test/support/pcap-edit.ts appendPcap: whole records, only their time changed), or (--overlap)
 * moved to begin 0.2 s after the first's start and merged in time order (mergePcap). Frames of the
 * second are its own (tshark's, NAME.tshark-*.tsv) plus the first's record count (`at`).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Analysis } from '../../src/analysis/model.js';
import { analyzeFiles } from '../../src/analysis/pipeline.js';
import { appendPcap, mergePcap } from '../support/pcap-edit.js';
import { analyze, ftpRows, path, tsv } from './audit-fixtures.js';

const tmp = mkdtempSync(join(tmpdir(), 'ftpcap-concat-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

interface Joined {
  a: Analysis;
  /** A frame of the second capture as the joined capture numbers it. */
  at: (frame: number) => number;
}

/** `second` appended to `first` 2 s after it, analysed. */
async function joined(first: string, second: string): Promise<Joined> {
  const { file, from } = appendPcap(readFileSync(path(first)), readFileSync(path(second)), 2);
  const out = join(tmp, `${first}+${second}.pcap`);
  writeFileSync(out, file);
  return { a: await analyzeFiles([out], { fileName: out, thread: false }), at: (f) => f + from - 1 };
}

/** Each transfer: [id, command and frame, status, verdict (why, by), cause]. */
const rows = (sessions: Analysis['sessions'], frame: (f: number) => number = (f) => f): unknown[][] =>
  sessions.flatMap((s) =>
    s.transfers.map((t) => [
      t.request ? `${t.request.command} ${t.request.arg}`.trim() : null,
      t.request ? frame(t.request.frame) : null,
      t.status,
      t.verdict.kind + ('why' in t.verdict ? `:${t.verdict.why}` : '') + ('by' in t.verdict && t.verdict.by ? ` by ${t.verdict.by}` : ''),
      t.diagnosis?.cause ?? null,
    ]),
  );

/** The joined capture's sessions from the second capture (they begin after the first's last packet). */
const secondOf = (j: Joined, first: Analysis): Analysis['sessions'] => j.a.sessions.slice(first.sessions.length);

describe('a capture followed by another of the same hosts: each story reads as alone', () => {
  it("a reset is measured against its host's own packets beside it, not a TTL the same addresses had in the other capture", async () => {
    // The first capture was taken at the server (its packets TTL 64), the second at the client, one
    // router away (the server's packets TTL 63). The second's RETR w256k.bin (frame 20) ends in the
    // server's RST (frame 173, TTL 63, like the server's data packets beside it) and a 226 (frame
    // 174): aborted by the server. Before: the server's TTL was the first one the pair of addresses
    // had in the whole file (64, the first capture's), so the RST looked forged by a middlebox and
    // the transfer read "completed".
    const A = 'a24-oneway-server-active-vsftpd-lftp';
    const B = 'a25-retr-queued-rst-pyftpdlib-python';
    expect(ftpRows(B, '0').filter(([, x]) => ['RETR', '150', '226'].includes(x))).toEqual([[20, 'RETR'], [21, '150'], [174, '226']]);
    const fields = tsv(B, 'fields');
    const ttl = (f: number): string => fields.find((r) => Number(r['frame.number']) === f)!['ip.ttl'];
    expect([ttl(22), ttl(173)]).toEqual(['63', '63']); // a data segment and the RST, both from the server
    expect(tsv(A, 'fields').find((r) => r['ip.src'] === '198.51.100.20' && r['ip.dst'] === '192.0.2.10')!['ip.ttl']).toBe('64');

    const alone = await analyze(B);
    const j = await joined(A, B);
    const second = secondOf(j, await analyze(A));
    expect(rows(second, (f) => f - j.at(1) + 1)).toEqual(rows(alone.sessions));
    expect(rows(second)).toEqual([['RETR w256k.bin', j.at(20), 'aborted', 'aborted by server', 'aborted']]);
    const rst = second[0].transfers[0].connection!.rst!;
    expect([rst.frame, rst.by, rst.ttl, rst.forged]).toEqual([j.at(173), 'server', 63, undefined]);
    expect(second[0].transfers[0].connection!.marks.ttl).toEqual({ client: 64, server: 63 });
  });

  it("a PORT naming the client's second address is placed by that session's own packets: no bounce", async () => {
    // The second capture's client (192.0.2.10) announces PORT 192.0.2.11 for each transfer, and its
    // data connections come from that address through the same network card, unrouted: its own
    // second address (clientAliases). Before: the client's link address and TTL were the first
    // the first capture showed for those addresses, and all three transfers read "bounce".
    const A = 'multihomed-pasv-vsftpd-lftp';
    const B = 'multihomed-port-vsftpd-python';
    const alone = await analyze(B);
    expect(alone.sessions[0].clientAliases).toEqual(['192.0.2.11']);
    const j = await joined(A, B);
    const second = secondOf(j, await analyze(A));
    expect(second.map((s) => s.clientAliases)).toEqual([['192.0.2.11']]);
    expect(rows(second)).toEqual([
      ['RETR hello.txt', j.at(19), 'complete', 'completed', null],
      ['RETR small.bin', j.at(35), 'complete', 'completed', null],
      ['STOR upload-py.txt', j.at(53), 'complete', 'completed', null],
    ]);
    expect(rows(second, (f) => f - j.at(1) + 1)).toEqual(rows(alone.sessions));
  });

  it("an active connection's refusal is read from the vantage of its own capture", async () => {
    // The second capture, at the client, holds a RETR that completed, then one over a PORT the
    // server never reached (a router reset its connection): active-unreached, as alone. Before: the
    // first capture (at the server) set the hosts' TTLs, and that transfer read no-attempt.
    const A = 'tri-ctrl-reply-lost-server-side-vsftpd-curl';
    const B = 'tri-port-router-rst-client-side-vsftpd-curl';
    const alone = await analyze(B);
    const j = await joined(A, B);
    const second = secondOf(j, await analyze(A));
    expect(rows(second, (f) => f - j.at(1) + 1)).toEqual(rows(alone.sessions));
    expect(rows(alone.sessions).map((r) => r.slice(2))).toEqual([
      ['complete', 'completed', null],
      ['failed', 'failed', 'active-unreached'],
    ]);
  });

  it('a data connection seen mid-stream goes to the session open beside it, not to one closed before it', async () => {
    // The second capture began during a download: its data connection (no SYN in it) runs before its
    // control connection's first packet, and belongs to that session (mid-stream). Before: it went
    // to the first capture's session between the same hosts, whose control connection the server
    // had reset 2 s before (frame 96), as a second, mid-stream transfer of that session.
    const A = 'a21-server-killed-pyftpdlib-python';
    const B = 'a22-late-start-vsftpd-lftp';
    const first = await analyze(A);
    const alone = await analyze(B);
    const j = await joined(A, B);
    expect(rows(j.a.sessions.slice(0, first.sessions.length))).toEqual(rows(first.sessions));
    const second = secondOf(j, first);
    expect(rows(second, (f) => f - j.at(1) + 1)).toEqual(rows(alone.sessions));
    expect(second[0].transfers.map((t) => [t.inferred ?? null, t.connection?.midstream, t.bytes])).toEqual([
      ['midstream', true, 131072],
      [null, false, 393],
      [null, false, 65536],
    ]);
  });

  it('a download stopped while a session of another run was still going is no split piece', async () => {
    // The second capture's wget download of half.bin (RETR, frame 26) was cut when the client was
    // killed: aborted by the client, as alone. The first capture stopped during an lftp download of
    // mib.bin, its session left open. Before: that session, "still under way" at the end, was taken
    // for a sibling of a split download, and the wget download read "incomplete, not known yet".
    const A = 'capture-stopped-vsftpd-lftp';
    const B = 'client-killed-pyftpdlib-wget';
    const alone = await analyze(B);
    const j = await joined(A, B);
    const second = secondOf(j, await analyze(A));
    expect(rows(second)).toEqual([['RETR half.bin', j.at(26), 'aborted', 'aborted by client', 'aborted']]);
    expect(rows(second, (f) => f - j.at(1) + 1)).toEqual(rows(alone.sessions));
  });

  it('nor is one whose other sessions began after it stopped, fetching other files', async () => {
    // ftputil's RETR big.bin (frame 146) is reset by the client part-way: aborted by the client.
    // The second capture's curl sessions (first.bin, second.bin) were still going at the joined
    // capture's end; they began seconds after the stop. Before: "incomplete, not known yet".
    const A = 'a45-ftputil-pureftpd';
    const B = 'a46-rate-pause-cut-vsftpd-curl';
    const first = await analyze(A);
    const j = await joined(A, B);
    expect(rows(j.a.sessions.slice(0, first.sessions.length))).toEqual(rows(first.sessions));
    expect(rows(first.sessions).find((r) => r[0] === 'RETR big.bin')).toEqual(['RETR big.bin', 146, 'aborted', 'aborted by client', 'aborted']);
  });
  it('nor is one beside an upload of the same name, in captures merged side by side', async () => {
    // Two runs at once, merged in time order (mergePcap, the second from 0.2 s after the first's
    // start): curl's STOR half.bin (frame 24), its capture stopped mid-upload, and wget's RETR
    // half.bin (frame 26), cut when the client was killed: aborted by the client, as alone. Before:
    // the uploading session, still going at the end, was taken for a sibling moving "that file",
    // and the download read "incomplete, not known yet" (a split piece); a segment is a download.
    const A = 'capture-stopped-stor-pureftpd-curl';
    const B = 'client-killed-pyftpdlib-wget';
    expect(ftpRows(A, '0').find(([, x]) => x === 'STOR')).toEqual([24, 'STOR']);
    expect(ftpRows(B, '0').find(([, x]) => x === 'RETR')).toEqual([26, 'RETR']);
    const { file, frameOf } = mergePcap(readFileSync(path(A)), readFileSync(path(B)), 0.2);
    const out = join(tmp, `${A}+${B}.merged.pcap`);
    writeFileSync(out, file);
    const merged = await analyzeFiles([out], { fileName: out, thread: false });
    expect(rows(merged.sessions)).toEqual([
      ['STOR half.bin', frameOf(0, 24), 'incomplete', 'incomplete:capture-ended', null],
      ['RETR half.bin', frameOf(1, 26), 'aborted', 'aborted by client', 'aborted'],
    ]);
  });
  it("nor is one beside another user's download of the same file, in captures merged side by side", async () => {
    // Two users behind one address fetch big.bin from one server at once (mergePcap, the second
    // from 0.2 s after the first's start): ftpuser's RETR (frame 26), its capture stopped mid-download,
    // and fxa14user's RETR (frame 30), which the client gave up on after the router dropped its data:
    // aborted by the client (path loss), as alone. Before: ftpuser's session, still going at the end,
    // was taken for a sibling of a split download, and the second read "incomplete, not known yet".
    // A client that splits a download logs every segment's session in as the same user.
    const A = 'cut-midtransfer-vsftpd-curl';
    const B = 'data-loss-abort-vsftpd-curl';
    expect(ftpRows(A, '0').filter(([, x]) => x === 'USER' || x === 'RETR').map(([f, x]) => [f, x])).toEqual([[8, 'USER'], [26, 'RETR']]);
    expect(ftpRows(B, '0').filter(([, x]) => x === 'USER' || x === 'RETR').map(([f, x]) => [f, x])).toEqual([[8, 'USER'], [30, 'RETR']]);
    const { file, frameOf } = mergePcap(readFileSync(path(A)), readFileSync(path(B)), 0.2);
    const out = join(tmp, `${A}+${B}.merged.pcap`);
    writeFileSync(out, file);
    const merged = await analyzeFiles([out], { fileName: out, thread: false });
    expect(merged.sessions.map((s) => s.user)).toEqual(['ftpuser', 'fxa14user']);
    expect(rows(merged.sessions)).toEqual([
      ['RETR big.bin', frameOf(0, 26), 'incomplete', 'incomplete:capture-ended', null],
      ['RETR big.bin', frameOf(1, 30), 'aborted', 'aborted by client', 'path-loss'],
    ]);
  });
});
