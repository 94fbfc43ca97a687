/**
 * The sixty-fifth verdict audit, on real recordings (fixtures/record.sh, "sixty-fifth audit"): FTPS
 * (AUTH TLS, PROT P) transfers that go wrong, each recorded with its key log (NAME.keys) and read both
 * ways — without the keys (only TCP and the TLS record layer show) and with them.
 *
 * a65-ftps-stor-full-vsftpd-python: ftplib's STOR of 200000 bytes into a 64 KiB tmpfs; vsftpd's write
 * fails, it resets the data connection (frame 200) and answers 451 inside TLS (frame 201); then RETR
 * hello.txt completes. Before this audit, without keys, the upload was diagnosed "stalled": "The
 * receiving side (client) advertised a zero window at frames 134, 163 and 184: it stopped reading"
 * (the client was the sender; the zero windows, each reopened within 0.2 ms, were the server's), and
 * "the server closed the control connection (FIN, frame 231) with no reply to the transfer: it gave up
 * on the stalled transfer" (the 451 and a whole RETR came before it, encrypted). A reply TLS hides is
 * not a reply missing, and without the command the data's direction is the bytes'.
 *
 * a65-ftps-client-killed-retr-vsftpd-curl (and -server-side-): curl killed (SIGKILL) mid-download at
 * 1 Mbit/s. With keys, diagnose said "81920 bytes of 524288 announced had been sent; the client had
 * acknowledged 0 of them when the reset came": decrypted file bytes set against TCP acknowledgements of
 * TLS records (the client had acknowledged 83636 bytes of them).
 *
 * Without keys, the killed download, the ABOR (a65-ftps-abor-retr-vsftpd-python) and the full disk were
 * bare "probable (TLS)": a receiver's reset before its sender had ended the data (no FIN, no
 * close_notify) is now said — probably cut short, cause aborted, never more than that. The killed
 * upload (a65-ftps-client-killed-stor-*) stopped in the middle of a TLS record: tls-no-close-notify as
 * before, its advice no longer a close_notify setting but the interrupted sender. The refusals
 * (a65-ftps-refused-proftpd-python: STOR 550 permission, RETR 550 missing; data connections opened and
 * reset with no TLS) stay unknown without keys, their "reply" cell "not readable", not "none in the capture".
 *
 * Frames are tshark's (NAME.tshark-*.tsv), sizes and sha256 the recorder's (NAME.facts.json).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Analysis } from '../../src/analysis/model.js';
import { analyzeFiles } from '../../src/analysis/pipeline.js';
import { TlsKeyLog } from '../../src/tls/keylog.js';
import { runCli } from '../cli/run-cli.js';
import { FIXTURES } from '../support/facts.js';
import { analyze, facts, flat, path, transfer, tsv } from './audit-fixtures.js';

/** The fixture read with its key log. */
async function keyed(name: string): Promise<Analysis> {
  const tlsKeyLog = new TlsKeyLog();
  tlsKeyLog.addText(readFileSync(join(FIXTURES, `${name}.keys`), 'latin1'));
  return analyzeFiles([path(name)], { fileName: name, thread: false, tlsKeyLog });
}
/** A command's output, flattened, with or without the key log. */
async function out(name: string, command: string, withKeys: boolean): Promise<string> {
  const keys = withKeys ? ['--tls-keylog', join(FIXTURES, `${name}.keys`)] : [];
  const r = await runCli([command, '--no-color', ...keys, path(name)]);
  expect(r.code).toBe(0);
  return flat(r.stdout);
}
/** tshark's frames of a port's segments matching a test on the fields row. */
const framesFrom = (name: string, port: string, test: (r: Record<string, string>) => boolean): number[] =>
  tsv(name, 'fields')
    .filter((r) => r['tcp.srcport'] === port && test(r))
    .map((r) => Number(r['frame.number']));
const flags = (r: Record<string, string>): number => parseInt(r['tcp.flags'] || '0', 16);

const ALL = [
  'a65-ftps-refused-proftpd-python',
  'a65-ftps-client-killed-retr-vsftpd-curl',
  'a65-ftps-client-killed-retr-server-side-vsftpd-curl',
  'a65-ftps-client-killed-stor-vsftpd-python',
  'a65-ftps-client-killed-stor-server-side-vsftpd-python',
  'a65-ftps-abor-retr-vsftpd-python',
  'a65-ftps-stor-full-vsftpd-python',
  'a65-ftps-server-killed-stor-vsftpd-lftp',
  'a65-ftps-server-killed-stor-server-side-vsftpd-lftp',
  'a65-ftps-quota-pureftpd-curl',
];

describe('sixty-fifth audit: without keys, nothing is claimed past what TCP and TLS show', () => {
  it.each(ALL)('%s: every transfer is a probable one (TLS), none completed or failed', async (name) => {
    const a = await analyze(name);
    for (const s of a.sessions) {
      expect(s.tls).toBe(true);
      for (const t of s.transfers) expect([t.inferred, t.verdict.kind, (t.verdict as { why?: string }).why]).toEqual(['tls-hidden', 'unknown', 'tls-hidden']);
    }
  });

  it('the transfers table says a reply TLS hid is not readable, not that none is in the capture', async () => {
    const text = await out('a65-ftps-refused-proftpd-python', 'transfers', false);
    expect(text.match(/reply not readable: TLS encrypted its final reply, if any/g)).toHaveLength(3);
    expect(text).not.toMatch(/none in the capture/);
    // With the keys: the 550s and the 226.
    const plain = await out('a65-ftps-refused-proftpd-python', 'transfers', true);
    expect(plain).toMatch(/reply 550 ro\/denied\.txt: Permission denied \(frame 35\)/);
    expect(plain).toMatch(/reply 550 missing\.bin: No such file or directory \(frame 45\)/);
  });
});

describe('sixty-fifth audit: an upload into a full disk, read without keys', () => {
  const name = 'a65-ftps-stor-full-vsftpd-python';

  it("the recorder's facts: the server kept 65536 of the 200000 bytes; ftplib read 451; the RETR whole", () => {
    const f = facts(name);
    expect(f.server.kept).toBe('65536');
    expect(f.files.map((x: any) => [x.op, x.path, x.size, x.received?.size ?? null, x.received_matches])).toEqual([
      ['STOR', 'full/a65-full.bin', 200000, 65536, false],
      ['RETR', 'hello.txt', 511, 511, true],
    ]);
    expect(f.client.output).toMatch(/STOR ended: error_temp\('451 Failure writing to local file\.'\)/);
  });

  it('not stalled: the zero windows were the receiving server\'s, reopened at once, and the 451 is only encrypted', async () => {
    // tshark: the client (port 43016) sent the data; the zero windows came from the server's port 50064.
    expect(tsv(name, 'streams').find((r) => r.stream === '1')).toMatchObject({ srcport: '43016', dstport: '50064', bytes_src_to_dst: '195877', bytes_dst_to_src: '646' });
    const zero = framesFrom(name, '50064', (r) => r['tcp.window_size_value'] === '0' && (flags(r) & 0x02) === 0);
    expect(zero.slice(0, 3)).toEqual([134, 163, 184]);
    expect(framesFrom(name, '43016', (r) => r['tcp.window_size_value'] === '0' && (flags(r) & 0x02) === 0)).toEqual([]);
    expect(framesFrom(name, '50064', (r) => (flags(r) & 0x04) !== 0)).toEqual([200]);

    const a = await analyze(name);
    const t = transfer(a, '1.1');
    // Before: cause stalled ("The receiving side (client) advertised a zero window …: it stopped reading").
    expect(t.verdict).toEqual({ kind: 'unknown', why: 'tls-hidden', bytes: 196523, cause: 'aborted', evidence: [32, 33, 200] });
    expect(t.diagnosis?.evidence).toEqual([32, 33, 195, 200]);
    expect(t.diagnosis?.summary).toMatch(
      /The server \(the data's receiver, by the bytes: the client sent 195,877 of the connection's 196,523, TLS hiding the command\) reset the TLS data connection \(stream 1, frame 200\) before the client had ended it/,
    );
    expect(transfer(a, '1.2').diagnosis).toBeNull();
    for (const command of ['diagnose', 'transfers', 'explain']) {
      const text = await out(name, command, false);
      expect(text, command).not.toMatch(/zero window|stalled|gave up on the stalled transfer|with no reply to/);
    }
    expect(await out(name, 'summary', false)).toMatch(/1\.1 passive - 198\.51\.100\.20:50064 196523 - probable \(TLS\), reset by the receiver/);
  });

  it('with the keys: aborted by the server (451, frame 201), as the clear-text a62-stor-full-vsftpd-curl; the RETR completed', async () => {
    const a = await keyed(name);
    expect(transfer(a, '1.1').verdict).toEqual({ kind: 'aborted', by: 'server', bytes: 188416, expected: null, cause: 'aborted', evidence: [31, 32, 33, 35, 200, 201] });
    expect([transfer(a, '1.1').reply?.code, transfer(a, '1.1').reply?.frame]).toEqual([451, 201]);
    expect(transfer(a, '1.2').verdict.kind).toBe('completed');
    const plain = await analyze('a62-stor-full-vsftpd-curl');
    expect([transfer(plain, '1.1').verdict.kind, (transfer(plain, '1.1').verdict as { by?: string }).by, transfer(plain, '1.1').diagnosis?.cause]).toEqual(['aborted', 'server', 'aborted']);
  });
});

describe('sixty-fifth audit: the client killed mid-download, at both ends', () => {
  const client = 'a65-ftps-client-killed-retr-vsftpd-curl';
  const server = 'a65-ftps-client-killed-retr-server-side-vsftpd-curl';

  it("the recorder's facts: curl killed (exit 137), 81920 of the 524288 bytes saved", () => {
    for (const name of [client, server]) {
      const f = facts(name);
      expect(f.client.exit_status).toBe(137);
      expect(f.files.map((x: any) => [x.op, x.path, x.size, x.received.size, x.received_matches])).toEqual([['RETR', 'a65-half.bin', 524288, 81920, false]]);
    }
  });

  it('without keys: the client reset the data connection before the server had ended it, at both capture points', async () => {
    for (const [name, reset, record] of [
      [client, 272, 140],
      [server, 332, 297],
    ] as const) {
      expect(framesFrom(name, '53714', (r) => (flags(r) & 0x04) !== 0)[0]).toBe(reset);
      expect(framesFrom(name, '50038', (r) => (flags(r) & 0x05) !== 0)).toEqual([]);
      const t = transfer(await analyze(name), '1.1');
      expect([t.verdict.kind, (t.verdict as { cause?: string }).cause, t.diagnosis?.evidence]).toEqual(['unknown', 'aborted', [33, 34, record, reset]]);
      expect(t.diagnosis?.summary).toMatch(new RegExp(`The client \\(the data's receiver, by the bytes: .*\\) reset the TLS data connection \\(stream 1, frame ${reset}\\) before the server had ended it: no FIN from the server`));
    }
  });

  it("with keys: aborted by the client, and the acknowledgements counted in the TLS records' bytes, not against the file's", async () => {
    // tshark: the highest acknowledgement the client sent on the data connection, less the server's ISN + 1.
    const rows = tsv(client, 'fields').filter((r) => r['tcp.srcport'] === '53714' || r['tcp.dstport'] === '53714');
    const isn = Number(rows.find((r) => r['tcp.srcport'] === '50038' && flags(r) === 0x12)!['tcp.seq_raw']);
    const acked = Math.max(...rows.filter((r) => r['tcp.srcport'] === '53714' && (flags(r) & 0x04) === 0).map((r) => Number(r['tcp.ack_raw']))) - isn - 1;
    expect(acked).toBe(83636);
    const a = await keyed(client);
    expect(transfer(a, '1.1').verdict).toEqual({ kind: 'aborted', by: 'client', bytes: 81920, expected: 524288, cause: 'aborted', evidence: [32, 33, 34, 44, 272, 301] });
    const text = await out(client, 'diagnose', true);
    // Before: "81920 bytes of 524288 announced had been sent; the client had acknowledged 0 of them when the reset came".
    expect(text).not.toMatch(/acknowledged 0 of them/);
    expect(text).toMatch(new RegExp(`81920 bytes of 524288 announced had been decrypted from the server's TLS records; the client had acknowledged ${acked} bytes of those records`));
    // The server-side capture: more of the server's records (what was in flight), the same verdict.
    expect((await keyed(server)).sessions[0].transfers.map((t) => [t.verdict.kind, (t.verdict as { by?: string }).by, t.bytes])).toEqual([['aborted', 'client', 196608]]);
  });
});

describe('sixty-fifth audit: ABOR after 64 KiB of a download', () => {
  const name = 'a65-ftps-abor-retr-vsftpd-python';

  it('without keys: reset by the receiver; with keys: aborted by the client (ABOR frame 117, 426 frame 187); RETR hello.txt completed', async () => {
    expect(facts(name).client.output).toMatch(/^received before ABOR 65536\|reply 426 Failure writing network stream\.\|reply 225 No transfer to ABOR\./);
    const plain = await analyze(name);
    expect([transfer(plain, '1.1').verdict, transfer(plain, '1.2').diagnosis]).toEqual([{ kind: 'unknown', why: 'tls-hidden', bytes: 67509, cause: 'aborted', evidence: [33, 34, 116] }, null]);
    const a = await keyed(name);
    expect(transfer(a, '1.1').verdict).toEqual({ kind: 'aborted', by: 'client', bytes: 65536, expected: 524288, cause: 'aborted', evidence: [32, 33, 34, 36, 116, 117, 187] });
    expect(transfer(a, '1.2').verdict.kind).toBe('completed');
  });
});

describe('sixty-fifth audit: the client killed mid-upload', () => {
  it('its records stopped mid-record: tls-no-close-notify, with advice about the interrupted sender, at both ends and with keys', async () => {
    for (const [name, cut, close] of [
      ['a65-ftps-client-killed-stor-vsftpd-python', 183, 190],
      ['a65-ftps-client-killed-stor-server-side-vsftpd-python', 188, 197],
    ] as const) {
      expect(facts(name).server.kept).toBe('131072 bytes of a65-up.bin');
      const t = transfer(await analyze(name), '1.1');
      expect([t.verdict.kind, (t.verdict as { cause?: string }).cause, t.diagnosis?.evidence]).toEqual(['unknown', 'tls-no-close-notify', [32, 33, cut, close]]);
      // Before: "… servers and clients should end PROT P data connections with close_notify (vsftpd: strict_ssl_write_shutdown=YES)".
      expect(t.diagnosis?.advice).toMatch(/^The client stopped in the middle of a TLS record: it was interrupted while sending/);
      expect(t.diagnosis?.advice).not.toMatch(/strict_ssl_write_shutdown/);
      const k = transfer(await keyed(name), '1.1');
      expect([k.verdict.kind, (k.verdict as { by?: string }).by, k.bytes, k.reply?.code]).toEqual(['aborted', 'client', 131072, 426]);
    }
  });
});

describe('sixty-fifth audit: the server killed mid-upload (lftp), at both ends', () => {
  it('without keys: the server reset the data connection before the client had ended it; with keys: aborted by the server, no final reply', async () => {
    for (const [name, reset, decrypted] of [
      ['a65-ftps-server-killed-stor-vsftpd-lftp', 415, 294912],
      ['a65-ftps-server-killed-stor-server-side-vsftpd-lftp', 300, 180224],
    ] as const) {
      const f = facts(name);
      expect([f.client.exit_status, f.server.kept, f.client.output]).toEqual([1, '180224 bytes of a65-up2.bin', expect.stringMatching(/max-retries exceeded/)]);
      const port = tsv(name, 'streams').find((r) => r.stream === '1')!.dstport;
      expect(framesFrom(name, port, (r) => (flags(r) & 0x04) !== 0)[0]).toBe(reset);
      const t = transfer(await analyze(name), '1.1');
      expect([t.verdict.kind, (t.verdict as { cause?: string }).cause, t.diagnosis?.evidence.at(-1)]).toEqual(['unknown', 'aborted', reset]);
      expect(t.diagnosis?.summary).toMatch(/The server \(the data's receiver, by the bytes: the client sent [\d,]+ of the connection's [\d,]+, TLS hiding the command\) reset the TLS data connection/);
      const k = await keyed(name);
      expect(k.sessions[0].transfers.map((x) => [x.request?.command, x.verdict.kind, (x.verdict as { by?: string }).by, x.bytes, x.reply])).toEqual([['STOR', 'aborted', 'server', decrypted, null]]);
      // lftp's second try: a new session that asked SIZE (213 180224, what the server kept) and quit.
      expect(k.sessions[1].commands.map((c) => [c.command, c.reply?.code, c.reply?.text])).toContainEqual(['SIZE', 213, '180224']);
      expect(k.sessions[1].transfers).toEqual([]);
    }
  });
});

describe('sixty-fifth audit: an upload over the quota (pure-ftpd), refused before its data connection spoke TLS', () => {
  const name = 'a65-ftps-quota-pureftpd-curl';

  it("with keys: failed, server-refused (552 quota, frame 74), not 'aborted by the server' for a TLS handshake that failed", async () => {
    const f = facts(name);
    expect(f.files.map((x: any) => [x.op, x.path, x.received?.size ?? null, x.received_matches])).toEqual([
      ['STOR', 'a65-first.txt', 259, true],
      ['STOR', 'a65-quota.bin', 0, false],
      ['RETR', 'hello.txt', 511, true],
    ]);
    // tshark: curl's ClientHello (frame 71) on the data connection before its STOR (73); no ServerHello;
    // curl's FIN (76) after the 552 (74), the server's reset (78).
    const data = tsv(name, 'streams').find((r) => r.stream === '2')!;
    expect(framesFrom(name, data.srcport, (r) => Number(r['tcp.len']) > 0)).toEqual([71]);
    expect(framesFrom(name, data.dstport, (r) => Number(r['tcp.len']) > 0)).toEqual([]);
    expect(framesFrom(name, data.srcport, (r) => (flags(r) & 0x01) !== 0)).toEqual([76]);
    expect(framesFrom(name, data.dstport, (r) => (flags(r) & 0x04) !== 0)).toEqual([78]);
    const a = await keyed(name);
    const t = transfer(a, '1.2');
    // Before: { kind: 'aborted', by: 'server', …, cause: 'tls-handshake-failed' }, advice about certificates and ciphers.
    expect([t.request?.command, t.status, t.verdict.kind, t.diagnosis?.cause, t.reply?.code, t.reply?.frame, t.bytes]).toEqual(['STOR', 'failed', 'failed', 'server-refused', 552, 74, 0]);
    expect(t.diagnosis?.advice).toMatch(/quota/);
    expect([transfer(a, '1.1').verdict.kind, transfer(a, '1.3').verdict.kind]).toEqual(['completed', 'completed']);
    // extract with the key log: no file, and no "a key log would give the file" (the handshake never completed).
    const dir = mkdtempSync(join(tmpdir(), 'ftpcap-audit65-'));
    try {
      const r = await runCli(['extract', '--json', '--tls-keylog', join(FIXTURES, `${name}.keys`), '-o', join(dir, 'x'), path(name)]);
      expect(r.code).toBe(0);
      const m = JSON.parse(r.stdout);
      expect(m.objects.map((o: any) => [o.originalName, o.bytes, o.verdict])).toEqual([['a65-first.txt', 259, 'complete'], ['hello.txt', 511, 'complete']]);
      // Before: "its data connection is TLS (PROT P) and was not decrypted: its 517 bytes are TLS records, not the file (a key log would give the file)".
      expect(m.skipped.map((k: any) => [k.transfer, k.reason])).toEqual([
        [2, 'the server answered 552 (frame 74): its data connection opened, but its TLS handshake never completed (its 517 bytes are the handshake\'s), so no data moved'],
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('without keys: the ClientHello went unanswered; the advice names the likely refusal, not a certificate or cipher', async () => {
    const t = transfer(await analyze(name), '1.2');
    expect([t.verdict.kind, (t.verdict as { cause?: string }).cause]).toEqual(['unknown', 'tls-handshake-failed']);
    expect(t.diagnosis?.summary).toMatch(/closed after the ClientHello \(frame 71\) without a ServerHello/);
    // Before: "The alert names the reason: a certificate the client does not trust, no TLS version or cipher suite in common."
    expect(t.diagnosis?.advice).toMatch(/^The server never answered the ClientHello, with a ServerHello or an alert: .* so the command was probably refused \(its reply is encrypted/);
    expect(t.diagnosis?.advice).not.toMatch(/The alert names the reason/);
  });
});

describe('sixty-fifth audit: refusals inside TLS', () => {
  it('with keys: STOR 550 (permission) and RETR 550 (missing) failed, server-refused; RETR hello.txt completed', async () => {
    const name = 'a65-ftps-refused-proftpd-python';
    const a = await keyed(name);
    expect(a.sessions[0].transfers.map((t) => [t.request?.command, t.request?.arg, t.verdict.kind, t.diagnosis?.cause ?? null, t.reply?.code, t.reply?.frame])).toEqual([
      ['STOR', 'ro/denied.txt', 'failed', 'server-refused', 550, 35],
      ['RETR', 'missing.bin', 'failed', 'server-refused', 550, 45],
      ['RETR', 'hello.txt', 'completed', null, 226, 67],
    ]);
    // Without: nothing diagnosed on the three connections (two opened and reset with no TLS, one whole).
    expect((await analyze(name)).sessions[0].transfers.map((t) => t.diagnosis)).toEqual([null, null, null]);
  });
});
