/**
 * Issue 12's adversarial shapes at small sizes, generated (scripts/bench/adversarial.mjs writes
 * their packets; `npm run bench:memory` runs them at full size): every bound holds, is reported
 * once, and what is kept is counted exactly. Counts are asserted, never times.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { analyzeStream, DEFAULT_LIMITS, type AnalyzeOptions } from '../../src/analysis/pipeline.js';
import type { Analysis } from '../../src/analysis/model.js';
import { TcpReassembler } from '../../src/tcp/reassembler.js';
import { traceConnections, tracePackets } from '../../src/analysis/packet-trace.js';
import { buildLadder } from '../../src/analysis/ladder.js';
import { MAX_TOLD_TRANSFERS, renderExplain } from '../../src/render/explain.js';
import { controlSentence, verdictSentence } from '../../src/render/verdict-words.js';
import type { TcpConnection } from '../../src/tcp/types.js';
import { MAX_PRELIMINARY_REPLIES } from '../../src/analysis/session-builder.js';
import * as gen from '../../scripts/bench/adversarial.mjs';
import { TEXT_CHARS_PER_COMMAND } from '../../src/analysis/memory-budget.js';
import { HandshakeAssembler } from '../../src/tls/handshake.js';
import { Ipv4Defragmenter } from '../../src/decode/ipv4-defrag.js';
import { wrapLine } from '../../src/render/dump.js';
import type { HeldPool } from '../../src/tcp/held-pool.js';
import { runCli } from '../cli/run-cli.js';
import { main } from '../../src/cli/main.js';
import { TlsRecordCollector } from '../../src/analysis/tls-records.js';

const analyze = (bytes: Buffer, opts: Partial<AnalyzeOptions> = {}): Promise<Analysis> =>
  analyzeStream(Readable.from([bytes]), { fileName: 'generated', ...opts });

const codes = (a: Analysis): string[] => a.capture.warnings.map((w) => w.code);
const once = (a: Analysis, code: string): void => expect(codes(a).filter((c) => c === code)).toHaveLength(1);

const dir = mkdtempSync(join(tmpdir(), 'ftpcap-adversarial-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('generated adversarial captures (issue 12)', () => {
  it('a pcapng declaring more interfaces than the bound keeps the bound, counts the rest and their frames', async () => {
    const extra = 1000;
    const a = await analyze(gen.idbFlood(DEFAULT_LIMITS.maxInterfaces + extra));
    once(a, 'interface-limit');
    const w = a.capture.warnings.find((x) => x.code === 'interface-limit')!;
    expect(w.message).toContain(`the ${extra} described after them`);
    expect(w.message).toContain('6 frame(s) counted but not analysed');
    // 13 packet blocks: the 6 on the last (dropped) interface are frames, not packets.
    expect(a.capture.packets).toBe(7);
    expect(a.sessions).toHaveLength(1);
  });

  it('a capture-wide budget of kept commands: later commands counted, replies still consumed in order', async () => {
    const a = await analyze(gen.noops(4, 1000), { maxCommandsTotal: 1500 });
    once(a, 'ftp-commands-total');
    const kept = a.sessions.flatMap((s) => s.commands.filter((c) => c.command !== null));
    expect(kept).toHaveLength(1500);
    // Every kept NOOP is paired with its own 200, USER with 331, PASS with 230: no shift.
    for (const c of kept) {
      const expected = c.command === 'USER' ? 331 : c.command === 'PASS' ? 230 : 200;
      expect(c.reply?.code).toBe(expected);
    }
    expect(a.sessions).toHaveLength(4);
  });

  it('replies nobody asked for take from the capture-wide budget of kept commands too', async () => {
    // 4 generated sessions, each server sending 1,000 unasked 421s after the login.
    const a = await analyze(gen.unaskedReplies(4, 1000), { maxCommandsTotal: 1500 });
    once(a, 'ftp-commands-total');
    // The budget counts the 8 logins' USER and PASS and 1,492 unasked 421s (the 4 greetings are not charged).
    const kept = a.sessions.flatMap((s) => s.commands.slice(1));
    expect(kept).toHaveLength(1500);
    expect(kept.filter((c) => c.command === null && c.reply?.code === 421)).toHaveLength(1492);
    expect(a.sessions.map((s) => s.commands[0].reply?.code)).toEqual([220, 220, 220, 220]);
    expect(a.sessions).toHaveLength(4);
  });

  it('a server that answers one command with 5,000 preliminary replies: the first 100 kept, the bound reported once, the final reply paired', async () => {
    const a = await analyze(gen.preliminaryFlood(5000));
    expect(a.sessions).toHaveLength(1);
    const s = a.sessions[0];
    expect(s.warnings.map((w) => w.code).filter((c) => c === 'ftp-preliminary-replies')).toHaveLength(1);
    const noop = s.commands.find((c) => c.command === 'NOOP')!;
    expect(noop.preliminary).toHaveLength(MAX_PRELIMINARY_REPLIES);
    expect(noop.preliminary.every((r) => r.code === 150)).toBe(true);
    expect([noop.reply?.code, noop.reply?.text]).toEqual([200, 'NOOP ok.']);
    expect(s.commands.find((c) => c.command === 'QUIT')?.reply?.code).toBe(221);
  });

  it('SYN-only connections to port 21: live ones bounded, sessions without a byte listed up to the bound', async () => {
    const a = await analyze(gen.synOnly(5000), { maxConnections: 1000, maxEmptySessions: 100 });
    once(a, 'connection-limit');
    once(a, 'ftp-empty-sessions');
    expect(a.capture.tcpConnections).toBe(5000);
    expect(a.sessions).toHaveLength(100);
    for (const s of a.sessions) expect(s.commands).toHaveLength(0);
  });

  it('more FTP sessions live at once than the connection budget: those kept are read whole, those given up claim nothing', async () => {
    // Generated: 300 sessions in lockstep (every session's SYN, then every SYN-ACK, …), each
    // logging in and sending one SITE line, with room for 200 live connections.
    const a = await analyze(gen.partialLines(300, { length: 40, per: 40 }), { maxConnections: 200 });
    // Each of the last 100 SYNs pushed out the least recently used connection: sessions 1-100 after their SYN.
    expect(a.capture.tcpConnections).toBe(300);
    expect(a.capture.warnings.find((w) => w.code === 'connections-evicted')).toMatchObject({ evicted: 100, byCount: 100 });
    // Their later packets (SYN-ACK on) could not push out the live, active ones: counted, not analysed.
    const untracked = a.capture.warnings.find((w) => w.code === 'connections-untracked')!;
    expect(untracked.frame).toBe(301);
    const given = a.sessions.filter((s) => s.control.kind === 'not-followed');
    expect(given.map((s) => s.stream)).toEqual(Array.from({ length: 100 }, (_, i) => i));
    // Session k's connection was given up at the SYN of session 200 + k (frames 201-300).
    expect(given.map((s) => [s.controlConnection.synFrames, s.controlConnection.evicted])).toEqual(given.map((s) => [[s.stream + 1], s.stream + 201]));
    // The words every output takes: nothing failed that the capture shows.
    expect(controlSentence(given[0])).toBe(
      'The client sent 1 SYN to 192.0.2.21 port 21; the analysis stopped following the connection at frame 201, to make room for others ' +
        '(more connections were live at once than its memory budget keeps; a larger --max-memory follows more): whether it opened is not known.',
    );
    const kept = a.sessions.filter((s) => s.control.kind === 'opened');
    expect(kept).toHaveLength(200);
    expect(kept.every((s) => s.loggedIn && s.commands.some((c) => c.command === 'SITE' && c.reply?.code === 500))).toBe(true);
    // No session says its SYN went unanswered, nor began before the capture.
    expect(a.sessions).toHaveLength(300);
    expect(a.sessions.filter((s) => s.diagnosis !== null)).toEqual([]);
    // 16 packets a session: the given-up sessions' 15 after their SYN are the ones counted.
    expect(a.capture.packets).toBe(300 * 16);
    expect(untracked.packets).toBe(100 * 15);
    expect(a.sessions.filter((s) => s.midstream)).toEqual([]);
  });

  it('RST-closed connections: each one counted once, sessions without a byte bounded', async () => {
    const a = await analyze(gen.rstClosed(3000), { maxConnections: 200, maxEmptySessions: 50 });
    expect(a.capture.tcpConnections).toBe(3000);
    expect(a.sessions).toHaveLength(50);
    expect(a.sessions.every((s) => s.close === 'rst' && s.closedBy?.by === 'server')).toBe(true);
    once(a, 'ftp-empty-sessions');
  });

  it('short FTP sessions past the session bound are counted, not kept', async () => {
    const a = await analyze(gen.ftpTiny(300), { maxSessions: 100 });
    once(a, 'ftp-sessions-limit');
    expect(a.sessions).toHaveLength(100);
    expect(a.capture.warnings.find((w) => w.code === 'ftp-sessions-limit')!.message).toContain('200 that closed');
    for (const s of a.sessions) {
      expect(s.user).toBe('anonymous');
      expect(s.commands.map((c) => c.command)).toEqual([null, 'USER', 'PASS', 'QUIT']);
    }
  });

  it('a timestamp that is no date is a warning on its frame; every subcommand still answers', async () => {
    const bytes = gen.badTimestamp();
    const a = await analyze(bytes);
    once(a, 'bad-timestamp');
    expect(a.capture.warnings.find((w) => w.code === 'bad-timestamp')!.frame).toBe(1);
    expect(a.capture.first).toBeCloseTo(a.capture.last! - 0.011, 6); // frame 1 took frame 2's time
    expect(a.capture.tcpConnections).toBe(1);
    expect(a.sessions).toHaveLength(1);
    const path = join(dir, 'generated-bad-timestamp.pcapng');
    writeFileSync(path, bytes);
    for (const sub of ['summary', 'sessions', 'transfers', 'diagnose', 'explain', 'timeline']) {
      const r = await runCli([sub, path]);
      expect(r.code, `${sub}: ${r.stderr}`).toBe(0);
      expect(r.stderr + r.stdout).toContain('[bad-timestamp]');
    }
  });

  it('a long run of empty records (a gzip stream of zeros) is damage: reported once, reading stops', async () => {
    const a = await analyze(gen.zeroGzip(1 / 256)); // 4 MiB of zeros = 262,144 empty records
    once(a, 'empty-records');
    expect(a.capture.packets).toBe(1 + DEFAULT_LIMITS.maxEmptyRecordRun - 1);
  });

  it('tombstones of closed connections expire oldest first under the count bound', () => {
    const opened: number[] = [];
    const r = new TcpReassembler(
      { onOpen: (c: TcpConnection) => opened.push(c.id), onData() {}, onEvent() {}, onClose() {} },
      { maxConnections: 10 },
    );
    const frame = (n: number, port: number, flags: number) => ({
      frame: n,
      time: 1 + n / 1000,
      link: { src: undefined },
      ip: { version: 4, src: '10.0.0.1', dst: '192.0.2.21', ttl: 64 },
      tcp: { srcPort: port, dstPort: 21, seq: 1000, ack: 0, flags, window: 1000, payloadLength: 0 },
      payload: new Uint8Array(0),
    });
    const SYN = 2;
    const RST = 4;
    let n = 0;
    for (let p = 0; p < 1000; p++) {
      r.push(frame(++n, 2000 + p, SYN) as never);
      r.push(frame(++n, 2000 + p, RST) as never);
    }
    expect(opened).toHaveLength(1000);
    // A late RST of the newest connection is absorbed by its tombstone; the oldest's was expired.
    r.push(frame(++n, 2999, RST) as never);
    expect(opened).toHaveLength(1000);
    r.push(frame(++n, 2000, RST) as never);
    expect(opened).toHaveLength(1001);
    expect(r.stats().afterClose).toBe(1);
  });
  it('one long generated transfer: the second pass keeps its events, not its packets, within the trace budget', async () => {
    const segments = 6000;
    const bytes = gen.longTransfer(segments);
    const a = await analyze(bytes);
    const t = a.sessions[0].transfers[0];
    expect([t.status, t.bytes]).toEqual(['complete', segments * 1448]);
    const trace = await tracePackets(Readable.from([bytes]), traceConnections(a), { fileName: 'generated', limits: a.limits, packetBudget: 100 });
    const data = trace.connections.find((c) => c.role === 'data')!;
    // Handshake and the run's first segments, then one segment standing for the rest; the FIN exchange.
    expect(data.packets.length).toBeLessThan(110);
    const runs = buildLadder(a.sessions[0], trace).events.filter((e) => e.kind === 'data');
    expect(runs.map((r) => r.kind === 'data' && [r.segments, r.acks, r.bytes, r.by])).toEqual([[segments, segments / 2, segments * 1448, 'server']]);
  });
  it('transfers take their cost from the budget of kept commands: one generated session of many downloads stays within it', async () => {
    const a = await analyze(gen.manyTransfers(200), { maxCommandsTotal: 1400 });
    once(a, 'ftp-commands-total');
    expect(a.capture.warnings.find((w) => w.code === 'ftp-commands-total')!.message).toContain('more than 1400 commands in the capture\'s sessions together (each transfer counting as 12)');
    // The data connections of the transfers past the budget are not explained by any kept announcement.
    once(a, 'other-connections-per-session');
    const s = a.sessions[0];
    // USER and PASS, then per download PASV, its transfer (12) and RETR: 2 + 99 × 14 + 13 = 1401
    // spends the 1400 before the 100th RETR. Kept: the greeting's entry, USER, PASS, 100 PASV, 99 RETR.
    expect([s.commands.length, s.transfers.length]).toEqual([202, 100]);
    expect(s.transfers.slice(0, 99).every((t) => t.status === 'complete' && t.bytes === 512)).toBe(true);
  });

  it('a session of failed passive transfers: each is told its own 425 and the client\'s next step (the session ordered once, not scanned per transfer)', async () => {
    for (const syn of [false, true]) {
      const a = await analyze(gen.failedTransfers(30, { syn }));
      const s = a.sessions[0];
      expect(s.transfers).toHaveLength(30);
      // Login 8 packets; per transfer PASV, 227, LIST, (the SYN,) 425.
      const per = syn ? 5 : 4;
      s.transfers.forEach((t, i) => {
        const pasv = 9 + i * per;
        // The announcement is the 227; the 425 is the transfer's last packet.
        expect([t.announce?.frame, t.request?.frame, t.reply?.frame, t.reply?.code]).toEqual([pasv + 1, pasv + 2, pasv + per - 1, 425]);
        expect(t.status).toBe('failed');
        expect(t.diagnosis?.cause).toBe(syn ? 'passive-syn-unanswered' : 'passive-unreached');
      });
      // Each is told the 425 between its announcement and the next, never a later transfer's.
      s.transfers.forEach((t, i) => expect(t.diagnosis!.summary).toContain(`replied 425 Can't open data connection (frame ${9 + i * per + per - 1})`));
    }
  });

  it('connections beside a session past the bound: the first 64 are described, the rest told once, not silently left out', async () => {
    const a = await analyze(gen.besideSession(70));
    once(a, 'other-connections-per-session');
    const w = a.capture.warnings.find((x) => x.code === 'other-connections-per-session')!;
    expect(w.message).toBe(
      'more than 64 connections between 10.0.0.1 and 192.0.2.21 beside their FTP session that no announcement explains: the later ones are not described, nor any transfer inferred from them (a session whose commands TLS hid shows fewer transfers than it made)',
    );
    // Login 8 packets, then 6 per connection: the 65th connection's SYN.
    expect(w.frame).toBe(8 + 64 * 6 + 1);
    expect(a.sessions[0].otherConnections.map((c) => c.to.port)).toEqual(Array.from({ length: 64 }, (_, i) => 50000 + i));
  });

  it(`explain tells ${MAX_TOLD_TRANSFERS} transfers of a session one by one and counts the rest by verdict (a story of 64,000 had filled the heap)`, async () => {
    const path = join(dir, 'generated-failed-transfers.pcap');
    writeFileSync(path, gen.failedTransfers(MAX_TOLD_TRANSFERS + 5));
    const r = await runCli(['explain', path]);
    expect(r.code).toBe(0);
    const flat = r.stdout.replace(/\n\s+/g, ' ');
    expect(flat.match(/Verdict: transfer \d+ /g)).toHaveLength(MAX_TOLD_TRANSFERS);
    expect(flat).toContain(`5 more transfers, from transfer ${MAX_TOLD_TRANSFERS + 1} on, are not told one by one (5 failed): ftpcap transfers lists them all, ftpcap diagnose explains each that failed.`);
    expect(flat).toContain('5 of the transfers not told one by one were diagnosed (5 failed).');
  });

  it('a chain of 40 refused retries of one failed attempt: each is retry-refused, naming the first 8 between and counting the rest (a copy of the whole chain for each was quadratic)', async () => {
    const a = await analyze(gen.refusedRetries(40));
    const ts = a.sessions[0].transfers;
    expect(ts.map((t) => t.status)).toEqual(['failed', ...Array(40).fill('retry-refused')]);
    const last = ts[40].verdict;
    if (last.kind !== 'retry-refused') throw new Error(last.kind);
    expect([last.retryOf.transfer, last.retryOf.code, last.retryOf.via.length, last.retryOf.viaMore]).toEqual(['1.1', 425, 8, 31]);
    expect(last.retryOf.via.map((v) => v.command)).toEqual(['EPRT', 'PORT', 'EPRT', 'PORT', 'EPRT', 'PORT', 'EPRT', 'PORT']);
    expect(ts[8].verdict.kind === 'retry-refused' && ts[8].verdict.retryOf.viaMore).toBe(undefined);
    expect(verdictSentence(ts[40])).toContain(', then 31 more refused the same way, whose attempt had already failed (425,');
  });

  it('a session too long to fold stops being traced at the memory bound: its ladder says from which frame, and draws the commands and replies before it', async () => {
    const bytes = gen.manyTransfers(40);
    const a = await analyze(bytes);
    const s = a.sessions[0];
    const trace = await tracePackets(Readable.from([bytes]), traceConnections(a), { fileName: 'generated', limits: { ...a.limits, maxTracePackets: 50 } });
    const kept = trace.connections.reduce((n, c) => n + c.packets.length, 0);
    const cut = trace.connections.reduce((n, c) => n + (c.cut?.packets ?? 0), 0);
    expect(kept).toBe(50);
    // Login 8 packets; each download 12 (PASV, 227, RETR, 150, 226; the data connection's 7); QUIT, 221 and the close 5.
    expect(kept + cut).toBe(8 + 40 * 12 + 5);
    const l = buildLadder(s, trace);
    const frame = trace.connections.map((c) => c.cut?.frame ?? Infinity).reduce((x, y) => Math.min(x, y));
    // Past the cut no line is drawn either (a session of a million commands would hold an event for each).
    const commands = s.commands.filter((c) => c.command !== null);
    const before = commands.filter((c) => (c.firstFrame ?? c.frame) < frame);
    const replies = s.commands.flatMap((c) => [...c.preliminary, ...(c.reply === null ? [] : [c.reply])]);
    const repliesBefore = replies.filter((r) => r.firstFrame < frame);
    expect(before.length).toBeGreaterThan(0);
    expect(before.length).toBeLessThan(commands.length);
    const lines = commands.length - before.length + replies.length - repliesBefore.length;
    expect(l.cut).toEqual({ frame, packets: cut, lines });
    expect(l.events.filter((e) => e.kind === 'command').map((e) => (e.kind === 'command' ? e.command.frame : 0))).toEqual(before.map((c) => c.frame));
    expect(l.events.filter((e) => e.kind === 'reply').length).toBe(repliesBefore.length);
    expect(renderExplain(a, [l]).replace(/\s+/g, ' ')).toContain(
      `From frame ${frame} on, ${cut} more packet(s) of this session are not drawn, nor its ${lines} command and reply line(s) from then on: the second reading of the capture keeps a bounded number of packets (the memory ceiling, --max-memory); \`ftpcap commands\` lists them.`,
    );
    // A transfer past the cut is still told from the model, its data placed by the model's last data frame: after its 150.
    const last = s.transfers[s.transfers.length - 1];
    const story = renderExplain(a, [l]).replace(/\s+/g, ' ');
    const told = story.slice(story.indexOf(`Transfer ${last.id}: RETR`));
    expect(told.indexOf('512 bytes flow server → client')).toBeGreaterThan(told.indexOf(`(frame ${last.preliminary!.frame})`));
    expect(told.indexOf('512 bytes flow server → client')).toBeLessThan(told.indexOf(`(frame ${last.reply!.frame})`));
  });


  it('a reply takes from the budget of kept commands by its length: of 30 generated HELPs answered 19,647 characters each, 7 keep theirs, 23 their first 150', async () => {
    const a = await analyze(gen.hugeReplies(30, { lines: 100, width: 200 }), { maxCommandsTotal: 1000 });
    once(a, 'ftp-commands-total');
    const helps = a.sessions[0].commands.filter((c) => c.command === 'HELP');
    // USER and PASS cost 1 each; each HELP 1 and its reply floor(19,647 / 150) = 130: 2 + 7 × 131 = 919,
    // so the 8th reply finds 80 left and keeps 150 characters; the later HELPs spend 1 each.
    expect(helps).toHaveLength(30);
    const whole = helps[0].reply!.text;
    expect(whole).toHaveLength(19_647);
    expect(helps.slice(0, 7).every((c) => c.reply?.text === whole)).toBe(true);
    expect(helps.slice(7).every((c) => c.reply?.code === 214 && c.reply.text === whole.slice(0, TEXT_CHARS_PER_COMMAND))).toBe(true);
    expect(a.capture.warnings.find((w) => w.code === 'ftp-commands-total')!.frame).toBe(helps[7].reply!.frame);
    expect(a.sessions[0].commands.find((c) => c.command === 'QUIT')?.reply?.code).toBe(221);
  });

  it('multi-line greetings open in many sessions at once share the pool of held bytes: 3 of 20 kept whole, the rest truncated, every login still paired', async () => {
    // Each generated greeting is 19,627 characters, sent 10,000 bytes a segment, every session in turn.
    const a = await analyze(gen.hugeGreetings(20, { lines: 100, width: 200, per: 10_000 }), { maxHeldBytesTotal: 50_000 });
    once(a, 'held-bytes');
    expect(a.sessions).toHaveLength(20);
    const greetings = a.sessions.map((s) => s.commands[0].reply!);
    expect(greetings.filter((r) => r.text.length === 19_627 && r.malformed === undefined)).toHaveLength(3);
    expect(greetings.filter((r) => /reply truncated: \d+ lines? skipped/.test(r.malformed ?? ''))).toHaveLength(17);
    for (const s of a.sessions) expect(s.commands.map((c) => [c.command, c.reply?.code])).toEqual([[null, 220], ['USER', 331], ['PASS', 230], ['QUIT', 221]]);
  });

  it('partial lines held in many sessions at once share the pool of held bytes: 12 of 50 kept whole, the rest cut at 64 characters, each still answered', async () => {
    const a = await analyze(gen.partialLines(50, { length: 8000, per: 8000 }), { maxHeldBytesTotal: 100_000 });
    once(a, 'held-bytes');
    const sites = a.sessions.map((s) => s.commands.find((c) => c.command === 'SITE')!);
    expect(sites).toHaveLength(50);
    // A whole line costs 8,000 − 64 free characters + 32 for its piece: 12 × 7,968 ≤ 100,000 < 13 × 7,968.
    expect(sites.filter((c) => c.arg.length === 7995 && c.malformed === undefined)).toHaveLength(12);
    expect(sites.filter((c) => c.arg === 'z'.repeat(59) && c.malformed === 'line too long')).toHaveLength(38);
    expect(sites.every((c) => c.reply?.code === 500)).toBe(true);
  });

  it('ClientHellos held unfinished in many sessions at once share the pool of held bytes (reported once)', async () => {
    const a = await analyze(gen.tlsHelloFlood(20, {}), { maxHeldBytesTotal: 300_000 });
    once(a, 'held-bytes');
    expect(a.sessions.every((s) => s.tls && s.commands.find((c) => c.command === 'AUTH')?.reply?.code === 234)).toBe(true);
  });

  it('a handshake message sent one byte a record is assembled once, its views never written over, and the pool given back', () => {
    const used: number[] = [];
    let full = 0;
    const pool: HeldPool = { used: 0, max: 1 << 20, onFull: () => full++ };
    const hs = new HandshakeAssembler(1 << 16, pool);
    const message = (type: number, n: number, fill: number) => Buffer.concat([Buffer.from([type, n >> 16, (n >> 8) & 255, n & 255]), Buffer.alloc(n, fill)]);
    const got: Array<{ type: number; body: Uint8Array }> = [];
    const bytes = Buffer.concat([message(1, 60_000, 0x11), message(2, 100, 0x22)]);
    for (let i = 0; i < bytes.length; i++) {
      hs.push(bytes.subarray(i, i + 1), (type, body) => got.push({ type, body }));
      used.push(pool.used);
    }
    expect(got.map((m) => [m.type, m.body.length])).toEqual([[1, 60_000], [2, 100]]);
    expect(got[0].body.every((b) => b === 0x11)).toBe(true);
    expect(got[1].body.every((b) => b === 0x22)).toBe(true);
    expect(pool.used).toBe(0);
    expect(Math.max(...used)).toBeLessThanOrEqual(2 * 60_004);
    // A pool too small for the next message: told once, the direction stops, nothing stays held.
    const small: HeldPool = { used: 0, max: 1000, onFull: () => full++ };
    const h2 = new HandshakeAssembler(1 << 16, small);
    const big = message(1, 5000, 0x33);
    for (let i = 0; i < big.length; i += 100) h2.push(big.subarray(i, i + 100), () => got.push({ type: -1, body: new Uint8Array() }));
    expect([full, small.used, got.length]).toEqual([1, 0, 2]);
  });

  it('an IPv4 datagram of 4,095 holes whose fragments come again and again: ranges kept merged, frames bounded, every fragment counted', () => {
    const d = new Ipv4Defragmenter();
    const eight = new Uint8Array(8).fill(0x46);
    let frame = 0;
    for (let round = 0; round < 3; round++) for (let k = 0; k < 4095; k++) expect(d.add('k', k * 16, true, eight, 0, ++frame).state).toBe('held');
    // The holes filled, then the last fragment.
    for (let k = 0; k < 4094; k++) expect(d.add('k', k * 16 + 8, true, eight, 0, ++frame).state).toBe('held');
    const r = d.add('k', 4094 * 16 + 8, false, eight, 0, ++frame);
    expect(r.state).toBe('complete');
    if (r.state !== 'complete') return;
    expect([r.payload.length, r.fragments, r.frames.length, r.overlap]).toEqual([4095 * 16, 3 * 4095 + 4095, 1024, true]);
    expect(r.frames.slice(0, 3)).toEqual([1, 2, 3]);
  });

  it('dump wraps a 60,000-character line without spaces in place: the pieces hold the line, in order, each within the box', () => {
    const text = 'A'.repeat(60_000);
    const pieces = wrapLine(text, 26);
    expect(pieces.every((p) => p.length <= 74)).toBe(true);
    expect(pieces[0]).toBe('A'.repeat(74));
    expect(pieces.slice(1, -1).every((p) => p === ' '.repeat(26) + 'A'.repeat(48))).toBe(true);
    expect(pieces.map((p, i) => (i === 0 ? p : p.slice(26))).join('')).toBe(text);
  });

  it('dump reads the capture on only when standard output takes more (a pipe into a slow reader): nothing is queued ahead of it', async () => {
    const path = join(dir, 'generated-long-transfer.pcap');
    writeFileSync(path, gen.longTransfer(2000)); // 3 MB: three chunks of the second reading
    let out = '';
    let asked = 0;
    let release = (): void => undefined;
    const gate = new Promise<void>((r) => (release = r));
    let full = true;
    const stdout = { write: (s: string) => (out += s), isTTY: false, columns: 80, whenDrained: () => (++asked >= 2 && full ? gate : null) };
    const run = main(['dump', '--data', path], { stdout, stderr: { write: () => true }, stdin: Readable.from([]), env: {} });
    for (let i = 0; i < 500 && asked < 2; i++) await new Promise((r) => setTimeout(r, 10));
    const held = out.length;
    await new Promise((r) => setTimeout(r, 100));
    // Asked before the second chunk, told to wait: not a byte more was printed meanwhile.
    expect([asked, out.length]).toEqual([2, held]);
    expect(held).toBeGreaterThan(0);
    full = false;
    release();
    expect(await run).toBe(0);
    expect(asked).toBeGreaterThan(2);
    expect(out.length).toBeGreaterThan(held);
    // Every packet boxed: login 8; PASV, 227, RETR; the handshake; 150; 2,000 segments and 1,000 ACKs; the close; 226; QUIT, 221 and the close.
    expect(out.match(/^\| Frame \d+ /gm)).toHaveLength(8 + 3 + 3 + 1 + 2000 + 1000 + 3 + 1 + 5);
  });

  it('the TLS records kept for a dump are bounded in all: past the bound none more, and from which frame is said', () => {
    const c = new TlsRecordCollector(() => true, 25_000);
    // A generated control connection of 1-byte records: 10,000 to a frame, for 5 frames.
    for (let frame = 1; frame <= 5; frame++) {
      for (let i = 0; i < 10_000; i++) {
        c.onRecord({ stream: 0, tag: 'control', dir: 'c2s', frame, type: 22, version: 0x0303, length: 1, outerOnly: false, content: { type: 22, bytes: new Uint8Array([1]), decrypted: false } });
      }
    }
    expect([...c.byFrame].map(([f, r]) => [f, r.length])).toEqual([[1, 10_000], [2, 10_000], [3, 5000]]);
    expect(c.cutFrom).toBe(3);
  });
});
