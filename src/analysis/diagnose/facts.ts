/**
 * Small facts the checks share: addresses in words, the SYN retransmission schedule, the frames
 * that make up the evidence. Pure functions over the model.
 */
import type { Command, DataConnection, Endpoint, HandshakeEvent, Reply, Session, Transfer } from '../model.js';
import { sessionOrder } from '../session-order.js';
import { commandHeadline } from '../../ftp/commands.js';

export function ep(e: Endpoint): string {
  return e.ip.includes(':') ? `[${e.ip}]:${e.port}` : `${e.ip}:${e.port}`;
}

/**
 * A count with thousands separators as en-US writes it (1,234,567). Not `toLocaleString`: its
 * first call loads ICU's number formatting, ~20 ms of the run that prints it.
 */
export function count(x: number): string {
  if (!Number.isSafeInteger(x)) return x.toLocaleString('en-US');
  return String(x).replace(/\B(?=(\d{3})+$)/g, ',');
}

/**
 * "1 byte", "65,536 bytes": a count of bytes with its unit in the number it takes; `digits` writes
 * the number (the transfer view's raw counts: String, as tshark's fields give them).
 */
export function byteCount(x: number, digits: (x: number) => string = count): string {
  return `${digits(x)} ${x === 1 ? 'byte' : 'bytes'}`;
}

/**
 * A reply's headline: its first line with words, trimmed ('' without a reply or words). A
 * multi-line reply may open with an empty line (GNU inetutils ftpd's "230-" before its motd), and
 * its inner lines keep their "230-" as sent: that prefix is left out here.
 */
export function replyHeadline(reply: { code: number; text: string } | null | undefined): string {
  if (!reply) return '';
  const prefix = new RegExp(`^${reply.code}[- ]`);
  for (const line of reply.text.split('\n')) {
    const words = line.replace(prefix, '').trim();
    if (words !== '') return words;
  }
  return '';
}

export function secondsText(s: number): string {
  if (s < 1) return `${Math.round(s * 1000)} ms`;
  return s < 10 ? `${s.toFixed(1)} s` : `${Math.round(s)} s`;
}

/**
 * A transfer without a transfer command in the capture, in words: an inferred transfer's command is
 * not missing — TLS hid it, it came before the capture, or the capture holds only the server's direction.
 */
export function noCommandWords(t: Transfer): string {
  if (t.inferred === 'tls-hidden') return 'its command encrypted';
  if (t.inferred === 'midstream') return 'its command before the capture';
  if (t.inferred === 'one-way') return 'its command not in the capture';
  if (t.inferred === 'command-lost') return 'its command lost by the capture';
  return 'no transfer command';
}

/** "RETR report.pdf, active mode" */
export function transferLabel(t: Transfer): string {
  const what = t.request ? commandHeadline(t.request) : noCommandWords(t);
  return `${what}, ${t.mode} mode`;
}

/** "425 Failed to establish connection" (first line, without its closing full stop). */
export function replyWords(r: Reply): string {
  return `${r.code} ${replyHeadline(r).replace(/\.$/, '')}`;
}

/** Address classes that cannot be reached from the Internet as they are. */
export function addressClass(ip: string): 'private' | 'loopback' | 'link-local' | 'unspecified' | 'cgnat' | 'public' {
  if (ip === '0.0.0.0' || ip === '::') return 'unspecified';
  if (ip.includes(':')) {
    const lower = ip.toLowerCase();
    if (lower === '::1') return 'loopback';
    if (/^fe[89ab]/.test(lower)) return 'link-local';
    if (/^f[cd]/.test(lower)) return 'private';
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(lower);
    return mapped ? addressClass(mapped[1]) : 'public';
  }
  const [a, b] = ip.split('.').map(Number);
  if (a === 10 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168)) return 'private';
  if (a === 127) return 'loopback';
  if (a === 169 && b === 254) return 'link-local';
  if (a === 100 && b >= 64 && b <= 127) return 'cgnat';
  return 'public';
}

export function isUnroutable(ip: string): boolean {
  return addressClass(ip) !== 'public';
}

/** The initiator's SYNs with times: first one and every retransmission. */
export function synEvents(c: DataConnection): HandshakeEvent[] {
  return c.handshake.filter((e) => e.type === 'syn');
}

/** "retransmitted after 1.0 s and 3.0 s" (times since the first SYN), or '' for a single SYN. */
export function retransmissionSchedule(c: DataConnection): string {
  const syns = synEvents(c);
  if (syns.length < 2) return '';
  const t0 = syns[0].time;
  const offsets = syns.slice(1).map((e) => secondsText(e.time - t0));
  const list = offsets.length === 1 ? offsets[0] : `${offsets.slice(0, -1).join(', ')} and ${offsets[offsets.length - 1]}`;
  return `retransmitted after ${list}`;
}

export function frameList(frames: number[]): string {
  const f = [...new Set(frames)].sort((a, b) => a - b);
  if (f.length === 0) return '';
  if (f.length === 1) return `frame ${f[0]}`;
  return `frames ${f.slice(0, -1).join(', ')} and ${f[f.length - 1]}`;
}

/** Frames that prove a transfer's story: announcement, request, handshake packets, final reply. */
export function evidenceFrames(t: Transfer, extra: Array<number | null | undefined> = []): number[] {
  const frames: number[] = [];
  const add = (f: number | null | undefined): void => {
    if (typeof f === 'number' && f > 0) frames.push(f);
  };
  add(t.announce?.frame);
  add(t.announce?.reply?.frame);
  add(t.request?.frame);
  for (const e of t.connection?.handshake ?? []) if (e.type !== 'fin' && e.type !== 'established') add(e.frame);
  add(t.reply?.frame);
  for (const f of extra) add(f);
  return [...new Set(frames)].sort((a, b) => a - b);
}

/** The data connection announced in this session, announcement-side wording. */
export function announceWords(t: Transfer): string {
  const an = t.announce;
  // An inferred transfer's announcement is not missing: TLS hid it, or it came before the capture.
  if (!an && t.inferred === 'tls-hidden') {
    return `The ${t.mode === 'active' ? 'PORT/EPRT' : 'PASV/EPSV reply'} that announced it, if any, was encrypted: its address and port are not readable in this capture`;
  }
  if (!an && t.inferred === 'midstream') return 'Its announcement came before the capture began';
  if (!an && t.inferred === 'one-way') {
    const to = t.connection ? `: the server connected to ${ep(t.connection.client)}` : '';
    return `The client's PORT/EPRT, if it sent one, is not in this capture (it holds only what the server sent)${to}`;
  }
  if (!an && t.unansweredAnnounce) return `At frame ${t.unansweredAnnounce.frame} the client sent ${t.unansweredAnnounce.command}; its reply is not in the capture`;
  if (!an && t.announcedBeforeCapture) return `Its ${t.mode === 'active' ? 'PORT/EPRT' : 'PASV/EPSV'} came before the capture began (its data connection linked by hosts and timing)`;
  if (!an && t.announceMaybeBeforeCapture) return 'No PORT or PASV for it is in the capture, which began during the session';
  if (!an) return 'no PORT or PASV preceded it (RFC 959 default data port)';
  const ep0 = an.endpoint ? ep(an.endpoint) : 'an address that could not be decoded';
  const arith = an.tuple.arithmetic.includes('×') ? ` (port ${an.tuple.arithmetic})` : '';
  if (t.mode === 'active') return `At frame ${an.frame} the client announced ${an.command} ${ep0}${arith}`;
  return `At frame ${an.frame} the server answered ${an.command} with ${an.reply ? an.reply.code : ''} ${ep0}${arith}`.replace('  ', ' ');
}

/** How long the waiting side held on: from the first SYN to the reply (active) or to the session's next step. */
export function waitedWords(t: Transfer, s: Session, captureEnd: number | null): string {
  const c = t.connection;
  const syns = c ? synEvents(c) : [];
  if (syns.length === 0) return '';
  const first = syns[0].time;
  if (t.reply) {
    return `${secondsText(t.reply.time - first)} after the first SYN the server replied ${replyWords(t.reply)} (frame ${t.reply.frame})`;
  }
  // A server that connects as soon as it gets PORT (Twisted) answers PORT itself once it gives up: its word, not the client's.
  const announced = t.announce?.reply;
  if (t.mode === 'active' && announced && announced.time >= first && announced.code >= 400) {
    return `${secondsText(announced.time - first)} after the first SYN the server answered ${t.announce!.command} with ${replyWords(announced)} (frame ${announced.frame})`;
  }
  // The client's next command: after its own last SYN in passive mode (it moves on once it stops
  // trying); in active mode the server's SYNs go on whatever the client does (Net::FTP's QUIT came
  // between them), so after the first.
  let next: Command | undefined;
  for (const x of sessionOrder(s).commandsBetween(syns[t.mode === 'active' ? 0 : syns.length - 1].frame)) {
    if (x.command !== null) {
      next = x;
      break;
    }
  }
  // The transfer's own command after the refused connection is no giving up: the client went on without it.
  if (next && t.request && next.frame === t.request.frame) {
    return `the client sent ${next.command} anyway, ${secondsText(next.time - first)} after the first SYN (frame ${next.frame}), with no data connection open; no reply to it followed`;
  }
  if (next) {
    return `the client gave up and sent ${next.command} ${secondsText(next.time - first)} after the first SYN (frame ${next.frame})`;
  }
  if (s.closedBy && s.closedBy.time >= first) {
    const how = s.closedBy.how === 'rst' ? 'reset' : 'closed';
    return `the ${s.closedBy.by} gave up and ${how} the control connection ${secondsText(s.closedBy.time - first)} after the first SYN (frame ${s.closedBy.frame})`;
  }
  // The capture's end, not the control connection's last packet: the SYNs may go on long after it.
  const end = Math.max(captureEnd ?? s.end, s.end, c!.end);
  return `the capture ends ${secondsText(end - first)} after the first SYN with no reply`;
}

/**
 * A transfer command with a data address announced, no data connection and no reply, after which
 * the server closed the control connection: it gave up waiting. The server's close, or null.
 */
export function serverGaveUpWaiting(t: Transfer, s: Session): { frame: number; time: number } | null {
  const end = s.closedBy;
  // A final reply in bytes the capture lost (replyInGap: the client had it before its next command) was an answer, not a wait.
  if (t.connection || !t.request || t.reply !== null || t.replyInGap !== undefined || !t.announce?.endpoint || end === null || end.by !== 'server' || end.frame < t.request.frame) return null;
  // One half of an FXP copy whose server said its data connection was open (1xx): it runs between
  // the two servers, where a capture at the client cannot see it (a68-fxp-abort-oob client side).
  if (t.fxp !== undefined && t.preliminary !== null) return null;
  return end;
}
