/**
 * The data connection's own handshake failed: SYNs never answered (a firewall that drops), or
 * answered with RST / ICMP unreachable (nothing listening, or a firewall that rejects). The side
 * that connects is the server in active mode and the client in passive mode.
 */
import type { DataConnection } from '../../model.js';
import { announceWords, ep, evidenceFrames, frameList, retransmissionSchedule, synEvents, waitedWords } from '../facts.js';
import { diagnosis, sourcePort20Note } from '../build.js';
import { canSeeArrivalAt } from '../vantage.js';
import type { CauseCode, Diagnosis, TransferContext } from '../types.js';

function refusal(c: DataConnection): string | null {
  const icmp = c.icmpErrors[0];
  if (icmp) {
    return `answered by ICMP destination unreachable (type ${icmp.type} code ${icmp.code}) from ${icmp.reporter} at frame ${icmp.frame}`;
  }
  if (c.rst && !c.established) return `answered by a reset (RST) from the ${c.rst.by} at frame ${c.rst.frame}`;
  return null;
}

function synWords(c: DataConnection, connector: 'client' | 'server'): string {
  const syns = synEvents(c);
  const frames = syns.length ? syns.map((e) => e.frame) : c.synFrames;
  const from = connector === 'client' ? ep(c.client) : ep(c.server);
  const to = connector === 'client' ? ep(c.server) : ep(c.client);
  const schedule = retransmissionSchedule(c);
  return `The ${connector} sent SYN from ${from} to ${to} at ${frameList(frames)}${schedule ? ` (${schedule})` : ''}`;
}

function check(ctx: TransferContext, mode: 'active' | 'passive', kind: 'refused' | 'unanswered'): Diagnosis | null {
  const { transfer: t, session: s } = ctx;
  const c = t.connection;
  if (t.mode !== mode || !c || c.established || c.synFrames.length === 0) return null;
  const refused = refusal(c);
  if ((kind === 'refused') !== (refused !== null)) return null;
  if (kind === 'unanswered' && c.synAckFrames.length > 0) return null;

  const connector = mode === 'active' ? 'server' : 'client';
  const target = mode === 'active' ? 'client' : 'server';
  const details = [announceWords(t), synWords(c, connector)];
  if (refused) details.push(`It was ${refused}`);
  else {
    details.push('It never got an answer');
    details.push(
      canSeeArrivalAt(ctx.vantage, target)
        ? `The SYNs are in a capture taken on the ${target}'s side, so they reached the ${target}'s network and were dropped there — by a firewall on the ${target} host or its segment`
        : `Something between them, or on the ${target} host, drops inbound connections to that port`,
    );
  }
  const waited = waitedWords(t, s);
  if (waited) details.push(waited.charAt(0).toUpperCase() + waited.slice(1));
  details.push(sourcePort20Note(ctx));
  const cause = `${mode}-${kind === 'refused' ? 'refused' : 'syn-unanswered'}` as CauseCode;
  const icmpFrames = c.icmpErrors.map((e) => e.frame);
  return diagnosis(ctx, cause, details, evidenceFrames(t, icmpFrames));
}

export const checkActiveRefused = (ctx: TransferContext): Diagnosis | null => check(ctx, 'active', 'refused');
export const checkActiveSynUnanswered = (ctx: TransferContext): Diagnosis | null => check(ctx, 'active', 'unanswered');
export const checkPassiveRefused = (ctx: TransferContext): Diagnosis | null => check(ctx, 'passive', 'refused');
export const checkPassiveSynUnanswered = (ctx: TransferContext): Diagnosis | null => check(ctx, 'passive', 'unanswered');
