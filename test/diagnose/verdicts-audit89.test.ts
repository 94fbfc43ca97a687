/**
 * The eighty-ninth verdict audit, on real recordings (fixtures/record.sh, "eighty-ninth audit"): NAT
 * reflection (hairpin) and split-horizon FTP servers. The server 198.51.100.20 sits on an inside LAN,
 * published by DNAT on the router's public address 203.0.113.1; the inside client 198.51.100.30 shares
 * its LAN (a bridge in the router), the client 192.0.2.10 is on another inside subnet.
 *
 * a89-hairpin-nosnat-*-pureftpd-curl: no hairpin SNAT. The client's SYN to 203.0.113.1:21 is DNAT'd to
 * the server, which answers straight over the LAN from 198.51.100.20:21; the client resets that
 * SYN-ACK, sends its SYN again, seven times, and curl gives up. Before this audit the client-side and
 * router captures said "control-unanswered … Nothing came back: a firewall drops them" (the SYN-ACKs
 * came back, from another address) and advised checking that the server is up; the server-side capture
 * diagnosed nothing at all (its session "opened", closed by the client). Now the control connection is
 * `answer-reset` (analysis/answer-reset.ts): answered from another address than the one called, the
 * answer reset by the client — at the server read from the TTLs (the SYN through one router, the reset
 * through none) — with the advice to add the hairpin SNAT or use the inside address.
 *
 * a89-split-horizon-*-vsftpd-lftp: the inside client reaches vsftpd at its inside address 198.51.100.20,
 * pasv_address names the public one; lftp's data SYN to 203.0.113.1:50019 is reflected to the server,
 * which answers from 198.51.100.20:50019 straight over the LAN, and the client resets the answer. Before:
 * at the client passive-address-mismatch, "got no answer (5 SYNs)", advising to set pasv_address (set
 * already: that is what named the public address); at the server both attempts `unused` and "No failed
 * data connections". Now passive-answer-reset at both, failed, with the advice EPSV / ignore the 227's
 * address / the inside address / the hairpin SNAT — curl's EPSV in the same capture completes.
 *
 * a89-hairpin-pasv-range-server-side-proftpd-lftp: the passive range is forwarded from the WAN only; at
 * the server the 227 names the public address (MasqueradeAddress) and no data connection arrives. The
 * advice was to set MasqueradeAddress, the setting that made the 227 right; now both readings are said
 * (a wrong address, or a NAT forward without the passive range for this client) with both fixes.
 *
 * The client side's session 3 (EPSV, then PASV, each reset by the router) rolled its two failures up with
 * the catalog's advice, "Allow the passive port range on the server's firewall", because the transfers'
 * own advice named two ports (203.0.113.1:50092, :50043): advice that differs only in its ports agrees.
 * That advice ("allow the server's passive port range on that device") now also says, when the refused
 * data connection went to the control connection's own address, that a NAT forwarding the control port
 * must forward the passive range too, for inside clients as well.
 *
 * Verdicts found true: a89-hairpin-ok-* (hairpin done right, four capture points, nothing diagnosed);
 * a89-hairpin-pasv-range-client-side (passive-refused, the router's RST by its TTL, the router named);
 * a89-hairpin-active-* (500 Illegal PORT: the hairpin SNAT hides the client's address, read as
 * active-address-mismatch — a NAT that did not rewrite PORT, advice the FTP helper or passive mode).
 *
 * Frames are tshark's (NAME.tshark-*.tsv), sizes and sha256 the recorder's (NAME.facts.json).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { analyze, derived, facts, flagged, ftpRows, jsonVerdicts, nothingFailed, outputs, transfer, verdicts } from './audit-fixtures.js';

const tmp = mkdtempSync(join(tmpdir(), 'ftpcap-audit89-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

// ---------------------------------------------------------------------------------------------------
// No hairpin SNAT: the control connection answered from the server's inside address, reset by the client
// ---------------------------------------------------------------------------------------------------
describe('eighty-ninth audit: the control connection answered from another address and reset (no hairpin SNAT)', () => {
  const client = 'a89-hairpin-nosnat-client-side-pureftpd-curl';
  const server = 'a89-hairpin-nosnat-server-side-pureftpd-curl';
  const router = 'a89-hairpin-nosnat-router-pureftpd-curl';

  it("the recorder's facts and tshark: SYNs to 203.0.113.1:21, SYN-ACKs from 198.51.100.20:21, the client's resets", () => {
    expect(facts(client).client.exit_status).toBe(28);
    expect(facts(client).network.nat).toMatch(/no hairpin SNAT/);
    // SYN (0x002) to port 21, SYN-ACK (0x012) from it, RST (0x004) to it: seven times at the client.
    expect(flagged(client, '0x0002', '21')).toEqual([1, 4, 7, 10, 13, 16, 19]);
    expect(flagged(client, '0x0012', '21')).toEqual([2, 5, 8, 11, 14, 17, 20]);
    expect(flagged(client, '0x0004', '21')).toEqual([3, 6, 9, 12, 15, 18, 21]);
    expect(flagged(server, '0x0012', '21')).toEqual([2, 5, 8, 11, 14, 17, 20]);
  });

  it('client side and router: answer-reset, both halves of the attempt, never "nothing came back"', async () => {
    for (const [name, syns, synAck, rst] of [
      [client, [1, 4, 7, 10, 13, 16, 19], 2, 3],
      [router, [1, 5, 9, 13, 17, 21, 25], 3, 4],
    ] as const) {
      const a = await analyze(name);
      expect(a.sessions.map((s) => [s.id, s.control.kind, s.diagnosis?.cause])).toEqual([
        [1, 'answer-reset', 'control-answer-reset'],
        [2, 'answer-reset', 'control-answer-reset'],
      ]);
      expect(a.sessions[0].control).toMatchObject({
        called: { ip: '203.0.113.1', port: 21 }, answeredBy: { ip: '198.51.100.20', port: 21 }, synFrames: syns, synAckFrames: [synAck], resetFrames: [rst], twin: 2,
      });
      expect(a.sessions[0].diagnosis!.evidence).toEqual([1, synAck, rst, ...syns.slice(1, 4)].sort((x, y) => x - y));
      const [summary, diagnose, explain, timeline] = await outputs(name, 'summary', 'diagnose', 'explain', 'timeline');
      // The ladder's SYNs were answered, on a connection of the answer's own.
      expect(timeline).toContain('1 49854 -------- SYN (answered from 198.51.100.20) -------> 21');
      expect(timeline).not.toContain('no answer');
      expect(summary).toContain(
        `The client's SYNs to 203.0.113.1 port 21 were answered from another address, 198.51.100.20 port 21 (SYN-ACK, frame ${synAck}), and the client reset that answer (frame ${rst}): the control connection never opened. [control-answer-reset]`,
      );
      for (const text of [summary, diagnose, explain]) {
        expect(text).not.toMatch(/control-unanswered|Nothing came back|got no answer|Check that the server is up/);
      }
      expect(diagnose).toContain('A router translated 203.0.113.1 to 198.51.100.20 on the way in (a port forward, DNAT)');
      expect(diagnose).toContain('NAT reflection, hairpin) without the hairpin SNAT');
    }
  });

  it('a capture that missed the first SYN, or the SYN-ACK, still reads answer-reset (derived: frames removed)', async () => {
    // The client's side without its first SYN (frame 1): the answer (frame 2) came before the first captured SYN.
    const noSyn = await derived(tmp, client, 'no-first-syn', (f) => f !== 1);
    expect(noSyn.a.sessions.map((s) => [s.control.kind, s.diagnosis?.cause])).toEqual([
      ['answer-reset', 'control-answer-reset'],
      ['answer-reset', 'control-answer-reset'],
    ]);
    // The server's side without its SYN-ACK (frame 2): the client's reset answered one the capture lacks.
    const noSynAck = await derived(tmp, server, 'no-syn-ack', (f) => f !== 2);
    const s = noSynAck.a.sessions[0];
    expect(s.control).toMatchObject({ kind: 'answer-reset', called: null, synFrames: [1], synAckFrames: [], resetFrames: [noSynAck.at(3)], hops: { syn: 1, reset: 0 } });
    expect(s.diagnosis!.summary).toContain("answered the client's SYN (frame 1) with a SYN-ACK the capture lacks, and the client reset that answer (frame 2)");
  });

  it('server side: the client reset the SYN-ACK, its reset came over fewer routers than its SYN', async () => {
    const a = await analyze(server);
    expect(a.sessions.map((s) => [s.id, s.control.kind, s.diagnosis?.cause])).toEqual([[1, 'answer-reset', 'control-answer-reset']]);
    expect(a.sessions[0].control).toMatchObject({ called: null, answeredBy: { ip: '198.51.100.20', port: 21 }, synFrames: [1], synAckFrames: [2], resetFrames: [3], twin: null, hops: { syn: 1, reset: 0 } });
    const [summary, diagnose] = await outputs(server, 'summary', 'diagnose');
    expect(summary).not.toContain('nothing to diagnose');
    expect(diagnose).toContain('Its SYN came through 1 router (TTL 63), its reset through none (TTL 64): the client called another address, which a router translated to this server');
    expect(diagnose).toContain('masquerade connections from the inside network to the forwarded server');
  });
});

// ---------------------------------------------------------------------------------------------------
// Split horizon: the 227 names the public address to a client that reached the server at its inside one
// ---------------------------------------------------------------------------------------------------
describe('eighty-ninth audit: split horizon, the passive data connection answered from the inside address and reset', () => {
  const client = 'a89-split-horizon-client-side-vsftpd-lftp';
  const server = 'a89-split-horizon-server-side-vsftpd-lftp';

  it("the recorder's facts and tshark: 227 (203,0,113,1,195,99), SYNs to it, SYN-ACKs from 198.51.100.20:50019, resets; EPSV completes", () => {
    expect(facts(client).client.exit_statuses).toBe('lftp 1, curl 0');
    expect(facts(client).files.map((x: any) => [x.path, x.received?.size ?? null])).toEqual([['hello.txt', null], ['small.bin', 3000]]);
    expect(ftpRows(client, '0').filter(([, c]) => c === '227' || c === 'PASV')).toEqual([[32, 'PASV'], [33, '227']]);
    for (const name of [client, server]) {
      expect(flagged(name, '0x0002', '50019').slice(0, 5)).toEqual([34, 38, 41, 44, 47]);
      expect(flagged(name, '0x0012', '50019').slice(0, 2)).toEqual([35, 39]);
      expect(flagged(name, '0x0004', '50019').slice(0, 2)).toEqual([36, 40]);
    }
  });

  it('client side: passive-answer-reset, the answer from the control connection address named, never "got no answer"', async () => {
    const a = await analyze(client);
    expect(verdicts(a).map((r) => r.slice(0, 3))).toEqual([['1.1', 'failed', 'passive-answer-reset'], ['2.1', 'failed', 'passive-answer-reset'], ['3.1', 'completed', null]]);
    expect(await jsonVerdicts(client)).toEqual([['1.1', 'failed', 'passive-answer-reset'], ['2.1', 'failed', 'passive-answer-reset'], ['3.1', 'completed', null]]);
    expect(transfer(a, '1.1').diagnosis!.evidence).toEqual([33, 34, 35, 36, 38, 41, 44, 47]);
    const [diagnose, explain, timeline] = await outputs(client, 'diagnose', 'explain', 'timeline');
    expect(timeline).toContain('34 51820 -------- SYN (answered from 198.51.100.20) -------> 50019');
    expect(timeline).not.toContain('no answer');
    expect(diagnose).toContain(
      'The client connected there: SYN from 198.51.100.30:51820 to 203.0.113.1:50019 at frames 34, 38, 41, 44 and 47; the answer (SYN-ACK, frame 35) came from 198.51.100.20:50019, another address, and the client reset it (frame 36)',
    );
    expect(diagnose).toContain('198.51.100.20 is the address the client reaches the server at on the control connection');
    expect(diagnose).toContain('Let inside clients use the control connection\'s address (EPSV; lftp: set ftp:ignore-pasv-address yes');
    for (const text of [diagnose, explain]) expect(text).not.toMatch(/got no answer|Set the server's externally reachable address/);
  });

  it('server side: the transfers failed (not unused), the client reset the SYN-ACK over fewer routers than its SYN', async () => {
    const a = await analyze(server);
    expect(verdicts(a).map((r) => r.slice(0, 3))).toEqual([['1.1', 'failed', 'passive-answer-reset'], ['2.1', 'failed', 'passive-answer-reset'], ['3.1', 'completed', null]]);
    expect(transfer(a, '1.1').diagnosis!.evidence).toEqual([33, 34, 35, 36]);
    const [summary, diagnose] = await outputs(server, 'summary', 'diagnose');
    expect(summary).not.toMatch(/unused|No failed data connections/);
    expect(diagnose).toContain(
      'A data connection to that port arrived from 198.51.100.30:51820 (SYN, frame 34), the server answered (SYN-ACK, frame 35) and the client reset that answer (frame 36): it had not called 198.51.100.20',
    );
    expect(diagnose).toContain('Its SYN came through 1 router (TTL 63), its reset through none (TTL 64): the client called another address (the 227 named 203.0.113.1)');
    // The reset is the client's own (the shorter way back), not a middlebox's in its name: its stack
    // answering a SYN-ACK it had no socket for (no ACK, one past its ISN: noConnection, session 50).
    expect(transfer(a, '1.1').connection!.rst).toEqual({ frame: 36, by: 'client', ttl: 64, noConnection: true });
    const [timeline, explain] = await outputs(server, 'timeline', 'explain');
    for (const text of [timeline, explain]) expect(text).not.toMatch(/made by a firewall or router|not sent by the client/);
  });
});

// ---------------------------------------------------------------------------------------------------
// The passive range not reflected: at the server, the 227's public address nobody reached
// ---------------------------------------------------------------------------------------------------
describe('eighty-ninth audit: the passive range forwarded from the WAN only (proftpd MasqueradeAddress)', () => {
  const client = 'a89-hairpin-pasv-range-client-side-proftpd-lftp';
  const server = 'a89-hairpin-pasv-range-server-side-proftpd-lftp';

  it("client side: every data SYN reset by the router (TTL 64 against the server's 63), the router named, and the port forward", async () => {
    expect(flagged(client, '0x0014', '50039')).toEqual([120]);
    const a = await analyze(client);
    expect(verdicts(a).map((r) => r.slice(0, 3))).toEqual([
      ['1.1', 'failed', 'passive-refused'], ['2.1', 'failed', 'passive-refused'], ['3.1', 'failed', 'passive-refused'], ['3.2', 'failed', 'passive-refused'],
    ]);
    expect(transfer(a, '2.1').diagnosis!.advice).toBe(
      'A firewall or router between the client and the server rejects connections to 203.0.113.1:50039: allow the server\'s passive port range on that device, not on the server. ' +
        'If it is a NAT that forwards the control port to the server (203.0.113.1 its public address), forward the passive range the same way, for clients inside its own network too (NAT reflection).',
    );
  });

  it("session 3's roll-up (EPSV and PASV both reset by the router) keeps the transfers' advice, not the server's firewall", async () => {
    const a = await analyze(client);
    const d = a.sessions[2].diagnosis!;
    expect(d.summary).toBe('No transfer of session 3 succeeded (2 attempted: 2× passive-refused): the client\'s data connection was refused (passive mode).');
    expect(d.advice).toBe(transfer(a, '3.2').diagnosis!.advice);
    expect(d.advice).toContain('A firewall or router between the client and the server rejects connections to 203.0.113.1:50043');
    const [diagnose] = await outputs(client, 'diagnose');
    expect(diagnose).not.toContain("Allow the passive port range on the server's firewall");
  });

  it('server side: both readings of a public 227 address nobody reached, never only "set MasqueradeAddress"', async () => {
    const a = await analyze(server);
    expect(verdicts(a).map((r) => r.slice(0, 3))).toEqual([
      ['1.1', 'failed', 'passive-address-mismatch'], ['2.1', 'failed', 'passive-address-mismatch'], ['3.1', 'failed', 'passive-unreached'], ['3.2', 'failed', 'passive-address-mismatch'],
    ]);
    const d = transfer(a, '1.1').diagnosis!;
    expect(d.summary).toContain('No connection to its port reached the server.');
    expect(d.summary).toContain('or it is the public address of a NAT in front of it (the address the server was told to announce) whose port forward does not bring the passive ports to the server');
    expect(d.summary).not.toContain('The client made no connection to it');
    expect(d.advice).toMatch(/^If 203\.0\.113\.1 is the public address clients reach this server by, make the NAT forward the passive port range to the server as it forwards the control port, for inside clients too \(NAT reflection\)/);
    expect(d.advice).toContain('If it is not, set the server\'s externally reachable address for passive replies (proftpd: MasqueradeAddress)');
  });
});

// ---------------------------------------------------------------------------------------------------
// Hairpin done right: nothing diagnosed anywhere
// ---------------------------------------------------------------------------------------------------
describe('eighty-ninth audit: NAT reflection done right is healthy at every capture point', () => {
  for (const name of ['a89-hairpin-ok-inside-client-vsftpd', 'a89-hairpin-ok-other-subnet-client-vsftpd', 'a89-hairpin-ok-server-side-vsftpd', 'a89-hairpin-ok-router-vsftpd']) {
    it(`${name}: every transfer completed, no output says failed`, async () => {
      expect(facts(name).files.every((x: any) => x.received_matches === true)).toBe(true);
      await nothingFailed(name, tmp);
    });
  }
});
