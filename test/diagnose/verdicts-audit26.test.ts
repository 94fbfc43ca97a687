/**
 * The twenty-sixth verdict audit, each on a real recording (fixtures/record.sh, "Twenty-sixth verdict
 * audit"): announcements of the data connection's address that cannot be used because they are
 * malformed, as a mangling NAT/firewall FTP helper or a broken server makes them (pyftpdlib's 227/229
 * rewritten on the way out), and a PORT with five numbers refused by vsftpd. A client that gives up
 * has a failed transfer with cause announce-malformed in every output; one that recovers (PORT
 * instead) has nothing failed. Frames are tshark's (NAME.tshark-ftp.tsv); sizes and sha256 the recorder's.
 */
import { describe, expect, it } from 'vitest';
import { analyze, causes, dataStreams, facts, factSha, ftpRows, ourRows, outputs, transferRows, tsv } from './audit-fixtures.js';

const ALL = ['summary', 'sessions', 'diagnose', 'explain', 'timeline', 'report', 'logs'];
const ALARM = /stall|incomplete|failed:|aborted|refused|mismatch|What to change/i;

/** A failed transfer's cause, said the same way by every output that names causes. */
async function failsEverywhere(name: string, words: RegExp[]): Promise<void> {
  const [summary, diagnose, explain] = await outputs(name, 'summary', 'diagnose', 'explain');
  for (const out of [summary, diagnose, explain]) expect(out).toContain('announce-malformed');
  for (const w of words) expect(diagnose).toMatch(w);
  expect(summary).toMatch(/1\.1 .* failed/);
}

describe('passive: a 227/229 with no usable address, and the client gives up', () => {
  const cases: Array<[string, string, number, number, number, RegExp[]]> = [
    // fixture, command, command frame, reply frame, the client's next move (frame)
    ['a26-pasv-five-pyftpdlib-curl', 'PASV', 15, 16, 17, [/h1,h2,h3,h4,p1,p2/, /closed the control connection \(FIN, frame 17\)/, /FTP helper \(ALG\)/]],
    ['a26-pasv-garbage-pyftpdlib-wget', 'PASV', 21, 22, 23, [/227 Entering Passive Mode \(frame 22\)/, /FIN, frame 23/]],
    ['a26-epsv-malformed-pyftpdlib-curl', 'EPSV', 15, 16, 17, [/229 Entering extended passive mode \(port 50031\)/, /sent QUIT \(frame 17\)/, /PASV instead of EPSV/]],
    ['a26-epsv-malformed-pyftpdlib-lftp', 'EPSV', 32, 33, 37, [/FIN, frame 37/, /PASV instead of EPSV/]],
  ];
  for (const [name, command, cmdFrame, replyFrame, next, words] of cases) {
    it(`${name}: ${command} answered with no usable address; no RETR; failed, announce-malformed, evidence ${cmdFrame}, ${replyFrame}, ${next}`, async () => {
      const f = facts(name);
      expect(f.server.software).toBe('pyftpdlib');
      expect(f.client.exit_status).not.toBe(0);
      expect(f.client['got_file'] ?? 'no').toBe('no');
      const a = await analyze(name);
      // lftp's ABOR begins with telnet IAC bytes tshark shows as two commands of their own (frames 34, 35).
      const telnet = (r: [number, string]): boolean => !/^[A-Z0-9]+$/.test(r[1]);
      expect(ourRows(a, 1).filter((r) => !telnet(r))).toEqual(ftpRows(name, '0').filter((r) => !telnet(r)));
      const ftp = tsv(name, 'ftp');
      expect(ftp.find((r) => r['frame.number'] === String(cmdFrame))!['ftp.request.command']).toBe(command);
      expect(ftp.some((r) => r['ftp.request.command'] === 'RETR')).toBe(false);
      expect(transferRows(a)).toEqual([['1.1', command, replyFrame, null, null, null, 0, null, null, 'failed']]);
      const t = a.sessions[0].transfers[0];
      expect(t.status).toBe('failed');
      expect(t.diagnosis?.cause).toBe('announce-malformed');
      expect(t.diagnosis?.evidence).toEqual([cmdFrame, replyFrame, next]);
      await failsEverywhere(name, words);
    });
  }
});

describe('active: a PORT with five numbers, refused by vsftpd', () => {
  const name = 'a26-port-malformed-vsftpd-python';
  it(`${name}: PORT (frame 17) 500 (frame 18), QUIT (frame 19): announce-malformed, not "the server will not connect to that address"`, async () => {
    const f = facts(name);
    expect([f.server.software, f.client.software]).toEqual(['vsftpd', 'python3-ftplib']);
    const a = await analyze(name);
    expect(ourRows(a, 1)).toEqual(ftpRows(name, '0'));
    const port = tsv(name, 'ftp').find((r) => r['frame.number'] === '17')!;
    expect([port['ftp.request.command'], port['ftp.request.arg']]).toEqual(['PORT', '192,0,2,10,195']);
    expect(transferRows(a)).toEqual([['1.1', 'PORT', 17, null, null, null, 0, null, null, 'failed']]);
    expect(causes(a)).toEqual(['announce-malformed', 'announce-malformed']);
    const d = a.sessions[0].transfers[0].diagnosis!;
    expect(d.evidence).toEqual([17, 18, 19]);
    await failsEverywhere(name, [/500 Illegal PORT command \(frame 18\)/, /found 5 fields/, /client wrote it so/]);
    const [diagnose] = await outputs(name, 'diagnose');
    expect(diagnose).not.toMatch(/port_promiscuous|will not connect to the address/);
  });
});

describe('recovered or read leniently: nothing failed', () => {
  it('a26-pasv-garbage-fallback-pyftpdlib-python: 227 with no numbers, then PORT and RETR hello.txt complete (511 bytes, sha256 as sent); no diagnosis', async () => {
    const name = 'a26-pasv-garbage-fallback-pyftpdlib-python';
    const f = facts(name);
    expect(f.files[0].received_matches).toBe(true);
    const a = await analyze(name);
    expect(ourRows(a, 1)).toEqual(ftpRows(name, '0'));
    expect(transferRows(a)).toEqual([
      ['1.1', 'PASV', 16, null, null, null, 0, null, null, 'unused'],
      ['1.2', 'PORT', 19, 'RETR hello.txt', 24, 1, 511, 226, 29, 'completed'],
    ]);
    expect(a.sessions[0].transfers[1].bytes).toBe(f.files[0].size);
    expect(factSha(name, 'hello.txt')).toBe(f.files[0].received.sha256);
    expect(causes(a)).toEqual([]);
    for (const out of await outputs(name, ...ALL)) expect(out).not.toMatch(/announce-malformed|What to change/);
  });
  it('a26-pasv-over255-pyftpdlib-lftp: a 227 with 451 for p1; lftp reads it as bytes (port 50061) and RETR completes over a data connection the capture holds; no diagnosis', async () => {
    const name = 'a26-pasv-over255-pyftpdlib-lftp';
    expect(facts(name).client.got_file).toBe('yes');
    const a = await analyze(name);
    expect(ourRows(a, 1)).toEqual(ftpRows(name, '0'));
    // The data connection the client opened to the port it read (tshark's stream 1, to 50061) is the
    // transfer's: not "its data connection is not in the capture".
    expect(transferRows(a)).toEqual([['1.1', 'PASV', 33, 'RETR hello.txt', 37, 1, 511, 226, 44, 'completed']]);
    // tshark ties stream 1 to the same PASV (frame 33) and RETR (frame 37).
    expect(dataStreams(name)).toEqual({ 1: [33, 37] });
    expect(causes(a)).toEqual([]);
    const [diagnose, transfers] = await outputs(name, 'diagnose', 'transfers');
    expect(diagnose).not.toMatch(ALARM);
    expect(diagnose).not.toMatch(/not in the capture/);
    expect(transfers).toMatch(/PASV malformed: p1 = 451 is over 255 \(frame 33\)/);
    expect(transfers).toMatch(/192\.0\.2\.10:53380 → 198\.51\.100\.20:50061/);
  });
});
