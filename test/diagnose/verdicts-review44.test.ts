/**
 * Review 44 of recorded expectations against ftpcap's verdicts (part 3 of the expect-check).
 *
 * ftps-implicit-2990-two-vsftpd-curl: two curl sessions to vsftpd's implicit FTPS on port 2990 that
 * overlap in time; session 1 (stream 0) RETRs small.bin (3000 bytes), session 2 (stream 1, opened
 * while session 1 runs) RETRs hello.txt (511 bytes). Without the key log the commands are hidden,
 * and both data connections (streams 2 and 3) were given to the latest opened session: session 1
 * showed no transfer, session 2 two. Each data connection's SYN follows its own session's encrypted
 * 229 (frame 47 on stream 0 → SYN frame 48; frame 69 on stream 1 → SYN frame 70): each now goes to
 * the session whose control connection spoke last, as the keyed reading has them. Frames are
 * tshark's (NAME.tshark-fields.tsv), byte counts its NAME.tshark-streams.tsv; file sizes the recorder's.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyzeFiles } from '../../src/analysis/pipeline.js';
import { TlsKeyLog } from '../../src/tls/keylog.js';
import { runCli } from '../cli/run-cli.js';
import { facts, path, tsv } from './audit-fixtures.js';

const NAME = 'ftps-implicit-2990-two-vsftpd-curl';
const FIX = join(__dirname, '../../fixtures');

async function analyze(withKeys: boolean) {
  const tlsKeyLog = new TlsKeyLog();
  if (withKeys) tlsKeyLog.addText(readFileSync(join(FIX, `${NAME}.keys`), 'latin1'));
  return analyzeFiles([path(NAME)], { fileName: NAME, thread: false, tlsKeyLog });
}

/** tshark's [frame, source port, destination port, payload length] of a frame. */
const frame = (n: number): [number, number, number, number] => {
  const r = tsv(NAME, 'fields').find((x) => Number(x['frame.number']) === n)!;
  return [n, Number(r['tcp.srcport']), Number(r['tcp.dstport']), Number(r['tcp.len'])];
};
/** tshark's payload bytes per TCP stream, both ways. */
const streamBytes = (): Record<string, number> =>
  Object.fromEntries(tsv(NAME, 'streams').map((r) => [r.stream, Number(r.bytes_src_to_dst) + Number(r.bytes_dst_to_src)]));

describe(`${NAME}: concurrent hidden sessions each keep their own data connection`, () => {
  it('tshark: each data SYN follows its own session\'s encrypted reply', () => {
    // Stream 0's (client port 45966) server record just before stream 2's SYN; stream 1's (45974) before stream 3's.
    expect([frame(47), frame(48), frame(69), frame(70)]).toEqual([
      [47, 2990, 45966, 70],
      [48, 46018, 50036, 0],
      [69, 2990, 45974, 70],
      [70, 37962, 50022, 0],
    ]);
    expect(streamBytes()).toMatchObject({ '2': 4941, '3': 2452 });
    expect(facts(NAME).files.map((f: { path: string; size: number }) => [f.path, f.size])).toEqual([
      ['small.bin', 3000],
      ['hello.txt', 511],
    ]);
  });

  it('with keys: small.bin on stream 2 in session 1, hello.txt on stream 3 in session 2', async () => {
    const a = await analyze(true);
    expect(a.sessions.map((s) => s.transfers.map((t) => [t.request?.arg, t.announce?.frame, t.connection?.stream, t.bytes, t.verdict.kind]))).toEqual([
      [['small.bin', 47, 2, 3000, 'completed']],
      [['hello.txt', 69, 3, 511, 'completed']],
    ]);
  });

  it('without keys: one probable transfer per session, on the same streams', async () => {
    const a = await analyze(false);
    expect(a.sessions.map((s) => [s.stream, s.diagnosis?.cause])).toEqual([
      [0, 'tls-hidden'],
      [1, 'tls-hidden'],
    ]);
    expect(a.sessions.map((s) => s.transfers.map((t) => [t.connection?.stream, t.bytes, t.connection?.synFrames, t.verdict.kind, t.diagnosis]))).toEqual([
      [[2, 4941, [48], 'unknown', null]],
      [[3, 2452, [70], 'unknown', null]],
    ]);
    // Every output numbers them so: transfer 1.1 on stream 2, transfer 2.1 on stream 3.
    const j = JSON.parse((await runCli(['transfers', '--json', path(NAME)])).stdout);
    expect(j.transfers.map((t: any) => [t.session, t.id, t.connection.stream, t.bytes])).toEqual([
      [1, 1, 2, 4941],
      [2, 1, 3, 2452],
    ]);
    const text = (await runCli(['transfers', '--no-color', path(NAME)])).stdout;
    expect(text.match(/^Transfer \d+\.\d+/gm)).toEqual(['Transfer 1.1', 'Transfer 2.1']);
  });
});

/**
 * a27-passive-refused-pyftpdlib-busybox: pyftpdlib without EPSV and PASV answers both 502; busybox
 * (no active mode) gives up. Transfer 1 (the EPSV) was told as refused at the PASV (frames 17, 18)
 * with "the data connection it had prepared was never used" (none was: the EPSV was refused), and
 * advised "PASV instead of EPSV", which the client had tried. Each refusal is now its own command's,
 * and both say the server has no passive mode.
 */
describe('a27-passive-refused-pyftpdlib-busybox: each refused announcement is told at its own command', () => {
  const name = 'a27-passive-refused-pyftpdlib-busybox';
  it('tshark: EPSV 15 → 502 at 16, PASV 17 → 502 at 18, no transfer command', () => {
    const rows = tsv(name, 'ftp').map((r) => [Number(r['frame.number']), r['ftp.request.command'] || r['ftp.response.code']]);
    expect(rows.slice(-4)).toEqual([
      [15, 'EPSV'],
      [16, '502'],
      [17, 'PASV'],
      [18, '502'],
    ]);
  });

  // Audit 48: the PASV is the client's retry of the refused EPSV (retry-refused): one failure, the EPSV's, which names both.
  it('the EPSV failed, server-refused, with its own frames and advice active mode; the PASV its refused retry', async () => {
    const a = await analyzeFiles([path(name)], { fileName: name, thread: false });
    const ts = a.sessions.flatMap((s) => s.transfers);
    expect(ts.map((t) => [t.announce?.command, t.verdict.kind, t.diagnosis?.cause, t.diagnosis?.evidence])).toEqual([
      ['EPSV', 'failed', 'server-refused', [15, 16, 18]],
      ['PASV', 'retry-refused', undefined, undefined],
    ]);
    const d1 = ts[0].diagnosis!;
    expect(d1.summary).toContain('The server answered EPSV (frame 15) with 502 Command not implemented at frame 16: the server does not implement EPSV, nor PASV (502, frame 18): it has no passive mode');
    expect(d1.summary).not.toMatch(/prepared/);
    expect(d1.advice).toBe('The server implements neither EPSV nor PASV: use active mode (PORT) on the client.');
    expect(ts[1].verdict).toMatchObject({ kind: 'retry-refused', code: 502, reply: 18, retryOf: { transfer: '1.1', command: 'EPSV', frame: 15, code: 502, replyFrame: 16, refused: true } });
    const text = (await runCli(['diagnose', '--no-color', path(name)])).stdout;
    expect(text).not.toMatch(/data connection it had prepared|PASV instead of EPSV/);
  });
});

/**
 * a27-passive-refused-vsftpd-curl: vsftpd refuses EPSV and PASV alike (550 Permission denied).
 * Transfer 1 (the EPSV) was told at the PASV as a file permission ("the server denies the user access
 * to the file", advice: file permissions); each is now its own command's refusal of passive mode.
 */
describe('a27-passive-refused-vsftpd-curl: both passive commands refused: passive mode refused, not a file', () => {
  const name = 'a27-passive-refused-vsftpd-curl';
  it('tshark: EPSV 17 → 550 at 18, PASV 19 → 550 at 20', () => {
    const rows = tsv(name, 'ftp').map((r) => [Number(r['frame.number']), r['ftp.request.command'] || r['ftp.response.code']]);
    expect(rows.filter(([f]) => (f as number) >= 17 && (f as number) <= 20)).toEqual([
      [17, 'EPSV'],
      [18, '550'],
      [19, 'PASV'],
      [20, '550'],
    ]);
  });

  it('each refusal at its own frames; advice active mode or pasv_enable, never file permissions', async () => {
    const a = await analyzeFiles([path(name)], { fileName: name, thread: false });
    const ts = a.sessions.flatMap((s) => s.transfers);
    expect(ts.map((t) => [t.announce?.command, t.verdict.kind, t.diagnosis?.cause, t.diagnosis?.evidence])).toEqual([
      ['EPSV', 'failed', 'server-refused', [17, 18, 20]],
      // Audit 48: the PASV retried the refused EPSV: no failure of its own.
      ['PASV', 'retry-refused', undefined, undefined],
    ]);
    expect(ts[0].diagnosis!.summary).toContain(
      'The server answered EPSV (frame 17) with 550 Permission denied at frame 18: the server will not open a passive data port, for PASV either (550, frame 20): it refuses passive mode',
    );
    expect(ts[0].diagnosis!.advice).toBe(
      'The server refuses both EPSV and PASV: use active mode (PORT) on the client, or allow passive mode on the server (vsftpd pasv_enable, proftpd <Limit EPSV PASV>).',
    );
    const text = (await runCli(['diagnose', '--no-color', path(name)])).stdout;
    expect(text).not.toMatch(/access to the file|prepared|permissions/);
  });
});
