/**
 * The thirty-sixth verdict audit: an address announcement split across TCP segments, and the NAT's
 * FTP helper (fixtures/record.sh, "Thirty-sixth verdict audit"). ftplib's PORT and EPRT from behind
 * MASQUERADE and a subclassed pyftpdlib's 227 behind DNAT, both with nf_conntrack_ftp; each session
 * announces once whole (it works) and once written in two segments. The helper drops the segment
 * holding part of the announcement, and every copy sent again (the later piece was delivered and
 * SACKed, so TCP never merges them): the control connection stalls, no reply comes. An EPRT cut
 * after its closing '|' (the first segment holds the whole address) works: a split line that is
 * healthy. Each session was captured at the client and at the server. Frames are tshark's
 * (NAME.tshark-ftp.tsv, its SACK and retransmission marks); sizes and sha256 the recorder's facts.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../cli/run-cli.js';
import { analyze, causes, dataStreams, extractedFiles, facts, factSha, flat, ftpRows, ourRows, outputs, path, transferRows } from './audit-fixtures.js';

const tmp = mkdtempSync(join(tmpdir(), 'ftpcap-audit36-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const OUTPUTS = ['summary', 'diagnose', 'explain'];
/** What a network engineer must read in every output that words the failure: the cause and the segments. */
const SAYS_SPLIT = /more than one TCP segment/;
const SAYS_HELPER = /FTP helper/;
/** Words of the causes this failure was taken for before: a NAT without helper, a firewall, an unreached passive port. */
const WRONG_CAUSE = /passive-unreached|address-mismatch|syn-unanswered|masquerade_address is|firewall that drops/i;
/** The recorder's sha256 of hello.txt (every RETR asks for it). */
const HELLO = (name: string): string => factSha(name, 'hello.txt');

/** tshark's FTP rows without the line ends it read as commands or replies of their own (the split piece that arrived alone). */
const tsharkRows = (name: string, fragments: number[]): Array<[number, string]> => ftpRows(name, '0').filter(([f]) => !fragments.includes(f));

/** Each output for the fixture: the JSON summary, then the text ones. */
/** The recorder's downloads of hello.txt: the announcements after which the client saved it, and the ones after which it saved nothing. */
const saved = (name: string): Array<[string, boolean]> => [
  ...facts(name).files.map((x: { note: string; received: unknown }): [string, boolean] => [x.note, x.received !== null]),
  ...String(facts(name).client.not_saved).split('|').filter(Boolean).map((x): [string, boolean] => [x.replace(/^RETR hello\.txt after the (announcement \w+): nothing saved$/, '$1').replace('announcement ', 'announcement: '), false]),
];

const allOutputs = async (name: string): Promise<string[]> => [(await runCli(['summary', '--json', path(name)])).stdout, ...(await outputs(name, ...OUTPUTS))];

describe('1. ftplib -> vsftpd, active PORT from behind MASQUERADE with the FTP helper', () => {
  const client = 'a36-split-port-vsftpd-python';
  const server = 'a36-split-port-server-side-vsftpd-python';

  it('the recorder saw it: one whole PORT downloaded hello.txt, the split one got no reply (ftplib timed out)', () => {
    const f = facts(client);
    expect(saved(client)).toEqual([
      ['announcement: whole', true],
      ['announcement: cut4', false],
    ]);
    expect(f.client.split).toMatch(/^split: b'PORT 192,0,2,10,' \+ b'\d+,\d+\\r\\n'\|$/);
    expect(f.client.messages).toMatch(/4 RETR: TimeoutError\('timed out'\)/);
  });

  it(`${client}: the split PORT began in frame 33 and ended in 34; its first segment was sent again 6 times, never acknowledged, the later piece SACKed (35)`, async () => {
    const a = await analyze(client);
    expect(ourRows(a, 1)).toEqual(tsharkRows(client, [34]).map(([f, c]) => (f === 33 ? [34, c] : [f, c])));
    const port = a.sessions[0].commands.find((c) => c.frame === 34)!;
    expect([port.command, port.firstFrame, port.reply]).toEqual(['PORT', 33, null]);
    // The whole one came in one segment.
    expect(a.sessions[0].commands.find((c) => c.frame === 17)!.firstFrame).toBeUndefined();
    expect(a.sessions[0].splitStall).toEqual({
      by: 'client',
      seen: 'sent',
      firstFrame: 33,
      frame: 34,
      repeats: [36, 37, 38, 39, 40, 41],
      // The whole line and its CRLF: nothing of it was acknowledged.
      missing: `PORT ${port.arg}\r\n`.length,
      sackFrame: 35,
      command: { verb: 'PORT', frame: 34 },
      line: expect.stringMatching(/^PORT 192,0,2,10,\d+,\d+$/),
      wholeBefore: 17,
    });
    expect(transferRows(a)).toEqual([
      ['1.1', 'PORT', 17, 'RETR hello.txt', 19, 1, 511, 226, 29, 'completed'],
      ['1.2', 'PORT', 34, null, null, null, 0, null, null, 'failed'],
    ]);
    expect(Object.keys(dataStreams(client))).toEqual(['1']);
    expect(a.sessions[0].transfers.map((t) => t.diagnosis?.cause ?? null)).toEqual([null, 'announce-split-dropped']);
    expect(a.sessions[0].diagnosis).toBeNull();
    expect(await extractedFiles(client, tmp)).toEqual({ 's1-t1-hello.txt': HELLO(client) });
  });

  it(`${server}: only the PORT's end ("p1,p2", frame 33) arrived, after 16 bytes the server never acknowledged (SACK frame 34): the session's diagnosis`, async () => {
    const a = await analyze(server);
    expect(ourRows(a, 1)).toEqual(tsharkRows(server, []));
    const s = a.sessions[0];
    expect(s.splitStall).toEqual({
      by: 'client',
      seen: 'received',
      firstFrame: 33,
      frame: 33,
      repeats: [],
      missing: 16,
      sackFrame: 34,
      command: null,
      line: expect.stringMatching(/^\d+,\d+$/),
      wholeBefore: 17,
    });
    // The helper rewrote the whole one: the server saw the NAT's address.
    expect(s.commands.find((c) => c.frame === 17)!.arg).toMatch(/^198,51,100,1,/);
    expect(transferRows(a)).toEqual([['1.1', 'PORT', 17, 'RETR hello.txt', 19, 1, 511, 226, 29, 'completed']]);
    expect([s.diagnosis?.cause, s.diagnosis?.evidence]).toEqual(['announce-split-dropped', [33, 34]]);
    expect(causes(a)).toEqual(['announce-split-dropped']);
  });

  for (const name of [client, server]) {
    it(`${name}: every output names the cause and the segments; advice says one send or passive mode; no other cause`, async () => {
      const texts = await allOutputs(name);
      for (const o of texts.slice(1)) expect(flat(o)).toMatch(SAYS_SPLIT);
      for (const o of texts) expect(flat(o)).not.toMatch(WRONG_CAUSE);
      const d = texts[2];
      expect(d).toMatch(SAYS_HELPER);
      expect(d).toMatch(/write the whole command in one send, or use passive mode/);
      expect(d).toMatch(/the earlier PORT \(frame 17\) came in one segment and worked/);
      expect(JSON.parse(texts[0]).sessions[0].splitStall.by).toBe('client');
    });
  }
});

describe('2. ftplib -> pyftpdlib behind DNAT with the FTP helper: a 227 whole, then one in two segments', () => {
  const client = 'a36-split-227-pyftpdlib-python';
  const server = 'a36-split-227-server-side-pyftpdlib-python';

  it('the recorder saw it: the whole 227 downloaded hello.txt; the split one: no data connection, ftplib timed out', () => {
    const f = facts(client);
    expect(saved(client)).toEqual([
      ['announcement: whole', true],
      ['announcement: split', false],
    ]);
    expect(f.server.split).toMatch(/^split: b'227 Entering passive mode \(198,51,100,20,' \+ b'\d+,\d+\)\.\\r\\n'\|$/);
    expect(f.client.messages).toMatch(/split RETR: TimeoutError\('timed out'\)/);
  });

  it(`${server}: the split 227 began in frame 32 and ended in 33; its first segment sent again 6 times, never acknowledged, the later piece SACKed (34)`, async () => {
    const a = await analyze(server);
    const s = a.sessions[0];
    // tshark reads the 227's second segment as a reply of its own ("195 138).").
    expect(ourRows(a, 1)).toEqual(tsharkRows(server, [33]).map(([f, c]): [number, string] => (f === 32 ? [33, c] : [f, c])).concat([[32, '227']]).sort((x, y) => x[0] - y[0]));
    const pasv = s.commands.find((c) => c.frame === 31)!;
    expect([pasv.command, pasv.reply?.code, pasv.reply?.firstFrame, pasv.reply?.frame]).toEqual(['PASV', 227, 32, 33]);
    expect(s.commands.find((c) => c.frame === 15)!.reply).toMatchObject({ code: 227, firstFrame: 16, frame: 16 });
    expect(s.splitStall).toEqual({
      by: 'server',
      seen: 'sent',
      firstFrame: 32,
      frame: 33,
      repeats: [35, 36, 37, 38, 39, 42],
      missing: `227 ${pasv.reply!.text}\r\n`.length,
      sackFrame: 34,
      command: { verb: 'PASV', frame: 31 },
      line: null,
      wholeBefore: 16,
    });
    expect(transferRows(a)).toEqual([
      ['1.1', 'PASV', 16, 'RETR hello.txt', 20, 1, 511, 226, 27, 'completed'],
      ['1.2', 'PASV', 33, null, null, null, 0, null, null, 'failed'],
    ]);
    expect(s.transfers.map((t) => t.diagnosis?.cause ?? null)).toEqual([null, 'announce-split-dropped']);
    expect(s.diagnosis).toBeNull();
    expect(await extractedFiles(server, tmp)).toEqual({ 's1-t1-hello.txt': HELLO(server) });
  });

  it(`${client}: the whole 227 names the public address; the split one never came, only its end (frame 32, SACK 33): the session's diagnosis`, async () => {
    const a = await analyze(client);
    const s = a.sessions[0];
    // tshark reads the 227's end as a reply ("195 138)."), and so does ftpcap (an unasked 195, its code's
    // space missing), which answers no command: the PASV has no reply.
    expect(ourRows(a, 1)).toEqual(tsharkRows(client, []));
    expect(s.commands.find((c) => c.frame === 15)!.reply?.text).toMatch(/\(203,0,113,21,/);
    expect(s.commands.find((c) => c.frame === 31)!.reply).toBeNull();
    expect(s.splitStall).toEqual({
      by: 'server',
      seen: 'received',
      firstFrame: 32,
      frame: 32,
      repeats: [],
      missing: 41,
      sackFrame: 33,
      command: { verb: 'PASV', frame: 31 },
      line: null,
      wholeBefore: 16,
    });
    expect(transferRows(a)).toEqual([['1.1', 'PASV', 16, 'RETR hello.txt', 20, 1, 511, 226, 27, 'completed']]);
    expect([s.diagnosis?.cause, s.diagnosis?.evidence]).toEqual(['announce-split-dropped', [31, 32, 33]]);
    expect(await extractedFiles(client, tmp)).toEqual({ 's1-t1-hello.txt': HELLO(client) });
  });

  for (const name of [client, server]) {
    it(`${name}: every output names the cause and the segments; advice says one send or the public address; no passive-unreached`, async () => {
      const texts = await allOutputs(name);
      for (const o of texts.slice(1)) expect(flat(o)).toMatch(SAYS_SPLIT);
      for (const o of texts) expect(flat(o)).not.toMatch(WRONG_CAUSE);
      const d = texts[2];
      expect(d).toMatch(SAYS_HELPER);
      expect(d).toMatch(/make it write the whole reply in one send, or give it its public address for passive replies \(pyftpdlib: FTPHandler\.masquerade_address\)/);
      expect(d).toMatch(/the earlier 227 \(frame 16\) came in one segment and worked/);
    });
  }
});

describe('3. ftplib -> vsftpd, active EPRT: whole, split after the address (works), split before the port (stalls)', () => {
  const client = 'a36-split-eprt-vsftpd-python';
  const server = 'a36-split-eprt-server-side-vsftpd-python';

  it('the recorder saw it: two downloads, the third EPRT got no reply', () => {
    expect(saved(client)).toEqual([
      ['announcement: whole', true],
      ['announcement: cut4', true],
      ['announcement: cut3', false],
    ]);
    expect(facts(client).client.split).toMatch(/^split: b'EPRT \|1\|192\.0\.2\.10\|\d+\|' \+ b'\\r\\n'\|split: b'EPRT \|1\|192\.0\.2\.10\|' \+ b'\d+\|\\r\\n'\|$/);
  });

  it(`${client}: the EPRT split before CRLF (frames 33, 35) is healthy; the one split before the port (52-53) failed`, async () => {
    const a = await analyze(client);
    const s = a.sessions[0];
    const eprts = s.commands.filter((c) => c.command === 'EPRT').map((c) => [c.firstFrame ?? null, c.frame, c.reply?.code ?? null]);
    expect(eprts).toEqual([
      [null, 17, 200],
      [33, 35, 200],
      [52, 53, null],
    ]);
    expect(transferRows(a)).toEqual([
      ['1.1', 'EPRT', 17, 'RETR hello.txt', 19, 1, 511, 226, 29, 'completed'],
      ['1.2', 'EPRT', 35, 'RETR hello.txt', 38, 2, 511, 226, 48, 'completed'],
      ['1.3', 'EPRT', 53, null, null, null, 0, null, null, 'failed'],
    ]);
    expect(s.transfers.map((t) => t.diagnosis?.cause ?? null)).toEqual([null, null, 'announce-split-dropped']);
    expect(s.splitStall).toMatchObject({ by: 'client', seen: 'sent', firstFrame: 52, frame: 53, sackFrame: 54, repeats: [55, 56, 57, 58, 59, 60], wholeBefore: 17 });
    expect(await extractedFiles(client, tmp)).toEqual({ 's1-t1-hello.txt': HELLO(client), 's1-t2-hello.txt': HELLO(client) });
  });

  it(`${server}: the second EPRT arrived rewritten and worked; of the third only "port|" (frame 52) arrived: the session's diagnosis`, async () => {
    const a = await analyze(server);
    const s = a.sessions[0];
    expect(transferRows(a).map((r) => r.slice(0, 2).concat(r.slice(-1)))).toEqual([
      ['1.1', 'EPRT', 'completed'],
      ['1.2', 'EPRT', 'completed'],
    ]);
    expect(s.splitStall).toMatchObject({ by: 'client', seen: 'received', frame: 52, missing: 19, sackFrame: 53, line: expect.stringMatching(/^\d+\|$/), wholeBefore: 17 });
    expect(causes(a)).toEqual(['announce-split-dropped']);
    const texts = await allOutputs(server);
    for (const o of texts.slice(1)) expect(flat(o)).toMatch(SAYS_SPLIT);
    expect(texts[2]).toMatch(/the earlier EPRT \(frame 17\) came in one segment and worked/);
  });
});
