/**
 * The packets that tell how a connection opened (or failed to) and closed, kept in the FTP
 * client's and server's terms for the control and data connections alike.
 */
import type { ConnectionEvent } from '../tcp/types.js';
import type { HandshakeEvent } from './model.js';

const HANDSHAKE_TYPES = new Set(['syn', 'syn-ack', 'established', 'rst', 'fin', 'icmp-error']);
const MAX_HANDSHAKE_EVENTS = 32;

export function recordHandshakeEvent(list: HandshakeEvent[], event: ConnectionEvent, byClient: boolean): void {
  if (!HANDSHAKE_TYPES.has(event.type) || list.length >= MAX_HANDSHAKE_EVENTS) return;
  const e: HandshakeEvent = {
    type: event.type as HandshakeEvent['type'],
    frame: event.frame,
    time: event.time,
    by: byClient ? 'client' : 'server',
  };
  if (event.repeat) e.repeat = true;
  list.push(e);
}
