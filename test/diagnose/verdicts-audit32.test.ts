/**
 * The thirty-second audit: FTP captured inside a tunnel (fixtures/record.sh, "Thirty-second audit").
 * One healthy lftp -> vsftpd session (LIST, RETR hello.txt, STOR upload-lftp.txt) recorded on the
 * underlay of a kernel VXLAN overlay (VNI 42, UDP 4789), of a GRE tunnel (checksum, key and
 * sequence number present) and of an IP-in-IP tunnel: every FTP packet in the capture is
 * encapsulated, outer 203.0.113.10 <-> 203.0.113.20, inner 192.0.2.10 <-> 198.51.100.20. Before,
 * ftpcap decoded only the outer IP and found no session at all. The analysis must see exactly what
 * it sees without a tunnel. Frame numbers and byte counts are tshark's (NAME.tshark-*.tsv; its
 * address columns list every occurrence, outermost first); sizes and sha256 the recorder's facts.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { analyze, causes, dataStreams, extractedFiles, facts, factSha, ftpRows, nothingFailed, ourRows, outputs, reportPage, transferRows, tsv } from './audit-fixtures.js';

const tmp = mkdtempSync(join(tmpdir(), 'ftpcap-audit32-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const RECORDINGS = [
  ['a32-vxlan-vsftpd-lftp', /VXLAN .*VNI 42, UDP 4789/],
  ['a32-gre-vsftpd-lftp', /GRE \(IP protocol 47; checksum, key 42 and sequence number present/],
  ['a32-ipip-vsftpd-lftp', /IP-in-IP \(IP protocol 4\)/],
] as const;

/** The innermost of tshark's addresses (it lists one per IP header, outermost first). */
const innermost = (list: string): string => list.split(',').at(-1)!;

for (const [name, tunnel] of RECORDINGS) {
  describe(`${name}: a healthy session inside a tunnel`, () => {
    it('the recording is what the recorder says: a tunnel, captured on the underlay', () => {
      const f = facts(name);
      expect(f.network.tunnel).toMatch(tunnel);
      expect([f.client.software, f.client.address, f.server.address, f.capture.interface]).toEqual(['lftp', '192.0.2.10', '198.51.100.20', 'u0']);
      // Every TCP stream tshark sees runs inside the tunnel: two IP headers, outer then inner.
      for (const s of tsv(name, 'streams')) expect([s.src.split(',')[0], s.dst.split(',')[0], s.src.split(',').length]).toEqual(['203.0.113.10', '203.0.113.20', 2]);
    });

    it('commands, replies, frames, transfers and byte counts are tshark\'s, seen on the inner addresses', async () => {
      const a = await analyze(name);
      expect(a.sessions).toHaveLength(1);
      const s = a.sessions[0];
      const streams = tsv(name, 'streams');
      const control = streams.find((r) => r.dstport === '21')!;
      expect([s.client.ip, s.client.port, s.server.ip, s.server.port]).toEqual([innermost(control.src), Number(control.srcport), innermost(control.dst), 21]);
      expect(ourRows(a, 1)).toEqual(ftpRows(name, control.stream));
      const rows = transferRows(a);
      expect(rows.map((r) => [r[3], r[6], r[7], r[9]])).toEqual([
        ['LIST', 260, 226, 'completed'],
        ['RETR hello.txt', 511, 226, 'completed'],
        ['STOR upload-lftp.txt', 259, 226, 'completed'],
      ]);
      // Each data connection: tshark's stream, its bytes (LIST and RETR from the server, STOR to it),
      // its 227 and command frames.
      const ds = dataStreams(name);
      for (const t of s.transfers) {
        const st = streams.find((r) => r.stream === String(t.connection?.stream))!;
        expect(t.bytes).toBe(t.direction === 'upload' ? Number(st.bytes_src_to_dst) : Number(st.bytes_dst_to_src));
        expect([innermost(st.dst), Number(st.dstport)]).toEqual([t.connection!.server.ip, t.connection!.server.port]);
        expect([t.announce?.reply?.frame, t.request?.frame]).toEqual(ds[st.stream]);
      }
      expect(causes(a)).toEqual([]);
      expect(a.sessions.map((x) => x.diagnosis)).toEqual([null]);
    });

    it('extract saves the files the recorder moved (sha256)', async () => {
      expect(await extractedFiles(name, tmp)).toEqual({
        's1-t1-list.txt': expect.any(String),
        's1-t2-hello.txt': factSha(name, 'hello.txt'),
        's1-t3-upload-lftp.txt': factSha(name, 'upload-lftp.txt'),
      });
    });

    it('no output calls anything failed; diagnose counts three complete transfers', async () => {
      await nothingFailed(name, tmp);
      const [diagnose, summary] = await outputs(name, 'diagnose', 'summary');
      expect(diagnose).toMatch(/No failed data connections in 1 session: 3 transfers \(3 complete\)\./);
      expect(summary).toMatch(/FTP sessions: 1/);
    });

    it('the summary and the JSON say how many frames carried IP inside the tunnel, from which frame on (tshark\'s innermost addresses)', async () => {
      // tshark's innermost source address is the tunnel's own (203.0.113.x) for the underlay's
      // packets and for an ARP frame inside VXLAN; an inner address for an IP packet in the tunnel.
      const inner = tsv(name, 'inner-fields').filter((r) => r['ip.src'] !== '' && !r['ip.src'].startsWith('203.0.113.'));
      const kind = name.split('-')[1];
      const a = await analyze(name);
      expect(a.capture.tunnels).toEqual([{ layers: [kind], frames: inner.length, firstFrame: Number(inner[0]['frame.number']) }]);
      const [summary] = await outputs(name, 'summary');
      const report = await reportPage(name, tmp);
      const words = { vxlan: 'VXLAN', gre: 'GRE', ipip: 'IP-in-IP' }[kind];
      expect(summary).toContain(`IP inside tunnels: ${words} (${inner.length} frames, the first ${inner[0]['frame.number']}); analysed by their inner packets`);
      expect(report).toContain(`<dt>IP inside tunnels</dt><dd>${words} (${inner.length} frames, the first ${inner[0]['frame.number']})</dd>`);
    });
  });
}
