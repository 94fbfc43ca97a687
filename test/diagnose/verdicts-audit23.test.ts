/**
 * The twenty-third verdict audit, on real recordings (fixtures/record.sh, "Twenty-third verdict
 * audit") and earlier ones:
 * 1. A refused probe the client recovered from is no failed transfer: yafc sends MLSD, netkit ftpd
 *    (which lacks it) answers 500, yafc lists with LIST, which completes: verdict `fell-back`, no
 *    diagnosis, counted apart from the failures in every output. A RETR of a missing file (550) with
 *    nothing after it stays `failed` (server-refused).
 * 2. Passive-drop advice names a setting only of the server software the session identified: netkit
 *    ftpd (no passive port range at all), pyftpdlib (FTPHandler.passive_ports), vsftpd; a banner that
 *    names nothing (aioftp's "welcome") gets the generic words.
 * 3. explain does not say "everything happened as described" of a session whose control connection
 *    ended by a reset, or without QUIT and 221.
 * Frame numbers are tshark's (NAME.tshark-ftp.tsv, -data-streams.tsv); sizes and sha256 the recorder's facts.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Analysis } from '../../src/analysis/model.js';
import { runCli } from '../cli/run-cli.js';
import { analyze, dataStreams, extractedFiles, facts, factSha, flat, ftpRows, ourRows, outputs, path, reportPage, transferRows } from './audit-fixtures.js';

const tmp = mkdtempSync(join(tmpdir(), 'ftpcap-audit23-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** Every session's commands and replies are tshark's, frame for frame. */
function sameAsTshark(a: Analysis, name: string, streams: string[]): void {
  expect(a.sessions.map((s) => s.id)).toEqual(streams.map((_, i) => i + 1));
  streams.forEach((stream, i) => expect(ourRows(a, i + 1)).toEqual(ftpRows(name, stream)));
}

/** Each data stream tshark links to a command is the transfer ftpcap links to it (227 frame, command frame). */
function sameDataStreams(a: Analysis, name: string, commandFrame: Record<string, number> = {}): void {
  const all = a.sessions.flatMap((s) => s.transfers);
  for (const [stream, [setup, cmd]] of Object.entries(dataStreams(name))) {
    const t = all.find((x) => String(x.connection?.stream) === stream)!;
    expect([t.announce?.reply?.frame, t.request?.frame]).toEqual([setup, commandFrame[stream] ?? cmd]);
  }
}

const rows = (a: Analysis): unknown[][] => transferRows(a, (t) => [t.diagnosis?.cause ?? null]);
const PRODUCTS = /vsftpd|proftpd|pure-ftpd|pasv_min_port|PassivePorts/i;
/** The report's text with its entities read back. */
const unhtml = (x: string): string => x.replace(/&#39;/g, "'").replace(/&quot;/g, '"').replace(/&amp;/g, '&');

describe('1. yafc to netkit ftpd: MLSD refused (500) then LIST; RETR of a missing file (550); then the passive SYNs dropped', () => {
  const name = 'a23-netkit-ftpd-yafc';
  it(`${name}: the MLSD probe is fell-back (no failure) in every output; the missing file's 550 stays failed`, async () => {
    const f = facts(name);
    expect([f.server.software, f.client.software, f.capture.packets]).toEqual(['netkit-ftpd', 'yafc', 117]);
    const a = await analyze(name);
    sameAsTshark(a, name, ['0', '5']);
    // tshark links the LIST and the RETR (the first command after the 227 is TYPE I, frame 50); not the
    // MLSD's or the missing file's data connections, which the server reset with nothing on them.
    expect(dataStreams(name)).toEqual({ '2': [31, 35], '3': [46, 50] });
    sameDataStreams(a, name, { '3': 52 });
    expect(rows(a)).toEqual([
      ['1.1', 'PASV', 23, 'MLSD', 27, 1, 0, 500, 28, 'fell-back', null],
      ['1.2', 'PASV', 31, 'LIST', 35, 2, 264, 226, 40, 'completed', null],
      ['1.3', 'PASV', 46, 'RETR /var/tmp/ftpcap-audit23/home/fxa23user/hello.txt', 52, 3, 511, 226, 60, 'completed', null],
      ['1.4', 'PASV', 63, 'RETR /var/tmp/ftpcap-audit23/home/fxa23user/missing.txt', 67, 4, 0, 550, 68, 'failed', 'server-refused'],
      ['2.1', 'PASV', 95, null, null, 6, 0, null, null, 'failed', 'passive-syn-unanswered'],
      ['2.2', 'PASV', 104, null, null, 7, 0, null, null, 'failed', 'passive-syn-unanswered'],
    ]);
    const probe = a.sessions[0]!.transfers[0]!;
    expect([probe.status, probe.verdict]).toEqual([
      'fell-back',
      {
        kind: 'fell-back',
        code: 500,
        reply: 28,
        fallback: { command: 'LIST', frame: 35, code: 226, replyFrame: 40, transfer: '1.2', completed: true, directory: null },
        evidence: [23, 24, 25, 27, 28, 30, 35, 40],
      },
    ]);
    // tshark: MLSD at 27, "500 'MLSD': command not understood." at 28; LIST at 35, 226 at 40.
    expect(ftpRows(name, '0').filter(([fr]) => [27, 28, 35, 40, 67, 68].includes(fr))).toEqual([[27, 'MLSD'], [28, '500'], [35, 'LIST'], [40, '226'], [67, 'RETR'], [68, '550']]);

    const [summary, sessions, diagnose, explain, timeline] = await outputs(name, 'summary', 'sessions', 'diagnose', 'explain', 'timeline');
    // Before: "1.1 … 500 failed [1]", "[1] 1.1 server-refused", session 1 "2 failed, 2 complete".
    for (const o of [summary, sessions]) expect(flat(o)).toContain('1 refused (the client fell back), 2 complete, 1 failed');
    expect(flat(summary)).toContain('1.1 passive MLSD 198.51.100.20:34565 0 500 refused, fell back to LIST');
    expect(summary).not.toMatch(/\] 1\.1 /);
    expect(summary).toMatch(/\[1\] 1\.4 server-refused/);
    // diagnose: no paragraph for the probe (before: "server-refused … Nothing to change for the listing"), a note instead.
    expect(diagnose.match(/Session \d+, transfer \d+: [a-z-]+/g)).toEqual([
      'Session 1, transfer 4: server-refused',
      'Session 2, transfer 1: passive-syn-unanswered',
      'Session 2, transfer 2: passive-syn-unanswered',
    ]);
    const sentence =
      "refused, and no failure: the server does not recognise MLSD (500, frame 28); the client fell back to LIST (frame 35, transfer 1.2), which completed (226, frame 40). Nothing to change.";
    expect(flat(diagnose)).toContain(`Not failures, but not the whole story either: Session 1, transfer 1 (MLSD): ${sentence}`);
    expect(flat(diagnose)).toContain('3 of 6 transfers diagnosed (1 refused (the client fell back), 2 complete, 3 failed).');
    // The missing file is the path's fault, with no fallback.
    expect(flat(diagnose)).toMatch(/550 \/var\/tmp\/ftpcap-audit23\/home\/fxa23user\/missing\.txt: No such file or directory at frame 68: the file does not exist on the server/);
    expect(flat(diagnose)).toContain('What to change: The name does not exist on the server: check the path on the client');
    expect(flat(explain)).toContain(`Verdict: transfer 1 ${sentence}`);
    expect(flat(explain)).toContain('- transfer 1 refused, fell back to LIST, which completed: no failure.');
    expect(flat(explain)).toContain('- transfer 4 failed: the server refused the command.');
    expect(timeline).not.toMatch(/Transfer 1 failed: the server refused/);
    const json = JSON.parse((await runCli(['summary', '--json', path(name)])).stdout);
    expect(json.sessions[0].transfers.map((t: { status: string; verdict: { kind: string }; diagnosis: unknown }) => [t.status, t.verdict.kind, t.diagnosis === null])).toEqual([
      ['fell-back', 'fell-back', true],
      ['complete', 'completed', true],
      ['complete', 'completed', true],
      ['failed', 'failed', false],
    ]);
    // Zeek-style ftp-data line: ftpcap_verdict, ftpcap_detail, ftpcap_cause.
    const logs = (await runCli(['logs', path(name)])).stdout.split('\n').filter((l) => l.includes('ftp-data'));
    expect(logs.filter((l) => l.includes('\tMLSD\t')).map((l) => l.split('\t').slice(-3))).toEqual([['fell-back', 'to-1.2', '-']]);
    expect(logs.filter((l) => l.includes('missing.txt')).map((l) => l.split('\t').slice(-3))).toEqual([['failed', '-', 'server-refused']]);
    const html = flat(await reportPage(name, tmp));
    expect(html).toContain('refused, fell back to LIST');
    // A card per failure: none for the probe.
    const cards = html.split('<article class="card"').slice(1).map((c) => c.replace(/<[^>]+>/g, ' ').slice(0, 200));
    expect(cards.filter((c) => c.includes('Session 1, transfer'))).toEqual([expect.stringContaining('Session 1, transfer 4: RETR')]);
    // extract: the listing and hello.txt; the probe and the missing file have no file.
    const files = await extractedFiles(name, tmp);
    expect(files['s1-t3-hello.txt']).toBe(factSha(name, 'hello.txt'));
    expect(Object.keys(files).sort()).toEqual(['s1-t2-list.txt', 's1-t3-hello.txt']);
  });

  it(`${name}: the passive drop's advice speaks of netkit ftpd (no passive port range), never of another product's setting`, async () => {
    const [diagnose, explain] = await outputs(name, 'diagnose', 'explain');
    const report = unhtml(await reportPage(name, tmp));
    // Before: "Open the server's passive port range on the server's firewall (vsftpd pasv_min_port/pasv_max_port, proftpd PassivePorts, pure-ftpd -p)".
    for (const o of [diagnose, explain, report]) {
      expect(flat(o)).toContain(
        "netkit ftpd has no passive port range: it takes any free port the kernel gives, so the server's firewall and any firewall in between must open each announced port through their FTP helper (nf_conntrack_ftp) or allow the kernel's whole ephemeral range, or use active mode.",
      );
      expect(o).not.toMatch(PRODUCTS);
    }
    // The ports netkit ftpd announced (tshark's 227s): no range, any free port.
    expect(flat(diagnose)).toContain('Ports 34565, 40693 and 34747 (and 1 more) got through and 46305 did not: a firewall that opens a fixed range lets such a server through only by chance.');
    expect(flat(diagnose)).toContain('as when a firewall opens only some ports, while netkit ftpd takes any free port the kernel gives');
  });
});

describe('2. yafc to pyftpdlib (passive_ports 50000-50100): healthy, then SYNs to the passive range dropped', () => {
  const name = 'a23-pasv-drop-pyftpdlib-yafc';
  it(`${name}: session 1 healthy; the drop's advice names pyftpdlib's FTPHandler.passive_ports and no other product`, async () => {
    const f = facts(name);
    expect([f.server.software, f.client.software, f.capture.packets]).toEqual(['pyftpdlib', 'yafc', 89]);
    const a = await analyze(name);
    sameAsTshark(a, name, ['0', '3']);
    sameDataStreams(a, name, { '2': 38 });
    expect(rows(a)).toEqual([
      ['1.1', 'PASV', 18, 'MLSD', 22, 1, 339, 226, 29, 'completed', null],
      ['1.2', 'PASV', 32, 'RETR /hello.txt', 38, 2, 511, 226, 43, 'completed', null],
      ['2.1', 'PASV', 67, null, null, 4, 0, null, null, 'failed', 'passive-syn-unanswered'],
      ['2.2', 'PASV', 76, null, null, 5, 0, null, null, 'failed', 'passive-syn-unanswered'],
    ]);
    expect(await extractedFiles(name, tmp)).toEqual({ 's1-t1-mlsd.txt': expect.any(String), 's1-t2-hello.txt': factSha(name, 'hello.txt') });
    const [diagnose, explain] = await outputs(name, 'diagnose', 'explain');
    const report = unhtml(await reportPage(name, tmp));
    for (const o of [diagnose, explain, report]) {
      expect(flat(o)).toContain("Open the server's passive port range (pyftpdlib: FTPHandler.passive_ports) on the server's firewall and on any firewall in between, or use active mode.");
      expect(o).not.toMatch(PRODUCTS);
    }
  });
});

describe('2b. earlier recordings: vsftpd named for vsftpd only; a banner that names nothing gets no product', () => {
  it('a18-vsftpd-yafc (vsFTPd 3.0.3 in its 220): only vsftpd setting', async () => {
    const [diagnose] = await outputs('a18-vsftpd-yafc', 'diagnose');
    expect(flat(diagnose)).toContain("Open the server's passive port range (vsftpd: pasv_min_port/pasv_max_port) on the server's firewall");
    expect(diagnose).not.toMatch(/proftpd|pure-ftpd/i);
  });
  it('a18-aioftp-tnftp ("220 welcome"): the generic words', async () => {
    const [diagnose] = await outputs('a18-aioftp-tnftp', 'diagnose');
    expect(flat(diagnose)).toContain("What to change: Open the server's passive port range on the server's firewall and on any firewall in between, or use active mode.");
    expect(diagnose).not.toMatch(PRODUCTS);
  });
  it('a18-gridftp-tnftp (GridFTP Server in its 220): its GLOBUS_TCP_PORT_RANGE, as the recorder set it', async () => {
    expect(facts('a18-gridftp-tnftp').server.software).toBe('globus-gridftp-server');
    const [diagnose] = await outputs('a18-gridftp-tnftp', 'diagnose');
    expect(flat(diagnose)).toContain("Open the server's passive port range (GridFTP: the GLOBUS_TCP_PORT_RANGE environment variable)");
    expect(diagnose).not.toMatch(PRODUCTS);
  });
});

describe('3. explain: a control connection ended by a reset, or without QUIT and 221, is not "as described"', () => {
  it('a21-client-rst-pyftpdlib-python: the client reset the control connection with no QUIT (tshark: RST at frame 205)', async () => {
    const [explain] = await outputs('a21-client-rst-pyftpdlib-python', 'explain');
    // Before: "Compared with the textbook: everything happened as described."
    expect(explain).not.toContain('everything happened as described');
    expect(flat(explain)).toContain(
      'Compared with the textbook: - the client reset the control connection (RST, frame 205) without a QUIT answered by 221 first, instead of closing it with a FIN each way (step 10).',
    );
  });
  it('a21-server-rst-pyftpdlib-python: QUIT and 221, then the server reset it (frame 204)', async () => {
    const [explain] = await outputs('a21-server-rst-pyftpdlib-python', 'explain');
    expect(flat(explain)).toContain('- the client closed the control connection (FIN, frame 203) after the QUIT and its 221; the server then reset it (RST, frame 204), instead of a FIN each way (step 10).');
  });
  it('fail-login-vsftpd-curl: the client closed it (FIN, frame 14) with no QUIT', async () => {
    const [explain] = await outputs('fail-login-vsftpd-curl', 'explain');
    expect(flat(explain)).toContain('- the client closed the control connection (FIN, frame 14) without a QUIT answered by 221 first.');
  });
  it('the new recordings and the FIN baseline end with QUIT, 221 and FINs: nothing said of the end', async () => {
    for (const name of ['a23-netkit-ftpd-yafc', 'a23-pasv-drop-pyftpdlib-yafc', 'a21-baseline-vsftpd-curl']) {
      const [explain] = await outputs(name, 'explain');
      expect(explain).not.toMatch(/reset the control connection \(RST|closed the control connection \(FIN/);
    }
    const [baseline] = await outputs('a21-baseline-vsftpd-curl', 'explain');
    expect(baseline).toContain('Compared with the textbook: everything happened as described.');
  });
});
