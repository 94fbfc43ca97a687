/**
 * ftpcap against suricata-verify's expectations (test.yaml `checks`). Each `filter` counts eve
 * events that match some fields; the filters about `ftp` and `ftp_data` events whose fields
 * ftpcap models are rebuilt from our model and must count the same. Alerts, anomalies, drops,
 * file info and shell checks are left out: ftpcap runs no signatures and stores no files.
 */
import type { Analysis } from '../../src/analysis/model.js';
import type { YamlValue } from './peer-readers.js';
import { Tally } from './tally.js';

type EveEvent = Record<string, string | number | boolean>;

/** eve fields ftpcap can answer for; a filter naming any other field is not compared. */
const MODELED = new Set([
  'event_type',
  'src_ip',
  'dest_ip',
  'src_port',
  'dest_port',
  'ftp.command',
  'ftp.command_data',
  'ftp.reply_received',
  'ftp.mode',
  'ftp.dynamic_port',
  'ftp.command_truncated',
  'ftp.reply_truncated',
  'ftp_data.command',
  'ftp_data.filename',
  'not-has-key',
]);

const ACTIVE = new Set(['PORT', 'EPRT', 'LPRT']);
const TOO_LONG = /too long/;

/** One eve `ftp` event per command (and one for the banner), one `ftp_data` per data connection. */
export function eveEvents(a: Analysis): EveEvent[] {
  const events: EveEvent[] = [];
  for (const s of a.sessions) {
    const flow = { src_ip: s.client.ip, src_port: s.client.port, dest_ip: s.server.ip, dest_port: s.server.port };
    for (const c of s.commands) {
      const e: EveEvent = { event_type: 'ftp', ...flow, 'ftp.reply_received': c.reply ? 'yes' : 'no' };
      if (c.command !== null) e['ftp.command'] = c.command;
      if (c.arg !== '') e['ftp.command_data'] = c.arg;
      if (c.tuple?.ok && c.tuple.port !== null) {
        e['ftp.mode'] = ACTIVE.has(c.command ?? '') ? 'active' : 'passive';
        e['ftp.dynamic_port'] = c.tuple.port;
      }
      e['ftp.command_truncated'] = TOO_LONG.test(c.malformed ?? '');
      e['ftp.reply_truncated'] = [...c.preliminary, ...(c.reply ? [c.reply] : [])].some((r) => TOO_LONG.test(r.malformed ?? ''));
      events.push(e);
    }
    for (const tr of s.transfers) {
      const conn = tr.connection;
      if (conn === null || tr.request === null) continue;
      // eve's src is whoever opened the data connection.
      const [src, dest] = conn.initiator === 'client' ? [conn.client, conn.server] : [conn.server, conn.client];
      const e: EveEvent = {
        event_type: 'ftp_data',
        src_ip: src.ip,
        src_port: src.port,
        dest_ip: dest.ip,
        dest_port: dest.port,
        'ftp_data.command': tr.request.command,
      };
      if (tr.request.arg !== '') e['ftp_data.filename'] = tr.request.arg;
      events.push(e);
    }
  }
  return events;
}

function asMap(v: YamlValue | undefined): Record<string, YamlValue> | null {
  return v !== null && v !== undefined && typeof v === 'object' && !Array.isArray(v) ? v : null;
}

export function checkSuricata(capture: string, a: Analysis, yamlName: string, doc: YamlValue): Tally {
  const t = new Tally(capture, 'suricata');
  const events = eveEvents(a);
  const checks = asMap(doc)?.checks;
  if (!Array.isArray(checks)) return t;
  checks.forEach((check, k) => {
    const filter = asMap(asMap(check)?.filter);
    const match = asMap(filter?.match);
    if (filter === null || match === null || typeof filter.count !== 'number') return;
    const type = match.event_type;
    if (type !== 'ftp' && type !== 'ftp_data') return;
    if (!Object.keys(match).every((key) => MODELED.has(key))) return;
    const n = events.filter((e) =>
      Object.entries(match).every(([key, want]) => (key === 'not-has-key' ? !(String(want) in e) : key in e && String(e[key]) === String(want))),
    ).length;
    const fields = Object.entries(match)
      .filter(([key]) => key !== 'event_type')
      .map(([key, v]) => `${key}=${String(v)}`)
      .join(' ');
    t.compare(`${yamlName} check ${k + 1}: count of ${type} ${fields}`, n, filter.count);
  });
  return t;
}
