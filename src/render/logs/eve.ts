/**
 * `ftpcap logs --format eve`: Suricata's EVE JSON, one object per line. An `ftp` event per
 * command (and one for the greeting), as Suricata logs each FTP transaction; an `ftp_data` event
 * per data connection that carried a transfer. ftpcap's verdict rides along in an `ftpcap` object
 * on the events of transfer commands and data connections. Text from packets is JSON-escaped with
 * the terminal-safe escaping of render/json.ts.
 */
import { announcesActive } from '../../ftp/commands.js';
import type { Analysis, Session, Transfer } from '../../analysis/model.js';
import { terminalSafeLine } from '../json.js';
import { byTime, controlFlowId, dataFlowId, replyLines, sessionCommands, type CommandContext } from './context.js';

/** A reply or command line the parser cut at its bound (line-framer, reply-assembler). */
const TRUNCATED = /too long|truncated/;

export interface EveOptions {
  showPasswords: boolean;
}

/** Suricata's timestamp: 2012-07-27T21:33:25.375229+0000 (UTC, microseconds). */
export function eveTimestamp(seconds: number): string {
  const us = Math.round(seconds * 1e6);
  const whole = Math.floor(us / 1e6);
  const d = new Date(whole * 1000);
  if (Number.isNaN(d.getTime())) return '1970-01-01T00:00:00.000000+0000';
  return `${d.toISOString().slice(0, 19)}.${String(us - whole * 1e6).padStart(6, '0')}+0000`;
}

type Event = { t: number; build: () => Record<string, unknown> };

/** The EVE lines, one JSON object (and a newline) at a time, in time order. */
export function* eveLog(a: Analysis, opts: EveOptions): Generator<string> {
  const events = byTime(a, (s) => sessionEvents(s, opts), (e) => e.t);
  for (const e of events) yield `${terminalSafeLine(e.build())}\n`;
}

function sessionEvents(s: Session, opts: EveOptions): Event[] {
  const out: Event[] = [];
  for (const c of sessionCommands(s)) {
    const reply = c.command.reply;
    out.push({ t: reply?.time ?? c.command.time, build: () => ftpEvent(c, opts) });
  }
  for (const t of s.transfers) {
    const conn = t.connection;
    if (conn === null || t.request === null || !(conn.established || conn.midstream)) continue;
    out.push({ t: conn.end, build: () => ftpDataEvent(s, t) });
  }
  return out;
}

function ftpEvent(c: CommandContext, opts: EveOptions): Record<string, unknown> {
  const s = c.session;
  const cmd = c.command;
  const ftp: Record<string, unknown> = {};
  if (cmd.command !== null) ftp.command = cmd.command;
  if (cmd.arg !== '') ftp.command_data = cmd.command === 'PASS' && !opts.showPasswords ? '<hidden>' : cmd.arg;
  if (cmd.command !== null) ftp.command_truncated = TRUNCATED.test(cmd.malformed ?? '');
  const replies = [...cmd.preliminary, ...(cmd.reply ? [cmd.reply] : [])];
  const codes: string[] = [];
  const texts: string[] = [];
  for (const r of replies) {
    for (const line of replyLines(r.code, r.text)) {
      if (line.code !== null) codes.push(line.code);
      texts.push(line.text);
    }
  }
  if (codes.length > 0) ftp.completion_code = codes;
  if (texts.length > 0) ftp.reply = texts;
  if (cmd.tuple?.ok && cmd.tuple.port !== null) {
    ftp.dynamic_port = cmd.tuple.port;
    if (announcesActive(cmd.command)) ftp.mode = 'active';
  }
  ftp.reply_received = cmd.reply !== null ? 'yes' : 'no';
  ftp.reply_truncated = replies.some((r) => TRUNCATED.test(r.malformed ?? ''));
  const at = cmd.reply ?? null;
  const event: Record<string, unknown> = {
    timestamp: eveTimestamp(at?.time ?? cmd.time),
    flow_id: controlFlowId(s),
    pcap_cnt: at?.frame ?? cmd.frame,
    event_type: 'ftp',
    src_ip: s.client.ip,
    src_port: s.client.port,
    dest_ip: s.server.ip,
    dest_port: s.server.port,
    proto: 'TCP',
    tx_id: c.index,
    ftp,
  };
  const t = c.requested ?? c.announced;
  if (t !== null) event.ftpcap = verdictOf(s, t);
  return event;
}

function ftpDataEvent(s: Session, t: Transfer): Record<string, unknown> {
  const conn = t.connection!;
  const [src, dest] = conn.initiator === 'client' ? [conn.client, conn.server] : [conn.server, conn.client];
  const data: Record<string, unknown> = {};
  if (t.request!.arg !== '') data.filename = t.request!.arg;
  data.command = t.request!.command;
  return {
    timestamp: eveTimestamp(conn.end),
    flow_id: dataFlowId(conn),
    event_type: 'ftp_data',
    src_ip: src.ip,
    src_port: src.port,
    dest_ip: dest.ip,
    dest_port: dest.port,
    proto: 'TCP',
    ftp_data: data,
    ftpcap: verdictOf(s, t),
  };
}

/** ftpcap's own fields: which transfer, and the model's verdict and diagnosis for it. */
function verdictOf(s: Session, t: Transfer): Record<string, unknown> {
  return {
    session: s.id,
    transfer: t.id,
    control_flow_id: controlFlowId(s),
    mode: t.announceMaybeBeforeCapture ? null : t.mode,
    bytes: t.bytes,
    ...(t.acknowledged ? { acknowledged_bytes: t.acknowledged.bytes } : {}),
    verdict: t.verdict.kind,
    cause: t.diagnosis?.cause ?? ('cause' in t.verdict ? t.verdict.cause : null),
  };
}
