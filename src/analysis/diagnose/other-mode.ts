/**
 * Advice that names the other mode as a way out ("or use passive mode"), for a data connection that
 * failed in one mode, while the capture shows the other mode failing between the same two hosts too:
 * tnftp's `passive auto` falling back from an unreachable passive port to PORT, whose connection the
 * client's firewall then drops; a server that refuses PASV, and a client whose PORT then fails. The
 * advice stays (either way can be opened), and says what the capture shows of the other one, with
 * the transfer and frame that show it (`Diagnosis.otherMode`), so that it does not send the reader
 * to a way this very capture saw fail. Decided once, after the transfers' diagnoses, through an
 * index of the capture's attempts by client and server address built once.
 */
import type { Analysis, Diagnosis, OtherModeFailure, Session, TransferMode } from '../model.js';
import type { CauseCode } from './cause-code.js';
import { CATALOG } from './catalog.js';
import { refusedProbe } from '../fallback.js';

/** Causes that say a data connection of that mode could not be made (its announcement or its connection). */
const MODE_FAILURES: Record<TransferMode, ReadonlySet<CauseCode>> = {
  passive: new Set<CauseCode>([
    'passive-syn-unanswered',
    'passive-refused',
    'passive-host-unreachable',
    'passive-unreached',
    'passive-address-mismatch',
    'passive-peer-mismatch',
    'nat64-passive-ipv4',
  ]),
  active: new Set<CauseCode>([
    'active-syn-unanswered',
    'active-refused',
    'active-host-unreachable',
    'active-unreached',
    'active-address-mismatch',
    'nat64-active',
  ]),
};

/** Advice that offers a mode as the way out, as the checks word it ("or use passive mode", "use active mode (PORT) on the client"). */
const OFFERS: Record<TransferMode, RegExp> = {
  passive: /\buse passive mode\b/i,
  active: /\buse active mode\b/i,
};

interface PairModes {
  /** Per mode: the first attempt whose data connection could not be made (its diagnosis one of MODE_FAILURES). */
  connection: Record<TransferMode, OtherModeFailure | null>;
  /** Per mode: the announcements the server refused (not for want of a login), the first of each command. */
  refused: Record<TransferMode, Extract<OtherModeFailure, { how: 'refused' }>['refusals']>;
  /** Per mode: an announcement the server accepted (a refusal of another command of it, EPSV before PASV, says nothing against the mode). */
  accepted: Record<TransferMode, boolean>;
  /** Per mode: a data connection of that mode opened between the two hosts. */
  worked: Record<TransferMode, boolean>;
}

/** Refused commands named per mode: PASV, EPSV, LPSV (or PORT, EPRT, LPRT) at most, and a bound all the same. */
const MAX_REFUSALS = 4;

const other = (m: TransferMode): TransferMode => (m === 'active' ? 'passive' : 'active');

/** Every session's attempts, once, by client and server address. */
function pairModes(a: Analysis): Map<string, PairModes> {
  const pairs = new Map<string, PairModes>();
  for (const s of a.sessions) {
    const key = `${s.client.ip}|${s.server.ip}`;
    for (const t of s.transfers) {
      if (t.fxp !== undefined || t.announce === null) continue;
      let p = pairs.get(key);
      if (p === undefined) {
        p = { connection: { passive: null, active: null }, refused: { passive: [], active: [] }, accepted: { passive: false, active: false }, worked: { passive: false, active: false } };
        pairs.set(key, p);
      }
      const id = `${s.id}.${t.id}`;
      const reply = t.announce.reply;
      if (reply !== null && reply.code < 300) p.accepted[t.mode] = true;
      if (t.connection?.established === true) p.worked[t.mode] = true;
      const d = t.diagnosis;
      if (d !== null && MODE_FAILURES[t.mode].has(d.cause)) {
        p.connection[t.mode] ??= { mode: t.mode, how: 'failed', transfer: id, cause: d.cause, command: t.announce.command, frame: t.announce.frame };
      } else if ((t.status === 'failed' || t.status === 'fell-back' || t.status === 'retry-refused') && refusedProbe(t, s)) {
        const refusals = p.refused[t.mode];
        if (refusals.length < MAX_REFUSALS && !refusals.some((r) => r.command === t.announce!.command)) {
          refusals.push({ transfer: id, command: t.announce.command, code: reply!.code, frame: reply!.frame });
        }
      }
    }
  }
  return pairs;
}

/** What the capture shows of `mode` between the pair failing: a connection that could not be made, else a refusal of the only way asked; null when it worked. */
function failedMode(p: PairModes, mode: TransferMode): OtherModeFailure | null {
  if (p.worked[mode]) return null;
  if (p.connection[mode] !== null) return p.connection[mode];
  return p.accepted[mode] || p.refused[mode].length === 0 ? null : { mode, how: 'refused', refusals: p.refused[mode] };
}

/** The sentence that follows advice offering `f.mode`, which the capture shows failing. */
export function otherModeWords(f: OtherModeFailure): string {
  const name = f.mode === 'passive' ? 'Passive' : 'Active';
  if (f.how === 'refused') {
    const each = f.refusals.map((r) => `${r.command} (${r.code}, frame ${r.frame}; transfer ${r.transfer})`);
    const list = each.length === 1 ? each[0] : `${each.slice(0, -1).join(', ')} and ${each[each.length - 1]}`;
    return `${name} mode is no way out as this server stands: it refused ${list}; the server must accept ${f.mode} mode first.`;
  }
  return (
    `${name} mode failed too between these hosts — transfer ${f.transfer} (${f.command}, frame ${f.frame}): ${CATALOG[f.cause].title} — ` +
    'so it is no way out until that is fixed as well.'
  );
}

/** Adds `otherMode` and its sentence to advice that offers a mode this capture shows failing. */
function amend(d: Diagnosis, mode: TransferMode, p: PairModes | undefined): void {
  const alt = other(mode);
  const f = p === undefined ? null : failedMode(p, alt);
  if (f === null || !OFFERS[alt].test(d.advice)) return;
  d.otherMode = f;
  d.advice = `${d.advice} ${otherModeWords(f)}`;
}

/** Per transfer diagnosis whose mode failed, and the session's (of that cause): once, after the transfers' checks. */
export function noteOtherModeFailed(a: Analysis): void {
  let pairs: Map<string, PairModes> | null = null;
  for (const s of a.sessions) {
    for (const t of s.transfers) {
      const d = t.diagnosis;
      if (d === null || (!MODE_FAILURES[t.mode].has(d.cause) && d.cause !== 'server-refused')) continue;
      pairs ??= pairModes(a);
      amend(d, t.mode, pairs.get(`${s.client.ip}|${s.server.ip}`));
    }
  }
}

/** The same for a session's diagnosis (all its transfers failed) worded from the catalog: the mode of its cause's transfers. */
export function noteOtherModeFailedSession(d: Diagnosis, s: Session): void {
  if (d.otherMode !== undefined) return;
  const t = s.transfers.find((o) => o.diagnosis?.cause === d.cause);
  const f = t?.diagnosis?.otherMode;
  if (t === undefined || f === undefined || !OFFERS[f.mode].test(d.advice)) return;
  d.otherMode = f;
  // The transfers' own advice, taken as the session's, already says it.
  if (!d.advice.includes(otherModeWords(f))) d.advice = `${d.advice} ${otherModeWords(f)}`;
}
