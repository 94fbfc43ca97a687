/**
 * Which FTP side sends a transfer's data and which receives it: the client uploads (STOR, APPE,
 * STOU), the server sends downloads and listings. Null when no command said (a transfer inferred
 * while TLS hid the commands, or a data connection no command used).
 */
import type { Transfer } from './model.js';

type Side = 'client' | 'server';

export function dataSender(direction: Transfer['direction']): Side | null {
  if (direction === 'upload') return 'client';
  if (direction === 'download' || direction === 'listing') return 'server';
  return null;
}

/** The other side of dataSender, with its default: without a command, data is taken to go to the client. */
export function dataReceiver(direction: Transfer['direction']): Side {
  return direction === 'upload' ? 'server' : 'client';
}
