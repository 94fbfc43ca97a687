/**
 * What the verdict audits (verdicts-audit3/4.test.ts) ask of a recorded fixture: its shared
 * analysis, its transfers and causes, and the text of several outputs flattened to one line.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import type { Analysis, Transfer } from '../../src/analysis/model.js';
import { runCli } from '../cli/run-cli.js';
import { FIXTURES } from '../support/facts.js';
import { readTsharkTsv } from '../conformance/peer-readers.js';
import { sharedAnalyzeFiles } from '../support/shared-analysis.js';

export const path = (name: string): string => join(FIXTURES, `${name}.pcap`);
export const analyze = (name: string): Promise<Analysis> => sharedAnalyzeFiles([path(name)], { fileName: name, thread: false });
export const transfers = (a: Analysis): Transfer[] => a.sessions.flatMap((s) => s.transfers);
/** Every cause the analysis names, the sessions' and the transfers'. */
export const causes = (a: Analysis): string[] =>
  a.sessions.flatMap((s) => [s.diagnosis?.cause, ...s.transfers.map((t) => t.diagnosis?.cause)]).filter((c) => c !== undefined).map(String);
/** Table borders and line breaks undone: a sentence wrapped in a cell or paragraph reads whole. */
export const flat = (x: string): string => x.replace(/[|│\s]+/g, ' ');
/** Each command's output for the fixture, without colour, flattened. */
export const outputs = async (name: string, ...commands: string[]): Promise<string[]> =>
  (await Promise.all(commands.map((c) => runCli([c, '--no-color', path(name)])))).map((r) => flat(r.stdout));
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
