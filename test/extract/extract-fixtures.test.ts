/**
 * `ftpcap extract` on every recorded fixture, against what the recording script noted: the sha256
 * of each file it moved (computed on the original), the sha256 of each listing the client saved
 * (CR stripped by every client: equal to ours with --ascii-to-lf), the wire bytes of each listing
 * (tshark's per-stream payload count), and the aborted transfer.
 */
import { createCipheriv, createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inflateSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Manifest, ManifestObject } from '../../src/extract/manifest.js';
import { readTsharkTsv, tsharkSequenceExtent } from '../conformance/peer-readers.js';
import { runCli } from '../cli/run-cli.js';
import { FIXTURES, attemptOffset, listFacts, type FileFact } from '../support/facts.js';
import { sampleFixtures } from '../support/fixture-sample.js';

const tmp = mkdtempSync(join(tmpdir(), 'ftpcap-extract-'));

const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex');
const LISTINGS = new Set(['LIST', 'NLST', 'MLSD']);

/** Bytes of a file's data the capture does not hold (the recorder states what it captured), or null. */
function lacking(facts: { capture: object }, size: number): number | null {
  const inCapture = (facts.capture as { data_bytes_in_capture?: number }).data_bytes_in_capture;
  return inCapture !== undefined && inCapture < size ? size - inCapture : null;
}

/**
 * A server file the recorder made with `prng_bytes SIZE KEY` (AES-128-CTR keystream of the key over
 * zeros, fixtures/record.sh), made again here from the recipe the script states.
 */
function recordedFile(name: string, size: number): Buffer {
  const script = readFileSync(join(FIXTURES, 'record.sh'), 'utf8');
  // `a54_text_file SIZE PATH`: numbered 64-byte lines of text (a capture of it gzips small).
  if (new RegExp(`a54_text_file ${size} "\\$FTP_HOME/${name.replace(/\./g, '\\.')}"`).test(script)) {
    return Buffer.from(Array.from({ length: size / 64 }, (_, i) => `a54 late-start line ${String(i).padStart(8, '0')} ${'x'.repeat(34)}\n`).join(''));
  }
  const key = new RegExp(`prng_bytes ${size} ([0-9a-f]{32}) >"\\$FTP_HOME/${name.replace(/\./g, '\\.')}"`).exec(script)?.[1];
  expect(key, `the recipe of ${name} in record.sh`).toBeDefined();
  return createCipheriv('aes-128-ctr', Buffer.from(key!, 'hex'), Buffer.alloc(16)).update(Buffer.alloc(size));
}

// npm test checks a fixed sample; test:long (and CI) every fixture.
for (const facts of sampleFixtures(listFacts(), (f) => f.name)) {
  const capture = join(FIXTURES, facts.capture.file);

  describe(`extract ${facts.name}`, () => {
    let manifest: Manifest;
    let converted: Manifest;
    const dir = join(tmp, facts.name);
    const dirLf = join(tmp, `${facts.name}-lf`);

    beforeAll(async () => {
      const run = await runCli(['extract', capture, '-o', dir]);
      expect(run.stderr).not.toMatch(/^ftpcap:/m);
      expect(run.code).toBe(0);
      manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as Manifest;
      const lf = await runCli(['extract', capture, '-o', dirLf, '--ascii-to-lf']);
      expect(lf.code).toBe(0);
      converted = JSON.parse(readFileSync(join(dirLf, 'manifest.json'), 'utf8')) as Manifest;
    });

    it('writes every object the manifest lists, with its bytes and sha256, and nothing else', () => {
      for (const m of [manifest, converted]) {
        const d = m === manifest ? dir : dirLf;
        expect(readdirSync(d).sort()).toEqual([...m.objects.map((o) => o.savedName), 'manifest.json'].sort());
        for (const o of m.objects) {
          const data = readFileSync(join(d, o.savedName));
          expect(data.length).toBe(o.bytes);
          expect(sha256(data)).toBe(o.sha256);
        }
      }
    });

    // A file by its command and name; a listing by its command (lftp sends LIST with no argument).
    // The first object of that name the server did not refuse before any data: a client that retried
    // after a refusal (bad-ip-vsftpd-python) kept what the retry got.
    const namedObjects = (m: Manifest, f: FileFact): ManifestObject[] => {
      const all = m.objects.filter((o) => o.command === f.op && (LISTINGS.has(f.op) || (o.originalName ?? '').endsWith(f.path.replace(/^.*\//, ''))));
      // Several listings in one recording (a62-list-missing-dir-*: LIST missing, locked, pub): the one of this argument.
      const byArgument = LISTINGS.has(f.op) ? all.filter((o) => o.originalName === f.path) : [];
      return byArgument.length > 0 ? byArgument : all;
    };
    const find = (m: Manifest, f: FileFact): ManifestObject | undefined => {
      const named = namedObjects(m, f);
      // A file the client got whole after attempts cut short (curl --retry, wget -c, lftp's retries)
      // came with the attempt that completed with its size.
      // One fact per attempt at a resumed file (its note names the attempt's REST offset): that attempt.
      const offset = attemptOffset(f);
      const attempt = offset !== null ? named.find((o) => (o.restOffset ?? 0) === offset) : undefined;
      const carried = f.received_matches === true ? named.find((o) => o.verdict === 'complete' && o.bytes === f.size) : undefined;
      return attempt ?? carried ?? named.find((o) => !(o.status === 'failed' && o.bytes === 0)) ?? named[0];
    };

    // Captured with a filter keeping port 21 only: no data connection is in the file.
    // A capture filter that kept the control connection only, or a capture point the data never passes (an FXP copy's client side).
    const controlOnly = /\bport 21\b/.test((facts.capture as { filter?: string }).filter ?? '') || (facts.capture as { control_only?: string }).control_only !== undefined;
    if (controlOnly) {
      it('saves nothing: every transfer is listed as skipped, its data connection not in the capture', () => {
        expect(manifest.objects).toEqual([]);
        for (const f of facts.files ?? []) {
          // Nothing received (an FXP copy that failed before its STOR was sent), or not whole (a72-port21-*: a
          // PASV left before its RETR was sent): no transfer of it need be listed.
          if ((facts.capture.control_only !== undefined && f.received === null) || f.received_matches === false) continue;
          const skipped = manifest.skipped.some(
            (k) => k.command === f.op && k.reason === 'no data connection in the capture' && (LISTINGS.has(f.op) || (k.originalName ?? '').endsWith(f.path)),
          );
          expect(skipped, `${f.op} ${f.path} skipped`).toBe(true);
        }
      });
    }
    // One direction only (tcpdump -Q): no data is saved as complete that the capture cannot show whole.
    if (facts.capture.one_way) {
      it('saves nothing as complete from a capture of one direction only', () => {
        expect(manifest.objects.filter((o) => o.verdict === 'complete')).toEqual([]);
      });
    }
    for (const f of facts.tls || controlOnly || facts.capture.one_way ? [] : (facts.files ?? [])) {
      if (facts.capture.midstream_file === f.path) {
        // The transfer running when the capture began (later ones in the same session are whole).
        it(`${f.op} ${f.path}: its tail saved, byte for byte the end of the original (truncated)`, () => {
          const o = manifest.objects.find((x) => x.command === null)!;
          expect([o.direction, o.status, o.verdict]).toEqual(['download', 'complete', 'truncated']);
          const original = recordedFile(f.path, f.size!);
          expect(sha256(original)).toBe(f.sha256);
          expect(o.bytes).toBeLessThan(f.size!);
          expect(readFileSync(join(dir, o.savedName)).equals(original.subarray(f.size! - o.bytes))).toBe(true);
        });
        continue;
      }
      if (LISTINGS.has(f.op) && f.received) {
        it(`${f.op} ${f.path}: wire bytes as tshark counts them; CRLF → LF (or the wire's bytes, for a client that saves them unchanged) gives what the client saved`, () => {
          const o = find(manifest, f)!;
          // A listing the client stopped with ABOR after reading its start (a84-abor-*pyftpdlib-python: ftplib
          // read 8192 raw bytes of LIST big, more crossed the wire): what it kept is the start of what was saved.
          if (o.verdict === 'aborted' && f.received!.size < o.bytes) {
            expect(sha256(readFileSync(join(dir, o.savedName)).subarray(0, f.received!.size))).toBe(f.received!.sha256);
            return;
          }
          expect(o.verdict).toBe('complete');
          // urllib.request hands the data connection's bytes over as they came (CRLF kept).
          if (o.sha256 === f.received!.sha256) {
            expect(o.bytes).toBe(f.received!.size);
            expect(sha256(readFileSync(join(dir, o.savedName)))).toBe(f.received!.sha256);
            return;
          }
          const row = readTsharkTsv(join(FIXTURES, `${facts.name}.tshark-streams.tsv`)).find((r) => Number(r.stream) === o.stream)!;
          // A listing flows one way only: from the server.
          // tshark counts a packet captured twice twice (-i any on a router); ftpcap once.
          const wire = Math.max(Number(row.bytes_src_to_dst), Number(row.bytes_dst_to_src)) / (facts.capture.every_packet_twice ? 2 : 1);
          expect(Math.min(Number(row.bytes_src_to_dst), Number(row.bytes_dst_to_src))).toBe(0);
          // tshark's per-stream sum counts a retransmitted segment again (a41-frag-loss-*-server-side):
          // the listing's bytes are the extent its sequence numbers cover.
          expect(o.bytes).toBe(wire === o.bytes ? wire : tsharkSequenceExtent(join(FIXTURES, `${facts.name}.tshark-fields.tsv`), row));
          const lf = find(converted, f)!;
          expect(lf.convertedToLf).toBe(true);
          expect(lf.bytes).toBe(f.received!.size);
          expect(lf.sha256).toBe(f.received!.sha256);
          expect(sha256(readFileSync(join(dirLf, lf.savedName)))).toBe(f.received!.sha256);
        });
      } else if (facts.capture.stopped_before_transfer) {
        it(`${f.op} ${f.path}: nothing saved, the capture ended before its command`, () => {
          expect(find(manifest, f)).toBeUndefined();
        });
      } else if (f.received_matches === true && f.size !== undefined && facts.capture.stopped_early) {
        it(`${f.op} ${f.path}: saved as far as the capture goes, unverified (the capture ended during it)`, () => {
          const o = find(manifest, f);
          if (o === undefined) {
            // Ended before any data moved (a51-stop-port-syn: on the data SYN): nothing to save, skipped with the reason.
            const skip = manifest.skipped.find((x) => x.command === f.op && (x.originalName ?? '').endsWith(f.path));
            expect([skip?.status, skip?.reason]).toEqual(['incomplete', 'the capture ended while its data connection was opening']);
            return;
          }
          expect([o.status, o.verdict]).toEqual(['incomplete', 'unverified']);
          expect(o.bytes).toBeLessThan(f.size!);
          // A 2xx the server sent once its data was queued (pure-ftpd), the rest still arriving: the capture ends before it did.
          if (o.reply === null) expect(o.notes).toContain('the capture ends before the final reply to the transfer');
          else expect(o.notes).toContain("the server's final reply came before its data had all arrived (it replies once the data is queued), and the capture ends before the rest did");
        });
      } else if (facts.capture.snaplen !== undefined && facts.capture.snaplen <= 68) {
        // No FTP line readable (two bytes of payload): no transfer to save, nothing saved.
        it(`${f.op} ${f.path}: nothing saved, the snaplen (${facts.capture.snaplen}) left no line readable`, () => {
          expect(manifest.objects).toEqual([]);
        });
      } else if (f.received_matches === true && f.size !== undefined && facts.capture.snaplen !== undefined) {
        it(`${f.op} ${f.path}: truncated — the snaplen (${facts.capture.snaplen}) kept only the start of each segment`, () => {
          const o = find(manifest, f)!;
          expect([o.status, o.verdict]).toEqual(['complete', 'truncated']);
          expect(o.bytes + o.missingBytes).toBe(f.size);
        });
      } else if (f.received_matches === true && f.size !== undefined && lacking(facts, f.size) !== null) {
        // The transfer was whole (226, the client has every byte), but the capture holds only part of its data.
        const lacks = lacking(facts, f.size)!;
        if (facts.capture.starts_midstream) {
          // Begun mid-transfer: no RETR, no SYN; the analysis infers the transfer from its connection,
          // whose first bytes are not in the capture (tshark's count includes retransmitted bytes).
          // Found only once the capture was read, its bytes come from a second reading of the file.
          it(`${f.op} ${f.path}: its tail saved from a second reading, byte for byte the end of the original (truncated)`, () => {
            expect(manifest.skipped).toEqual([]);
            expect(manifest.objects).toHaveLength(1);
            const o = manifest.objects[0];
            expect([o.command, o.direction, o.status, o.verdict, o.missingBytes]).toEqual([null, 'download', 'complete', 'truncated', 0]);
            expect(o.notes).toContain('the capture began during the data connection: its first bytes are missing');
            const original = recordedFile(f.path!, f.size!);
            expect(sha256(original)).toBe(f.sha256);
            expect(o.bytes).toBeLessThanOrEqual(f.size! - lacks);
            expect(readFileSync(join(dir, o.savedName)).equals(original.subarray(f.size! - o.bytes))).toBe(true);
          });
          continue;
        }
        it(`${f.op} ${f.path}: truncated — the capture lacks ${lacks} of its ${f.size} bytes`, () => {
          const o = find(manifest, f)!;
          expect(o, `an object for ${f.op} ${f.path}`).toBeDefined();
          expect(o.status).toBe('complete');
          expect(o.verdict).toBe('truncated');
          expect(o.bytes).toBe(f.size! - lacks);
          expect(o.missingBytes + (o.restOffset ?? 0)).toBeLessThanOrEqual(lacks);
        });
      } else if (f.received_matches === true && f.sha256) {
        it(`${f.op} ${f.path}: the saved file's sha256 is the original's (${f.sha256.slice(0, 12)}…)`, () => {
          const named = namedObjects(manifest, f);
          if (named.some((x) => x.segment !== undefined)) {
            // A download split over several connections (aria2c, axel): each piece, put at its REST
            // offset, gives the original back (a piece cut short by the network, then asked again
            // from where it stopped, holds the first bytes: every byte saved is the file's).
            const file = Buffer.alloc(f.size!);
            for (const x of named.filter((y) => y.status !== 'failed')) {
              readFileSync(join(dir, x.savedName)).copy(file, x.restOffset ?? 0, 0, f.size! - (x.restOffset ?? 0));
            }
            expect(sha256(file)).toBe(f.sha256);
            return;
          }
          const o = find(manifest, f)!;
          expect(o, `an object for ${f.op} ${f.path}`).toBeDefined();
          // A file the server truncated while it sent it (file-changed-proftpd-curl): every byte sent is
          // saved, the server's own file now, but fewer than announced: unverified by the size.
          // The same for one that grew, or was replaced, after its size was stated (a69-growing-log-*,
          // a69-size-then-changed-*): more bytes than announced, every one saved: unverified by the size.
          const sentShort = o.expectedSize !== null && o.bytes !== o.expectedSize && o.notes.some((x) => x.startsWith('the capture holds every byte the server sent'));
          // The receiver holds every byte, yet the capture cannot call it whole: a 2xx to an upload whose
          // client was already gone (unverified), or a server that ended a transfer whose size nothing
          // stated once its client had left (aborted: pure-ftpd's 426/451 to a QUIT during it, or to a
          // client that closed the moment its data was sent, a61-*). Every byte is saved all the same.
          const clientGone = o.verdict === 'unverified' && o.notes.some((x) => x.includes('its client was already gone'));
          const endedUnsized = o.status === 'aborted' && o.verdict === 'aborted' && o.expectedSize === null;
          // The server ended its session with a 421 while its queued data still came whole, with its FIN
          // (proftpd's TimeoutSession, a62-session-timeout-*): aborted, never confirmed; every byte saved.
          const unconfirmed = o.status === 'aborted' && o.verdict === 'aborted' && o.expectedSize === o.bytes && o.reply?.code === 421;
          expect(o.verdict).toBe(sentShort || clientGone ? 'unverified' : endedUnsized || unconfirmed ? 'aborted' : 'complete');
          expect(o.missing).toEqual([]);
          if (o.transferMode === 'Z') {
            // MODE Z: saved as on the wire, the deflate stream (a note says so); inflated, the original.
            expect(o.notes.some((x) => x.startsWith('sent in MODE Z'))).toBe(true);
            expect(sha256(inflateSync(readFileSync(join(dir, o.savedName))))).toBe(f.sha256);
            return;
          }
          if (o.type === 'A' && o.bytes !== f.size) {
            // TYPE A converted at both ends (ascii-vsftpd-python): CRLF on the wire, LF on both disks.
            const lf = find(converted, f)!;
            expect([lf.convertedToLf, lf.bytes, lf.sha256, lf.verdict]).toEqual([true, f.size, f.sha256, 'complete']);
            expect(o.bytes).toBe(f.size! + lf.lineEndingsConverted);
            return;
          }
          expect(o.bytes).toBe(f.size);
          expect(sha256(readFileSync(join(dir, o.savedName)))).toBe(f.sha256);
          // A type the capture does not show (its TYPE came before a late start) is taken as ASCII, and
          // --ascii-to-lf converts it, saying so (a54-late-retr-vsftpd-curl: curl's TYPE I before the capture).
          const lfObject = find(converted, f)!;
          if (o.type === null && lfObject.convertedToLf) expect(lfObject.notes.some((x) => x.startsWith('type unknown (the session began before the capture)'))).toBe(true);
          else if (o.type !== 'A') expect(lfObject.sha256).toBe(f.sha256);
        });
      } else if (f.received_matches === false && f.received && f.size !== undefined && f.size !== null && f.received.size > f.size) {
        // More bytes received than the file holds: an ASCII transfer's CRLF line ends (e.g. no TYPE, FTP's default).
        it(`${f.op} ${f.path}: sent as ASCII — saved as sent is what the client kept, --ascii-to-lf gives the original`, () => {
          const o = find(manifest, f)!;
          expect(o.ascii).toBe(true);
          expect(o.verdict).toBe('complete');
          expect(o.sha256).toBe(f.received!.sha256);
          const lf = find(converted, f)!;
          expect(lf.convertedToLf).toBe(true);
          expect(lf.bytes).toBe(f.size);
          expect(sha256(readFileSync(join(dirLf, lf.savedName)))).toBe(f.sha256);
        });
      } else if (f.received_matches === false && facts.client.killed === 'mid-upload') {
        it(`${f.op} ${f.path}: unverified, the server's 226 notwithstanding: the client was gone`, () => {
          const o = find(manifest, f)!;
          expect([o.status, o.verdict, o.bytes, o.sha256]).toEqual(['complete', 'unverified', f.received!.size, f.received!.sha256]);
          expect(o.notes).toContain('the server called it complete, but its client was already gone: only the client knew how big the file was');
        });
      } else if (f.received_matches === false && facts.capture.snaplen !== undefined && facts.capture.snaplen > 68) {
        // A snaplen capture of a transfer cut short (the seventy-third audit): the payload saved is what
        // the snaplen kept; with the bytes it cut (missingBytes, the segments are there) it covers at
        // least what the receiver kept.
        it(`${f.op} ${f.path}: stopped part-way, the snaplen (${facts.capture.snaplen}) kept the start of each segment`, () => {
          const o = find(manifest, f)!;
          expect(['aborted', 'incomplete']).toContain(o.status);
          expect(o.bytes).toBeLessThan(f.received!.size);
          expect(o.bytes + o.missingBytes).toBeGreaterThanOrEqual(f.received!.size);
        });
      } else if (f.received_matches === false) {
        it(`${f.op} ${f.path}: aborted, with at least what the client kept`, () => {
          const o = find(manifest, f)!;
          // Or left unfinished when the session ended with no final reply (a client that gave up by
          // closing its control connection, the data connection still open: a58-stor-blackhole-*).
          if (o.status === 'incomplete' && o.notes.includes('the session ended (its control connection closed) with no final reply to the transfer')) {
            expect(o.verdict).toBe('unverified');
          } else {
            expect(o.verdict).toBe('aborted');
            expect(o.status).toBe('aborted');
          }
          // TYPE A (a38-ascii-cut-*): the wire carries one CR more per line; --ascii-to-lf gives the file's part.
          const bytes = o.ascii ? find(converted, f)!.bytes : o.bytes;
          expect(bytes).toBeGreaterThanOrEqual(f.received!.size);
          // An upload the server took whole off the wire may still be cut short on its disk (a full file system).
          if (f.op === 'STOR') expect(bytes).toBeLessThanOrEqual(f.size!);
          // Captured at the server, the path losing the tail (a67-lftp-timeout-resume-server-side-*): the
          // server may have sent it all (the capture holds it); the client acknowledged less (fixtures.test.ts).
          else if (facts.capture.namespace === 'server' && o.status === 'aborted' && o.missingBytes === 0) expect(bytes).toBeLessThanOrEqual(f.size!);
          else expect(bytes).toBeLessThan(f.size!);
        });
      } else if (f.received === null) {
        it(`${f.op} ${f.path}: nothing complete is claimed for the failed transfer`, () => {
          const o = find(manifest, f);
          if (o) expect(o.verdict).not.toBe('complete');
        });
      }
    }
  });
}

describe('extract: the aborted download is the start of the file the lossy capture carries whole', () => {
  // The 4 MiB lossy transfer extracted again (about 0.7 s of npm test's CPU): under FTPCAP_LONG=all (test:long, which .ci/run runs).
  it.runIf(process.env.FTPCAP_LONG === 'all')('is a byte-for-byte prefix of big.bin', async () => {
    const whole = join(tmp, 'prefix-whole');
    const part = join(tmp, 'prefix-part');
    expect((await runCli(['extract', join(FIXTURES, 'large-lossy-vsftpd-lftp.pcap.gz'), '-o', whole, '-t', '1'])).code).toBe(0);
    expect((await runCli(['extract', join(FIXTURES, 'abort-vsftpd-lftp.pcap'), '-o', part])).code).toBe(0);
    const big = readFileSync(join(whole, 's1-t1-big.bin'));
    expect(sha256(big)).toBe('5b7181b49ebf9312a754d8eb59c9d9b7603cea23746628589816edcfa00c82f4');
    const aborted = readFileSync(join(part, 's1-t1-big.bin'));
    expect(aborted.length).toBeGreaterThan(0);
    expect(aborted.equals(big.subarray(0, aborted.length))).toBe(true);
    // -t 1 kept only the RETR of the lossy capture.
    expect(readdirSync(whole).sort()).toEqual(['manifest.json', 's1-t1-big.bin']);
  });
});
