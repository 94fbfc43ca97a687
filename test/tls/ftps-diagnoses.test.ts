/**
 * The FTPS failures, each on the fixture that recorded it for real, diagnosed with the key log and
 * without it (when the capture shows enough without keys; see each case).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyzeFiles } from '../../src/analysis/pipeline.js';
import { tlsClosing } from '../../src/tls/close-notify.js';
import { TlsKeyLog } from '../../src/tls/keylog.js';

const FIX = join(__dirname, '../../fixtures');

async function analyze(name: string, withKeys: boolean) {
  let tlsKeyLog: TlsKeyLog | undefined;
  if (withKeys) {
    tlsKeyLog = new TlsKeyLog();
    tlsKeyLog.addText(readFileSync(join(FIX, `${name}.keys`), 'latin1'));
  }
  return analyzeFiles([join(FIX, `${name}.pcap`)], { fileName: name, thread: false, ...(tlsKeyLog ? { tlsKeyLog } : {}) });
}

describe('FTPS diagnoses on recorded fixtures', () => {
  it('522 session reuse required (ftplib without session reuse, vsftpd require_ssl_reuse=YES)', async () => {
    const keyed = await analyze('ftps-reuse-required-vsftpd-python', true);
    const t = keyed.sessions[0].transfers[0];
    expect(t.request?.command).toBe('RETR');
    expect(t.reply?.code).toBe(522);
    expect(t.diagnosis?.cause).toBe('tls-session-not-reused');
    expect(t.diagnosis?.evidence).toEqual(expect.arrayContaining([t.connection!.tls!.clientHelloFrame!, t.reply!.frame]));
    expect(t.connection?.tls?.resumed).toBeNull();
    // Without keys: the data handshake shows no resumption of the control session.
    const plain = await analyze('ftps-reuse-required-vsftpd-python', false);
    expect(plain.sessions[0].diagnosis?.cause).toBe('tls-session-not-reused');
    expect(plain.sessions[0].diagnosis?.summary).toMatch(/probably/);
    // ... and its inferred transfer says the same, not "probably a transfer": stream 1, ClientHello at frame 38.
    const inferred = plain.sessions[0].transfers[0];
    expect([inferred.inferred, inferred.status, inferred.verdict.kind, inferred.diagnosis?.cause, inferred.connection?.stream]).toEqual([
      'tls-hidden',
      'incomplete',
      'unknown',
      'tls-session-not-reused',
      1,
    ]);
    expect(inferred.verdict).toMatchObject({ why: 'tls-hidden', cause: 'tls-session-not-reused' });
    expect(inferred.diagnosis?.summary).toContain('began a new TLS session (ClientHello at frame 38, a full handshake)');
  });

  it('a data connection that resumed the control session is not diagnosed (curl, session id; lftp, PSK)', async () => {
    for (const name of ['ftps-reuse-tls12-vsftpd-curl', 'tls-data-vsftpd-lftp']) {
      for (const keys of [true, false]) {
        const a = await analyze(name, keys);
        expect(a.sessions[0].diagnosis?.cause ?? null, `${name} keys=${keys}`).not.toBe('tls-session-not-reused');
        const conns = keys ? a.sessions[0].transfers.map((t) => t.connection?.tls) : a.sessions[0].otherConnections.map((c) => c.tls);
        for (const tls of conns) {
          expect(tls?.resumed).not.toBeNull();
          // A TLS 1.3 ticket is sent encrypted: which session a PSK resumes is known only with keys.
          if (keys || tls?.version !== 'TLS 1.3') expect(tls?.resumedFrom).toBe(a.sessions[0].stream);
          else expect(tls?.resumedFrom).toBeNull();
        }
      }
    }
  });

  it('certificate refused by the client: a fatal unknown_ca alert, with the certificate named', async () => {
    const a = await analyze('ftps-cert-rejected-vsftpd-curl', false);
    const d = a.sessions[0].diagnosis!;
    expect(d.cause).toBe('tls-handshake-failed');
    expect(d.summary).toMatch(/unknown_ca alert from the TLS client/);
    expect(d.summary).toMatch(/CN=ftp\.example\.test/);
    expect(d.advice).toMatch(/certificate/);
  });

  it('no cipher suite in common: handshake_failure from the server', async () => {
    const a = await analyze('ftps-no-shared-cipher-vsftpd-curl', false);
    expect(a.sessions[0].diagnosis?.cause).toBe('tls-handshake-failed');
    expect(a.sessions[0].diagnosis?.summary).toMatch(/handshake_failure alert from the TLS server/);
    expect(a.sessions[0].diagnosis?.advice).toMatch(/cipher/);
  });

  it('PROT P refused (proftpd TLSRequired ctrl+!data): with keys, both sessions; without keys it is inside TLS', async () => {
    const keyed = await analyze('ftps-prot-refused-proftpd-curl', true);
    expect(keyed.sessions.map((s) => s.diagnosis?.cause)).toEqual(['prot-refused', 'prot-refused']);
    expect(keyed.sessions[0].diagnosis?.summary).toMatch(/534/);
    expect(keyed.sessions[0].diagnosis?.summary).toMatch(/stopped without a transfer/);
    expect(keyed.sessions[1].diagnosis?.summary).toMatch(/clear-text data connections/);
    // Without keys the PROT P and its 534 are encrypted: the session is tls-hidden (not a guess at a cause).
    const plain = await analyze('ftps-prot-refused-proftpd-curl', false);
    expect(plain.sessions[0].diagnosis?.cause).toBe('tls-hidden');
    // What TLS cannot hide: session 2's data connection (stream 2, 511 bytes) carried no TLS record.
    expect(plain.sessions[1].diagnosis?.cause).toBe('tls-hidden');
    expect(plain.sessions[1].diagnosis?.summary).toContain(
      'stream 2 carried clear text, not TLS records: what it moved crossed the network unencrypted (the server refused PROT P, or the client asked for clear data connections: PROT C or none).',
    );
    expect(plain.sessions[0].diagnosis?.summary).not.toContain('clear text, not TLS');
  });

  it('a TLS alert on the data channel (data connections limited to TLS 1.2, proftpd TLS 1.3 only)', async () => {
    const keyed = await analyze('ftps-data-alert-proftpd-python', true);
    const t = keyed.sessions[0].transfers[0];
    expect(t.request?.command).toBe('RETR');
    expect(t.diagnosis?.cause).toBe('tls-handshake-failed');
    expect(t.diagnosis?.summary).toMatch(/fatal protocol_version alert from the TLS server/);
    expect(t.diagnosis?.summary).toMatch(/425/);
    // The handshake never finished: its 7-byte alert record and 162 bytes of ClientHello are no data.
    expect([t.connection?.bytesToClient, t.connection?.bytesToServer, t.connection?.tls?.decryption, t.bytes]).toEqual([7, 162, 'none', 0]);
    const plain = await analyze('ftps-data-alert-proftpd-python', false);
    expect(plain.sessions[0].diagnosis?.cause).toBe('tls-handshake-failed');
    // The inferred transfer says what the session says: failed, for the same cause, no data moved.
    const inferred = plain.sessions[0].transfers[0];
    expect([inferred.inferred, inferred.status, inferred.verdict.kind, inferred.diagnosis?.cause, inferred.bytes]).toEqual(['tls-hidden', 'failed', 'failed', 'tls-handshake-failed', 0]);
    expect(inferred.verdict).toMatchObject({ cause: 'tls-handshake-failed' });
    expect(plain.sessions[0].diagnosis?.summary).toMatch(/probable data connection failed in clear/);
  });

  it('implicit TLS spoken to a plain port, and plain FTP to an implicit port', async () => {
    const a = await analyze('ftps-implicit-to-plain-vsftpd-curl', false);
    expect(a.sessions[0].diagnosis?.cause).toBe('tls-mode-mismatch');
    expect(a.sessions[0].diagnosis?.summary).toMatch(/220 \(vsFTPd 3\.0\.3\)/);
    const b = await analyze('ftps-plain-to-implicit-vsftpd-curl', false);
    expect(b.sessions[0].diagnosis?.cause).toBe('tls-mode-mismatch');
    expect(b.sessions[0].diagnosis?.summary).toMatch(/never began TLS/);
  });

  it('pure-ftpd accepts data connections that start new TLS sessions: no "session not reused" guess without keys', async () => {
    const keyed = await analyze('ftps-pureftpd-python', true);
    const s = keyed.sessions[0];
    expect(s.greeting).toMatch(/^-+ Welcome to Pure-FTPd \[privsep\] \[TLS\] -+/);
    expect(s.transfers.map((t) => `${t.request?.command} ${t.request?.arg} ${t.status} ${t.bytes} ${t.reply?.code}`)).toEqual([
      'LIST  complete 284 226',
      'RETR hello.txt complete 511 226',
      'RETR small.bin complete 3000 226',
      'STOR upload-pure.txt complete 259 226',
    ]);
    // Every data connection did a full TLS 1.3 handshake (after a HelloRetryRequest), none resumed, all succeeded.
    for (const t of s.transfers) {
      expect(t.connection?.tls?.version).toBe('TLS 1.3');
      expect(t.connection?.tls?.resumed).toBeNull();
    }
    expect(s.transfers.map((t) => t.connection?.tls?.clientHelloFrame)).toEqual([37, 66, 90, 117]);
    const plain = await analyze('ftps-pureftpd-python', false);
    expect(plain.sessions[0].diagnosis?.cause).toBe('tls-hidden');
    expect(plain.sessions[0].otherConnections.map((c) => c.tls?.resumed ?? null)).toEqual([null, null, null, null]);
  });

  it('the server killed mid-RETR over PROT P: the data connection ends without close_notify (tls-no-close-notify)', async () => {
    // vsftpd's session processes are killed (kill -9) after the client read 128 KiB of 512 KiB. tshark
    // (-o tls.keylog_file, the data port decoded as TLS) shows the server's FIN at frame 270 with no
    // close_notify before it, the client's fatal decode_error alert at 318 and the server's RST at 319.
    const keyed = await analyze('ftps-server-killed-vsftpd-python', true);
    const [t] = keyed.sessions[0].transfers;
    expect(`${t.request?.command} ${t.request?.arg}`).toBe('RETR half.bin');
    expect(t.bytes).toBe(212992);
    expect(t.expectedSize).toBe(524288);
    expect(t.reply).toBeNull();
    expect(t.verdict).toMatchObject({ kind: 'aborted', by: 'server', bytes: 212992, expected: 524288, cause: 'tls-no-close-notify' });
    expect(t.connection?.tls?.closeNotify).toEqual({ client: null, server: null });
    expect(t.connection?.tls?.alerts).toEqual([{ frame: 318, by: 'client', level: 'fatal', description: 'decode_error', encrypted: true }]);
    expect(t.diagnosis?.cause).toBe('tls-no-close-notify');
    expect(t.diagnosis?.evidence).toEqual(expect.arrayContaining([270, 318]));
    expect(t.diagnosis?.summary).toMatch(/The server \(the data's sender\) closed the TLS data connection \(stream 1, frame 270\) without a TLS close_notify alert/);
    expect(t.diagnosis?.summary).toMatch(/212992 of the 524288 bytes announced had arrived/);
    expect(t.diagnosis?.summary).toMatch(/fatal decode_error alert from the TLS client at frame 318/);
    // The FIN and RST frames, as tshark reads them (NAME.tshark-fields.tsv).
    const fields = readFileSync(join(FIX, 'ftps-server-killed-vsftpd-python.tshark-fields.tsv'), 'latin1').trim().split('\n');
    const head = fields[0].split('\t');
    const col = (row: string, name: string) => row.split('\t')[head.indexOf(name)];
    const flagged = fields.slice(1).filter((r) => col(r, 'tcp.srcport') === '50095' && /^0x0*(11|19|4|14)$/.test(col(r, 'tcp.flags'))).map((r) => `${col(r, 'frame.number')} ${col(r, 'tcp.flags')}`);
    expect(flagged).toEqual(['270 0x0011', '319 0x0004']);
    // The server's last record, begun at frame 298 (16,401 bytes), was cut after 14,011 bytes
    // (the server's stream reassembled from tshark's tcp.payload and walked record by record agrees).
    expect(t.connection?.tls?.ending.server).toEqual({ last: { frame: 298, type: 23, length: 16401, protected: true }, cut: { frame: 298, length: 16401, got: 14011 } });
    expect(t.diagnosis?.evidence).toEqual([32, 33, 34, 36, 270, 298, 318, 319]);
    expect(t.diagnosis?.summary).toMatch(/the record begun at frame 298 \(16,401 bytes\) was cut after 14,011 bytes/);

    // Without keys (TLS 1.3: every record is opaque type 23): the transfer is inferred, its sender
    // is the side that sent most (the server, 227,916 of 229,129 bytes), and its records stop in the
    // middle of one, with no short record (a close_notify is 19 bytes) before the FIN at 270; the
    // client's 19-byte record at 318 is its alert, type hidden.
    const plain = await analyze('ftps-server-killed-vsftpd-python', false);
    expect(plain.sessions[0].diagnosis?.cause).toBe('tls-hidden');
    const [p] = plain.sessions[0].transfers;
    expect([p.inferred, p.connection?.stream, p.status, p.connection?.bytesToClient, p.connection?.bytesToServer]).toEqual(['tls-hidden', 1, 'incomplete', 227916, 1213]);
    expect(p.connection?.tls?.ending).toEqual({
      client: { last: { frame: 318, type: 23, length: 19, protected: true }, cut: null },
      server: { last: { frame: 298, type: 23, length: 16401, protected: true }, cut: { frame: 298, length: 16401, got: 14011 } },
    });
    expect(p.verdict).toEqual({ kind: 'unknown', why: 'tls-hidden', bytes: 229129, cause: 'tls-no-close-notify', evidence: [33, 34, 319] });
    expect(p.diagnosis?.cause).toBe('tls-no-close-notify');
    expect(p.diagnosis?.evidence).toEqual([33, 34, 270, 298, 318, 319]);
    expect(p.diagnosis?.summary).toMatch(/probably did not complete: the data connection was closed without TLS close_notify/);
    expect(p.diagnosis?.summary).toMatch(/The server \(the data's sender, by the bytes: it sent 227,916 of the connection's 229,129, TLS hiding the command\) closed the TLS data connection \(stream 1, frame 270\) without a TLS close_notify alert\./);
    expect(p.diagnosis?.summary).toMatch(/the record begun at frame 298 \(16,401 bytes\) was cut after 14,011 bytes/);
    expect(p.diagnosis?.summary).toMatch(/a short record \(frame 318, 19 bytes\): an alert, its type hidden by TLS 1\.3/);
  });

  it("the same with TLS 1.2: the client's alert record (type 21) is in clear, the server's records stop mid-record", async () => {
    // ftps-tls12-server-killed-vsftpd-python: ftplib capped at TLS 1.2 (ECDHE-RSA-AES256-GCM-SHA384; the
    // data connection resumes the control session by ticket). tshark shows the server's FIN at 257, the
    // client's alert record at 306 (decode_error with the key log) and the server's RST at 307.
    const keyed = await analyze('ftps-tls12-server-killed-vsftpd-python', true);
    const [t] = keyed.sessions[0].transfers;
    expect(`${t.request?.command} ${t.request?.arg}`).toBe('RETR half.bin');
    expect(t.connection?.tls).toMatchObject({ version: 'TLS 1.2', cipherSuite: 'TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384', resumed: 'ticket', closeNotify: { client: null, server: null } });
    expect(t.connection?.tls?.alerts).toEqual([{ frame: 306, by: 'client', level: 'fatal', description: 'decode_error', encrypted: true }]);
    expect(t.verdict).toEqual({ kind: 'aborted', by: 'server', bytes: 212992, expected: 524288, cause: 'tls-no-close-notify', evidence: [28, 29, 30, 32, 307] });
    expect(t.diagnosis?.evidence).toEqual([28, 29, 30, 32, 257, 304, 306, 307]);
    expect(t.diagnosis?.summary).toMatch(/The server \(the data's sender\) closed the TLS data connection \(stream 1, frame 257\) without a TLS close_notify alert/);
    expect(t.diagnosis?.summary).toMatch(/the record begun at frame 304 \(16,408 bytes\) was cut after 951 bytes/);
    expect(t.diagnosis?.summary).toMatch(/212992 of the 524288 bytes announced had arrived/);
    expect(t.diagnosis?.summary).toMatch(/fatal decode_error alert from the TLS client at frame 306/);
    const fields = readFileSync(join(FIX, 'ftps-tls12-server-killed-vsftpd-python.tshark-fields.tsv'), 'latin1').trim().split('\n');
    const head = fields[0].split('\t');
    const col = (row: string, name: string) => row.split('\t')[head.indexOf(name)];
    const flagged = fields.slice(1).filter((r) => col(r, 'tcp.srcport') === '50087' && /^0x0*(11|19|4|14)$/.test(col(r, 'tcp.flags'))).map((r) => `${col(r, 'frame.number')} ${col(r, 'tcp.flags')}`);
    expect(flagged).toEqual(['257 0x0011', '307 0x0004']);

    // Without keys: the client's alert is an alert record in clear (its description encrypted); the
    // server sent no alert record before its FIN, and its last record (data, type 23) was cut.
    const plain = await analyze('ftps-tls12-server-killed-vsftpd-python', false);
    const [p] = plain.sessions[0].transfers;
    expect([p.inferred, p.connection?.stream, p.status, p.connection?.bytesToClient, p.connection?.bytesToServer]).toEqual(['tls-hidden', 1, 'incomplete', 214466, 599]);
    expect(p.connection?.tls?.alerts).toEqual([{ frame: 306, by: 'client', level: null, description: null, encrypted: true }]);
    expect(p.connection?.tls?.ending.server).toEqual({ last: { frame: 304, type: 23, length: 16408, protected: true }, cut: { frame: 304, length: 16408, got: 951 } });
    expect(p.verdict).toEqual({ kind: 'unknown', why: 'tls-hidden', bytes: 215065, cause: 'tls-no-close-notify', evidence: [29, 30, 307] });
    expect(p.diagnosis?.evidence).toEqual([29, 30, 257, 304, 306, 307]);
    expect(p.diagnosis?.summary).toMatch(/The server \(the data's sender, by the bytes: it sent 214,466 of the connection's 215,065, TLS hiding the command\) closed the TLS data connection \(stream 1, frame 257\) without a TLS close_notify alert\./);
    expect(p.diagnosis?.summary).toMatch(/an encrypted alert from the TLS client at frame 306/);
  });

  it('without keys no healthy FTPS data connection is taken for truncated: each sender ended with a close_notify, seen in clear', async () => {
    // Every fixture with FTPS data connections, read without its key log: curl, lftp, ftplib against
    // vsftpd, proftpd and pure-ftpd, TLS 1.2 (alert records, type 21) and 1.3 (a 19-byte last record).
    // (Not the transfers cut short on purpose: a server or client killed, an ABOR, a full disk.)
    // (Nor a83-ftpssl-stor-426-*: ftp-ssl ends its upload without close_notify, and vsftpd answers 426 for it.)
    const healthy = readdirSync(FIX).filter((f) => /\.(pcap|pcapng)(\.gz)?$/.test(f) && /tls|ftps|ccc|auth-ssl/.test(f) && !/server-killed|client-killed|-abor-|stor-full|stor-426/.test(f));
    let seen = 0;
    for (const file of healthy) {
      const a = await analyzeFiles([join(FIX, file)], { fileName: file, thread: false });
      for (const t of a.sessions.flatMap((s) => s.transfers)) {
        expect(t.diagnosis?.cause ?? null, `${file} ${t.id}`).not.toBe('tls-no-close-notify');
        // Nor, TLS hiding its command, for one its receiver reset before the sender had ended it.
        if (t.inferred === 'tls-hidden') expect(t.diagnosis?.cause ?? null, `${file} ${t.id}`).not.toBe('aborted');
        const tls = t.connection?.tls;
        if (!tls?.handshakeDone || t.inferred !== 'tls-hidden') continue;
        // The side that closed first (the data's sender, as a rule) ended with a close_notify, as far
        // as TLS shows without keys. (The receiver need not: vsftpd receiving lftp's upload in
        // tls-data-vsftpd-lftp sends none before lftp resets the connection.)
        const c = t.connection!;
        const first = c.handshake.find((e) => e.type === 'fin' || e.type === 'rst');
        if (first === undefined) continue;
        // A receiver may close first once the sender's close_notify came (ftp-ssl, which sends none of its
        // own): where the bytes name the sender (twice the other side's), its side is the one to look at.
        const sender = c.bytesToClient >= 2 * c.bytesToServer ? 'server' : c.bytesToServer >= 2 * c.bytesToClient ? 'client' : first.by;
        const tlsSide = (tls.tlsClient === 'initiator') === (c.initiator === sender) ? 'client' : 'server';
        const other = tlsSide === 'client' ? 'server' : 'client';
        // Bytes that name no sender (a short listing beside the handshake): one side's close_notify, the first closer's or the other's.
        const closing = tlsClosing(tls, tlsSide).kind === 'close-notify' || sender !== first.by ? tlsClosing(tls, tlsSide) : tlsClosing(tls, other);
        expect(closing, `${file} transfer ${t.id} ${first.by}`).toMatchObject({ kind: 'close-notify', seen: tls.version === 'TLS 1.3' ? 'short-record' : 'alert-record' });
        seen++;
      }
    }
    expect(seen).toBeGreaterThanOrEqual(37);
  });

  it('healthy keyed fixtures get no FTPS diagnosis, with or without keys', async () => {
    const ftpsCauses = new Set(['tls-session-not-reused', 'tls-handshake-failed', 'prot-refused', 'tls-no-close-notify', 'tls-mode-mismatch']);
    for (const name of ['tls-data-vsftpd-lftp', 'ftps-tls13-proftpd-lftp', 'ftps-tls12-active-proftpd-lftp', 'ftps-active-chacha-vsftpd-python', 'ftps-cbc-vsftpd-python', 'ftps-implicit-keys-vsftpd-curl', 'ftps-pureftpd-python', 'ftps-implicit-2990-vsftpd-curl']) {
      if (!existsSync(join(FIX, `${name}.pcap`))) continue;
      for (const keys of [true, false]) {
        const a = await analyze(name, keys);
        const causes = a.sessions.flatMap((s) => [s.diagnosis?.cause, ...s.transfers.map((t) => t.diagnosis?.cause)]);
        expect(causes.filter((c) => c && ftpsCauses.has(c)), `${name} keys=${keys}`).toEqual([]);
      }
    }
  });

  it('without keys, a truncation wants hard evidence: a record left unfinished or a reset, not a clean FIN', async () => {
    // The real no-keys reading of the killed download, then the same facts as a server that never
    // sends close_notify would leave them: its last record whole, a FIN. No recorded server omits
    // close_notify, so this one rule is checked on the model's values.
    const { tlsTruncation } = await import('../../src/analysis/tls-truncation.js');
    const plain = await analyze('ftps-server-killed-vsftpd-python', false);
    const t = plain.sessions[0].transfers[0];
    const c = t.connection!;
    const tls = c.tls!;
    expect([t.inferred, tlsTruncation(t)?.closeFrame, tls.ending.server?.cut?.frame]).toEqual(['tls-hidden', 270, 298]);
    const whole = { ...tls, ending: { ...tls.ending, server: { last: { frame: 297, type: 23, length: 16401, protected: true }, cut: null } } };
    const finOnly = { ...t, connection: { ...c, tls: whole, rst: null } };
    expect(tlsTruncation(finOnly)).toBeNull();
    // The same whole records ended by the server's RST instead of a FIN: an abort, so still a truncation.
    const reset = { ...t, connection: { ...c, tls: whole, handshake: c.handshake.filter((h) => !(h.type === 'fin' && h.by === 'server')), rst: { frame: 319, by: 'server' as const } } };
    expect(tlsTruncation(reset)?.closeFrame).toBe(319);
  });
});
