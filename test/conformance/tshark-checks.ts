/**
 * ftpcap against tshark 4.0's view of the same capture:
 *  - FTP lines (*.tshark-ftp.tsv): Wireshark dissects only the first line of each frame and does
 *    not reassemble lines across segments, so a request row must equal one of our commands in
 *    that frame, and a response row must fall inside one of our replies with its code (or be a
 *    continuation line inside one of our replies). Rows that fail are reported in runs, so an
 *    8 KB line that Wireshark shows as forty "requests" is one disagreement, not forty.
 *  - decoded PORT/227/EPRT/229 endpoints (*.tshark-ftp-datachan.tsv).
 *  - Wireshark's own data-channel links (*.tshark-ftp-data-streams.tsv), both ways round.
 */
import type { Analysis, Command, Reply, Session } from '../../src/analysis/model.js';
import type { TsvRow } from './peer-readers.js';
import { announcedBy, endpointText, locateSession, repliesOf, show, Tally, type Located } from './tally.js';

/** A tunnelled packet has one address per IP header, outermost first: the TCP header is the last one's. */
const innermost = (list: string): string => list.slice(list.lastIndexOf(',') + 1);

function rowSource(row: TsvRow): { srcIp: string; srcPort: number; dstIp: string; dstPort: number } {
  return {
    srcIp: innermost(row['ip.src'] || row['ipv6.src']),
    srcPort: Number(row['tcp.srcport']),
    dstIp: innermost(row['ip.dst'] || row['ipv6.dst']),
    dstPort: Number(row['tcp.dstport']),
  };
}

interface LineRow {
  frame: number;
  row: TsvRow;
  ok: boolean;
}

/** The session a tshark row belongs to; a row in no session is recorded as a disagreement. */
function locateRow(t: Tally, a: Analysis, row: TsvRow, frame: number): Located | null {
  const ep = rowSource(row);
  const located = locateSession(a, ep.srcIp, ep.srcPort, ep.dstIp, ep.dstPort);
  if (located === null) t.fact(`row ${frame}: session`, false, 'no session', `${ep.srcIp}:${ep.srcPort} → ${ep.dstIp}:${ep.dstPort}`);
  return located;
}

export function checkTsharkFtp(capture: string, a: Analysis, rows: TsvRow[]): Tally {
  const t = new Tally(capture, 'tshark-ftp');
  // Rows per session and direction, in file order; the session's commands and replies by the
  // frames they lie in (a capture of 16,000 commands would otherwise be searched once per row).
  const groups = new Map<Session, { requests: LineRow[]; responses: LineRow[]; commandsAt: Map<number, Command[]>; repliesAt: Map<number, Reply[]> }>();
  for (const row of rows) {
    const frame = Number(row['frame.number']);
    const located = locateRow(t, a, row, frame);
    if (located === null) continue;
    const { session, fromClient } = located;
    let g = groups.get(session);
    if (!g) groups.set(session, (g = { requests: [], responses: [], commandsAt: commandsByFrame(session), repliesAt: repliesByFrame(session) }));
    if (fromClient) {
      const verb = row['ftp.request.command'].toUpperCase();
      const arg = row['ftp.request.arg'];
      const ok = (g.commandsAt.get(frame) ?? []).some((c) => c.command === verb && c.arg === arg);
      g.requests.push({ frame, row, ok });
    } else {
      const code = row['ftp.response.code'];
      const ok = (g.repliesAt.get(frame) ?? []).some((reply) => code === '' || reply.code === Number(code));
      g.responses.push({ frame, row, ok });
    }
  }

  for (const [session, g] of groups) {
    reportRuns(t, 'request', g.requests, (from, to) =>
      session.commands
        .filter((c) => c.command !== null && from <= c.frame && c.frame <= to)
        .map((c) => `${show(`${c.command} ${c.arg}`.trim())}@${c.frame}`),
    );
    reportRuns(t, 'response', g.responses, (from, to) =>
      repliesOf(session)
        .filter(({ reply }) => reply.firstFrame <= to && from <= reply.frame)
        .map(({ reply }) => `${reply.code}@${span(reply.firstFrame, reply.frame)}`),
    );
    reverseLines(t, session, g.requests, g.responses);
  }
  return t;
}

function commandsByFrame(session: Session): Map<number, Command[]> {
  const at = new Map<number, Command[]>();
  for (const c of session.commands) {
    const list = at.get(c.frame);
    if (list) list.push(c);
    else at.set(c.frame, [c]);
  }
  return at;
}

/** Each reply under every frame from its first to its last. */
function repliesByFrame(session: Session): Map<number, Reply[]> {
  const at = new Map<number, Reply[]>();
  for (const { reply } of repliesOf(session)) {
    for (let f = reply.firstFrame; f <= reply.frame; f++) {
      const list = at.get(f);
      if (list) list.push(reply);
      else at.set(f, [reply]);
    }
  }
  return at;
}

function span(from: number, to: number): string {
  return from === to ? `${from}` : `${from}–${to}`;
}

function describeRow(r: LineRow): string {
  const verb = r.row['ftp.request.command'];
  const text = verb !== '' ? `${verb} ${r.row['ftp.request.arg']}`.trim() : `${r.row['ftp.response.code']} ${r.row['ftp.response.arg']}`.trim();
  return `${show(text === '' ? '(no code)' : text)}@${r.frame}`;
}

/** One disagreement per maximal run of failed rows; every row counts as one fact. */
function reportRuns(t: Tally, kind: string, rows: LineRow[], ours: (from: number, to: number) => string[]): void {
  let i = 0;
  while (i < rows.length) {
    if (rows[i].ok) {
      t.fact('', true, '', '');
      i++;
      continue;
    }
    let j = i;
    while (j + 1 < rows.length && !rows[j + 1].ok) j++;
    const first = rows[i];
    const last = rows[j];
    const n = j - i + 1;
    const what = n === 1 ? `${kind} row ${first.frame}` : `${kind} rows ${first.frame}–${last.frame} (${n})`;
    const mine = ours(first.frame, last.frame);
    const theirs = n === 1 ? describeRow(first) : `${describeRow(first)} … ${describeRow(last)}`;
    t.fact(what, false, mine.length === 0 ? 'nothing' : mine.join(', '), theirs, n);
    i = j + 1;
  }
}

/**
 * The reverse: each of our commands starts a frame tshark lists as a request (or shares a frame
 * with an earlier command, since tshark shows only a frame's first line), and each of our
 * replies begins in a frame tshark lists with the same code.
 */
function reverseLines(t: Tally, session: Session, requests: LineRow[], responses: LineRow[]): void {
  const requestAt = new Map(requests.map((r) => [r.frame, r]));
  const responseAt = new Map(responses.map((r) => [r.frame, r]));
  let previousFrame = -1;
  for (const c of session.commands) {
    if (c.command === null) continue;
    const row = requestAt.get(c.frame);
    // A row that failed the forward check is already reported in its run.
    const agree = row !== undefined || c.frame === previousFrame;
    t.reverse(`ftpcap command ${show(c.command)}@${c.frame}`, agree, show(`${c.command} ${c.arg}`.trim()), 'no request row');
    previousFrame = c.frame;
  }
  const replies = repliesOf(session).map((r) => r.reply);
  // The codes of our replies that begin in each frame: two lines of one segment may be told in
  // another order than sent (a reply paired with its command after an unasked line that came first in
  // the segment: a82-pasv-timeout-quit), and tshark's row shows the segment's first line.
  const codesAt = new Map<number, Set<string>>();
  for (const reply of replies) codesAt.set(reply.firstFrame, (codesAt.get(reply.firstFrame) ?? new Set()).add(String(reply.code)));
  replies.forEach((reply, k) => {
    const row = responseAt.get(reply.firstFrame);
    const rowCode = row?.row['ftp.response.code'];
    const sharesFrame = (k > 0 && replies[k - 1].frame === reply.firstFrame) || (rowCode !== undefined && rowCode !== String(reply.code) && codesAt.get(reply.firstFrame)!.has(rowCode));
    const agree = sharesFrame || (row !== undefined && (!row.ok || rowCode === String(reply.code) || (reply.code === 0 && rowCode === '')));
    t.reverse(`ftpcap reply ${reply.code}@${reply.firstFrame}`, agree, `${reply.code} ${show(reply.text)}`, row ? describeRow(row) : 'no response row');
  });
}

const ANNOUNCE_REQUESTS: Record<string, (row: TsvRow) => { ip: string; port: string }> = {
  PORT: (row) => ({ ip: row['ftp.active.cip'], port: row['ftp.active.port'] }),
  EPRT: (row) => ({ ip: row['ftp.eprt.ip'] || row['ftp.eprt.ipv6'], port: row['ftp.eprt.port'] }),
};

/** The announced endpoint as tshark decoded it, as "ip:port", or "undecodable". */
function tsharkEndpoint(ip: string, port: string): string {
  if (port === '') return 'undecodable';
  return endpointText({ ip, port: Number(port) });
}

export function checkTsharkDatachan(capture: string, a: Analysis, rows: TsvRow[]): Tally {
  const t = new Tally(capture, 'tshark-datachan');
  const seen = new Set<string>();
  for (const row of rows) {
    const frame = Number(row['frame.number']);
    const located = locateRow(t, a, row, frame);
    if (located === null) continue;
    const { session, fromClient } = located;
    t.compare(`row ${frame}: control tcp.stream`, session.stream, row['tcp.stream']);

    const verb = row['ftp.request.command'].toUpperCase();
    const code = row['ftp.response.code'];
    let expected: string;
    let command;
    let label: string;
    if (fromClient && ANNOUNCE_REQUESTS[verb]) {
      const { ip, port } = ANNOUNCE_REQUESTS[verb](row);
      expected = tsharkEndpoint(ip, port);
      command = session.commands.find((c) => c.frame === frame && c.command === verb);
      label = `${verb}@${frame}`;
    } else if (!fromClient && (code === '227' || code === '229')) {
      // 229 names only the port; the address is the control connection's server (RFC 2428).
      expected = code === '227' ? tsharkEndpoint(row['ftp.passive.ip'], row['ftp.passive.port']) : tsharkEndpoint(rowSource(row).srcIp, row['ftp.epsv.port']);
      command = session.commands.find((c) => c.reply !== null && c.reply.firstFrame <= frame && frame <= c.reply.frame && c.reply.code === Number(code));
      label = `${code}@${frame}`;
    } else {
      continue; // PASV/EPSV requests: nothing decoded; their lines are checked with the FTP rows
    }
    if (command === undefined) {
      t.fact(`${label}: announcement`, false, 'no such command', expected, 2);
      continue;
    }
    seen.add(`${session.id}:${command.frame}`);
    const tuple = command.tuple;
    const ours = tuple === undefined ? 'not decoded' : tuple.ok && tuple.port !== null ? endpointText({ ip: tuple.ip ?? rowSource(row).srcIp, port: tuple.port }) : 'undecodable';
    t.compare(`${label}: decoded endpoint`, ours, expected);
    const transfer = announcedBy(session, command);
    const endpoint = transfer === null ? 'no transfer' : transfer.announce?.endpoint ? endpointText(transfer.announce.endpoint) : 'undecodable';
    t.compare(`${label}: transfer's announced endpoint`, endpoint, expected);
  }
  // Reverse: every tuple ftpcap decoded from PORT/EPRT/227/229 has a tshark row.
  for (const session of a.sessions) {
    for (const c of session.commands) {
      if (c.tuple === undefined || !/^(PORT|EPRT|PASV|EPSV)$/.test(c.command ?? '')) continue;
      const agree = seen.has(`${session.id}:${c.frame}`);
      t.reverse(`ftpcap ${c.command}@${c.frame}`, agree, c.tuple.ok ? `${c.tuple.ip ?? ''}:${c.tuple.port}` : 'undecodable', 'no row');
    }
  }
  return t;
}

/** Wireshark's ftp-data.setup-method names. */
const SETUP_METHOD: Record<string, string> = { PORT: 'PORT', PASV: 'PASV', EPSV: 'EPASV', EPRT: 'EPRT' };

export function checkTsharkLinks(capture: string, a: Analysis, rows: TsvRow[]): Tally {
  const t = new Tally(capture, 'tshark-links');
  const transfers = a.sessions.flatMap((s) => s.transfers);
  const linked = new Set<number>();
  for (const row of rows) {
    const stream = Number(row['tcp.stream']);
    linked.add(stream);
    const tr = transfers.find((x) => x.connection?.stream === stream);
    if (tr === undefined) {
      t.fact(`data stream ${stream}`, false, 'no transfer', `${row['ftp-data.setup-method']}@${row['ftp-data.setup-frame']} → ${row['ftp-data.command']}@${row['ftp-data.command-frame']}`, 4);
      continue;
    }
    const method = tr.announce ? (SETUP_METHOD[tr.announce.command] ?? tr.announce.command) : null;
    t.compare(`data stream ${stream}: setup method`, method, row['ftp-data.setup-method']);
    t.compare(`data stream ${stream}: setup frame`, tr.announce?.frame, row['ftp-data.setup-frame']);
    t.compare(`data stream ${stream}: command frame`, tr.request?.frame, row['ftp-data.command-frame']);
    const command = tr.request ? `${tr.request.command}${tr.request.arg ? ' ' + tr.request.arg : ''}` : null;
    t.compare(`data stream ${stream}: command`, command, row['ftp-data.command']);
  }
  for (const tr of transfers) {
    // An inferred transfer (TLS hid its commands, or it began before the capture) is no protocol link.
    if (tr.connection === null || tr.inferred !== undefined) continue;
    const agree = linked.has(tr.connection.stream);
    const ours = `${tr.announce ? `${tr.announce.command}@${tr.announce.frame}` : 'default port'} → ${tr.request ? `${tr.request.command}@${tr.request.frame}` : 'no command'}`;
    t.reverse(`ftpcap-only link: data stream ${tr.connection.stream}`, agree, ours, 'not linked');
  }
  return t;
}
