/**
 * `ftpcap extract capture -o DIR`: the file-system side of object recovery. Bytes of each object
 * stream into a temporary file inside DIR as the capture is read (small write buffers, a bound on
 * how many are filled at once); at the end each file gets its final name by a hard link that never
 * replaces anything, and DIR/manifest.json is written. Naming, verdicts and the manifest's content
 * come from src/extract; this module only opens, writes, links and removes files inside DIR.
 */
import { closeSync, constants, fstatSync, ftruncateSync, linkSync, lstatSync, mkdirSync, openSync, readdirSync, realpathSync, renameSync, rmdirSync, statSync, unlinkSync, writeFileSync, writeSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { InvalidArgumentError, Option, type Command } from 'commander';
import type { Analysis, Transfer } from '../analysis/model.js';
import type { AnalyzeOptions } from '../analysis/pipeline.js';
import type { ExtractionCollector, ObjectSink } from '../extract/collector.js';
import type { Manifest } from '../extract/manifest.js';
import { isPlainNameInside, uniqueName } from '../extract/names.js';
import { terminalSafeJson } from '../render/json.js';
import { writeWarnings, type CliIo } from './io.js';

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
  /**
   * Reads the capture (progress, capture errors → exit 2) feeding the data of linked transfers,
   * or of the connections asked for by number, to the callbacks.
   */
  analyze(capture: string, opts: ExtractCliOptions, reading: Pick<AnalyzeOptions, 'onTransferData' | 'connectionData'>): Promise<Analysis>;
  /** Whether the capture can be read a second time (a file; not standard input or a pipe). */
  readableAgain(capture: string): boolean;
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

/**
 * One object's temporary file: buffered appends, holes for --fill-gaps, extended to length at the
 * end. Every write goes through the descriptor the file was created with: the temporary name is
 * never opened again (someone swapping it for a hard link or a FIFO could otherwise redirect the
 * writes out of the directory, or stall them).
 */
export class FileSink implements ObjectSink {
  private buf: Buffer | null = null;
  private used = 0;
  /** Logical length written so far, holes included. */
  private end = 0;
  /** Open from creation until the file is settled or removed. */
  fd: number | null;

  constructor(
    readonly path: string,
    fd: number,
    private readonly store: TempStore,
  ) {
    this.fd = fd;
  }

  write(bytes: Uint8Array): void {
    let off = 0;
    while (off < bytes.length) {
      if (this.buf === null) {
        // Claim a slot first: the pool may flush the others to make room, never this one's new buffer.
        this.store.filled(this);
        this.buf = Buffer.allocUnsafe(WRITE_BUFFER);
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
      const fd = this.descriptor();
      let done = 0;
      while (done < this.used) done += writeSync(fd, this.buf, done, this.used - done, this.end - this.used + done);
    }
    this.buf = null;
    this.used = 0;
    this.store.emptied(this);
  }

  /** Everything written, and the file as long as the data (a trailing hole included). */
  complete(): void {
    this.flush();
    ftruncateSync(this.descriptor(), this.end);
  }

  close(): void {
    if (this.fd === null) return;
    const fd = this.fd;
    this.fd = null;
    closeSync(fd);
  }

  private descriptor(): number {
    if (this.fd === null) throw new Error(`internal: ${this.path} written after it was closed`);
    return this.fd;
  }
}

/** Temporary files inside the output directory, created exclusively, removed unless settled. */
export class TempStore {
  private seq = 0;
  private readonly open = new Set<FileSink>();
  private readonly buffered = new Set<FileSink>();

  constructor(private readonly dir: string) {}

  create(): FileSink {
    for (;;) {
      const path = join(this.dir, `.ftpcap-partial-${process.pid}-${++this.seq}`);
      let fd: number;
      try {
        fd = openSync(path, constants.O_CREAT | constants.O_EXCL | constants.O_WRONLY | NOFOLLOW, 0o644);
      } catch (err) {
        if (errnoCode(err) === 'EEXIST') continue;
        throw err;
      }
      const sink = new FileSink(path, fd, this);
      this.open.add(sink);
      return sink;
    }
  }

  /** `sink` is about to fill a buffer: when that makes more than the bound, the others are written out. */
  filled(sink: FileSink): void {
    this.buffered.add(sink);
    if (this.buffered.size > MAX_BUFFERED_OBJECTS) for (const s of [...this.buffered]) if (s !== sink) s.flush();
  }

  emptied(sink: FileSink): void {
    this.buffered.delete(sink);
  }

  settled(sink: FileSink): void {
    this.open.delete(sink);
    sink.close();
  }

  remove(sink: FileSink): void {
    this.open.delete(sink);
    this.buffered.delete(sink);
    try {
      sink.close();
    } catch {
      // closing is all that was left to do with it
    }
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
  /** Directories this run created, deepest last (the output directory and missing parents). */
  created: string[];
}

/**
 * mkdir -p, one level at a time (Node's recursive mkdirSync never returns for some paths, such as
 * one under /proc/self), recording what it created so that a failed run can remove exactly that.
 */
function makeDirs(path: string, created: string[]): void {
  const missing: string[] = [];
  for (let p = resolve(path); ; ) {
    const st = lstatSync(p, { throwIfNoEntry: false });
    if (st !== undefined) break;
    missing.push(p);
    const parent = dirname(p);
    if (parent === p) break;
    p = parent;
  }
  for (const p of missing.reverse()) {
    mkdirSync(p, { mode: 0o755 });
    created.push(p);
  }
}

function prepareOutput(output: string, force: boolean, deps: ExtractDeps): OutputDir {
  const created: string[] = [];
  let st;
  try {
    st = statSync(output, { throwIfNoEntry: false });
    if (st === undefined) makeDirs(output, created);
  } catch (err) {
    removeCreated(created);
    throw deps.fail(`${output}: cannot create the output directory (${errnoCode(err)})`, EXIT_USAGE);
  }
  if (st !== undefined && !st.isDirectory()) throw deps.fail(`${output}: exists and is not a directory`, EXIT_USAGE);
  try {
    if (created.length === 0 && !force && readdirSync(output).length > 0) {
      throw deps.fail(`${output}: directory is not empty (--force adds to it; nothing is ever overwritten)`, EXIT_USAGE);
    }
    return { dir: realpathSync(output), created };
  } catch (err) {
    removeCreated(created);
    if (!isErrno(err)) throw err;
    throw deps.fail(`${output}: cannot use as output directory (${errnoCode(err)})`, EXIT_USAGE);
  }
}

const exists = (path: string): boolean => lstatSync(path, { throwIfNoEntry: false }) !== undefined;

/**
 * Give a temporary file its final name: the suggested one or the first free variant. A hard link
 * fails rather than replace an existing name; where links are not supported, rename after a check.
 */
export function settle(dir: string, sink: FileSink, suggested: string, taken: Set<string>): string {
  for (;;) {
    const name = uniqueName(suggested, (n) => taken.has(n.toLowerCase()) || exists(join(dir, n)));
    if (!isPlainNameInside(dir, name)) throw new Error(`refusing to write ${name}: not a plain name inside ${dir}`);
    taken.add(name.toLowerCase());
    const target = join(dir, name);
    try {
      linkSync(sink.path, target);
      if (!sameFile(target, sink)) {
        // The temporary name no longer names the file this run wrote: never keep what it names now.
        unlinkSync(target);
        throw new Error(`${sink.path} was replaced while extracting; refusing to name it ${name}`);
      }
      unlinkSync(sink.path);
    } catch (err) {
      const code = errnoCode(err);
      if (code === 'EEXIST') continue;
      if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP' && code !== 'ENOSYS') throw err;
      if (exists(target)) continue;
      renameSync(sink.path, target);
      if (!sameFile(target, sink)) throw new Error(`${sink.path} was replaced while extracting`);
    }
    return name;
  }
}

/** Whether `path` (not followed if a link) is the very file `sink` wrote through its descriptor. */
function sameFile(path: string, sink: FileSink): boolean {
  const st = lstatSync(path, { throwIfNoEntry: false });
  if (st === undefined || !st.isFile() || sink.fd === null) return false;
  const own = fstatSync(sink.fd);
  return st.dev === own.dev && st.ino === own.ino;
}

/** Remove the directories this run created, deepest first, as long as they are empty. */
function removeCreated(created: string[]): void {
  for (const d of [...created].reverse()) {
    try {
      rmdirSync(d);
    } catch {
      return; // not empty (or not ours any more): leave it and what holds it
    }
  }
}

/**
 * The second reading: transfers known only once the capture was read (TLS hid their commands, or
 * they were running when it began) whose data connections were in clear get their bytes from the
 * same file read again, asked for by connection number. A capture from a pipe is read once only.
 */
async function readInferredData(
  capture: string,
  opts: ExtractCliOptions,
  analysis: Analysis,
  collector: ExtractionCollector,
  wanted: (t: Transfer) => boolean,
  readAgain: boolean,
  deps: ExtractDeps,
): Promise<void> {
  const byStream = new Map<number, Transfer>();
  for (const s of analysis.sessions) {
    if (opts.session !== undefined && s.id !== opts.session) continue;
    for (const t of s.transfers) if (wanted(t) && (opts.transfer === undefined || t.id === opts.transfer)) byStream.set(t.connection!.stream, t);
  }
  if (byStream.size === 0 || !readAgain) return;
  await deps.analyze(capture, opts, {
    connectionData: {
      streams: new Set(byStream.keys()),
      onData: (stream, chunk) => {
        const t = byStream.get(stream)!;
        // The connection's first sender is the FTP client when the client opened it (passive mode).
        collector.onTransferData(t, chunk, (chunk.dir === 'c2s') === (t.connection!.initiator === 'client'));
      },
    },
  });
}

export async function runExtract(capture: string, opts: ExtractCliOptions, deps: ExtractDeps): Promise<void> {
  const { io } = deps;
  // Imported here, not when ftpcap starts: most runs are a summary (issue 15: start-up).
  const [{ ExtractionCollector, inferredWanted }, { renderExtract }] = await Promise.all([import('../extract/collector.js'), import('../render/extract.js')]);
  const out = prepareOutput(opts.output, opts.force ?? false, deps);
  const readAgain = deps.readableAgain(capture);
  const store = new TempStore(out.dir);
  const sinks = new Map<ObjectSink, FileSink>();
  const collector = new ExtractionCollector({
    fillGaps: opts.fillGaps ?? false,
    asciiToLf: opts.asciiToLf ?? false,
    session: opts.session,
    transfer: opts.transfer,
    readAgain,
    openSink: () => {
      const sink = store.create();
      sinks.set(sink, sink);
      return sink;
    },
  });
  let manifest: Manifest;
  let manifestName: string;
  /** Files this run gave their final names: removed again if the run fails after all. */
  const saved: string[] = [];
  let analysis: Analysis;
  try {
    analysis = await deps.analyze(capture, opts, { onTransferData: (t, chunk, toServer) => collector.onTransferData(t, chunk, toServer) });
    if (collector.error === null) await readInferredData(capture, opts, analysis, collector, inferredWanted, readAgain, deps);
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
      saved.push(join(out.dir, o.entry.savedName));
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
    for (const f of saved) {
      try {
        unlinkSync(f);
      } catch {
        // already gone
      }
    }
    removeCreated(out.created);
    if (isErrno(err)) {
      throw deps.fail(`${opts.output}: cannot write (${errnoCode(err)})`, EXIT_USAGE);
    }
    throw err;
  }
  if (opts.json) {
    io.stdout.write(`${terminalSafeJson(manifest)}\n`);
  } else {
    const color = opts.color !== false && io.stdout.isTTY === true && io.env.NO_COLOR === undefined;
    io.stdout.write(`${renderExtract(manifest, opts.output, manifestName, { color, width: io.stdout.columns ?? 80 })}\n`);
  }
  // The manifest has no place for the capture's warnings: they go to stderr either way.
  await writeWarnings(io, analysis);
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
