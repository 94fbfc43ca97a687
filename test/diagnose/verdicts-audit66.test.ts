/**
 * The sixty-sixth verdict audit, on real recordings (fixtures/record.sh, "sixty-sixth audit"): many
 * sessions at once from three client addresses behind one MASQUERADE address (with the kernel's FTP
 * helper), to servers whose passive range is two ports, so that one passive port serves several
 * sessions within a second, and clients in active mode that listen on the same local port.
 *
 * a66-masq-crowd-*-proftpd: a curl RETR killed mid-transfer, lftp pget -n 3, an ftplib session killed
 * right after PASV + RETR (its control connection closed 1 ms after the RETR, no data connection),
 * ftplib active twice on one local port, curl active, and a late curl on a reused passive port. Before
 * this audit the killed ftplib's RETR was `incomplete` with the cause `not-in-capture`: "The capture
 * ends 1.6 s after the request", advice "Take the capture where both connections pass" — in a capture
 * that holds every other data connection, of a session its client ended 1 ms after the request. It is
 * now `failed` (passive-unreached: nobody connected before the client moved on, as a PASV no command
 * used), the client's quick end worded (too soon to have waited for an unanswered SYN; no NAT or firewall
 * advice). And lftp's ABOR sent as the last piece began (answered after that piece's 226) was shown as
 * a "late ABOR … once the transfer had finished": it is now a no-op ABOR, without the timing claim.
 *
 * a66-masq-active-*-vsftpd: vsftpd connecting from port 20; two ftplib clients (192.0.2.10 three RETRs,
 * 192.0.2.12 one) listening on local port 40000, the helper giving both the public port 40000; a curl
 * download the router resets after 20000 bytes. Before this audit: the 192.0.2.12 RETR, refused at once
 * with no SYN while the server's port-20 connection to 198.51.100.1:40000 (the other session's) was
 * open, was "no-attempt … A SYN dropped before reaching the capture point would look the same" in a
 * capture at the server, with advice about binding port 20; in the router capture the inside views of
 * the two failed active RETRs read "the NAT … left the address inside PORT … it has no FTP helper"
 * (the helper had rewritten both: the outside views show 198,51,100,1); and the inside view of the cut
 * download was "completed, 31,176 B not captured … the capture lost them" (the router had refused to
 * forward them; the client gave up after 30 s with 18824 bytes), against "aborted (network)" outside.
 *
 * Frames are tshark's (NAME.tshark-*.tsv), sizes and sha256 the recorder's (NAME.facts.json).
 */
import { describe, expect, it } from 'vitest';
import { analyze, dataStreams, facts, flat, jsonVerdicts, outputs, transfer, verdicts } from './audit-fixtures.js';

const crowdServer = 'a66-masq-crowd-server-side-proftpd';
const crowdRouter = 'a66-masq-crowd-router-proftpd';
const activeServer = 'a66-masq-active-server-side-vsftpd';
const activeRouter = 'a66-masq-active-router-vsftpd';

/** Each transfer with a data connection: [id, tcp.stream, the 227/PORT reply frame that named it]. */
async function links(name: string): Promise<unknown[][]> {
  const a = await analyze(name);
  return a.sessions.flatMap((s) => s.transfers.filter((t) => t.connection).map((t) => [`${s.id}.${t.id}`, t.connection!.stream, t.announce!.reply!.frame]));
}

describe('sixty-sixth audit: a crowd of sessions behind one MASQUERADE address, two passive ports', () => {
  it("the recorder's facts: the killed curl kept 32768 bytes, the pget file whole, the ghost never connected", () => {
    const f = facts(crowdServer);
    expect(f.files.map((x: any) => [x.path, x.size, x.received?.size ?? null, x.received_matches ?? null])).toEqual([
      ['a66-pget.bin', 40000, 40000, true],
      ['a66-act1.bin', 8000, 8000, true],
      ['a66-act2.bin', 12000, 12000, true],
      ['a66-curlport.bin', 10000, 10000, true],
      ['a66-late.bin', 6000, 6000, true],
      ['a66-killed.bin', 60000, 32768, false],
      ['a66-ghost.bin', 5000, null, null],
    ]);
    expect(f.client.ghost).toBe('ghost 227 Entering Passive Mode (198,51,100,20,195,80).');
  });

  it('every transfer judged by its own data connection; the ghost RETR failed, not a capture that ended', async () => {
    const a = await analyze(crowdServer);
    expect(verdicts(a)).toEqual([
      ['1.1', 'aborted', 'aborted', null],
      ['2.1', 'completed', null, null],
      ['3.1', 'failed', 'passive-unreached', null],
      ['4.1', 'completed', null, null],
      ['4.2', 'completed', null, null],
      ['5.1', 'completed', null, null],
      ['7.1', 'completed', null, null],
      ['8.1', 'completed', null, null],
    ]);
    expect(a.sessions.flatMap((s) => s.transfers.map((t) => t.bytes))).toEqual([32768, 32768, 0, 8000, 12000, 13333, 10000, 6000]);
    // Port 50000 named by sessions 1, 2 and 3 within 26 ms, 50001 by 5 and 8: each connection to the
    // 227 of its own session, as tshark's ftp-data setup frames say.
    const tshark = dataStreams(crowdServer);
    for (const [, stream, reply] of (await links(crowdServer)).filter(([, st]) => String(st) in tshark)) expect(tshark[String(stream)][0]).toBe(reply);
    expect(await links(crowdServer)).toEqual([['1.1', 3, 54], ['2.1', 7, 117], ['4.1', 10, 273], ['4.2', 12, 395], ['5.1', 8, 217], ['7.1', 11, 295], ['8.1', 14, 443]]);
    const ghost = transfer(a, '3.1');
    expect([ghost.status, ghost.connection, ghost.reply, ghost.request!.frame, a.sessions[2].closedBy]).toMatchObject(['failed', null, null, 209, { by: 'client', frame: 210, how: 'fin' }]);
    expect(ghost.diagnosis!.evidence).toEqual([208, 209, 210]);
    expect(ghost.diagnosis!.summary).toContain('The client then closed the session (frame 210, 1 ms later), without waiting for a data connection');
    expect(ghost.diagnosis!.summary).toContain('the client ended the session too soon after the announcement to have waited for an unanswered one');
    expect(ghost.diagnosis!.advice).toMatch(/^The client ended the session 1 ms after the server announced 198\.51\.100\.20:50000, without a data connection to it: it stopped on its own/);
    expect(await jsonVerdicts(crowdServer)).toEqual(verdicts(a).map(([id, kind, cause]) => [id, kind, cause]));
    const texts = (await outputs(crowdServer, 'summary', 'diagnose', 'explain', 'transfers')).map(flat);
    for (const text of texts) {
      expect(text).not.toContain('The capture ends');
      expect(text).not.toContain('MasqueradeAddress');
      expect(text).not.toContain('once the transfer had finished');
    }
    // lftp's ABOR (frame 247) came 0.4 ms into the last piece, answered after its 226 (frame 324): no timing claimed.
    expect([transfer(a, '5.1').lateAbortFrame, transfer(a, '5.1').reply!.frame]).toEqual([247, 324]);
    expect(texts[3]).toContain('no-op ABOR frame 247; the data still came whole and the server said 226: nothing was aborted');
  });

  it('the router capture: both views of the ghost RETR failed the same way, every other pair agrees', async () => {
    const a = await analyze(crowdRouter);
    const v = verdicts(a);
    expect(v.filter(([, kind]) => kind !== 'completed')).toEqual([
      ['1.1', 'aborted', 'aborted', null],
      ['2.1', 'aborted', 'aborted', null],
      ['5.1', 'failed', 'passive-unreached', null],
      ['6.1', 'failed', 'passive-unreached', null],
    ]);
    expect(v).toHaveLength(16);
    for (const id of ['5.1', '6.1']) {
      expect(transfer(a, id).diagnosis!.advice).toMatch(/^The client ended the session 1 ms after the server announced/);
      expect(transfer(a, id).diagnosis!.advice).not.toMatch(/MasqueradeAddress|nf_conntrack_ftp/);
    }
  });
});

describe('sixty-sixth audit: active mode behind one MASQUERADE, two clients on one local port, a router reset', () => {
  it("the recorder's facts: two RETRs of 192.0.2.10 whole, its third and 192.0.2.12's refused (425), the cut download 18824 bytes", () => {
    const f = facts(activeServer);
    expect(f.files.map((x: any) => [x.path, x.size, x.received?.size ?? null])).toEqual([
      ['a66-v1.bin', 6000, 6000],
      ['a66-v2.bin', 7000, 7000],
      ['a66-v3.bin', 8000, null],
      ['a66-w.bin', 9000, null],
      ['a66-pget2.bin', 16000, 16000],
      ['a66-cut.bin', 50000, 18824],
    ]);
    expect(f.client.act12).toContain("a66-w.bin error_temp('425 Failed to establish connection.')");
  });

  it("at the server: the 425 without a SYN names the other session's port-20 connection to the same endpoint", async () => {
    const a = await analyze(activeServer);
    expect(verdicts(a)).toEqual([
      ['1.1', 'completed', null, null],
      ['2.1', 'aborted', 'aborted', null],
      ['3.1', 'completed', null, null],
      ['3.2', 'completed', null, null],
      ['3.3', 'failed', 'active-refused', null],
      ['4.1', 'failed', 'no-attempt', null],
    ]);
    const busy = transfer(a, '3.2').connection!;
    expect([busy.stream, busy.synFrame, `${busy.server.ip}:${busy.server.port}`, `${busy.client.ip}:${busy.client.port}`]).toEqual([7, 185, '198.51.100.20:20', '198.51.100.1:40000']);
    const d = transfer(a, '4.1').diagnosis!;
    expect(d.evidence).toEqual([185, 204, 205, 206, 207, 214]);
    expect(d.summary).toContain("This capture point sees the server's packets as it sends them: the server sent no SYN");
    expect(d.summary).not.toContain('A SYN dropped before reaching the capture point would look the same');
    expect(d.summary).toContain(
      "When it was asked (frame 206) the server's data connection 198.51.100.20:20 → 198.51.100.1:40000 of session 3, transfer 2 (SYN frame 185) was still open, until frame 214",
    );
    expect(d.advice).toContain('(vsftpd: connect_from_port_20=NO)');
    expect(d.advice).not.toContain('privilege to bind port 20');
  });

  it('the router capture: the inside views agree with the outside ones; no missing helper, no bytes "the capture lost"', async () => {
    const a = await analyze(activeRouter);
    expect(verdicts(a)).toEqual([
      ['1.1', 'completed', null, null],
      ['2.1', 'completed', null, null],
      ['3.1', 'aborted', 'aborted', null], // review 77: the reset the outside view (4.1) holds, named inside
      ['4.1', 'aborted', 'aborted', null],
      ['5.1', 'completed', null, null],
      ['5.2', 'completed', null, null],
      ['5.3', 'failed', 'active-refused', null],
      ['6.1', 'completed', null, null],
      ['6.2', 'completed', null, null],
      ['6.3', 'failed', 'active-refused', null],
      ['7.1', 'failed', 'active-unreached', null],
      ['8.1', 'failed', 'active-unreached', null],
    ]);
    // The helper rewrote both PORTs: the outside views name the NAT's address.
    expect([transfer(a, '6.3').announce!.endpoint, transfer(a, '8.1').announce!.endpoint]).toEqual([
      { ip: '198.51.100.1', port: 63785 },
      { ip: '198.51.100.1', port: 40000 },
    ]);
    // The cut download, inside: 18824 bytes reached the client (its saved file), the client closed after 30 s, the server's stack answered with a reset.
    const cut = transfer(a, '3.1');
    expect([cut.bytes, cut.connection!.close, cut.connection!.rst!.by, cut.connection!.rst!.frame, cut.verdict.kind, (cut.verdict as { by: string }).by]).toEqual([18824, 'rst', 'server', 452, 'aborted', 'network']);
    expect(cut.bytes).toBe(facts(activeRouter).files.find((x: any) => x.path === 'a66-cut.bin').received.size);
    const inside = transfer(a, '5.3').diagnosis!;
    expect(inside.summary).toContain("The outside view of this session (session 6, transfer 6.3) holds the server's attempt: SYN frame 431 from 198.51.100.20:20 to 198.51.100.1:63785, answered by a reset at frame 435");
    for (const id of ['7.1', '8.1']) expect(transfer(a, id).diagnosis!.summary).toContain("the server's data connection 198.51.100.20:20 → 198.51.100.1:40000 of session 6, transfer 2 (SYN frame 359) was still open, until frame 418");
    const texts = (await outputs(activeRouter, 'summary', 'diagnose', 'explain', 'transfers')).map(flat);
    for (const text of texts) {
      expect(text).not.toContain('no FTP helper');
      expect(text).not.toContain('the capture lost them');
      expect(text).not.toContain('not captured');
    }
  });
});
