/**
 * Review 77 of recorded expectations against ftpcap's verdicts (fixtures a61 … ctrl-lossy, list 01).
 *
 * a70-pasv-on-ipv6-vsftpd-python: ftplib sends PASV on an IPv6 control connection; vsftpd answers
 * 227 (0,0,0,0,195,98) (frame 18): 0.0.0.0 names no host, ftplib's connect to it fails on its own
 * host (no SYN on the wire) and it goes on with EPSV (frame 21) and RETR hello.txt (frame 26, 226 at
 * frame 33). Before: the PASV counted as a failed transfer (passive-address-mismatch), where the
 * same client past pyftpdlib's malformed 227 and pure-ftpd's refusal had nothing failed. Now unused,
 * as a malformed announcement the client got past (announce-malformed.ts).
 *
 * a71-ncftpget-r-perm-vsftpd: ncftpget -R first asks for the directory as one archive, RETR
 * tree.tar (frame 58), the on-the-fly tar of wu-ftpd's kind; vsftpd answers 550 (frame 59); ncftpget
 * changes into tree (CWD, 250 at frame 64) and lists it (LIST -a, frame 81, 226 at frame 88). Before:
 * a failed download (server-refused), where the recorder's verdict has every transfer but the
 * unreadable file's and directory's complete with no diagnosis. Now fell-back, as urllib's RETR of a
 * directory then CWD and LIST (fallback.ts).
 *
 * a66-masq-active-router-vsftpd: captured on the NAT device (-i any), every packet twice. The router
 * resets the server's side of curl's data connection after 20000 bytes (frame 278, in the outside
 * view, session 4) and forwards nothing more; the inside view (session 3) sees the data stop and curl
 * give up after 30 s. Before: the inside view's cause was 'stalled', "the server stopped sending, or
 * the path stopped delivering what it sent (this capture point cannot tell which)", while the same
 * capture's outside view holds the reset. Now both views are aborted, the inside one naming the reset
 * its other view holds.
 *
 * a68-fxp-stor-refused-client-side-vsftpd-pyftpdlib-lftp (and a68-fxp-data-timeout-client-side-…,
 * transfer 6.2): lftp's FXP copy sends the source's RETR (A, frame 62) before the destination has a
 * transfer command: B accepted the PORT naming A's endpoint (200, frame 68: pyftpdlib connects at
 * once), A's RETR was taken (150, frame 67) and ended 426 (frame 69), B reset the connection (the
 * router's capture, frame 131). At the client, which holds neither data connection, B's PORT half
 * read "unused" while A's half said "(transfer 1.1 is the other half)" of a copy that moved data and
 * the router capture read it aborted. Now aborted with it, the advice the order FXP clients keep.
 *
 * Frames are tshark's (NAME.tshark-*.tsv); client messages the recorder's (NAME.facts.json).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../cli/run-cli.js';
import { analyze, derived, facts, flat, ftpRows, outputs, path, transfer, tsv } from './audit-fixtures.js';

const tmp = mkdtempSync(join(tmpdir(), 'ftpcap-review77-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('review 77: a 227 naming 0.0.0.0 that the client got past', () => {
  const name = 'a70-pasv-on-ipv6-vsftpd-python';
  it("tshark and the recorder: the 227 names 0,0,0,0; ftplib's connect to it is refused on its own host, then EPSV and RETR complete", () => {
    expect(ftpRows(name, '0').slice(7)).toEqual([[17, 'PASV'], [18, '227'], [19, 'TYPE'], [20, '200'], [21, 'EPSV'], [22, '229'], [26, 'RETR'], [27, '150'], [33, '226'], [35, 'QUIT'], [36, '221']]);
    expect(facts(name).client.messages).toContain("PASV data connection failed: ConnectionRefusedError(111, 'Connection refused')");
    // No packet of the capture goes to 0.0.0.0: the attempt never left the client's host.
    expect(tsv(name, 'fields').some((r) => r['ip.dst'] === '0.0.0.0')).toBe(false);
  });

  it('unused, no diagnosis, no failure counted; the RETR over EPSV completed', async () => {
    const a = await analyze(name);
    const t = transfer(a, '1.1');
    expect(t.announce?.endpoint).toEqual({ ip: '0.0.0.0', port: 50018 });
    expect([t.status, t.verdict, t.diagnosis]).toEqual(['unused', { kind: 'unused', evidence: [18] }, null]);
    expect([transfer(a, '1.2').status, transfer(a, '1.2').bytes, transfer(a, '1.2').reply?.frame]).toEqual(['complete', 511, 33]);
    const [diagnose, summary] = await outputs(name, 'diagnose', 'summary');
    expect(flat(diagnose)).toContain('No failed data connections in 1 session: 2 transfers (1 unused, 1 complete).');
    expect(flat(summary)).toContain('1 unused, 1 complete');
    expect(flat(summary)).not.toMatch(/failed/);
  });

  it('a capture that stopped before the EPSV RETR was answered (to frame 25): not failed either, whether the client got past it is not in it', async () => {
    const d = await derived(tmp, name, 'to-25', (f) => f <= 25);
    const t = transfer(d.a, '1.1');
    expect([t.status, t.diagnosis]).toEqual(['unused', null]);
  });
});

describe("review 77: ncftpget -R's archive probe (RETR DIR.tar), then CWD DIR and a listing", () => {
  const name = 'a71-ncftpget-r-perm-vsftpd';
  it('tshark: RETR tree.tar refused 550, CWD tree accepted, then LIST -a answered 226', () => {
    const rows = ftpRows(name, '0');
    expect(rows.filter(([f]) => f >= 58 && f <= 64)).toEqual([[58, 'RETR'], [59, '550'], [61, 'PWD'], [62, '257'], [63, 'CWD'], [64, '250']]);
    expect(rows.filter(([f]) => f === 81 || f === 88)).toEqual([[81, 'LIST'], [88, '226']]);
    const args = new Map(tsv(name, 'ftp').map((r) => [Number(r['frame.number']), r['ftp.request.arg']]));
    expect([args.get(58), args.get(63), args.get(81)]).toEqual(['tree.tar', 'tree', '-a']);
  });

  it('fell back: no failure, no diagnosis, the listing quoted as sent; the real refusals stay failed', async () => {
    const a = await analyze(name);
    const t = transfer(a, '1.1');
    expect(t.status).toBe('fell-back');
    expect(t.verdict).toEqual({
      kind: 'fell-back',
      code: 550,
      reply: 59,
      fallback: { command: 'LIST -a', frame: 81, code: 226, replyFrame: 88, transfer: '1.2', completed: true, directory: { arg: 'tree', code: 250, replyFrame: 64, archive: 'tree.tar' } },
      evidence: [54, 55, 56, 58, 59, 64, 76, 81, 88],
    });
    expect(t.diagnosis).toBeNull();
    // The unreadable file (550) and directory (226 "failed to open directory") are still failures.
    expect(['1.6', '1.7', '1.9'].map((id) => [transfer(a, id).status, transfer(a, id).diagnosis?.cause])).toEqual([
      ['failed', 'server-refused'],
      ['failed', 'server-refused'],
      ['failed', 'server-refused'],
    ]);
    const [diagnose, transfers] = await outputs(name, 'diagnose', 'transfers');
    expect(flat(diagnose)).toContain(
      'refused, and no failure: the client asked for the directory tree as one archive, tree.tar, which some servers make on the fly and this one does not (550, frame 59); ' +
        'the client changed into it (CWD tree, 250, frame 64) and listed it instead with LIST -a (frame 81, transfer 1.2), which completed (226, frame 88). Nothing to change.',
    );
    expect(flat(diagnose)).not.toMatch(/Session 1, transfer 1: server-refused/);
    expect(flat(transfers)).toContain('refused, fell back to LIST');
  });
});

describe("review 77: a NAT device's two views of one data connection the device reset", () => {
  const name = 'a66-masq-active-router-vsftpd';
  it("tshark: the reset at frame 278 goes to the server in the client's outside name with TTL 64; the inside view never sees it", () => {
    const r = tsv(name, 'fields').find((x) => Number(x['frame.number']) === 278)!;
    expect([r['ip.src'], r['ip.dst'], r['ip.ttl'], r['tcp.flags']]).toEqual(['198.51.100.1', '198.51.100.20', '64', '0x0004']);
    expect(facts(name).client.messages).toContain('curl: (28) Operation timed out after 30001 milliseconds with 18824 out of 50000 bytes received');
  });

  it('both views aborted by the network with the same cause; the inside view names the reset its other view holds', async () => {
    const a = await analyze(name);
    expect(a.sessions[2].natPeer).toEqual({ session: 4, side: 'inside', inside: { ip: '192.0.2.11', port: 60038 }, outside: { ip: '198.51.100.1', port: 60038 } });
    const inside = transfer(a, '3.1');
    const outside = transfer(a, '4.1');
    expect([inside.verdict.kind, 'by' in inside.verdict ? inside.verdict.by : null, outside.verdict.kind, 'by' in outside.verdict ? outside.verdict.by : null]).toEqual(['aborted', 'network', 'aborted', 'network']);
    expect([inside.diagnosis!.cause, outside.diagnosis!.cause]).toEqual(['aborted', 'aborted']);
    expect(inside.diagnosis!.evidence).toEqual([212, 213, 216, 227, 276, 278, 298, 450, 452]);
    const said = flat(inside.diagnosis!.summary);
    expect(said).toContain(
      "No data came from the server for 30 s after frame 276, every byte before it acknowledged and the client's window open: the outside view of this session " +
        '(session 4, transfer 4.1) holds why — a device between the client and the server reset that side of the data connection (frame 278), neither host, and nothing more of it came through to this side',
    );
    expect(said).not.toMatch(/cannot tell which/);
    expect(inside.diagnosis!.advice).toContain('A firewall or router between the client and the server cut the data connection (the reset came from neither end: see session 4, transfer 4.1)');
    expect(inside.diagnosis!.advice).not.toMatch(/A capture at the server tells which/);
    const json = JSON.parse((await runCli(['transfers', '--json', path(name)])).stdout).transfers.filter((x: { session: number; id: number }) => x.id === 1 && (x.session === 3 || x.session === 4));
    expect(json.map((x: { verdict: { cause: string } }) => x.verdict.cause)).toEqual(['aborted', 'aborted']);
  });
});

describe("review 77: an FXP copy's bare PORT half whose connection the other half used, at the client", () => {
  const name = 'a68-fxp-stor-refused-client-side-vsftpd-pyftpdlib-lftp';
  it("tshark: PORT to B (stream 0) naming A's endpoint accepted (200), A's RETR (stream 1) taken (150) and ended 426, no STOR on B for it", () => {
    const b = ftpRows(name, '0');
    const a = ftpRows(name, '1');
    expect(a.filter(([f]) => f >= 60 && f <= 76)).toEqual([[60, 'PASV'], [61, '227'], [62, 'RETR'], [67, '150'], [69, '426'], [75, 'PORT'], [76, '500']]);
    expect(b.filter(([f]) => f >= 63 && f <= 74)).toEqual([[63, 'TYPE'], [64, '200'], [66, 'PORT'], [68, '200'], [71, 'SIZE'], [72, '550'], [73, 'PASV'], [74, '227']]);
    expect(b.some(([f, w]) => f > 66 && f < 113 && (w === 'STOR' || w === 'APPE'))).toBe(false);
  });

  it('aborted with the other half (as the router capture has it), not unused; the advice names the order FXP clients keep', async () => {
    const a = await analyze(name);
    const t = transfer(a, '1.1');
    expect([t.mode, t.request, t.connection, t.fxp]).toEqual(['active', null, null, { session: 2, transfer: 1 }]);
    expect(t.verdict).toMatchObject({ kind: 'aborted', by: null, cause: 'aborted' });
    expect(t.diagnosis!.evidence).toEqual([62, 66, 67, 68, 69]);
    const said = flat(t.diagnosis!.summary);
    expect(said).toContain('(transfer 2.1 is the other half): how much moved is not visible here');
    expect(said).toContain(
      "This server accepted the PORT (200, frame 68) and was given no transfer command for it (no STOR or APPE), while the other server's RETR over that connection (transfer 2.1, frame 62) was taken (150, frame 67), and ended short (426, frame 69)",
    );
    expect(t.diagnosis!.advice).toContain("Have the client send the destination's STOR (or APPE) before the source's RETR");
    // The router's capture of the same run holds the connection: aborted there too.
    const r = await analyze('a68-fxp-stor-refused-vsftpd-pyftpdlib-lftp');
    expect(transfer(r, '1.1').verdict).toMatchObject({ kind: 'aborted', by: 'server' });
    const [summary] = await outputs(name, 'summary');
    expect(flat(summary)).toContain('1 aborted, 2 failed');
    expect(flat(summary)).not.toMatch(/1 unused/);
  });
});

// a70-eprt-client-drop-server-side-pyftpdlib-lftp: the client's ip6tables drops pyftpdlib's SYNs to
// the EPRT port; at the server the advice named "behind a NAT, enable its FTP helper", where the EPRT
// names the very address the control connection comes from (nothing a helper would rewrite) and the
// recorder's verdict is "not a NAT/helper problem; advice for IPv6 is passive mode (EPSV)".
describe("review 77: IPv6 active mode unanswered, seen at the server: no NAT helper advice", () => {
  const name = 'a70-eprt-client-drop-server-side-pyftpdlib-lftp';
  it("the EPRT names the client's own control address; the advice is the firewalls and EPSV, not a NAT's FTP helper", async () => {
    expect(facts(name).expected).toContain('not a NAT/helper problem; advice for IPv6 is passive mode (EPSV), not PASV');
    const a = await analyze(name);
    const t = transfer(a, '1.1');
    expect([t.announce?.command, t.announce?.endpoint?.ip, a.sessions[0].client.ip]).toEqual(['EPRT', '2001:db8:1::10', '2001:db8:1::10']);
    expect([t.status, t.diagnosis!.cause]).toEqual(['failed', 'active-syn-unanswered']);
    expect(t.diagnosis!.advice).toBe("Allow inbound connections to the client's data ports on the client's firewall and on any firewall between the hosts, or use passive mode (EPSV).");
    expect(t.diagnosis!.advice).not.toMatch(/helper|nf_conntrack/);
  });
});
