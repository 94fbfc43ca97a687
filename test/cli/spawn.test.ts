/**
 * Real processes of bin/ftpcap (dist/ built once per test run by test/support/build-once.ts), for what only a real process shows:
 * write errors on standard output (issue 12 #8), inputs that can be read only once — standard
 * input, a named pipe, /dev/stdin, process substitution — for a one-pass and a two-pass
 * subcommand, and every subcommand with each kind of input in this process (issue 12 #7), a
 * capture whose file name is not valid UTF-8 (issue 12 #9), and a file named like a mistyped
 * subcommand (issue 11 #13).
 */
import { execFileSync, spawn, spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { closeSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { beforeAll, describe, expect, it } from 'vitest';
import { spool } from '../../src/cli/inputs.js';
import { runCli } from './run-cli.js';

/** Under FTPCAP_LONG=all (`npm run test:long`, which .ci/run runs) the processes whose code npm test's other cases run already. */
const LONG = process.env.FTPCAP_LONG === 'all';
const ROOT = resolve(__dirname, '../..');
const BIN = join(ROOT, 'bin/ftpcap');
const F = join(ROOT, 'fixtures/passive-vsftpd-lftp.pcap');
const tmp = mkdtempSync(join(tmpdir(), 'ftpcap-spawn-'));
/** The spawned processes' temporary directory: checked empty after each run (spool files removed). */
const privateTmp = join(tmp, 'tmpdir');
mkdirSync(privateTmp);
const ENV = { ...process.env, TMPDIR: privateTmp, NO_COLOR: '1' };

beforeAll(() => {
  // dist/ was built by the run's global setup. Other work in progress may fail the type check;
  // tsc still writes dist/, which is what runs.
  expect(existsSync(join(ROOT, 'dist/cli/run.js'))).toBe(true);
});

const q = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;
/** Run a bash command line (pipes, FIFOs, process substitution) with $FTPCAP and $F set. */
function bash(script: string, opts: { cwd?: string } = {}): SpawnSyncReturns<string> {
  return spawnSync('bash', ['-c', `FTPCAP=${q(BIN)}; F=${q(F)}; ${script}`], { encoding: 'utf8', env: ENV, cwd: opts.cwd ?? tmp, timeout: 60_000 });
}

describe('standard output that cannot be written', () => {
  const full = (args: string[]): SpawnSyncReturns<string> => {
    const fd = openSync('/dev/full', 'w');
    try {
      return spawnSync(BIN, args, { encoding: 'utf8', env: ENV, stdio: ['ignore', fd, 'pipe'], timeout: 60_000 });
    } finally {
      closeSync(fd);
    }
  };
  // A one-pass subcommand; a two-pass one, a many-capture one and the other writers under FTPCAP_LONG=all.
  const writers = [[['summary', F]]];
  if (LONG) writers.push([['explain', F]], [['summary', F, F]], [['summary', '--json', F]], [['transfers', F]], [['dump', '--data', F]]);
  it.each(writers)(
    '%j > /dev/full: one line, exit 1',
    (args) => {
      const r = full(args);
      expect(r.stderr).toBe('ftpcap: cannot write output (ENOSPC)\n');
      expect(r.status).toBe(1);
    },
  );

  it('a pipe closed early ends quietly with exit 0', () => {
    const r = bash('"$FTPCAP" summary "$F" | head -1; echo "status ${PIPESTATUS[0]}"');
    expect(r.stdout).toBe(`Capture ${F}: pcap, 83 packets, 8.64 KiB\nstatus 0\n`);
    expect(r.stderr).toBe('');
    // 350 KB of boxes: far more than a pipe holds, so the write after head exits does fail (EPIPE).
    const big = bash('"$FTPCAP" dump --data "$F" | head -1; echo "status ${PIPESTATUS[0]}"');
    expect(big.stdout).toBe('/============================================================================\\\nstatus 0\n');
    expect(big.stderr).toBe('');
  });
});

describe('inputs readable only once', () => {
  const expected = new Map<string, string>();
  const cases: Array<[string, string]> = [
    ['dump --frame 3', 'dump --frame 3'],
    ['dump', 'dump'],
    ['timeline', 'timeline'],
    ['explain', 'explain'],
    ['summary', 'summary'],
    ['transfers --json', 'transfers --json'],
  ];
  // The output for the file itself, from the CLI in this process: the same program, and a real
  // process per case is what the tests below need, not here.
  beforeAll(async () => {
    for (const [, cmd] of cases) {
      const r = await runCli([...cmd.split(' '), F]);
      expect(r.code, r.stderr).toBe(0);
      expected.set(cmd, r.stdout);
    }
  });
  /** The same output as for the file, but for the name the capture is shown under. */
  const same = (cmd: string, r: SpawnSyncReturns<string>, shownAs: string): void => {
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(expected.get(cmd)!.split(F).join(shownAs));
    expect(readdirSync(privateTmp)).toEqual([]);
  };

  // Every subcommand with each kind of once-readable input, in this process (the input code is
  // the same program's; a FIFO stands in for a pipe, /dev/fd/N of a file for /dev/stdin; /dev/fd/N
  // of a FIFO, as <(…) gives, only in a real process below: here a FIFO's writer may finish before
  // the reopen, which then waits for a writer that never comes — a test race, not ftpcap's). Its spool
  // files go to this process's temporary directory, named by its pid.
  const mySpools = (): string[] => readdirSync(tmpdir()).filter((f) => f.startsWith(`ftpcap-spool-${process.pid}-`));
  const sameInProcess = async (cmd: string, input: string, opts: { stdin?: Buffer } = {}): Promise<void> => {
    const r = await runCli([...cmd.split(' '), input], opts);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(expected.get(cmd)!.split(F).join(input === '-' ? '(stdin)' : input));
    expect(mySpools()).toEqual([]);
  };
  /**
   * A FIFO fed with the capture by a `cat` of its own, written as the CLI reads it. (Not by this
   * process: a writer on the CLI's own event loop and thread pool can wait on the reader that
   * waits on it — a test that hung one run in a few, never a real pipe's writer.)
   */
  let fifos = 0;
  const fedFifo = (): { path: string; fed: Promise<void> } => {
    const path = join(tmp, `in-process-fifo-${++fifos}`);
    execFileSync('mkfifo', [path]);
    const cat = spawn('sh', ['-c', 'exec cat "$1" > "$2"', 'sh', F, path], { stdio: 'ignore' });
    const fed = new Promise<void>((done, fail) => cat.on('exit', (code) => (code === 0 ? done() : fail(new Error(`cat into the FIFO exited ${code}`)))));
    return { path, fed };
  };
  it.each(cases)('in this process: ftpcap %s - (standard input)', async (_n, cmd) => {
    await sameInProcess(cmd, '-', { stdin: readFileSync(F) });
  });
  it.each(cases)('in this process: ftpcap %s FIFO', async (_n, cmd) => {
    const fifo = fedFifo();
    await sameInProcess(cmd, fifo.path);
    await fifo.fed;
  });
  it.each(cases)('in this process: ftpcap %s /dev/fd/N (a file held open)', async (_n, cmd) => {
    const fd = await open(F, 'r');
    try {
      await sameInProcess(cmd, `/dev/fd/${fd.fd}`);
    } finally {
      await fd.close();
    }
  });

  // What only a real process shows — its standard input a pipe or a file, a FIFO it opens, bash's
  // process substitution — with a command that spools to read twice (explain); and a command that
  // reads once (summary) from its standard input, a pipe, which is a socket to Node, not a file
  // stream as in this process (the other kinds are read by name, here as in this process).
  const real = cases.filter(([, cmd]) => cmd === 'explain');
  it.each(cases.filter(([, cmd]) => cmd === 'summary' || (LONG && cmd === 'explain')))('cat f | ftpcap %s -', (_n, cmd) => {
    same(cmd, bash(`cat "$F" | "$FTPCAP" ${cmd} -`), '(stdin)');
  });
  it.each(real)('ftpcap %s /dev/stdin (a pipe)', (_n, cmd) => {
    same(cmd, bash(`cat "$F" | "$FTPCAP" ${cmd} /dev/stdin`), '/dev/stdin');
  });
  // A file held open is read by name in this process above (/dev/fd/N).
  it.runIf(LONG).each(real)('ftpcap %s /dev/stdin (a file)', (_n, cmd) => {
    same(cmd, bash(`"$FTPCAP" ${cmd} /dev/stdin < "$F"`), '/dev/stdin');
  });
  it.each(real)('ftpcap %s FIFO', (_n, cmd) => {
    const fifo = join(tmp, `fifo-${cmd.replace(/\W+/g, '-')}`);
    same(cmd, bash(`mkfifo ${q(fifo)}; cat "$F" > ${q(fifo)} & "$FTPCAP" ${cmd} ${q(fifo)}; s=$?; wait; exit $s`), fifo);
  });
  it.each(real)('ftpcap %s <(cat f)', (_n, cmd) => {
    const r = bash(`"$FTPCAP" ${cmd} <(cat "$F")`);
    const shown = /Capture (\/dev\/fd\/\d+|\/proc\/self\/fd\/\d+)/.exec(r.stdout)?.[1] ?? /"file": "(\/dev\/fd\/\d+)"/.exec(r.stdout)?.[1] ?? '/dev/fd/63';
    same(cmd, r, shown);
  });

  it.runIf(LONG)('extract from a FIFO, and summary of several with - and a FIFO among them', () => {
    const fifo = join(tmp, 'fifo-extract');
    const out = join(tmp, 'fifo-out');
    const r = bash(`mkfifo ${q(fifo)}; cat "$F" > ${q(fifo)} & "$FTPCAP" extract -o ${q(out)} ${q(fifo)}; s=$?; wait; exit $s`);
    expect(r.status).toBe(0);
    expect(readdirSync(out).sort()).toEqual(['manifest.json', 's1-t1-list.txt', 's1-t2-hello.txt', 's1-t3-upload-lftp.txt']);
    const fifo2 = join(tmp, 'fifo-many');
    const many = bash(`mkfifo ${q(fifo2)}; cat "$F" > ${q(fifo2)} & cat "$F" | "$FTPCAP" summary - ${q(fifo2)} "$F"; s=$?; wait; exit $s`);
    expect(many.stderr).toBe('');
    expect(many.status).toBe(0);
    const one = expected.get('summary')!;
    expect(many.stdout).toBe([one.split(F).join('(stdin)'), one.split(F).join(fifo2), one].join('\n'));
    expect(readdirSync(privateTmp)).toEqual([]);
  });

  it('spools into a private file (0600) in the temporary directory, removed afterwards', async () => {
    const s = await spool(Readable.from([Buffer.from('bytes')]));
    expect(s.path.startsWith(tmpdir())).toBe(true);
    expect(statSync(s.path).mode & 0o777).toBe(0o600);
    expect(readFileSync(s.path, 'utf8')).toBe('bytes');
    s.remove();
    expect(existsSync(s.path)).toBe(false);
  });
});

describe('a capture whose file name is not valid UTF-8', () => {
  // caf\xe9.pcap: latin-1 é, which Node would decode to U+FFFD and not find.
  const dir = join(tmp, 'latin1');
  beforeAll(() => {
    mkdirSync(dir);
    writeFileSync(Buffer.concat([Buffer.from(`${dir}/caf`), Buffer.from([0xe9]), Buffer.from('.pcap')]), readFileSync(F));
  });
  const name = `${dir}/caf\\xe9.pcap`;

  it('is read, and shown with \\xNN for its bad byte', () => {
    const r = bash(`"$FTPCAP" summary "$(printf '%s/caf\\351.pcap' ${q(dir)})"`);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout.split('\n')[0]).toBe(`Capture ${name}: pcap, 83 packets, 8.64 KiB`);
  });

  it.runIf(LONG)('by the two-pass commands and extract too', async () => {
    const arg = `"$(printf '%s/caf\\351.pcap' ${q(dir)})"`;
    const explain = bash(`"$FTPCAP" explain ${arg}`);
    expect(explain.status).toBe(0);
    expect(explain.stdout).toBe((await runCli(['explain', F])).stdout.split(F).join(name));
    const out = join(tmp, 'latin1-out');
    const ex = bash(`"$FTPCAP" extract --json -o ${q(out)} ${arg}`);
    expect(ex.status).toBe(0);
    expect(JSON.parse(ex.stdout).capture).toBe(name);
  });

  it('one that does not exist is named in the error', () => {
    const r = bash(`"$FTPCAP" summary "$(printf '%s/missing\\351.pcap' ${q(dir)})"`);
    expect(r).toMatchObject({ status: 2, stdout: '', stderr: `ftpcap: ${dir}/missing\\xe9.pcap: cannot read (ENOENT)\n` });
  });
});

describe('a file named like a mistyped subcommand', () => {
  it('is read as the capture it is', () => {
    const dir = join(tmp, 'cwd');
    mkdirSync(dir);
    copyFileSync(F, join(dir, 'sumary'));
    const r = bash('"$FTPCAP" sumary', { cwd: dir });
    expect(r.status).toBe(0);
    expect(r.stdout.split('\n')[0]).toBe('Capture sumary: pcap, 83 packets, 8.64 KiB');
    const missing = bash('"$FTPCAP" sesions', { cwd: dir });
    expect(missing).toMatchObject({ status: 1, stdout: '', stderr: "ftpcap: unknown command 'sesions' (and no such file): did you mean sessions?\n" });
  });
});
