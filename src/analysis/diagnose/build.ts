import { adviceFor, CATALOG } from './catalog.js';
import { transferLabel } from './facts.js';
import { fillSettings } from '../server-software.js';
import type { CauseCode, Diagnosis, TransferContext } from './types.js';
import type { Session } from '../model.js';

/**
 * Assemble a diagnosis: "Session S, transfer T (RETR x, active mode) failed: <title>. <details>
 * (or "was cut short:" / "did not complete:" for an aborted / incomplete one)
 * <what the vantage point could see>". Advice is the catalog's unless the check has something more specific.
 */
export function diagnosis(
  ctx: TransferContext,
  cause: CauseCode,
  details: string[],
  evidence: number[],
  specificAdvice?: string,
): Diagnosis {
  const { session: s, transfer: t } = ctx;
  // The verb agrees with the transfer's status, as every other output words it: an aborted or
  // incomplete transfer is not called "failed" here while the tables say "aborted" or "incomplete".
  // Only a status that is itself a guess (TLS hid the replies that would decide it: "probable" in
  // the tables, or a capture of one direction that holds no end: "unknown (one-way)") is "probably
  // did not complete", as its verdict sentence says; an inferred connection that never opened
  // failed for certain.
  const verb =
    t.status === 'complete'
      ? 'completed, but'
      : t.status === 'unused'
        ? 'was not used:'
        : (t.inferred !== undefined && t.status !== 'failed') || (s.oneWay !== undefined && t.status === 'incomplete')
          ? 'probably did not complete:'
          : t.status === 'aborted'
            ? cause === 'unconfirmed'
              ? 'was ended without a confirmation:'
              : 'was cut short:'
            : t.status === 'incomplete'
              ? 'did not complete:'
              : 'failed:';
  const head = `Session ${s.id}, transfer ${t.id} (${transferLabel(t)}) ${verb} ${CATALOG[cause].title}.`;
  const body = details.filter((d) => d !== '').map((d) => (/[.!?]$/.test(d) ? d : `${d}.`));
  const hidden = hiddenAnnouncementNote(ctx, cause);
  if (hidden) body.push(`${hidden}.`);
  const where = `Vantage point: ${ctx.vantage.reason}.`;
  // Specific advice (by reply code, by who aborted) replaces the cause's general advice.
  const advice = fillSettings(specificAdvice ?? adviceFor(cause, s), s);
  return {
    cause,
    summary: [head, ...body, where].join(' '),
    evidence: [...new Set(evidence)].sort((a, b) => a - b),
    advice: hidden ? `${advice} ${adviceFor('tls-hidden', s)}` : advice,
  };
}

/** "The server connected from port 40123, not 20: a firewall that admits active data only from port 20 drops it." */
export function sourcePort20Note(ctx: TransferContext): string {
  const c = ctx.transfer.connection;
  if (ctx.transfer.mode !== 'active' || !c || c.server.port === 20) return '';
  // Worded by what came back: a reset is such a firewall rejecting, silence one dropping.
  const fate = c.rst !== null ? 'rejects' : 'drops';
  return `The server connected from port ${c.server.port}, not from port 20: a client-side firewall that admits active-mode data only from source port 20 ${fate} such connections`;
}

/**
 * A data connection that never opened whose PORT/227 travelled inside TLS — inferred beside a
 * control channel TLS hid, or read with a key log: the announcement was unreadable to any firewall
 * or NAT FTP helper on the way as well, the likely reason nothing let it through. Said as the
 * likely reason, not as something read. The address mismatches word it themselves.
 */
function hiddenAnnouncementNote(ctx: TransferContext, cause: CauseCode): string {
  const t = ctx.transfer;
  const c = t.connection;
  if (!c || c.established || cause === 'passive-address-mismatch' || cause === 'active-address-mismatch') return '';
  if (t.inferred !== 'tls-hidden' && announcedInsideTls(ctx) === null) return '';
  const what = t.mode === 'active' ? 'PORT' : '227';
  return (
    `The ${what} was inside TLS, so a firewall or NAT FTP helper on the way could not read it either: one that opens ` +
    `(or maps) the data port from the clear ${what} could not open this one: a likely reason, unless that port is closed to every connection anyway`
  );
}

/**
 * The frame where the control connection switched to TLS, when the transfer's announcement came
 * after it and before any CCC the server accepted (null otherwise): a PORT/227 on the wire inside TLS.
 */
export function announcedInsideTls(ctx: TransferContext): number | null {
  const s = ctx.session;
  const frame = ctx.transfer.announce?.frame ?? null;
  if (!s.tls || s.tlsFrame === null || frame === null || s.tlsFrame >= frame) return null;
  // After CCC the announcement went in clear again: a helper could read it.
  if (acceptedCccFrame(s) < frame) return null;
  return s.tlsFrame;
}

/** A PORT/EPRT read with a key log that travelled inside TLS (announcedInsideTls): what no NAT's FTP helper could do with it. */
export const portInsideTlsWords = (command: string, tlsFrame: number): string =>
  `The ${command} travelled inside TLS (the control connection switched at frame ${tlsFrame}): a NAT's FTP helper cannot read or rewrite it, ` +
  'whether or not one runs';

/** The advice for an active announcement no NAT's FTP helper could read: enabling one is no fix. */
export const ENCRYPTED_PORT_ADVICE =
  "The PORT is encrypted (FTPS), so no NAT FTP helper can rewrite it: use passive mode on the client (with the server's passive port range open on its firewalls), " +
  'or have the client announce its outside address, or CCC after login if both sides support it.';

/** Per session, once: the frame of its first CCC the server accepted (Infinity: none); asked per failed transfer. */
const cccFrames = new WeakMap<Session, number>();

function acceptedCccFrame(s: Session): number {
  let frame = cccFrames.get(s);
  if (frame === undefined) {
    frame = s.commands.find((c) => c.command === 'CCC' && c.reply !== null && c.reply.code < 300)?.frame ?? Infinity;
    cccFrames.set(s, frame);
  }
  return frame;
}
