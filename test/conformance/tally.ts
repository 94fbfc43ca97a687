/**
 * Bookkeeping shared by the peer checks: a tally of facts compared and of disagreements found,
 * and small look-ups into ftpcap's analysis model (which session a row belongs to, every reply
 * of a session, the transfer a command announced or requested).
 */
import type { Analysis, Command, Reply, Session, Transfer } from '../../src/analysis/model.js';

export type Peer = 'tshark-ftp' | 'tshark-datachan' | 'tshark-links' | 'zeek' | 'suricata';

/** One fact on which ftpcap and a peer differ. All fields are short, stable strings. */
export interface Disagreement {
  capture: string;
  peer: Peer;
  what: string;
  ftpcap: string;
  peerValue: string;
}

export function disagreementKey(d: Disagreement): string {
  return `${d.capture} | ${d.peer} | ${d.what} | ftpcap: ${d.ftpcap} | peer: ${d.peerValue}`;
}

export class Tally {
  /** Facts read from the peer's files and compared with ftpcap. */
  facts = 0;
  /** ftpcap facts looked up in the peer's files (the reverse direction). */
  reverseFacts = 0;
  readonly disagreements: Disagreement[] = [];

  constructor(
    readonly capture: string,
    readonly peer: Peer,
  ) {}

  /** Compares one fact; values are compared as their display strings. */
  compare(what: string, ours: unknown, theirs: unknown): void {
    this.facts++;
    const a = show(ours);
    const b = show(theirs);
    if (a !== b) this.differ(what, a, b);
  }

  /** Records a fact whose agreement the caller decided. */
  fact(what: string, agree: boolean, ours: string, theirs: string, count = 1): void {
    this.facts += count;
    if (!agree) this.differ(what, ours, theirs);
  }

  reverse(what: string, agree: boolean, ours: string, theirs: string): void {
    this.reverseFacts++;
    if (!agree) this.differ(what, ours, theirs);
  }

  private differ(what: string, ftpcap: string, peerValue: string): void {
    this.disagreements.push({ capture: this.capture, peer: this.peer, what, ftpcap, peerValue });
  }
}

const SHOW_MAX = 40;

/** A value as a short display string: null/undefined → 'none', long text cut with its length. */
export function show(v: unknown): string {
  if (v === null || v === undefined) return 'none';
  const s = String(v);
  return s.length > SHOW_MAX ? `${s.slice(0, SHOW_MAX)}…(${s.length} chars)` : s;
}

export interface Located {
  session: Session;
  /** The row's source is the FTP client. */
  fromClient: boolean;
}

/** The control session whose two endpoints are src and dst (either way round). */
export function locateSession(a: Analysis, srcIp: string, srcPort: number, dstIp: string, dstPort: number): Located | null {
  for (const session of a.sessions) {
    const c = session.client;
    const s = session.server;
    if (c.ip === srcIp && c.port === srcPort && s.ip === dstIp && s.port === dstPort) return { session, fromClient: true };
    if (s.ip === srcIp && s.port === srcPort && c.ip === dstIp && c.port === dstPort) return { session, fromClient: false };
  }
  return null;
}

export interface ReplyOf {
  reply: Reply;
  command: Command;
}

/** Every reply of a session, preliminary ones included, in order. */
export function repliesOf(session: Session): ReplyOf[] {
  const out: ReplyOf[] = [];
  for (const command of session.commands) {
    for (const reply of command.preliminary) out.push({ reply, command });
    if (command.reply) out.push({ reply: command.reply, command });
  }
  return out;
}

/** The transfer a PORT/EPRT command or a PASV/EPSV reply announced. */
export function announcedBy(session: Session, command: Command): Transfer | null {
  const frame = command.tuple !== undefined && /^(PASV|EPSV|LPSV)$/.test(command.command ?? '') ? command.reply?.frame : command.frame;
  return session.transfers.find((t) => t.announce !== null && t.announce.frame === frame && t.announce.command === command.command) ?? null;
}

/** The transfer a RETR/STOR/LIST/... command requested. */
export function requestedBy(session: Session, command: Command): Transfer | null {
  return session.transfers.find((t) => t.request?.frame === command.frame && t.request.command === command.command) ?? null;
}

export function endpointText(e: { ip: string; port: number } | null | undefined): string {
  if (!e) return 'none';
  return e.ip.includes(':') ? `[${e.ip}]:${e.port}` : `${e.ip}:${e.port}`;
}
