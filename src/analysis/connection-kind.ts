/**
 * What a TCP connection is: the data connection of an announced transfer (by its tuple), an FTP
 * control channel (by port: 21, or 990 for implicit FTPS; or by content: a 220 greeting from the
 * responder or a USER/AUTH line from the initiator, so FTP on other ports is found too), or other.
 */
import { looksLikeFtpClientStart, looksLikeFtpServerGreeting } from '../ftp/detect.js';
import type { StreamChunk, TcpConnection } from '../tcp/types.js';
import type { DataLink, DataLinker } from './data-linker.js';

const FTP_PORT = 21;
const FTPS_IMPLICIT_PORT = 990;

/** A control channel found by its port, before it carries a byte. */
export interface ControlPort {
  readonly kind: 'control';
  /** True when the TCP initiator is the FTP client. */
  readonly initiatorIsClient: boolean;
  readonly implicitTls: boolean;
}

export type NewConnection = { kind: 'data'; link: DataLink } | ControlPort | null;

/** One frozen value per kind of control port: a flood of connections costs no object each. */
const CONTROL_PORTS: Record<string, ControlPort> = {};
for (const initiatorIsClient of [true, false]) {
  for (const implicitTls of [true, false]) {
    CONTROL_PORTS[`${initiatorIsClient}${implicitTls}`] = Object.freeze({ kind: 'control', initiatorIsClient, implicitTls });
  }
}

/** A new connection: a linked data connection, a control channel by port, or null (look at its bytes). */
export function classifyNew(conn: TcpConnection, linker: DataLinker): NewConnection {
  const link = linker.link({ initiator: conn.client, responder: conn.server, midstream: conn.midstream });
  if (link) return { kind: 'data', link };
  const serverSide = controlServerSide(conn);
  if (serverSide === null) return null;
  const implicit = (serverSide === 'responder' ? conn.server.port : conn.client.port) === FTPS_IMPLICIT_PORT;
  return CONTROL_PORTS[`${serverSide === 'responder'}${implicit}`];
}

/** Which side of a connection is an FTP server by port, or null when neither is. */
function controlServerSide(conn: TcpConnection): 'responder' | 'initiator' | null {
  const isFtpPort = (p: number): boolean => p === FTP_PORT || p === FTPS_IMPLICIT_PORT;
  if (isFtpPort(conn.server.port)) return 'responder';
  // Mid-stream guesses can get the orientation wrong; the port tells.
  if (isFtpPort(conn.client.port) && conn.midstream) return 'initiator';
  return null;
}

/**
 * A connection's first bytes, on no FTP port: whether the initiator is the FTP client (true), the
 * responder is (false, only for a mid-stream guess), or the bytes are not FTP (null).
 */
export function ftpClientByContent(conn: TcpConnection, chunk: StreamChunk): boolean | null {
  const fromInitiator = chunk.dir === 'c2s';
  if (fromInitiator ? looksLikeFtpClientStart(chunk.bytes) : looksLikeFtpServerGreeting(chunk.bytes)) return true;
  if (!fromInitiator && looksLikeFtpClientStart(chunk.bytes) && conn.midstream) return false;
  return null;
}
