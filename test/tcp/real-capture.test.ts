/**
 * Real captures through reader → decoder → reassembler, compared with tshark 4.0:
 *   connections and first frames: `tshark -r X -T fields -e tcp.stream -e frame.number`
 *   endpoints:                    `tshark -r X -q -z conv,tcp` (the *.conv.txt beside each capture)
 *   payload bytes per direction:  `tshark -r X -T fields -e tcp.stream -e ip.src -e tcp.srcport -e tcp.len`
 *                                 summed, minus retransmitted segments (tcp.analysis.retransmission)
 */

import { createReadStream, existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { readCapture } from '../../src/capture/read-capture.js';
import { decodeFrame } from '../../src/decode/frame.js';
import { TcpReassembler } from '../../src/tcp/reassembler.js';
import { Recorder } from './helpers.js';

const ZEEK = fileURLToPath(new URL('../../../shared/captures/zeek/', import.meta.url));
const present = existsSync(ZEEK);
if (!present) console.log(`skipping real-capture reassembly tests: ${ZEEK} is absent`);

async function reassemble(file: string) {
  const rec = new Recorder();
  const r = new TcpReassembler(rec);
  await readCapture(
    createReadStream(ZEEK + file),
    {
      onRecord: (record) => {
        const f = decodeFrame(record);
        if (f.tcp !== undefined || f.icmp !== undefined) r.push(f);
      },
      onWarning: () => {},
    },
    { fileName: file },
  );
  r.finish();
  const table = rec.conns.map((c) => [
    c.id,
    c.firstFrame,
    `${c.client.ip}:${c.client.port}`,
    `${c.server.ip}:${c.server.port}`,
    c.bytes.c2s,
    c.bytes.s2c,
  ]);
  return { rec, r, table };
}

describe.skipIf(!present)('real captures: connections and bytes equal tshark', () => {
  it('zeek/ipv4.pcap: passive and active FTP, 5 tcp.streams', async () => {
    const { rec, r, table } = await reassemble('ipv4.pcap');
    expect(table).toEqual([
      [0, 1, '141.142.220.235:50003', '199.233.217.249:21', 180, 3146],
      [1, 22, '141.142.220.235:37604', '199.233.217.249:56666', 0, 342],
      [2, 40, '141.142.220.235:59378', '199.233.217.249:56667', 0, 77],
      [3, 60, '199.233.217.249:61920', '141.142.220.235:33582', 342, 0],
      [4, 78, '199.233.217.249:61918', '141.142.220.235:37835', 77, 0],
    ]);
    for (const c of rec.conns) {
      expect(c).toMatchObject({ established: true, closed: 'fin', retransmissions: 0, gapBytes: { c2s: 0, s2c: 0 } });
    }
    expect(rec.closes.map((c) => c.reason)).toEqual(['fin', 'fin', 'fin', 'fin', 'fin']);
    expect(rec.stream(0, 's2c').startsWith('220 ftp.NetBSD.org FTP server (NetBSD-ftpd 20100320) ready.\r\n')).toBe(true);
    expect(rec.stream(0, 'c2s').startsWith('USER anonymous\r\n')).toBe(true);
    expect(r.stats()).toEqual({ live: 0, total: 5, evicted: 0, afterClose: 0, copies: 0, firstCopy: 0 });
  });

  it('zeek/retr.pcap: a retransmitted reply (frame 24, 48 bytes) is counted once', async () => {
    const { rec, table } = await reassemble('retr.pcap');
    // tshark's Σtcp.len for 21 → 50736 is 536, including the 48-byte retransmission.
    expect(table).toEqual([
      [0, 1, '141.142.228.5:50736', '141.142.192.162:21', 113, 536 - 48],
      [1, 26, '141.142.228.5:50737', '141.142.192.162:38141', 0, 16557],
    ]);
    expect(rec.conns[0].retransmissions).toBe(1);
    expect(rec.events.filter((e) => e.type === 'retransmission').map((e) => [e.conn, e.dir, e.frame, e.bytes])).toEqual([
      [0, 's2c', 24, 48],
    ]);
  });
});
