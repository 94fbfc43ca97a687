/**
 * Which FTP side sends a transfer's data and which receives it: the client uploads (STOR, APPE,
 * STOU), the server sends downloads and listings. Null when no command said (a transfer inferred
 * while TLS hid the commands, or a data connection no command used).
 */
import type { DataConnection, Transfer } from './model.js';

type Side = 'client' | 'server';

export function dataSender(direction: Transfer['direction']): Side | null {
  if (direction === 'upload') return 'client';
  if (direction === 'download' || direction === 'listing') return 'server';
  return null;
}

/**
 * The side that sent a transfer's data: its command's (dataSender), else, when no command said (a
 * transfer inferred while TLS hid the commands), the side that sent more bytes on its data
 * connection (its TLS handshake's few hundred bytes go both ways, the data one way). Null when
 * neither says.
 */
export function dataSenderOf(t: Transfer): Side | null {
  const side = dataSender(t.direction);
  const c = t.connection;
  if (side !== null || c === null || c.bytesToClient === c.bytesToServer) return side;
  return c.bytesToClient > c.bytesToServer ? 'server' : 'client';
}

/** The side that received a transfer's data: dataSenderOf's other side, else dataReceiver's default. */
export function dataReceiverOf(t: Transfer): Side {
  const sender = dataSenderOf(t);
  return sender === null ? dataReceiver(t.direction) : sender === 'server' ? 'client' : 'server';
}

/**
 * What `receiver` had not acknowledged of the bytes sent to it on a data connection
 * (DataConnection.unacknowledged by side): the data's own count, not the two-way total, in which the
 * other way's few bytes (a TLS close_notify, MODE Z's replies) would count as the data's.
 */
export function unacknowledgedTo(c: DataConnection, receiver: Side): number {
  return receiver === 'server' ? c.unacknowledged.toServer : c.unacknowledged.toClient;
}

/** The other side of dataSender, with its default: without a command, data is taken to go to the client. */
export function dataReceiver(direction: Transfer['direction']): Side {
  return direction === 'upload' ? 'server' : 'client';
}
