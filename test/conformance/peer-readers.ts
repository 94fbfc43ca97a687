/**
 * Readers for the peer tools' recorded output next to each shared capture: tshark field dumps
 * (TSV), Zeek ASCII logs, and the subset of YAML that suricata-verify's test.yaml files use.
 * They read facts only; comparing them with ftpcap is the checks' job.
 */
import { readFileSync } from 'node:fs';
import { readText } from '../support/read-text.js';

/** One tshark `-T fields` row, by column name; '' for an empty field. */
export type TsvRow = Record<string, string>;

/** Column order of *.tshark-ftp.tsv, which was dumped without a header line. */
export const TSHARK_FTP_COLUMNS = [
  'frame.number',
  'ip.src',
  'ipv6.src',
  'tcp.srcport',
  'ip.dst',
  'ipv6.dst',
  'tcp.dstport',
  'ftp.request.command',
  'ftp.request.arg',
  'ftp.response.code',
  'ftp.response.arg',
];

/**
 * Reads a tshark TSV. A first line whose first field is not a number is a header and names the
 * columns; otherwise `columns` does. Fails loudly when a row's width differs from the header's:
 * a silently shifted column would compare the wrong facts.
 */
export function readTsharkTsv(path: string, columns: readonly string[] = TSHARK_FTP_COLUMNS): TsvRow[] {
  // The same views are read by many test files in one worker (isolate: false): parsed once each.
  // A copy of the list: a caller may sort or filter it in place; the rows are only read.
  const key = `${path}\0${columns.join('\t')}`;
  let rows = parsedTsv.get(key);
  if (rows === undefined) {
    rows = parseTsharkTsv(path, columns);
    parsedTsv.set(key, rows);
    parsedRows += rows.length;
    for (const [k, r] of parsedTsv) {
      if (parsedRows <= PARSED_ROWS_KEPT || k === key) break;
      parsedTsv.delete(k);
      parsedRows -= r.length;
    }
  }
  return rows.slice();
}

/** Rows kept per worker, the oldest views forgotten first (the per-frame views of large fixtures hold tens of thousands). */
const PARSED_ROWS_KEPT = 200_000;
const parsedTsv = new Map<string, TsvRow[]>();
let parsedRows = 0;

function parseTsharkTsv(path: string, columns: readonly string[]): TsvRow[] {
  // latin1: tshark writes the payload's bytes as they are, and ftpcap keeps lines as latin1 too.
  const lines = readText(path, 'latin1').split('\n');
  if (lines.at(-1) === '') lines.pop();
  let names = [...columns];
  if (lines.length > 0 && !/^\d+$/.test(lines[0].split('\t')[0])) names = lines.shift()!.split('\t');
  const makeRow = rowMaker(names);
  return lines.map((line, i) => {
    const fields = line.split('\t');
    if (fields.length !== names.length) {
      throw new Error(`${path}:${i + 1}: ${fields.length} fields, expected ${names.length}`);
    }
    return makeRow(fields);
  });
}

/**
 * A function building a row from its fields as one object literal with every column: rows of one
 * header then share a shape. Assigning 52 columns one by one made each row a slow dictionary
 * and was the largest cost of test/diagnose/diagnose.test.ts (about 0.6 s of parsing and 1 s of
 * collection of its 6.3 s CPU).
 */
function rowMaker(names: readonly string[]): (fields: string[]) => TsvRow {
  const key = names.join('\t');
  let make = rowMakers.get(key);
  if (make === undefined) {
    // Column names come from the committed views' headers; JSON.stringify quotes them safely.
    make = new Function('f', `return {${names.map((n, k) => `${JSON.stringify(n)}: f[${k}]`).join(', ')}};`) as (fields: string[]) => TsvRow;
    rowMakers.set(key, make);
  }
  return make;
}
const rowMakers = new Map<string, (fields: string[]) => TsvRow>();

/** One Zeek log record; null for Zeek's unset field ('-'). */
export type ZeekRecord = Record<string, string | null>;

/** Reads a Zeek ASCII log (tab-separated, `#fields` header, `\xNN` escapes). */
export function readZeekLog(path: string): ZeekRecord[] {
  let fields: string[] | null = null;
  let unset = '-';
  let empty = '(empty)';
  const out: ZeekRecord[] = [];
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    if (line === '') continue;
    if (line.startsWith('#')) {
      const [key, ...rest] = line.split('\t');
      if (key === '#fields') fields = rest;
      else if (key === '#unset_field') unset = rest[0];
      else if (key === '#empty_field') empty = rest[0];
      continue;
    }
    if (fields === null) throw new Error(`${path}: record before the #fields line`);
    const values = line.split('\t');
    if (values.length !== fields.length) throw new Error(`${path}: ${values.length} values for ${fields.length} fields`);
    const record: ZeekRecord = {};
    fields.forEach((name, i) => {
      const v = values[i];
      record[name] = v === unset ? null : v === empty ? '' : unescapeZeek(v);
    });
    out.push(record);
  }
  return out;
}

function unescapeZeek(v: string): string {
  return v.replace(/\\x([0-9a-fA-F]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
}

export type YamlValue = string | number | boolean | null | YamlValue[] | { [key: string]: YamlValue };

/**
 * Block-style YAML as suricata-verify writes it: nested maps and lists by indentation, plain or
 * quoted scalars, `#` comments. No flow style, anchors or multi-line scalars (none occur there);
 * a line this reader cannot place throws rather than being misread.
 */
export function parseYaml(text: string): YamlValue {
  const lines: Array<{ indent: number; text: string; n: number }> = [];
  text.split('\n').forEach((raw, i) => {
    const stripped = stripComment(raw).trimEnd();
    if (stripped.trim() === '') return;
    lines.push({ indent: stripped.length - stripped.trimStart().length, text: stripped.trimStart(), n: i + 1 });
  });
  let pos = 0;

  function block(indent: number): YamlValue {
    if (lines[pos].text.startsWith('- ') || lines[pos].text === '-') return list(indent);
    return map(indent);
  }

  function list(indent: number): YamlValue[] {
    const out: YamlValue[] = [];
    while (pos < lines.length && lines[pos].indent === indent && (lines[pos].text.startsWith('- ') || lines[pos].text === '-')) {
      const line = lines[pos];
      const rest = line.text.slice(1).trimStart();
      const itemIndent = indent + (line.text.length - rest.length);
      if (rest === '') {
        pos++;
        out.push(pos < lines.length && lines[pos].indent > indent ? block(lines[pos].indent) : null);
      } else if (keyValue(rest) !== null) {
        // "- key: value" opens a map whose keys line up with "key".
        lines[pos] = { indent: itemIndent, text: rest, n: line.n };
        out.push(map(itemIndent));
      } else {
        pos++;
        out.push(scalar(rest));
      }
    }
    return out;
  }

  function map(indent: number): { [key: string]: YamlValue } {
    const out: { [key: string]: YamlValue } = {};
    while (pos < lines.length && lines[pos].indent === indent) {
      const line = lines[pos];
      const kv = keyValue(line.text);
      if (kv === null) throw new Error(`yaml line ${line.n}: expected "key: value", got ${JSON.stringify(line.text)}`);
      pos++;
      if (kv.value !== '') out[kv.key] = scalar(kv.value);
      else if (pos < lines.length && lines[pos].indent > indent) out[kv.key] = block(lines[pos].indent);
      else if (pos < lines.length && lines[pos].indent === indent && lines[pos].text.startsWith('- ')) {
        out[kv.key] = list(indent); // a list may sit at its key's own indentation
      } else out[kv.key] = null;
    }
    if (pos < lines.length && lines[pos].indent > indent) {
      throw new Error(`yaml line ${lines[pos].n}: unexpected indentation`);
    }
    return out;
  }

  const root = lines.length === 0 ? null : block(lines[0].indent);
  if (pos < lines.length) throw new Error(`yaml line ${lines[pos].n}: unexpected dedent`);
  return root;
}

function keyValue(text: string): { key: string; value: string } | null {
  const m = /^([^'"\s][^:]*?|'[^']*'|"[^"]*"):(?:\s+(.*))?$/.exec(text);
  if (m === null) return null;
  return { key: unquote(m[1]), value: (m[2] ?? '').trim() };
}

function stripComment(line: string): string {
  let quote: string | null = null;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quote !== null) {
      if (c === quote) quote = null;
    } else if (c === '"' || c === "'") quote = c;
    else if (c === '#' && (i === 0 || /\s/.test(line[i - 1]))) return line.slice(0, i);
  }
  return line;
}

function unquote(s: string): string {
  if (s.length >= 2 && (s[0] === '"' || s[0] === "'") && s.at(-1) === s[0]) return s.slice(1, -1);
  return s;
}

function scalar(s: string): YamlValue {
  if (s[0] === '"' || s[0] === "'") return unquote(s);
  if (s === 'true') return true;
  if (s === 'false') return false;
  if (s === 'null' || s === '~') return null;
  if (/^-?\d+$/.test(s)) return Number(s);
  return s;
}

/**
 * Payload bytes one TCP stream's two ends cover by sequence number, from tshark's raw per-frame fields
 * (NAME.tshark-fields.tsv): the larger of the two directions' highest seq + len past their first
 * payload's seq. A segment sent again counts once, where tshark-streams.tsv (a sum of tcp.len) counts
 * it again (a41-frag-loss-*-server-side: the receiver dropped fragments after the capture point).
 */
export function tsharkSequenceExtent(fieldsTsv: string, a: TsvRow): number {
  const rows = readTsharkTsv(fieldsTsv);
  let best = 0;
  for (const [sport, dport] of [[a.srcport, a.dstport], [a.dstport, a.srcport]]) {
    let first: number | null = null;
    let top = 0;
    for (const r of rows) {
      const len = Number(r['tcp.len']);
      if (!(len > 0) || r['tcp.srcport'] !== sport || r['tcp.dstport'] !== dport) continue;
      const seq = Number(r['tcp.seq_raw']);
      first ??= seq;
      top = Math.max(top, ((seq - first + 2 ** 32) % 2 ** 32) + len);
    }
    best = Math.max(best, top);
  }
  return best;
}
