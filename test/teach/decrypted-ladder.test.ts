/**
 * Keyed FTPS in the ladder and the story: commands and replies read from decrypted TLS records
 * are marked ("[TLS]" on timeline arrows, "decrypted" beside explain's frame numbers), those sent
 * in clear (before AUTH TLS, after CCC) are not, and without keys the records stay opaque runs.
 * Frames and texts as tshark shows them with the key log (NAME.tshark-tls-lines.tsv).
 */
import { describe, expect, it } from 'vitest';
import { runCli } from '../cli/run-cli.js';

const TLS13 = ['fixtures/ftps-tls13-proftpd-lftp.pcap', '--tls-keylog', 'fixtures/ftps-tls13-proftpd-lftp.keys'];
const CCC = ['fixtures/ccc-proftpd-python.pcap', '--tls-keylog', 'fixtures/ccc-proftpd-python.keys'];
const PROT_P = ['fixtures/ftps-cbc-vsftpd-python.pcap', '--tls-keylog', 'fixtures/ftps-cbc-vsftpd-python.keys'];

async function lines(args: string[]): Promise<string[]> {
  const r = await runCli(args);
  expect(r.code).toBe(0);
  return r.stdout.split('\n');
}

describe('decrypted commands and replies are marked', () => {
  it('timeline: [TLS] on arrows read from decrypted records, none on clear text', async () => {
    const out = await lines(['timeline', ...TLS13]);
    expect(out).toContain('0.201095      44 57578 |<----------- 234 AUTH TLS successful ------------| 21');
    expect(out).toContain('0.490235      63 57578 |-------------- [TLS] USER ftpuser -------------->| 21');
    expect(out).toContain('0.494427      64 57578 |<--- [TLS] 331 Password required for ftpuser ----| 21');
    expect(out).toContain('0.498259      65 57578 |---------------- [TLS] PASS **** --------------->| 21');
    // The handshake is still records nobody reads as FTP: an opaque run.
    expect(out).toContain('0.394471      46 57578 |-------------- TLS ×1 (395 bytes) -------------->| 21');
    expect(out.join('\n')).toContain('arrows marked [TLS] carry the commands and replies');
  });

  it('timeline after CCC: clear text again, unmarked', async () => {
    const out = await lines(['timeline', ...CCC]);
    expect(out).toContain('0.282125    27 50430 |-------------------- [TLS] CCC ------------------->| 21');
    expect(out).toContain('0.282208    28 50430 |<- [TLS] 200 Clearing control channel protection --| 21');
    expect(out).toContain('0.282514    31 50430 |--------------------- TYPE I --------------------->| 21');
  });

  it('timeline without keys: opaque runs, no mark', async () => {
    const out = await lines(['timeline', TLS13[0]]);
    expect(out).toContain('0.490235      63 57578 |--------------- TLS ×1 (36 bytes) -------------->| 21');
    expect(out.join('\n')).not.toContain('[TLS]');
  });

  it('timeline: PROT P data runs marked where their records carried the file, not the handshake or the alert', async () => {
    const out = await lines(['timeline', ...PROT_P]);
    // STOR of 259 bytes: handshake (34-37) and the Finished flight (38-40) stay TLS runs, the one
    // application-data record (frame 41, 370 bytes of TCP payload) is the file, the server's
    // close_notify (43) is TLS again.
    expect(out).toContain('0.886389 34-35 40608 |------------ TLS + ACK ×1 (517 bytes) ------------>| 50052');
    expect(out).toContain('0.897512 38-40 40608 |------------- TLS + ACK ×1 (79 bytes) ------------>| 50052');
    expect(out).toContain('0.940640 41-42 40608 |--------- [TLS] Data + ACK ×1 (370 bytes) -------->| 50052');
    expect(out).toContain('0.941281    43 40608 |<--------------- TLS ×1 (57 bytes) ----------------| 50052');
    // RETR hello.txt (511 bytes): the server's record at frame 63.
    expect(out).toContain('0.981162    63 58046 |<----------- [TLS] Data ×1 (553 bytes) ------------| 50100');
    const text = out.join(' ').replace(/[\s|]+/g, ' ');
    expect(text).toContain('port 40608 → 50052; its TLS decrypted: 259 bytes of data');
    expect(text).toContain('port 58046 → 50100; its TLS decrypted: 511 bytes of data');
    expect(text).toContain('Data runs marked [TLS] are TLS records decrypted to the file data');
    const clear = (await lines(['timeline', PROT_P[0]])).join('\n');
    // Without keys nothing tells the file's record from the Finished flight: one run.
    expect(clear).toContain('0.897512 38-42 40608 |------------ TLS + ACK ×2 (449 bytes) ------------>| 50052');
    expect(clear).not.toContain('[TLS]');
    expect(clear).not.toContain('decrypted');
  });

  it('explain: frames of decrypted lines say so', async () => {
    const text = (await lines(['explain', ...TLS13])).join(' ').replace(/\s+/g, ' ');
    expect(text).toContain('AUTH TLS (frame 43) → 234 AUTH TLS successful (frame 44): explicit FTPS.');
    expect(text).toContain('ftpcap decrypted them with the TLS key log');
    expect(text).toContain('USER ftpuser (frame 63, decrypted) → 331 Password required for ftpuser (frame 64, decrypted)');
    const clear = (await lines(['explain', TLS13[0]])).join(' ');
    expect(clear).not.toContain('decrypted');
  });

  it('explain: replies in transfer steps cite decrypted frames, and PROT P data names the records that carried the file', async () => {
    const text = (await lines(['explain', ...PROT_P])).join(' ').replace(/\s+/g, ' ');
    expect(text).toContain('227 (frame 28, decrypted) answers with the address 198.51.100.20');
    expect(text).toContain('150 Ok to send data. (frame 33, decrypted): the server says the transfer starts.');
    expect(text).toContain('226 Transfer complete. (frame 47, decrypted): the server\'s final word on the transfer.');
    // The sender's segments only (the server's handshake and alert records go the other way).
    expect(text).toContain(
      '966 bytes flow client → server (3 segments, frames 34-41), each segment acknowledged by the other side. ' +
        "They are TLS records (PROT P): decrypted with the key log, those in frame 41 carry the 259 bytes of data; the rest is TLS's own handshake and alerts.",
    );
    expect(text).toContain('those in frame 63 carry the 511 bytes of data');
    const clear = (await lines(['explain', PROT_P[0]])).join(' ').replace(/\s+/g, ' ');
    // Without keys the transfer is only inferred from timing and ports: no data step to word.
    expect(clear).toContain('Transfer 1, inferred: TLS hides the command that asked for it');
    expect(clear).not.toContain('PROT P): decrypted');
  });
});
