/**
 * Review 81: the open items session 41's re-read of every fixture left, each settled from the frames.
 *
 * a58-retr-rst-vsftpd-lftp-server-side: a router resets lftp's download in the client's name (TTL 64
 * where the client's packets arrive with 63) after vsftpd has sent 60,816 bytes, of which the client
 * had acknowledged 23,168 when the reset came; its ACKs still on their way follow the reset (frame 102
 * acknowledges 56,472, what the client-side capture shows it kept). The verdict read "aborted by the
 * network … after 60,816 of 262,144 bytes", a count of what was sent worded as what moved; the
 * connection line "RST from the client" beside "aborted by the network".
 *
 * pmtu-blackhole-client-side-vsftpd-curl: the router drops the server's full-sized segments; the
 * file's last 104 bytes (a short segment) arrive at the client, after a hole of 2,896: its ACKs stay
 * at 0, its SACKs (frames 29, 31, 33: tshark tcp.options.sack_le/re 2897-3001) take the 104. The table
 * read "0/3,000 received" and the verdict "the rest lost on the path", as if none had arrived.
 *
 * cut-midtransfer-vsftpd-curl: the recorder counted 393,592 data bytes, every captured copy; one
 * segment of 376 bytes is in the capture twice: the file's bytes in it are 393,216.
 *
 * ftps-implicit-*: with the key log, explain quoted the greeting as "(frame 15)", every later line
 * "(frame N, decrypted)": the 220 came inside TLS too.
 *
 * slow-greeting-pyftpdlib-curl: the advice led with a reverse-DNS lookup to turn off, then said
 * pyftpdlib looks nothing up.
 *
 * The passive-address check's "got no answer (N SYNs)" is not said of a SYN the server answered.
 *
 * Frames are tshark's (NAME.tshark-*.tsv), sizes the recorder's (NAME.facts.json).
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkActiveAddressMismatch, checkPassiveAddressMismatch } from '../../src/analysis/diagnose/checks/address.js';
import type { TransferCheck } from '../../src/analysis/diagnose/types.js';
import type { DataConnection } from '../../src/analysis/model.js';
import { runCli } from '../cli/run-cli.js';
import { FIXTURES } from '../support/facts.js';
import { analyze, facts, flat, outputs, path, transfer, tsv } from './audit-fixtures.js';

/** tshark's rows of one TCP stream, by its server port. */
const rows = (name: string, port: string): Array<Record<string, string>> =>
  tsv(name, 'fields').filter((r) => r['tcp.srcport'] === port || r['tcp.dstport'] === port);
const flags = (r: Record<string, string>): number => parseInt(r['tcp.flags'] || '0', 16);
/** A sequence or acknowledgement number relative to the ISN of the connection's SYN-ACK (the server's data). */
const rel = (raw: string, isn: string): number => (Number(raw) - Number(isn) - 1 + 2 ** 32) % 2 ** 32;

describe('review 81: a sender-side count after a reset where no loss is provable', () => {
  const name = 'a58-retr-rst-vsftpd-lftp-server-side';

  it("tshark: 60,816 bytes sent, 23,168 acknowledged when the router's reset came (frame 99, TTL 64), 56,472 acknowledged after it", () => {
    const r = rows(name, '50030');
    const synAck = r.find((x) => flags(x) === 0x12)!;
    const isn = synAck['tcp.seq_raw'];
    const data = r.filter((x) => x['ip.src'] === '198.51.100.20' && Number(x['tcp.len']) > 0);
    expect(data.reduce((n, x) => n + Number(x['tcp.len']), 0)).toBe(60816);
    const rst = r.find((x) => flags(x) & 0x04)!;
    expect([rst['frame.number'], rst['ip.src'], rst['ip.ttl']]).toEqual(['99', '192.0.2.10', '64']);
    const acks = (upTo: number, after = 0) =>
      Math.max(...r.filter((x) => x['ip.src'] === '192.0.2.10' && flags(x) & 0x10 && Number(x['frame.number']) > after && Number(x['frame.number']) < upTo).map((x) => rel(x['tcp.ack_raw'], isn)));
    expect(acks(99)).toBe(23168);
    expect(acks(Infinity, 99)).toBe(56472);
    expect(r.find((x) => x['frame.number'] === '102')!['ip.ttl']).toBe('63');
  });

  it('the verdict counts what was sent and what was acknowledged when the reset came, for each of the three attempts', async () => {
    const a = await analyze(name);
    expect(transfer(a, '1.1').verdict).toMatchObject({ kind: 'aborted', by: 'network', bytes: 60816, expected: 262144, sentAtReset: { sent: 60816, acknowledged: 23168, reset: 99 } });
    expect(transfer(a, '1.2').verdict).toMatchObject({ kind: 'aborted', by: 'network', sentAtReset: { sent: 60816, acknowledged: 23168, reset: 183 } });
    expect(transfer(a, '1.3').verdict).toMatchObject({ kind: 'aborted', by: 'network', sentAtReset: { sent: 60816, acknowledged: 23168, reset: 269 } });
    expect(transfer(a, '1.4').verdict.kind).toBe('completed');
  });

  it('transfers says so, and names the reset a device made in the client\'s name as such', async () => {
    const [transfers] = await outputs(name, 'transfers');
    expect(transfers).toContain(
      'aborted by the network (a device between the hosts) after 60,816 of 262,144 bytes sent (426, frame 104); the client had acknowledged 23,168 of them when the reset came (frame 99).',
    );
    expect(transfers).not.toMatch(/after 60,816 of 262,144 bytes \(426/);
    expect(transfers).toContain("RST in the client's name, made by a device between the hosts, at frame 99");
    expect(transfers).not.toContain('RST from the client at frame 99');
  });

  it("explain tells the device's reset first, in the client's name, then the client's FINs (frames 106-198, TTL 63)", async () => {
    const [explain] = await outputs(name, 'explain');
    expect(explain).toContain(
      "A device between the hosts resets the data connection in the client's name: RST (frame 99), not sent by the client; the client closes the data connection: FIN (frame 106)",
    );
    expect(explain).not.toContain('the client resets the data connection: RST (frame 99)');
  });

  it("the client-side capture of the same run counts what arrived (56,472): no sender's count there", async () => {
    const a = await analyze('a58-retr-rst-vsftpd-lftp');
    const v = transfer(a, '1.1').verdict;
    expect(v).toMatchObject({ kind: 'aborted', by: 'firewall', bytes: 56472, expected: 262144 });
    expect(v).not.toHaveProperty('sentAtReset');
  });

  it('the class: an upload the router reset at the client, and a client that reset its own upload, count what was sent', async () => {
    // tshark: upload-reset-vsftpd-curl's server acknowledged 30,408 (frame 90's ACK) of the 65,536 the client sent before frame 93's reset.
    expect(transfer(await analyze('upload-reset-vsftpd-curl'), '1.1').verdict).toMatchObject({ kind: 'aborted', by: 'network', bytes: 65536, sentAtReset: { sent: 65536, acknowledged: 30408, reset: 93 } });
    expect(transfer(await analyze('a21-stor-rst-early-pyftpdlib-python'), '1.1').verdict).toMatchObject({ kind: 'aborted', by: 'client', bytes: 28328, sentAtReset: { sent: 28328, acknowledged: 24488, reset: 51 } });
    const [t] = await outputs('a58-active-stor-rst-vsftpd-lftp', 'transfers');
    expect(t).toContain('the server had acknowledged 50,680 of them when the reset came (frame 106).');
  });
});

describe('review 81: bytes that arrived past a hole are not "0 received"', () => {
  const name = 'pmtu-blackhole-client-side-vsftpd-curl';

  it('tshark: the file\'s last 104 bytes (from offset 2,896) arrived at the client (frame 28); its cumulative ACKs never left 0', () => {
    const r = rows(name, '50041');
    const isn = r.find((x) => flags(x) === 0x12)!['tcp.seq_raw'];
    const data = r.filter((x) => x['ip.src'] === '198.51.100.20' && Number(x['tcp.len']) > 0);
    expect(data.map((x) => [x['frame.number'], rel(x['tcp.seq_raw'], isn), x['tcp.len']])).toEqual([['28', 2896, '104']]);
    const acks = r.filter((x) => x['ip.src'] === '192.0.2.10' && flags(x) & 0x10 && !(flags(x) & 0x02)).map((x) => rel(x['tcp.ack_raw'], isn));
    expect(new Set(acks)).toEqual(new Set([0]));
  });

  it('the verdict keeps the 104 bytes that arrived apart from the 2,896 lost', async () => {
    const v = transfer(await analyze(name), '1.1').verdict;
    expect(v).toMatchObject({ kind: 'incomplete', bytes: 104, expected: 3000, lost: { sent: 3000, acknowledged: 0, arrivedBeyondAck: 104 } });
    const [summary, transfers] = await outputs(name, 'summary', 'transfers');
    expect(summary).toContain('incomplete, 0/3,000 received in order, 104 more arrived');
    expect(transfers).toContain('2,896 of the rest lost on the path, and 104 more arrived but not in order');
    expect(transfers).not.toMatch(/never acknowledged \(TCP|0\/3,000 received(?! in order)/);
    expect(transfers).not.toContain('(3,000 announced), the rest lost on the path');
  });

  it('at the sender\'s side nothing shows arrival: the server-side capture has no such count', async () => {
    const v = transfer(await analyze('pmtu-blackhole-server-side-vsftpd-curl'), '1.1').verdict;
    if ('lost' in v && v.lost !== undefined) expect(v.lost).not.toHaveProperty('arrivedBeyondAck');
  });
});

describe("review 81: cut-midtransfer's recorded byte count", () => {
  const name = 'cut-midtransfer-vsftpd-curl';

  it('tshark: 393,592 bytes of payload, 393,216 of them distinct: frame 303 repeats 376 bytes', () => {
    const r = rows(name, '50043').filter((x) => x['ip.src'] === '198.51.100.20' && Number(x['tcp.len']) > 0);
    expect(r.reduce((n, x) => n + Number(x['tcp.len']), 0)).toBe(393592);
    const seen = new Set<string>();
    const repeats = r.filter((x) => (seen.has(x['tcp.seq_raw']) ? true : (seen.add(x['tcp.seq_raw']), false)));
    expect(repeats.map((x) => [x['frame.number'], x['tcp.len']])).toEqual([['303', '376']]);
  });

  it("the facts and the recorder's expected text say 393,216, what ftpcap counts", async () => {
    const f = facts(name);
    expect(f.capture.data_bytes_in_capture).toBe(393216);
    expect(f.expected).toContain('the file has 393216 of 4194304 data bytes');
    expect(transfer(await analyze(name), '1.1').bytes).toBe(393216);
  });
});

describe('review 81: the implicit-FTPS greeting read with the key log is marked decrypted', () => {
  for (const [name, frame] of [['ftps-implicit-keys-vsftpd-curl', 15], ['ftps-implicit-2990-vsftpd-curl', 15]] as const) {
    it(`${name}: the 220 (frame ${frame}) came inside TLS, as every later line`, async () => {
      const keys = join(FIXTURES, `${name}.keys`);
      const r = await runCli(['explain', '--no-color', '--tls-keylog', keys, path(name)]);
      expect(r.code).toBe(0);
      const text = flat(r.stdout);
      expect(text).toContain(`The server greets: 220 (vsFTPd 3.0.3) (frame ${frame}, decrypted).`);
      expect(text).not.toContain(`(vsFTPd 3.0.3) (frame ${frame}).`);
    });
  }
});

describe('review 81: a late greeting from a server that looks nothing up', () => {
  it('slow-greeting-pyftpdlib-curl: the advice leads with what fits pyftpdlib, not with a lookup to turn off', async () => {
    const a = await analyze('slow-greeting-pyftpdlib-curl');
    const d = a.sessions[0].diagnosis!;
    expect(d.cause).toBe('no-greeting');
    expect(d.advice).toMatch(/^The server accepts the connection but is slow to greet, and pyftpdlib looks nothing up before greeting: no lookup explains the wait\./);
    expect(d.advice).not.toMatch(/reverse-DNS|turn them off/);
    expect(d.advice).toContain('curl --connect-timeout');
  });

  it('a server whose product is not named keeps the general advice (the lookup first)', async () => {
    const { adviceFor } = await import('../../src/analysis/diagnose/catalog.js');
    const s = (await analyze('slow-greeting-pyftpdlib-curl')).sessions[0];
    const unnamed = { ...s, serverSoftware: null } as typeof s;
    expect(adviceFor('no-greeting', unnamed)).toMatch(/Most often it is waiting on a reverse-DNS \(or ident\) lookup/);
  });
});

/** A check's summary of transfer 1.1 of the fixture, its data connection replaced by another (a SYN answered, a reset). */
async function withConnection(name: string, check: TransferCheck): Promise<{ c: DataConnection; run: (conn: DataConnection) => string }> {
  const a = await analyze(name);
  const s = a.sessions[0];
  const t = transfer(a, '1.1');
  const run = (conn: DataConnection): string => check({ analysis: a, session: s, transfer: { ...t, connection: conn }, vantage: s.vantage! })!.summary;
  return { c: t.connection!, run };
}

describe('review 81: a SYN the server answered is not "no answer"', () => {
  const name = 'dnat-nohelper-client-side-vsftpd-lftp';

  it('the closest fixture: SYNs to a 227 address nobody answered still read "got no answer (5 SYNs)"', async () => {
    const a = await analyze(name);
    const t = transfer(a, '1.1');
    expect(t.connection!.synAckFrames).toEqual([]);
    expect(t.diagnosis?.summary).toContain('got no answer (5 SYNs)');
  });

  it('the same connection with a SYN-ACK reads "answered", never "no answer"', async () => {
    const { run, c } = await withConnection(name, checkPassiveAddressMismatch);
    const answered = run({ ...c, synAckFrames: [c.synFrames[0] + 1] });
    expect(answered).toContain(`and was answered (SYN-ACK, frame ${c.synFrames[0] + 1}), but no acknowledgement of that answer from the client is in the capture`);
    expect(answered).not.toMatch(/no answer/);
  });
});

describe('review 81: the active address check words what answered the server\'s SYN', () => {
  const name = 'a61-double-nat-inner-helper-vsftpd-tnftp-server-side';

  it('the closest fixture: nothing answered the server\'s SYN (frame 36): "never answered"', async () => {
    const t = transfer(await analyze(name), '1.1');
    expect([t.connection!.synAckFrames, t.connection!.rst, t.connection!.icmpErrors]).toEqual([[], null, []]);
    expect(t.diagnosis?.summary).toContain("The server's SYN to 203.0.113.2:52005 (frame 36) was never answered");
  });

  it('a SYN-ACK, or a reset, is no "never answered"', async () => {
    const { run, c } = await withConnection(name, checkActiveAddressMismatch);
    const answered = run({ ...c, synAckFrames: [37] });
    expect(answered).toContain("The server's SYN to 203.0.113.2:52005 (frame 36) was answered (SYN-ACK, frame 37), but no acknowledgement of that answer from the server is in the capture");
    expect(answered).not.toContain('never answered');
    const reset = run({ ...c, rst: { frame: 37, by: 'client' } });
    expect(reset).toContain('(frame 36) was refused with a reset (frame 37)');
    expect(reset).not.toContain('never answered');
  });
});
