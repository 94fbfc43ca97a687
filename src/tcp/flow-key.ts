/**
 * Connection keys: both endpoints (address + port), independent of the packet's direction, so
 * that A→B and B→A land on the same connection. Built once per packet, so kept to one string
 * concatenation; '|' cannot occur in a printed IPv4 or IPv6 address.
 */

/** True when (ipA, portA) sorts before or equal to (ipB, portB): that endpoint is written first. */
export function endpointFirst(ipA: string, portA: number, ipB: string, portB: number): boolean {
  return ipA < ipB || (ipA === ipB && portA <= portB);
}

/** The direction-independent key of the connection between two endpoints. */
export function flowKey(srcIp: string, srcPort: number, dstIp: string, dstPort: number): string {
  return endpointFirst(srcIp, srcPort, dstIp, dstPort)
    ? `${srcIp}|${srcPort}|${dstIp}|${dstPort}`
    : `${dstIp}|${dstPort}|${srcIp}|${srcPort}`;
}
