/**
 * A strict reader of Zeek ASCII logs as ftpcap writes them, for the tests: the eight header lines
 * in Zeek's order, #fields and #types of the same length, every record with exactly that many
 * columns, a #close line last, and only `\xNN` escapes in values. Several logs may follow each
 * other (ftpcap logs --format zeek on standard output). Throws on anything else.
 */
export interface ZeekLogRead {
  path: string;
  fields: string[];
  types: string[];
  open: string;
  close: string;
  /** Values decoded: null for unset, '' for (empty), \xNN unescaped. */
  records: Array<Record<string, string | null>>;
  /** The raw record lines, as written. */
  lines: string[];
}

const HEADER = ['#separator', '#set_separator', '#empty_field', '#unset_field', '#path', '#open', '#fields', '#types'];
const TYPES = new Set(['time', 'interval', 'string', 'enum', 'addr', 'port', 'count', 'bool']);

export function readZeekLogs(text: string): ZeekLogRead[] {
  if (!text.endsWith('\n')) throw new Error('output does not end with a newline');
  const lines = text.slice(0, -1).split('\n');
  const logs: ZeekLogRead[] = [];
  let i = 0;
  while (i < lines.length) {
    const head = lines.slice(i, i + HEADER.length);
    HEADER.forEach((key, k) => {
      const line = head[k] ?? '';
      if (k === 0) {
        if (line !== '#separator \\x09') throw new Error(`line ${i + 1}: expected "#separator \\x09", got ${JSON.stringify(line)}`);
      } else if (line.split('\t')[0] !== key) throw new Error(`line ${i + k + 1}: expected ${key}, got ${JSON.stringify(line)}`);
    });
    const value = (k: number) => head[k].split('\t').slice(1);
    if (value(1).join() !== ',' || value(2).join() !== '(empty)' || value(3).join() !== '-') throw new Error(`line ${i + 2}: unexpected markers`);
    const fields = value(6);
    const types = value(7);
    if (fields.length !== types.length) throw new Error(`line ${i + 8}: ${fields.length} #fields but ${types.length} #types`);
    for (const t of types) if (!TYPES.has(t)) throw new Error(`line ${i + 8}: unknown type ${t}`);
    if (!/^\d{4}-\d\d-\d\d-\d\d-\d\d-\d\d$/.test(value(5)[0] ?? '')) throw new Error(`line ${i + 6}: bad #open stamp`);
    const log: ZeekLogRead = { path: value(4)[0], fields, types, open: value(5)[0], close: '', records: [], lines: [] };
    i += HEADER.length;
    for (; i < lines.length && !lines[i].startsWith('#close\t'); i++) {
      const line = lines[i];
      if (line.startsWith('#')) throw new Error(`line ${i + 1}: unexpected header line ${JSON.stringify(line)}`);
      const values = line.split('\t');
      if (values.length !== fields.length) throw new Error(`line ${i + 1}: ${values.length} columns for ${fields.length} fields`);
      const record: Record<string, string | null> = {};
      values.forEach((v, k) => {
        if (/[^\x20-\x7e]/.test(v)) throw new Error(`line ${i + 1}: unescaped byte in ${fields[k]}`);
        if (/\\(?!x[0-9a-f]{2})/.test(v)) throw new Error(`line ${i + 1}: stray backslash in ${fields[k]}`);
        record[fields[k]] = v === '-' ? null : v === '(empty)' ? '' : v.replace(/\\x([0-9a-f]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16)));
        checkType(types[k], record[fields[k]], `line ${i + 1} ${fields[k]}`);
      });
      log.records.push(record);
      log.lines.push(line);
    }
    if (i >= lines.length) throw new Error(`${log.path}: no #close line`);
    log.close = lines[i].split('\t')[1];
    if (!/^\d{4}-\d\d-\d\d-\d\d-\d\d-\d\d$/.test(log.close)) throw new Error(`line ${i + 1}: bad #close stamp`);
    i++;
    logs.push(log);
  }
  return logs;
}

function checkType(type: string, v: string | null, where: string): void {
  if (v === null) return;
  const ok =
    type === 'time' || type === 'interval'
      ? /^-?\d+\.\d{6}$/.test(v)
      : type === 'count' || type === 'port'
        ? /^\d+$/.test(v)
        : type === 'bool'
          ? v === 'T' || v === 'F'
          : type === 'addr'
            ? /^[0-9a-fA-F.:]+$/.test(v)
            : true;
  if (!ok) throw new Error(`${where}: ${JSON.stringify(v)} is no ${type}`);
}
