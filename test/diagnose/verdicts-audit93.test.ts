/**
 * Session 48: verdicts of captures that began late (scripts/sweep/suffix-sweep.mjs) or lost packets
 * (scripts/sweep/drop-sweep.mjs), each a committed recording with some of its records left out (never
 * new bytes). Each describe says what the capture lacks, what was read, and why that was wrong.
 *
 * First, captures begun late whose data connection goes to another address than the control
 * connection's (suffix rows "data-in-suffix→not-captured").
 *
 * Begun after the PASV/227 or PORT, the capture holds the transfer command and its data connection but
 * not the announcement that named the data connection's address. Linking by hosts and timing looked
 * only between the session's two addresses; a multihomed server's 227 names its other address, and a
 * NAT that hairpins without rewriting the source lets the server's active connection come from its
 * inside address. The transfer read "not captured" (its data connection "not in the capture") while
 * every byte of it was.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { analyze, derived, derivedTexts, transfer } from './audit-fixtures.js';

const tmp = mkdtempSync(join(tmpdir(), 'ftpcap-audit93-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('a data connection to another address of the server, its announcement before the capture', () => {
  // vsftpd with pasv_address 198.51.100.21, its control connection at 198.51.100.20; lftp.
  const NAME = 'multihomed-pasv-vsftpd-lftp';

  it('passive, from frame 50 (the RETR data connection\'s SYN): the RETR takes it, 511 bytes, completed', async () => {
    const whole = transfer(await analyze(NAME), '1.2');
    expect([whole.request?.command, whole.request?.frame, whole.connection?.server, whole.bytes, whole.verdict.kind]).toEqual([
      'RETR',
      53,
      { ip: '198.51.100.21', port: 50073 },
      511,
      'completed',
    ]);
    const d = await derived(tmp, NAME, 'from-50', (f) => f >= 50);
    const t = transfer(d.a, '1.1');
    expect([t.request?.command, t.request?.frame, t.mode, t.announcedBeforeCapture, t.announceMaybeBeforeCapture]).toEqual(['RETR', d.at(53), 'passive', true, undefined]);
    expect([t.connection?.initiator, t.connection?.client, t.connection?.server]).toEqual(['client', { ip: '192.0.2.10', port: 46342 }, { ip: '198.51.100.21', port: 50073 }]);
    expect([t.bytes, t.reply?.code, t.reply?.frame, t.verdict.kind, t.diagnosis]).toEqual([511, 226, d.at(60), 'completed', null]);
    // The STOR after it, its PASV in the capture, as before.
    expect(d.a.sessions[0].transfers.map((x) => [x.request?.command, x.bytes, x.verdict.kind])).toEqual([
      ['RETR', 511, 'completed'],
      ['STOR', 259, 'completed'],
    ]);
    const { out, json } = await derivedTexts(d.file, ['summary', 'explain']);
    expect(out.summary).toContain('1.1 passive RETR hello.txt 198.51.100.21:50073 ? 511 226 complete');
    expect(out.explain).toContain('Its PASV or EPSV came before the capture began: the data connection is linked to it by hosts and timing.');
    expect(out.explain).toContain('Verdict: transfer 1 completed: 511 bytes, all in the capture');
    expect(out.explain).not.toContain('not in the capture');
    expect(json).toEqual([
      ['1.1', 'completed', null],
      ['1.2', 'completed', null],
    ]);
  });

  it('passive, from frame 30 (the LIST data connection\'s SYN): the LIST takes its 260 bytes', async () => {
    const d = await derived(tmp, NAME, 'from-30', (f) => f >= 30);
    expect(d.a.sessions[0].transfers.map((x) => [x.request?.command, x.mode, x.connection?.server.ip ?? null, x.bytes, x.reply?.code, x.verdict.kind])).toEqual([
      ['LIST', 'passive', '198.51.100.21', 260, 226, 'completed'],
      ['RETR', 'passive', '198.51.100.21', 511, 226, 'completed'],
      ['STOR', 'passive', '198.51.100.21', 259, 226, 'completed'],
    ]);
  });

  it('passive, from frame 66 (the STOR data connection\'s handshake lost): the STOR takes it, seen mid-stream, its 259 bytes not known to be whole', async () => {
    const d = await derived(tmp, NAME, 'from-66', (f) => f >= 66);
    const t = transfer(d.a, '1.1');
    expect([t.request?.command, t.mode, t.connection?.server, t.bytes, t.reply?.code]).toEqual(['STOR', 'passive', { ip: '198.51.100.21', port: 50074 }, 259, 226]);
    expect(t.verdict).toMatchObject({ kind: 'unknown', why: 'midstream' });
    expect(d.a.sessions[0].transfers.filter((x) => x.inferred !== undefined)).toEqual([]);
  });
});

describe('an active data connection from another address of the server (a NAT hairpin without source rewriting)', () => {
  // The client talks to 203.0.113.1 (the NAT's address); vsftpd at 198.51.100.20 connects from its port 20.
  const NAME = 'a89-hairpin-ok-other-subnet-client-vsftpd';

  it.each([32, 33])('from frame %i (after the PORT\'s 200): the RETR takes it, active, 511 bytes, completed', async (from) => {
    const whole = transfer(await analyze(NAME), '1.2');
    expect([whole.request?.frame, whole.mode, whole.connection?.server, whole.verdict.kind]).toEqual([33, 'active', { ip: '198.51.100.20', port: 20 }, 'completed']);
    const d = await derived(tmp, NAME, `from-${from}`, (f) => f >= from);
    const t = transfer(d.a, '1.1');
    expect([t.request?.command, t.mode, t.announcedBeforeCapture, t.connection?.initiator, t.connection?.client, t.connection?.server]).toEqual([
      'RETR',
      'active',
      true,
      'server',
      { ip: '192.0.2.10', port: 34369 },
      { ip: '198.51.100.20', port: 20 },
    ]);
    expect([t.bytes, t.reply?.code, t.reply?.frame, t.verdict.kind, t.diagnosis]).toEqual([511, 226, d.at(43), 'completed', null]);
    const { out, json } = await derivedTexts(d.file, ['summary', 'diagnose']);
    expect(out.summary).toContain('1.1 active RETR hello.txt 192.0.2.10:34369 ? 511 226 complete');
    expect(out.diagnose).toContain('No failed data connections');
    expect(json).toEqual([['1.1', 'completed', null]]);
  });
});

/**
 * The drop sweep's residue (scripts/sweep/drop-sweep.mjs): a passive announcement naming another
 * address than the control connection's, in a capture that lost packets after it, given that
 * departure as its cause although nothing the capture shows failed on it.
 */
describe('a 227 naming another address, its data connection opened there', () => {
  const NAME = 'multihomed-pasv-vsftpd-lftp';

  it('without the data connection\'s FINs (37–39): the LIST reads incomplete (its end not captured), with no cause', async () => {
    const d = await derived(tmp, NAME, 'no-37-39', (f) => f < 37 || f > 39);
    const t = transfer(d.a, '1.1');
    expect([t.request?.command, t.announce?.endpoint, t.connection?.server, t.connection?.established, t.bytes]).toEqual([
      'LIST',
      { ip: '198.51.100.21', port: 50056 },
      { ip: '198.51.100.21', port: 50056 },
      true,
      260,
    ]);
    expect(t.verdict).toMatchObject({ kind: 'incomplete', why: 'data-end-not-captured' });
    // Was passive-address-mismatch: the address led to the server, which sent the listing over it.
    expect([t.diagnosis, d.a.sessions[0].diagnosis]).toEqual([null, null]);
    const { out, json } = await derivedTexts(d.file, ['diagnose', 'explain']);
    expect(out.diagnose).not.toMatch(/advertises an address other than the server's|passive-address-mismatch/);
    expect(out.explain).not.toMatch(/advertises an address other than the server's/);
    expect(json).toEqual([
      ['1.1', 'incomplete', null],
      ['1.2', 'completed', null],
      ['1.3', 'completed', null],
    ]);
  });

  it('without the LIST, its replies and data (33–40): the PASV reads unused, its connection opened, with no cause', async () => {
    const d = await derived(tmp, NAME, 'no-33-40', (f) => f < 33 || f > 40);
    const t = transfer(d.a, '1.1');
    expect([t.announce?.command, t.request, t.connection?.established, t.connection?.server, t.verdict.kind]).toEqual([
      'PASV',
      null,
      true,
      { ip: '198.51.100.21', port: 50056 },
      'unused',
    ]);
    expect([t.diagnosis, d.a.sessions[0].diagnosis]).toEqual([null, null]);
  });
});

/**
 * vsftpd's 227 on an IPv6 control connection names 0.0.0.0 (no host); Python's ftplib then used EPSV,
 * and its RETR moved 511 bytes. The PASV is unused, nothing failed on it — also when the capture lost
 * the RETR, or its 226: the client got past the PASV if its next transfer moved data, whatever
 * reply the capture holds.
 */
describe('a 227 naming 0.0.0.0 that the client got past, the next transfer\'s command or reply lost', () => {
  const NAME = 'a70-pasv-on-ipv6-vsftpd-python';

  it.each([
    ['the RETR (26)', 26, 'command-lost'],
    ['the 226 (33)', 33, 'RETR'],
  ])('without %s: the PASV reads unused, with no cause', async (_what, lost, next) => {
    const whole = await analyze(NAME);
    expect(whole.sessions[0].transfers.map((x) => [x.announce?.command, x.announce?.endpoint?.ip, x.verdict.kind])).toEqual([
      ['PASV', '0.0.0.0', 'unused'],
      ['EPSV', '2001:db8:2::20', 'completed'],
    ]);
    const d = await derived(tmp, NAME, `no-${lost}`, (f) => f !== lost);
    const [pasv, epsv] = d.a.sessions[0].transfers;
    expect([pasv.announce?.command, pasv.status, pasv.verdict.kind, pasv.diagnosis]).toEqual(['PASV', 'unused', 'unused', null]);
    expect([epsv.announce?.command, epsv.request?.command ?? epsv.inferred, epsv.connection?.bytesToClient]).toEqual(['EPSV', next, 511]);
    expect(d.a.sessions[0].diagnosis).toBeNull();
    const { json } = await derivedTexts(d.file, ['diagnose']);
    expect(json[0]).toEqual(['1.1', 'unused', null]);
  });
});

/**
 * A session's roll-up ("No transfer of session N succeeded") counted a transfer whose outcome the
 * capture cannot tell as not succeeded: the capture lost the RETR with its 150 and data, the
 * server's 226 and the client's acknowledgement of 512 bytes (511 and the FIN) still in it.
 */
describe('no "no transfer succeeded" beside a transfer the capture cannot judge', () => {
  it('a61-double-nat-inner-helper (server side) without 51–55: transfer 1 keeps its cause, transfer 2 is not known, the session has none', async () => {
    const NAME = 'a61-double-nat-inner-helper-vsftpd-tnftp-server-side';
    const whole = await analyze(NAME);
    expect(whole.sessions[0].transfers.map((x) => [x.request?.command, x.verdict.kind, x.diagnosis?.cause ?? null])).toEqual([
      ['RETR', 'failed', 'active-address-mismatch'],
      ['RETR', 'completed', null],
    ]);
    expect(whole.sessions[0].diagnosis).toBeNull();
    const d = await derived(tmp, NAME, 'no-51-55', (f) => f < 51 || f > 55);
    const [first, second] = d.a.sessions[0].transfers;
    expect([first.verdict.kind, first.diagnosis?.cause]).toEqual(['failed', 'active-address-mismatch']);
    expect([second.inferred, second.verdict.kind, second.reply?.code, second.reply?.frame, second.diagnosis]).toEqual(['command-lost', 'unknown', 226, d.at(58), null]);
    expect(d.a.sessions[0].diagnosis).toBeNull();
    const { out } = await derivedTexts(d.file, ['diagnose', 'explain']);
    expect(out.diagnose).not.toContain('No transfer of session 1 succeeded');
    expect(out.diagnose).toContain('1 of 2 transfers diagnosed (1 failed, 1 unknown).');
    expect(out.explain).not.toContain('No transfer of session 1 succeeded');
  });
});

/**
 * A server-side capture where the client's SYNs to two passive endpoints never arrived (a firewall
 * upstream dropped them), the client asking again each time; without the third PASV and its 227
 * (40–42), the RETR paired with the second, whose endpoint no connection in the capture reached, and
 * read "completed, its data connection not in the capture" beside the connection that carried its
 * 511 bytes, to the lost 227's port. A newer announcement in the control bytes the capture lost, the
 * announced endpoint never reached, an unlinked connection running while the command did: not known.
 */
describe('an announcement lost after one whose connection never reached the capture', () => {
  it('a37-interleaved-drop (server side) without the third PASV, its 227 and the ACK (40–42): the RETR reads not known (announcement lost), not completed', async () => {
    const NAME = 'a37-interleaved-drop-vsftpd-python-server';
    const whole = await analyze(NAME);
    expect(whole.sessions[0].transfers.slice(2, 5).map((x) => [x.announce?.frame, x.request?.command ?? null, x.verdict.kind, x.diagnosis?.cause ?? null])).toEqual([
      [35, null, 'failed', 'passive-unreached'],
      [38, null, 'failed', 'passive-unreached'],
      [41, 'RETR', 'completed', null],
    ]);
    const d = await derived(tmp, NAME, 'no-40-42', (f) => f < 40 || f > 42);
    const t = transfer(d.a, '1.4');
    expect([t.announce?.frame, t.request?.command, t.request?.frame, t.connection, t.reply?.code]).toEqual([38, 'RETR', d.at(46), null, 226]);
    // The connection to the lost 227's port 50016, 43–52 in the whole capture.
    expect(t.verdict).toEqual({ kind: 'unknown', why: 'announce-lost', bytes: 0, reply: d.at(53), announceLost: { gap: d.at(46), stream: 2, syn: d.at(43) }, evidence: [38, d.at(43), d.at(46), d.at(53)] });
    expect([t.status, t.diagnosis]).toEqual(['incomplete', null]);
    const { json } = await derivedTexts(d.file, ['summary']);
    expect(json[3]).toEqual(['1.4', 'unknown', null]);
  });
});

/**
 * pyftpdlib's STOR client (Python's ftplib, a socket closed with SO_LINGER 0) resets the data
 * connection 0.2 s after the server acknowledged all 98,304 bytes: its queue had drained, nothing
 * was discarded, and the server's 226 counts the whole file. The round trip that tells "drained" from
 * "too soon" came from the handshakes; without the data connection's SYN-ACK (18), and no ACK of the
 * control connection's handshake in the capture, there was none, and the upload read aborted by the
 * client. The client's SYN 0.9 ms after the 227 that named its port bounds it.
 */
describe('a sender\'s reset after its queue drained, the round trip from what the client answered', () => {
  it('a25-stor-drained-rst without the data SYN-ACK (18): completed, the reset drained, not aborted', async () => {
    const NAME = 'a25-stor-drained-rst-pyftpdlib-python';
    const whole = transfer(await analyze(NAME), '1.1');
    expect(whole.verdict).toMatchObject({ kind: 'completed', bytes: 98_304, resetDrained: { lastData: 111, ack: 112, reset: 114 } });
    const d = await derived(tmp, NAME, 'no-18', (f) => f !== 18);
    const t = transfer(d.a, '1.1');
    expect(t.connection?.synAckFrames).toEqual([]);
    expect([t.status, t.diagnosis]).toEqual(['complete', null]);
    expect(t.verdict).toMatchObject({ kind: 'completed', bytes: 98_304, resetDrained: { lastData: d.at(111), ack: d.at(112), reset: d.at(114) } });
    const { json } = await derivedTexts(d.file, ['diagnose']);
    expect(json).toEqual([['1.1', 'completed', null]]);
  });
});

/**
 * axel fetches a file in pieces over parallel sessions and resets each data connection once its piece
 * is in. Its sixth session re-fetched from 2,126,132 a piece whose next one (REST 2195456) the second
 * session had asked, and closed, before the sixth began: the whole capture reads it a finished
 * segment (findSplitSegments' "beside": asked before this one ended). Without that RETR (1146) the
 * piece cannot be shown, and the lost-evidence reading (findSplitsLost) asked for a session still
 * open when the stopped one was asked: the download read "aborted by the client".
 */
describe('a split download\'s piece whose next piece\'s command the capture lost, asked by a session closed before', () => {
  it('a29-axel-split (vsftpd) without the second session\'s RETR (1146): session 6\'s download reads not known (the split\'s evidence lost), not aborted', async () => {
    const NAME = 'a29-axel-split-vsftpd';
    const whole = transfer(await analyze(NAME), '6.1');
    expect(whole.verdict).toMatchObject({ kind: 'completed', bytes: 92_672, segment: { start: 2_126_132, end: 2_195_456, next: { session: 2, transfer: 1, frame: 1146 } } });
    const d = await derived(tmp, NAME, 'no-1146', (f) => f !== 1146);
    expect(transfer(d.a, '2.1').inferred).toBe('command-lost');
    const t = transfer(d.a, '6.1');
    expect([t.status, t.restOffset, t.bytes, t.diagnosis]).toEqual(['incomplete', 2_126_132, 92_672, null]);
    expect(t.verdict).toMatchObject({ kind: 'incomplete', why: 'split-not-captured', splitLost: { how: 'rst', lost: { what: 'control', session: 2, frame: d.at(2821) } } });
    expect(d.a.sessions.find((s) => s.id === 6)!.diagnosis).toBeNull();
  });
});

/**
 * lftp connects its data connection before it sends the transfer command. A capture at the server
 * that lost the SYN-ACK and everything after it up to the 226 (49–56: the LIST, its 150 and 226, the
 * data) kept the client's one SYN after the 227, and then control bytes of the client's it lost (the
 * LIST, sent once the connection opened): the PASV read failed, "the client's SYN was never
 * answered". A SYN sent once and never refused, in a stretch where the capture lost the client's
 * bytes, is the capture's loss: unused, no cause.
 */
describe('a passive SYN sent once, then client control bytes the capture lost', () => {
  it('server-side-passive-proftpd-lftp without 49–56: the PASV reads unused, not failed (SYN unanswered)', async () => {
    const NAME = 'server-side-passive-proftpd-lftp';
    const d = await derived(tmp, NAME, 'no-49-56', (f) => f < 49 || f > 56);
    const t = transfer(d.a, '1.1');
    expect([t.announce?.command, t.request, t.connection?.synFrame, t.connection?.synFrames, t.connection?.established, t.announce?.clientBytesLostAt]).toEqual([
      'PASV',
      null,
      48,
      [48],
      false,
      d.at(58), // the TYPE I after the lost LIST: the client's bytes jumped ahead
    ]);
    expect([t.status, t.verdict.kind, t.diagnosis, d.a.sessions[0].diagnosis]).toEqual(['unused', 'unused', null, null]);
    const { out, json } = await derivedTexts(d.file, ['diagnose']);
    expect(out.diagnose).not.toMatch(/never got an answer|passive-syn-unanswered/);
    expect(json.map((r) => r[1])).toEqual(['unused', 'completed', 'completed']);
  });
});

/**
 * Python's urllib asked RETR pub (550: a directory), changed into it and listed it, and closed its
 * control connection as soon as the listing's 64 bytes and FIN were in; the 226 came after (80) and
 * drew its reset. Without that 226 the LIST has no final reply, and the RETR's refusal read as the
 * session's failure ("server-refused", "No transfer of session 2 succeeded"): the server took the
 * other way (its 150), the listing's sender ended it with a FIN. Fell back, no failure — and not
 * "which completed" beside a LIST whose own verdict is incomplete.
 */
describe('a fallback the server took, its final reply not in the capture', () => {
  it('a18-vsftpd-urllib without the LIST\'s 226 (80): the RETR fell back, the LIST incomplete, no cause anywhere', async () => {
    const NAME = 'a18-vsftpd-urllib';
    const d = await derived(tmp, NAME, 'no-80', (f) => f !== 80);
    const [retr, list] = d.a.sessions[1].transfers;
    expect([retr.request?.command, retr.reply?.code, retr.status, retr.diagnosis]).toEqual(['RETR', 550, 'fell-back', null]);
    expect(retr.verdict).toMatchObject({
      kind: 'fell-back',
      fallback: { command: 'LIST pub', frame: 72, code: 150, replyFrame: 73, transfer: '2.2', completed: true, finalReplyMissing: true, directory: { arg: 'pub', code: 250, replyFrame: 63 } },
    });
    expect([list.request?.command, list.preliminary?.code, list.reply, list.bytes, list.verdict.kind]).toEqual(['LIST', 150, null, 64, 'incomplete']);
    expect(d.a.sessions[1].diagnosis).toBeNull();
    const { out } = await derivedTexts(d.file, ['explain', 'diagnose']);
    expect(out.explain).toContain('listed it instead with LIST pub (frame 72, transfer 2.2), which the server took (150, frame 73); its data came, with no final reply in the capture. Nothing to change.');
    expect(out.explain).not.toContain('LIST pub (frame 72, transfer 2.2), which completed');
    expect(out.diagnose).not.toContain('Session 2, transfer 1: server-refused');
    expect(out.diagnose).toContain('Session 2, transfer 1 (RETR pub): refused, and no failure');
  });
});
