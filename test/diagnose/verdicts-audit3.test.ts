/**
 * The third verdict audit, each on a real recording (fixtures/record.sh, "third verdict audit"):
 * the verdict the model decides, its frames, and what the outputs say. Frame numbers are tshark's
 * (the fixtures' tshark-ftp/-streams views hold them).
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FIXTURES } from '../support/facts.js';
import { analyze, causes, flat, outputs, path, transfers } from './audit-fixtures.js';
import { readTsharkTsv } from '../conformance/peer-readers.js';
import { readView } from './tshark-evidence.js';


describe('1. an empty file and an empty listing are complete with 0 bytes', () => {
  it('empty-vsftpd-python: RETR empty.bin, LIST and NLST emptydir: completed, 0 bytes each, no diagnosis', async () => {
    const name = 'empty-vsftpd-python';
    const a = await analyze(name);
    expect(transfers(a).map((t) => [t.request?.command, t.bytes, t.status, t.verdict.kind, t.reply?.code, t.reply?.frame])).toEqual([
      ['RETR', 0, 'complete', 'completed', 226, 27],
      ['LIST', 0, 'complete', 'completed', 226, 41],
      ['NLST', 0, 'complete', 'completed', 226, 55],
    ]);
    expect(transfers(a)[0].verdict).toMatchObject({ expected: 0, missingBytes: 0 });
    expect(causes(a)).toEqual([]);
    const [summary, transfersOut, diagnose, explain, timeline] = await outputs(name, 'summary', 'transfers', 'diagnose', 'explain', 'timeline');
    expect(diagnose).toContain('No failed data connections in 1 session: 3 transfers (3 complete).');
    expect(transfersOut.match(/completed: 0 bytes, all in the capture/g)).toHaveLength(3);
    expect(explain).toContain('0 bytes flow server → client: the file is empty.');
    expect(explain).toContain('0 bytes flow server → client: the listing is empty.');
    // Before: explain said "No data flows on it." for each of them.
    for (const out of [summary, transfersOut, diagnose, explain, timeline]) expect(out).not.toMatch(/no data|failed:|incomplete|No data flows/i);
  });
});

describe('2. a passive data connection from another address than the control connection (a NAT pool that is not paired)', () => {
  it('snat-pool-server-side-vsftpd-curl: control from 198.51.100.2, data from 198.51.100.3; vsftpd closes it (29) and says 425 (30)', async () => {
    const name = 'snat-pool-server-side-vsftpd-curl';
    const a = await analyze(name);
    const streams = readTsharkTsv(join(FIXTURES, `${name}.tshark-streams.tsv`));
    // tshark: stream 0 from 198.51.100.2, stream 1 (the data connection) from 198.51.100.3, no payload.
    expect(streams.map((r) => [r.src, r.dstport, r.bytes_src_to_dst, r.bytes_dst_to_src])).toEqual([
      ['198.51.100.2', '21', '85', '285'],
      ['198.51.100.3', '50089', '0', '0'],
    ]);
    const t = transfers(a)[0];
    expect([t.status, t.verdict.kind, t.bytes, t.reply?.code, t.connection?.client.ip, a.sessions[0].client.ip]).toEqual([
      'failed', 'failed', 0, 425, '198.51.100.3', '198.51.100.2',
    ]);
    expect(t.verdict).toMatchObject({ cause: 'passive-peer-mismatch' });
    const [summary, diagnose, explain] = await outputs(name, 'summary', 'diagnose', 'explain');
    // Before: diagnose said "No failed data connections in 1 session: 1 transfer (1 failed)" and explain "everything happened as described".
    expect(diagnose).not.toMatch(/No failed data connections/);
    expect(explain).not.toMatch(/everything happened as described/);
    expect(summary).toContain("1.1 passive-peer-mismatch: the server refused a data connection from another address than the control connection's");
    expect(explain).toContain("transfer 1 failed: the server refused a data connection from another address than the control connection's");
  });
});

describe('3. curl -r 0-999: the client ends the download itself', () => {
  it('range-vsftpd-curl: 5,288 bytes reached the client; it sent ABOR (34) and reset the data connection (35): aborted by the client', async () => {
    const name = 'range-vsftpd-curl';
    const a = await analyze(name);
    const t = transfers(a)[0];
    // vsftpd had handed the whole file to its TCP stack and said 226 (36); ABOR got 225 (37).
    // Its reset acknowledged all 5,288 bytes that came (tshark: ack 5289, as its ACK at 33): rst.acksAll.
    expect([t.bytes, t.expectedSize, t.abortFrame, t.connection?.rst, t.reply?.code, t.reply?.frame]).toEqual([5288, 65536, 34, { frame: 35, by: 'client', ttl: 64, acksAll: true }, 226, 36]);
    expect(t.verdict).toMatchObject({ kind: 'aborted', by: 'client', bytes: 5288, expected: 65536, cause: 'aborted' });
    const abor = a.sessions[0].commands.find((c) => c.command === 'ABOR')!;
    expect([abor.frame, abor.reply?.code, abor.reply?.frame]).toEqual([34, 225, 37]);
    const [summary, diagnose] = await outputs(name, 'summary', 'diagnose');
    expect(summary).toContain('aborted (client)');
    // Not the network's or the server's doing, and no slow reader.
    expect(diagnose).not.toMatch(/not keeping up|device between|server dropped the transfer/);
  });
});

describe('4. a firewall forgot the idle control connection during a long transfer: the data is whole, the 226 never arrives', () => {
  it('ctrl-idle-cut-server-side-vsftpd-curl: 226 (119) sent again 7 times, never acknowledged: reply-lost, control-cut', async () => {
    const name = 'ctrl-idle-cut-server-side-vsftpd-curl';
    const a = await analyze(name);
    const view = readView(FIXTURES, name);
    // tshark: the 226 is frame 119 and the last FTP line of the capture (no QUIT, no 221 ever got through).
    expect(view.ftp.slice(-2).map((r) => [r['frame.number'], r['ftp.response.code']])).toEqual([['27', '150'], ['119', '226']]);
    const s = a.sessions[0];
    expect(s.controlConnection.unacknowledged).toEqual({ by: 'server', frame: 119, repeats: [120, 121, 122, 123, 126, 127, 128], bytes: 24, fin: false });
    const t = transfers(a)[0];
    expect([t.status, t.bytes, t.reply?.frame, t.connection?.unacknowledgedBytes]).toEqual(['incomplete', 32768, 119, 0]);
    expect(t.verdict).toEqual({
      kind: 'reply-lost', bytes: 32768, expected: 32768, reply: 119, by: 'server', from: 119, finOnly: false,
      repeats: [120, 121, 122, 123, 126, 127, 128], evidence: [18, 19, 20, 26, 116, 119, 120],
    });
    expect(t.diagnosis?.cause).toBe('control-cut');
    const [summary, transfersOut, explain] = await outputs(name, 'summary', 'transfers', 'explain');
    // Before: "complete" everywhere, with no word about the reply that never arrived.
    expect(summary).toContain('data whole, reply lost');
    expect(transfersOut).toContain("delivered its data whole (32,768 bytes of 32,768 announced), but the server's final reply (226, frame 119) never reached the client: it was sent again 7 times and never acknowledged.");
    expect(explain).toContain('transfer 1 data whole, reply lost: the control connection was cut while the data connection ran');
  });

  it('ctrl-idle-cut-client-side-vsftpd-curl: no 226; the client\'s FIN (121) sent again 3 times, never acknowledged: the same verdict, not "stalled"', async () => {
    const name = 'ctrl-idle-cut-client-side-vsftpd-curl';
    const a = await analyze(name);
    const s = a.sessions[0];
    expect(s.controlConnection.unacknowledged).toEqual({ by: 'client', frame: 121, repeats: [122, 123, 124], bytes: 0, fin: true });
    const t = transfers(a)[0];
    expect([t.status, t.bytes, t.reply, t.verdict.kind, t.diagnosis?.cause]).toEqual(['incomplete', 32768, null, 'reply-lost', 'control-cut']);
    const [summary, diagnose] = await outputs(name, 'summary', 'diagnose');
    // Before: "incomplete 32,768/32,768" and "stalled" with the zero-window advice (curl's --limit-rate was the zero window).
    for (const out of [summary, diagnose]) expect(out).not.toMatch(/incomplete 32,768\/32,768|stalled/);
    expect(summary).toContain('data whole, reply lost');
  });

  it('no other recording has a control connection whose last segments went unacknowledged', async () => {
    for (const name of ['passive-vsftpd-lftp', 'client-killed-pyftpdlib-wget', 'server-killed-pureftpd-curl', 'idle-timeout-pyftpdlib-python', 'pmtu-blackhole-client-side-vsftpd-curl', 'capture-loss-vsftpd-lftp', 'abor-stalled-quit-pureftpd-python']) {
      const a = await analyze(name);
      expect([name, a.sessions.map((s) => s.controlConnection.unacknowledged)]).toEqual([name, a.sessions.map(() => null)]);
    }
  });
});

describe('5. FXP: a PORT naming the other server\'s passive endpoint is a server-to-server transfer, not a bounce', () => {
  it('fxp-vsftpd-pyftpdlib-lftp: one data connection (stream 2), both transfers complete with its 511 bytes', async () => {
    const name = 'fxp-vsftpd-pyftpdlib-lftp';
    const a = await analyze(name);
    const [stor, retr] = transfers(a);
    // Session 1: pyftpdlib (203.0.113.30), PORT 198,51,100,20,195,87 (66), STOR; session 2: vsftpd, PASV 227 (61), RETR.
    expect([stor.session, stor.mode, stor.request?.command, stor.announce?.frame, stor.connection?.stream, stor.bytes, stor.reply?.frame, stor.fxp]).toEqual([
      1, 'active', 'STOR', 66, 2, 511, 80, { session: 2, transfer: 1 },
    ]);
    expect([retr.session, retr.mode, retr.request?.command, retr.announce?.frame, retr.connection?.stream, retr.bytes, retr.reply?.frame, retr.fxp]).toEqual([
      2, 'passive', 'RETR', 61, 2, 511, 79, { session: 1, transfer: 1 },
    ]);
    expect(transfers(a).map((t) => t.verdict.kind)).toEqual(['completed', 'completed']);
    expect(causes(a)).toEqual([]);
    const [summary, transfersOut, diagnose, explain] = await outputs(name, 'summary', 'transfers', 'diagnose', 'explain');
    // Before: "1.1 bounce: PORT names a third host (FTP bounce) … sending 0 bytes there" and 2.1 "data not captured".
    for (const out of [summary, transfersOut, diagnose, explain]) expect(out).not.toMatch(/bounce|not captured|not in the capture/);
    expect(transfersOut).toContain('FXP, server to server: also the data connection of transfer 2.1');
    expect(explain).toContain("the other server's passive endpoint (transfer 2.1): a server-to-server transfer (FXP)");
  });
});

describe('5b. FXP refused: the passive half fails with the copy', () => {
  it('fxp-refused-vsftpd-pyftpdlib-lftp: RETR 62 on the PASV side (227 at 61) is never answered; the PORT (66) naming its endpoint is refused (501, 67): failed, fxp-refused, in every output', async () => {
    const name = 'fxp-refused-vsftpd-pyftpdlib-lftp';
    const a = await analyze(name);
    const [retr] = a.sessions[0].transfers;
    const [port] = a.sessions[1].transfers;
    expect([retr.mode, retr.request?.command, retr.request?.frame, retr.announce?.reply?.frame, retr.reply, retr.connection, retr.fxp]).toEqual([
      'passive', 'RETR', 62, 61, null, null, { session: 2, transfer: 1 },
    ]);
    expect([port.mode, port.announce?.frame, port.announce?.reply?.code, port.announce?.reply?.frame]).toEqual(['active', 66, 501, 67]);
    // Before: "incomplete 0/511" (the session ended first) beside the fxp-refused diagnosis: this half could never run.
    expect([retr.status, retr.verdict.kind, retr.verdict.kind === 'failed' && retr.verdict.cause, retr.diagnosis?.evidence]).toEqual(['failed', 'failed', 'fxp-refused', [61, 62, 66, 67]]);
    expect([port.verdict.kind, port.diagnosis?.cause]).toEqual(['failed', 'fxp-refused']);
    // The two other attempts lftp made the same way, and its last try through itself (8.1: complete).
    expect(a.sessions.slice(2).map((s) => s.transfers.map((t) => [t.mode, t.verdict.kind]))).toEqual([
      [['active', 'failed']],
      [['passive', 'failed']],
      [['active', 'failed']],
      [['passive', 'failed']],
      [['active', 'failed']],
      [['passive', 'completed']],
    ]);
    const [summary, diagnose] = await outputs(name, 'summary', 'diagnose');
    expect(summary).not.toContain('incomplete');
    expect(summary).toContain('1.1 passive RETR');
    expect(diagnose).toContain('Session 1, transfer 1: fxp-refused');
  });
});

describe('6. a NOOP answered during a transfer pairs with the NOOP, the 226 with the RETR', () => {
  it('noop-during-transfer-pyftpdlib-python: RETR 20 → 125 (21), 226 (101); NOOP 49 → 200 (51)', async () => {
    const name = 'noop-during-transfer-pyftpdlib-python';
    const a = await analyze(name);
    const pairs = a.sessions[0].commands.filter((c) => c.command === 'RETR' || c.command === 'NOOP').map((c) => [c.command, c.frame, c.reply?.code, c.reply?.frame, c.preliminary.map((r) => r.frame)]);
    // Before: RETR took the NOOP's 200 and the NOOP the 226.
    expect(pairs).toEqual([
      ['RETR', 20, 226, 101, [21]],
      ['NOOP', 49, 200, 51, []],
    ]);
    const t = transfers(a)[0];
    expect([t.status, t.verdict.kind, t.bytes, t.reply?.code, t.reply?.frame]).toEqual(['complete', 'completed', 65536, 226, 101]);
    expect(causes(a)).toEqual([]);
  });

  it('a running transfer still takes its own error reply while a later command waits', async () => {
    // abor-vsftpd-python: 426 (101) is the RETR's although ABOR waits behind it.
    const a = await analyze('abor-vsftpd-python');
    const retr = a.sessions[0].commands.find((c) => c.command === 'RETR')!;
    expect([retr.reply?.code, retr.reply?.frame]).toEqual([426, 101]);
  });
});

describe('7. a session turned away for the connection limit', () => {
  it('too-many-vsftpd-python: session 2 gets 421 (17) at its greeting; session 1 RETRs hello.txt whole', async () => {
    const name = 'too-many-vsftpd-python';
    const a = await analyze(name);
    expect(a.sessions.map((s) => s.control.kind)).toEqual(['opened', 'turned-away']);
    expect(transfers(a).map((t) => [t.session, t.verdict.kind, t.bytes, t.reply?.code])).toEqual([[1, 'completed', 511, 226]]);
    const [summary, sessions, diagnose, explain, timeline] = await outputs(name, 'summary', 'sessions', 'diagnose', 'explain', 'timeline');
    // Before: only "The server says, unasked: 421" in explain; diagnose said "No failed data connections".
    expect(summary).toContain('session 2: The server turned the session away: it answered the connection with 421 There are too many connections from your internet address. (frame 17) instead of a greeting, for its connection limit');
    expect(sessions).toContain('none: turned away (421)');
    expect(diagnose).toContain('Session 2 (session-refused)');
    expect(explain).toContain('the server turned the session away (421, frame 17) for its connection limit');
    expect(timeline).toContain('The server turns the session away (its connection limit)');
    expect(diagnose).not.toMatch(/No failed/);
  });
});
