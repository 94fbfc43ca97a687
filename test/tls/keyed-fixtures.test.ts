/**
 * Every fixture recorded with a TLS key log decrypts like tshark does: with NAME.keys, the FTP
 * commands and replies ftpcap reads equal tshark's decrypted view (NAME.tshark-tls-lines.tsv, stored
 * at record time), no session is `tls-hidden`, and `extract` gives back every file byte-exact
 * (sha256 equal to the originals in NAME.facts.json).
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { gunzipSync } from 'node:zlib';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyzeFiles } from '../../src/analysis/pipeline.js';
import { TlsKeyLog } from '../../src/tls/keylog.js';
import { runCli } from '../cli/run-cli.js';

const FIX = join(__dirname, '../../fixtures');

/** Fixtures with a key log beside them and tshark's decrypted view. */
export const KEYED = readdirSync(FIX)
  .filter((f) => /\.tshark-tls-lines\.tsv(\.gz)?$/.test(f))
  .map((f) => f.replace(/\.tshark-tls-lines\.tsv(\.gz)?$/, ''))
  .filter((n) => existsSync(join(FIX, `${n}.keys`)))
  .sort();

function captureOf(name: string): string {
  for (const ext of ['pcap', 'pcapng', 'pcap.gz', 'pcapng.gz']) if (existsSync(join(FIX, `${name}.${ext}`))) return join(FIX, `${name}.${ext}`);
  throw new Error(`no capture for ${name}`);
}

function keyLog(name: string): TlsKeyLog {
  const k = new TlsKeyLog();
  k.addText(readFileSync(join(FIX, `${name}.keys`), 'latin1'));
  return k;
}

interface TsharkLines {
  /** Client lines: "frame VERB arg". */
  requests: string[];
  /** Final and preliminary reply lines ("NNN text"): "frame NNN". */
  replies: string[];
}

/**
 * tshark's decrypted control bytes cut into lines (NAME.tshark-tls-lines.tsv, see record.sh
 * write_tshark_tls_view): it does not depend on tshark following AUTH SSL or implicit TLS.
 */
function tsharkLines(name: string): TsharkLines {
  const plain = join(FIX, `${name}.tshark-tls-lines.tsv`);
  const raw = existsSync(plain) ? readFileSync(plain) : gunzipSync(readFileSync(`${plain}.gz`));
  const rows = raw.toString('latin1').trim().split('\n').slice(1);
  const requests: string[] = [];
  const replies: string[] = [];
  for (const row of rows) {
    const [frame, side, ...rest] = row.split('\t');
    const line = rest.join('\t');
    if (side === 'client') {
      const sp = line.indexOf(' ');
      const verb = (sp < 0 ? line : line.slice(0, sp)).toUpperCase();
      requests.push(`${frame} ${verb} ${sp < 0 ? '' : line.slice(sp + 1)}`.trimEnd());
    } else if (/^\d{3}( |$)/.test(line)) {
      replies.push(`${frame} ${line.slice(0, 3)}`);
    }
  }
  // After CCC the control port carries clear text again, which tshark, told to decode that port as
  // TLS, may drop (the first line after close_notify: PWD at frame 31 in ftps-ccc-dnat-helper-proftpd-curl);
  // its plain FTP view has it. A clear command there that the lines lack is added.
  const ftpView = join(FIX, `${name}.tshark-ftp.tsv`);
  if (existsSync(ftpView)) {
    const [head, ...rest] = readFileSync(ftpView, 'latin1').trim().split('\n');
    const col = head.split('\t');
    const [fi, ci, ai] = ['frame.number', 'ftp.request.command', 'ftp.request.arg'].map((n) => col.indexOf(n));
    const have = new Set(requests.map((r) => parseInt(r, 10)));
    for (const row of rest) {
      const f = row.split('\t');
      if (/^[A-Z]{3,4}$/.test(f[ci] ?? '') && !have.has(Number(f[fi]))) requests.push(`${f[fi]} ${f[ci]} ${f[ai] ?? ''}`.trimEnd());
    }
    requests.sort((x, y) => parseInt(x, 10) - parseInt(y, 10));
  }
  return { requests, replies };
}

describe('keyed FTPS fixtures decrypt like tshark', () => {
  it('has keyed fixtures', () => {
    expect(KEYED.length).toBeGreaterThanOrEqual(3);
  });

  for (const name of KEYED) {
    it(`${name}: commands and replies equal tshark's decrypted view`, async () => {
      const a = await analyzeFiles([captureOf(name)], { fileName: name, showPasswords: true, tlsKeyLog: keyLog(name), thread: false });
      const want = tsharkLines(name);
      const requests: string[] = [];
      const replies: string[] = [];
      for (const s of a.sessions) {
        for (const c of s.commands) {
          if (c.command !== null) requests.push(`${c.frame} ${c.command} ${c.arg}`.trimEnd());
          for (const r of [...c.preliminary, ...(c.reply ? [c.reply] : [])]) replies.push(`${r.frame} ${r.code}`);
        }
      }
      // Sessions are listed one after the other; tshark's lines are in frame order (sessions may overlap).
      const byFrame = (x: string, y: string): number => parseInt(x, 10) - parseInt(y, 10);
      expect([...requests].sort(byFrame)).toEqual(want.requests);
      expect(replies.sort()).toEqual(want.replies.sort());
      for (const s of a.sessions) {
        expect(s.diagnosis?.cause).not.toBe('tls-hidden');
        if (s.tls && s.tlsEndFrame === undefined) expect(s.tlsDetails?.decryption).toBe('decrypted');
        for (const t of s.transfers) {
          expect(t.inferred).toBeUndefined();
          // Every data connection whose handshake got to a ServerHello is decrypted (a failed one has nothing to decrypt).
          if (t.connection?.tls?.serverHelloFrame != null) expect(t.connection.tls.decryption).toBe('decrypted');
        }
      }
      expect(a.capture.warnings.filter((w) => w.code.startsWith('tls-'))).toEqual([]);
    });

    it(`${name}: extract gives back the files byte-exact`, async () => {
      const facts = JSON.parse(readFileSync(join(FIX, `${name}.facts.json`), 'utf8')) as {
        files?: Array<{ op: string; path: string; sha256?: string; received?: { sha256: string; size: number } | null; received_matches?: boolean }>;
      };
      const out = mkdtempSync(join(tmpdir(), 'ftpcap-tls-'));
      try {
        const r = await runCli(['extract', captureOf(name), '-o', join(out, 'x'), '--json', '--tls-keylog', join(FIX, `${name}.keys`)]);
        expect(r.code).toBe(0);
        const manifest = JSON.parse(r.stdout) as { objects: Array<{ sha256: string; command?: string; path?: string; savedName: string; bytes: number }> };
        const got = new Set(manifest.objects.map((o) => o.sha256));
        for (const f of facts.files ?? []) {
          if (f.op === 'LIST' || f.op === 'NLST' || f.op === 'MLSD') continue; // saved by the client in its own format
          if (f.received === null) continue; // the client saved nothing (a transfer expected to fail): nothing to give back
          if (f.received_matches === false && f.received) {
            // A transfer cut short: what its receiver kept is the start of what the capture holds — all
            // of it at the receiver's side; more at the sender's side (bytes in flight when it was cut),
            // or where the receiver kept less than it took off the wire (a server whose disk filled).
            const kept = f.received as { sha256: string; size: number };
            const starts = manifest.objects.some((o) => {
              if (o.bytes < kept.size) return false;
              const head = readFileSync(join(out, 'x', o.savedName)).subarray(0, kept.size);
              return createHash('sha256').update(head).digest('hex') === kept.sha256;
            });
            expect(starts, `${f.op} ${f.path}: an extracted file begins with the ${kept.size} bytes its receiver kept`).toBe(true);
            continue;
          }
          const sha = f.sha256 ?? f.received?.sha256;
          if (sha) expect(got.has(sha), `${f.op} ${f.path}`).toBe(true);
        }
      } finally {
        rmSync(out, { recursive: true, force: true });
      }
    });
  }
});
