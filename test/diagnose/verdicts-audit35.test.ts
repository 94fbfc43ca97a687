/**
 * The thirty-fifth verdict audit, each on a real recording (fixtures/record.sh, "Thirty-fifth verdict
 * audit"): transfer parameters. One ftplib script against vsftpd (ASCII conversion on), proftpd (with
 * mod_deflate) and pure-ftpd: TYPE A downloads and uploads whose wire carries more bytes than the
 * file (LF sent as CRLF), a resume (REST) in TYPE A that each server refuses in its own words, MODE Z
 * transfers whose wire carries far fewer bytes than the file (deflate), MODE B/C, STRU R/P, TYPE E,
 * TYPE L 8 sent by hand, STOU (its name in the 150), APPE to an existing file, REST + STOR, ALLO.
 * Frames are tshark's (NAME.tshark-ftp.tsv), byte counts its NAME.tshark-streams.tsv; sizes and
 * sha256 are the recorder's facts.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inflateSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import type { Analysis } from '../../src/analysis/model.js';
import { runCli } from '../cli/run-cli.js';
import { analyze, extractedFiles, facts, ftpRows, ourRows, outputs, path, reportPage, transferRows, tsv } from './audit-fixtures.js';

const tmp = mkdtempSync(join(tmpdir(), 'ftpcap-audit35-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const VSFTPD = 'a35-params-vsftpd-python';
const PROFTPD = 'a35-params-proftpd-python';
const PUREFTPD = 'a35-params-pureftpd-python';

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');
/** The recorder's entry for one file the client saved, by its note's start (several entries share a path). */
const fileFact = (name: string, path: string, i = 0): any => facts(name).files.filter((f: any) => f.path === path)[i];
/** tshark's payload bytes on each TCP stream, [client → server, server → client]. */
const wire = (name: string): Record<string, [number, number]> =>
  Object.fromEntries(tsv(name, 'streams').map((r) => [r.stream, [Number(r.bytes_src_to_dst), Number(r.bytes_dst_to_src)]]));
/** Each transfer: [id, status, cause, TYPE, MODE, REST, announced size, path]. */
const params = (a: Analysis): unknown[][] =>
  a.sessions.flatMap((s) =>
    s.transfers.map((t) => [`${s.id}.${t.id}`, t.status, t.diagnosis?.cause ?? null, t.type, t.transferMode, t.restOffset, t.expectedSize, t.request?.path ?? null]),
  );
async function jsonVerdicts(name: string): Promise<unknown[][]> {
  const j = JSON.parse((await runCli(['summary', '--json', path(name)])).stdout);
  return j.sessions.flatMap((s: any) => s.transfers.map((t: any) => [`${s.id}.${t.id}`, t.status, t.diagnosis?.cause ?? null]));
}
/** The bytes a transfer moved, as tshark counts them on its data stream (the sender's direction). */
function bytesAsTshark(a: Analysis, name: string): void {
  const w = wire(name);
  for (const t of a.sessions[0].transfers) {
    if (!t.connection) continue;
    const [up, down] = w[String(t.connection.stream)];
    expect(t.bytes).toBe(t.direction === 'upload' ? up : down);
  }
}

/** Every transfer as transferRows gives it, read off tshark's NAME.tshark-ftp.tsv and NAME.tshark-data-streams.tsv. */
const AS_TSHARK: Record<string, unknown[][]> = {
  [VSFTPD]: [
    ['1.1', 'PASV', 26, 'RETR lf.txt', 30, 1, 6500, 226, 45, 'completed'],
    ['1.2', 'PASV', 48, 'RETR crlf.txt', 52, 2, 2950, 226, 63, 'completed'],
    ['1.3', 'PASV', 66, 'RETR lf.txt', 72, 3, 0, 550, 73, 'failed'],
    ['1.4', 'PASV', 77, 'STOR up-ascii.txt', 81, 4, 3600, 226, 92, 'completed'],
    ['1.5', 'PASV', 111, 'RETR small.bin', 115, 5, 3000, 226, 126, 'completed'],
    ['1.6', 'PASV', 135, 'APPE appe-base.bin', 139, 6, 1000, 226, 146, 'completed'],
    ['1.7', 'PASV', 149, 'STOU', 153, 7, 1200, 226, 160, 'completed'],
    ['1.8', 'PASV', 163, 'STOR resume.bin', 169, 8, 2500, 226, 178, 'completed'],
    ['1.9', 'PASV', 183, 'STOR allo.bin', 187, 9, 3000, 226, 198, 'completed'],
  ],
  [PROFTPD]: [
    ['1.1', 'PASV', 26, 'RETR lf.txt', 30, 1, 6500, 226, 45, 'completed'],
    ['1.2', 'PASV', 48, 'RETR crlf.txt', 52, 2, 2950, 226, 63, 'completed'],
    ['1.3', 'PASV', 66, null, null, 3, 0, null, null, 'unused'],
    ['1.4', 'PASV', 75, 'STOR up-ascii.txt', 79, 4, 3600, 226, 90, 'completed'],
    ['1.5', 'PASV', 97, 'RETR z.txt', 101, 5, 590, 226, 110, 'completed'],
    ['1.6', 'PASV', 113, 'STOR z-up.txt', 117, 6, 583, 226, 126, 'completed'],
    ['1.7', 'PASV', 143, 'RETR small.bin', 147, 7, 3000, 226, 158, 'completed'],
    ['1.8', 'PASV', 167, 'APPE appe-base.bin', 171, 8, 0, 451, 173, 'failed'],
    ['1.9', 'PASV', 175, 'STOU', 179, 9, 1200, 226, 186, 'completed'],
    ['1.10', 'PASV', 189, 'STOR resume.bin', 195, 10, 0, 451, 197, 'failed'],
    ['1.11', 'PASV', 201, 'STOR allo.bin', 205, 11, 3000, 226, 216, 'completed'],
  ],
  [PUREFTPD]: [
    ['1.1', 'PASV', 26, 'RETR lf.txt', 30, 1, 6500, 226, 45, 'completed'],
    ['1.2', 'PASV', 48, 'RETR crlf.txt', 52, 2, 3000, 226, 61, 'completed'],
    ['1.3', 'PASV', 66, 'RETR lf.txt', 72, 3, 0, 503, 73, 'failed'],
    ['1.4', 'PASV', 77, 'STOR up-ascii.txt', 81, 4, 3600, 226, 92, 'completed'],
    ['1.5', 'PASV', 111, 'RETR small.bin', 115, 5, 3000, 226, 124, 'completed'],
    ['1.6', 'PASV', 135, 'APPE appe-base.bin', 139, 6, 1000, 226, 146, 'completed'],
    ['1.7', 'PASV', 149, 'STOU', 153, 7, 1200, 226, 160, 'completed'],
    ['1.8', 'PASV', 163, 'STOR resume.bin', 169, 8, 2500, 226, 178, 'completed'],
    ['1.9', 'PASV', 183, 'STOR allo.bin', 187, 9, 3000, 226, 198, 'completed'],
  ],
};

describe('commands, transfers and their bytes as tshark shows them', () => {
  for (const [name, rows] of Object.entries(AS_TSHARK)) {
    it(name, async () => {
      const a = await analyze(name);
      expect(ourRows(a, 1)).toEqual(ftpRows(name, '0'));
      expect(transferRows(a)).toEqual(rows);
      bytesAsTshark(a, name);
    });
  }
});

describe('1. vsftpd (ascii_download_enable, ascii_upload_enable)', () => {
  const name = VSFTPD;
  it('TYPE A moves more bytes than the file (one CR per LF line); the resume in TYPE A is refused, in its own words', async () => {
    const f = facts(name);
    // 100 bare-LF lines: 6400 bytes on disk, 6500 on the wire; SIZE (213 6400, frames 18 and 22) and the 150 count the file.
    expect([f.sizes.lf_txt, f.sizes.lf_txt_wire]).toEqual([6400, 6500]);
    expect(fileFact(name, 'crlf.txt').received_matches).toBe(true); // a CRLF file crosses unchanged
    // The upload: 80 lines sent as CRLF (3600 bytes), stored with LF (3520).
    expect(f.sizes.up_ascii_stored).toBe(3600 - 80);
    // APPE: the server's file grew by the 1000 bytes sent; REST 1500 + STOR: it holds the client's whole file.
    expect([f.appe.size_after, f.appe.server_file_is_old_plus_tail, fileFact(name, 'appe-base.bin').received_matches]).toEqual([2000 + 1000, true, true]);
    expect([f.resume.size_after, f.resume.server_file_is_client_file, fileFact(name, 'resume.bin').received_matches]).toEqual([1500 + 2500, true, true]);
    expect(f.rest_ascii.client_saved).toBe(false);
    const a = await analyze(name);
    expect(params(a)).toEqual([
      ['1.1', 'complete', null, 'A', 'S', null, 6400, 'lf.txt'],
      ['1.2', 'complete', null, 'A', 'S', null, 2950, 'crlf.txt'],
      ['1.3', 'failed', 'server-refused', 'A', 'S', 1000, 6400, 'lf.txt'],
      ['1.4', 'complete', null, 'A', 'S', null, null, 'up-ascii.txt'],
      // TYPE L 8 accepted (200 Switching to Binary mode, frame 109); MODE B/C, STRU R/P refused 504, TYPE E 500.
      ['1.5', 'complete', null, 'L', 'S', null, 3000, 'small.bin'],
      ['1.6', 'complete', null, 'I', 'S', null, null, 'appe-base.bin'],
      // STOU names no file: the server's "150 FILE: STOU.1" (frame 154) does.
      ['1.7', 'complete', null, 'I', 'S', null, null, f.stou.name],
      ['1.8', 'complete', null, 'I', 'S', 1500, null, 'resume.bin'],
      ['1.9', 'complete', null, 'I', 'S', null, null, 'allo.bin'],
    ]);
    expect(await jsonVerdicts(name)).toEqual(params(a).map((r) => r.slice(0, 3)));
    const [diagnose, explain] = await outputs(name, 'diagnose', 'explain');
    // Before: "the file is unavailable: not found, or no permission", "Check the path on the client".
    for (const text of [diagnose, explain]) {
      expect(text).toContain('550 No support for resume of ASCII transfer at frame 73: the server will not resume a transfer in ASCII mode (TYPE A)');
      expect(text).toContain('resume in binary mode (TYPE I) on the client');
      expect(text).not.toMatch(/not found, or no permission|Check the path/);
    }
    expect(diagnose).toContain('1 of 9 transfers diagnosed (8 complete, 1 failed)');
    expect(diagnose).not.toMatch(/Not failures|announced/);
  });

  it('extract saves the wire bytes the client saved, the STOU upload under its reply name', async () => {
    const got = await extractedFiles(name, tmp);
    expect(got['s1-t1-lf.txt']).toBe(fileFact(name, 'lf.txt', 0).received.sha256);
    expect(got['s1-t2-crlf.txt']).toBe(fileFact(name, 'crlf.txt').sha256);
    expect(got['s1-t5-small.bin']).toBe(fileFact(name, 'small.bin').sha256);
    expect(got[`s1-t7-${facts(name).stou.name}`]).toBe(fileFact(name, '').sha256);
    expect(got['s1-t9-allo.bin']).toBe(fileFact(name, 'allo.bin').sha256);
    // APPE and REST + STOR: what the transfer carried (the tail appended, bytes 1500-3999), not the server's whole file.
    expect(got['s1-t6-appe-base.bin']).toBe(fileFact(name, 'appe-base.bin').sha256);
    expect(got['s1-t8-resume.bin']).toBe(fileFact(name, 'resume.bin').sha256);
    expect(Object.keys(got)).not.toContain('s1-t3-lf.txt'); // refused: nothing moved
  });
});

describe('2. proftpd with mod_deflate (MODE Z), AllowStoreRestart off', () => {
  const name = PROFTPD;
  it('MODE Z: 590 bytes on the wire for a 16000-byte file is a whole transfer, not one sent short', async () => {
    const f = facts(name);
    expect([f.sizes.z_txt, f.z.wire_size]).toEqual([16000, 590]);
    expect(fileFact(name, 'z.txt').received_matches).toBe(true); // the client inflated it whole
    // AllowStoreRestart off: the APPE and the resumed STOR moved nothing, the server's files are as before.
    expect([f.appe.size_after, f.resume.size_after]).toEqual([2000, 1500]);
    expect([fileFact(name, 'appe-base.bin').received, fileFact(name, 'resume.bin').received]).toEqual([null, null]);
    expect(fileFact(name, 'z-up.txt').received_matches).toBe(true); // and proftpd inflated the upload
    const a = await analyze(name);
    expect(params(a)).toEqual([
      ['1.1', 'complete', null, 'A', 'S', null, 6400, 'lf.txt'],
      ['1.2', 'complete', null, 'A', 'S', null, 2950, 'crlf.txt'],
      // REST 1000 refused at once (501, frame 71): no transfer command followed.
      ['1.3', 'unused', 'server-refused', null, null, null, null, null],
      ['1.4', 'complete', null, 'A', 'S', null, null, 'up-ascii.txt'],
      ['1.5', 'complete', null, 'I', 'Z', null, 16000, 'z.txt'],
      ['1.6', 'complete', null, 'I', 'Z', null, null, 'z-up.txt'],
      ['1.7', 'complete', null, 'L', 'S', null, 3000, 'small.bin'],
      ['1.8', 'failed', 'server-refused', 'I', 'S', null, null, 'appe-base.bin'],
      ['1.9', 'complete', null, 'I', 'S', null, null, f.stou.name],
      ['1.10', 'failed', 'server-refused', 'I', 'S', 1500, null, 'resume.bin'],
      ['1.11', 'complete', null, 'I', 'S', null, null, 'allo.bin'],
    ]);
    const z = a.sessions[0].transfers[4];
    expect(z.verdict).toMatchObject({ kind: 'completed', bytes: 590, expected: null, missingBytes: 0, sentShort: false, wireMode: 'Z' });
    expect(await jsonVerdicts(name)).toEqual(params(a).map((r) => r.slice(0, 3)));
    const [summary, diagnose, explain] = await outputs(name, 'summary', 'diagnose', 'explain');
    // Before: "complete, 590 of 16,000 B announced" and "the file changed on the server while it was sent".
    expect(summary).toMatch(/1\.5 passive RETR z\.txt \S+ 590 226 complete /);
    for (const text of [summary, diagnose, explain]) expect(text).not.toMatch(/of 16,000|changed on the server/);
    expect(explain).toContain('transfer 5 completed: 590 bytes, all in the capture (226, frame 110): sent in MODE Z, so they are the deflate-compressed stream');
    expect(diagnose).toContain('3 of 11 transfers diagnosed (8 complete, 1 unused, 2 failed)');
    const page = await reportPage(name, tmp);
    expect(page).toContain('sent in MODE Z, so they are the deflate-compressed stream');
    expect(page).not.toMatch(/590 of 16,000|changed on the server/);
  });

  it('refused resumes and appends say so, with the setting that allows them (not "local error", not "check the name")', async () => {
    const [diagnose, explain] = await outputs(name, 'diagnose', 'explain');
    for (const text of [diagnose, explain]) {
      expect(text).toContain('501 REST: Resuming transfers not allowed in ASCII mode at frame 71: the server will not resume a transfer in ASCII mode');
      expect(text).toContain('451 appe-base.bin: Append/Restart not permitted, try again at frame 173: the server does not permit appending to a file or starting a transfer at an offset');
      expect(text).toContain('451 resume.bin: Append/Restart not permitted, try again at frame 197');
      expect(text).toContain('allow it on the server (proftpd: AllowStoreRestart on)');
      expect(text).not.toMatch(/hit a local error|check the name or address/);
    }
  });

  it('extract saves the deflate stream as on the wire and says so; inflated, it is the file', async () => {
    const got = await extractedFiles(name, tmp);
    const saved = readFileSync(join(tmp, name, 's1-t5-z.txt'));
    expect(got['s1-t5-z.txt']).toBe(facts(name).z.wire_sha256);
    expect(sha(inflateSync(saved))).toBe(fileFact(name, 'z.txt').sha256);
    expect(sha(inflateSync(readFileSync(join(tmp, name, 's1-t6-z-up.txt'))))).toBe(fileFact(name, 'z-up.txt').sha256);
    const m = JSON.parse(readFileSync(join(tmp, name, 'manifest.json'), 'utf8'));
    const o = m.objects.find((x: any) => x.transfer === 5);
    expect(o).toMatchObject({ bytes: 590, transferMode: 'Z', verdict: 'complete' });
    expect(o.notes.join(' ')).toMatch(/MODE Z: the saved bytes are the deflate \(zlib\) stream as on the wire, not the file/);
    expect(o.notes.join(' ')).not.toMatch(/announced/);
    expect(m.objects.find((x: any) => x.transfer === 1).transferMode).toBeUndefined();
    expect(got[`s1-t9-${facts(name).stou.name}`]).toBe(fileFact(name, '').sha256);
  });
});

describe('3. pure-ftpd', () => {
  const name = PUREFTPD;
  it('a CRLF file arrives 50 bytes longer (CR CR LF) and is still whole; the ASCII resume is refused in its own words', async () => {
    const f = facts(name);
    expect(fileFact(name, 'crlf.txt').received.size).toBe(f.sizes.crlf_txt + 50);
    const a = await analyze(name);
    expect(params(a).map((r) => r.slice(0, 3))).toEqual([
      ['1.1', 'complete', null],
      ['1.2', 'complete', null],
      ['1.3', 'failed', 'server-refused'],
      ['1.4', 'complete', null],
      ['1.5', 'complete', null],
      ['1.6', 'complete', null],
      ['1.7', 'complete', null],
      ['1.8', 'complete', null],
      ['1.9', 'complete', null],
    ]);
    expect(a.sessions[0].transfers[6].request!.path).toBe(f.stou.name);
    expect(await jsonVerdicts(name)).toEqual(params(a).map((r) => r.slice(0, 3)));
    const [diagnose] = await outputs(name, 'diagnose');
    // Before: "the commands came in the wrong order".
    expect(diagnose).toContain('503 ASCII resume is unsafe, please delete the file first at frame 73: the server will not resume a transfer in ASCII mode');
    expect(diagnose).not.toMatch(/wrong order|Not failures/);
    const got = await extractedFiles(name, tmp);
    expect(got['s1-t2-crlf.txt']).toBe(fileFact(name, 'crlf.txt').received.sha256);
    expect(got[`s1-t7-${f.stou.name}`]).toBe(fileFact(name, '').sha256);
  });
});

describe('every output: the healthy transfers get no diagnosis, the refusals the same cause', () => {
  for (const name of [VSFTPD, PROFTPD, PUREFTPD]) {
    it(name, async () => {
      const a = await analyze(name);
      const refused = a.sessions[0].transfers.filter((t) => t.diagnosis !== null).map((t) => t.id);
      // ftpcap_data.log: [transfer, verdict, detail, cause] per data connection.
      const logs = (await runCli(['logs', path(name)])).stdout;
      const rows = logs
        .split('\n')
        .filter((l) => l.includes('\tftp-data\t'))
        .map((l) => l.split('\t'))
        .map((f) => [Number(f[15]), f[19], f[20], f[21]]);
      expect(rows).toEqual(a.sessions[0].transfers.map((t) => [t.id, t.verdict.kind, '-', t.diagnosis?.cause ?? '-']));
      expect(rows.filter((r) => r[3] === 'server-refused').map((r) => r[0])).toEqual(refused);
      const [timeline] = await outputs(name, 'timeline');
      for (const id of refused) expect(timeline).toMatch(new RegExp(`Transfer ${id} (failed|unused): the server refused the command`));
      expect(timeline).not.toMatch(/announced|changed on the server/);
    });
  }
});
