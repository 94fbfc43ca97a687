/**
 * The twenty-fourth verdict audit, on real recordings (fixtures/record.sh, "Twenty-fourth verdict
 * audit"): captures of the server's direction only (tcpdump -Q out at the server). They hold its
 * replies and what it sent on the data connections, never a command. The transfers those replies
 * prove are built from them (inferred: one-way), the command unknown and not invented; their bytes
 * are what tshark counts on the data connections; a healthy one is unknown (one-way), never failed;
 * a 425 after the server's repeated SYNs is failed, hedged. Frame numbers are tshark's
 * (NAME.tshark-ftp.tsv, -streams.tsv, -fields.tsv); sizes and sha256 are the recorder's facts.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { analyze, extractedFiles, facts, factSha, flat, ftpRows, nothingFailed, ourRows, outputs, path, transferRows, tsv } from './audit-fixtures.js';
import { runCli } from '../cli/run-cli.js';

const tmp = mkdtempSync(join(tmpdir(), 'ftpcap-audit24-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));


/** tshark's frames of the control connection's replies with this code, in order. */
const replyFrames = (name: string, code: string): number[] =>
  ftpRows(name, '0')
    .filter(([, c]) => c === code)
    .map(([f]) => f);
/** tshark's streams: index → [server-side port, payload bytes the server sent]. */
function streams(name: string): Record<string, { serverPort: number; clientPort: number; fromServer: number }> {
  return Object.fromEntries(
    tsv(name, 'streams').map((r) => {
      const serverFirst = r.src === '198.51.100.20';
      return [
        r.stream,
        {
          serverPort: Number(serverFirst ? r.srcport : r.dstport),
          clientPort: Number(serverFirst ? r.dstport : r.srcport),
          fromServer: Number(serverFirst ? r.bytes_src_to_dst : r.bytes_dst_to_src),
        },
      ];
    }),
  );
}
/** Zeek's ftpcap data log rows: [orig port, resp port, conn_state, verdict]. */
async function dataLog(name: string): Promise<string[][]> {
  const r = await runCli(['logs', path(name)]);
  return r.stdout
    .split('\n')
    .filter((l) => /^\d/.test(l) && l.includes('ftp-data'))
    .map((l) => l.split('\t'))
    .map((f) => [f[3], f[5], f[11], f[19]]);
}


/** RETR, LIST and STOR of the lftp sessions: what each output must say of them. */
async function healthyLftp(name: string, mode: 'passive' | 'active'): Promise<void> {
  const a = await analyze(name);
  const f = facts(name);
  expect(f.capture.one_way).toBe('server');
  expect(a.sessions.map((s) => s.oneWay)).toEqual(['server']);
  expect(ourRows(a, 1)).toEqual(ftpRows(name, '0'));
  const st = streams(name);
  const ann = replyFrames(name, '227');
  const [p1, p2, p3] = replyFrames(name, '150');
  const done = replyFrames(name, '226');
  // Before: no transfer at all (the 227/150/226 made none; the data connections were "other connections").
  expect(transferRows(a, (t) => [t.inferred, t.mode, t.direction, t.preliminary?.frame, t.diagnosis])).toEqual([
    ['1.1', mode === 'passive' ? 'PASV' : null, ann[0] ?? null, null, null, 1, st['1'].fromServer, 226, done[0], 'unknown', 'one-way', mode, 'download', p1, null],
    ['1.2', mode === 'passive' ? 'PASV' : null, ann[1] ?? null, null, null, 2, st['2'].fromServer, 226, done[1], 'unknown', 'one-way', mode, 'download', p2, null],
    // The upload: the server only acknowledged it; its bytes are not in the capture (tshark: 0 either
    // way). Passive, the server's SYN-ACK places its acknowledgements; active, its first ACK after its
    // SYN does (audit 28: it acknowledges the client's ISN + 1): an upload either way.
    ['1.3', mode === 'passive' ? 'PASV' : null, ann[2] ?? null, null, null, 3, st['3'].fromServer, 226, done[2], 'unknown', 'one-way', mode, 'upload', p3, null],
  ]);
  expect(st['3'].fromServer).toBe(0);
  // The RETR's bytes are the file's (facts), the listing's what tshark counts.
  expect(st['1'].fromServer).toBe(f.files.find((x: { path: string }) => x.path === 'w64k.bin').size);
  expect(a.sessions[0]!.otherConnections).toEqual([]);
  for (const t of a.sessions[0]!.transfers) {
    expect(t.request).toBeNull();
    // The data connection's ends: the server's port 20 (active) or the announced port (passive), as tshark has them.
    const c = t.connection!;
    expect(c.initiator).toBe(mode === 'passive' ? 'client' : 'server');
    expect(c.server.port).toBe(st[String(c.stream)].serverPort);
    expect(c.client.port).toBe(st[String(c.stream)].clientPort);
    if (mode === 'passive') expect(t.announce!.endpoint!.port).toBe(c.server.port);
    else expect(c.server.port).toBe(20);
  }
  // No command invented: the tables say it is not in the capture.
  const [summary, diagnose, explain, timeline] = await outputs(name, 'summary', 'diagnose', 'explain', 'timeline');
  expect(summary).not.toMatch(/\b(RETR|LIST|STOR)\b/);
  expect(summary).toMatch(new RegExp(`1\\.1 ${mode} - \\S+ ${st['1'].fromServer} 226 unknown \\(one side\\)`));
  expect(diagnose).toContain(`transfer 1 (${mode}, its command not in the capture): unknown`);
  expect(explain).toContain('The server replies (the command it answers is not in the capture)');
  expect(explain).toContain(`the server's replies tell it (${mode === 'passive' ? `227 frame ${ann[0]}, ` : ''}150 frame ${p1}, 226 frame ${done[0]})`);
  expect(explain).not.toContain('already running when the capture began');
  // Who opened each data connection is the model's: in passive mode the client, though its SYN is not in the capture.
  expect(timeline).toContain(`the ${mode === 'passive' ? 'client' : 'server'} opens it, port ${mode === 'passive' ? `${st['1'].clientPort} → ${st['1'].serverPort}` : `20 → ${st['1'].clientPort}`}`);
  // Zeek's conn_state for one direction: the answer and a FIN without the SYN (SHR), the SYN and a FIN without the answer (SH). Before: S0.
  expect(await dataLog(name)).toEqual(
    ['1', '2', '3'].map((k) =>
      mode === 'passive' ? [String(st[k].clientPort), String(st[k].serverPort), 'SHR', 'unknown'] : ['20', String(st[k].clientPort), 'SH', 'unknown'],
    ),
  );
  // extract: the download's bytes are the file's.
  const saved = await extractedFiles(name, tmp);
  expect(saved['s1-t1-data-to-client.bin']).toBe(factSha(name, 'w64k.bin'));
}

describe('a capture of the server direction only, passive (PASV): transfers built from the replies', () => {
  const name = 'a24-oneway-server-passive-vsftpd-lftp';
  it('each 227 … 150 … 226 is a passive transfer on the announced port, its command unknown, unknown (one-way)', () => healthyLftp(name, 'passive'));
  it('nothing is called failed in any output', () => nothingFailed(name, tmp));
});

describe('a capture of the server direction only, active (PORT): transfers built from the replies', () => {
  const name = 'a24-oneway-server-active-vsftpd-lftp';
  it("each 150 … 226 is an active transfer on the connection the server opened from port 20, its command unknown", () => healthyLftp(name, 'active'));
  it('nothing is called failed in any output', () => nothingFailed(name, tmp));
});

describe("a failure the server's direction alone shows: active, the server's SYNs repeated, 425", () => {
  const name = 'a24-oneway-server-active-drop-vsftpd-python';
  it('the active transfer failed (active-syn-unanswered, hedged); the passive retry is unknown (one-way), 511 bytes', async () => {
    const a = await analyze(name);
    const f = facts(name);
    expect(f.network.filter).toMatch(/DROP/);
    expect(a.sessions.map((s) => s.oneWay)).toEqual(['server']);
    expect(ourRows(a, 1)).toEqual(ftpRows(name, '0'));
    // The server's SYNs from port 20 (stream 1), as tshark lists them; no SYN-ACK from the client can be in this capture.
    const syns = tsv(name, 'fields')
      .filter((r) => r['tcp.srcport'] === '20' && (Number(r['tcp.flags']) & 0x12) === 0x02)
      .map((r) => Number(r['frame.number']));
    expect(syns.length).toBeGreaterThan(1);
    const [refused] = replyFrames(name, '425');
    const [ann] = replyFrames(name, '227');
    const [began] = replyFrames(name, '150');
    const [done] = replyFrames(name, '226');
    const st = streams(name);
    expect(st['2'].fromServer).toBe(f.files.find((x: { path: string }) => x.path === 'hello.txt').size);
    // Before: no transfer; the session undiagnosed and the 425 only "said, unasked".
    expect(transferRows(a, (t) => [t.inferred, t.mode, t.connection?.synFrames ?? null, t.diagnosis?.cause ?? null, t.diagnosis?.evidence ?? null])).toEqual([
      ['1.1', null, null, null, null, 1, 0, 425, refused, 'failed', 'one-way', 'active', syns, 'active-syn-unanswered', [...syns, refused]],
      ['1.2', 'PASV', ann, null, null, 2, st['2'].fromServer, 226, done, 'unknown', 'one-way', 'passive', [], null, null],
    ]);
    expect(a.sessions[0]!.transfers[1]!.preliminary?.frame).toBe(began);
    const [summary, diagnose, explain] = await outputs(name, 'summary', 'diagnose', 'explain');
    expect(summary).toMatch(/1\.1 active - \S+ 0 425 failed \[1\]/);
    expect(summary).toMatch(/1\.2 passive - \S+ 511 226 unknown \(one side\)/);
    // Hedged: the repeated SYNs and the server's 425 say it, the client's side is not in the capture; no invented PORT.
    expect(diagnose).toContain(`It never got an answer: it repeated its SYN, as a TCP stack does only when no SYN-ACK reached it (this capture holds only what the server sent)`);
    expect(diagnose).toContain("The client's PORT/EPRT, if it sent one, is not in this capture (it holds only what the server sent): the server connected to 192.0.2.10:");
    expect(diagnose).not.toContain('no PORT or PASV preceded it');
    expect(diagnose).toContain(`replied 425 Failed to establish connection (frame ${refused})`);
    expect(explain).not.toContain('already running when the capture began');
    // The same cause in every output that names one.
    const logs = await dataLog(name);
    expect(logs.map((r) => r[3])).toEqual(['failed', 'unknown']);
    // The retry's bytes are the file's.
    const saved = await extractedFiles(name, tmp);
    expect(saved['s1-t2-data-to-client.bin']).toBe(factSha(name, 'hello.txt'));
  });
});
