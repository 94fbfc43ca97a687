/**
 * The twenty-eighth verdict audit, on real recordings (fixtures/record.sh, "Twenty-eighth verdict
 * audit"): advice that names the server's own settings — the software its greeting (or a sibling
 * session's to the same server) names, from server-software.ts's one table; none for a hidden
 * banner — and uploads in captures of the server's direction only, whose bytes are counted from the
 * server's ACKs (acknowledged, not seen). Frame numbers are tshark's (NAME.tshark-ftp.tsv,
 * -fields.tsv); sizes and sha256 are the recorder's facts.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../cli/run-cli.js';
import { analyze, extractedFiles, facts, factSha, flat, ftpRows, nothingFailed, outputs, path, reportPage, tsv } from './audit-fixtures.js';

const tmp = mkdtempSync(join(tmpdir(), 'ftpcap-audit28-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const jsonOf = async (name: string): Promise<string> => (await runCli(['summary', '--json', path(name)])).stdout;

/** Settings of every product the table knows: advice for one product names no other's. */
const PRODUCT_SETTINGS: Record<string, RegExp> = {
  vsftpd: /vsftpd|max_clients|max_per_ip|write_enable|data_connection_timeout/,
  proftpd: /proftpd|MaxClients\b|MaxClientsPerHost|MaxInstances|TimeoutStalled|<Limit/,
  'pure-ftpd': /pure-ftpd|MaxClientsNumber|MaxClientsPerIP/,
  pyftpdlib: /pyftpdlib|max_cons|perm string/,
  netkit: /netkit/,
  inetutils: /inetutils/,
};
function namesOnly(advice: string, product: string | null): void {
  for (const [p, re] of Object.entries(PRODUCT_SETTINGS)) {
    if (p === product) expect(advice).toMatch(re);
    else expect(advice).not.toMatch(re);
  }
}

/** diagnose and summary --json say the same for the refused session; the healthy RETR gets nothing. */
async function limitRefused(name: string, at: 'greeting' | 'login', product: string | null, advicePart: string | null): Promise<void> {
  const a = await analyze(name);
  const [first, second] = a.sessions;
  // Session 1: the greeting and login; its RETR completes with the file's bytes.
  const retr = first.transfers.find((t) => t.request?.command === 'RETR')!;
  expect([retr.status, retr.verdict.kind, retr.diagnosis, first.diagnosis]).toEqual(['complete', 'completed', null, null]);
  expect(retr.bytes).toBe(facts(name).files.find((x: { path: string }) => x.path === 'hello.txt').size);
  expect(first.serverSoftware ?? null).toBe(product);
  // Session 2: tshark's rows of stream 1; the refusal is its reply.
  const rows = ftpRows(name, '1');
  const refusal = at === 'greeting' ? rows[0] : rows.find(([, c]) => /^[45]\d\d$/.test(c) && c !== '331')!;
  expect(second.control).toMatchObject({ kind: 'turned-away', at, limit: true });
  expect(second.diagnosis?.cause).toBe('session-refused');
  expect(second.diagnosis?.summary).toContain(`(frame ${refusal[0]})`);
  expect(second.diagnosis?.summary).toContain('connection limit');
  // The refused session names the software its sibling's greeting named (its own greeting, proftpd's, too).
  expect(second.serverSoftware ?? null).toBe(product);
  const advice = second.diagnosis!.advice;
  if (advicePart !== null) expect(advice).toContain(advicePart);
  namesOnly(advice, product);
  const [diagnose, explain] = await outputs(name, 'diagnose', 'explain');
  const json = await jsonOf(name);
  expect(flat(diagnose)).toContain(flat(advice));
  expect(flat(diagnose)).toContain('session-refused');
  expect(JSON.parse(json).sessions[1].diagnosis.advice).toBe(advice);
  expect(flat(explain)).toMatch(/connection limit/);
  expect(flat(diagnose)).toContain('0 of 1 transfer diagnosed (1 complete)');
}

describe('pure-ftpd -C 1: a second session from the same address refused at its greeting (421)', () => {
  const name = 'a28-limit-pureftpd-python';
  it("session 2 is refused by the server's connection limit; the advice names pure-ftpd's -c / -C only", async () => {
    expect(ftpRows(name, '1')).toEqual([[17, '421']]);
    await limitRefused(name, 'greeting', 'pure-ftpd', "raise the server's limits on sessions in all and from one address (pure-ftpd: -c (MaxClientsNumber) / -C (MaxClientsPerIP))");
  });
  it('the file arrives whole (extract)', async () => {
    expect((await extractedFiles(name, tmp))['s1-t1-hello.txt']).toBe(factSha(name, 'hello.txt'));
  });
});

describe('proftpd MaxClientsPerHost 1: the second session refused at the login (530 naming the limit)', () => {
  it('ServerIdent on: a session refusal by the connection limit, not a wrong password; the advice names MaxClients / MaxClientsPerHost', async () => {
    const name = 'a28-limit-proftpd-python';
    // Before: login-failed ("check the user name and password"), whatever the 530's words.
    expect(ftpRows(name, '1').map(([, c]) => c)).toEqual(['220', 'USER', '331', 'PASS', '530']);
    await limitRefused(name, 'login', 'proftpd', '(proftpd: MaxClients / MaxClientsPerHost)');
  });
  it('ServerIdent off: nothing names the software, so the advice names no product\'s setting', async () => {
    const name = 'a28-limit-hidden-proftpd-python';
    const greeting = tsv(name, 'ftp').find((r) => r['ftp.response.code'] === '220')!;
    expect(greeting['ftp.response.arg']).not.toMatch(/proftpd/i);
    await limitRefused(name, 'login', null, "raise the server's limits on sessions in all and from one address.");
  });
});

describe('uploads refused by the server: its own permission setting, or none', () => {
  it("pyftpdlib perm elr: 550 Not enough privileges; the advice names pyftpdlib's perm string only", async () => {
    const name = 'a28-stor-denied-pyftpdlib-curl';
    const a = await analyze(name);
    const stor = ftpRows(name, '0').find(([, c]) => c === 'STOR')!;
    const t = a.sessions[0].transfers.find((x) => x.request?.command === 'STOR')!;
    expect([t.request!.frame, t.reply?.code, t.status, t.diagnosis?.cause]).toEqual([stor[0], 550, 'failed', 'server-refused']);
    expect(t.diagnosis!.advice).toContain("(pyftpdlib: the user's perm string, w for STOR and a for APPE)");
    namesOnly(t.diagnosis!.advice, 'pyftpdlib');
    expect(facts(name).denied.absent).toBe('yes');
    const [diagnose] = await outputs(name, 'diagnose');
    const json = await jsonOf(name);
    expect(flat(diagnose)).toContain(flat(t.diagnosis!.advice));
    expect(JSON.parse(json).sessions[0].transfers[0].diagnosis.advice).toBe(t.diagnosis!.advice);
  });
  it("inetutils ftpd: 553 Permission denied is a permission refusal (not a name rule), and inetutils has no setting for it", async () => {
    const name = 'a28-stor-denied-inetutils-curl';
    const a = await analyze(name);
    const reply = tsv(name, 'ftp').find((r) => r['ftp.response.code'] === '553')!;
    expect(reply['ftp.response.arg']).toMatch(/Permission denied/);
    const t = a.sessions[0].transfers.find((x) => x.request?.command === 'STOR')!;
    expect([t.reply?.frame, t.status, t.diagnosis?.cause]).toEqual([Number(reply['frame.number']), 'failed', 'server-refused']);
    // Before: "the file name is not allowed", advice naming proftpd's PathDenyFilter and vsftpd's write_enable.
    expect(t.diagnosis!.summary).toContain('the server denies the user access to the file');
    expect(t.diagnosis!.advice).toContain("(inetutils ftpd has no such setting: only the file system's permissions decide)");
    namesOnly(t.diagnosis!.advice, 'inetutils');
    expect(facts(name).denied.absent).toBe('yes');
  });
});

/** tshark's raw TCP fields of the data connection's server packets: the acknowledged upload size. */
function ackedByTshark(name: string, serverPort: number): { bytes: number; frame: number } {
  const rows = tsv(name, 'fields').filter((r) => r['ip.src'] === '198.51.100.20' && Number(r['tcp.srcport']) === serverPort);
  // The client's ISN + 1: the SYN-ACK's ack (passive) or the server's first ACK after its SYN (active).
  const first = rows.find((r) => (Number(r['tcp.flags']) & 0x12) === 0x12) ?? rows.find((r) => (Number(r['tcp.flags']) & 0x12) === 0x10)!;
  const base = Number(first['tcp.ack_raw']);
  let best = { rel: 0, frame: 0 };
  for (const r of rows) {
    if ((Number(r['tcp.flags']) & 0x10) === 0) continue;
    const rel = (Number(r['tcp.ack_raw']) - base + 2 ** 32) % 2 ** 32;
    if (rel > best.rel) best = { rel, frame: Number(r['frame.number']) };
  }
  // Less the client's FIN, which the 226 says came (the server read to the end).
  return { bytes: best.rel - 1, frame: best.frame };
}

describe('uploads captured at the server, its direction only (-Q out): bytes acknowledged, not seen', () => {
  for (const [name, mode] of [
    ['a28-oneway-stor-passive-pureftpd-curl', 'passive'],
    ['a28-oneway-stor-active-pureftpd-curl', 'active'],
  ] as const) {
    it(`${mode}: unknown (one-way), 0 bytes seen, the file's 100000 bytes acknowledged at tshark's frame`, async () => {
      const a = await analyze(name);
      const f = facts(name);
      expect(f.capture.one_way).toBe('server');
      const size = f.files.find((x: { path: string }) => x.path === 'up100k.bin').size;
      expect(size).toBe(100000);
      const [t] = a.sessions[0].transfers;
      const c = t.connection!;
      // The FTP server's end: the announced port (passive), port 20 (active).
      const oracle = ackedByTshark(name, mode === 'passive' ? c.server.port : c.server.port);
      expect(oracle.bytes).toBe(size);
      // Before: bytes 0 and nothing else (active: not even the direction).
      expect([t.mode, t.direction, t.bytes, t.acknowledged, t.status, t.verdict.kind, t.diagnosis]).toEqual([
        mode, 'upload', 0, { by: 'server', bytes: size, frame: oracle.frame, upTo: false }, 'complete', 'unknown', null,
      ]);
      expect(t.verdict).toMatchObject({ why: 'one-way', bytes: 0 });
      expect(t.reply?.code).toBe(226);
      const [summary, sessions, explain] = await outputs(name, 'summary', 'sessions', 'explain');
      const json = await jsonOf(name);
      const logs = (await runCli(['logs', path(name)])).stdout;
      expect(flat(summary)).toContain('100000 acked');
      expect(JSON.parse(json).sessions[0].transfers[0].acknowledged).toEqual({ by: 'server', bytes: size, frame: oracle.frame, upTo: false });
      expect(flat(sessions)).toContain('1 unknown');
      expect(flat(explain)).toContain(`the server acknowledged 100,000 bytes of the upload (frame ${oracle.frame}); the data itself is not in the capture`);
      // Zeek's data log: the connection (no payload either way) and its verdict, unknown (one-way).
      expect(logs.split('\n').filter((l) => l.includes('ftp-data')).map((l) => l.split('\t').slice(-3))).toEqual([['unknown', 'one-way', '-']]);
      expect(await reportPage(name, tmp)).toContain('100000 acked');
      // The timeline: the server's bare ACKs as one run ending at that frame, with the same count
      // (before: nothing at all between the 150 and the FIN).
      // tshark's bare ACKs of the server's data end, from the first that moved the acknowledgment
      // on (not the handshake's) to the last.
      const server = tsv(name, 'fields').filter((r) => r['tcp.srcport'] === String(c.server.port));
      let lastAck: string | null = null;
      let first = 0;
      for (const r of server) {
        if (first === 0 && r['tcp.flags'] === '0x0010' && r['tcp.len'] === '0' && lastAck !== null && r['tcp.ack_raw'] !== lastAck) first = Number(r['frame.number']);
        if ((parseInt(r['tcp.flags'], 16) & 0x10) !== 0) lastAck = r['tcp.ack_raw'];
      }
      const acks = server.filter((r) => r['tcp.flags'] === '0x0010' && r['tcp.len'] === '0' && Number(r['frame.number']) >= first);
      expect(Number(acks.at(-1)!['frame.number'])).toBe(oracle.frame);
      const timeline = (await runCli(['timeline', '--no-color', path(name)])).stdout;
      expect(timeline).toMatch(new RegExp(` ${first}-${oracle.frame} +${c.client.port} \\|<-+ ACK ×${acks.length} \\(100000 bytes acknowledged\\) -+\\| ${c.server.port}`));
    });
    it(`${mode}: nothing is called failed in any output`, async () => {
      await nothingFailed(name, tmp);
    });
  }
});
