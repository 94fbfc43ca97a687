/**
 * Session 49: verdicts of captures that lost packets (scripts/sweep/drop-sweep.mjs; the hairpin one
 * also begun late, scripts/sweep/suffix-sweep.mjs), each a committed recording with some of its
 * records left out (never new bytes). Each describe says what the capture lacks, what was read, and
 * why that was wrong.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { analyze, derived, derivedTexts, transfer } from './audit-fixtures.js';

const tmp = mkdtempSync(join(tmpdir(), 'ftpcap-audit94-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('a reply captured before its command, the command\'s first copy lost (a gap in the client\'s bytes just before it)', () => {
  // vsftpd and lftp over a lossy control connection, captured at the server: lftp's PASV (frame 65)
  // answered at 66, both sent again (67, 69). Without 61–65 the capture lost the 213 replies to SIZE
  // and MDTM, the MDTM itself and the PASV's first copy: the server's 227 (66) acknowledges the PASV
  // the capture only holds as the retransmission at 67, after the MDTM's bytes it lost. The 227 was
  // held for those bytes, but the gap before them let it go on at once, answering nothing: the PASV
  // then took the RETR's 226, each reply after it the command before, and the STOR took the 500 of the
  // SITE UTIME after it: "failed, server-refused", a transfer that moved its 259 bytes and got 226.
  const NAME = 'ctrl-lossy-server-side-vsftpd-lftp';

  it('each command keeps its own reply: the PASV the 227 before it, the STOR its 226', async () => {
    const whole = await analyze(NAME);
    expect(whole.sessions[0].transfers.map((t) => [t.request?.command, t.request?.frame, t.reply?.code, t.reply?.frame, t.verdict.kind])).toEqual([
      ['LIST', 44, 226, 50, 'completed'],
      ['RETR', 73, 226, 81, 'completed'],
      ['STOR', 91, 226, 99, 'completed'],
    ]);
    const d = await derived(tmp, NAME, 'without-61-65', (f) => f < 61 || f > 65);
    const s = d.a.sessions[0];
    const replyOf = (command: string, frame: number): [number | undefined, number | undefined] => {
      const c = s.commands.find((x) => x.command === command && x.frame === d.at(frame));
      return [c?.reply?.code, c?.reply?.frame];
    };
    // The PASV as captured (its retransmission) takes the 227 captured before it.
    expect(replyOf('PASV', 67)).toEqual([227, d.at(66)]);
    expect(replyOf('RETR', 73)).toEqual([226, d.at(81)]);
    expect(replyOf('PASV', 83)).toEqual([227, d.at(84)]);
    expect(replyOf('STOR', 91)).toEqual([226, d.at(99)]);
    expect(replyOf('SITE', 101)).toEqual([500, d.at(102)]);
    expect(replyOf('QUIT', 109)).toEqual([221, d.at(110)]);
    expect(s.transfers.map((t) => [t.request?.command, t.connection?.server.port, t.bytes, t.reply?.code, t.verdict.kind, t.diagnosis?.cause ?? null])).toEqual([
      ['LIST', 50033, 260, 226, 'completed', null],
      ['RETR', 50094, 511, 226, 'completed', null],
      ['STOR', 50049, 259, 226, 'completed', null],
    ]);
    const { out, json } = await derivedTexts(d.file, ['summary', 'explain']);
    expect(json).toEqual([
      ['1.1', 'completed', null],
      ['1.2', 'completed', null],
      ['1.3', 'completed', null],
    ]);
    expect(out.summary).toContain('1 192.0.2.10:44254 198.51.100.20:21 fxa9user no 0.000 15 3 complete');
    expect(out.summary).toContain('1.3 passive STOR upload-lftp.… 198.51.100.20:50049 259 226 complete');
    expect(out.explain).not.toMatch(/refused/i);
  });
});

describe('a CWD the capture lost between a refused RETR and the next PASV, its 250 left with nothing waiting', () => {
  // Python's urllib asks for "pub" as a file (RETR pub, 550 at frame 56) over a data connection it
  // opened first (52-54) and closes at once (FIN, 57); then CWD pub (62, answered 250 at 63), and lists
  // pub over a new PASV. Without frame 62 the 250 answers nothing in the capture. It was read as the
  // end of a transfer whose command (and 1xx) were lost: the refused RETR's data connection — open,
  // empty, the client's FIN before the lost command was even sent — went to an inferred "command-lost"
  // transfer, and the RETR lost its fallback. A 250 alone answers CWD, DELE or RNTO as well: it says a
  // transfer ended only after the server closed that data connection (a 226 says so by itself).
  const NAME = 'a18-vsftpd-urllib';

  it('no transfer is inferred for the lone 250; the RETR keeps its data connection', async () => {
    const whole = await analyze(NAME);
    const w = transfer(whole, '2.1');
    expect([w.request?.command, w.request?.arg, w.reply?.code, w.connection?.client.port, w.status]).toEqual(['RETR', 'pub', 550, 55334, 'fell-back']);
    const d = await derived(tmp, NAME, 'without-62', (f) => f !== 62);
    const s = d.a.sessions.find((x) => x.id === 2)!;
    const orphan = s.commands.find((c) => c.command === null && c.reply?.frame === d.at(63));
    expect(orphan?.reply?.code).toBe(250);
    expect(s.transfers.map((t) => [t.request?.command ?? null, t.inferred ?? null, t.connection?.client.port ?? null, t.reply?.code ?? null, t.status])).toEqual([
      ['RETR', null, 55334, 550, 'failed'],
      ['LIST', null, 57792, 226, 'complete'],
    ]);
    const { json } = await derivedTexts(d.file, []);
    expect(json.filter((r) => String(r[0]).startsWith('2.'))).toEqual([
      ['2.1', 'failed', 'server-refused'],
      ['2.2', 'completed', null],
    ]);
  });
});

describe('a control connection reset after a FIN the capture lost, the transfer\'s replies and data lost with it', () => {
  // urllib's RETR hello.txt (frame 24) over an open passive data connection (21-23): the 150 (25), the
  // 511 bytes (26), the client's FIN on the control connection (29), both data FINs and the 226 (32)
  // lost, the client's reset (33) kept. Its sequence number is one past the last client byte captured:
  // the client had sent a FIN first, which the capture lacks. The transfer read "failed, stalled: no
  // data moved for 11 s", from a capture that dropped packets as the session ended, the client gone
  // 7 ms after its RETR.
  const NAME = 'a18-vsftpd-urllib';

  it('not known: incomplete with no cause and no session roll-up, the reset that shows the loss named', async () => {
    expect(transfer(await analyze(NAME), '1.1').verdict.kind).toBe('completed');
    const d = await derived(tmp, NAME, 'without-25-32', (f) => f < 25 || f > 32);
    const s = d.a.sessions[0];
    expect(s.controlConnection.rst).toMatchObject({ frame: d.at(33), by: 'client', finLost: true });
    const t = transfer(d.a, '1.1');
    expect([t.request?.command, t.request?.frame, t.connection?.established, t.bytes, t.reply, t.status, t.diagnosis]).toEqual(['RETR', 24, true, 0, null, 'incomplete', null]);
    expect(t.verdict).toMatchObject({ kind: 'incomplete', why: 'session-ended', controlEndLost: { reset: d.at(33), by: 'client', fin: true, bytes: 0 } });
    expect(s.diagnosis).toBeNull();
    const { out, json } = await derivedTexts(d.file, ['explain', 'diagnose']);
    expect(json[0]).toEqual(['1.1', 'incomplete', null]);
    expect(out.explain).toContain(`the client's reset (frame ${d.at(33)}) comes after a FIN of its own the capture lacks, so what the server sent then (its reply, its data) is not known.`);
    expect(out.explain).not.toContain('stalled');
    expect(out.diagnose).not.toContain('stalled');
  });
});

describe('a receiver that closed early, the sender closing after it with nothing more sent, the size in the lost 150', () => {
  // vsftpd stopped (SIGSTOP) after writing the last of a 100,000-byte RETR to its socket; Python's
  // ftplib read all of it (every byte acknowledged, frame 118), waited 4 s, closed the data connection
  // (FIN, 120); vsftpd, continued, closed its end (124: no data after the client's FIN) and answered
  // 226 (126). The whole capture reads completed: the 150 states 100,000 bytes. Without the 150
  // (frame 23) no size is stated, and the client's FIN after a 4 s silence, before the server's, read
  // as the receiver giving up: "aborted, stalled". A sender with more would have sent it after the
  // client's half-close (or met its reset): its FIN with nothing more says its data had ended.
  const NAME = 'a67-socket-timeout-server-stopped-vsftpd-python';

  it('completed: 100,000 bytes, all acknowledged, the sender\'s FIN after the receiver\'s with no data between', async () => {
    expect(transfer(await analyze(NAME), '1.1').verdict.kind).toBe('completed');
    const d = await derived(tmp, NAME, 'without-23', (f) => f !== 23);
    const t = transfer(d.a, '1.1');
    expect([t.request?.command, t.preliminary, t.expectedSize, t.bytes, t.reply?.code, t.reply?.frame]).toEqual(['RETR', null, null, 100000, 226, d.at(126)]);
    expect(t.connection?.handshake.filter((e) => e.type === 'fin').map((e) => [e.by, e.frame])).toEqual([
      ['client', d.at(120)],
      ['server', d.at(124)],
    ]);
    expect([t.status, t.verdict.kind, t.diagnosis, d.a.sessions[0].diagnosis]).toEqual(['complete', 'completed', null, null]);
    const { json } = await derivedTexts(d.file, []);
    expect(json).toEqual([['1.1', 'completed', null]]);
  });
});

describe('a transfer command the capture lost, answered by a 226 whose words say it failed', () => {
  // ncftpget -R against vsftpd: LIST -a ./d3/d3 (frame 173) of a directory it may not read, answered
  // 150 (174) and "226 Transfer done (but failed to open directory)" (175) over an empty data
  // connection: failed in the whole capture (a 2xx that says it failed). Without frame 173 the
  // transfer is inferred from its replies (command-lost), and a 2xx with whole data read "complete".
  const NAME = 'a71-ncftpget-r-perm-vsftpd';

  it('not known, not complete: the 226 says the server failed to do the work', async () => {
    const w = transfer(await analyze(NAME), '1.6');
    expect([w.request?.command, w.request?.arg, w.reply?.code, w.bytes, w.status]).toEqual(['LIST', '-a ./d3/d3', 226, 0, 'failed']);
    const d = await derived(tmp, NAME, 'without-173', (f) => f !== 173);
    const t = transfer(d.a, '1.6');
    expect([t.request, t.inferred, t.preliminary?.frame, t.reply?.code, t.reply?.text, t.bytes]).toEqual([null, 'command-lost', d.at(174), 226, 'Transfer done (but failed to open directory).', 0]);
    expect([t.status, t.verdict.kind]).toEqual(['incomplete', 'unknown']);
    expect(t.verdict).toMatchObject({ why: 'command-lost', whole: false });
    const { out } = await derivedTexts(d.file, ['summary']);
    expect(out.summary).toContain('1.6 passive - 198.51.100.20:50042 0 226 unknown (command not captured)');
  });
});

describe('a split download\'s piece whose data connection\'s reset the capture lost, the client\'s control FIN before the 426 kept', () => {
  // axel -n 3 against vsftpd: the first piece (REST 0) reached 1,154,584 bytes, past the next piece's
  // start (1,097,728, session 3's REST), and the client closed its control connection (FIN, 1787), then
  // reset the data connection (1788); vsftpd answered 426 "Failure writing network stream" (1794). The
  // whole capture reads a finished piece, completed. Without frame 1788 the data connection's end is
  // not in the capture, and the 426 read as the server's abort: "aborted", with a session roll-up. The
  // client had left first (its FIN before the 426): it stopped the piece, as the whole capture says.
  const NAME = 'a29-axel-split-vsftpd';

  it('completed, a finished piece stopped by the client\'s close of its control connection', async () => {
    const w = transfer(await analyze(NAME), '1.1');
    expect([w.status, w.segment?.end, w.segment?.closed]).toEqual(['complete', 1097728, 1788]);
    const d = await derived(tmp, NAME, 'without-1788', (f) => f !== 1788);
    const t = transfer(d.a, '1.1');
    expect([t.request?.command, t.restOffset, t.bytes, t.reply?.code, t.reply?.frame, t.connection?.rst ?? null]).toEqual(['RETR', 0, 1154584, 426, d.at(1794), null]);
    expect(t.segment).toEqual({ start: 0, end: 1097728, size: 3293184, next: { session: 3, transfer: 1, frame: d.at(921) }, closed: d.at(1787), control: true, whole: true });
    expect([t.status, t.verdict.kind, t.diagnosis, d.a.sessions[0].diagnosis]).toEqual(['complete', 'completed', null, null]);
  });
});

describe('a port probe\'s FIN the capture lost, the server\'s 421 after it', () => {
  // A client connects to vsftpd (146-148) and closes at once (FIN, 149), a port check; the server,
  // over its per-address limit, acknowledges the FIN (158) and then sends 421 "too many connections"
  // (159); the client's stack resets (160). The whole capture reads the connection opened and closed
  // by the client, nobody waiting for a greeting. Without frame 149 the client's close is only its
  // reset after the 421, and the session read "turned away at the greeting" (session-refused). The
  // server's acknowledgement one past the client's bytes (158) shows that FIN came first.
  const NAME = 'a63-probe-maxperip-vsftpd';

  it('opened, closed by the client before the 421: no refusal', async () => {
    expect((await analyze(NAME)).sessions[2].control.kind).toBe('opened');
    const d = await derived(tmp, NAME, 'without-149', (f) => f !== 149);
    const s = d.a.sessions[2];
    expect([s.commands[0]?.reply?.code, s.commands[0]?.reply?.frame, s.closedBy]).toEqual([421, d.at(159), { by: 'client', frame: d.at(160), time: expect.any(Number), how: 'rst' }]);
    expect(s.controlConnection.finUnseen).toEqual({ client: d.at(158) });
    expect([s.control.kind, s.diagnosis]).toEqual(['opened', null]);
    const { out } = await derivedTexts(d.file, ['diagnose']);
    expect(out.diagnose).not.toContain('too many connections');
  });
});

describe('a data connection the server reset just past its SYN-ACK, a packet of the handshake lost', () => {
  // FTPS (no keys) from Python's ftplib to proftpd: the client opens a data connection (SYN 30, SYN-ACK
  // 31, ACK 32) and proftpd resets it (34, from just past its SYN-ACK): opened, then reset; TLS hides
  // why, and the whole capture reads the transfer not known. Without the SYN-ACK (31), or without the
  // client's ACK (32), the reset read as the server refusing the SYN: "failed, passive-refused". A
  // refusal answers the SYN itself; a reset from just past the SYN-ACK follows a handshake the client
  // completed (the software took the connection, or the client's ACK met a listener gone).
  const NAME = 'a65-ftps-refused-proftpd-python';

  for (const lost of [31, 32]) {
    it(`without frame ${lost}: opened, then reset by the server; not known (TLS), no refusal`, async () => {
      const w = transfer(await analyze(NAME), '1.1');
      expect([w.connection?.established, w.connection?.rst?.frame, w.verdict.kind, w.diagnosis]).toEqual([true, 34, 'unknown', null]);
      const d = await derived(tmp, NAME, `without-${lost}`, (f) => f !== lost);
      const t = transfer(d.a, '1.1');
      expect([t.inferred, t.connection?.established, t.connection?.rst?.by, t.connection?.rst?.frame]).toEqual(['tls-hidden', true, 'server', d.at(34)]);
      expect([t.status, t.verdict.kind, t.diagnosis]).toEqual(['incomplete', 'unknown', null]);
    });
  }
});

describe('a hairpin answer whose first SYN-ACK the capture lost, its reset first', () => {
  // curl calls 203.0.113.1:21 (the router's public address), which forwards to pure-ftpd at
  // 198.51.100.20 without rewriting the source, so the answer comes straight from 198.51.100.20 and the
  // client resets it (SYN 1, SYN-ACK 2, RST 3; again every second). The whole capture holds two sessions
  // of one attempt, both answer-reset. Without frame 2 (or begun at frame 3) the answer's connection
  // begins on the client's reset, closed at once; its next SYN-ACK (5) was taken for a late packet of
  // that closed connection and dropped, and the client's SYNs read unanswered ("control-unanswered").
  // A SYN-ACK after a closed connection that never showed its sender's ISN opens one of its own.
  const NAME = 'a89-hairpin-nosnat-client-side-pureftpd-curl';

  for (const [label, keep] of [['without-2', (f: number) => f !== 2], ['from-3', (f: number) => f >= 3]] as const) {
    it(`${label}: both halves answer-reset, the answer at frame 5 reset at 6`, async () => {
      expect((await analyze(NAME)).sessions.map((s) => s.control.kind)).toEqual(['answer-reset', 'answer-reset']);
      const d = await derived(tmp, NAME, label, keep);
      const [a, b] = d.a.sessions;
      expect([a.server.ip, a.control.kind, b.server.ip, b.control.kind]).toEqual(['203.0.113.1', 'answer-reset', '198.51.100.20', 'answer-reset']);
      expect(a.control).toMatchObject({ called: { ip: '203.0.113.1', port: 21 }, answeredBy: { ip: '198.51.100.20', port: 21 }, synAckFrames: [d.at(5)], resetFrames: [d.at(6)], twin: 2 });
      expect(a.diagnosis?.cause).toBe('control-answer-reset');
    });
  }
});

describe('an FTPS session whose SYN-ACK and greeting the capture lost, its data connections fresh TLS sessions', () => {
  // Python's ftplib to pure-ftpd, AUTH TLS, no key log: the greeting (frame 6) names Pure-FTPd, which
  // needs no TLS session reuse, so the four data connections' fresh handshakes are no failure. Without
  // frames 4-6 (the SYN-ACK, the client's ACK, the greeting) the server's ISN is unknown, so the bytes
  // lost before its first captured segment (the 234) cannot even be counted as a gap; the server was
  // taken to need reuse: "tls-session-not-reused" on every transfer and the session.
  const NAME = 'ftps-pureftpd-python';

  it('the server is not named: no reuse cause, the transfers not known', async () => {
    const whole = await analyze(NAME);
    expect([whole.sessions[0].diagnosis?.cause, whole.sessions[0].transfers.map((t) => t.diagnosis?.cause ?? null)]).toEqual(['tls-hidden', [null, null, null, null]]);
    const d = await derived(tmp, NAME, 'without-4-6', (f) => f < 4 || f > 6);
    const s = d.a.sessions[0];
    expect([s.greeting, s.controlConnection.synAckFrames, s.controlGapBytes]).toEqual([null, [], 0]);
    expect(s.diagnosis?.cause).toBe('tls-hidden');
    expect(s.transfers.map((t) => [t.inferred, t.verdict.kind, t.diagnosis?.cause ?? null])).toEqual([
      ['tls-hidden', 'unknown', null],
      ['tls-hidden', 'unknown', null],
      ['tls-hidden', 'unknown', null],
      ['tls-hidden', 'unknown', null],
    ]);
  });
});
