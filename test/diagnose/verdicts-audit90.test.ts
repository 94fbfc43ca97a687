/**
 * Session 45: the drop sweep (scripts/sweep/drop-sweep.mjs) over every fixture, read by class. Each
 * capture here is a committed recording with whole records left out (never new bytes): what a
 * kernel's or a TAP's drops leave.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { analyze, derived, derivedTexts, transfer, verdicts } from './audit-fixtures.js';

const tmp = mkdtempSync(join(tmpdir(), 'ftpcap-audit90-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/**
 * aria2c resumes a86-c.bin (150,000 bytes, SIZE 213 150000) with REST 75296 (frame 183); vsftpd's 350
 * (frame 184) is lost, its 150 names the whole file, and the data connection carries 74,704 bytes, then
 * 226. Exactly the file less the offset: the server started at the offset. Without the 350 the transfer
 * read "aborted by the client after 74,704 of 150,000 bytes" (restart-lost.ts).
 */
describe('a REST whose 350 the capture lost', () => {
  const NAME = 'a86-cut-aria2c-vsftpd';

  it('the data carried the file less the offset: completed, REST 75296, as with the 350', async () => {
    const full = transfer(await analyze(NAME), '3.1');
    expect([full.restOffset, full.bytes, full.status]).toEqual([75_296, 74_704, 'complete']);
    const d = await derived(tmp, NAME, 'without-184', (f) => f !== 184);
    const t = transfer(d.a, '3.1');
    expect(t.restUnconfirmed).toEqual({ offset: 75_296, frame: 183 });
    expect([t.restOffset, t.expectedSize, t.bytes, t.status, t.verdict.kind, t.diagnosis]).toEqual([75_296, 150_000, 74_704, 'complete', 'completed', null]);
    expect(verdicts(d.a)).toEqual(verdicts(await analyze(NAME)));
    const { out, json } = await derivedTexts(d.file, ['transfers', 'explain']);
    expect(out.transfers).toContain('RETR a86-c.bin (frame 184), TYPE I, REST 75296');
    expect(out.transfers).toContain('completed: 74,704 bytes, all in the capture (226, frame 262)');
    for (const text of Object.values(out)) expect(text).not.toMatch(/aborted by the client after 74,704/);
    expect(json.find((r) => r[0] === '3.1')).toEqual(['3.1', 'completed', null]);
  });

  it('the whole file after it: the offset was not taken (REST refused), nothing inferred', async () => {
    // The first session's REST 0 (frame 26) and its 350 (frame 27): an offset of 0 owes the whole file either way.
    const d = await derived(tmp, NAME, 'without-27', (f) => f !== 27);
    const t = transfer(d.a, '1.1');
    expect([t.restUnconfirmed, t.restOffset]).toEqual([undefined, null]);
  });
});

/**
 * A download whose file changed on the server: SIZE and the 150 said 120,000 (file-changed) or 60,000
 * (a69-growing-log) bytes, fewer came, the server closed the data connection and said 226. With the
 * 226 lost, "the server closed it short of the size and no final reply came" read aborted by the
 * server, though the client acknowledged the lost reply's bytes (then reset the control connection,
 * or sent QUIT): the reply is in them (Transfer.replyInGap), so the transfer is not known, not cut.
 */
describe('a final reply the capture lost after a download shorter than announced', () => {
  it('file-changed: the 226 (frame 102) acknowledged, then the session reset: not confirmed, no cause', async () => {
    const full = transfer(await analyze('file-changed-proftpd-curl'), '1.1');
    expect([full.bytes, full.expectedSize, full.reply?.code, full.status]).toEqual([50_000, 120_000, 226, 'complete']);
    const d = await derived(tmp, 'file-changed-proftpd-curl', 'without-102', (f) => f !== 102);
    const t = transfer(d.a, '1.1');
    expect([t.reply, t.replyInGap?.gap, t.replyInGap?.later.frame, t.status, t.verdict.kind, t.diagnosis]).toEqual([null, 102, 102, 'incomplete', 'incomplete', null]);
    const { out, json } = await derivedTexts(d.file, ['transfers', 'explain', 'diagnose']);
    expect(out.transfers).toContain('not confirmed: 50,000 of 120,000 announced bytes moved, and its final reply came in the server\'s bytes the capture lost (before frame 102)');
    for (const text of Object.values(out)) expect(text).not.toMatch(/aborted by the server/);
    expect(json).toEqual([['1.1', 'incomplete', null], ['2.1', 'aborted', 'aborted']]);
  });

  it('a69-growing-log, at the client and at the server: the 226 lost before QUIT is the reply not captured', async () => {
    for (const [name, frame] of [['a69-growing-log-proftpd-lftp', 219], ['a69-growing-log-server-side-proftpd-lftp', 217]] as const) {
      expect(transfer(await analyze(name), '2.1').status, name).toBe('complete');
      const d = await derived(tmp, name, `without-${frame}`, (f) => f !== frame);
      const t = transfer(d.a, '2.1');
      expect([t.reply, t.replyInGap?.later.command, t.status, t.diagnosis], name).toEqual([null, 'QUIT', 'incomplete', null]);
    }
  });
});

/**
 * pyftpdlib resets a RETR's data connection with 189,872 of 262,144 bytes still queued (frame 102) and
 * still answers 226 (a21-retr-rst-early). A capture that lost that reset holds 72,272 bytes, none
 * acknowledged beyond them, and no end of the data connection at all, then the 226: it read
 * "completed according to the server, but 189,872 of its bytes are missing from the capture: the
 * capture lost them, not the transfer". Nothing in the capture says those bytes were ever sent
 * (data-end-lost.ts): not known.
 */
describe('a confirmed download short of its size whose data connection has no end in the capture', () => {
  const NAME = 'a21-retr-rst-early-pyftpdlib-python';

  it('the reset lost: not known (end not captured), never completed', async () => {
    const full = transfer(await analyze(NAME), '1.1');
    expect([full.bytes, full.expectedSize, full.reply?.code, full.connection?.rst?.frame, full.status]).toEqual([72_272, 262_144, 226, 102, 'aborted']);
    const d = await derived(tmp, NAME, 'without-102', (f) => f !== 102);
    const t = transfer(d.a, '1.1');
    expect([t.status, t.verdict.kind, t.diagnosis]).toEqual(['incomplete', 'incomplete', null]);
    expect(t.verdict).toMatchObject({ why: 'data-end-not-captured', dataEndLost: { reply: 102, lastData: 101 } });
    const { out, json } = await derivedTexts(d.file, ['transfers', 'explain', 'summary']);
    expect(out.transfers).toContain('not known: the server answered 226 (frame 102), but the capture holds 72,272 of the 262,144 bytes announced and not how the data connection ended (no FIN or reset after frame 101)');
    for (const text of Object.values(out)) expect(text).not.toMatch(/the capture lost them, not the transfer|completed/);
    expect(json[0]).toEqual(['1.1', 'incomplete', null]);
  });

  it('the same capture whole, and one that lost only a data segment the client acknowledged, are untouched', async () => {
    const d = await derived(tmp, NAME, 'without-60', (f) => f !== 60);
    expect(transfer(d.a, '1.1').status).toBe('aborted');
    expect(transfer(await analyze(NAME), '1.1').verdict.kind).toBe('aborted');
  });
});

/**
 * pyftpdlib resets each data connection the moment its queue has drained, every byte acknowledged
 * (a21-server-rst, a25-retr-drained-rst): a reset at least a round trip toward the sender after
 * that acknowledgement discarded nothing (sender-reset.ts). The round trip comes from the data
 * connection's handshake; a capture that lost the SYN had none, and the LIST read "aborted by the
 * server after 399 bytes". The session's control connection runs between the same hosts, seen from
 * the same point: its handshake measures it.
 */
describe('a drained sender reset on a data connection whose SYN the capture lost', () => {
  it('a21-server-rst without frame 17 (the SYN): completed, as whole', async () => {
    const NAME = 'a21-server-rst-pyftpdlib-python';
    expect(transfer(await analyze(NAME), '1.1').verdict.kind).toBe('completed');
    const d = await derived(tmp, NAME, 'without-17', (f) => f !== 17);
    const t = transfer(d.a, '1.1');
    expect([t.connection?.synFrame, t.connection?.rst?.by, t.bytes, t.status, t.verdict.kind, t.diagnosis]).toEqual([null, 'server', 399, 'complete', 'completed', null]);
    expect(t.verdict).toMatchObject({ resetDrained: { lastData: 21, ack: 22, reset: 23 } });
  });

  it('a25-retr-drained-rst without its SYN: completed', async () => {
    const NAME = 'a25-retr-drained-rst-pyftpdlib-python';
    const d = await derived(tmp, NAME, 'without-17', (f) => f !== 17);
    expect([transfer(d.a, '1.1').status, transfer(d.a, '1.1').verdict.kind]).toEqual(['complete', 'completed']);
  });
});

/**
 * A data connection's FIN the capture missed, acknowledged by its receiver one past the data
 * (TcpConnection.finUnseen): the sender had closed. file-changed without the server's FIN (frame
 * 99), the client's FIN acknowledging it, read "aborted by the client after 50,000 of 120,000 bytes"
 * (the receiver seemed to close first); a69-growing-log without its FIN (frame 216), "aborted
 * (stalled)". An upload's FIN after the ABOR stays after it when only its acknowledgement is seen
 * (a84-abor-busybox without frame 126: aborted, as whole).
 */
describe("a sender's FIN the capture missed, its acknowledgement seen", () => {
  it('file-changed without the server FIN: the server sent short and closed, completed as whole', async () => {
    const d = await derived(tmp, 'file-changed-proftpd-curl', 'without-99', (f) => f !== 99);
    const t = transfer(d.a, '1.1');
    expect(t.connection?.finUnseen).toEqual({ server: 99 });
    expect([t.status, t.verdict.kind, t.diagnosis]).toEqual(['complete', 'completed', null]);
    expect(t.verdict).toMatchObject({ missingBytes: 0, sentShort: true });
    const { out } = await derivedTexts(d.file, ['transfers', 'explain']);
    expect(out.transfers).toContain('it sent 50,000 of the 120,000 bytes announced and closed the data connection itself');
    expect(out.transfers).toContain('closed by nothing seen FIN from the server not in the capture (acknowledged at frame 99)');
    // The other RETR (grow.bin) is the client's own abort: only the first session's text is read.
    expect(out.transfers.split('Transfer 2.1')[0]).not.toMatch(/aborted by the client/);
    expect(out.explain.split('Session 2:')[0]).not.toMatch(/aborted by the client/);
  });

  it('a69-growing-log without the server FIN: completed', async () => {
    const d = await derived(tmp, 'a69-growing-log-proftpd-lftp', 'without-216', (f) => f !== 216);
    const t = transfer(d.a, '2.1');
    expect(t.connection?.finUnseen?.server).toBeDefined();
    expect([t.status, t.verdict.kind, t.diagnosis]).toEqual(['complete', 'completed', null]);
  });

  it("busybox's upload closed after its ABOR, the FIN lost: still aborted", async () => {
    const NAME = 'a84-abor-busybox-python';
    expect(transfer(await analyze(NAME), '2.1').status).toBe('aborted');
    const d = await derived(tmp, NAME, 'without-126', (f) => f !== 126);
    const t = transfer(d.a, '2.1');
    expect(t.connection?.finUnseen).toEqual({ client: 128 });
    expect([t.status, t.verdict.kind]).toEqual(['aborted', 'aborted']);
  });
});

/**
 * The same with no size stated: pyftpdlib resets a RETR's data connection with data still queued,
 * 3,400 bytes unacknowledged (frame 173), and answers 226 (a25-retr-queued-rst). Without the reset the
 * data connection has no end in the capture: it read "completed: 134,664 bytes". A fallback whose
 * data connection's end was lost still shows the other way taken: ftpcopy's MLSD refused (500), then
 * LIST, its data connection's FIN and the receiver's ACK lost, stays fell-back (a39-ftpcopy).
 */
describe('a confirmed transfer with no size stated whose data connection has no end in the capture', () => {
  it('a25-retr-queued-rst without the reset: not known, no cause', async () => {
    const NAME = 'a25-retr-queued-rst-pyftpdlib-python';
    expect(transfer(await analyze(NAME), '1.1').status).toBe('aborted');
    const d = await derived(tmp, NAME, 'without-173', (f) => f !== 173);
    const t = transfer(d.a, '1.1');
    expect([t.expectedSize, t.bytes, t.status, t.diagnosis]).toEqual([null, 134_664, 'incomplete', null]);
    expect(t.verdict).toMatchObject({ kind: 'incomplete', why: 'data-end-not-captured', dataEndLost: { reply: 173, lastData: 172 } });
    const { out } = await derivedTexts(d.file, ['transfers']);
    expect(out.transfers).toContain('not known: the server answered 226 (frame 173), but the capture holds 134,664 bytes and not how the data connection ended (no FIN or reset after frame 172)');
  });

  it('a39-ftpcopy without the LIST data connection end: the LIST not known, the refused MLSD still fell back to it', async () => {
    const NAME = 'a39-ftpcopy-vsftpd';
    const d = await derived(tmp, NAME, 'without-82-84', (f) => f < 82 || f > 84);
    expect([transfer(d.a, '1.4').request?.command, transfer(d.a, '1.4').status, transfer(d.a, '1.4').diagnosis]).toEqual(['MLSD', 'fell-back', null]);
    expect(transfer(d.a, '1.5').verdict).toMatchObject({ kind: 'incomplete', why: 'data-end-not-captured' });
    expect(transfer(await analyze(NAME), '1.5').status).toBe('complete');
  });
});

/**
 * a36-split-eprt: later in the session the control connection stops getting through (the client's
 * command at frame 51 sent again 6 times, never acknowledged). A capture that lost the first RETR's
 * 226 (frame 29), which the client acknowledged and followed with TYPE, read "delivered its data
 * whole, but no final reply reached the client: the control connection stopped getting through" —
 * a cut that came later. Its reply reached the client: not confirmed, as any lost 226.
 */
describe('a final reply the capture lost before the control connection later stopped getting through', () => {
  it('a36-split-eprt without frame 29: reply not captured, not reply-lost', async () => {
    const NAME = 'a36-split-eprt-vsftpd-python';
    const full = transfer(await analyze(NAME), '1.1');
    expect([full.reply?.code, full.status]).toEqual([226, 'complete']);
    const d = await derived(tmp, NAME, 'without-29', (f) => f !== 29);
    const t = transfer(d.a, '1.1');
    expect([t.replyInGap?.later.command, t.status, t.verdict.kind, t.diagnosis]).toEqual(['TYPE', 'incomplete', 'incomplete', null]);
    expect(t.verdict).toMatchObject({ why: 'reply-not-captured' });
    const { out } = await derivedTexts(d.file, ['transfers']);
    expect(out.transfers.split('Transfer 1.2')[0]).not.toMatch(/no final reply reached the client/);
  });
});

/**
 * pyftpdlib answers a late ABOR in order: the RETR's 226, then "225 No transfer to abort." (a84-abor-
 * pyftpdlib, session 4). A capture that lost the 226 (frame 192) paired the 225 with the ABOR and read
 * the RETR "aborted by the client after 511 bytes", its data whole and closed by the server first.
 * The 225 after server bytes the capture lost says the transfer had ended: its reply is in them.
 */
describe("a late ABOR's 225 after a final reply the capture lost", () => {
  it('a84-abor-pyftpdlib without the 226: not confirmed, the ABOR a no-op', async () => {
    const NAME = 'a84-abor-pyftpdlib-python';
    expect(transfer(await analyze(NAME), '4.1').status).toBe('complete');
    const d = await derived(tmp, NAME, 'without-192', (f) => f !== 192);
    const t = transfer(d.a, '4.1');
    expect([t.reply, t.abortFrame, t.lateAbortFrame, t.status, t.verdict.kind, t.diagnosis]).toEqual([null, null, 191, 'incomplete', 'incomplete', null]);
    expect(t.replyInGap).toMatchObject({ gap: 192, later: { command: 'ABOR', frame: 192, noTransfer: true } });
    const { out } = await derivedTexts(d.file, ['transfers', 'explain']);
    expect(out.transfers).toContain('the 225 that follows them (frame 192), the server\'s answer to the client\'s ABOR, says no transfer was in progress by then');
    for (const text of Object.values(out)) expect(text).not.toMatch(/aborted by the client after 511/);
  });
});

/**
 * A session's roll-up ("No transfer of session 1 succeeded (2 attempted: 1× server-refused)") counted
 * a transfer not known for what the capture lost at its end as one that did not succeed:
 * active-denied (lftp's first RETR refused, its second answered 226) without that 226 (frame 54).
 * Whether it succeeded is not known, so neither is "none succeeded".
 */
describe("a session's roll-up beside a transfer whose end the capture lost", () => {
  it('active-denied without the second RETR\'s 226: no session cause', async () => {
    const NAME = 'active-denied-vsftpd-lftp';
    const d = await derived(tmp, NAME, 'without-54', (f) => f !== 54);
    expect([transfer(d.a, '1.1').status, transfer(d.a, '1.1').diagnosis?.cause, transfer(d.a, '1.2').verdict.kind]).toEqual(['failed', 'server-refused', 'incomplete']);
    expect(transfer(d.a, '1.2').replyInGap).toBeDefined();
    expect(d.a.sessions[0].diagnosis).toBeNull();
    const { out } = await derivedTexts(d.file, ['summary', 'diagnose']);
    for (const text of Object.values(out)) expect(text).not.toMatch(/No transfer of session 1 succeeded/);
  });
});
