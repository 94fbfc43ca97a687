/**
 * The timeline against tshark's views of every fixture: each arrow's frame, ports, addresses and
 * direction as tshark saw that frame; arrows in frame order; every SYN, FTP command and reply
 * tshark dissected has its arrow; every TCP stream of the sessions has as many packets in the
 * trace as tshark counts (the packet pass matched frames to connections as tshark does); and
 * the printed ladder carries each arrow's margin, ports and arrow head.
 */
import { describe, expect, it } from 'vitest';
import { ladderRows, renderLadder, type LadderRow } from '../../src/render/timeline.js';
import { load, TEACH_FIXTURES, tsharkFields, tsharkTsv } from './load.js';

type Arrow = Extract<LadderRow, { kind: 'arrow' }>;

describe.each(TEACH_FIXTURES)('%s', (file) => {
  it('arrows agree with tshark and come in frame order', async () => {
    const { analysis, ladders, trace } = await load(file);
    const fields = tsharkFields(file);
    const problems: string[] = [];
    const arrowFrames = new Set<number>();
    const textFrames: Array<[number, number]> = [];
    for (const l of ladders) {
      const rows = ladderRows(analysis, l).filter((r): r is Arrow => r.kind === 'arrow');
      let last = 0;
      for (const r of rows) {
        const e = r.event;
        if (e.firstFrame < last) problems.push(`frame ${e.firstFrame} after frame ${last}`);
        last = e.firstFrame;
        for (let f = e.firstFrame; f <= e.lastFrame; f++) arrowFrames.add(f);
        if (e.kind === 'command' || e.kind === 'reply') textFrames.push([e.firstFrame, e.lastFrame]);
        const row = fields.get(e.firstFrame)!;
        const src = row['ip.src'] || row['ipv6.src'];
        const dst = row['ip.dst'] || row['ipv6.dst'];
        if (e.kind === 'icmp') {
          // From the reporter (or the unreachable host's column) to the sender of the quoted segment.
          if (dst !== l.hosts[r.to]) problems.push(`frame ${e.firstFrame}: ICMP to ${l.hosts[r.to]}, tshark ${dst}`);
          if (row['tcp.srcport'] !== r.toPort) problems.push(`frame ${e.firstFrame}: ICMP quotes port ${row['tcp.srcport']}, arrow ${r.toPort}`);
          continue;
        }
        const got = `${l.hosts[r.from]}:${r.fromPort} > ${l.hosts[r.to]}:${r.toPort}`;
        const want = `${src}:${row['tcp.srcport']} > ${dst}:${row['tcp.dstport']}`;
        if (got !== want) problems.push(`frame ${e.firstFrame} (${e.kind}): arrow ${got}, tshark ${want}`);
        const flags = parseInt(row['tcp.flags'], 16);
        const need = { syn: 0x002, 'syn-ack': 0x012, fin: 0x001, rst: 0x004, ack: 0x010 }[e.kind as string];
        if (need !== undefined && (flags & need) !== need) problems.push(`frame ${e.firstFrame}: ${e.kind} arrow, tshark flags ${row['tcp.flags']}`);
      }
    }
    // Every SYN of the sessions' connections has its own arrow.
    for (const c of trace.connections) {
      for (const p of c.packets) if ((p.flags & 0x002) !== 0 && !arrowFrames.has(p.frame)) problems.push(`SYN frame ${p.frame} has no arrow`);
    }
    // Every command and reply line tshark dissected is inside a command/reply arrow's frames.
    for (const r of tsharkTsv(file, 'ftp')) {
      const frame = Number(r['frame.number']);
      const isRequest = /^[A-Z]{3,4}$/.test(r['ftp.request.command']);
      const isReply = /^\d{3}$/.test(r['ftp.response.code']);
      if (!isRequest && !isReply) continue; // continuation lines, Telnet bytes
      if (!textFrames.some(([a, b]) => frame >= a && frame <= b)) problems.push(`tshark FTP line in frame ${frame} has no arrow`);
    }
    expect(problems.slice(0, 20)).toEqual([]);
    expect(arrowFrames.size).toBeGreaterThan(5);
  });

  it("traces each of the sessions' TCP streams with tshark's packet count", async () => {
    const { trace } = await load(file);
    const streams = new Map(tsharkTsv(file, 'streams').map((r) => [Number(r.stream), r]));
    const problems: string[] = [];
    for (const c of trace.connections) {
      const s = streams.get(c.stream);
      if (s === undefined) {
        problems.push(`stream ${c.stream} not in tshark's view`);
        continue;
      }
      if (c.packets.length !== Number(s.frames)) problems.push(`stream ${c.stream}: ${c.packets.length} packets, tshark ${s.frames}`);
      const first = c.packets.find((p) => p.icmp === undefined);
      if (first !== undefined) {
        const fwd = `${s.src}:${s.srcport}>${s.dst}:${s.dstport}`;
        const got = `${first.src.ip}:${first.src.port}>${first.dst.ip}:${first.dst.port}`;
        if (got !== fwd) problems.push(`stream ${c.stream}: first packet ${got}, tshark ${fwd}`);
      }
      // Payload bytes each way, repeats included (tshark sums tcp.len).
      const sent = (ip: string, port: number): number =>
        c.packets.filter((p) => p.src.ip === ip && p.src.port === port).reduce((n, p) => n + p.payloadLength, 0);
      const fwdBytes = sent(s.src, Number(s.srcport));
      const backBytes = sent(s.dst, Number(s.dstport));
      if (fwdBytes !== Number(s.bytes_src_to_dst) || backBytes !== Number(s.bytes_dst_to_src)) {
        problems.push(`stream ${c.stream}: bytes ${fwdBytes}/${backBytes}, tshark ${s.bytes_src_to_dst}/${s.bytes_dst_to_src}`);
      }
    }
    expect(problems).toEqual([]);
  });

  it('prints every arrow with its margin, ports and arrow head', async () => {
    const { analysis, ladders } = await load(file);
    for (const l of ladders) {
      const text = renderLadder(analysis, l, { width: 80 }).split('\n');
      let at = 0;
      for (const r of ladderRows(analysis, l)) {
        if (r.kind !== 'arrow') continue;
        // The next printed line, in order, that starts with this arrow's time and frames.
        const margin = new RegExp(`^\\s*${r.time.replace('.', '\\.')}\\s+${r.frames}\\s`);
        while (at < text.length && !margin.test(text[at])) at++;
        expect(at, `arrow ${r.frames} ${r.label}`).toBeLessThan(text.length);
        const line = text[at++];
        const rightward = r.from <= r.to;
        expect(line, line).toContain(rightward ? '>|' : '|<');
        if (r.fromPort) expect(line).toMatch(rightward ? new RegExp(` ${r.fromPort} \\|`) : new RegExp(`\\| ${r.fromPort}\\b`));
        expect(line).toMatch(rightward ? new RegExp(`\\| ${r.toPort}\\b`) : new RegExp(` ${r.toPort} \\|`));
      }
    }
  });
});
