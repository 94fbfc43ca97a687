/**
 * `ftpcap logs` output against the peers' own logs for the shared captures: Zeek's ftp.log and
 * conn.log field by field, and suricata-verify's EVE filter checks counted over ftpcap's EVE lines.
 * Reports facts compared and disagreements; the test decides which are known.
 */
import type { Analysis } from '../../src/analysis/model.js';
import { eveLog } from '../../src/render/logs/eve.js';
import { zeekDataLog, zeekFtpLog, ZEEK_LOGGED_COMMANDS } from '../../src/render/logs/zeek.js';
import { readZeekLogs } from '../render/zeek-log-reader.js';
import type { YamlValue, ZeekRecord } from './peer-readers.js';

export interface LogDiff {
  capture: string;
  log: 'ftp.log' | 'conn.log' | 'eve';
  /** Which record or check, e.g. "row 3 PASV". */
  where: string;
  field: string;
  ftpcap: string | null;
  peer: string | null;
}

export class LogTally {
  facts = 0;
  readonly factsByLog: Record<LogDiff['log'], number> = { 'ftp.log': 0, 'conn.log': 0, eve: 0 };
  readonly diffs: LogDiff[] = [];
  constructor(readonly capture: string) {}
  compare(log: LogDiff['log'], where: string, field: string, ours: string | null | undefined, theirs: string | null | undefined): void {
    this.facts++;
    this.factsByLog[log]++;
    const a = ours ?? null;
    const b = theirs ?? null;
    if (a !== b) this.diffs.push({ capture: this.capture, log, where, field, ftpcap: a, peer: b });
  }
}

const text = (lines: Iterable<string>): string => [...lines].join('');

/** Fields of ftp.log that Zeek's btest baselines mask (ts) or that cannot agree by design (uid: compared as a partition). */
const FTP_FIELDS_SKIPPED = new Set(['ts', 'uid']);

/**
 * Each Zeek ftp.log record is matched with ftpcap's next record of the same connection and
 * command (ftpcap logging every command, as the btests that add USER, SYST… to
 * FTP::logged_commands); then every column is compared. Passwords Zeek hides are compared with
 * ftpcap's output without --show-passwords, the others with it.
 */
export function compareFtpLog(capture: string, a: Analysis, zeek: ZeekRecord[], t: LogTally): void {
  const shown = readZeekLogs(text(zeekFtpLog(a, { showPasswords: true, allCommands: true })))[0].records;
  const hidden = readZeekLogs(text(zeekFtpLog(a, { showPasswords: false, allCommands: true })))[0].records;
  const cursor = new Map<string, number>();
  const uidPairs = new Map<string, string>();
  const conn = (r: ZeekRecord) => `${r['id.orig_h']}|${r['id.orig_p']}|${r['id.resp_h']}|${r['id.resp_p']}`;
  zeek.forEach((z, k) => {
    const where = `row ${k + 1} ${z.command}`;
    const from = cursor.get(conn(z)) ?? 0;
    const i = shown.findIndex((o, j) => j >= from && conn(o) === conn(z) && o.command === z.command);
    t.compare('ftp.log', where, 'record', i < 0 ? 'none' : 'found', 'found');
    if (i < 0) return;
    cursor.set(conn(z), i + 1);
    const ours = shown[i];
    // uid: the same connection has one uid, and distinct connections distinct ones, in both logs.
    const prior = uidPairs.get(z.uid ?? '');
    t.compare('ftp.log', where, 'uid (same connection, same uid)', prior === undefined || prior === ours.uid ? 'consistent' : ours.uid, 'consistent');
    uidPairs.set(z.uid ?? '', ours.uid ?? '');
    for (const field of Object.keys(z)) {
      if (FTP_FIELDS_SKIPPED.has(field)) continue;
      const mine = field === 'password' && z.password === '<hidden>' ? hidden[i].password : field === 'arg' && z.command === 'PASS' && z.arg === '<hidden>' ? hidden[i].arg : ours[field];
      t.compare('ftp.log', where, field, mine, z[field]);
    }
  });
  // How many records: ftpcap's default set (plus the verbs this Zeek run added) against Zeek's count.
  const verbs = new Set([...ZEEK_LOGGED_COMMANDS, ...zeek.map((z) => z.command ?? '')]);
  const counted = shown.filter((r) => verbs.has(r.command ?? ''));
  t.compare('ftp.log', 'all rows', 'record count', String(counted.length), String(zeek.length));
}

const CONN_FIELDS = ['id.orig_h', 'id.orig_p', 'id.resp_h', 'id.resp_p', 'proto', 'service', 'duration', 'orig_bytes', 'resp_bytes', 'conn_state', 'missed_bytes'];

/** Zeek's conn.log rows of service ftp-data against ftpcap_data.log, and ftpcap's data connections looked up in conn.log. */
export function compareConnLog(capture: string, a: Analysis, zeek: ZeekRecord[], t: LogTally): void {
  const ours = readZeekLogs(text(zeekDataLog(a)))[0].records.filter((r) => r.uid !== null);
  const key = (r: ZeekRecord) => `${r['id.orig_h']}|${r['id.orig_p']}|${r['id.resp_h']}|${r['id.resp_p']}`;
  const data = zeek.filter((z) => z.service === 'ftp-data');
  data.forEach((z) => {
    const where = `ftp-data ${key(z)}`;
    const o = ours.find((r) => key(r) === key(z));
    t.compare('conn.log', where, 'record', o ? 'found' : 'none', 'found');
    if (!o) return;
    for (const f of CONN_FIELDS) t.compare('conn.log', where, f, o[f], z[f]);
  });
  for (const o of ours) {
    if (data.some((z) => key(z) === key(o))) continue;
    t.compare('conn.log', `ftpcap_data ${key(o)}`, 'record in conn.log as ftp-data', 'found', zeek.some((z) => key(z) === key(o)) ? `service ${zeek.find((z) => key(z) === key(o))!.service}` : 'none');
  }
}

/** Flattened EVE event: "ftp.command" etc. */
function flatten(o: Record<string, unknown>, prefix = '', out: Record<string, unknown> = {}): Record<string, unknown> {
  for (const [k, v] of Object.entries(o)) {
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) flatten(v as Record<string, unknown>, `${prefix}${k}.`, out);
    else out[`${prefix}${k}`] = v;
  }
  return out;
}

function asMap(v: YamlValue | undefined): Record<string, YamlValue> | null {
  return v !== null && v !== undefined && typeof v === 'object' && !Array.isArray(v) ? v : null;
}

/**
 * Each suricata-verify filter on `ftp`/`ftp_data` events whose fields ftpcap writes is counted
 * over ftpcap's EVE lines. Filters on alerts, anomalies, drops, fileinfo or app_proto need
 * Suricata's rules or file store and are not compared.
 */
export function compareEve(capture: string, a: Analysis, yamlName: string, doc: YamlValue, t: LogTally): void {
  const events = text(eveLog(a, { showPasswords: true }))
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => flatten(JSON.parse(l) as Record<string, unknown>));
  const written = new Set(events.flatMap((e) => Object.keys(e)));
  const checks = asMap(doc)?.checks;
  if (!Array.isArray(checks)) return;
  checks.forEach((check, k) => {
    const filter = asMap(asMap(check)?.filter);
    const match = asMap(filter?.match);
    if (filter === null || match === null || typeof filter.count !== 'number') return;
    if (match.event_type !== 'ftp' && match.event_type !== 'ftp_data') return;
    if (!Object.keys(match).every((key) => key === 'not-has-key' || written.has(key))) return;
    const n = events.filter((e) =>
      Object.entries(match).every(([key, want]) => (key === 'not-has-key' ? !(String(want) in e) : key in e && String(e[key]) === String(want))),
    ).length;
    const fields = Object.entries(match)
      .filter(([key]) => key !== 'event_type')
      .map(([key, v]) => `${key}=${String(v)}`)
      .join(' ');
    t.compare('eve', `${yamlName} check ${k + 1}`, `count of ${String(match.event_type)} ${fields}`, String(n), String(filter.count));
  });
}
