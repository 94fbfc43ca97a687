/**
 * Who initiated a connection whose SYN we never saw. Only a guess (TcpConnection.midstream says so):
 *  1. port 21 is the FTP control server;
 *  2. port 20 is the FTP server's active-mode data port, and in active mode the *server* connects
 *     out from it (RFC 959 §3.2), so the port-20 side is the TCP initiator;
 *  3. otherwise the lower port is the server (well-known/registered ports sit below ephemeral
 *     ones, so "a port < 1024 wins" is a special case of this);
 *  4. equal ports: the sender of the first packet seen is taken as the client.
 */
export function srcLooksLikeClient(srcPort: number, dstPort: number): boolean {
  if (srcPort === dstPort) return true;
  if (dstPort === 21) return true;
  if (srcPort === 21) return false;
  if (srcPort === 20) return true;
  if (dstPort === 20) return false;
  return srcPort > dstPort;
}
