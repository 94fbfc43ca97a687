/**
 * Review 79: the whole-corpus checks (compare-builds, prefix-sweep, the contradictions test) read
 * each fixture's TLS key log too (scripts/sweep/key-variants.mjs), and the keyed fixtures' outputs
 * were read against their ground truth.
 *
 * a65-ftps-client-killed-stor-vsftpd-python: Python's ftplib is killed during a PROT P upload; the
 * capture is at the client, whose reset (frame 190) ends the data connection while the server had
 * acknowledged 119,615 of the 140,387 bytes sent. The server's ACKs kept coming after that reset
 * (frames 192-204, each answered by the client's kernel with a reset) and acknowledge 138,939: the
 * link was still draining. ftpcap's reading of a connection ends at its reset (later segments are
 * counted after-close), so explain's "the server never acknowledged 20772 of the bytes sent" was
 * false: it had not acknowledged them when the reset came.
 *
 * Its tls-no-close-notify diagnosis read, with keys, "131072 bytes had arrived" and without them
 * "140,387 bytes of TLS records had arrived": at the sender's side the capture shows what was sent,
 * and what arrived only through the receiver's acknowledgements (the last 1,448 bytes were never
 * acknowledged, even after the reset). Now "had been sent", with what the server had acknowledged
 * when the reset came; the server-side twin (the receiver's side) keeps "had arrived".
 *
 * a65-ftps-quota-pureftpd-curl with keys: STOR a65-first.txt completes; the client's data (1,419
 * bytes of TLS records) is all acknowledged, then the server's own close_notify (24 bytes, frame 55)
 * is answered by the client's reset (frame 56). The model's unacknowledged count summed both ways,
 * and explain gave it to the data's receiver: "the server never acknowledged 24 of the bytes sent".
 * Now counted per side (DataConnection.unacknowledged). The same in clear FTP:
 * a35-params-proftpd-python's STOR z-up.txt (1.6), its 583 bytes acknowledged by the server (frame
 * 123), read "the server never acknowledged 8 of the bytes sent": the 8 were the server's own (frame
 * 124), answered by the client's reset (frame 125). 37 transfers' sentences over the corpus and its
 * keyed variants lose such a count; 85 with a reset now say "when the reset came".
 *
 * Frames and counts are tshark's (NAME.tshark-fields.tsv).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Analysis } from '../../src/analysis/model.js';
import { analyzeFiles } from '../../src/analysis/pipeline.js';
import { TlsKeyLog } from '../../src/tls/keylog.js';
import { FIXTURES } from '../support/facts.js';
import { runCli } from '../cli/run-cli.js';
import { analyze, flat, path, transfer, tsv } from './audit-fixtures.js';

/** The fixture read with its key log. */
async function keyed(name: string): Promise<Analysis> {
  const tlsKeyLog = new TlsKeyLog();
  tlsKeyLog.addText(readFileSync(join(FIXTURES, `${name}.keys`), 'latin1'));
  return analyzeFiles([path(name)], { fileName: name, thread: false, tlsKeyLog });
}

/** tshark's count of the bytes the client sent from `port`, and of those the server acknowledged (up to frame `upTo`). */
function sentAndAcknowledged(name: string, port: string, upTo = Infinity): { sent: number; acknowledged: number } {
  const rows = tsv(name, 'fields');
  const fromClient = rows.filter((r) => r['tcp.srcport'] === port);
  const toClient = rows.filter((r) => r['tcp.dstport'] === port && Number(r['frame.number']) <= upTo);
  const isn = Number(fromClient[0]['tcp.seq_raw']);
  const sent = fromClient.reduce((n, r) => n + Number(r['tcp.len'] || 0), 0);
  const acked = Math.max(...toClient.map((r) => Number(r['tcp.ack_raw']))) - isn - 1;
  return { sent, acknowledged: acked };
}

describe('review 79: acknowledgements after a reset are not read: no "never acknowledged"', () => {
  const name = 'a65-ftps-client-killed-stor-vsftpd-python';

  it("tshark: the client sent 140,387 bytes from port 34432; the server had acknowledged 119,615 at its reset (frame 190), 138,939 by its last ACK (frame 204)", () => {
    expect(sentAndAcknowledged(name, '34432', 190)).toEqual({ sent: 140387, acknowledged: 119615 });
    expect(sentAndAcknowledged(name, '34432')).toEqual({ sent: 140387, acknowledged: 138939 });
    const rows = tsv(name, 'fields').filter((r) => r['tcp.dstport'] === '34432' && Number(r['frame.number']) > 190);
    expect(rows.map((r) => Number(r['frame.number']))).toEqual([192, 194, 196, 198, 200, 202, 204]);
  });

  it('with keys: the model counts 20,772 unacknowledged at the reset, and explain says "when the reset came", not "never"', async () => {
    const t = transfer(await keyed(name), '1.1');
    expect([t.status, t.verdict.kind, t.bytes, t.diagnosis?.cause, t.connection?.rst?.frame, t.connection?.unacknowledgedBytes]).toEqual(['aborted', 'aborted', 131072, 'tls-no-close-notify', 190, 20772]);
    const r = await runCli(['explain', '--no-color', '--tls-keylog', join(FIXTURES, `${name}.keys`), path(name)]);
    expect(r.code).toBe(0);
    const said = flat(r.stdout);
    expect(said).toContain('the server had not acknowledged 20772 of the bytes sent when the reset came (frame 190).');
    expect(said).not.toMatch(/never acknowledged 20772/);
  });
});

describe("review 79: the bytes the data's receiver left unacknowledged are its own, not the sender's alert", () => {
  const name = 'a65-ftps-quota-pureftpd-curl';

  it('tshark: the server acknowledged all 1,419 bytes of the upload (frame 54); its 24-byte alert (frame 55) drew the client\'s reset (frame 56)', () => {
    const rows = tsv(name, 'fields').filter((r) => Number(r['frame.number']) >= 50 && Number(r['frame.number']) <= 56);
    expect(rows.map((r) => [Number(r['frame.number']), Number(r['tcp.len'] || 0)])).toEqual([[50, 74], [51, 281], [52, 24], [53, 0], [54, 0], [55, 24], [56, 0]]);
  });

  it('with keys: the upload\'s connection counts 24 bytes unacknowledged by the client, none by the server, and explain says each segment was acknowledged', async () => {
    const t = transfer(await keyed(name), '1.1');
    expect([t.request?.command, t.status, t.bytes, t.connection?.unacknowledged, t.connection?.rst?.frame]).toEqual(['STOR', 'complete', 259, { toServer: 0, toClient: 24 }, 56]);
    const r = await runCli(['explain', '--no-color', '--tls-keylog', join(FIXTURES, `${name}.keys`), path(name)]);
    const said = flat(r.stdout);
    expect(said).toContain('1419 bytes flow client → server (5 segments, frames 37-52), each segment acknowledged by the other side.');
    expect(said).not.toMatch(/the server (never|had not) acknowledged 24/);
  });
});

describe('review 79: clear FTP too: the 8 bytes the server sent back are not the upload\'s', () => {
  const name = 'a35-params-proftpd-python';
  it('STOR z-up.txt (1.6): 583 bytes and the client\'s FIN, all acknowledged by the server (frame 123: 584 past the ISN + 1); explain no longer says the server never acknowledged 8', async () => {
    const ack = tsv(name, 'fields').find((r) => r['frame.number'] === '123')!;
    expect([ack['tcp.srcport'], Number(ack['tcp.ack_raw']) - Number(tsv(name, 'fields').find((r) => r['frame.number'] === '114')!['tcp.seq_raw']) - 1]).toEqual(['50024', 584]);
    const r = await runCli(['explain', '--no-color', path(name)]);
    const said = flat(r.stdout);
    expect(said).toContain('583 bytes flow client → server (frame 119), each segment acknowledged by the other side.');
    expect(said).not.toMatch(/never acknowledged 8 of the bytes sent/);
  });
});

describe('review 79: a TLS sender that stopped without close_notify, seen at its own side: sent, not arrived', () => {
  const client = 'a65-ftps-client-killed-stor-vsftpd-python';
  const server = 'a65-ftps-client-killed-stor-server-side-vsftpd-python';
  const words = (a: Analysis): string => flat(transfer(a, '1.1').diagnosis!.summary);

  it('with keys: 131072 bytes had been sent, the server having acknowledged 119,615 bytes of the records when the reset came', async () => {
    const a = await keyed(client);
    expect([transfer(a, '1.1').diagnosis?.cause, transfer(a, '1.1').diagnosis?.evidence]).toEqual(['tls-no-close-notify', [31, 32, 33, 35, 183, 190, 206]]);
    expect(words(a)).toContain("131072 bytes had been sent (decrypted from the client's TLS records; the server had acknowledged 119,615 bytes of those records (TCP payload, the TLS handshake's included) when the reset came (frame 190))");
    expect(words(a)).not.toMatch(/had arrived/);
  });

  it('without keys: 140,387 bytes of TLS records had been sent, 119,615 acknowledged when the reset came', async () => {
    const a = await analyze(client);
    expect([transfer(a, '1.1').inferred, transfer(a, '1.1').diagnosis?.cause]).toEqual(['tls-hidden', 'tls-no-close-notify']);
    expect(words(a)).toContain('140,387 bytes of TLS records had been sent; the server had acknowledged 119,615 bytes of those records (TCP payload, the TLS handshake\'s included) when the reset came (frame 190)');
    expect(words(a)).not.toMatch(/had arrived/);
  });

  it("the server-side capture (the receiver's side) holds what reached the server: it had arrived, with keys or without", async () => {
    for (const a of [await keyed(server), await analyze(server)]) {
      expect(transfer(a, '1.1').diagnosis?.cause).toBe('tls-no-close-notify');
      expect(words(a)).toMatch(/had arrived/);
    }
  });
});
