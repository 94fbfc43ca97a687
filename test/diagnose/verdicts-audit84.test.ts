/**
 * The eighty-fourth verdict audit, on real recordings (fixtures/record.sh, "Eighty-fourth verdict
 * audit"): ABOR on the servers that had no ABOR fixture — pyftpdlib 1.5.7, inetutils-ftpd 2.4 and
 * busybox ftpd — with Python's ftplib abort() (ABOR sent with MSG_OOB), curl -r byte ranges (curl
 * sends ABOR once it has its range) and lftp killed mid-upload.
 *
 * The servers' ways, as recorded:
 * - pyftpdlib reads ABOR during a transfer: 426 Transfer aborted via ABOR, then 226 ABOR command
 *   successful; an ABOR after the transfer's 226 gets 225 No transfer to abort; an ABOR after a STOR's
 *   150 with no byte sent yet, or after PASV alone, gets 225 "data channel closed" and the STOR no
 *   final reply at all.
 * - inetutils-ftpd reads the urgent ABOR (SIGURG): 426 Transfer aborted. Data connection closed, then
 *   226 Abort successful; after a finished transfer: 225.
 * - busybox ftpd implements no ABOR (500 Unknown command) and reads no command during a transfer: a
 *   download ends when its write fails (451 Error, after the client's reset of the data connection),
 *   an upload at the client's close, answered 226 though the client had sent ABOR first.
 *
 * Every transfer verdict was right before this audit (aborted by the client with the bytes that
 * moved; complete for a download read to its end before the ABOR). Four faults found and fixed (and one piece of advice):
 * - a84-abor-early226-pyftpdlib-python: pyftpdlib says 226 once its last byte is queued; the client,
 *   4 KiB read, sent ABOR (225) and then reset the data connection, 10112 of 20000 bytes through.
 *   The transfer was aborted, yet transfers and explain called its ABOR a no-op ("the data still came
 *   whole and the server said 226: nothing was aborted"): an ABOR after the final reply was kept as
 *   housekeeping. The client's ABOR before its own reset of a transfer it cut short is its abort
 *   (verdict.ts abortAfterOwnReset, which took only a reset before the reply).
 * - a84-abor-*pyftpdlib-python: LIST big (3000 names) aborted after 13336 bytes, cut mid-line; the
 *   listing's entries (transfers --json) ended with a file named "entry-number-" that does not exist.
 *   A listing stopped part-way (its ABOR, a reset of its data connection) now leaves its last line
 *   without a newline unparsed, as a listing cut by the byte bound does (listing-collector.ts). The
 *   same fault on abor-list-vsftpd-python ("report-0297-with-a-fairl") and abor-nlst-proftpd-python
 *   ("many/report-1178-with-a-fairly-long-na"); no other listing fixture changes.
 * - a84-range-killed-busybox-curl-lftp: lftp's AUTH TLS was answered 530 (busybox, before login), lftp
 *   logged in in clear and sent PROT P (500), then its STOR. summary said "the client went on in clear
 *   text (no failure …) [prot-refused]" and diagnose gave the session the cause prot-refused: PROT
 *   means nothing without TLS (RFC 4217), the refusal said no more than the AUTH's, no failure
 *   (diagnose/checks/ftps.ts checkProtRefused).
 * - explain said "the client had not acknowledged 4608 of the bytes sent when the reset came (frame
 *   58)" where diagnose said "the client's reset acknowledged every one of them": both true, read as
 *   a contradiction. explain now says the receiver's own reset acknowledged them all (render/explain.ts,
 *   the model's RstSeen.acksAll).
 *
 * - a84-abor-edges-*: an upload the client aborted before sending any byte (its empty data
 *   connection in the capture) was advised "the server may keep the part that arrived: resume it";
 *   now "send the file again" (diagnose/checks/transfer.ts).
 *
 * Frames are tshark's (NAME.tshark-*.tsv), sizes and contents the recorder's (NAME.facts.json).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { analyze, extractedFiles, facts, flagged, flat, ftpRows, jsonVerdicts, outputs, transfer, transferRows } from './audit-fixtures.js';

const tmp = mkdtempSync(join(tmpdir(), 'ftpcap-audit84-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** tshark's transfer commands, ABORs and their replies on one control connection (login, PASV, TYPE, QUIT left out). */
const aborRows = (name: string, stream: string): Array<[number, string]> =>
  ftpRows(name, stream).filter(([, x]) => /^(RETR|STOR|APPE|LIST|ABOR|REST|1\d\d|225|226|4\d\d|500)$/.test(x));

describe('eighty-fourth audit: pyftpdlib, ABOR read during the transfer (426, then 226)', () => {
  for (const name of ['a84-abor-pyftpdlib-python', 'a84-abor-server-side-pyftpdlib-python']) {
    it(`${name}: RETR, STOR and LIST aborted by the client with the bytes that moved; the RETR whose ABOR came after its data complete`, async () => {
      expect(aborRows(name, '0')).toEqual([[20, 'RETR'], [21, '150'], [54, 'ABOR'], [55, '426'], [56, '226']]);
      expect(aborRows(name, '2')).toEqual([[81, 'STOR'], [82, '150'], [108, 'ABOR'], [110, '426'], [114, '226']]);
      expect(aborRows(name, '4')).toEqual([[139, 'LIST'], [140, '150'], [157, 'ABOR'], [158, '426'], [160, '226']]);
      expect(aborRows(name, '6')).toEqual([[184, 'RETR'], [185, '150'], [191, 'ABOR'], [192, '226'], [193, '225']]);
      const a = await analyze(name);
      expect(transferRows(a, (t) => [t.abortFrame, t.lateAbortFrame ?? null, t.diagnosis?.cause ?? null])).toEqual([
        ['1.1', 'PASV', 16, 'RETR a84-retr.bin', 20, 1, 30848, 426, 55, 'aborted', 54, null, 'aborted'],
        ['2.1', 'PASV', 77, 'STOR a84-up.bin', 81, 3, 16384, 426, 110, 'aborted', 108, null, 'aborted'],
        ['3.1', 'PASV', 135, 'LIST big', 139, 5, 13336, 426, 158, 'aborted', 157, null, 'aborted'],
        ['4.1', 'PASV', 180, 'RETR hello.txt', 184, 7, 511, 226, 192, 'completed', null, 191, null],
      ]);
      // The ABOR's own replies are paired with it: 226 after the 426, and 225 after a finished transfer.
      const abors = a.sessions.map((s) => s.commands.filter((c) => c.command === 'ABOR').map((c) => [c.frame, c.reply?.code, c.reply?.frame]));
      expect(abors).toEqual([[[54, 226, 56]], [[108, 226, 114]], [[157, 226, 160]], [[191, 225, 193]]]);
      expect(await jsonVerdicts(name)).toEqual([['1.1', 'aborted', 'aborted'], ['2.1', 'aborted', 'aborted'], ['3.1', 'aborted', 'aborted'], ['4.1', 'completed', null]]);
    });
  }
  it('the server kept the 16384 bytes the client sent (server.stored_bytes), and extract saves exactly them', async () => {
    const name = 'a84-abor-pyftpdlib-python';
    const f = facts(name);
    expect([f.server.stored_bytes, f.files[1].size, f.files[1].received.size]).toEqual([16384, 200000, 16384]);
    const saved = await extractedFiles(name, tmp);
    expect(saved['s2-t1-a84-up.bin']).toBe(f.server.stored_sha256);
    expect(saved['s4-t1-hello.txt']).toBe(f.files[2].sha256);
    const [logs] = await outputs(name, 'logs');
    expect(logs).toContain(' passive STOR a84-up.bin aborted by-client aborted ');
    expect(logs).toContain(' passive RETR hello.txt completed - - ');
  });
  for (const name of ['a84-abor-pyftpdlib-python', 'a84-abor-server-side-pyftpdlib-python']) {
    it(`${name}: the aborted LIST's entries are the directory's first 134 names; its last line, cut mid-name, is no entry (before: a file "entry-number-")`, async () => {
      const t = transfer(await analyze(name), '3.1');
      const names = Array.from({ length: 134 }, (_, i) => `entry-number-${String(i + 1).padStart(4, '0')}-of-a-big-directory.dat`);
      expect(t.listing!.entries.map((e) => [e.name, e.type, e.size])).toEqual(names.map((n) => [n, 'file', 0]));
      expect(t.listing).toMatchObject({ format: 'unix', bytes: 13336, unparsed: 1, gapBytes: 0, cut: null });
    });
  }
  it('the same on the older aborted listings: vsftpd\'s LIST and proftpd\'s NLST no longer end in a truncated name (before: "report-0297-with-a-fairl", "many/report-1178-with-a-fairly-long-na")', async () => {
    const last = async (name: string): Promise<unknown[]> => {
      const l = transfer(await analyze(name), '1.1').listing!;
      return [l.entries.length, l.unparsed, l.entries.at(-1)!.name];
    };
    expect(await last('abor-list-vsftpd-python')).toEqual([296, 1, 'report-0296-with-a-fairly-long-name.txt']);
    expect(await last('abor-nlst-proftpd-python')).toEqual([663, 1, 'many/report-1357-with-a-fairly-long-name.txt']);
  });
  it('explain and diagnose agree on the client\'s reset: it acknowledged every byte sent (before: "had not acknowledged 4608 … when the reset came")', async () => {
    const [explain, diagnose] = await outputs('a84-abor-pyftpdlib-python', 'explain', 'diagnose');
    expect(diagnose).toContain("30848 bytes had been sent; the client's reset acknowledged every one of them");
    expect(explain).toContain('the client had not acknowledged 4608 of the bytes sent before its own reset (frame 58), which acknowledged them all.');
    expect(explain).not.toContain('had not acknowledged 4608 of the bytes sent when the reset came');
  });
});

describe('eighty-fourth audit: inetutils-ftpd, the urgent ABOR caught during the transfer', () => {
  const name = 'a84-abor-inetutils-python';
  it('RETR and STOR aborted by the client (426, then 226 Abort successful); the RETR read to its end before the ABOR complete (226, then 225)', async () => {
    expect(aborRows(name, '0')).toEqual([[23, 'RETR'], [24, '150'], [53, 'ABOR'], [54, '426'], [57, '226']]);
    expect(aborRows(name, '2')).toEqual([[85, 'STOR'], [86, '150'], [112, 'ABOR'], [113, '426'], [115, '226']]);
    expect(aborRows(name, '4')).toEqual([[146, 'RETR'], [147, '150'], [153, 'ABOR'], [154, '226'], [156, '225']]);
    const a = await analyze(name);
    expect(transferRows(a, (t) => [t.abortFrame, t.lateAbortFrame ?? null])).toEqual([
      ['1.1', 'PASV', 19, 'RETR a84-retr.bin', 23, 1, 26576, 426, 54, 'aborted', 53, null],
      ['2.1', 'PASV', 81, 'STOR a84-up.bin', 85, 3, 16384, 426, 113, 'aborted', 112, null],
      ['3.1', 'PASV', 142, 'RETR hello.txt', 146, 5, 511, 226, 154, 'completed', null, 153],
    ]);
    expect(facts(name).server.stored_bytes).toBe(16384);
    const [transfers] = await outputs(name, 'transfers');
    expect(transfers).toContain('aborted by the client after 26,576 of 300,000 bytes (426, frame 54)');
    expect(transfers).toContain('no-op ABOR frame 153; the data still came whole and the server said 226: nothing was aborted');
  });
});

describe('eighty-fourth audit: busybox ftpd, no ABOR at all (500), no command read during a transfer', () => {
  for (const name of ['a84-abor-busybox-python', 'a84-abor-server-side-busybox-python']) {
    it(`${name}: the RETR aborted by the client (its ABOR, its reset; busybox's 451 after the reset), the STOR aborted though busybox said 226, the finished RETR complete`, async () => {
      expect(aborRows(name, '0')).toEqual([[20, 'RETR'], [21, '150'], [54, 'ABOR'], [76, '451'], [77, '500']]);
      expect(aborRows(name, '2')).toEqual([[97, 'STOR'], [98, '150'], [124, 'ABOR'], [131, '226'], [133, '500']]);
      expect(aborRows(name, '4')).toEqual([[157, 'RETR'], [158, '150'], [162, '226'], [166, 'ABOR'], [167, '500']]);
      const a = await analyze(name);
      expect(transferRows(a, (t) => [t.abortFrame, t.lateAbortFrame ?? null, t.connection?.rst?.frame ?? null])).toEqual([
        ['1.1', 'PASV', 16, 'RETR a84-retr.bin', 20, 1, 34688, 451, 76, 'aborted', 54, null, 73],
        ['2.1', 'PASV', 93, 'STOR a84-up.bin', 97, 3, 16384, 226, 131, 'aborted', 124, null, null],
        ['3.1', 'PASV', 153, 'RETR hello.txt', 157, 5, 511, 226, 162, 'completed', null, 166, null],
      ]);
      const d = flat(transfer(a, '1.1').diagnosis!.summary);
      expect(d).toContain('The server did not take it as ABOR: it answered 500 Unknown command (frame 77).');
      expect(d).toContain('The server replied 451 Error (frame 76): its own error writing to the data connection the client had reset, not a second cause.');
    });
  }
  it('the server kept the 16384 bytes sent before the ABOR (its log: the 226, then 500 to the ABOR)', () => {
    const f = facts('a84-abor-busybox-python');
    expect(f.server.stored_bytes).toBe(16384);
    expect(f.server.log).toContain('ftpd[28469]: STOR a84-up.bin|ftpd[28469]: 150 Ok to send data|ftpd[28469]: 226 Operation successful|ftpd[28469]: ABOR|ftpd[28469]: 500 Unknown command');
  });
});

describe('eighty-fourth audit: ABOR mid-LIST and mid-APPE (onto 1000 bytes already on the server)', () => {
  it('busybox: the LIST aborted (the client\'s reset ends busybox\'s process: no reply, its control connection reset); the APPE aborted though busybox said 226', async () => {
    const name = 'a84-abor-list-appe-busybox-python';
    expect(aborRows(name, '0')).toEqual([[20, 'LIST'], [21, '150'], [81, 'ABOR']]);
    expect(aborRows(name, '2')).toEqual([[111, 'APPE'], [112, '150'], [138, 'ABOR'], [145, '226'], [147, '500']]);
    const a = await analyze(name);
    expect(transferRows(a, (t) => [t.abortFrame, t.connection?.rst?.frame ?? null])).toEqual([
      ['1.1', 'PASV', 16, 'LIST big', 20, 1, 18835, null, null, 'aborted', 81, 92],
      ['2.1', 'PASV', 107, 'APPE a84-up.bin', 111, 3, 16384, 226, 145, 'aborted', 138, null],
    ]);
    expect(a.sessions[0].closedBy).toMatchObject({ by: 'server', frame: 93 });
    expect(facts(name).server.stored_bytes).toBe(1000 + 16384);
    expect(facts(name).server.log).toContain('ftpd[5649]: 150 Directory listing|ftpd[5649]: short write: Connection reset by peer|tcpsvd: end 5649 exit 1');
    const l = transfer(a, '1.1').listing!;
    expect([l.entries.length, l.unparsed, l.entries.at(-1)!.name]).toEqual([190, 1, 'entry-number-0190-of-a-big-directory.dat']);
  });
  it('inetutils-ftpd: both aborted (426, then 226 Abort successful); its listing repeats 43 names on the wire (the server\'s own output, parsed as sent)', async () => {
    const name = 'a84-abor-list-appe-inetutils-python';
    expect(aborRows(name, '0')).toEqual([[23, 'LIST'], [24, '150'], [48, 'ABOR'], [52, '426'], [57, '226']]);
    expect(aborRows(name, '2')).toEqual([[87, 'APPE'], [88, '150'], [114, 'ABOR'], [115, '426'], [118, '226']]);
    const a = await analyze(name);
    expect(transferRows(a, (t) => [t.abortFrame])).toEqual([
      ['1.1', 'PASV', 19, 'LIST big', 23, 1, 28672, 426, 52, 'aborted', 48],
      ['2.1', 'PASV', 83, 'APPE a84-up.bin', 87, 3, 16384, 426, 115, 'aborted', 114],
    ]);
    expect(facts(name).server.stored_bytes).toBe(1000 + 16384);
    const names = transfer(a, '1.1').listing!.entries.map((e) => e.name);
    expect([names.length, new Set(names).size, names.at(-1)]).toEqual([307, 264, 'entry-number-0264-of-a-big-directory.dat']);
  });
});

describe('eighty-fourth audit: active mode (PORT: the server opens each data connection)', () => {
  it('pyftpdlib: RETR and STOR aborted by the client (426, 226); the RETR read to its end before the ABOR complete (226, then 225)', async () => {
    const name = 'a84-abor-active-pyftpdlib-python';
    expect(aborRows(name, '0')).toEqual([[20, 'RETR'], [21, '125'], [53, 'ABOR'], [54, '426'], [55, '226']]);
    expect(aborRows(name, '4')).toEqual([[138, 'RETR'], [139, '125'], [145, 'ABOR'], [146, '226'], [147, '225']]);
    expect(transferRows(await analyze(name), (t) => [t.abortFrame, t.lateAbortFrame ?? null, t.connection?.initiator])).toEqual([
      ['1.1', 'PORT', 15, 'RETR a84-retr.bin', 20, 1, 29512, 426, 54, 'aborted', 53, null, 'server'],
      ['2.1', 'PORT', 75, 'STOR a84-up.bin', 80, 3, 16384, 426, 109, 'aborted', 107, null, 'server'],
      ['3.1', 'PORT', 133, 'RETR hello.txt', 138, 5, 511, 226, 146, 'completed', null, 145, 'server'],
    ]);
    expect(facts(name).server.stored_bytes).toBe(16384);
  });
  it('busybox: the RETR aborted (451 after the client\'s reset, 500 to the ABOR), the STOR aborted though busybox said 226, the finished RETR complete', async () => {
    const name = 'a84-abor-active-busybox-python';
    expect(aborRows(name, '2')).toEqual([[97, 'STOR'], [101, '150'], [127, 'ABOR'], [134, '226'], [136, '500']]);
    expect(transferRows(await analyze(name), (t) => [t.abortFrame, t.lateAbortFrame ?? null])).toEqual([
      ['1.1', 'PORT', 15, 'RETR a84-retr.bin', 17, 1, 35016, 451, 76, 'aborted', 53, null],
      ['2.1', 'PORT', 95, 'STOR a84-up.bin', 97, 3, 16384, 226, 134, 'aborted', 127, null],
      ['3.1', 'PORT', 155, 'RETR hello.txt', 157, 5, 511, 226, 165, 'completed', null, 169],
    ]);
    expect(facts(name).server.stored_bytes).toBe(16384);
  });
});

describe('eighty-fourth audit: pyftpdlib\'s 226 once its last byte is queued, the client\'s ABOR and reset after it', () => {
  const name = 'a84-abor-early226-pyftpdlib-python';
  it('the server logged both files sent whole (completed=1) and said 226 before the ABOR (225 to it); the client reset each data connection after 10112 of 20000 and 7424 of 60000 bytes', () => {
    expect(aborRows(name, '0')).toEqual([[20, 'RETR'], [21, '125'], [33, '226'], [34, 'ABOR'], [36, '225']]);
    expect(aborRows(name, '2')).toEqual([[60, 'RETR'], [61, '150'], [71, '226'], [72, 'ABOR'], [74, '225']]);
    expect(flagged(name, '0x0014', '50008')).toEqual([35]);
    expect(facts(name).server.log).toContain('a84-20k.bin completed=1 bytes=20000');
    expect(facts(name).files.map((f: { size: number; received: { size: number } }) => [f.size, f.received.size])).toEqual([[20000, 6992], [60000, 4096]]);
  });
  it('aborted by the client, its ABOR (sent before its reset, the data still coming) the abort, not a no-op (before: "no-op ABOR … the data still came whole … nothing was aborted")', async () => {
    const a = await analyze(name);
    expect(transferRows(a, (t) => [t.abortFrame, t.lateAbortFrame ?? null, t.connection?.rst?.frame])).toEqual([
      ['1.1', 'PASV', 16, 'RETR a84-20k.bin', 20, 1, 10112, 226, 33, 'aborted', 34, null, 35],
      ['2.1', 'PASV', 56, 'RETR a84-60k.bin', 60, 3, 7424, 226, 71, 'aborted', 72, null, 73],
    ]);
    const [transfers, explain, diagnose] = await outputs(name, 'transfers', 'explain', 'diagnose');
    expect(transfers).not.toContain('no-op ABOR');
    expect(explain).not.toContain('nothing is aborted');
    expect(explain).toContain('The client aborts it: ABOR (frame 34) → 225 No transfer to abort. (frame 36).');
    expect(diagnose).toContain('The server replied 226 Transfer complete (frame 33). The client then sent ABOR at frame 34, after that reply. The client reset the data connection at frame 35.');
  });
});

describe('eighty-fourth audit: the edges of ABOR (at once after the 150, and after PASV alone)', () => {
  it('pyftpdlib: the RETR aborted after the 7424 bytes its buffers took; the STOR aborted after 0 bytes with no final reply (its ABOR answered 225); PASV alone unused', async () => {
    const name = 'a84-abor-edges-pyftpdlib-python';
    expect(aborRows(name, '2')).toEqual([[57, 'STOR'], [58, '150'], [60, 'ABOR'], [62, '225']]);
    expect(aborRows(name, '4')).toEqual([[88, 'ABOR'], [90, '225']]);
    const a = await analyze(name);
    expect(transferRows(a, (t) => [t.abortFrame])).toEqual([
      ['1.1', 'PASV', 16, 'RETR a84-retr.bin', 20, 1, 7424, 426, 31, 'aborted', 30],
      ['2.1', 'PASV', 53, 'STOR a84-up.bin', 57, 3, 0, null, null, 'aborted', 60],
      ['3.1', 'PASV', 83, null, null, 5, 0, null, null, 'unused', null],
    ]);
    expect([facts(name).server.stored_bytes, facts(name).client.saved]).toEqual([0, 'a84-retr.bin 0 bytes']);
    expect(transfer(a, '3.1').diagnosis).toBeNull();
    // Its empty data connection is in the capture: nothing to resume (before: "The server may keep the part that arrived: resume it").
    expect(transfer(a, '2.1').diagnosis!.advice).toBe('The client asked to stop (ABOR) its upload before sending any byte: a user interrupt or a client-side timeout — not a network refusal. Send the file again.');
    // An FXP copy's upload, its data connection between the servers not in the capture: how much moved is not known.
    expect(transfer(await analyze('a68-fxp-data-timeout-client-side-vsftpd-pyftpdlib-lftp'), '1.1').diagnosis!.advice).toContain('The server may keep the part that arrived');
  });
  it('inetutils-ftpd: both aborted (426 then 226, even for the upload with 0 bytes); PASV alone unused (225)', async () => {
    const name = 'a84-abor-edges-inetutils-python';
    const a = await analyze(name);
    expect(transferRows(a, (t) => [t.abortFrame])).toEqual([
      ['1.1', 'PASV', 19, 'RETR a84-retr.bin', 23, 1, 10320, 426, 37, 'aborted', 36],
      ['2.1', 'PASV', 64, 'STOR a84-up.bin', 68, 3, 0, 426, 72, 'aborted', 71],
      ['3.1', 'PASV', 101, null, null, 5, 0, null, null, 'unused', null],
    ]);
    expect(aborRows(name, '4')).toEqual([[106, 'ABOR'], [107, '225']]);
  });
});

describe('eighty-fourth audit: curl -r ranges and lftp killed mid-upload', () => {
  for (const [name, code] of [['a84-range-killed-pyftpdlib-curl-lftp', 426], ['a84-range-killed-busybox-curl-lftp', 451]] as const) {
    it(`${name}: both ranges aborted by the client (curl kept its 10000 bytes); the killed upload unknown (the server's 226 came after the client was gone)`, async () => {
      const f = facts(name);
      expect([f.client.range0_matches, f.client.range100k_matches, f.client.saved]).toEqual(['true', 'true', 'a84-first10k.bin 10000 bytes; a84-range.bin 10000 bytes']);
      const a = await analyze(name);
      expect(a.sessions.flatMap((s) => s.transfers.map((t) => [`${s.id}.${t.id}`, t.bytes, t.reply?.code, t.verdict.kind]))).toEqual([
        ['1.1', 15616, code, 'aborted'],
        ['2.1', 15616, code, 'aborted'],
        ['3.1', f.server.stored_bytes, 226, 'unknown'],
      ]);
      expect(transfer(a, '2.1').restOffset).toBe(100000);
      expect(f.client.exit_status).toBe(0);
      expect(f.client.output).toContain('lftp put exit 137 (SIGKILL 2 s in)');
    });
  }
  it('busybox: AUTH TLS answered 530 before login, lftp went on in clear with PROT P (500): no failure, no prot-refused diagnosis (before: "(no failure …) [prot-refused]")', async () => {
    const name = 'a84-range-killed-busybox-curl-lftp';
    expect(ftpRows(name, '4').filter(([, x]) => /^(AUTH|PROT|530|500|STOR)$/.test(x))).toEqual([[108, '530'], [109, 'AUTH'], [110, '530'], [122, 'PROT'], [123, '500'], [131, 'STOR']]);
    const a = await analyze(name);
    expect(a.sessions[2].tlsRefusal).toMatchObject({ command: 109, code: 530, reply: 110, gaveUp: false });
    expect(a.sessions[2].diagnosis).toBeNull();
    const [summary, diagnose] = await outputs(name, 'summary', 'diagnose');
    expect(summary).toContain('the client went on in clear text (no failure: its commands, password and files crossed unencrypted).');
    expect(summary).not.toContain('prot-refused');
    expect(diagnose).not.toContain('PROT P');
  });
});
