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
 * Frames are tshark's (NAME.tshark-*.tsv), sizes and sha256 the recorder's (NAME.facts.json).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { analyze, facts, flagged, outputs } from './audit-fixtures.js';

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
      const [summary, diagnose, explain] = await outputs(name, 'summary', 'diagnose', 'explain');
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
