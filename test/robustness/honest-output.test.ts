/**
 * When the capture missed something, the results say so. Derived from passive-vsftpd-lftp.pcap by
 * keeping only some of its records (as a lossy capture, a capture filter or a late start would):
 * a lost data segment, one side of the conversation only, a capture that began mid-session. The
 * frames and lengths come from tshark's views of the fixture.
 */
import { describe, expect, it } from 'vitest';
import { runCli } from '../cli/run-cli.js';
import { filterPcap } from '../support/pcap-edit.js';
import { fixture } from '../support/fuzz/corpus.js';

const f = fixture('passive-vsftpd-lftp.pcap');
const CLIENT = 0xc000020a; // 192.0.2.10
const SERVER = 0xc6336414; // 198.51.100.20
/** IPv4 source address of an Ethernet record (0 for ARP and the like). */
const src = (d: Buffer): number => (d.length >= 34 && d.readUInt16BE(12) === 0x0800 ? d.readUInt32BE(14 + 12) : 0);

interface Doc {
  capture: { packets: number; warnings: Array<{ code: string; message: string; frame?: number }> };
  sessions: Array<{
    midstream: boolean;
    oneWay?: string;
    loggedIn: boolean;
    transfers: Array<{ status: string; bytes: number; diagnosis: { cause: string } | null; connection: { gapBytes: number; midstream: boolean; synFrame: number | null } | null }>;
  }>;
}

async function both(bytes: Buffer): Promise<{ doc: Doc; text: string }> {
  const json = await runCli(['summary', '--json', '-'], { stdin: bytes });
  const text = await runCli(['summary', '-'], { stdin: bytes });
  expect([json.code, text.code]).toEqual([0, 0]);
  return { doc: JSON.parse(json.stdout) as Doc, text: text.stdout };
}

describe('results say what the capture missed', () => {
  it('a lost data segment: the download shows the missing bytes, completed by the server\'s word, not a failure', async () => {
    // tshark: frame 54 carries the 511 bytes of hello.txt (stream 2, tcp.len 511).
    const { doc, text } = await both(filterPcap(f.bytes, (r) => r.frame !== 54));
    const t = doc.sessions[0].transfers[1] as Doc['sessions'][number]['transfers'][number] & { verdict: { kind: string; missingBytes: number } };
    expect([t.status, t.bytes, t.connection!.gapBytes, t.diagnosis, t.verdict.kind, t.verdict.missingBytes]).toEqual(['complete', 0, 511, null, 'completed', 511]);
    expect(text).toMatch(/│ 1\.2 .*│ complete, 511 B not captured │/);
  });

  it("only the client's packets: the session is marked one-way, its login shown as unknown, not failed", async () => {
    const { doc, text } = await both(filterPcap(f.bytes, (r) => src(r.data) === CLIENT));
    const s = doc.sessions[0];
    expect([s.oneWay, s.loggedIn]).toEqual(['client', false]);
    const w = doc.capture.warnings.filter((x) => x.code === 'one-way-sessions');
    expect(w.map((x) => x.frame)).toEqual([1]);
    expect(w[0].message).toMatch(/^1 session\(s\) with one side's packets only: session 1 \(client only\)/);
    expect(text).toMatch(/│ ftpuser \? │/);
    expect(text).not.toContain('ftpuser ✗');
    expect(text).toContain('[one-way-sessions]');
    // Decided once in the model, so explain and the report agree (they had said "the login failed").
    expect((s as Doc['sessions'][number] & { login: string }).login).toBe('unknown');
    const bytes = filterPcap(f.bytes, (r) => src(r.data) === CLIENT);
    const explain = await runCli(['explain', '-'], { stdin: bytes });
    expect(explain.code).toBe(0);
    expect(explain.stdout).not.toContain('the login failed');
    const report = await runCli(['report', '-', '-o', '-'], { stdin: bytes });
    expect(report.stdout).toContain('ftpuser (login: the server side is not in the capture)');
    expect(report.stdout).not.toContain('(login failed)');
  });

  it("only the server's packets: marked one-way the other way round", async () => {
    const { doc } = await both(filterPcap(f.bytes, (r) => src(r.data) === SERVER));
    expect(doc.sessions[0].oneWay).toBe('server');
    expect(doc.capture.warnings.map((x) => x.code)).toEqual(['one-way-sessions']);
  });

  it('both sides captured: no one-way mark, no warning', async () => {
    const { doc, text } = await both(f.bytes);
    expect(doc.sessions[0].oneWay).toBeUndefined();
    expect(doc.capture.warnings).toEqual([]);
    expect(text).not.toContain('warning');
  });

  it('a capture that began mid-session: the session is marked mid-stream and the summary says so', async () => {
    // tshark: PASS is frame 23; keep frames 23 on (renumbered from 1).
    const { doc, text } = await both(filterPcap(f.bytes, (r) => r.frame >= 23));
    expect(doc.sessions[0].midstream).toBe(true);
    expect(doc.capture.warnings.map((w) => [w.code, w.frame])).toEqual([['midstream-sessions', 1]]);
    expect(text).toContain('1 session(s) began before the capture did (mid-stream): session 1; their logins and the commands before the capture are not in it [midstream-sessions]');
  });

  it("a data connection whose handshake the capture missed: marked mid-stream, no SYN frame, its data still counted", async () => {
    // tshark: frames 29-31 are the handshake of stream 1 (49166 -> 50072), which carries the LIST's 260 bytes in frame 34.
    const { doc } = await both(filterPcap(f.bytes, (r) => r.frame < 29 || r.frame > 31));
    const list = doc.sessions[0].transfers[0];
    expect(list.connection).toMatchObject({ midstream: true, synFrame: null });
    expect([list.status, list.bytes]).toEqual(['complete', 260]);
    const text = await runCli(['transfers', '-s', '1', '-'], { stdin: filterPcap(f.bytes, (r) => r.frame < 29 || r.frame > 31) });
    expect(text.stdout).toContain('SYN frame ? (started before the capture)');
  });
});
