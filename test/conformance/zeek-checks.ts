/**
 * ftpcap against Zeek's ftp.log and files.log. Zeek logs only FTP::logged_commands (by default
 * the data-channel and file commands; the btests add USER, PASS, ... ), one record per command,
 * so each record must match the next of our commands with its verb, in order. Zeek writes a
 * record when the next command arrives, with the reply code it holds at that moment; RETR/STOR
 * arguments become URLs (ftp://host/path), of which the path's tail is compared.
 */
import type { Analysis, Command, Session } from '../../src/analysis/model.js';
import type { ZeekRecord } from './peer-readers.js';
import { announcedBy, locateSession, requestedBy, Tally } from './tally.js';

const ZEEK_GREETING = '<init>';

export function checkZeekFtpLog(capture: string, a: Analysis, records: ZeekRecord[], t: Tally = new Tally(capture, 'zeek')): Tally {
  const cursor = new Map<Session, number>();
  records.forEach((r, k) => {
    const verb = r.command ?? '';
    const label = `ftp.log row ${k + 1} ${verb}`;
    const located = locateSession(a, r['id.orig_h'] ?? '', Number(r['id.orig_p']), r['id.resp_h'] ?? '', Number(r['id.resp_p']));
    const facts = factsIn(r);
    if (located === null || !located.fromClient) {
      t.fact(`${label}: session`, false, 'no session', `${r['id.orig_h']}:${r['id.orig_p']} → ${r['id.resp_h']}:${r['id.resp_p']}`, facts);
      return;
    }
    const s = located.session;
    const from = cursor.get(s) ?? 0;
    const wanted = verb === ZEEK_GREETING ? null : verb;
    const index = s.commands.findIndex((c, i) => i >= from && c.command === wanted);
    if (index < 0) {
      t.fact(`${label}: command in order`, false, 'not found', verb, facts);
      return;
    }
    cursor.set(s, index + 1);
    t.fact(`${label}: command in order`, true, '', '');
    compareRecord(t, label, s, index, r);
  });
  return t;
}

/** How many facts one ftp.log record carries (so the count does not depend on ftpcap's answers). */
function factsIn(r: ZeekRecord): number {
  let n = 4; // command in order, reply code, argument, user
  if (r.arg?.startsWith('ftp://')) n++; // URL host
  if (r.password !== null && r.password !== '<hidden>') n++;
  if (r['data_channel.passive'] !== null) n += 3; // mode, originator, responder endpoint
  if (r.file_size !== null) n += 2; // bytes, expected size
  return n;
}

function compareRecord(t: Tally, label: string, s: Session, index: number, r: ZeekRecord): void {
  const c = s.commands[index];
  t.compare(`${label}: reply code`, c.reply?.code, r.reply_code);

  const arg = r.arg ?? '';
  if (arg.startsWith('ftp://')) {
    const url = /^ftp:\/\/(\[[^\]]*\]|[^/]*)(.*)$/.exec(arg)!;
    const host = url[1].replace(/^\[|\]$/g, '');
    t.compare(`${label}: URL host`, s.server.ip, host);
    compareUrlPath(t, label, s, c, url[2]);
  } else if (arg === '<hidden>') {
    t.fact(`${label}: argument`, true, '', ''); // PASS with the password hidden: nothing to compare
  } else {
    t.compare(`${label}: argument`, c.arg, arg);
  }

  const user = r.user === '<unknown>' ? null : r.user;
  t.compare(`${label}: user`, lastArg(s, index, 'USER'), user);
  if (r.password !== null && r.password !== '<hidden>') t.compare(`${label}: password`, lastArg(s, index, 'PASS'), r.password);

  if (r['data_channel.passive'] !== null) {
    const transfer = announcedBy(s, c);
    const passive = r['data_channel.passive'] === 'T';
    t.compare(`${label}: data channel mode`, transfer?.mode, passive ? 'passive' : 'active');
    // Who will open the data connection: the client in passive mode, the server in active mode.
    const originator = transfer ? (transfer.mode === 'passive' ? s.client.ip : s.server.ip) : null;
    t.compare(`${label}: data channel originator`, originator, r['data_channel.orig_h']);
    const e = transfer?.announce?.endpoint;
    t.compare(`${label}: data channel endpoint`, e ? `${e.ip} ${e.port}` : null, `${r['data_channel.resp_h']} ${r['data_channel.resp_p']}`);
  }

  if (r.file_size !== null) {
    const transfer = requestedBy(s, c);
    t.compare(`${label}: file size vs bytes transferred`, transfer?.bytes, r.file_size);
    t.compare(`${label}: file size vs size announced`, transfer?.expectedSize, r.file_size);
  }
}

/**
 * Zeek's URL path is the tracked directory joined with the argument ("/./robots.txt" when the
 * directory is unknown, "/." for an empty argument). Compare the whole path when ftpcap resolved
 * an absolute one, else the last segment.
 */
function compareUrlPath(t: Tally, label: string, s: Session, c: Command, urlPath: string): void {
  const zeekPath = urlPath.replace(/\/\.(?=\/|$)/g, '') || '/';
  const resolved = requestedBy(s, c)?.request?.path ?? null;
  if (resolved !== null && resolved.startsWith('/')) {
    t.compare(`${label}: path`, resolved, zeekPath);
  } else {
    t.compare(`${label}: path tail`, tail(c.arg), tail(zeekPath));
  }
}

function tail(path: string): string {
  return path.split('/').filter((x) => x !== '').at(-1) ?? '';
}

/** The argument of the last `verb` command at or before commands[index] (Zeek's c$ftp$user). */
function lastArg(s: Session, index: number, verb: string): string | null {
  for (let i = index; i >= 0; i--) if (s.commands[i].command === verb) return s.commands[i].arg;
  return null;
}

/** files.log: bytes Zeek saw on an FTP data connection vs our transfer's bytes. */
export function checkZeekFilesLog(capture: string, a: Analysis, records: ZeekRecord[], t: Tally = new Tally(capture, 'zeek')): Tally {
  records.forEach((r, k) => {
    if (r.source !== 'FTP_DATA') return;
    const o = { ip: r['id.orig_h'], port: Number(r['id.orig_p']) };
    const p = { ip: r['id.resp_h'], port: Number(r['id.resp_p']) };
    const transfer = a.sessions
      .flatMap((s) => s.transfers)
      .find((tr) => {
        const c = tr.connection;
        if (!c) return false;
        const same = (x: { ip: string; port: number }, y: { ip: string | null; port: number }) => x.ip === y.ip && x.port === y.port;
        return (same(c.client, o) && same(c.server, p)) || (same(c.client, p) && same(c.server, o));
      });
    t.compare(`files.log row ${k + 1}: bytes of ${o.ip}:${o.port} → ${p.ip}:${p.port}`, transfer?.bytes, r.seen_bytes);
  });
  return t;
}
