/**
 * Packets of two connections captured a moment apart may be written in either order: a capture
 * merged from two interfaces, `tcpdump -i any`, a NIC's several queues. So may the two directions
 * of one connection: a full-duplex TAP's two ports merged, a NIC hashing each direction to its own
 * queue (`swap-sweep.mjs --opposite`): a reply written before its command. scripts/sweep/swap-sweep.mjs
 * swapped each such pair of neighbouring records (different connections, within 1 ms) in every
 * fixture and compared the verdicts with the capture in order; its largest group was a client's data
 * SYN written before the 227/229 it answers. Each case here is a committed real fixture with two
 * neighbouring records in each other's place (test/support/pcap-edit.ts swapNeighbours: each slot
 * keeps its timestamp; packets untouched). Frames are tshark's (NAME.tshark-*.tsv): after the swap,
 * the two swapped packets have each other's numbers.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Analysis } from '../../src/analysis/model.js';
import { analyzeFiles } from '../../src/analysis/pipeline.js';
import { runCli } from '../cli/run-cli.js';
import { swapNeighbours } from '../support/pcap-edit.js';
import { TlsKeyLog } from '../../src/tls/keylog.js';
import { analyze, factSha, ftpRows, path, tsv } from './audit-fixtures.js';

const tmp = mkdtempSync(join(tmpdir(), 'ftpcap-order-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** The fixture with records `frame` and `frame + 1` swapped, written and analysed. */
async function swapped(name: string, frame: number): Promise<{ file: string; a: Analysis }> {
  const file = join(tmp, `${name}-swap-${frame}.pcap`);
  writeFileSync(file, swapNeighbours(readFileSync(path(name)), frame));
  return { file, a: await analyzeFiles([file], { fileName: file, thread: false }) };
}

/** Each transfer: [command, its frame, data stream, SYN frame, bytes, status, verdict, cause]. */
const rows = (a: Analysis): unknown[][] =>
  a.sessions.flatMap((s) =>
    s.transfers.map((t) => [
      t.request ? `${t.request.command} ${t.request.arg}`.trim() : null,
      t.request?.frame ?? null,
      t.connection?.stream ?? null,
      t.connection?.synFrame ?? null,
      t.bytes,
      t.status,
      t.verdict.kind,
      t.diagnosis?.cause ?? null,
    ]),
  );

/** One row of tshark's packet fields: [source, source port, destination port, TCP flags]. */
const packet = (name: string, frame: number): string[] => {
  const r = tsv(name, 'fields').find((x) => Number(x['frame.number']) === frame)!;
  return [r['ip.src'], r['tcp.srcport'], r['tcp.dstport'], r['tcp.flags']];
};

describe('two connections\' packets a moment apart, written in the other order', () => {
  it("a data SYN written before the 229 it answers is still that transfer's data connection, its file whole", async () => {
    // tnftp to the GridFTP server: EPSV (frame 39), 229 naming port 50070 (frame 40), the client's
    // SYN to it (frame 41), RETR hello.txt (frame 44), 511 bytes. Swapped, the SYN is frame 40 and
    // the 229 frame 41, 0.07 ms apart. Before: the SYN matched no announcement yet, the connection
    // was "other", and RETR hello.txt read "complete (replies; data not captured)".
    const name = 'a18-gridftp-tnftp';
    expect(ftpRows(name, '0').filter(([f]) => f >= 39 && f <= 44)).toEqual([[39, 'EPSV'], [40, '229'], [44, 'RETR']]);
    expect(packet(name, 41)).toEqual(['192.0.2.10', '47556', '50070', '0x0002']);
    const inOrder = rows(await analyze(name));
    const { file, a } = await swapped(name, 40);
    const retr = rows(a).find((r) => r[0] === 'RETR hello.txt')!;
    expect(retr).toEqual(['RETR hello.txt', 44, 2, 40, 511, 'complete', 'completed', null]);
    expect(rows(a).map((r) => r.slice(4))).toEqual(inOrder.map((r) => r.slice(4)));
    const t = a.sessions[0].transfers.find((x) => x.request?.arg === 'hello.txt')!;
    expect(t.connection!.handshake.map((e) => `${e.type} ${e.frame}`)).toEqual(['syn 40', 'syn-ack 42', 'established 43', 'fin 48', 'fin 51']);
    // Its bytes were read from the first one: extract saves the file whole.
    const out = join(tmp, 'extract-gridftp');
    expect((await runCli(['extract', '-o', out, file])).code).toBe(0);
    const saved = readdirSync(out).find((f) => f.endsWith('hello.txt'))!;
    expect(createHash('sha256').update(readFileSync(join(out, saved))).digest('hex')).toBe(factSha(name, 'hello.txt'));
  });

  it('a data SYN never answered, written before the 229 it answers, is still the failed transfer\'s', async () => {
    // tnftp to aioftp: EPSV (frame 104), 229 naming port 50000 (frame 105), the client's SYNs to it
    // (frames 106, 108, …) dropped: passive-syn-unanswered. Swapped, the first SYN is frame 105.
    // Before: the connection carried no byte, was never linked, and the transfer read
    // passive-unreached (no connection attempt seen).
    const name = 'a18-aioftp-tnftp';
    expect(ftpRows(name, '4').filter(([f]) => f >= 104 && f <= 106)).toEqual([[104, 'EPSV'], [105, '229']]);
    expect(packet(name, 106)).toEqual(['192.0.2.10', '51978', '50000', '0x0002']);
    const inOrder = await analyze(name);
    const { a } = await swapped(name, 105);
    expect(rows(a).map((r) => r.slice(2))).toEqual(rows(inOrder).map((r) => r.slice(2)).map((r) => (r[1] === 106 ? [r[0], 105, ...r.slice(2)] : r)));
    const failed = a.sessions.flatMap((s) => s.transfers).find((x) => x.diagnosis?.cause === 'passive-syn-unanswered')!;
    expect([failed.connection?.synFrame, failed.status]).toEqual([105, 'failed']);
  });
});

describe("one connection's two directions a moment apart, written in the other order: a reply before its command", () => {
  /** The session's [command, its reply's code and frame], from the analysis. */
  const pairs = (a: Analysis): unknown[][] => a.sessions[0].commands.filter((c) => c.command !== null).map((c) => [c.command, c.reply?.code ?? null, c.reply?.frame ?? null]);

  it("lftp's USER written after vsftpd's 331 that answers it: every reply stays its command's, every transfer completed", async () => {
    // USER (frame 21) and 331 (frame 22) 0.06 ms apart; swapped, the 331 is frame 21 and acknowledges
    // the client's 14 bytes of USER, not yet in the capture. Before: the 331 answered nothing, USER
    // took PASS's 230, PASS the PWD's 257, and so on: LIST and RETR "incomplete (session ended)", STOR failed.
    const name = 'passive-vsftpd-lftp';
    expect(ftpRows(name, '0').filter(([f]) => f >= 21 && f <= 28)).toEqual([[21, 'USER'], [22, '331'], [23, 'PASS'], [24, '230'], [25, 'PWD'], [26, '257'], [27, 'PASV'], [28, '227']]);
    expect(packet(name, 22)).toEqual(['198.51.100.20', '21', '58318', '0x0018']);
    const inOrder = await analyze(name);
    const { a } = await swapped(name, 21);
    const expected = pairs(inOrder).map(([c, code, frame]) => (c === 'USER' ? [c, code, 21] : [c, code, frame]));
    expect(pairs(a)).toEqual(expected);
    expect(a.sessions[0].commands.find((c) => c.command === 'USER')!.frame).toBe(22);
    expect(rows(a)).toEqual(rows(inOrder));
    expect(rows(a).map((r) => r[6])).toEqual(['completed', 'completed', 'completed']);
  });

  it("under TLS, read with the session's keys: lftp's PROT P written after vsftpd's 200 that answers it keeps every reply its command's", async () => {
    // PROT P (frame 47) and its 200 (frame 48), both TLS records. Before: the 200 answered nothing,
    // PROT took PASV's 227, …: the session "server-refused", its listings and transfers "incomplete (session ended)".
    const name = 'tls-data-vsftpd-lftp';
    const decrypted = tsv(name, 'tls-ftp').filter((r) => Number(r['frame.number']) >= 45 && Number(r['frame.number']) <= 50);
    expect(decrypted.map((r) => [Number(r['frame.number']), r['ftp.request.command'] || r['ftp.response.code']])).toEqual([[45, 'PBSZ'], [46, '200'], [47, 'PROT'], [48, '200'], [49, 'PASV'], [50, '227']]);
    const tlsKeyLog = (): TlsKeyLog => {
      const k = new TlsKeyLog();
      k.addText(readFileSync(path(name).replace(/\.pcap$/, '.keys'), 'latin1'));
      return k;
    };
    const inOrder = await analyzeFiles([path(name)], { fileName: name, thread: false, tlsKeyLog: tlsKeyLog() });
    const file = join(tmp, `${name}-swap-47.pcap`);
    writeFileSync(file, swapNeighbours(readFileSync(path(name)), 47));
    const a = await analyzeFiles([file], { fileName: file, thread: false, tlsKeyLog: tlsKeyLog() });
    expect(pairs(a).find(([c]) => c === 'PROT')).toEqual(['PROT', 200, 47]);
    expect(pairs(a).filter(([c]) => c !== 'PROT')).toEqual(pairs(inOrder).filter(([c]) => c !== 'PROT'));
    expect(a.sessions[0].diagnosis).toBeNull();
    expect(rows(a)).toEqual(rows(inOrder));
    expect(rows(a).map((r) => r[6])).toEqual(rows(inOrder).map(() => 'completed'));
  });
});
