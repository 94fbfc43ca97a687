/**
 * The narrative's steps are true of the capture: every TCP flag it cites with a frame number
 * has that flag in tshark's view of the frame; every frame it cites belongs to the session's
 * connections; every announced endpoint it decodes, with its arithmetic, equals tshark's
 * (ftp.active.* / ftp.passive.* / ftp.eprt.* / ftp.epsv.port); every data connection it says
 * was opened goes from and to the ports tshark shows in its SYN. The departures it calls out are
 * the ones the fixtures were recorded to show (fixtures/README.md).
 */
import { describe, expect, it } from 'vitest';
import { renderExplain } from '../../src/render/explain.js';
import { load, TEACH_FIXTURES, tsharkFields, tsharkTsv } from './load.js';

const FLAG_BITS: Record<string, [number, number]> = {
  // [bits that must be set, bits that must be clear]
  SYN: [0x002, 0x010],
  'SYN+ACK': [0x012, 0],
  ACK: [0x010, 0x007],
  FIN: [0x001, 0],
  RST: [0x004, 0],
};

function frameList(text: string): number[] {
  return text.split(/,\s*/).map(Number);
}

describe.each(TEACH_FIXTURES)('%s', (file) => {
  it('cites frames, flags, tuples and ports as tshark shows them', async () => {
    const { analysis, ladders, trace } = await load(file);
    const fields = tsharkFields(file);
    const datachan = new Map(tsharkTsv(file, 'datachan').map((r) => [Number(r['frame.number']), r]));
    const problems: string[] = [];
    let checked = 0;
    for (const l of ladders) {
      let text = renderExplain(analysis, [l]).replace(/\s+/g, ' ');
      // The diagnoses quoted in it are the diagnosis engine's words, checked by its own tests.
      for (const t of l.session.transfers) if (t.diagnosis) text = text.split(t.diagnosis.summary.replace(/\s+/g, ' ')).join('');
      const own = new Set(trace.connections.filter((c) => c.session === l.session.id).flatMap((c) => c.packets.map((p) => p.frame)));
      for (const m of text.matchAll(/\b(SYN\+ACK|SYN|ACK|FIN|RST) \(frames? ([\d, ]+)/g)) {
        const [set, clear] = FLAG_BITS[m[1]];
        for (const f of frameList(m[2].replace(/[, ]+$/, ''))) {
          const flags = parseInt(fields.get(f)?.['tcp.flags'] ?? '0', 16);
          if ((flags & set) !== set || (flags & clear) !== 0) problems.push(`${m[1]} (frame ${f}): tshark flags ${fields.get(f)?.['tcp.flags']}`);
          checked++;
        }
      }
      for (const m of text.matchAll(/\(frames? (\d+)(?:-(\d+))?\)/g)) {
        for (const f of [Number(m[1]), ...(m[2] ? [Number(m[2])] : [])]) if (!own.has(f)) problems.push(`cites frame ${f}, not a packet of session ${l.session.id}`);
      }
      // Active: "PORT … (frame N): the client announces the address A … port X×256+Y = P" (EPRT: "port P").
      for (const m of text.matchAll(/\(frame (\d+)\): the client announces the address (\S+?)(?: \(its own\))? and a temporary port: port (?:(\d+)×256\+(\d+) = )?(\d+)/g)) {
        const row = datachan.get(Number(m[1]));
        const ip = row?.['ftp.active.cip'] || row?.['ftp.eprt.ip'] || row?.['ftp.eprt.ipv6'];
        const port = row?.['ftp.active.port'] || row?.['ftp.eprt.port'];
        if (m[3] !== undefined && Number(m[3]) * 256 + Number(m[4]) !== Number(m[5])) problems.push(`arithmetic ${m[0]}`);
        if (ip !== m[2] || port !== m[5]) problems.push(`frame ${m[1]}: announces ${m[2]}:${m[5]}, tshark ${ip}:${port}`);
        checked++;
      }
      // Passive: "227 (frame N) answers with the address A and a temporary port: port X×256+Y = P" or "only a port, P".
      for (const m of text.matchAll(/\(frame (\d+)\) answers with (?:the address (\S+) and a temporary port: port (\d+)×256\+(\d+) = (\d+)|only a port, (\d+))/g)) {
        const row = datachan.get(Number(m[1]));
        if (m[6] !== undefined) {
          if (row?.['ftp.epsv.port'] !== m[6]) problems.push(`frame ${m[1]}: EPSV port ${m[6]}, tshark ${row?.['ftp.epsv.port']}`);
        } else {
          if (Number(m[3]) * 256 + Number(m[4]) !== Number(m[5])) problems.push(`arithmetic ${m[0]}`);
          if (row?.['ftp.passive.ip'] !== m[2] || row?.['ftp.passive.port'] !== m[5]) {
            problems.push(`frame ${m[1]}: 227 names ${m[2]}:${m[5]}, tshark ${row?.['ftp.passive.ip']}:${row?.['ftp.passive.port']}`);
          }
        }
        checked++;
      }
      // "The server opens the data connection (tcp.stream S) from its port P to A:Q: SYN (frame N".
      for (const m of text.matchAll(/opens the data connection \(tcp\.stream \d+\) from its (?:temporary )?port (\d+)(?: \([a-z-]+\))? to \[?([0-9a-f.:]+?)\]?:(\d+): SYN \(frames? (\d+)/g)) {
        const row = fields.get(Number(m[4]))!;
        const dst = row['ip.dst'] || row['ipv6.dst'];
        if (row['tcp.srcport'] !== m[1] || dst !== m[2] || row['tcp.dstport'] !== m[3]) {
          problems.push(`SYN frame ${m[4]}: says ${m[1]} → ${m[2]}:${m[3]}, tshark ${row['tcp.srcport']} → ${dst}:${row['tcp.dstport']}`);
        }
        checked++;
      }
    }
    expect(problems.slice(0, 20)).toEqual([]);
    expect(checked).toBeGreaterThanOrEqual(3);
  });
});

/** What each fixture was recorded to show (fixtures/README.md), as the narrative must say it. */
const DEPARTURES: Array<[string, RegExp[]]> = [
  ['active-vsftpd-ftp.pcap', [/Compared with the textbook: everything happened as described\./]],
  ['passive-vsftpd-lftp.pcap', [/Compared with the textbook: everything happened as described\./]],
  ['sll-eprt4-proftpd-curl.pcap', [/from port \d+, not port 20/]],
  ['fail-pasv-address-vsftpd-lftp.pcap', [/names 203\.0\.113\.99, not the address 198\.51\.100\.20/, /passive-address-mismatch/]],
  ['pasv-address-ignored-vsftpd-curl.pcap', [/names 203\.0\.113\.99/, /It goes to 198\.51\.100\.20, not the announced 203\.0\.113\.99/]],
  ['fail-active-drop-vsftpd-ftp.pcap', [/No SYN\+ACK ever comes back/, /data connection 1 never opened/]],
  ['fail-active-reject-vsftpd-ftp.pcap', [/answers RST/, /active-refused/]],
  ['fail-passive-reject-icmp-proftpd-curl.pcap', [/ICMP port unreachable/]],
  ['bounce-refused-vsftpd-python.pcap', [/names 203\.0\.113\.30, not the client's address/, /500 Illegal PORT command/]],
  ['tls-vsftpd-lftp.pcap', [/everything on the control connection is encrypted/, /TLS hides the commands/]],
  ['fail-login-vsftpd-curl.pcap', [/530 Login incorrect/, /the login failed/]],
  ['ipv6-epsv-proftpd-lftp.pcapng', [/only a port, 50084/]],
];

describe('departures from the textbook', () => {
  it.each(DEPARTURES)('%s', async (file, patterns) => {
    const { analysis, ladders } = await load(file);
    const text = renderExplain(analysis, ladders).replace(/\s+/g, ' ');
    for (const p of patterns) expect(text).toMatch(p);
  });
});
