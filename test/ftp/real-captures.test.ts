/**
 * Real captures through the whole left half of the pipeline: reader → decoder → reassembler →
 * FtpControlParser, compared with tshark's FTP fields (*.tshark-ftp.tsv, one row per frame).
 * tshark dissects only the first line of each frame, so a reply row (frame F, code C) must fall
 * inside one of our replies with code C, and each of our replies must start on a row with its code.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openCaptureFile } from '../../src/capture/open-capture.js';
import { readCapture } from '../../src/capture/read-capture.js';
import { decodeFrame } from '../../src/decode/frame.js';
import { TcpReassembler } from '../../src/tcp/reassembler.js';
import type { TcpConnection } from '../../src/tcp/types.js';
import { FtpControlParser } from '../../src/ftp/control-parser.js';
import type { FtpEvent, FtpReply, FtpRequest } from '../../src/ftp/types.js';

const ZEEK = join(__dirname, '../../../shared/captures/zeek');
const haveShared = existsSync(ZEEK);
if (!haveShared) console.log(`skipping FTP real-capture tests: ${ZEEK} is absent`);

interface TsvRow {
  frame: number;
  command: string;
  arg: string;
  code: string;
}

/** Columns: frame, ip.src, ipv6.src, tcp.srcport, ip.dst, ipv6.dst, tcp.dstport, command, arg, code, response arg. */
function readTsv(path: string): TsvRow[] {
  return readFileSync(path, 'latin1')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => {
      const c = l.split('\t');
      return { frame: Number(c[0]), command: c[7], arg: c[8], code: c[9] };
    });
}

/** All FTP events of port-21 connections, per connection id. */
async function ftpEvents(file: string): Promise<Map<number, FtpEvent[]>> {
  const out = new Map<number, FtpEvent[]>();
  const parsers = new Map<TcpConnection, FtpControlParser>();
  const reassembler = new TcpReassembler({
    onOpen(conn) {
      if (conn.server.port !== 21) return;
      const events: FtpEvent[] = [];
      out.set(conn.id, events);
      parsers.set(conn, new FtpControlParser((e) => events.push(e)));
    },
    onData(conn, chunk) {
      const p = parsers.get(conn);
      if (p === undefined) return;
      if (chunk.dir === 'c2s') p.pushClient(chunk);
      else p.pushServer(chunk);
    },
    onEvent() {},
    onClose(conn) {
      parsers.get(conn)?.finish();
    },
  });
  await readCapture(
    openCaptureFile(file),
    { onRecord: (r) => reassembler.push(decodeFrame(r)), onWarning: () => {} },
    { fileName: file },
  );
  reassembler.finish();
  return out;
}

describe.skipIf(!haveShared)('FTP control parser on real captures (vs tshark)', () => {
  // [capture, requests, replies]: counts guard against an empty comparison passing.
  const CASES: Array<[string, number, number]> = [
    ['ipv4', 15, 20],
    ['ipv6-multiline-reply', 11, 13],
  ];
  for (const [name, nRequests, nReplies] of CASES) {
    it(`${name}.pcap: every request and reply code at tshark's frames`, async () => {
      const rows = readTsv(join(ZEEK, `${name}.tshark-ftp.tsv`));
      const byConn = await ftpEvents(join(ZEEK, `${name}.pcap`));
      expect(byConn.size).toBe(1);
      const events = [...byConn.values()][0];

      const requests = events.filter((e): e is FtpRequest => e.type === 'request');
      expect(requests.map((r) => [r.frame, r.command, r.arg])).toEqual(
        rows.filter((r) => r.command !== '').map((r) => [r.frame, r.command, r.arg]),
      );
      expect(requests).toHaveLength(nRequests);
      expect(requests.every((r) => r.malformed === undefined)).toBe(true);

      const replies = events.filter((e): e is FtpReply => e.type === 'reply');
      expect(replies).toHaveLength(nReplies);
      const codeRows = rows.filter((r) => r.code !== '');
      for (const row of codeRows) {
        const inside = replies.find((r) => r.firstFrame <= row.frame && row.frame <= r.frame);
        expect(inside?.code, `frame ${row.frame}`).toBe(Number(row.code));
      }
      for (const reply of replies) {
        expect(codeRows.find((r) => r.frame === reply.firstFrame)?.code, `reply at ${reply.firstFrame}`).toBe(
          String(reply.code),
        );
        expect(reply.malformed).toBeUndefined();
      }
      expect(events.filter((e) => e.type !== 'request' && e.type !== 'reply')).toEqual([]);
    });
  }

  it('ipv4.pcap: the 230 banner is one reply spanning frames 10-14; 227 tuples parse', async () => {
    const events = [...(await ftpEvents(join(ZEEK, 'ipv4.pcap'))).values()][0];
    const replies = events.filter((e): e is FtpReply => e.type === 'reply');
    const banner = replies.find((r) => r.code === 230);
    expect(banner).toMatchObject({ firstFrame: 10, frame: 14, multiline: true });
    expect(banner?.lines[0]).toBe('230-');
    expect(replies.filter((r) => r.code === 227).map((r) => [r.frame, r.text])).toEqual([
      [20, 'Entering Passive Mode (199,233,217,249,221,90)'],
      [39, 'Entering Passive Mode (199,233,217,249,221,91)'],
    ]);
  });

  it('ipv6-multiline-reply.pcap: the 220 greeting is one reply of 17 frames', async () => {
    const events = [...(await ftpEvents(join(ZEEK, 'ipv6-multiline-reply.pcap'))).values()][0];
    const first = events[0];
    expect(first).toMatchObject({ type: 'reply', code: 220, firstFrame: 4, frame: 20, multiline: true });
    expect((first as FtpReply).lines.at(-1)).toBe('220 FTP server ready.');
  });
});
