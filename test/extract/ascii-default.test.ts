/**
 * Issue 11 #14: a RETR/STOR with no TYPE before it in its session is ASCII — TYPE A is FTP's
 * default (RFC 959 §3.1.1.1) — so --ascii-to-lf converts it and its size is checked as text.
 * Two real recordings whose sessions never send TYPE: Python's ftplib fetching hello.txt from
 * vsftpd in ASCII mode (CRLF on the wire, 150 announcing the file's 511 bytes), and the hostile
 * Python server's session.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Command, Transfer } from '../../src/analysis/model.js';
import type { Manifest } from '../../src/extract/manifest.js';
import { effectiveType, isTextTransfer } from '../../src/extract/transfer-type.js';
import { runCli } from '../cli/run-cli.js';

const FIXTURES = resolve(__dirname, '../../fixtures');
const NO_TYPE = join(FIXTURES, 'no-type-ascii-vsftpd-python.pcap');
const HOSTILE_SERVER = join(FIXTURES, 'hostile-server-python.pcap');
const facts = JSON.parse(readFileSync(join(FIXTURES, 'no-type-ascii-vsftpd-python.facts.json'), 'utf8')) as {
  files: Array<{ size: number; sha256: string; received: { size: number; sha256: string } }>;
};
const tmp = mkdtempSync(join(tmpdir(), 'ftpcap-ascii-default-'));
let n = 0;

async function extract(capture: string, ...flags: string[]): Promise<{ dir: string; manifest: Manifest }> {
  const dir = join(tmp, `out${++n}`);
  const r = await runCli(['extract', capture, '-o', dir, ...flags]);
  expect(r.code).toBe(0);
  return { dir, manifest: JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as Manifest };
}

describe('no TYPE command: ASCII', () => {
  it('ftplib RETR with no TYPE, --ascii-to-lf: the file as it is on the server, size agreeing with the 150', async () => {
    const { dir, manifest } = await extract(NO_TYPE, '--ascii-to-lf');
    expect(manifest.objects).toHaveLength(1);
    const o = manifest.objects[0];
    expect(o).toMatchObject({
      savedName: 's1-t1-hello.txt',
      command: 'RETR',
      type: 'A',
      ascii: true,
      convertedToLf: true,
      lineEndingsConverted: 10,
      capturedBytes: facts.files[0].received.size,
      bytes: facts.files[0].size,
      sha256: facts.files[0].sha256,
      expectedSize: 511,
      verdict: 'complete',
      notes: ["sent as ASCII: no TYPE command before it, and TYPE A is FTP's default: CRLF converted to LF"],
    });
    expect(readFileSync(join(dir, 's1-t1-hello.txt')).length).toBe(511);
  });

  it('without --ascii-to-lf: saved as sent (521 bytes), and 521 CRLF bytes against 511 announced is not a size mismatch', async () => {
    const { manifest } = await extract(NO_TYPE);
    expect(manifest.objects[0]).toMatchObject({
      type: 'A',
      ascii: true,
      convertedToLf: false,
      bytes: 521,
      sha256: facts.files[0].received.sha256,
      verdict: 'complete',
      notes: ["sent as ASCII: no TYPE command before it, and TYPE A is FTP's default: line endings kept as on the wire (--ascii-to-lf converts CRLF)"],
    });
  });

  it("the hostile server's session (no TYPE): its RETR is ASCII and converted like the listing", async () => {
    const { manifest } = await extract(HOSTILE_SERVER, '--ascii-to-lf');
    expect(manifest.objects.map((o) => [o.savedName, o.command, o.type, o.ascii, o.convertedToLf])).toEqual([
      ['s1-t3-passwd', 'RETR', 'A', true, true],
      ['s1-t4-list.txt', 'LIST', expect.toSatisfy((v) => v === null || v === 'A'), true, true],
    ]);
    expect(manifest.objects[0].notes).toEqual(["sent as ASCII: no TYPE command before it, and TYPE A is FTP's default: CRLF converted to LF"]);
    expect(manifest.objects[1].lineEndingsConverted).toBe(6);
  });
});

describe('effectiveType', () => {
  const retr = { type: null, request: { frame: 20 } } as unknown as Transfer;
  const typeI = { command: 'TYPE', frame: 10, reply: { code: 200 } } as unknown as Command;
  const refused = { command: 'TYPE', frame: 10, reply: { code: 504 } } as unknown as Command;
  it('A by default when no TYPE was accepted before the command; unknown when the session began earlier', () => {
    expect(effectiveType({ commands: [], midstream: false }, retr)).toEqual({ type: 'A', defaulted: true });
    expect(effectiveType({ commands: [refused], midstream: false }, retr)).toEqual({ type: 'A', defaulted: true });
    expect(effectiveType({ commands: [], midstream: false }, { ...retr, type: 'A' })).toEqual({ type: 'A', defaulted: true });
    expect(effectiveType({ commands: [], midstream: true }, retr)).toBeNull();
  });
  it("the model's type when one was sent", () => {
    expect(effectiveType({ commands: [typeI], midstream: false }, { ...retr, type: 'I' })).toEqual({ type: 'I', defaulted: false });
    expect(effectiveType({ commands: [typeI], midstream: false }, { ...retr, type: 'a n' })).toEqual({ type: 'A', defaulted: false });
    expect(effectiveType({ commands: [typeI], midstream: false }, { ...retr, type: 'L 8' })).toEqual({ type: 'L', defaulted: false });
  });
  it('text on the first bytes: listings, TYPE A, and no known type', () => {
    expect(isTextTransfer({ type: null, direction: 'download' })).toBe(true);
    expect(isTextTransfer({ type: 'I', direction: 'download' })).toBe(false);
    expect(isTextTransfer({ type: 'I', direction: 'listing' })).toBe(true);
    expect(isTextTransfer({ type: 'A', direction: 'upload' })).toBe(true);
  });
});
