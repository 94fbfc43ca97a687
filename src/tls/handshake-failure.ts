/**
 * The fatal alert that ended a TLS handshake before both sides finished it: such a connection
 * carried no application data. (An alert after the handshake is about the data, e.g. a record
 * cut short, not the handshake.)
 */
import type { TlsAlert, TlsFacts } from './types.js';

export function handshakeFailure(tls: TlsFacts): TlsAlert | undefined {
  return tls.handshakeDone ? undefined : tls.alerts.find((a) => a.level === 'fatal');
}
