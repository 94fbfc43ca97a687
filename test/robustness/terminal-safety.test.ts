/**
 * Every output path with the two hostile fixtures (escape sequences, BEL, OSC title changes, NUL,
 * non-UTF-8 bytes in commands, replies and file names): tables in colour and without, JSON of
 * every part, dump (control and data connections), timeline, explain, extract (table, JSON and
 * the manifest file). Nothing printed may hold a character that moves the cursor, changes colours
 * or reorders text; the tool's own colour codes are the only escape sequences.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { terminalSafeJson } from '../../src/render/json.js';
import { analysisMemo, runCli } from '../cli/run-cli.js';
import { FIXTURES_DIR } from '../support/fuzz/corpus.js';
import { TERMINAL_UNSAFE } from '../support/fuzz/run-case.js';

const CLIENT = join(FIXTURES_DIR, 'hostile-client-vsftpd-python.pcap.gz');
const SERVER = join(FIXTURES_DIR, 'hostile-server-python.pcap');
// eslint-disable-next-line no-control-regex
const OWN_COLOUR = /\u001b\[(?:0|1|2|31|32|33|36)m/g;
const tmp = mkdtempSync(join(tmpdir(), 'ftpcap-safety-'));
/** Each capture analysed once for all its outputs (about a second each for the client's). */
const analyses = analysisMemo();
afterAll(() => {
  rmSync(tmp, { recursive: true, force: true });
  analyses.clear();
});

// eslint-disable-next-line no-control-regex
const PROGRESS = /\r\u001b\[K(?:reading [^\r\n]*)?/g;

function unsafeAt(text: string): string | null {
  // The tool's own colours, and its progress line on a terminal's stderr (redrawn with CR).
  const plain = text.replace(OWN_COLOUR, '').replace(PROGRESS, '');
  const m = TERMINAL_UNSAFE.exec(plain);
  return m ? `U+${m[0].charCodeAt(0).toString(16).padStart(4, '0')} near ${JSON.stringify(plain.slice(Math.max(0, m.index - 40), m.index + 10))}` : null;
}

/**
 * Under FTPCAP_LONG=all (`npm run test:long`, which .ci/run runs) also the client's outputs that each
 * read its 16,622 frames again with a pass of their own (timeline, explain, extract, the dump of its
 * last frames): about 6 s of npm test's CPU. npm test keeps them on the server's capture, whose
 * hostile text reaches the same code, and the client's tables, JSON and first frames' dump.
 */
const LONG = process.env.FTPCAP_LONG === 'all';

let outDirs = 0;
const runs: Array<[string, string[]]> = [];
for (const [name, file] of [
  ['client', CLIENT],
  ['server', SERVER],
] as const) {
  for (const cmd of ['summary', 'sessions', 'commands', 'transfers', 'diagnose']) {
    runs.push([`${name}: ${cmd}`, [cmd, file]]);
    runs.push([`${name}: ${cmd} --json`, [cmd, '--json', file]]);
  }
  if (name === 'client' && !LONG) continue;
  runs.push([`${name}: timeline --unicode`, ['timeline', '--unicode', file]]);
  runs.push([`${name}: explain`, ['explain', file]]);
  runs.push([`${name}: extract`, ['extract', '-o', `OUT`, file]]);
  runs.push([`${name}: extract --json`, ['extract', '--json', '-o', `OUT`, file]]);
}
// The hostile lines of the client come first and last; dump those and every packet of the server's capture.
runs.push(['client: dump --frame 1-40', ['dump', '--frame', '1-40', CLIENT]]);
if (LONG) runs.push(['client: dump --frame 16470-16622', ['dump', '--frame', '16470-16622', CLIENT]]);
runs.push(['server: dump --data', ['dump', '--data', SERVER]]);

describe('nothing printed from the hostile fixtures can drive a terminal', () => {
  it.each(runs)('%s', async (_what, args) => {
    const out = join(tmp, `out${++outDirs}`);
    const argv = args.map((a) => (a === 'OUT' ? out : a));
    // In colour (a terminal) and, for the small capture, without; hostile.test.ts has the client's tables without colour.
    for (const tty of argv.includes(CLIENT) ? [true] : [false, true]) {
      const r = await runCli(argv, { tty, analyses });
      expect(r.code).toBe(0);
      expect(r.stdout.length).toBeGreaterThan(0);
      expect(unsafeAt(r.stdout + r.stderr)).toBeNull();
      if (argv[0] === 'extract') {
        expect(unsafeAt(readFileSync(join(out, 'manifest.json'), 'utf8'))).toBeNull();
        rmSync(out, { recursive: true, force: true });
      }
    }
  }, 30_000);

  it('the escaped forms are shown, so the reader still sees what was sent', async () => {
    const r = await runCli(['dump', '--frame', '23-29', CLIENT], { analyses });
    expect(r.stdout).toContain('\\x1b[2J\\x1b[1;31mPWNED\\x1b[0m');
    expect(r.stdout).toContain('SITE \\x07\\x08\\x1b]0;title\\x07<CR><LF>');
  });
});

describe('JSON output escapes what JSON.stringify leaves raw', () => {
  it('DEL, C1 controls and bidi overrides become \\u escapes; the parsed value is unchanged', () => {
    const value = { text: 'a\u007fb\u009bc\u0085d\u202ee\u2066f\u001bg', n: [1, 'é', '\\\u007f'] };
    const s = terminalSafeJson(value);
    expect(s).not.toMatch(TERMINAL_UNSAFE);
    expect(s).toContain('a\\u007fb\\u009bc\\u0085d\\u202ee\\u2066f\\u001bg');
    expect(JSON.parse(s)).toEqual(value);
  });

  it('Unicode format characters (category Cf) become \\u escapes, astral ones as surrogate pairs; the parsed value is unchanged', () => {
    const value = { name: 'a\u061cb\u200bc\u2060d\ufeffe\u180ef\u{e0041}g\u00adh', plain: 'ファイル \u{1f600}' };
    const s = terminalSafeJson(value);
    expect(s).not.toMatch(/\p{Cf}/u);
    expect(s).toContain('"a\\u061cb\\u200bc\\u2060d\\ufeffe\\u180ef\\udb40\\udc41g\\u00adh"');
    expect(s).toContain('"ファイル \u{1f600}"');
    expect(JSON.parse(s)).toEqual(value);
  });
});

describe("commander's own messages quote the command line escaped", () => {
  it('an unknown option holding ESC', async () => {
    const r = await runCli(['summary', '--\u001b[31mx', SERVER]);
    expect(r).toEqual({ code: 1, stdout: '', stderr: "error: unknown option '--\\x1b[31mx'\n(run ftpcap --help for usage)\n" });
  });
  it('an invalid option value holding a bidi override and a Cf character', async () => {
    const r = await runCli(['commands', '-s', '1\u202e\u061c', SERVER]);
    expect(r).toEqual({
      code: 1,
      stdout: '',
      stderr: "error: option '-s, --session <n>' argument '1\\u202e\\u061c' is invalid. expected a positive whole number\n(run ftpcap --help for usage)\n",
    });
  });
  it('an unknown subcommand after help', async () => {
    const r = await runCli(['help', 'x\u0007\u009b']);
    expect(r.code).toBe(1);
    expect(r.stderr).not.toMatch(TERMINAL_UNSAFE);
  });
});
