/**
 * `ftpcap logs --format zeek`: the model as Zeek would log it. `ftp.log` has Zeek's own columns
 * and types, one record per command of interest; `ftpcap_data.log` has one record per transfer
 * with conn.log's columns for its data connection and ftpcap's verdict. Each deliberate difference
 * from Zeek is listed in the README (Interchange formats).
 */
import type { Analysis, DataConnection, Session, Transfer } from '../../analysis/model.js';
import { byTime, controlUid, dataUid, sessionCommands, type CommandContext } from './context.js';
import { zeekLog, type ZeekColumn, type ZeekValue } from './zeek-ascii.js';
import { GUESSING_THRESHOLD } from '../../analysis/login-guessing.js';

/** Zeek's FTP::logged_commands default (base/protocols/ftp/main.zeek). */
export const ZEEK_LOGGED_COMMANDS: ReadonlySet<string> = new Set(['APPE', 'DELE', 'RETR', 'STOR', 'STOU', 'ACCT', 'PORT', 'PASV', 'EPRT', 'EPSV']);

/** Zeek's name for the greeting's shim command, logged only when asked for (--all-commands). */
export const GREETING = '<init>';

/** Commands whose argument Zeek logs as an ftp:// URL (FTP's file_cmds). */
const FILE_COMMANDS = new Set(['APPE', 'CWD', 'DELE', 'MKD', 'RETR', 'RMD', 'RNFR', 'RNTO', 'STOR', 'STOU', 'REST', 'SIZE', 'MDTM']);

export const HIDDEN = '<hidden>';
export const UNKNOWN_USER = '<unknown>';

/** Every Zeek log's first columns: when, which connection (uid) and its four-tuple. */
const CONN_ID_COLUMNS: readonly ZeekColumn[] = [
  { name: 'ts', type: 'time' },
  { name: 'uid', type: 'string' },
  { name: 'id.orig_h', type: 'addr' },
  { name: 'id.orig_p', type: 'port' },
  { name: 'id.resp_h', type: 'addr' },
  { name: 'id.resp_p', type: 'port' },
];

export const FTP_COLUMNS: readonly ZeekColumn[] = [
  ...CONN_ID_COLUMNS,
  { name: 'user', type: 'string' },
  { name: 'password', type: 'string' },
  { name: 'command', type: 'string' },
  { name: 'arg', type: 'string' },
  { name: 'mime_type', type: 'string' },
  { name: 'file_size', type: 'count' },
  { name: 'reply_code', type: 'count' },
  { name: 'reply_msg', type: 'string' },
  { name: 'data_channel.passive', type: 'bool' },
  { name: 'data_channel.orig_h', type: 'addr' },
  { name: 'data_channel.resp_h', type: 'addr' },
  { name: 'data_channel.resp_p', type: 'port' },
  { name: 'fuid', type: 'string' },
];

/** conn.log's first columns (same names and types), then ftpcap's own, prefixed `ftpcap_`. */
export const DATA_COLUMNS: readonly ZeekColumn[] = [
  ...CONN_ID_COLUMNS,
  { name: 'proto', type: 'enum' },
  { name: 'service', type: 'string' },
  { name: 'duration', type: 'interval' },
  { name: 'orig_bytes', type: 'count' },
  { name: 'resp_bytes', type: 'count' },
  { name: 'conn_state', type: 'string' },
  { name: 'missed_bytes', type: 'count' },
  { name: 'ftpcap_control_uid', type: 'string' },
  { name: 'ftpcap_session', type: 'count' },
  { name: 'ftpcap_transfer', type: 'count' },
  { name: 'ftpcap_mode', type: 'string' },
  { name: 'ftpcap_command', type: 'string' },
  { name: 'ftpcap_arg', type: 'string' },
  { name: 'ftpcap_verdict', type: 'string' },
  { name: 'ftpcap_detail', type: 'string' },
  { name: 'ftpcap_cause', type: 'string' },
];

export const FTP_LOG_PATH = 'ftp';
export const DATA_LOG_PATH = 'ftpcap_data';

export interface ZeekOptions {
  /** PASS arguments as sent; otherwise `<hidden>`, as Zeek hides non-guest passwords. */
  showPasswords: boolean;
  /** Every command, not only Zeek's default FTP::logged_commands. */
  allCommands: boolean;
}

/** ftp.log, line by line. */
export function zeekFtpLog(a: Analysis, opts: ZeekOptions): Generator<string> {
  const rows = byTime(
    a,
    (s) => [...sessionCommands(s)].filter((c) => (c.command.command !== null || c.greeting) && (opts.allCommands || ZEEK_LOGGED_COMMANDS.has(c.command.command ?? GREETING))),
    (c) => c.command.time,
  );
  return zeekLog(
    { path: FTP_LOG_PATH, columns: FTP_COLUMNS, open: a.capture.first, close: a.capture.last },
    (function* () {
      for (const c of rows) yield ftpRow(c, opts);
    })(),
  );
}

function ftpRow(c: CommandContext, opts: ZeekOptions): ZeekValue[] {
  const s = c.session;
  const verb = c.command.command ?? GREETING;
  const hide = (v: string | null): string | null => (v === null ? null : opts.showPasswords ? v : HIDDEN);
  let arg: string | null = verb === 'PASS' ? hide(c.command.arg) : c.command.arg;
  if (FILE_COMMANDS.has(verb)) arg = ftpUrl(s, c);
  if (arg === '') arg = null;
  const reply = c.command.reply;
  const lines = reply === null ? [] : reply.text.split('\n');
  const channel = dataChannel(c);
  return [
    c.command.time,
    controlUid(s),
    s.client.ip,
    s.client.port,
    s.server.ip,
    s.server.port,
    c.user ?? UNKNOWN_USER,
    hide(c.password),
    verb,
    arg,
    null, // mime_type: ftpcap does not sniff content types
    c.requested?.expectedSize ?? null,
    reply?.code ?? null,
    reply === null ? null : lines[lines.length - 1],
    channel?.passive ?? null,
    channel?.orig ?? null,
    channel?.respIp ?? null,
    channel?.respPort ?? null,
    null, // fuid: ftpcap writes no files.log
  ];
}

/**
 * Zeek's URL for a file command: ftp://server/path. The path is the one the analysis resolved
 * against the tracked working directory (a transfer's request, or the command's own); below `/./`,
 * Zeek's form for a directory it does not know, when that resolved path is relative to the login
 * directory or there is none.
 */
function ftpUrl(s: Session, c: CommandContext): string {
  const host = s.server.ip.includes(':') ? `[${s.server.ip}]` : s.server.ip;
  const resolved = c.requested?.request?.path ?? c.command.path ?? null;
  if (resolved !== null && resolved.startsWith('/')) return `ftp://${host}${resolved}`;
  // Relative to a login directory never named (CWD work without a PWD): Zeek's ./ form, the directory kept.
  if (resolved !== null && resolved !== '.' && !resolved.startsWith('../')) return `ftp://${host}/./${resolved}`;
  const arg = c.command.arg;
  if (arg.startsWith('/')) return `ftp://${host}${arg}`;
  return `ftp://${host}/.${arg === '' ? '' : `/${arg}`}`;
}

/** The data channel an announcement set up: who will connect, to which endpoint. */
function dataChannel(c: CommandContext): { passive: boolean; orig: string; respIp: string; respPort: number } | null {
  const t = c.announced;
  const e = t?.announce?.endpoint ?? null;
  if (t === null || e === null) return null;
  const passive = t.mode === 'passive';
  return { passive, orig: passive ? c.session.client.ip : c.session.server.ip, respIp: e.ip, respPort: e.port };
}

/** notice.log's columns, as Zeek writes them (its Notice::Info record). */
export const NOTICE_COLUMNS: readonly ZeekColumn[] = [
  ...CONN_ID_COLUMNS,
  { name: 'fuid', type: 'string' },
  { name: 'file_mime_type', type: 'string' },
  { name: 'file_desc', type: 'string' },
  { name: 'proto', type: 'enum' },
  { name: 'note', type: 'enum' },
  { name: 'msg', type: 'string' },
  { name: 'sub', type: 'string' },
  { name: 'src', type: 'addr' },
  { name: 'dst', type: 'addr' },
  { name: 'p', type: 'port' },
  { name: 'n', type: 'count' },
  { name: 'peer_descr', type: 'string' },
  { name: 'actions', type: 'set[enum]' },
  { name: 'email_dest', type: 'set[string]' },
  { name: 'suppress_for', type: 'interval' },
  { name: 'remote_location.country_code', type: 'string' },
  { name: 'remote_location.region', type: 'string' },
  { name: 'remote_location.city', type: 'string' },
  { name: 'remote_location.latitude', type: 'double' },
  { name: 'remote_location.longitude', type: 'double' },
];

export const NOTICE_LOG_PATH = 'notice';
/** Zeek's default Notice::default_suppression_interval. */
const SUPPRESS_FOR = 3600;

/** notice.log, line by line: Zeek's FTP::Bruteforcing notice for each address that guessed at logins (analysis.loginGuessing). */
export function zeekNoticeLog(a: Analysis): Generator<string> {
  return zeekLog(
    { path: NOTICE_LOG_PATH, columns: NOTICE_COLUMNS, open: a.capture.first, close: a.capture.last },
    (function* () {
      for (const g of a.loginGuessing) {
        const c = g.crossed;
        // Zeek's words (detect-bruteforcing.zeek) and its duration_to_mins_secs: whole seconds, truncated.
        const span = Math.floor(c.time - c.since);
        const msg = `${g.client} had ${GUESSING_THRESHOLD} failed logins on ${c.servers} FTP server${c.servers === 1 ? '' : 's'} in ${Math.floor(span / 60)}m${span % 60}s`;
        yield [c.time, null, null, null, null, null, null, null, null, null, 'FTP::Bruteforcing', msg, null, g.client, null, null, null, null, ['Notice::ACTION_LOG'], [], SUPPRESS_FOR, null, null, null, null, null];
      }
    })(),
  );
}

/** ftpcap_data.log, line by line: one record per transfer. */
export function zeekDataLog(a: Analysis): Generator<string> {
  const rows = byTime(
    a,
    (s) => s.transfers.map((t) => ({ s, t })),
    ({ t }) => t.connection?.start ?? t.announce?.time ?? t.request?.time ?? 0,
  );
  return zeekLog(
    { path: DATA_LOG_PATH, columns: DATA_COLUMNS, open: a.capture.first, close: a.capture.last },
    (function* () {
      for (const { s, t } of rows) yield dataRow(s, t);
    })(),
  );
}

function dataRow(s: Session, t: Transfer): ZeekValue[] {
  const c = t.connection;
  const conn = c === null ? expectedConnection(s, t) : connectionColumns(c);
  const v = t.verdict;
  let detail: string | null = null;
  if (v.kind === 'incomplete' || v.kind === 'unknown') detail = v.why;
  else if (v.kind === 'aborted') detail = v.by === null ? null : `by-${v.by}`;
  else if (v.kind === 'not-captured') detail = `replies-${v.replies}`;
  // Refused, and the client did it another way: the transfer that did ("to-1.2"), the new session it connected ("to-session-2"),
  // or the command it asked with, whose answer the capture lost ("to-PASV").
  else if (v.kind === 'fell-back') {
    const fb = v.fallback;
    detail = fb.transfer !== null ? `to-${fb.transfer}` : 'answerLost' in fb ? `to-${fb.announce.command}` : `to-session-${'session' in fb ? fb.session : '?'}`;
  }
  // Refused as a retry of an attempt that had failed: that attempt ("retry-of-1.1").
  else if (v.kind === 'retry-refused') detail = `retry-of-${v.retryOf.transfer}`;
  const cause = t.diagnosis?.cause ?? ('cause' in v ? v.cause : null);
  return [
    ...conn,
    controlUid(s),
    s.id,
    t.id,
    t.announceMaybeBeforeCapture ? null : t.mode,
    t.request?.command ?? null,
    t.request?.arg ?? null,
    v.kind,
    detail,
    cause,
  ];
}

/** ts … missed_bytes for a data connection in the capture, oriented as Zeek orients it: the opener first. */
function connectionColumns(c: DataConnection): ZeekValue[] {
  const [orig, resp, origBytes, respBytes] =
    c.initiator === 'client' ? [c.client, c.server, c.bytesToServer, c.bytesToClient] : [c.server, c.client, c.bytesToClient, c.bytesToServer];
  const duration = c.end - c.start;
  // conn.log leaves duration and byte counts unset for a connection of one instant.
  const timed = duration > 0;
  return [
    c.start,
    dataUid(c),
    orig.ip,
    orig.port,
    resp.ip,
    resp.port,
    'tcp',
    'ftp-data',
    timed ? duration : null,
    timed ? origBytes : null,
    timed ? respBytes : null,
    connState(c),
    c.gapBytes + c.undeliveredBytes,
  ];
}

/** A transfer whose data connection the capture does not hold: the announced endpoint, the rest unset. */
function expectedConnection(s: Session, t: Transfer): ZeekValue[] {
  const e = t.announce?.endpoint ?? null;
  const orig = t.announceMaybeBeforeCapture ? null : t.mode === 'passive' ? s.client.ip : s.server.ip;
  return [t.announce?.time ?? t.request?.time ?? s.start, null, orig, null, e?.ip ?? null, e?.port ?? null, 'tcp', 'ftp-data', null, null, null, null, null];
}

/**
 * Zeek's conn_state words for the TCP facts the model keeps. The model records the first FIN or
 * RST, not both sides' FINs, so a connection closed by a FIN reads SF (Zeek could say S2/S3 when
 * only one side's FIN was seen), and one neither closed nor reset reads S1.
 */
export function connState(c: DataConnection): string {
  if (c.midstream) return 'OTH';
  if (!c.established) {
    // A capture of one direction: the answer without the SYN (SHR when a FIN followed), or the SYN
    // and a FIN without the answer (SH) — not an attempt nobody answered.
    const fin = c.close === 'fin' || c.handshake.some((e) => e.type === 'fin');
    if (c.rst === null && c.synFrames.length === 0 && c.synAckFrames.length > 0) return fin ? 'SHR' : 'OTH';
    if (c.rst === null && c.synAckFrames.length === 0 && fin) return 'SH';
    if (c.rst === null) return 'S0';
    return c.rst.by === c.initiator ? 'RSTOS0' : 'REJ';
  }
  if (c.close === 'rst' && c.rst !== null) return c.rst.by === c.initiator ? 'RSTO' : 'RSTR';
  if (c.close === 'fin') return 'SF';
  return 'S1';
}
