/**
 * A capture taken on a NAT device (tcpdump -i any on the router) holds every packet twice: before
 * and after translation. The same FTP session then shows up as two sessions with the same server,
 * the same commands at (almost) the same times, and different client addresses. Pairing them lets
 * the diagnosis say what the NAT rewrote — and what it left alone, such as the address in PORT.
 */
import type { Command, Session } from './model.js';

/** Seconds within which the two views of one session start. */
const SAME_START = 1;
/** Commands compared to decide that two sessions are one. */
const COMPARED = 8;

/** PORT/EPRT arguments differ when the NAT's FTP helper rewrote them; compare the verbs only then. */
function signature(commands: Command[]): string {
  return commands
    .filter((c) => c.command !== null)
    .slice(0, COMPARED)
    .map((c) => (c.command === 'PORT' || c.command === 'EPRT' || c.command === 'PASS' ? c.command : `${c.command} ${c.arg}`))
    .join('\n');
}

export function pairNatViews(sessions: Session[]): void {
  const byServer = new Map<string, Session[]>();
  for (const s of sessions) {
    const k = `${s.server.ip}|${s.server.port}`;
    const list = byServer.get(k);
    if (list) list.push(s);
    else byServer.set(k, [s]);
  }
  for (const group of byServer.values()) {
    for (let i = 0; i < group.length; i++) {
      const a = group[i];
      if (a.natPeer) continue;
      for (let j = i + 1; j < group.length; j++) {
        const b = group[j];
        if (b.natPeer || a.client.ip === b.client.ip || Math.abs(a.start - b.start) > SAME_START) continue;
        if (a.commands.length === 0 || signature(a.commands) !== signature(b.commands)) continue;
        // The inside view is nearer the client: its client packets have the higher TTL.
        const aInside = (a.ttl.client ?? 0) >= (b.ttl.client ?? 0);
        const inside = aInside ? a : b;
        const outside = aInside ? b : a;
        const pair = { inside: { ...inside.client }, outside: { ...outside.client } };
        inside.natPeer = { session: outside.id, side: 'inside', ...pair };
        outside.natPeer = { session: inside.id, side: 'outside', ...pair };
        break;
      }
    }
  }
}
