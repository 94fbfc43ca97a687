/**
 * After AUTH TLS the control channel is encrypted: PORT/227 cannot be read, by us or by a
 * firewall's FTP helper. Data connections between the same two hosts that open while the session
 * runs are listed as probable transfers — a guess from timing and ports, and marked as one.
 */
import type { OtherConnection, Session } from '../../model.js';
import { hiddenFrom, plausibleHiddenData } from '../../inferred-transfers.js';
import { hiddenJustBegun } from '../../in-flight.js';
import { adviceFor, CATALOG } from '../catalog.js';
import { ep } from '../facts.js';
import type { SessionDiagnosis, Vantage } from '../types.js';

/** "AUTH SSL" as the client sent it (the command whose 234 switched the connection), for the words. */
/** How TLS began, as the capture shows it: the AUTH its 234 answered, or what of them it lost. */
function authWords(s: Session): string {
  const auth = s.commands.find((c) => c.command === 'AUTH' && c.reply?.code === 234);
  if (auth) return `AUTH ${auth.arg.trim()} answered 234`;
  const asked = s.commands.find((c) => c.command === 'AUTH' && c.reply === null);
  if (asked) return `AUTH ${asked.arg.trim()}; its 234 is not in the capture`;
  // Clear text before it (a greeting), then TLS after bytes the capture lost: the AUTH and its 234 were there.
  const lost = s.controlGapFrame !== undefined && s.tlsFrame !== null && s.controlGapFrame <= s.tlsFrame;
  return lost ? 'its AUTH and 234 are in bytes the capture lost' : 'AUTH answered 234';
}

/**
 * Connections one end of the session opened while it ran (after TLS began, at `from`) to another
 * address than the other end's: a data connection sent where an encrypted 227/PORT pointed.
 */
function openedElsewhere(s: Session, opener: string, peer: string, from: number): OtherConnection[] {
  return s.otherConnections.filter((c) => c.from.ip === opener && c.to.ip !== peer && c.start >= s.start && c.start <= s.end + 1 && (c.synFrame ?? 0) > from);
}

/** Those connections listed ("stream 3: a:p → b:q (1200 bytes)"), and how many never opened. */
function elsewhereWords(conns: OtherConnection[]): { list: string; failed: number } {
  return {
    list: conns.map((g) => `stream ${g.stream}: ${ep(g.from)} → ${ep(g.to)} (${g.established ? `${g.bytesFrom + g.bytesTo} bytes` : 'never established'})`).join('; '),
    failed: conns.filter((g) => !g.established).length,
  };
}

export function checkTlsHidden(s: Session, vantage: Vantage, captureEnd: number | null): SessionDiagnosis | null {
  // After CCC the commands that matter (PORT/PASV, transfers) are in clear text and analysed as usual.
  const from = hiddenFrom(s);
  // Hidden only since just before the capture ended (in-flight.ts): a CCC or a key log's decryption may yet have shown them.
  if (from === null || hiddenJustBegun(s, from, captureEnd)) return null;
  const guesses = s.otherConnections.filter((c) => plausibleHiddenData(s, c));
  const p = s.protection;
  const start =
    !s.tls && p
      ? `Session ${s.id} protects its commands with ${p.mechanism} (RFC 2228) from frame ${p.frame} (${p.wrapped} wrapped ENC/MIC/CONF ` +
        'commands and 631-633 replies)'
      : s.tlsMode === 'implicit'
        ? `Session ${s.id} is implicit FTPS (TLS from the first byte, port ${s.server.port})`
        : `Session ${s.id} switched to TLS at frame ${s.tlsFrame} (${authWords(s)})`;
  const parts = [
    `${start}: every ${s.tlsMode === 'implicit' ? '' : 'later '}command and reply, including PORT/PASV and their addresses, is encrypted.`,
    'A firewall or NAT FTP helper cannot read them either, so it cannot open the data ports: this is why protected FTP (FTPS, GSSAPI) so often fails through NAT and stateful firewalls.',
  ];
  // Every probable data connection was read in clear: that is said below, not called hidden here.
  const allClear = guesses.length > 0 && guesses.every((g) => g.tls === undefined && g.bytesFrom + g.bytesTo > 0);
  if (s.dataProtection === 'P') parts.push('PROT P was requested, so the data connections are encrypted too.');
  else if (s.tlsMode === 'explicit' && !allClear) {
    parts.push('Whether PROT P then encrypted the data connections too is hidden as well (PBSZ/PROT come after AUTH).');
  }
  if (guesses.length) {
    const list = guesses
      .map((g) => {
        const mode = g.from.ip === s.client.ip ? 'passive' : 'active';
        return `stream ${g.stream}: ${ep(g.from)} → ${ep(g.to)} (${mode}, ${g.established ? `${g.bytesFrom + g.bytesTo} bytes` : 'never established'})`;
      })
      .join('; ');
    parts.push(`Probable data connections, linked by timing and ports only (a guess, not read from the protocol): ${list}.`);
    // Their first bytes were read: no TLS record, so what they moved crossed the network in clear.
    const clear = guesses.filter((g) => g.tls === undefined && g.bytesFrom + g.bytesTo > 0);
    if (clear.length) {
      const which = clear.map((g) => `stream ${g.stream}`).join(', ');
      parts.push(
        `${which} carried clear text, not TLS records: what ${clear.length === 1 ? 'it' : 'they'} moved crossed the network unencrypted ` +
          '(the server refused PROT P, or the client asked for clear data connections: PROT C or none).',
      );
    }
    const failed = guesses.filter((g) => !g.established);
    if (failed.length) parts.push(`${failed.length} of them never opened: likely blocked, or not forwarded, by a firewall or NAT that could not see the announced port.`);
  }
  // Connections from the client to another address than the server's while the session ran: a
  // passive data connection following a 227 that named an address the NAT did not rewrite.
  const elsewhere = openedElsewhere(s, s.client.ip, s.server.ip, from);
  if (elsewhere.length) {
    const { list, failed } = elsewhereWords(elsewhere);
    parts.push(
      `While the session ran the client opened ${elsewhere.length === 1 ? 'a connection' : 'connections'} to a high port of another address than the server's ${s.server.ip}: ${list}. ` +
        `A passive data connection goes where the encrypted 227/229 pointed: ${failed ? 'one that never opened, to another address, ' : 'this '}is what a reply naming the server's address behind a NAT (its inside address) causes — ` +
        'the NAT\'s FTP helper would rewrite that address in clear FTP, but cannot read it inside TLS.',
    );
  }
  // Connections from the server to another address than the client's: an active data connection
  // following a PORT that named the client's inside address, which no NAT rewrote.
  const serverElsewhere = openedElsewhere(s, s.server.ip, s.client.ip, from);
  if (serverElsewhere.length) {
    const { list, failed } = elsewhereWords(serverElsewhere);
    parts.push(
      `While the session ran the server opened ${serverElsewhere.length === 1 ? 'a connection' : 'connections'} to a high port of another address than the client's ${s.client.ip}: ${list}. ` +
        `An active data connection goes where the encrypted PORT/EPRT pointed: ${failed ? 'one that never opened, to another address, ' : 'this '}is what a PORT naming the client's address behind a NAT (its inside address) causes — ` +
        "the NAT's FTP helper would rewrite that address in clear FTP, but cannot read it inside TLS (passive mode avoids it).",
    );
  }
  if (!guesses.length && !elsewhere.length && !serverElsewhere.length) {
    parts.push('No other connection between the two hosts appears while the session runs: if transfers were attempted, their data connections never reached the capture point.');
  }
  parts.push(`Vantage point: ${vantage.reason}.`);
  const evidence = [from, ...guesses.map((g) => g.synFrame), ...elsewhere.map((g) => g.synFrame), ...serverElsewhere.map((g) => g.synFrame)].filter((f): f is number => typeof f === 'number');
  return {
    cause: 'tls-hidden',
    summary: parts.join(' '),
    evidence: [...new Set(evidence)].sort((a, b) => a - b),
    advice: adviceFor('tls-hidden', s),
    guesses,
    ...(elsewhere.length || serverElsewhere.length ? { elsewhere: [...elsewhere, ...serverElsewhere] } : {}),
  };
}
