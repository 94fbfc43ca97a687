/**
 * The ninety-fifth verdict audit, on real recordings (fixtures/record.sh, "ninety-fifth audit"): long
 * round trips. Every other recording crosses the router in microseconds; here the router holds every
 * forwarded packet (a delay line: tun, a small program, tun) 40 ms (a95-wan-*: an 80 ms round trip),
 * 300 ms or 600 ms (a95-sat-*: a satellite's 0.6 s, or 1.2 s). Data is still on its way when a client
 * stops, a server's 226 comes long after its last byte left, and each end sees the other's packets a
 * path's delay late. At 80 ms every verdict was already right; the satellite's found six readings
 * that took the path's delay for something a host did (each test below says which, before and after),
 * and the drop sweep on these recordings two more. Each scenario is captured at both ends (NAME,
 * and NAME with -server-side- before the software): the verdict and its cause must be the ones a
 * microsecond path gives, and the two ends must agree where both can see the same thing. Frames
 * are checked against tshark's views written by the recorder. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Analysis } from '../../src/analysis/model.js';
import { analyze, derived, flagged, ftpRows, outputs, transferRows } from './audit-fixtures.js';

const tmp = mkdtempSync(join(tmpdir(), 'ftpcap-audit95-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** Per transfer: transferRows, then status, cause, the ABOR's frame, the data reset's frame and sender, retransmissions, SYN frames. */
const rows = (a: Analysis): unknown[][] =>
  transferRows(a, (t) => [t.status, t.diagnosis?.cause ?? null, t.abortFrame, t.connection?.rst ? [t.connection.rst.frame, t.connection.rst.by] : null, t.connection?.retransmissions ?? null, t.connection?.synFrames ?? null]);
/** tshark's frame of a command or reply code on the control connection (the nth when it repeats). */
const at = (name: string, what: string, nth = 0): number => ftpRows(name, '0').filter(([, x]) => x === what)[nth][0];

const ENDS = (base: string, software: string): [string, string] => [`${base}-${software}`, `${base}-server-side-${software}`];

describe("a95: long round trips (80 ms; a satellite's 600 ms)", () => {
  it('healthy (lftp → vsftpd): LIST, two RETRs and a STOR complete at both ends, with no diagnosis', async () => {
    for (const name of ENDS('a95-wan-healthy', 'vsftpd-lftp')) {
      const a = await analyze(name);
      // The replies a round trip after their commands, as tshark sees them.
      expect([at(name, 'LIST'), at(name, '226', 0), at(name, 'STOR'), at(name, '226', 3)]).toEqual([36, 44, 98, 189]);
      expect(rows(a)).toEqual([
        ['1.1', 'PASV', 31, 'LIST', 36, 1, 260, 226, 44, 'completed', 'complete', null, null, null, 0, [32]],
        ['1.2', 'PASV', 53, 'RETR hello.txt', 58, 2, 511, 226, 66, 'completed', 'complete', null, null, null, 0, [54]],
        ['1.3', 'PASV', 73, 'RETR small.bin', 78, 3, 3000, 226, 90, 'completed', 'complete', null, null, null, 0, [74]],
        ['1.4', 'PASV', 93, 'STOR up64k.bin', 98, 4, 65536, 226, 189, 'completed', 'complete', null, null, null, 0, [94]],
      ]);
      expect(a.sessions.map((s) => s.diagnosis)).toEqual([null]);
    }
  });

  it('one packet in 50 lost each way (wget → vsftpd): the RETR completes at both ends, the server\'s 5 retransmissions no failure', async () => {
    const [client, server] = ENDS('a95-wan-loss', 'vsftpd-wget');
    expect(rows(await analyze(client))).toEqual([['1.1', 'PASV', 28, 'RETR wan300k.bin', 33, 1, 300000, 226, at(client, '226'), 'completed', 'complete', null, null, null, 0, [29]]]);
    expect(rows(await analyze(server))).toEqual([['1.1', 'PASV', 27, 'RETR wan300k.bin', 32, 1, 300000, 226, at(server, '226'), 'completed', 'complete', null, null, null, 5, [28]]]);
    for (const name of [client, server]) expect((await analyze(name)).sessions.map((s) => s.diagnosis)).toEqual([null]);
  });

  it('ABOR after 64 KiB (ftplib → vsftpd): aborted by the client at both ends, its ABOR and the data reset the frames tshark shows', async () => {
    const [client, server] = ENDS('a95-wan-abor', 'vsftpd-python');
    // The server's data sent in the round trip after the ABOR: 133,416 bytes reached the client's
    // capture, 151,040 left the server's; the client had acknowledged 131,968 at its reset.
    const want: Record<string, [number, number, number]> = { [client]: [133416, 185, 128], [server]: [151040, 199, 121] };
    for (const name of [client, server]) {
      const [bytes, rst, reply] = want[name];
      expect([at(name, 'ABOR'), at(name, '426'), flagged(name, '0x0004', String((await analyze(name)).sessions[0].transfers[0].connection!.client.port))[0]]).toEqual([name === client ? 105 : 119, reply, rst]);
      expect(rows(await analyze(name))).toEqual([['1.1', 'PASV', 18, 'RETR big.bin', 23, 1, bytes, 426, reply, 'aborted', 'aborted', 'aborted', at(name, 'ABOR'), [rst, 'client'], 0, [19]]]);
    }
    const [text] = await outputs(client, 'diagnose');
    expect(text).toContain('131968');
    expect(text).not.toMatch(/firewall|lost on the path|path-loss/);
  });

  it('curl killed mid-download: aborted by the client (its reset) at both ends; the server\'s late 426 its reply', async () => {
    const [client, server] = ENDS('a95-wan-client-killed', 'vsftpd-curl');
    const want: Record<string, [number, number]> = { [client]: [263592, 367], [server]: [327680, 412] };
    for (const name of [client, server]) {
      const [bytes, rst] = want[name];
      const a = await analyze(name);
      // Its kernel's FIN, then a reset for each segment still arriving: the first one.
      expect(flagged(name, '0x0004', String(a.sessions[0].transfers[0].connection!.client.port))[0]).toBe(rst);
      expect(rows(a)).toEqual([['1.1', 'PASV', 18, 'RETR big.bin', 28, 1, bytes, 426, at(name, '426'), 'aborted', 'aborted', 'aborted', null, [rst, 'client'], 0, [19]]]);
      expect(a.sessions[0].closedBy).toMatchObject({ by: 'client', frame: 363, how: 'fin' });
    }
  });

  it('passive data SYNs dropped on the path: unanswered at the client, never arrived at the server', async () => {
    const [client, server] = ENDS('a95-wan-pasv-drop', 'vsftpd-curl');
    // The client's SYN and its three repeats (tshark), and no RETR: curl gave up after 4 s.
    const port = String((await analyze(client)).sessions[0].transfers[0].connection!.server.port);
    expect([flagged(client, '0x0002', port), flagged(server, '0x0002', port)]).toEqual([[19, 21, 22, 23], []]);
    expect(rows(await analyze(client))).toEqual([['1.1', 'PASV', 18, null, null, 1, 0, null, null, 'failed', 'failed', 'passive-syn-unanswered', null, null, 0, [19, 21, 22, 23]]]);
    expect(rows(await analyze(server))).toEqual([['1.1', 'PASV', 18, null, null, null, 0, null, null, 'failed', 'failed', 'passive-unreached', null, null, null, null]]);
  });

  it('an upload reset by a device on the path: at the client the device\'s reset, at the server a stall the capture cannot explain', async () => {
    const [client, server] = ENDS('a95-wan-upload-reset', 'vsftpd-curl');
    const c = await analyze(client);
    expect(rows(c)).toEqual([['1.1', 'PASV', 18, 'STOR up200k.bin', 26, 1, 72400, null, null, 'aborted', 'aborted', 'aborted', null, [104, 'server'], 0, [19]]]);
    // The reset in the server's name came with TTL 64 where the server's packets come with 62.
    expect(c.sessions[0].transfers[0].verdict).toMatchObject({ kind: 'aborted', by: 'network' });
    const [clientText] = await outputs(client, 'diagnose');
    expect(clientText).toContain('the reset carries the server\'s address but TTL 64, where the server\'s own packets arrive with TTL 62');
    // At the server the client's data just stops (69,504 bytes), and 19 s later the client closes
    // its control connection: the capture at the server cannot tell a client that stopped from a path
    // that dropped, and says so.
    const s = await analyze(server);
    expect(rows(s)).toEqual([['1.1', 'PASV', 18, 'STOR up200k.bin', 26, 1, 69504, null, null, 'incomplete', 'incomplete', 'stalled', null, null, 0, [19]]]);
    const [serverText] = await outputs(server, 'diagnose');
    expect(serverText).toContain('this capture, on the server\'s side, cannot tell which');
  });

  it("a satellite's round trip (600 ms), active mode reset on the client's side of the path: the 425's delay is two round trips, not a server trying", async () => {
    const [client, server] = ENDS('a95-sat-active-reject', 'vsftpd-tnftp');
    const c = await analyze(client);
    const t = c.sessions[0].transfers[0];
    // tshark: RETR at 32, the 425 at 36, 1.2 s apart; no SYN from the server at the client.
    expect([at(client, 'RETR'), at(client, '425')]).toEqual([32, 36]);
    expect(flagged(client, '0x0002', String(t.announce!.endpoint!.port))).toEqual([]);
    expect(t.reply!.time - t.request!.time).toBeGreaterThan(1.1);
    // Before: "active-syn-unanswered": "it tried to connect for that long … typically a NAT in front
    // of the client that did not rewrite the address". Each of the server's replies took 0.6 s to
    // come back: it answered the RETR at once.
    expect(rows(c)).toEqual([['1.1', 'PORT', 30, 'RETR hello.txt', 32, null, 0, 425, 36, 'failed', 'failed', 'active-unreached', null, null, null, null]]);
    const [text] = await outputs(client, 'diagnose');
    expect(text).toContain('1.2 s after RETR (frame 32); its quickest reply in this session took 601 ms to come back here');
    expect(text).not.toMatch(/tried to connect|NAT in front/);
    // At the server: its SYN (33) answered by a reset in the client's name with the router's TTL (35).
    const sv = await analyze(server);
    expect([flagged(server, '0x0002', String(t.announce!.endpoint!.port)), flagged(server, '0x0014', String(t.announce!.endpoint!.port))]).toEqual([[33], [35]]);
    expect(rows(sv)).toEqual([['1.1', 'PORT', 30, 'RETR hello.txt', 32, 1, 0, 425, 36, 'failed', 'failed', 'active-refused', null, [35, 'client'], 0, [33]]]);
  });

  it("a satellite's round trip and the server's data dropped mid-transfer: path-loss at the server though its first repeat came after the client gave up; a stall at the client", async () => {
    const [client, server] = ENDS('a95-sat-data-drop', 'vsftpd-wget');
    const sv = await analyze(server);
    const c = sv.sessions[0].transfers[0].connection!;
    // tshark: the client's FIN (127), 2 s after its acknowledgement last moved (wget's read timeout);
    // the server's first repeat of its unacknowledged data only after it (its retransmission timeout,
    // past a 600 ms round trip, outlasted the client's patience).
    expect(flagged(server, '0x0011', String(c.client.port))[0]).toBe(127);
    expect(c.firstRetransmittedBy.server).toBe(129);
    expect(c.handshake.find((e) => e.type === 'fin')!.time - c.ackAdvancedBy.client).toBeGreaterThan(1.9);
    // Before: "aborted": "The client closed the data connection itself … it stopped the download".
    expect(rows(sv)).toEqual([
      ['1.1', 'PASV', 24, 'RETR a95-d.bin', 29, 1, 99912, 426, 149, 'aborted', 'aborted', 'path-loss', null, [148, 'client'], 4, [25]],
      ['2.1', 'PASV', 163, 'RETR a95-d.bin', 171, 3, 356560, 226, 632, 'completed', 'complete', null, null, null, 0, [164]],
    ]);
    const [text] = await outputs(server, 'diagnose');
    expect(text).toContain('The client never acknowledged 56472 of the bytes the server sent, although they were sent again (4 retransmitted segments)');
    expect(text).not.toContain('it stopped the download');
    // At the client: the data stopped with every byte acknowledged; it waited 2 s and closed.
    expect(rows(await analyze(client))).toEqual([
      ['1.1', 'PASV', 24, 'RETR a95-d.bin', 31, 1, 44888, 426, 110, 'aborted', 'aborted', 'stalled', null, [106, 'client'], 2, [25]],
      ['2.1', 'PASV', 123, 'RETR a95-d.bin', 131, 3, 356560, 226, 592, 'completed', 'complete', null, null, null, 0, [124]],
    ]);
  });

  it("a satellite's round trip and lftp's ABOR right after its RETR: aborted by the client at both ends", async () => {
    const [client, server] = ENDS('a95-sat-abort', 'vsftpd-lftp');
    // At the client the ABOR (44) left before the 150 came back (45); at the server the 150 (41) went before the ABOR came (48).
    expect([at(client, 'ABOR'), at(client, '150'), at(server, '150'), at(server, 'ABOR')]).toEqual([44, 45, 41, 48]);
    expect(rows(await analyze(client))).toEqual([['1.1', 'PASV', 37, 'RETR big.bin', 42, 1, 8688, 426, 72, 'aborted', 'aborted', 'aborted', 44, [59, 'client'], 0, [38]]]);
    expect(rows(await analyze(server))).toEqual([['1.1', 'PASV', 35, 'RETR big.bin', 40, 1, 15928, 426, 64, 'aborted', 'aborted', 'aborted', 48, [63, 'client'], 0, [36]]]);
  });

  it("a satellite's round trip and a client whose own firewall refuses its data SYN: it quit at once, at both ends (at the server its end comes a round trip after the 227)", async () => {
    const [client, server] = ENDS('a95-sat-pasv-client-reject', 'vsftpd-curl');
    for (const name of [client, server]) {
      const a = await analyze(name);
      // tshark: the 227 at frame 18, the client's FIN at 19; no data SYN anywhere.
      expect([at(name, '227'), flagged(name, '0x0011', String(a.sessions[0].client.port))[0]]).toEqual([18, 19]);
      expect(rows(a)).toEqual([['1.1', 'PASV', 18, null, null, null, 0, null, null, 'failed', 'failed', 'passive-unreached', null, null, null, null]]);
    }
    const [clientText, serverText] = [(await outputs(client, 'diagnose'))[0], (await outputs(server, 'diagnose'))[0]];
    expect(clientText).toContain('The client then closed the session (frame 19, 1 ms later), without waiting for a data connection');
    // Before, at the server: "602 ms later", then "typically a NAT in front of the server … or a
    // firewall that drops the passive port range", with advice to set pasv_address.
    expect(serverText).toContain('The client then closed the session (frame 19, 602 ms later; a round trip to the client from here takes 601 ms), without waiting for a data connection');
    expect(serverText).toContain('the client ended the session too soon after the announcement to have waited for an unanswered one');
    expect(serverText).not.toMatch(/NAT in front of the server|pasv_address/);
  });
});

describe("a95: a round trip longer than the client's connect timeout", () => {
  it("curl --connect-timeout 1 over a 1.2 s round trip: the client reset the server's answer; the control connection never opened, at both ends", async () => {
    const [client, server] = ENDS('a95-sat-connect-timeout', 'vsftpd-curl');
    // tshark: the SYN (3), the SYN-ACK (4: at the client 1.2 s after the SYN, at the server at once),
    // the client's reset (client: 5; server: 6, after the server's repeated SYN-ACK at 5). No ACK, no byte.
    expect([flagged(client, '0x0002', '21'), flagged(client, '0x0012', '21'), flagged(client, '0x0004', '21')]).toEqual([[3], [4, 6], [5, 7]]);
    expect([flagged(server, '0x0002', '21'), flagged(server, '0x0012', '21'), flagged(server, '0x0004', '21')]).toEqual([[3], [4, 5], [6, 7]]);
    const c = (await analyze(client)).sessions[0];
    const sv = (await analyze(server)).sessions[0];
    // Before: control "opened", closed by the client's reset, and explain's "It stays open for the whole session".
    expect(c.control).toMatchObject({ kind: 'abandoned', synFrames: [3], synAckFrames: [4], resetFrames: [5], evidence: [3, 4, 5] });
    expect(sv.control).toMatchObject({ kind: 'abandoned', synFrames: [3], synAckFrames: [4, 5], resetFrames: [6], evidence: [3, 4, 5, 6] });
    // The reset carries no ACK and one past the client's ISN: its stack answering a SYN-ACK it had no socket for.
    expect([c.controlConnection.rst, sv.controlConnection.rst]).toEqual([
      { frame: 5, by: 'client', ttl: 64, noConnection: true },
      { frame: 6, by: 'client', ttl: 62, noConnection: true },
    ]);
    expect((c.control as { answeredAfter: number }).answeredAfter).toBeGreaterThan(1.15);
    expect((sv.control as { resetAfter: number }).resetAfter).toBeGreaterThan(1.15);
    expect([c.diagnosis?.cause, sv.diagnosis?.cause]).toEqual(['control-abandoned', 'control-abandoned']);
    const [diagnose, explain, sessions] = await outputs(client, 'diagnose', 'explain', 'sessions');
    expect(diagnose).toContain('The answer came 1.2 s after the client\'s first SYN, as seen here: a client that waits less than that has given up before it arrives.');
    expect(explain).toContain('The control connection never opened.');
    expect(explain).not.toContain('It stays open for the whole session');
    expect(sessions).toContain("none: the client reset the server's answer");
  });
});

describe("a95: a round trip longer than the client's data connect timeout", () => {
  it("ftplib's 1 s data timeout over a 1.2 s round trip: the passive data connection failed, its answer reset by the client; not 'unused'", async () => {
    const [client, server] = ENDS('a95-sat-data-connect-timeout', 'vsftpd-python');
    const want: Record<string, { rows: unknown[]; syn: number; synAck: number[]; rst: number }> = {
      [client]: { rows: ['1.1', 'PASV', 23, null, null, 1, 0, null, null, 'failed', 'failed', 'data-abandoned', null, [28, 'client'], 0, [24]], syn: 24, synAck: [27, 29], rst: 28 },
      [server]: { rows: ['1.1', 'PASV', 21, null, null, 1, 0, null, null, 'failed', 'failed', 'data-abandoned', null, [29, 'client'], 0, [22]], syn: 22, synAck: [23, 25], rst: 29 },
    };
    for (const name of [client, server]) {
      const a = await analyze(name);
      const port = String(a.sessions[0].transfers[0].announce!.endpoint!.port);
      // tshark: the data SYN, the server's SYN-ACK(s), the client's reset; no RETR (ftplib sends it once connected).
      expect([flagged(name, '0x0002', port)[0], flagged(name, '0x0012', port), flagged(name, '0x0004', port)[0]]).toEqual([want[name].syn, want[name].synAck, want[name].rst]);
      expect(ftpRows(name, '0').some(([, x]) => x === 'RETR')).toBe(false);
      // Before: "unused: announced, and no transfer command used it", and "No failed data connections".
      expect(rows(a)).toEqual([want[name].rows]);
    }
    const [clientText] = await outputs(client, 'diagnose');
    expect(clientText).toContain('The answer came 1.2 s after the client\'s SYN, as seen here: a client that waits less than that has given up before it arrives');
    expect(clientText).not.toContain('No failed data connections');
  });
});

describe('a95 recordings with packets the capture lost (scripts/sweep/drop-sweep.mjs)', () => {
  it("lftp's login lost after its refused AUTH TLS: the session went on in clear text, not a client requiring TLS that left", async () => {
    // a95-wan-healthy: AUTH TLS (20) refused with 530 (21), then USER (22), 331 (23), PASS (24) and
    // the transfers. Without 22–24 the session had no login after the refusal, and read "auth-refused:
    // the client requires TLS … No login or transfer happened" beside its four completed transfers.
    const NAME = 'a95-wan-healthy-vsftpd-lftp';
    expect([at(NAME, 'AUTH'), at(NAME, '530'), at(NAME, 'USER'), at(NAME, 'PASS')]).toEqual([20, 21, 22, 24]);
    const d = await derived(tmp, NAME, 'without-22-24', (f) => f < 22 || f > 24);
    const s = d.a.sessions[0];
    expect(s.tlsRefusal).toMatchObject({ command: 20, code: 530, gaveUp: false });
    expect(s.diagnosis).toBeNull();
    expect(s.transfers.map((t) => [t.request?.command, t.status])).toEqual([
      ['LIST', 'complete'],
      ['RETR', 'complete'],
      ['RETR', 'complete'],
      ['STOR', 'complete'],
    ]);
  });

  it("wget's first attempt without its FIN and last ACKs: the client gave up in the silence, no finished piece of a split download", async () => {
    // a95-sat-data-drop at the client: data stopped after frame 88, the client's last ACK (89), its
    // FIN (90) and repeats (91, 95). Without 89–96 its close is seen only as the server's late repeat
    // (97 in the capture without them) answered by a reset with no connection behind it; that reset
    // was read as the client closing a finished piece once its bytes reached the resumed download's
    // REST offset (43,440): "completed: one segment of a download split over several connections".
    const NAME = 'a95-sat-data-drop-vsftpd-wget';
    const d = await derived(tmp, NAME, 'without-89-96', (f) => f < 89 || f > 96);
    const [first, second] = d.a.sessions.map((s) => s.transfers[0]);
    expect(first.connection!.rst).toMatchObject({ frame: d.at(106), by: 'client', noConnection: true });
    expect(first.connection!.longestSilence).toMatchObject({ fromFrame: d.at(88), toFrame: d.at(105) });
    expect([first.status, first.segment, second.status, second.restOffset]).toEqual(['aborted', undefined, 'complete', 43440]);
  });

  it("a capture ended just after the control connection's SYN was sent again, over a 1.2 s round trip: still connecting, not unanswered", async () => {
    // a95-sat-data-connect-timeout at the client: the SYN (3), sent again at 1.02 s (4), its answer at
    // 1.2 s (5). Cut after frame 4, the capture ends 1 ms after the second copy: its answer (and the
    // first's) not due yet. Before: "unanswered: the client's 2 SYNs got no answer" (scripts/sweep/prefix-sweep.mjs).
    const NAME = 'a95-sat-data-connect-timeout-vsftpd-python';
    expect(flagged(NAME, '0x0002', '21')).toEqual([3, 4]);
    expect(flagged(NAME, '0x0012', '21')[0]).toBe(5);
    const d = await derived(tmp, NAME, 'first-4', (f) => f <= 4);
    expect(d.a.sessions[0].control).toEqual({ kind: 'connecting', synFrames: [3, 4], evidence: [3, 4] });
    expect(d.a.sessions[0].diagnosis).toBeNull();
  });
});
