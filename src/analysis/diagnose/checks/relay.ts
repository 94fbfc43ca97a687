/**
 * A transfer a proxy relayed (relay-pairs.ts) whose own leg did not fail while the same transfer on
 * the proxy's other leg did: the other leg is the cause. Runs after every transfer has its own
 * diagnosis, since it reads the other leg's. Each leg's own failure keeps its cause, said to be the
 * proxy's leg.
 */
import type { Analysis, Transfer } from '../../model.js';
import { diagnosis } from '../build.js';
import { CATALOG } from '../catalog.js';
import { transferLabel } from '../facts.js';

/** Its own data connection was tried and never opened: a failure of that leg itself. */
function ownLegFailed(t: Transfer): boolean {
  const c = t.connection;
  return t.status === 'failed' && c !== null && !c.established && !c.midstream;
}

/** Advice placed after a leg's name and a colon. */
const lowerFirst = (x: string): string => x.charAt(0).toLowerCase() + x.slice(1);

export function diagnoseRelayLegs(a: Analysis): void {
  // No relayed session, nothing to read (the index below cost 40 ms a 100,000 sessions).
  if (!a.sessions.some((s) => s.relay !== undefined)) return;
  const byId = new Map(a.sessions.map((s) => [s.id, s]));
  const notes: Array<() => void> = [];
  for (const s of a.sessions) {
    if (s.relay === undefined) continue;
    const other = byId.get(s.relay.session);
    if (!other) continue;
    const front = s.relay.role === 'front';
    const relay = front ? s.server.ip : s.client.ip;
    const clientIp = front ? s.client.ip : other.client.ip;
    const serverIp = front ? other.server.ip : s.server.ip;
    for (const t of s.transfers) {
      if (!t.relay) continue;
      const p = other.transfers.find((x) => x.id === t.relay!.transfer);
      if (!p) continue;
      // This leg's own failure: said to be the proxy's leg, cause unchanged.
      if (t.diagnosis && ownLegFailed(t)) {
        const d = t.diagnosis;
        const where = front
          ? `The server of this session, ${relay}, is a proxy: it relays the session to ${serverIp} (session ${other.id}), so this data connection was to the proxy's own address and port, not to ${serverIp}`
          : `The client of this session, ${relay}, is a proxy relaying session ${other.id} from ${clientIp}: this data connection was the proxy's own, to ${serverIp}; transfer ${other.id}.${p.id} could not go on without it`;
        const leg = front ? `On the leg between the client ${clientIp} and the proxy ${relay} (the proxy's settings, not ${serverIp}'s): ` : `On the leg between the proxy ${relay} and the server ${serverIp}: `;
        notes.push(() => {
          t.diagnosis = { ...d, summary: `${d.summary} ${where}.`, advice: `${leg}${lowerFirst(d.advice)}` };
        });
        continue;
      }
      if (t.status === 'complete' || t.status === 'fell-back' || t.status === 'retry-refused' || t.status === 'unused') continue;
      if (!p.diagnosis || !ownLegFailed(p)) continue;
      const ctx = { analysis: a, session: s, transfer: t, vantage: s.vantage! };
      const own = t.connection?.established
        ? `This session's own data connection opened (frame ${t.connection.establishedFrame ?? t.connection.synFrame}): nothing failed between ${front ? clientIp : relay} and ${front ? relay : serverIp}`
        : `This session's data connection was never tried: the proxy had nothing to relay over it`;
      const what = t.request ? `transfer (${transferLabel(t)})` : `${t.announce?.command ?? 'announcement'} (no transfer command followed)`;
      const details = [
        front
          ? `${relay}, the server of this session, is a proxy: it relays the session to ${serverIp} as its client (session ${other.id}), and the same ${what} crossed that leg as transfer ${other.id}.${p.id}`
          : `${relay}, the client of this session, is a proxy relaying session ${other.id} from ${clientIp}, and the same ${what} crossed that leg as transfer ${other.id}.${p.id}`,
        `There it failed: ${CATALOG[p.diagnosis.cause].title} (${p.diagnosis.cause}; frames ${p.diagnosis.evidence.join(', ')})`,
        own,
      ];
      const leg = front
        ? `The failure is on the proxy's leg to the server (${relay} to ${serverIp}), not between the client and the proxy; there, with the proxy in the client's place: `
        : `The failure is on the leg between the client ${clientIp} and the proxy ${relay}, not between the proxy and this server; there, with the proxy in the server's place: `;
      // Both legs' frames: the other leg's failure, and this leg's own (its data connection, who gave up).
      const evidence = [...p.diagnosis.evidence, ...(t.diagnosis?.evidence ?? []), t.request?.frame ?? t.announce?.frame ?? null].filter((f): f is number => f !== null);
      const d = diagnosis(ctx, 'relay-failed', details, evidence, `${leg}${lowerFirst(p.diagnosis.advice)}`);
      notes.push(() => {
        t.diagnosis = d;
      });
    }
  }
  // Applied once every leg has been read: one leg's note must not change what the other reads.
  for (const apply of notes) apply();
}

