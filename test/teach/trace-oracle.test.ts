/**
 * The packet trace's TCP facts (from the engine's per-segment hook) against tshark's sequence
 * analysis of the same frames (fixtures/NAME.tshark-analysis.tsv, scripts/tshark-analysis.sh):
 * relative sequence and acknowledgment numbers and tcp.len on every traced TCP packet, and the
 * retransmission / out-of-order verdicts. They differ only where the capture never saw a segment's
 * first copy: tshark calls the late copy a retransmission (it came after the sender's higher
 * sequence numbers, later than the first RTT), the engine counts its bytes as new (a hole it fills
 * is out of order); on 9 repeats that tshark, seeing them within the RTT, calls out of order; and
 * on abort-vsftpd-lftp's frame 136, the urgent byte sent again (the receiver D-SACKs it), which
 * tshark's heuristic calls a keep-alive.
 */
import { describe, expect, it } from 'vitest';
import { resolve } from 'node:path';
import { readTsharkTsv } from '../conformance/peer-readers.js';
import { baseName, FIXTURES_DIR, load } from './load.js';

/** Verdict pairs (ours → tshark's) that differ, with how many frames each, per recording. */
const KNOWN: Record<string, Record<string, number>> = {
  'abort-vsftpd-lftp.pcap': { 'retransmission → new': 1 },
  'large-lossy-vsftpd-lftp.pcap.gz': { 'out-of-order → retransmission': 1229, 'new → retransmission': 1, 'retransmission → out-of-order': 9 },
};

const verdict = (retransmission: boolean, outOfOrder: boolean): string =>
  retransmission ? 'retransmission' : outOfOrder ? 'out-of-order' : 'new';

describe.each([
  'abort-vsftpd-lftp.pcap',
  'fail-passive-reject-icmp-proftpd-curl.pcap',
  'ipv6-epsv-proftpd-lftp.pcapng',
  'large-lossy-vsftpd-lftp.pcap.gz',
  'midstream-transfer-vsftpd-curl.pcap',
  'passive-vsftpd-lftp.pcap',
])('%s', (file) => {
  it("relative seq/ack and tcp.len are tshark's; verdicts differ only as known", async () => {
    const { trace } = await load(file);
    const rows = new Map(readTsharkTsv(resolve(FIXTURES_DIR, `${baseName(file)}.tshark-analysis.tsv`)).map((r) => [Number(r['frame.number']), r]));
    const problems: string[] = [];
    const differ: Record<string, number> = {};
    let compared = 0;
    for (const c of trace.connections) {
      for (const p of c.packets) {
        if (p.icmp !== undefined) continue;
        const t = rows.get(p.frame)!;
        compared++;
        if (String(p.relSeq) !== t['tcp.seq']) problems.push(`frame ${p.frame}: seq ${p.relSeq}, tshark ${t['tcp.seq']}`);
        const ack = t['tcp.flags.ack'] === '1' ? t['tcp.ack'] : '';
        if (String(p.relAck ?? '') !== ack) problems.push(`frame ${p.frame}: ack ${p.relAck}, tshark ${ack}`);
        if (String(p.payloadLength) !== t['tcp.len']) problems.push(`frame ${p.frame}: len ${p.payloadLength}, tshark ${t['tcp.len']}`);
        const ours = verdict(p.retransmission, p.outOfOrder);
        const theirs = verdict(t['tcp.analysis.retransmission'] === '1', t['tcp.analysis.out_of_order'] === '1');
        if (ours !== theirs) differ[`${ours} → ${theirs}`] = (differ[`${ours} → ${theirs}`] ?? 0) + 1;
      }
    }
    expect(problems.slice(0, 10)).toEqual([]);
    expect(differ).toEqual(KNOWN[file] ?? {});
    expect(compared).toBeGreaterThan(10);
  });
});
