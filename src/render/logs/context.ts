/**
 * What both interchange formats need beside a command: the user and password the session had sent
 * by then, the transfer the command announced or requested, and the ids of the connections. All
 * read from the model; nothing here decides an outcome.
 */
import type { Analysis, Command, DataConnection, Session, Transfer } from '../../analysis/model.js';
import { connectionUid, flowId, type ConnectionKey } from './ids.js';

export interface CommandContext {
  session: Session;
  command: Command;
  /** Position in session.commands (the greeting, when captured, is 0). */
  index: number;
  /** The server's greeting (no command asked for it); other replies without a command are unsolicited. */
  greeting: boolean;
  /** Arguments of the last USER and PASS at or before this command (null when none was sent). */
  user: string | null;
  password: string | null;
  /** The transfer this PORT/EPRT/LPRT or PASV/EPSV/LPSV announced, or this RETR/STOR/LIST… requested. */
  announced: Transfer | null;
  requested: Transfer | null;
}

export function controlKey(s: Session): ConnectionKey {
  return { stream: s.stream, orig: s.client, resp: s.server, start: s.start };
}

export function dataKey(c: DataConnection): ConnectionKey {
  const [orig, resp] = c.initiator === 'client' ? [c.client, c.server] : [c.server, c.client];
  return { stream: c.stream, orig, resp, start: c.start };
}

export const controlUid = (s: Session): string => connectionUid(controlKey(s));
export const dataUid = (c: DataConnection): string => connectionUid(dataKey(c));
export const controlFlowId = (s: Session): number => flowId(controlKey(s));
export const dataFlowId = (c: DataConnection): number => flowId(dataKey(c));

/** Every command of a session with its context, in the order sent. */
export function* sessionCommands(s: Session): Generator<CommandContext> {
  const byAnnounce = new Map<string, Transfer>();
  const byRequest = new Map<string, Transfer>();
  for (const t of s.transfers) {
    if (t.announce !== null) byAnnounce.set(`${t.announce.command}@${t.announce.frame}`, t);
    if (t.request !== null) byRequest.set(`${t.request.command}@${t.request.frame}`, t);
  }
  let user: string | null = null;
  let password: string | null = null;
  for (let index = 0; index < s.commands.length; index++) {
    const command = s.commands[index];
    if (command.command === 'USER') user = command.arg;
    if (command.command === 'PASS') password = command.arg;
    // A passive announcement is dated by its 227/229 reply, an active one by the command.
    const passive = /^(PASV|EPSV|LPSV)$/.test(command.command ?? '');
    const announceFrame = passive ? command.reply?.frame : command.frame;
    yield {
      session: s,
      command,
      index,
      greeting: command.command === null && index === 0 && s.greeting !== null,
      user,
      password,
      announced: command.command === null ? null : (byAnnounce.get(`${command.command}@${announceFrame}`) ?? null),
      requested: command.command === null ? null : (byRequest.get(`${command.command}@${command.frame}`) ?? null),
    };
  }
}

/**
 * Items of every session merged by time. A session's own order is kept: an item earlier in it than
 * a later-dated one (a greeting that came after the commands) sorts with the time of the latest
 * item before it.
 */
export function byTime<T>(a: Analysis, items: (s: Session) => Iterable<T>, time: (item: T) => number): T[] {
  const all: Array<{ item: T; t: number; n: number }> = [];
  for (const s of a.sessions) {
    let latest = -Infinity;
    for (const item of items(s)) {
      latest = Math.max(latest, time(item));
      all.push({ item, t: latest, n: all.length });
    }
  }
  all.sort((x, y) => x.t - y.t || x.n - y.n);
  return all.map((x) => x.item);
}

/** The lines of a reply as sent: [code, text] each; continuation lines keep their own code when they have one. */
export function replyLines(code: number, text: string): Array<{ code: string | null; text: string }> {
  const lines = text.split('\n');
  return lines.map((line, i) => {
    if (i === 0 || i === lines.length - 1) return { code: String(code).padStart(3, '0'), text: line };
    const m = /^(\d{3})[ -]?(.*)$/s.exec(line);
    return m ? { code: m[1], text: m[2] } : { code: null, text: line };
  });
}
