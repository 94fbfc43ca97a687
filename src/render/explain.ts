/**
 * `ftpcap explain`: a session told as numbered steps, mapped onto the textbook descriptions of
 * active and passive mode (see FTP-NOTES): the control connection's handshake, login, each
 * transfer's announcement with its tuple arithmetic, the data connection's own handshake (who
 * opened it, from which port), the data, the teardown, and the end of the session. Every step
 * cites its frames; where the capture departs from the textbook it says so, and failures are
 * told with the diagnosis the analysis already made. Model in, string out.
 */
import type { Analysis, Command, Diagnosis, RstSeen, Session, Transfer } from '../analysis/model.js';
import type { LadderEvent, SessionLadder } from '../analysis/ladder.js';
import { segmentsSent, type TraceConnection } from '../analysis/packet-trace.js';
import { CATALOG } from '../analysis/diagnose/catalog.js';
import { announcesActive, commandInfo, commandLine, isLogin } from '../ftp/commands.js';
import { controlHandshakeFailure, insideControlTls } from '../analysis/control-tls.js';
import { dataReceiver, dataSender, unacknowledgedTo } from '../analysis/data-sender.js';
import { resentAfterArrival } from '../analysis/path-loss.js';
import { noticesByFrame } from '../analysis/unanswered.js';
import { abruptEnd, type AbruptEnd } from '../analysis/session-facts.js';
import { escapeText } from './escape.js';
import { endpoint, seconds } from './format.js';
import { cutSentence, icmpName, serviceName, tupleEndpoint } from './teach-text.js';
import { announceConnectFailed, controlSentence, laterAttemptSentence, resumedWords, laterCopyOfPreliminary, leftAfterRefusalWords, loginRetriedClause, turnedAwayReason, turnedAwayWhen, noReplySentence, noReplyWords, noOpAborWords, noRequestWords, noticeWords, replyCode, replyHeadline, splitStallSentence, verdictLabel, verdictSentence } from './verdict-words.js';
import { portSplitsOf } from '../analysis/passive-port-split.js';

const WIDTH = 78;
/** Commands listed in one step before the rest are only counted. */
const MAX_LISTED = 16;
/**
 * Transfers told, each as a step, per session: past it the rest are counted by verdict in one
 * step. A story of 64,000 transfers is no lesson, and its text alone had filled the heap.
 */
export const MAX_TOLD_TRANSFERS = 1000;

export const TEXTBOOK = {
  active:
    'Textbook active mode (PORT): 1-3 the client opens the control connection to port 21 (SYN, SYN+ACK, ' +
    "ACK); 4 for each listing or transfer it sends PORT with its own address and a new temporary port " +
    '(port = p1×256+p2); 5-7 the server opens the data connection from its port 20 to that port; 8 data ' +
    'flows, each segment acknowledged; 9 the sender closes the data connection with FIN; 10 further ' +
    'commands, then QUIT and FIN on the control connection.',
  passive:
    'Textbook passive mode (PASV): 1-3 the same control connection to port 21; 4 the client sends PASV; ' +
    "5 the server answers 227 with its address and a temporary port (p1×256+p2); 6-8 the client opens " +
    'the data connection from a new temporary port to that address and port; 9-11 data, FIN, further ' +
    'commands, as in active mode.',
} as const;

/** Word-wrap with a hanging indent; the first line starts with `first`. */
function para(first: string, text: string, indent = first.length): string {
  const words = text.split(/\s+/).filter(Boolean);
  const lines: string[] = [];
  let line = first;
  let empty = true;
  for (let w of words) {
    // A word longer than a line (hostile input) is cut into pieces that fit.
    while (w.length > WIDTH - indent) {
      const room = WIDTH - line.length - (empty ? 0 : 1);
      if (room < 8) {
        lines.push(line);
        line = ' '.repeat(indent);
        empty = true;
        continue;
      }
      line = empty ? line + w.slice(0, room) : `${line} ${w.slice(0, room)}`;
      w = w.slice(room);
      lines.push(line);
      line = ' '.repeat(indent);
      empty = true;
    }
    if (w === '') continue;
    if (!empty && line.length + 1 + w.length > WIDTH) {
      lines.push(line);
      line = ' '.repeat(indent) + w;
    } else {
      line = empty ? line + w : `${line} ${w}`;
    }
    empty = false;
  }
  lines.push(line);
  return lines.join('\n');
}

/** "21 (ftp)" in prose. */
function portName(port: number): string {
  const n = serviceName(port);
  return n === undefined ? String(port) : `${port} (${n})`;
}

/** A sub-step and the first frame it cites, to put sub-steps in capture order. */
interface Sub {
  frame: number;
  text: string;
}

function frames(list: number[]): string {
  if (list.length === 0) return 'no frame';
  if (list.length === 1) return `frame ${list[0]}`;
  return `frames ${list.join(', ')}`;
}

function frameRange(first: number, last: number): string {
  return first === last ? `frame ${first}` : `frames ${first}-${last}`;
}

/** Longest command or reply text quoted in a step. */
const QUOTE = 72;

function quote(text: string): string {
  const e = escapeText(text);
  return e.length <= QUOTE ? e : `${e.slice(0, QUOTE - 3)}...`;
}

/** "frame 8", or "frame 8, decrypted" when the line was read from the control connection's decrypted TLS. */
function frameCite(s: Session, frame: number): string {
  return insideControlTls(s, frame) ? `frame ${frame}, decrypted` : `frame ${frame}`;
}

function cmdText(s: Session, c: Command): string {
  return `${quote(commandLine(c))} (${frameCite(s, c.frame)})`;
}

function replyShort(s: Session, c: Command): string {
  const r = c.reply;
  if (r === null) {
    const why = noReplyWords(c);
    if (why === null) return 'no reply in the capture';
    return c.noReply?.why === 'capture-gap' ? `reply not in the capture: ${why}` : `no reply: ${why}`;
  }
  return `${r.code} ${quote(replyHeadline(r))} (${frameCite(s, r.frame)})`;
}

/** "USER ftpuser (frame 8) → 331 Please specify the password. (frame 10)". */
function exchange(s: Session, c: Command): string {
  return `${cmdText(s, c)} → ${replyShort(s, c)}`;
}

interface Ctx {
  a: Analysis;
  s: Session;
  l: SessionLadder;
  departures: string[];
  /** Parts of the textbook's story the capture does not hold (its start, a data connection, an end): no departure, but not seen either. */
  unseen: string[];
  /** Each advice text's first session among those told (adviceFirstSeen). */
  adviceFirst: Map<string, number>;
}

/** Each connection's events, and each data connection by transfer: indexed once per ladder (a search per transfer was quadratic). */
const ladderIndex = new WeakMap<SessionLadder, { events: Map<TraceConnection, LadderEvent[]>; data: Map<number, TraceConnection> }>();

function indexOf(l: SessionLadder): { events: Map<TraceConnection, LadderEvent[]>; data: Map<number, TraceConnection> } {
  let index = ladderIndex.get(l);
  if (index === undefined) {
    index = { events: new Map(), data: new Map() };
    for (const e of l.events) {
      const list = index.events.get(e.conn);
      if (list) list.push(e);
      else index.events.set(e.conn, [e]);
    }
    for (const c of l.connections) if (c.role === 'data' && c.transfer !== null && !index.data.has(c.transfer)) index.data.set(c.transfer, c);
    ladderIndex.set(l, index);
  }
  return index;
}

function eventsOf(l: SessionLadder, conn: TraceConnection | undefined): LadderEvent[] {
  return conn === undefined ? [] : (indexOf(l).events.get(conn) ?? []);
}

/** A session's commands by the frame of the command and of its final reply, indexed once per session. */
const commandIndex = new WeakMap<Session, Map<number, Command>>();

function commandAt(s: Session, frame: number): Command | undefined {
  let index = commandIndex.get(s);
  if (index === undefined) {
    index = new Map();
    for (const c of s.commands) {
      if (c.command === null) continue;
      if (!index.has(c.frame)) index.set(c.frame, c);
      if (c.reply !== null && !index.has(c.reply.frame)) index.set(c.reply.frame, c);
    }
    commandIndex.set(s, index);
  }
  return index.get(frame);
}

/** "SYN (frame 3), SYN+ACK (frame 4), ACK (frame 5)" from a connection's handshake events. */
function handshakeText(events: LadderEvent[]): string {
  const syn = events.filter((e) => e.kind === 'syn').map((e) => e.firstFrame);
  const synAck = events.filter((e) => e.kind === 'syn-ack').map((e) => e.firstFrame);
  const synAckIdx = events.findIndex((e) => e.kind === 'syn-ack');
  const ack = synAckIdx >= 0 ? events.slice(synAckIdx + 1).find((e) => e.kind === 'ack') : undefined;
  const parts: string[] = [];
  if (syn.length) parts.push(`SYN (${frames(syn)}${syn.length > 1 ? `: sent ${syn.length} times` : ''})`);
  if (synAck.length) parts.push(`SYN+ACK (${frames(synAck)})`);
  if (ack !== undefined) parts.push(`ACK (frame ${ack.firstFrame})`);
  return parts.join(', ');
}

/**
 * How a connection ended: FINs and the last ACK, or a reset, in frame order. A FIN sent again by the
 * side that closed first is its retransmission, not the other side's answer. `rstTold`: the reset was
 * already told (it answered the SYN), so it is not told twice. `forged`: the connection's reset is a
 * device's in one end's name (RstSeen.forged, the model's reading), not that end's.
 */
function teardownText(events: LadderEvent[], who: (e: LadderEvent) => string, noun = 'it', rstTold = false, forged: RstSeen | null = null): string {
  const firstFin = events.findIndex((e) => e.kind === 'fin');
  const rst = events.find((e) => e.kind === 'rst');
  const parts: string[] = [];
  if (firstFin >= 0) {
    const tail = events.slice(firstFin).filter((e) => e.kind === 'fin' || e.kind === 'ack');
    const finned = new Set<string>();
    for (const e of tail) {
      let verb = 'acknowledges';
      if (e.kind === 'fin') {
        verb = finned.has(e.by) ? 'sends its FIN again' : finned.size === 0 ? `closes ${noun}` : 'answers';
        finned.add(e.by);
      }
      parts.push(`${who(e)} ${verb}: ${e.kind === 'fin' ? 'FIN' : 'ACK'} (frame ${e.firstFrame})`);
    }
  }
  if (rst !== undefined && !rstTold) {
    const told =
      forged?.forged === true && forged.frame === rst.firstFrame
        ? `a device between the hosts resets ${noun} in ${who(rst)}'s name: RST (frame ${rst.firstFrame}), not sent by ${who(rst)}`
        : `${who(rst)} resets ${noun}: RST (frame ${rst.firstFrame})`;
    // Told where it came: a reset before the FINs first.
    if (firstFin >= 0 && rst.firstFrame < events[firstFin].firstFrame) parts.unshift(told);
    else parts.push(told);
  }
  return parts.join('; ');
}

function sideName(s: Session, e: LadderEvent): string {
  return e.by === 'client' ? 'the client' : 'the server';
}

/** The data connection's end that is not this session's server: the client, or in FXP the other server. */
function dataPeer(t: Transfer): string {
  return t.fxp !== undefined ? 'the other server' : 'the client';
}

function dataDirection(t: Transfer): string {
  // FXP: the other end is the other server, not this session's client.
  if (t.fxp !== undefined) return t.direction === 'upload' ? 'from the other server to this one' : 'from this server to the other one';
  if (t.direction === 'upload') return 'client → server';
  return 'server → client';
}

/** The command that announced a transfer's data endpoint (PASV: the announcement is its reply). */
function announcingCommand(s: Session, t: Transfer): Command | undefined {
  const an = t.announce;
  if (an === null) return undefined;
  return commandAt(s, an.frame);
}

/** The announcement sub-step: what PORT/EPRT/PASV/EPSV said and what it decodes to. */
function announceStep(ctx: Ctx, t: Transfer): string[] {
  const { s } = ctx;
  const an = t.announce;
  const out: string[] = [];
  if (an === null && t.unansweredAnnounce) {
    const asked = t.unansweredAnnounce;
    out.push(`${asked.command} (frame ${asked.frame}): the client asks for passive mode; the server's reply, with the address and port, is not in the capture.`);
    return out;
  }
  if (an === null && t.announcedBeforeCapture) {
    out.push(`Its ${t.mode === 'active' ? 'PORT or EPRT' : 'PASV or EPSV'} came before the capture began: the data connection is linked to it by hosts and timing.`);
    return out;
  }
  if (an === null && t.announceMaybeBeforeCapture) {
    out.push(
      'No PORT or PASV for it is in the capture, which began during the session: the client may have sent one before the capture began, ' +
        'or the server used the default data port (the client\'s control port, RFC 959). Its mode is not known.',
    );
    return out;
  }
  if (an === null) {
    out.push(
      'No PORT or PASV came before it: the server uses the default data port (the client\'s control port, RFC 959).',
    );
    return out;
  }
  const cmd = announcingCommand(s, t);
  const tuple = an.tuple;
  const ep = tupleEndpoint(tuple, s);
  if (an.refused && an.reply) {
    out.push(
      `${cmd ? cmdText(s, cmd) : an.command}: the client asks the server to listen for a data connection. ` +
        `The server refuses: ${an.reply.code} ${escapeText(an.reply.text)} (frame ${an.reply.frame}); no address or port is announced.`,
    );
    return out;
  }
  if (!tuple.ok || ep === null) {
    out.push(`${cmd ? cmdText(s, cmd) : `${an.command} (frame ${an.frame})`}: the announcement cannot be decoded (${escapeText(tuple.reason ?? 'malformed')}).`);
    // The textbook's announcement carries an address and port; this one carried none the client could use.
    const where = an.reply !== null && !announcesActive(an.command) ? `the ${an.reply.code} in frame ${an.reply.frame}` : `${an.command} in frame ${an.frame}`;
    // A diagnosis of it is listed among the departures already (announce-malformed). One the capture
    // cut short (a snaplen) was announced whole: not in the capture, no departure.
    if (an.cut === true) ctx.unseen.push(`the address and port ${where} announced (the capture cut the line short)`);
    else if (t.diagnosis === null) ctx.departures.push(`${where} announces no address and port that can be decoded (${escapeText(tuple.reason ?? 'malformed')})`);
    return out;
  }
  const arith = tuple.arithmetic.includes('×') ? `port ${tuple.arithmetic} = ${ep.port}` : `port ${ep.port}`;
  if (announcesActive(an.command)) {
    const alias = s.clientAliases.includes(ep.ip);
    const own = ep.ip === s.client.ip || alias;
    let text = `${cmd ? cmdText(s, cmd) : an.command}: the client announces the address ${ep.ip}`;
    text += own && !alias ? ' (its own)' : '';
    text += ` and a temporary port: ${arith}.`;
    if (an.command === 'EPRT') {
      text += ` EPRT names the address family (${tuple.family === 6 ? '2 = IPv6' : '1 = IPv4'}) and writes the port in decimal: no p1×256+p2 arithmetic.`;
    }
    if (alias) {
      const d = `${an.command} in frame ${an.frame} names ${ep.ip}, not the address ${s.client.ip} the client's control connection comes from, but another address of the client's own host`;
      text +=
        ` Departure from the textbook: ${d} — its packets from ${ep.ip} reach this capture point from the same network card ` +
        `as those from ${s.client.ip}, with no router between: one host with two addresses, no third host.`;
      ctx.departures.push(d);
    } else if (!own && t.fxp !== undefined) {
      text += ` That is not the client's address but the other server's passive endpoint (transfer ${t.fxp.session}.${t.fxp.transfer}): a server-to-server transfer (FXP), by design.`;
    } else if (!own) {
      const d = `${an.command} in frame ${an.frame} names ${ep.ip}, not the client's address ${s.client.ip} as seen on the control connection`;
      text += ` Departure from the textbook: ${d}.`;
      ctx.departures.push(d);
    }
    const r = an.reply;
    if (r !== null && announceConnectFailed(t)) text += ` The server tries to connect (below) and, failing, answers: ${r.code} ${quote(replyHeadline(r))} (${frameCite(s, r.frame)}).`;
    else if (r !== null) text += r.code < 300 ? ` The server accepts: ${r.code} (${frameCite(s, r.frame)}).` : ` The server refuses: ${r.code} ${quote(replyHeadline(r))} (${frameCite(s, r.frame)}).`;
    out.push(text);
    return out;
  }
  const r = an.reply;
  let text = `${cmd ? cmdText(s, cmd) : an.command}: the client asks the server to listen for a data connection.`;
  if (r !== null && r.code < 300) {
    text += ` ${r.code} (${frameCite(s, r.frame)}) answers with `;
    if (tuple.ip === null) text += `only a port, ${ep.port}: the address is the one the control connection already uses, ${s.server.ip} (RFC 2428).`;
    else text += `the address ${tuple.ip} and a temporary port: ${arith}.`;
    if (t.passiveAddress?.reading === 'public') {
      text +=
        ` That is not the server's own address here (${s.server.ip}), and it need not be: captured at the server, the data connection ` +
        `arrived on that port, so ${tuple.ip} leads to this server — the address clients reach it by, as pasv_address (vsftpd) or ` +
        'MasqueradeAddress (proftpd) names it behind DNAT or port forwarding.';
    } else if (tuple.ip !== null && tuple.ip !== s.server.ip) {
      const d = `the ${r.code} in frame ${r.frame} names ${tuple.ip}, not the address ${s.server.ip} the client is talking to`;
      text += ` Departure from the textbook: ${d}.`;
      if (t.passiveAddress?.reading === 'nat64') {
        text +=
          ` ${s.server.ip} embeds ${tuple.ip} in its last 32 bits: the server is IPv4-only, reached over IPv6 through a NAT64 ` +
          `translator that passes the ${r.code} unchanged, and an IPv6-only client reaches ${tuple.ip} only as ${s.server.ip}.`;
      }
      ctx.departures.push(d);
    }
  } else if (r !== null) {
    text += ` The server refuses: ${r.code} ${quote(replyHeadline(r))} (${frameCite(s, r.frame)}).`;
  } else {
    text += ' No reply is in the capture.';
  }
  out.push(text);
  return out;
}

/** The data connection's sub-steps: who opens it from where, data, teardown. */
function connectionSteps(ctx: Ctx, t: Transfer): Sub[] {
  const { s, l } = ctx;
  const c = t.connection;
  const out: Sub[] = [];
  if (c === null) {
    if (t.status === 'unused') return out;
    out.push({ frame: t.reply?.frame ?? Infinity, text: 'No data connection for it appears in the capture.' });
    return out;
  }
  const conn = indexOf(l).data.get(t.id);
  const events = eventsOf(l, conn);
  const opener = c.initiator === 'server' ? 'The server' : t.fxp !== undefined ? `The other server, ${c.client.ip} (FXP: transfer ${t.fxp.session}.${t.fxp.transfer}),` : 'The client';
  const from = c.initiator === 'server' ? c.server : c.client;
  const to = c.initiator === 'server' ? c.client : c.server;
  let text = `${opener} opens the data connection (tcp.stream ${c.stream}) from ${c.initiator === 'server' ? 'its' : 'its temporary'} port ${portName(from.port)} to ${endpoint(to)}`;
  const hs = handshakeText(events);
  text += hs ? `: ${hs}.` : '.';
  if (c.resumes !== undefined) text += ` (Picked up part way: ${resumedWords(c.resumes)}.)`;
  else if (c.midstream) text += ' (The capture began after its handshake.)';
  // A note, not a departure: RFC 959 makes port 20 the server's default, not a rule (vsftpd
  // connect_from_port_20=NO, proftpd by default). A failed one's diagnosis names the port itself.
  if (t.mode === 'active' && c.initiator === 'server' && c.server.port !== 20) {
    text +=
      ` It comes from port ${c.server.port}, not port 20: RFC 959 makes port 20 the server's default data port, ` +
      'and a server may connect from another (vsftpd with connect_from_port_20=NO, proftpd by default).';
  }
  if (c.addressMismatch !== undefined && t.passiveAddress?.reading === 'public') {
    text += ` It arrives at ${c.addressMismatch.actual}, the server's own address, on the announced port.`;
  } else if (c.addressMismatch !== undefined) {
    text += ` It goes to ${c.addressMismatch.actual}, not the announced ${c.addressMismatch.announced}.`;
    if (t.passiveAddress?.reading === 'nat64') text += ` That is the translator's address for ${c.addressMismatch.announced}: the client kept the control connection's address and took only the port.`;
    ctx.departures.push(`data connection ${t.id} went to ${c.addressMismatch.actual}, not the announced ${c.addressMismatch.announced}`);
  }
  const synAcked = events.some((e) => e.kind === 'syn-ack');
  const icmp = events.filter((e) => e.kind === 'icmp');
  const rst = events.find((e) => e.kind === 'rst');
  // The reset that answered the SYN is told here, as the answer, and not again as the teardown.
  let rstTold = false;
  if (!synAcked && events.some((e) => e.kind === 'syn')) {
    if (icmp.length) {
      const i = icmp[0].icmp;
      text += ` Instead of SYN+ACK, ICMP ${icmpName(i.family, i.type, i.code)} comes back from ${i.reporter} (${frames(icmp.map((e) => e.firstFrame))}).`;
    } else if (rst !== undefined) {
      text +=
        c.rst?.forged && c.rst.frame === rst.firstFrame
          ? ` Instead of SYN+ACK, a reset comes back in ${sideName(s, rst)}'s name (frame ${rst.firstFrame}), made by a firewall or router between them, not by ${sideName(s, rst)}.`
          : ` Instead of SYN+ACK, ${sideName(s, rst)} answers RST (frame ${rst.firstFrame}): nothing listens there, or a firewall rejects it.`;
      rstTold = true;
    } else if (s.oneWay === 'client') {
      // The server's direction is not in the capture: its SYN+ACK would not be either.
      text += " The server's SYN+ACK, if it came, is not in this capture: it holds the client's direction only.";
    } else if (connectingAtEnd(t)) {
      text += ' The capture ends less than a second later, before any answer was due: whether the data connection opened is not in it.';
    } else {
      text += ' No SYN+ACK ever comes back: the data connection never opens.';
    }
    if ((c.initiator === 'server' || c.initiator === 'client') && (s.oneWay !== 'client' || rstTold || icmp.length > 0) && !connectingAtEnd(t)) {
      ctx.departures.push(`data connection ${t.id} never opened`);
    }
  }
  out.push({ frame: events[0]?.firstFrame ?? c.synFrame ?? Infinity, text });

  const runs = events.filter((e) => e.kind === 'data');
  if (c.established || runs.length) {
    // The sending side's segments (TLS sends both ways: its handshake and alerts).
    const sender = dataSender(t.direction) ?? 'server';
    const sent = conn === undefined ? null : segmentsSent(conn.packets, sender);
    const bytes = t.direction === 'upload' ? c.bytesToServer : c.bytesToClient;
    let d = bytes === 1 ? `1 byte flows ${dataDirection(t)}` : `${bytes} bytes flow ${dataDirection(t)}`;
    if (sent !== null) d += ` (${sent.count === 1 ? `frame ${sent.first}` : `${sent.count} segments, frames ${sent.first}-${sent.last}`})`;
    const receiverWord = sender === 'client' ? 'the server' : dataPeer(t);
    // The receiver's own: the sender may as well have left the receiver's last bytes (a TLS alert) unacknowledged.
    const unacked = unacknowledgedTo(c, sender === 'client' ? 'server' : 'client');
    d += s.oneWay !== undefined
      ? `; whether ${receiverWord} acknowledged them is not in this capture (one direction only).`
      : unacked > 0
      ? c.rst
        ? // The reset ends what the capture's reading of the connection holds: acknowledgements after it are not counted.
          // The receiver's own reset acknowledging every byte (the model's acksAll, as diagnose words it): its TCP had them all.
          c.rst.by !== sender && c.rst.acksAll === true && c.rst.forged !== true
          ? `; ${receiverWord} had not acknowledged ${unacked} of the bytes sent before its own reset (frame ${c.rst.frame}), which acknowledged them all.`
          : `; ${receiverWord} had not acknowledged ${unacked} of the bytes sent when the reset came (frame ${c.rst.frame}).`
        : c.undeliveredBytes > 0
          ? // Bytes after a hole may be acknowledged selectively (SACK): the cumulative acknowledgement is what never covered them.
            `; ${receiverWord}'s acknowledgements, in order, never covered ${unacked} of the bytes sent.`
          : `; ${receiverWord} never acknowledged ${unacked} of the bytes sent.`
      : ', each segment acknowledged by the other side.';
    const plain = c.plaintext;
    if (plain !== undefined) {
      const span = sender === 'client' ? plain.framesToServer : plain.framesToClient;
      const file = sender === 'client' ? plain.toServer : plain.toClient;
      const where = span === null ? '' : span.first === span.last ? ` in frame ${span.first}` : ` in frames ${span.first}-${span.last}`;
      d += ` They are TLS records (PROT P): decrypted with the key log, those${where} carry the ${file} bytes of data; the rest is TLS's own handshake and alerts.`;
    } else if (c.tls !== undefined) {
      d += " They are TLS records (PROT P), not the file's bytes: TLS's handshake and the encrypted data, which only a key log would show.";
    }
    // The data sender's own repeats (a receiver's FIN sent again is told with the connection's close).
    const resent = c.retransmittedBy[sender];
    if (resent > 0 && resentAfterArrival(c, ctx.s.vantage, sender === 'client' ? 'server' : 'client')) {
      const one = resent === 1;
      d += ` ${resent} segment${one ? ' is' : 's are'} sent again (retransmission${one ? '' : 's'}) whose first cop${one ? 'y is' : 'ies are'} in this capture, taken on ${receiverWord}'s side: ${one ? 'it' : 'those'} had arrived, the repeat${one ? ' was' : 's were'} no loss on the way.`;
      ctx.departures.push(`data connection ${t.id}: ${resent} segment${one ? ' was' : 's were'} sent again although ${one ? 'its first copy' : 'their first copies'} had reached ${receiverWord}'s side`);
    } else if (resent > 0) {
      d += ` ${resent} segment${resent === 1 ? ' is' : 's are'} sent again (retransmissions).`;
      // Where the first copies went is not in this capture (the path, or the receiver's full buffer): a fact, no verdict.
      ctx.departures.push(`data connection ${t.id}: ${resent} segment${resent === 1 ? ' was' : 's were'} sent again (retransmission${resent === 1 ? '' : 's'})`);
    }
    if (c.gapBytes > 0) d += ` ${c.gapBytes} bytes are missing from the capture.`;
    if (c.undeliveredBytes > 0) d += ` ${c.undeliveredBytes} bytes sent before them never reached ${receiverWord} (lost on the path: its acknowledgements never covered them).`;
    // A completed transfer of nothing is an empty file or listing, told where the sender closed.
    const empty = bytes === 0 && t.verdict.kind === 'completed';
    if (empty) d = `0 bytes flow ${dataDirection(t)}: the ${t.direction === 'listing' ? 'listing' : 'file'} is empty.`;
    else if (bytes === 0) d = 'No data flows on it.';
    const senderFin = empty ? c.handshake.find((e) => e.type === 'fin' && e.by === sender)?.frame : undefined;
    // With none of its packets kept (a session cut by the trace's bound), the model's last data frame places it.
    out.push({ frame: senderFin ?? sent?.first ?? runs[0]?.firstFrame ?? c.lastData?.frame ?? c.establishedFrame ?? Infinity, text: d });
  }
  const down = teardownText(events, (e) => (e.by === 'client' ? dataPeer(t) : 'the server'), 'the data connection', rstTold, c.rst);
  // The sender's own reset after its queue drained (the verdict's resetDrained): said, so the RST does not read as a cut.
  const drained = t.verdict.kind === 'completed' ? t.verdict.resetDrained : undefined;
  const after = drained
    ? `, after ${dataReceiver(t.direction) === 'client' ? dataPeer(t) : 'the server'} had acknowledged every byte with room for more (frame ${drained.ack}): nothing was left to discard`
    : '';
  if (down) out.push({ frame: events.find((e) => e.kind === 'fin' || e.kind === 'rst')?.firstFrame ?? Infinity, text: `${down.charAt(0).toUpperCase()}${down.slice(1)}${after}.` });
  return out;
}

/** Each session's ABOR commands by frame, made once (a session may abort a thousand transfers among 100,000 commands). */
const aborsBySession = new WeakMap<Session, Map<number, Command>>();
function aborsOf(s: Session): Map<number, Command> {
  let m = aborsBySession.get(s);
  if (m === undefined) {
    m = new Map(s.commands.filter((c) => c.command === 'ABOR').map((c) => [c.frame, c]));
    aborsBySession.set(s, m);
  }
  return m;
}

function transferStep(ctx: Ctx, t: Transfer, between: Command[], during: Command[]): { title: string; subs: string[] } {
  const subs: Sub[] = [];
  const { s } = ctx;
  const book = `textbook ${t.mode} steps 4-9`;
  const what =
    t.direction === 'listing' ? 'a directory listing' : t.direction === 'download' ? 'a download' : 'an upload';
  const how = t.announceMaybeBeforeCapture ? 'in a mode the capture does not show' : `in ${t.mode} mode (${book})`;
  const title =
    t.request === null
      ? `Transfer ${t.id}: ${noRequestWords(t)} (${book}).`
      : `Transfer ${t.id}: ${quote(commandLine(t.request))} - ${what} ${how}.`;
  const announceFrame = t.announce?.frame ?? t.request?.frame ?? 0;
  for (const text of announceStep(ctx, t)) subs.push({ frame: announceFrame, text });
  if (between.length) subs.push({ frame: between[0].frame, text: `Meanwhile: ${between.map((c) => exchange(s, c)).join('; ')}.` });
  const req = t.request !== null ? commandAt(s, t.request.frame) : undefined;
  if (req !== undefined) {
    // FXP: the other server, not the client, is the data connection's other end (the catalog's words name the client).
    const role =
      t.fxp === undefined ? null
      : t.direction === 'upload' ? 'Store a file the other server sends on the data connection (FXP)'
      : t.direction === 'download' ? 'Send a file to the other server on the data connection (FXP)'
      : null;
    subs.push({ frame: req.frame, text: `${cmdText(s, req)}: ${escapeText(role ?? commandInfo(req.command ?? '')?.description ?? 'the transfer command')}.` });
  }
  subs.push(...connectionSteps(ctx, t));
  for (const c of during) subs.push({ frame: c.frame, text: `While the transfer runs, the client sends ${exchange(s, c)}.` });
  if (t.preliminary !== null) {
    // Told where the stream has it, before the final reply, even when the capture holds it after.
    const late = laterCopyOfPreliminary(t.preliminary, t.reply);
    subs.push({
      frame: late === null ? t.preliminary.frame : t.reply!.frame - 0.5,
      text: `${t.preliminary.code} ${quote(replyHeadline(t.preliminary))} (${frameCite(s, t.preliminary.frame)}): the server says the transfer starts.${late === null ? '' : ` ${late}.`}`,
    });
  }
  if (t.reply !== null) {
    subs.push({ frame: t.reply.frame, text: `${t.reply.code} ${quote(replyHeadline(t.reply))} (${frameCite(s, t.reply.frame)}): the server's final word on the transfer.` });
  }
  if (t.reply === null && t.closingLine !== undefined) {
    const c = t.closingLine;
    subs.push({ frame: c.frame, text: `${c.code} ${quote(replyHeadline(c))} (${frameCite(s, c.frame)}): the server's last line on the transfer, under the code of its start: no final reply (226, or an error) followed.` });
  }
  // The ABOR and its reply are told here, and not again among the session's other commands.
  const aborReply = (frame: number): string => {
    const c = aborsOf(s).get(frame);
    return c === undefined ? '' : ` → ${replyShort(s, c)}`;
  };
  // An ABOR still unanswered at the capture's end (the verdict's underWay aborting): asked, not yet done.
  const aborting = t.verdict.kind === 'incomplete' && t.verdict.underWay?.step === 'aborting';
  if (t.abortFrame !== null) {
    const text = aborting
      ? `The client asks the server to abort it: ABOR (frame ${t.abortFrame}), while its data is still coming; the capture ends before the server's answer.`
      : `The client aborts it: ABOR (frame ${t.abortFrame})${aborReply(t.abortFrame)}.`;
    subs.push({ frame: t.abortFrame, text });
  }
  if (t.lateAbortFrame !== undefined) {
    subs.push({
      frame: t.lateAbortFrame,
      text: `The client sends ABOR (frame ${t.lateAbortFrame})${aborReply(t.lateAbortFrame)}; the data ${noOpAborWords(t, true)}: nothing is aborted.`,
    });
  }
  // Capture order; a stable sort keeps sub-steps of one frame in the order written.
  const ordered = subs.sort((x, y) => x.frame - y.frame).map((x) => x.text);
  ordered.push(`Verdict: transfer ${t.id} ${verdictSentence(t)}`);
  ordered.push(...transferDiagnosisSubs(ctx, t));
  const later = laterAttemptSentence(t);
  if (later !== null) ordered.push(later);
  return { title, subs: ordered };
}

/** AUTH TLS accepted: what the encryption hides, and whether ftpcap read through it with the key log. */
function authStep(s: Session, c: Command): { title: string; departure: string } {
  const opaque = s.opaqueBytes.client + s.opaqueBytes.server;
  const clearAgain = s.tlsEndFrame;
  const head = `${exchange(s, c)}: explicit FTPS.`;
  if (s.commands.some((x) => x !== c && insideControlTls(s, x.frame))) {
    const until = clearAgain === undefined ? '' : ` until the client clears the command channel (CCC, RFC 4217; clear text again from frame ${clearAgain})`;
    return {
      title:
        `${head} From here on${until} the control connection is encrypted: a firewall's FTP helper cannot read the commands, the ` +
        'replies or the PORT/227 announcements. ftpcap decrypted them with the TLS key log: the steps below quote them, their frames marked "decrypted".',
      departure: "TLS hid the commands and replies from anything on the path without the keys (a firewall's FTP helper included)",
    };
  }
  const failure = controlHandshakeFailure(s);
  if (clearAgain !== undefined && s.tlsEndAfter === 'handshake-failed' && failure !== null) {
    const how =
      failure === 'no-server-hello'
        ? `no ServerHello answered the ClientHello (frame ${s.tlsDetails!.clientHelloFrame})`
        : `a fatal ${failure.description ?? 'encrypted'} alert from the TLS ${failure.by} (frame ${failure.frame})`;
    return {
      title:
        `${head} The TLS handshake that followed failed (${how}), so nothing of the login went encrypted: ` +
        `the ${opaque} bytes after the 234 are the handshake's own; from frame ${clearAgain} on the control connection is clear text again.`,
      departure: 'the TLS handshake after AUTH TLS failed: no login, no encrypted session',
    };
  }
  if (clearAgain === undefined) {
    return {
      title:
        `${head} From here on everything on the control connection is encrypted (${opaque} bytes): the commands, the replies and ` +
        "the PORT/227 announcements cannot be read, by ftpcap or by a firewall's FTP helper.",
      departure: 'TLS hides the commands and replies from the textbook steps 4 on',
    };
  }
  return {
    title:
      `${head} The login and the commands after it are encrypted (${opaque} bytes), until the client clears the command channel ` +
      `(CCC, RFC 4217): from frame ${clearAgain} on the control connection is clear text again, so the PORT/227 announcements below ` +
      "can be read — by ftpcap and by a firewall's FTP helper.",
    departure: 'TLS hid the login; CCC brought the control connection back to clear text',
  };
}

/** Data connections that opened for an announcement no transfer command used (a client that announced again), in one departure. */
function idleDataConnections(s: Session): string | null {
  const idle = s.transfers.filter((t) => t.status === 'unused' && t.connection?.established === true);
  if (idle.length === 0) return null;
  if (idle.length === 1) {
    const [t] = idle;
    return `the data connection of transfer ${t.id} opened (SYN frame ${t.connection!.synFrame}) and carried nothing: no transfer command used it`;
  }
  const ids = idle.slice(0, 5).map((t) => t.id).join(', ');
  return `${idle.length} data connections opened and carried nothing (transfers ${ids}${idle.length > 5 ? ', …' : ''}): no transfer command used them`;
}

/** Transfers part of whose story the capture does not hold, no diagnosis telling it: their data connections, or how they ended. */
function unseenTransfers(s: Session): string[] {
  const ids = (ts: Transfer[]): string => {
    const shown = ts.slice(0, 5).map((t) => t.id).join(', ');
    return `${ts.length === 1 ? 'transfer' : 'transfers'} ${shown}${ts.length > 5 ? ', …' : ''}`;
  };
  const out: string[] = [];
  const dataUnseen = s.transfers.filter((t) => t.verdict.kind === 'not-captured');
  // A capture that holds none of the session's data connections (a "port 21" filter): none of them, the unused ones too.
  if (s.dataUnseen !== undefined) out.push('the data connections (the capture holds none of them)');
  else if (dataUnseen.length) out.push(`the data connection${dataUnseen.length === 1 ? '' : 's'} of ${ids(dataUnseen)}`);
  if (s.oneWay !== undefined) {
    const other = s.oneWay === 'client' ? 'server' : 'client';
    out.push(`the ${other}'s packets (the capture holds the ${s.oneWay}'s only)`);
  }
  // One side's packets only is said once for the session, above.
  const partUnseen = s.transfers.filter(
    (t) => t.diagnosis === null && (t.verdict.kind === 'incomplete' || (t.verdict.kind === 'unknown' && t.verdict.why !== 'one-way')),
  );
  for (const t of partUnseen.slice(0, 5)) {
    const v = t.verdict;
    if (v.kind === 'incomplete') out.push(`how transfer ${t.id} ended (${verdictLabel(v)})`);
    else if (v.kind === 'unknown' && v.why === 'midstream') out.push(`the start of transfer ${t.id} (before the capture began)`);
    else out.push(`part of transfer ${t.id} (${verdictLabel(v)})`);
  }
  if (partUnseen.length > 5) out.push(`part of ${partUnseen.length - 5} more transfers`);
  return out;
}

/** The sentence that closes a session's story when nothing departed from the textbook; what the capture does not hold, said. */
export function asDescribedWords(unseen: readonly string[]): string {
  return unseen.length === 0
    ? 'Compared with the textbook: everything happened as described.'
    : `Compared with the textbook: everything the capture holds happened as described; not in it: ${unseen.join('; ')}.`;
}

/** How the control connection's end departed from step 10 (analysis/session-facts.ts abruptEnd), as a departure. */
function abruptEndWords(e: AbruptEnd): string {
  if (e.how === 'rst') {
    const quit = e.quit === 'answered' ? ' after the QUIT and its 221' : e.quit === 'none' ? ' without a QUIT answered by 221 first' : '';
    return `the ${e.by} reset the control connection (RST, frame ${e.frame})${quit}, instead of closing it with a FIN each way (step 10)`;
  }
  if (e.how === 'fin-then-rst') {
    const quit = e.quit === 'answered' ? ' after the QUIT and its 221' : e.quit === 'none' ? ' without a QUIT answered by 221 first' : '';
    const other = e.by === 'client' ? 'server' : 'client';
    const drew = e.reset.answered !== null ? `, when the ${other} wrote after that close (frame ${e.reset.answered})` : '';
    return `the ${e.by} closed the control connection (FIN, frame ${e.frame})${quit}; the ${e.reset.by} then reset it (RST, frame ${e.reset.frame})${drew}, instead of a FIN each way (step 10)`;
  }
  return `the ${e.by} closed the control connection (FIN, frame ${e.frame}) without a QUIT answered by 221 first`;
}

/** The capture ended on the transfer's data SYN before any answer was due (the model's verdict: underWay connecting). */
const connectingAtEnd = (t: Transfer): boolean => t.verdict.kind === 'incomplete' && t.verdict.underWay?.step === 'connecting';

/**
 * The first session, of those told in this order, whose diagnoses give each advice text. Sessions
 * failing alike (a password guessed again and again, every transfer through one firewall) then get
 * the advice in full once, as in diagnose. Decided from the analysis, not while telling: explain
 * tells each session as its packets end, and prints them in order.
 */
export function adviceFirstSeen(sessions: readonly Session[]): Map<string, number> {
  const first = new Map<string, number>();
  for (const s of sessions) {
    for (const d of [s.diagnosis, ...s.transfers.map((t) => t.diagnosis)]) if (d && !first.has(d.advice)) first.set(d.advice, s.id);
  }
  return first;
}

/**
 * A diagnosis as a step's sub-steps: what went wrong (its cause and the catalog's title), what to
 * change. Advice an earlier session gave in full is named; what went wrong is each session's own.
 */
function diagnosisSubs(ctx: Ctx, d: Diagnosis): string[] {
  const first = ctx.adviceFirst.get(d.advice);
  const change = first !== undefined && first < ctx.s.id ? `as for session ${first} above.` : escapeText(d.advice);
  return [`What went wrong (${d.cause}: ${CATALOG[d.cause].title}): ${escapeText(d.summary)}`, `What to change: ${change}`];
}

/** The session's diagnosis as a step's sub-steps; none without one. */
function sessionDiagnosisSubs(ctx: Ctx): string[] {
  return ctx.s.diagnosis ? diagnosisSubs(ctx, ctx.s.diagnosis) : [];
}

/** The transfer's diagnosis as a step's sub-steps, listed among the departures from the textbook; none without one. */
function transferDiagnosisSubs(ctx: Ctx, t: Transfer): string[] {
  // A refused probe the client recovered from: no failure, but not the textbook's one command either.
  if (t.verdict.kind === 'fell-back') {
    const fb = t.verdict.fallback;
    const then =
      'underWay' in fb
        ? `which was still under way when the capture ended (${fb.transfer !== null ? `transfer ${fb.transfer}` : fb.session !== undefined ? `session ${fb.session}` : `frame ${fb.underWay}`})`
        : 'answerLost' in fb
          ? `whose answer the capture lost (${fb.transfer !== null ? `transfer ${fb.transfer}` : `before frame ${fb.answerLost.gap}`})`
          : fb.command === null && (fb.lostAfter !== undefined || fb.tupleCut === true)
            ? `whose outcome is not in the capture (transfer ${fb.transfer})`
          : fb.command !== null && (fb.replyInGap !== undefined || fb.finalReplyMissing === true)
          ? 'which the server took (its final reply not captured)'
          : fb.completed
            ? 'which completed'
            : `which got past it (transfer ${fb.transfer} failed for its own reason)`;
    ctx.departures.push(`transfer ${t.id} ${verdictLabel(t.verdict)}, ${then}: no failure`);
  }
  // A refused retry of an attempt that had failed: no failure of its own, but a departure all the same.
  if (t.verdict.kind === 'retry-refused') {
    ctx.departures.push(`transfer ${t.id} ${verdictLabel(t.verdict)}, whose attempt had already failed: no failure of its own`);
  }
  if (t.diagnosis === null) return [];
  ctx.departures.push(`transfer ${t.id} ${verdictLabel(t.verdict)}: ${CATALOG[t.diagnosis.cause].title}`);
  return diagnosisSubs(ctx, t.diagnosis);
}

/** A command of the client's sent before the running transfer's final reply (`end`), other than one that ends it or the session. */
function duringTransfer(c: Command, end: number): boolean {
  return c.command !== null && c.frame < end && c.command !== 'ABOR' && c.command !== 'QUIT';
}

/** One numbered step of the story, with its lettered sub-steps. */
export interface ExplainStep {
  title: string;
  subs: string[];
}

function renderSession(a: Analysis, l: SessionLadder, adviceFirst: Map<string, number>): string {
  const s = l.session;
  const out: string[] = [];
  out.push(`Session ${s.id}: FTP client ${escapeText(s.client.ip)}, FTP server ${escapeText(s.server.ip)}`);
  if (s.vantage !== null) out.push(para('', `Where the capture was taken: ${escapeText(s.vantage.reason)}.`));
  if (s.natPeer !== null) {
    out.push(
      para(
        '',
        `The same session is in the capture again as session ${s.natPeer.session}, seen on the ${s.natPeer.side === 'inside' ? 'outside' : 'inside'} of a NAT: the client is ${endpoint(s.natPeer.inside)} inside and ${endpoint(s.natPeer.outside)} outside.`,
      ),
    );
  }
  const modes = new Set(s.transfers.map((t) => t.mode));
  for (const m of ['active', 'passive'] as const) if (modes.has(m)) out.push('', para('', TEXTBOOK[m]));
  out.push('');
  const { steps, departures, unseen } = explainSteps(a, l, adviceFirst);
  steps.forEach((st, i) => {
    const n = `${String(i + 1).padStart(2)}. `;
    out.push(para(n, st.title));
    st.subs.forEach((sub, j) => out.push(para(`    ${String.fromCharCode(97 + (j % 26))}. `, sub)));
  });
  // The pattern across the transfers to this session's server, decided once for the capture (its
  // words and evidence are in the failed transfers' diagnoses above): one line per session.
  for (const p of portSplitsOf(a.passivePortSplits, s)) {
    departures.push(
      `its failed data connections belong to a split by port: to ${escapeText(p.server)}, the passive ports that failed all lie in ${p.failed.low}–${p.failed.high} ` +
        `and those that worked in ${p.worked.low}–${p.worked.high} (${frames(p.evidence)}): a firewall opens only part of the server's passive range`,
    );
  }
  out.push('');
  if (departures.length === 0) out.push(para('', asDescribedWords(unseen)));
  else {
    out.push('Compared with the textbook:');
    for (const d of departures) out.push(para('  - ', `${d}.`));
  }
  if (l.cut !== null) out.push('', para('', cutSentence(l.cut)));
  return out.join('\n');
}

/**
 * The session's story as steps (unwrapped), and where it departs from the textbook. With
 * `adviceFirst` (adviceFirstSeen of the sessions told before and with it), advice an earlier
 * session gave in full is named; without, every advice is given in full.
 */
export function explainSteps(
  a: Analysis,
  l: SessionLadder,
  adviceFirst = new Map<string, number>(),
): { steps: ExplainStep[]; departures: string[]; unseen: string[] } {
  const s = l.session;
  const ctx: Ctx = { a, s, l, departures: [], unseen: [], adviceFirst };
  const control = l.connections.find((c) => c.role === 'control');
  const cev = eventsOf(l, control);
  // The control connection's first FIN or RST, once: where its teardown began.
  const teardown = cev.find((e) => e.kind === 'fin' || e.kind === 'rst');
  const steps: ExplainStep[] = [];
  const hs = handshakeText(cev);
  const controlWords = controlSentence(s);
  // A session turned away did open its connection: its story goes on to the refusal (the greeting step).
  const turnedAway = s.control.kind === 'turned-away' ? s.control : null;
  const ungreeted = s.control.kind === 'ungreeted' ? s.control : null;
  const hungUp = s.control.kind === 'hung-up' ? s.control : null;
  const refusedControl = controlWords === null || turnedAway !== null || ungreeted !== null || hungUp !== null ? null : escapeText(controlWords);
  if (refusedControl !== null && s.control.kind === 'not-followed') {
    // Given up to make room for others: what followed is not known, and not a failure.
    steps.push({
      title: `Control connection (textbook steps 1-3): the client tries to open a TCP connection from its temporary port ${s.client.port} to the server's port ${portName(s.server.port)}. ${refusedControl}`,
      subs: [],
    });
    ctx.departures.push(`the analysis stopped following the session at frame ${s.control.at}, before its connection opened: the rest of it is not known`);
  } else if (refusedControl !== null) {
    steps.push({
      title: `Control connection (textbook steps 1-3): the client tries to open a TCP connection from its temporary port ${s.client.port} to the server's port ${portName(s.server.port)}. ${refusedControl}${s.control.kind === 'connecting' ? '' : ' No command can follow.'}`,
      subs: sessionDiagnosisSubs(ctx),
    });
    // A capture that ended on the SYN shows nothing of the session after it: no departure, only its end.
    ctx.departures.push(
      s.control.kind === 'connecting'
        ? 'the capture ended before the control connection opened: what followed is not in it'
        : 'the control connection never opened, so nothing of the session could happen',
    );
  } else if (s.controlConnection.resumes !== undefined) {
    steps.push({ title: `Control connection: picked up part way: ${resumedWords(s.controlConnection.resumes)}. Its handshake, login and earlier commands are in the session before on that connection; what came in between is not analysed.`, subs: [] });
  } else if (s.midstream || hs === '') {
    steps.push({ title: 'Control connection: the capture begins after it was opened (no SYN), so its handshake is not shown.', subs: [] });
    ctx.unseen.push(s.midstream ? 'the session\'s start (its handshake, login and the commands before the capture began)' : "the control connection's handshake");
  } else {
    steps.push({
      title:
        `Control connection (textbook steps 1-3): the client opens a TCP connection from its temporary port ${s.client.port} ` +
        `to the server's port ${portName(s.server.port)}: ${hs}.` +
        (hungUp === null ? ' It stays open for the whole session: commands go from the client to the server on it, replies come back.' : ''),
      subs: [],
    });
    if (s.server.port !== 21) ctx.departures.push(`the server listens on port ${s.server.port}, not the usual 21`);
  }
  // Implicit FTPS: no AUTH TLS to tell it (authStep); TLS starts with the connection, and hides what the textbook reads.
  // Only once the server answered the ClientHello and no fatal alert ended it: a plain server's 220 to a
  // ClientHello, or silence, is no encrypted session (its diagnosis tells the mismatch).
  if (s.tls && s.tlsMode === 'implicit' && (s.tlsDetails?.serverHelloFrame ?? null) !== null && controlHandshakeFailure(s) === null) {
    const read = s.commands.some((c) => c.command !== null && insideControlTls(s, c.frame));
    const at = s.tlsFrame === null ? '' : ` (frame ${s.tlsFrame})`;
    steps.push({
      title: read
        ? `Implicit FTPS: TLS starts with the connection${at}, before the greeting; everything on the control connection is encrypted. ftpcap decrypted it with the TLS key log: the steps below quote it, their frames marked "decrypted".`
        : `Implicit FTPS: TLS starts with the connection${at}, before the greeting; everything on the control connection is encrypted (${s.opaqueBytes.client + s.opaqueBytes.server} bytes): the greeting, the login, the commands, the replies and the PORT/227 announcements cannot be read, by ftpcap or by a firewall's FTP helper.`,
      subs: [],
    });
    ctx.departures.push(
      read
        ? "TLS (implicit, from the connection's start) hid the commands and replies from anything on the path without the keys (a firewall's FTP helper included)"
        : "TLS (implicit, from the connection's start) hides the greeting, the commands and the replies from the textbook step 4 on",
    );
  }
  // Opened, and no greeting before the client gave up: the wait is the story (a late greeting is told in it).
  if (ungreeted !== null) {
    steps.push({
      title: escapeText(controlWords ?? ''),
      subs: sessionDiagnosisSubs(ctx),
    });
    ctx.departures.push(`the server never greeted within the ${seconds(ungreeted.waited)} the client waited: no login or transfer could follow`);
  }
  // Opened, and the server hung up before greeting: its close is the story.
  if (hungUp !== null) {
    steps.push({
      title: escapeText(controlWords ?? ''),
      subs: sessionDiagnosisSubs(ctx),
    });
    ctx.departures.push(`the server ${hungUp.how === 'rst' ? 'reset' : 'closed'} the connection before greeting: no login or transfer could follow`);
  }
  const tlsRefusal = s.tlsRefusal;
  if (tlsRefusal !== null) {
    ctx.departures.push(
      `the client asked for TLS and the server refused it (${tlsRefusal.code}, frame ${tlsRefusal.reply}): ` +
        (tlsRefusal.gaveUp ? 'the client, which requires it, ended the session without logging in' : 'the session went on in clear text'),
    );
  }

  // Walk the commands; those a transfer uses are told in its step.
  const used = new Map<number, Transfer>();
  for (const t of s.transfers) {
    const an = t.announce;
    const cmd = an === null ? undefined : announcingCommand(s, t);
    if (cmd !== undefined) used.set(cmd.frame, t);
    else if (an === null && t.request !== null) used.set(t.request.frame, t);
    // A PASV whose reply is not in the capture, followed by a connection and no request: told at the PASV.
    else if (an === null && t.unansweredAnnounce !== undefined) used.set(t.unansweredAnnounce.frame, t);
  }
  const requestFrames = new Set(s.transfers.map((t) => t.request?.frame).filter((f): f is number => f !== undefined));
  /** ABORs told, with their replies, in their transfer's step. */
  const abortsTold = new Set<number>();
  const plain: Command[] = [];
  const loginCommand = (c: Command): boolean => isLogin(c.command);
  const flush = (): void => {
    if (!plain.length) return;
    const login = loginCommand(plain[0]);
    const shown = plain.slice(0, MAX_LISTED).map((c) => exchange(s, c));
    if (plain.length > MAX_LISTED) shown.push(`and ${plain.length - MAX_LISTED} more (ftpcap commands lists them all)`);
    // The server's answer to the login turned the session away or refused the login: the step says why, as diagnose does.
    const refusedAt = turnedAway?.at === 'login' ? turnedAway.command : (s.loginRefusal?.command ?? (s.tlsRefusal?.gaveUp ? s.tlsRefusal.command : undefined));
    const refusedHere = refusedAt !== undefined && plain.some((c) => c.frame === refusedAt);
    // The session's control connection stalled at a split announcement among these commands (only its end arrived, or its reply never came).
    const st = s.diagnosis?.cause === 'announce-split-dropped' ? s.splitStall : undefined;
    const stalledHere = st !== undefined && plain.some((c) => c.frame === st.command?.frame || c.frame === st.frame);
    if (stalledHere) ctx.departures.push(escapeText(splitStallSentence(s) ?? '').replace(/^The /, 'the ').replace(/\.$/, ''));
    const subs = refusedHere || stalledHere ? sessionDiagnosisSubs(ctx) : [];
    steps.push({ title: `${login ? 'Login' : 'Other commands'}: ${shown.join('; ')}.`, subs });
    plain.length = 0;
  };
  const cmds = s.commands;
  let told = 0;
  const untold: Transfer[] = [];
  // An inferred transfer with replies in the capture (its 226, or the 227/150/226 a capture of the
  // server's direction holds) is told at the first of them, in capture order; the others are its.
  const inferredAt = new Map<number, Transfer>();
  const inferredReplies = new Set<number>();
  for (const t of s.transfers) {
    if (t.inferred === undefined || t.connection === null) continue;
    // A transfer whose command the capture lost is told at its announcement, as the others are, with its replies.
    if (t.inferred === 'command-lost') {
      for (const r of [t.preliminary, t.reply]) if (r !== null) inferredReplies.add(r.frame);
      continue;
    }
    const frames = [t.announce?.reply?.frame, t.preliminary?.frame, t.reply?.frame].filter((f): f is number => f !== undefined);
    if (frames.length === 0) continue;
    inferredAt.set(Math.min(...frames), t);
    for (const f of frames) inferredReplies.add(f);
  }
  const toldInPlace = new Set<Transfer>();
  // The notices a later command of the client's met too late (analysis/unanswered.ts).
  const noticeAt = noticesByFrame(s);
  for (let i = 0; i < cmds.length; i++) {
    const c = cmds[i];
    if (c.command === null) {
      flush();
      const inferred = c.reply === null ? undefined : inferredAt.get(c.reply.frame);
      if (inferred !== undefined && told < MAX_TOLD_TRANSFERS) {
        told++;
        toldInPlace.add(inferred);
        steps.push(inferredStep(ctx, inferred));
        continue;
      }
      if (c.reply !== null && inferredReplies.has(c.reply.frame) && !inferredAt.has(c.reply.frame)) continue;
      if (c.reply !== null && c.reply.frame !== ungreeted?.lateGreeting) {
        const greeting = c.reply.code === 220;
        // A capture of the server's direction only holds the reply, not the command it answers.
        const unasked = s.oneWay === 'server' ? "The server replies (the command it answers is not in the capture)" : 'The server says, unasked';
        const said = c.reply.code === 0 ? 'The server sends a line that is no FTP reply (no reply code)' : greeting ? 'The server greets' : unasked;
        const notice = noticeAt.get(c.reply.frame);
        const closing = notice === undefined ? '' : `: ${noticeWords(notice)}`;
        if (turnedAway !== null && c.reply.frame === turnedAway.reply) {
          steps.push({
            title: `${escapeText(controlWords ?? '')}`,
            subs: sessionDiagnosisSubs(ctx),
          });
          ctx.departures.push(`the server turned the session away (${turnedAway.code}, frame ${turnedAway.reply})${turnedAway.limit ? ' for its connection limit' : ''}: no login or transfer could follow`);
          continue;
        }
        // A line that came after one side had begun closing the control connection (a client that
        // gave up before the greeting) is told as such: the end-of-session step comes after it.
        const down = teardown !== undefined && teardown.firstFrame < c.reply.frame ? teardown : undefined;
        const late = down === undefined ? '' : `, after ${sideName(s, down)} had already ${down.kind === 'fin' ? 'closed its side of the control connection (FIN' : 'reset the control connection (RST'}, frame ${down.firstFrame})`;
        if (down !== undefined) ctx.departures.push(`${sideName(s, down)} closed the control connection (frame ${down.firstFrame}) before the server's ${greeting ? 'greeting' : 'line'} (frame ${c.reply.frame}) came`);
        steps.push({ title: `${said}: ${replyCode(c.reply.code)} ${quote(replyHeadline(c.reply))} (${frameCite(s, c.reply.frame)})${late}${closing}.`, subs: [] });
      }
      continue;
    }
    const t = used.get(c.frame);
    if (t !== undefined) {
      flush();
      // Commands between the announcement and the transfer command belong to this step.
      const between: Command[] = [];
      if (t.announce !== null && t.request !== null) {
        while (i + 1 < cmds.length && cmds[i + 1].frame < t.request.frame && !used.has(cmds[i + 1].frame)) between.push(cmds[++i]);
        if (i + 1 < cmds.length && cmds[i + 1].frame === t.request.frame) i++;
      }
      // Commands the client sent while the transfer ran (a NOOP, a STAT): told in its step, in their place.
      const during: Command[] = [];
      const end = t.request !== null && t.reply !== null ? t.reply.frame : -Infinity;
      while (i + 1 < cmds.length && duringTransfer(cmds[i + 1], end) && !used.has(cmds[i + 1].frame) && !requestFrames.has(cmds[i + 1].frame)) during.push(cmds[++i]);
      if (told++ < MAX_TOLD_TRANSFERS) {
        steps.push(transferStep(ctx, t, between, during));
        for (const f of [t.abortFrame, t.lateAbortFrame]) if (f !== null && f !== undefined) abortsTold.add(f);
      } else untold.push(t);
      continue;
    }
    if (requestFrames.has(c.frame) || abortsTold.has(c.frame)) continue;
    if (c.command === 'AUTH' && s.tls && s.tlsFrame !== null) {
      flush();
      const { title, departure } = authStep(s, c);
      // Connections to another address than the server's while TLS hid the announcements (the diagnosis' `elsewhere`).
      // Opened by the server (active mode): where an encrypted PORT pointed, not the client's address.
      const subs = (s.diagnosis?.elsewhere ?? []).map((g) => {
        const byServer = g.from.ip === s.server.ip;
        return (
          `The ${byServer ? 'server' : 'client'} ${g.established ? 'opens' : 'tries to open'} a connection to ${endpoint(g.to)} (tcp.stream ${g.stream}${g.synFrame !== null ? `, SYN frame ${g.synFrame}` : ''})` +
          `${g.established ? '' : ', which never opens'} — not the ${byServer ? "client's" : "server's"} address ${byServer ? s.client.ip : s.server.ip}: ` +
          `probably the data connection an encrypted ${byServer ? 'PORT' : '227'} pointed to, naming an address no NAT rewrote (its FTP helper cannot read TLS).`
        );
      });
      steps.push({ title, subs });
      ctx.departures.push(departure);
      for (const g of s.diagnosis?.elsewhere ?? []) {
        const byServer = g.from.ip === s.server.ip;
        ctx.departures.push(
          `a connection to ${endpoint(g.to)}, not the ${byServer ? "client's" : "server's"} address, ${g.established ? 'opened' : 'never opened'}: an encrypted ${byServer ? 'PORT' : '227'} probably named it`,
        );
      }
      continue;
    }
    if (c.command === 'QUIT') {
      flush();
      continue; // told with the end of the session
    }
    if (plain.length && loginCommand(plain[0]) !== loginCommand(c)) flush();
    plain.push(c);
  }
  flush();

  // Transfers no command in the capture names: inferred from their connections (TLS hid the
  // commands, or the transfer began before the capture).
  for (const t of s.transfers) {
    if (t.inferred === undefined || t.inferred === 'command-lost' || t.connection === null || toldInPlace.has(t)) continue;
    if (told++ >= MAX_TOLD_TRANSFERS) {
      untold.push(t);
      continue;
    }
    steps.push(inferredStep(ctx, t));
  }

  if (untold.length > 0) {
    const byVerdict = new Map<string, number>();
    for (const t of untold) byVerdict.set(verdictLabel(t.verdict), (byVerdict.get(verdictLabel(t.verdict)) ?? 0) + 1);
    const counts = [...byVerdict].map(([v, n]) => `${n} ${v}`).join(', ');
    steps.push({
      title: `${untold.length} more transfers, from transfer ${untold[0].id} on, are not told one by one (${counts}): ftpcap transfers lists them all, ftpcap diagnose explains each that failed.`,
      subs: [],
    });
    const diagnosed = untold.filter((t) => t.diagnosis !== null).length;
    if (diagnosed > 0) ctx.departures.push(`${diagnosed} of the transfers not told one by one were diagnosed (${counts})`);
  }

  const quit = s.commands.find((c) => c.command === 'QUIT');
  const down = teardownText(cev, (e) => sideName(s, e), 'the control connection', false, s.controlConnection.rst);
  const end: string[] = [];
  if (quit !== undefined) end.push(`The client logs out: ${exchange(s, quit)}.`);
  // The server may have closed before the client's QUIT (an idle or data timeout): say so in order.
  const firstDown = teardown?.firstFrame;
  const before = quit !== undefined && firstDown !== undefined && firstDown < quit.frame;
  if (down) end.push(quit !== undefined ? (before ? `The teardown had begun before the QUIT: ${down}.` : `Then ${down}.`) : `${down.charAt(0).toUpperCase()}${down.slice(1)}.`);
  else if (s.controlConnection.evicted !== undefined) {
    end.push(`The analysis stopped following the control connection at frame ${s.controlConnection.evicted}, to make room for others: what came after is not in this session.`);
  } else if (refusedControl === null) {
    end.push('The capture ends before the control connection is closed.');
    ctx.unseen.push('the end of the session (the capture ends before the control connection is closed)');
  }
  for (const c of s.commands) {
    const unanswered = noReplySentence(c);
    if (unanswered !== null) ctx.departures.push(unanswered.replace(/\.$/, ''));
  }
  if (turnedAway?.at === 'login') {
    ctx.departures.push(
      `the server turned the session away ${turnedAwayWhen(turnedAway)} (${turnedAway.code}, frame ${turnedAway.reply})` +
        `${turnedAway.limit ? ' ' : ', '}${turnedAwayReason(turnedAway)}: no listing or transfer could follow`,
    );
  } else if (s.login === 'failed') ctx.departures.push('the login failed, so no listing or transfer could follow');
  else if (s.transfers.length === 0 && !s.tls && refusedControl === null && turnedAway === null && ungreeted === null && hungUp === null) {
    const left = leftAfterRefusalWords(s);
    ctx.departures.push(`${left !== null ? `${left}, so ` : ''}no listing or transfer was asked for: no data connection (textbook steps 4-9 do not happen)`);
  } else {
    const left = leftAfterRefusalWords(s);
    if (left !== null) ctx.departures.push(left);
  }
  const retried = loginRetriedClause(s);
  if (retried !== null) ctx.departures.push(retried);
  const abrupt = abruptEnd(s);
  if (abrupt !== null) ctx.departures.push(abruptEndWords(abrupt));
  const idle = idleDataConnections(s);
  if (idle !== null) ctx.departures.push(idle);
  steps.push({ title: `End of the session (textbook step 10): ${end.join(' ')}`, subs: [] });
  ctx.unseen.push(...unseenTransfers(s));
  return { steps, departures: ctx.departures, unseen: ctx.unseen };
}

/** The sessions' stories; `adviceFirst` as for explainSteps (by default, of these ladders' sessions). */
export function renderExplain(a: Analysis, ladders: SessionLadder[], adviceFirst = adviceFirstSeen(ladders.map((l) => l.session))): string {
  if (ladders.length === 0) return 'No FTP control sessions found: nothing to explain.';
  return ladders.map((l) => renderSession(a, l, adviceFirst)).join('\n\n');
}

/** The replies a transfer built from the server's direction alone was told by: "227 frame 20, 150 frame 22, 226 frame 26". */
function serverReplies(t: Transfer): string {
  const replies = [t.announce?.reply, t.preliminary, t.reply].filter((r): r is NonNullable<typeof r> => r !== null && r !== undefined);
  return replies.map((r) => `${r.code} frame ${r.frame}`).join(', ');
}

/** The step of a transfer no command in the capture names, inferred from its connection (and the replies it has). */
function inferredStep(ctx: Ctx, t: Transfer): { title: string; subs: string[] } {
  const c = t.connection!;
  const why =
    t.inferred === 'tls-hidden'
      ? 'TLS hides the command that asked for it; this connection between the two hosts during the session is probably its data connection (a guess from timing and ports)'
      : t.inferred === 'one-way'
        ? `the capture holds only what the server sent, so the command that asked for it is not in it; the server's replies tell it (${serverReplies(t)}) with this data connection`
        : c.resumes !== undefined
          ? `${resumedWords(c.resumes)}, so its command and start are not with it${t.reply ? ` (its final reply: ${t.reply.code}, frame ${t.reply.frame})` : ''}`
          : `it was already running when the capture began, so its command and start are not in the capture${t.reply ? ` (its final reply: ${t.reply.code}, frame ${t.reply.frame})` : ''}`;
  const opener = c.initiator === 'client' ? c.client : c.server;
  const target = c.initiator === 'client' ? c.server : c.client;
  return {
    title: `Transfer ${t.id}, inferred: ${why}: tcp.stream ${c.stream}, ${endpoint(opener)} → ${endpoint(target)}${c.synFrame !== null ? ` (SYN frame ${c.synFrame})` : ''}.`,
    subs: [`Verdict: transfer ${t.id} ${verdictSentence(t)}`, ...transferDiagnosisSubs(ctx, t)],
  };
}
