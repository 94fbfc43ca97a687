/**
 * The fatal alert that ended a TLS handshake before both sides finished it: such a connection
 * carried no application data. (An alert after the handshake is about the data, e.g. a record
 * cut short, not the handshake.)
 */
import type { TlsAlert, TlsFacts } from './types.js';

export function handshakeFailure(tls: TlsFacts): TlsAlert | undefined {
  return tls.handshakeDone ? undefined : tls.alerts.find((a) => a.level === 'fatal');
}

/**
 * How a connection's TLS handshake failed, as the capture shows it (the control connection's and
 * every data connection's, one rule): its fatal alert before both sides finished the handshake, or
 * 'no-server-hello' when the connection closed (`closed`) after a ClientHello that no ServerHello
 * followed — only when the capture lost none of the connection's bytes after the ClientHello
 * (`lostAfterHello`): a ServerHello, or an alert, may be in them. Null when it did not fail, or the
 * capture cannot tell.
 */
export function handshakeFailed(tls: TlsFacts, closed: boolean, lostAfterHello: boolean): TlsAlert | 'no-server-hello' | null {
  const alert = handshakeFailure(tls);
  if (alert) return alert;
  return tls.clientHelloFrame !== null && tls.serverHelloFrame === null && closed && !lostAfterHello ? 'no-server-hello' : null;
}
