/**
 * What the verdict audits (verdicts-audit3/4.test.ts) ask of a recorded fixture: its shared
 * analysis, its transfers and causes, and the text of several outputs flattened to one line.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import type { Analysis, Transfer } from '../../src/analysis/model.js';
import { analyzeFiles } from '../../src/analysis/pipeline.js';
import { TlsKeyLog } from '../../src/tls/keylog.js';
import { recentAnalyses, runCli } from '../cli/run-cli.js';
import { FIXTURES } from '../support/facts.js';
import { readTsharkTsv } from '../conformance/peer-readers.js';
import { sharedAnalyzeFiles } from '../support/shared-analysis.js';
import { filterPcap, swapNeighbours } from '../support/pcap-edit.js';

/** The fixture's capture: NAME.pcap, or its gzip-compressed NAME.pcap.gz. */
export const path = (name: string): string => (existsSync(join(FIXTURES, `${name}.pcap`)) ? join(FIXTURES, `${name}.pcap`) : join(FIXTURES, `${name}.pcap.gz`));
export const analyze = (name: string): Promise<Analysis> => sharedAnalyzeFiles([path(name)], { fileName: name, thread: false });
export const transfers = (a: Analysis): Transfer[] => a.sessions.flatMap((s) => s.transfers);
/** A transfer by its "session.transfer" id ("1.2"). */
export const transfer = (a: Analysis, id: string): Transfer => {
  const [s, t] = id.split('.').map(Number);
  return a.sessions.find((x) => x.id === s)!.transfers.find((x) => x.id === t)!;
};
/** Every cause the analysis names, the sessions' and the transfers'. */
export const causes = (a: Analysis): string[] =>
  a.sessions.flatMap((s) => [s.diagnosis?.cause, ...s.transfers.map((t) => t.diagnosis?.cause)]).filter((c) => c !== undefined).map(String);
/** Table borders and line breaks undone: a sentence wrapped in a cell or paragraph reads whole. */
export const flat = (x: string): string => x.replace(/[|│\s]+/g, ' ');
/** Commands that write no colour, and take no --no-color. */
const UNCOLOURED = new Set(['logs', 'report']);
/**
 * Each command's output for the fixture, without colour, flattened. A command that fails (an
 * option it does not take, say) fails the test: its empty output would match nothing.
 */
export const outputs = async (name: string, ...commands: string[]): Promise<string[]> =>
  (await Promise.all(commands.map((c) => runCli(UNCOLOURED.has(c) ? [c, path(name)] : [c, '--no-color', path(name)])))).map((r, i) => {
    if (r.code !== 0) throw new Error(`ftpcap ${commands[i]} ${name}: exit ${r.code}: ${r.stderr.trim()}`);
    return flat(r.stdout);
  });
/** The recorder's ground truth for the fixture (NAME.facts.json). */
export const facts = (name: string): Record<string, any> => JSON.parse(readFileSync(join(FIXTURES, `${name}.facts.json`), 'utf8'));
/** The fixture's HTML report, written into dir. */
export async function reportPage(name: string, dir: string): Promise<string> {
  const html = join(dir, `${name}.html`);
  expect((await runCli(['report', path(name), '-o', html])).code).toBe(0);
  return readFileSync(html, 'utf8');
}

/** extract's saved files for the fixture, written into `dir`/NAME: file name → sha256. */
export async function extractedFiles(name: string, dir: string): Promise<Record<string, string>> {
  const out = join(dir, name);
  expect((await runCli(['extract', '-o', out, path(name)])).code).toBe(0);
  return Object.fromEntries(
    readdirSync(out)
      .filter((f) => !f.endsWith('.json'))
      .map((f) => [f, createHash('sha256').update(readFileSync(join(out, f))).digest('hex')]),
  );
}

/** The recorder's sha256 of a file the fixture moved (NAME.facts.json). */
export const factSha = (name: string, file: string): string => facts(name).files.find((x: { path: string }) => x.path === file).sha256;

/** One of tshark's views of the fixture, written by the recorder (NAME.tshark-VIEW.tsv). */
export const tsv = (name: string, view: string): Array<Record<string, string>> => readTsharkTsv(join(FIXTURES, `${name}.tshark-${view}.tsv`));
/** tshark's FTP rows of one control connection with a command or a reply code: [frame, command or code]. */
export const ftpRows = (name: string, stream: string): Array<[number, string]> =>
  tsv(name, 'ftp')
    .filter((r) => r['tcp.stream'] === stream && (r['ftp.request.command'] || r['ftp.response.code']))
    .map((r) => [Number(r['frame.number']), r['ftp.request.command'] || r['ftp.response.code']]);
/** tshark's frames of one TCP port with these flags (0x0002 SYN, 0x0004 RST, 0x0014 RST/ACK, 0x0011 FIN/ACK). */
export const flagged = (name: string, flags: string, port: string): number[] =>
  tsv(name, 'fields')
    .filter((r) => r['tcp.flags'] === flags && (r['tcp.srcport'] === port || r['tcp.dstport'] === port))
    .map((r) => Number(r['frame.number']));
/** tshark's ftp-data view: data stream → [setup frame (227/229), command frame]. */
export const dataStreams = (name: string): Record<string, [number, number]> =>
  Object.fromEntries(tsv(name, 'data-streams').map((r) => [r['tcp.stream'], [Number(r['ftp-data.setup-frame']), Number(r['ftp-data.command-frame'])]]));
/**
 * Every transfer: [session.transfer, announcing command, its frame, request, its frame, data stream,
 * bytes, final reply code, its frame, verdict], then what `more` adds (an audit's own columns).
 */
export const transferRows = (a: Analysis, more: (t: Transfer) => unknown[] = () => []): unknown[][] =>
  a.sessions.flatMap((s) =>
    s.transfers.map((t) => [
      `${s.id}.${t.id}`,
      t.announce?.command ?? null,
      t.announce?.frame ?? null,
      t.request ? `${t.request.command} ${t.request.arg}`.trim() : null,
      t.request?.frame ?? null,
      t.connection?.stream ?? null,
      t.bytes,
      t.reply?.code ?? null,
      t.reply?.frame ?? null,
      t.verdict.kind,
      ...more(t),
    ]),
  );
/** ftpcap's commands and replies of one session in ftpRows' shape. */
export const ourRows = (a: Analysis, id: number): Array<[number, string]> =>
  a.sessions
    .find((s) => s.id === id)!
    .commands.flatMap((c) => {
      const out: Array<[number, string]> = [];
      if (c.command !== null) out.push([c.frame, c.command]);
      for (const p of c.preliminary) out.push([p.frame, String(p.code)]);
      // A multi-line reply: tshark shows its first line and its last, each with the code.
      if (c.reply && c.reply.firstFrame !== c.reply.frame) out.push([c.reply.firstFrame, String(c.reply.code)]);
      if (c.reply) out.push([c.reply.frame, String(c.reply.code)]);
      return out;
    })
    .sort((x, y) => x[0] - y[0]);

/** Words that call something failed: none may appear where a capture cannot show a failure (a one-way capture). */
export const FAILURE_WORDS = /\b(failed|aborted|did not complete|never (answered|opened|opens|came)|no answer|refused|timed out)\b/i;

/** No output calls anything failed or aborted; no transfer or session is diagnosed. `dir`: where the report page goes. */
export async function nothingFailed(name: string, dir: string): Promise<void> {
  const a = await analyze(name);
  expect(a.sessions.map((s) => s.diagnosis)).toEqual(a.sessions.map(() => null));
  for (const t of a.sessions.flatMap((s) => s.transfers)) {
    expect(t.diagnosis).toBeNull();
    expect(['failed', 'aborted']).not.toContain(t.verdict.kind);
  }
  const texts = await outputs(name, 'summary', 'diagnose', 'explain', 'sessions', 'timeline', 'logs');
  // "Not failures", "No failed data connections": diagnose's headings for what is not a failure.
  for (const text of texts) expect(flat(text).replace(/\bNot failures\b|\bNo failed data connections\b/g, '')).not.toMatch(FAILURE_WORDS);
  // The report's ladder marks no SYN "no answer": the answers are in the direction not captured.
  expect(await reportPage(name, dir)).not.toMatch(/SYN \((retransmitted, )?no answer\)/);
}

/** Each transfer: [id, verdict, cause, later attempt or null]. */
export const verdicts = (a: Analysis): unknown[][] =>
  a.sessions.flatMap((s) =>
    s.transfers.map((t) => {
      const l = t.laterAttempt;
      return [`${s.id}.${t.id}`, t.verdict.kind, t.diagnosis?.cause ?? null, l ? `${l.session}.${l.transfer} REST ${l.rest} ${l.outcome}` : null];
    }),
  );
/** summary --json's per-transfer [id, verdict, cause]. */
export async function jsonVerdicts(name: string): Promise<unknown[][]> {
  const j = JSON.parse((await runCli(['summary', '--json', path(name)])).stdout);
  return j.sessions.flatMap((s: any) => s.transfers.map((t: any) => [`${s.id}.${t.id}`, t.verdict.kind, t.diagnosis?.cause ?? null]));
}

/** A capture derived from a committed fixture by keeping whole records (never new bytes), analysed. */
export interface Derived {
  file: string;
  a: Analysis;
  /** A full-capture frame's number in the derived capture. */
  at: (frame: number) => number;
}

/**
 * The fixture with only the records whose full-capture frame `keep` accepts, written to
 * `dir/NAME-LABEL.pcap` and analysed: a capture that missed packets (audit 52, 53), started late
 * (audit 54) or stopped early.
 */
export async function derived(dir: string, name: string, label: string, keep: (frame: number) => boolean): Promise<Derived> {
  const file = join(dir, `${name}-${label}.pcap`);
  const kept: number[] = [];
  writeFileSync(
    file,
    filterPcap(readFileSync(path(name)), (r) => {
      const k = keep(r.frame);
      if (k) kept.push(r.frame);
      return k;
    }),
  );
  // The analysis the outputs of this file will share (derivedTexts' runCli).
  const a = await recentAnalyses([file], { fileName: file, thread: false });
  return { file, a, at: (f) => kept.filter((x) => x <= f).length };
}

/**
 * The fixture with the records of frames `frame` and `frame + 1` in the other order (each keeping
 * its slot's timestamp), written to `dir/NAME-swap-FRAME.pcap`: two NIC queues, or a TAP's two
 * directions merged, writing neighbours the other way round (swap-sweep --opposite).
 */
export function swapped(dir: string, name: string, frame: number): string {
  const file = join(dir, `${name}-swap-${frame}.pcap`);
  writeFileSync(file, swapNeighbours(readFileSync(path(name)), frame));
  return file;
}

/** A capture (the fixture's, or one derived from it) analysed with the fixture's key log (NAME.keys). */
export function analyzeWithKeys(name: string, file: string): Promise<Analysis> {
  const tlsKeyLog = new TlsKeyLog();
  tlsKeyLog.addText(readFileSync(join(FIXTURES, `${name}.keys`), 'latin1'));
  return analyzeFiles([file], { fileName: file, thread: false, tlsKeyLog });
}

/**
 * Outputs of a derived capture, flattened (report and logs as they are, the rest without colour),
 * and summary --json's one row per transfer (`row`; by default [id, verdict, cause]).
 */
export async function derivedTexts(
  file: string,
  commands: string[],
  row: (s: any, t: any) => unknown[] = (s, t) => [`${s.id}.${t.id}`, t.verdict.kind, t.diagnosis?.cause ?? null],
): Promise<{ out: Record<string, string>; json: unknown[][] }> {
  const out: Record<string, string> = {};
  for (const c of commands) {
    const r = await runCli(c === 'report' || c === 'logs' ? [c, file] : [c, '--no-color', file]);
    expect(r.code, `${c}: ${r.stderr}`).toBe(0);
    out[c] = flat(r.stdout);
  }
  const j = JSON.parse((await runCli(['summary', '--json', file])).stdout);
  const json = j.sessions.flatMap((s: any) => s.transfers.map((t: any) => row(s, t)));
  return { out, json };
}
