/**
 * Issue 12 #5 and #9: the file side of `ftpcap extract`. More than 128 small objects (the
 * write-buffer pool's bound) in one capture; temporary files written only through the descriptor
 * they were created with (a name swapped for a FIFO or a hard link is neither written to nor
 * kept); an output path that cannot be created fails at once; a failed run leaves no folder it
 * created behind.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, linkSync, mkdtempSync, readdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { settle, TempStore } from '../../src/cli/extract.js';
import type { Manifest } from '../../src/extract/manifest.js';
import { runCli } from '../cli/run-cli.js';

const ROOT = resolve(__dirname, '../..');
const FIXTURES = join(ROOT, 'fixtures');
const PASSIVE = join(FIXTURES, 'passive-vsftpd-lftp.pcap');
const HELLO_SHA = '85cf2d7c8fcdbc264408c2874388a697517c52af621c943cfd815e931e414d8b';
const tmp = mkdtempSync(join(tmpdir(), 'ftpcap-extract-files-'));
const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

describe('more than 128 objects smaller than a write buffer', () => {
  // Generated: the real passive-vsftpd-lftp session (LIST, RETR hello.txt, STOR) replayed 50 times
  // by the bench builder, each copy with its own client address: 150 objects of a few hundred bytes.
  const generated = join(tmp, 'generated-50x-passive-vsftpd-lftp.pcap');
  beforeAll(async () => {
    const b = (await import(pathToFileURL(join(ROOT, 'scripts/bench/build-captures.mjs')).href)) as {
      Template: new (name: string, path: string) => unknown;
      buildCapture(path: string, lanes: unknown[]): { copies: number };
    };
    const tpl = new b.Template('passive-vsftpd-lftp', PASSIVE);
    expect(b.buildCapture(generated, [{ templates: [tpl], count: 50, slotUs: 1_100_000 }]).copies).toBe(50);
  });

  it('are all saved, each with its own bytes', async () => {
    const dir = join(tmp, 'many');
    const r = await runCli(['extract', generated, '-o', dir]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const m = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as Manifest;
    expect(m.objects).toHaveLength(150);
    expect(readdirSync(dir)).toHaveLength(151);
    const hellos = m.objects.filter((o) => o.command === 'RETR');
    expect(hellos).toHaveLength(50);
    for (const o of m.objects) {
      expect(o.verdict).toBe('complete');
      expect(sha256(readFileSync(join(dir, o.savedName)))).toBe(o.sha256);
    }
    for (const o of hellos) expect(o.sha256).toBe(HELLO_SHA);
    expect(r.stdout).toMatch(/150 objects saved in /);
  });
});

describe('temporary files are written through their own descriptor', () => {
  it('a temporary name swapped for a FIFO is not opened (no hang) and not kept', () => {
    const dir = mkdtempSync(join(tmp, 'fifo-'));
    const store = new TempStore(dir);
    const sink = store.create();
    sink.write(Buffer.from('first part\n'));
    sink.flush();
    unlinkSync(sink.path);
    expect(spawnSync('mkfifo', [sink.path]).status).toBe(0);
    sink.write(Buffer.from('second part\n'));
    sink.complete(); // would block forever opening the FIFO by name
    expect(() => settle(dir, sink, 'hello.txt', new Set())).toThrow(/was replaced while extracting/);
    expect(existsSync(join(dir, 'hello.txt'))).toBe(false);
    store.remove(sink);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('a temporary name swapped for a hard link to a file outside gets none of the data, and is not linked in', () => {
    const dir = mkdtempSync(join(tmp, 'link-'));
    const outside = join(tmp, 'outside.txt');
    writeFileSync(outside, 'not yours\n');
    const store = new TempStore(dir);
    const sink = store.create();
    sink.write(Buffer.from('x'.repeat(70_000))); // one full buffer written, the rest buffered
    unlinkSync(sink.path);
    linkSync(outside, sink.path);
    sink.write(Buffer.from('more'));
    sink.complete();
    expect(readFileSync(outside, 'utf8')).toBe('not yours\n');
    expect(() => settle(dir, sink, 'data.bin', new Set())).toThrow(/was replaced while extracting/);
    expect(existsSync(join(dir, 'data.bin'))).toBe(false);
    store.remove(sink);
    expect(readFileSync(outside, 'utf8')).toBe('not yours\n');
  });
});

describe('the output directory', () => {
  it('under /proc/self cannot be created: a clean error, at once', async () => {
    const started = Date.now();
    const r = await runCli(['extract', PASSIVE, '-o', '/proc/self/x']);
    expect(r).toEqual({ code: 1, stdout: '', stderr: 'ftpcap: /proc/self/x: cannot create the output directory (ENOENT)\n' });
    expect(Date.now() - started).toBeLessThan(5000);
  }, 10_000);

  it('and the parents created for a run that fails are removed (unreadable capture)', async () => {
    const base = mkdtempSync(join(tmp, 'parents-'));
    const r = await runCli(['extract', join(tmp, 'missing.pcap'), '-o', join(base, 'a', 'b', 'c')]);
    expect(r).toEqual({ code: 2, stdout: '', stderr: `ftpcap: ${join(tmp, 'missing.pcap')}: cannot read (ENOENT)\n` });
    expect(readdirSync(base)).toEqual([]);
  });

  it('and the parents created for a run that fails are removed (no such session), existing ones kept', async () => {
    const base = mkdtempSync(join(tmp, 'parents-'));
    const r = await runCli(['extract', PASSIVE, '-s', '5', '-o', join(base, 'a', 'b')]);
    expect(r).toEqual({ code: 1, stdout: '', stderr: `ftpcap: no session 5 in ${PASSIVE} (it has 1)\n` });
    expect(existsSync(base)).toBe(true);
    expect(readdirSync(base)).toEqual([]);
  });
});
