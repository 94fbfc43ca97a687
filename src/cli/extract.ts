/**
 * `ftpcap extract capture -o DIR`: the file-system side of object recovery. Bytes of each object
 * stream into a temporary file inside DIR as the capture is read (small write buffers, a bound on
 * how many are filled at once); at the end each file gets its final name by a hard link that never
 * replaces anything, and DIR/manifest.json is written. Naming, verdicts and the manifest's content
 * come from src/extract; this module only opens, writes, links and removes files inside DIR.
 */
import { closeSync, constants, ftruncateSync, linkSync, lstatSync, mkdirSync, openSync, readdirSync, realpathSync, renameSync, rmdirSync, statSync, unlinkSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { InvalidArgumentError, Option, type Command } from 'commander';
import type { Analysis, Transfer } from '../analysis/model.js';
import type { StreamChunk } from '../tcp/types.js';
import { ExtractionCollector, type ObjectSink } from '../extract/collector.js';
import type { Manifest } from '../extract/manifest.js';
import { isPlainNameInside, uniqueName } from '../extract/names.js';
import { renderExtract } from '../render/extract.js';
import { terminalSafeJson } from '../render/json.js';
import { warningLines } from '../render/tables.js';
import type { CliIo } from './main.js';

const EXIT_USAGE = 1;

/** Bytes buffered per object before a write, and how many objects may hold a filled buffer. */
const WRITE_BUFFER = 64 * 1024;
const MAX_BUFFERED_OBJECTS = 128;

export interface ExtractCliOptions {
  output: string;
  session?: number;
  transfer?: number;
  force?: boolean;
  fillGaps?: boolean;
  asciiToLf?: boolean;
  json?: boolean;
  showPasswords?: boolean;
  color?: boolean;
}

export interface ExtractDeps {
  io: CliIo;
  /** Reads the capture (progress, capture errors → exit 2) feeding data to the callback. */
  analyze(
    capture: string,
    opts: ExtractCliOptions,
    onTransferData: (transfer: Transfer, chunk: StreamChunk, toServer: boolean) => void,
  ): Promise<Analysis>;
  /** An error that stops the CLI with one line and the exit code. */
  fail(message: string, code: number): Error;
}

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 1) throw new InvalidArgumentError('expected a positive whole number');
  return n;
}

/** A system error (ENOENT, ENOSPC…), as opposed to the CLI's own exit errors. */
const isErrno = (err: unknown): boolean => typeof (err as NodeJS.ErrnoException | null)?.code === 'string';
const errnoCode = (err: unknown): string => (err as NodeJS.ErrnoException)?.code ?? (err instanceof Error ? err.message : String(err));

// O_NOFOLLOW: a temporary or final name that someone replaced by a symbolic link is never followed.
const NOFOLLOW = constants.O_NOFOLLOW ?? 0;

/** One object's temporary file: buffered appends, holes for --fill-gaps, extended to length at the end. */
class FileSink implements ObjectSink {
  private buf: Buffer | null = null;
  private used = 0;
  /** Logical length written so far, holes included. */
  private end = 0;

  constructor(
    readonly path: string,
    private readonly store: TempStore,
  ) {}

  write(bytes: Uint8Array): void {
    let off = 0;
    while (off < bytes.length) {
      if (this.buf === null) {
        this.buf = Buffer.allocUnsafe(WRITE_BUFFER);
        this.store.filled(this);
      }
      const n = Math.min(WRITE_BUFFER - this.used, bytes.length - off);
      this.buf.set(bytes.subarray(off, off + n), this.used);
      this.used += n;
      this.end += n;
      off += n;
      if (this.used === WRITE_BUFFER) this.flush();
    }
  }

  skip(n: number): void {
    this.flush();
    this.end += n;
  }

  flush(): void {
    if (this.buf !== null && this.used > 0) {
      const fd = openSync(this.path, constants.O_WRONLY | NOFOLLOW);
      try {
        let done = 0;
        while (done < this.used) done += writeSync(fd, this.buf, done, this.used - done, this.end - this.used + done);
      } finally {
        closeSync(fd);
      }
    }
    this.buf = null;
    this.used = 0;
    this.store.emptied(this);
  }

  /** Everything written, and the file as long as the data (a trailing hole included). */
  complete(): void {
    this.flush();
    const fd = openSync(this.path, constants.O_WRONLY | NOFOLLOW);
    try {
      ftruncateSync(fd, this.end);
    } finally {
      closeSync(fd);
    }
  }
}

/** Temporary files inside the output directory, created exclusively, removed unless settled. */
class TempStore {
  private seq = 0;
  private readonly open = new Set<FileSink>();
  private readonly buffered = new Set<FileSink>();

  constructor(private readonly dir: string) {}

  create(): FileSink {
    for (;;) {
      const path = join(this.dir, `.ftpcap-partial-${process.pid}-${++this.seq}`);
      try {
        closeSync(openSync(path, constants.O_CREAT | constants.O_EXCL | constants.O_WRONLY | NOFOLLOW, 0o644));
      } catch (err) {
        if (errnoCode(err) === 'EEXIST') continue;
        throw err;
      }
      const sink = new FileSink(path, this);
      this.open.add(sink);
      return sink;
    }
  }

  filled(sink: FileSink): void {
    this.buffered.add(sink);
    if (this.buffered.size > MAX_BUFFERED_OBJECTS) for (const s of [...this.buffered]) s.flush();
  }

  emptied(sink: FileSink): void {
    this.buffered.delete(sink);
  }

  settled(sink: FileSink): void {
    this.open.delete(sink);
  }

  remove(sink: FileSink): void {
    this.open.delete(sink);
    this.buffered.delete(sink);
    try {
      unlinkSync(sink.path);
    } catch {
      // already gone
    }
  }

  removeAll(): void {
    for (const s of [...this.open]) this.remove(s);
  }
}

interface OutputDir {
  /** The directory's real path (symbolic links in the user's path resolved once, here). */
  dir: string;
  created: boolean;
}

function prepareOutput(output: string, force: boolean, deps: ExtractDeps): OutputDir {
  let created = false;
  let st;
  try {
    st = statSync(output, { throwIfNoEntry: false });
    if (st === undefined) {
      mkdirSync(output, { recursive: true, mode: 0o755 });
      created = true;
    }
  } catch (err) {
    throw deps.fail(`${output}: cannot create the output directory (${errnoCode(err)})`, EXIT_USAGE);
  }
  if (st !== undefined && !st.isDirectory()) throw deps.fail(`${output}: exists and is not a directory`, EXIT_USAGE);
  try {
    if (!created && !force && readdirSync(output).length > 0) {
      throw deps.fail(`${output}: directory is not empty (--force adds to it; nothing is ever overwritten)`, EXIT_USAGE);
    }
    return { dir: realpathSync(output), created };
  } catch (err) {
    if (!isErrno(err)) throw err;
    throw deps.fail(`${output}: cannot use as output directory (${errnoCode(err)})`, EXIT_USAGE);
  }
}

const exists = (path: string): boolean => lstatSync(path, { throwIfNoEntry: false }) !== undefined;

/**
 * Give a temporary file its final name: the suggested one or the first free variant. A hard link
 * fails rather than replace an existing name; where links are not supported, rename after a check.
 */
function settle(dir: string, sink: FileSink, suggested: string, taken: Set<string>): string {
  for (;;) {
    const name = uniqueName(suggested, (n) => taken.has(n.toLowerCase()) || exists(join(dir, n)));
    if (!isPlainNameInside(dir, name)) throw new Error(`refusing to write ${name}: not a plain name inside ${dir}`);
    taken.add(name.toLowerCase());
    const target = join(dir, name);
    try {
      linkSync(sink.path, target);
      unlinkSync(sink.path);
    } catch (err) {
      const code = errnoCode(err);
      if (code === 'EEXIST') continue;
      if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP' && code !== 'ENOSYS') throw err;
      if (exists(target)) continue;
      renameSync(sink.path, target);
    }
    return name;
  }
}

function removeIfEmpty(out: OutputDir): void {
  if (!out.created) return;
  try {
    if (readdirSync(out.dir).length === 0) rmdirSync(out.dir);
  } catch {
    // leave it
  }
}

export async function runExtract(capture: string, opts: ExtractCliOptions, deps: ExtractDeps): Promise<void> {
  const { io } = deps;
  const out = prepareOutput(opts.output, opts.force ?? false, deps);
  const store = new TempStore(out.dir);
  const sinks = new Map<ObjectSink, FileSink>();
  const collector = new ExtractionCollector({
    fillGaps: opts.fillGaps ?? false,
    asciiToLf: opts.asciiToLf ?? false,
    session: opts.session,
    transfer: opts.transfer,
    openSink: () => {
      const sink = store.create();
      sinks.set(sink, sink);
      return sink;
    },
  });
  let manifest: Manifest;
  let manifestName: string;
  let analysis: Analysis;
  try {
    analysis = await deps.analyze(capture, opts, (t, chunk, toServer) => collector.onTransferData(t, chunk, toServer));
    if (collector.error !== null) throw deps.fail(`${opts.output}: cannot write (${errnoCode(collector.error)})`, EXIT_USAGE);
    if (opts.session !== undefined && !analysis.sessions.some((s) => s.id === opts.session)) {
      throw deps.fail(`no session ${opts.session} in ${capture} (it has ${analysis.sessions.length})`, EXIT_USAGE);
    }
    if (
      opts.transfer !== undefined &&
      !analysis.sessions.some((s) => (opts.session === undefined || s.id === opts.session) && s.transfers.some((t) => t.id === opts.transfer))
    ) {
      throw deps.fail(`no transfer ${opts.transfer} in ${opts.session !== undefined ? `session ${opts.session} of ` : ''}${capture}`, EXIT_USAGE);
    }
    const result = collector.finish(analysis);
    for (const s of result.discarded) store.remove(sinks.get(s)!);
    const taken = new Set<string>();
    for (const o of result.objects) {
      const sink = sinks.get(o.sink)!;
      sink.complete();
      o.entry.savedName = settle(out.dir, sink, o.entry.savedName, taken);
      store.settled(sink);
    }
    manifest = {
      tool: 'ftpcap extract',
      capture: analysis.capture.file,
      options: {
        session: opts.session ?? null,
        transfer: opts.transfer ?? null,
        fillGaps: opts.fillGaps ?? false,
        asciiToLf: opts.asciiToLf ?? false,
      },
      objects: result.objects.map((o) => o.entry),
      skipped: result.skipped,
    };
    manifestName = uniqueName('manifest.json', (n) => taken.has(n.toLowerCase()) || exists(join(out.dir, n)));
    writeFileSync(join(out.dir, manifestName), `${JSON.stringify(manifest, null, 2)}\n`, { flag: 'wx', mode: 0o644 });
  } catch (err) {
    store.removeAll();
    removeIfEmpty(out);
    if (isErrno(err)) {
      throw deps.fail(`${opts.output}: cannot write (${errnoCode(err)})`, EXIT_USAGE);
    }
    throw err;
  }
  if (opts.json) {
    io.stdout.write(`${terminalSafeJson(manifest)}\n`);
    return;
  }
  const color = opts.color !== false && io.stdout.isTTY === true && io.env.NO_COLOR === undefined;
  io.stdout.write(`${renderExtract(manifest, opts.output, manifestName, { color, width: io.stdout.columns ?? 80 })}\n`);
  if (analysis.capture.warnings.length) io.stderr.write(`${warningLines(analysis.capture.warnings, analysis.capture.file)}\n`);
}

export function addExtractCommand(program: Command, deps: ExtractDeps): void {
  program
    .command('extract')
    .description('write every transferred file and listing into a directory, with sha256 and a verdict on each')
    .argument('<capture>', 'capture file (pcap, pcapng, optionally gzip-compressed), or - for standard input')
    .requiredOption('-o, --output <dir>', 'directory to write into (created when missing; must be empty unless --force)')
    .option('-s, --session <n>', 'only this session', positiveInt)
    .option('-t, --transfer <n>', 'only this transfer (its number within the session)', positiveInt)
    .option('--force', 'add to a non-empty directory (existing files are never overwritten)')
    .option('--fill-gaps', 'write zeros for bytes missing from the capture, so files keep their length')
    .option('--ascii-to-lf', 'convert CRLF line endings to LF in TYPE A transfers and listings')
    .option('--json', 'print the manifest instead of the table')
    .option('--show-passwords', 'show PASS arguments instead of ****')
    .addOption(new Option('--no-color', 'never colour the output'))
    .action(async (capture: string, opts: ExtractCliOptions) => runExtract(capture, opts, deps));
}
