/**
 * A capture that holds none of the data connections between a client and a server: taken with a
 * filter that keeps the control connection only (tcpdump "port 21"), or on a path the data did not
 * take. There no SYN, reset or byte of any data connection can be in it, so a data connection's
 * absence says nothing about whether anyone tried to open one, or how much one carried.
 *
 * Proven by a transfer whose replies say its data connection existed while none is in the capture
 * (`repliesProveDataConnection`), between hosts none of whose transfers has its data connection in
 * the capture (where one is, the capture sees their data connections, and an absence stands).
 */
import type { Session, Transfer } from './model.js';
import type { DataUnseen } from './verdict-types.js';

/**
 * A 226 or 250 reports a transfer done over a data connection (RFC 959); a 1xx reports one opened,
 * unless the final reply is a 425 (a server that sends its 150 before it connects, in active mode,
 * then fails to). Not another 2xx alone (a 200, a 225 from a server that answers anything), which
 * proves none; not an FXP copy's half, whose data connection runs between the two servers.
 */
export function repliesProveDataConnection(t: Transfer): boolean {
  if (t.request === null || t.connection !== null || t.fxp !== undefined) return false;
  const code = t.reply?.code;
  return code === 226 || code === 250 || (t.preliminary !== null && code !== 425);
}

/** Sets each session's `dataUnseen` or `noDataSeen`, once, from every session between the same two addresses. */
export function markDataUnseen(sessions: readonly Session[]): void {
  const byHosts = new Map<string, { seen: boolean; proof: DataUnseen | null }>();
  for (const s of sessions) {
    const key = `${s.client.ip} ${s.server.ip}`;
    let hosts = byHosts.get(key);
    if (hosts === undefined) byHosts.set(key, (hosts = { seen: false, proof: null }));
    for (const t of s.transfers) {
      if (t.connection !== null && t.fxp === undefined) hosts.seen = true;
      else if (hosts.proof === null && repliesProveDataConnection(t)) hosts.proof = { session: s.id, transfer: t.id, reply: (t.reply?.code === 226 || t.reply?.code === 250 ? t.reply : t.preliminary)!.frame };
    }
  }
  for (const s of sessions) {
    const hosts = byHosts.get(`${s.client.ip} ${s.server.ip}`)!;
    delete s.dataUnseen;
    delete s.noDataSeen;
    if (!hosts.seen && hosts.proof !== null) s.dataUnseen = hosts.proof;
    else if (!hosts.seen) s.noDataSeen = true;
  }
}

/**
 * Why a capture that lacks its hosts' data connections shows nothing of an attempt, after a comma:
 * "not even transfer 1.2's, which its replies say existed (frame 23): …". Of the transfer `of` itself
 * when it is the proof.
 */
export function dataUnseenWords(u: DataUnseen, of?: { session: number; transfer: number }): string {
  const whose = of !== undefined && of.session === u.session && of.transfer === u.transfer ? 'not even its own, which its replies say existed' : `not even transfer ${u.session}.${u.transfer}'s, which its replies say existed`;
  return `${whose} (frame ${u.reply}): a capture filter such as "port 21", or a capture on another path, left them out`;
}

/** A diagnosis's sentence for a data connection's absence in such a capture (of transfer `of`). */
export function dataUnseenDetail(u: DataUnseen, of?: { session: number; transfer: number }): string {
  return `This capture holds no data connection between these hosts, ${dataUnseenWords(u, of)}; so it cannot show whether anyone tried to connect, or what a connection carried`;
}

/**
 * The caveat on a data connection's absence read as evidence (no SYN, so nobody tried) in a capture
 * that holds no data connection between these hosts at all, which no reply shows it lacks: a
 * capture filtered to the control connection would look the same. Appended to the claim; empty when it holds one.
 */
export function unlessFiltered(s: Session): string {
  return s.noDataSeen ? ' — unless a capture filter such as "port 21" left the data connections out: the capture holds none between these hosts' : '';
}

/**
 * "No data connection was attempted", where the capture shows these hosts' data connections; where it
 * holds none at all, only that none is in it (a "port 21" filter would look the same); nothing where a
 * reply shows it lacks them (dataUnseen).
 */
export function noDataConnectionWords(s: Session, t: Transfer): string[] {
  if (t.connection !== null || s.dataUnseen !== undefined) return [];
  return [s.noDataSeen ? 'No data connection is in the capture, which holds none between these hosts at all' : 'No data connection was attempted'];
}

/** Advice for a data connection that failed where the capture holds none of these hosts' data connections. */
export function dataUnseenAdvice(connector: 'client' | 'server'): string {
  return (
    'Capture again where the data connections pass, without a filter that keeps only the control connection ' +
    `(tcpdump "host A and host B", not "port 21"): it shows whether the ${connector} tried to connect, and what answered. ` +
    (connector === 'client'
      ? 'The usual causes: a firewall in front of the server that drops its passive port range, or a NAT whose 227 names an address the client cannot reach.'
      : "The usual causes: a firewall or NAT in front of the client that refuses inbound connections (passive mode avoids them).")
  );
}
