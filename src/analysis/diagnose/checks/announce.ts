/**
 * An announcement of the data connection's address that cannot be used because it is malformed:
 * a 227/229 with no usable address (a NAT or firewall FTP helper that rewrote it badly, or a broken
 * server), or a PORT/EPRT the server refused because it named none. The client could not connect,
 * or the server would not; unless the client recovered (another announcement, a transfer that
 * completed), that is why no data moved.
 */
import { malformedAnnouncement, nextAfter, recoveredBy } from '../../announce-malformed.js';
import { evidenceFrames, replyWords } from '../facts.js';
import { diagnosis } from '../build.js';
import type { Diagnosis, TransferContext } from '../types.js';
import { canSeeArrivalAt } from '../vantage.js';

export function checkAnnounceMalformed(ctx: TransferContext): Diagnosis | null {
  const { transfer: t, session: s } = ctx;
  if (!malformedAnnouncement(t) || t.connection !== null) return null;
  const a = t.announce!;
  const reply = a.reply!;
  const ok = reply.code >= 200 && reply.code < 300;
  // A transfer command answered by its own refusal (a 550 for the name) failed for that reason; a 425
  // (no data connection), a reply that only looks positive, or none at all follow from the address.
  if (t.reply !== null && t.reply.code >= 400 && t.reply.code !== 425) return null;
  if (recoveredBy(s, t) !== null) return null;
  const reason = a.tuple.reason ?? 'no address in it';
  const details: string[] = [];
  let advice: string;
  if (t.mode === 'passive') {
    // The passive reply must carry the address; a server that accepted PASV/EPSV with one the client cannot read left it nowhere to connect.
    if (!ok) return null;
    // Unused: the verdict decided whether it failed (the client moved on without recovering).
    if (t.request === null && t.status !== 'failed') return null;
    const cmd = s.commands.find((c) => c.reply === reply);
    details.push(
      `The server answered ${a.command}${cmd ? ` (frame ${cmd.frame})` : ''} with ${replyWords(reply)} (frame ${reply.frame}): it names no address the client can use (${reason})`,
    );
    // Seen as the server sent it, the server wrote it so; seen further on, an FTP helper between may have.
    const atServer = canSeeArrivalAt(ctx.vantage, 'server');
    advice =
      `The server's ${reply.code} reply is malformed, so the client had nowhere to connect. ` +
      (atServer
        ? 'This capture sees the server\'s packets as it sends them, so the server wrote it so: fix the server (its passive address setting, or a bug to report). '
        : 'A NAT or firewall FTP helper (ALG) that rewrites passive replies on their way may have mangled it: a capture on the server\'s side shows whether the server sent it so; ' +
          'disable or fix the helper (Linux: nf_conntrack_ftp, a router\'s or firewall\'s "FTP fixup"/"ALG" setting), or fix the server. ') +
      (a.command !== 'EPSV'
        ? 'Meanwhile the client can use another passive command (EPSV, which carries only a port) or active mode (PORT).'
        : s.server.ip.includes(':')
          ? // A 227 carries only an IPv4 address: over IPv6 PASV is no way round a broken 229.
            'Meanwhile the client can use active mode (EPRT: curl --ftp-port -, lftp set ftp:passive-mode no); ' +
            'PASV is no way round it over IPv6, as a 227 can carry only an IPv4 address.'
          : 'Meanwhile the client can use PASV instead of EPSV (curl --disable-epsv, lftp set ftp:prefer-epsv no) or active mode.');
  } else {
    // The server refused the malformed PORT/EPRT: not a policy on the address, there was none to use.
    if (ok) return null;
    details.push(
      `The client sent ${a.command} (frame ${a.frame}), which names no usable address (${reason}), and the server refused it with ${replyWords(reply)} (frame ${reply.frame})`,
    );
    const atClient = canSeeArrivalAt(ctx.vantage, 'client');
    advice =
      `The ${a.command} was malformed, so the server had no address to connect to. ` +
      (atClient
        ? `This capture sees the client's packets as it sends them, so the client wrote it so: fix the client (or the script that builds the ${a.command}), or use passive mode.`
        : `A NAT or firewall FTP helper (ALG) that rewrites ${a.command} on its way may have mangled it: a capture on the client's side shows what the client sent; disable or fix the helper, or fix the client. Meanwhile passive mode avoids it.`);
  }
  const next = nextAfter(s, reply.frame);
  const reaction =
    next === null
      ? null
      : next.command === null
        ? `The ${next.by} then closed the control connection (${next.how === 'rst' ? 'RST' : 'FIN'}, frame ${next.frame})`
        : `The client then sent ${next.command} (frame ${next.frame})`;
  if (t.request !== null) {
    details.push(
      `The client sent ${t.request.command} (frame ${t.request.frame}) anyway` +
        (t.reply !== null ? `, answered ${replyWords(t.reply)} (frame ${t.reply.frame}), and no data connection is in the capture` : ', and no data connection is in the capture'),
    );
  } else if (reaction !== null) {
    details.push(`${reaction}, without a transfer command: no data connection was opened`);
  } else {
    details.push('No transfer command followed: no data connection was opened');
  }
  const cmdFrame = t.mode === 'passive' ? s.commands.find((c) => c.reply === reply)?.frame : undefined;
  return diagnosis(ctx, 'announce-malformed', details, evidenceFrames(t, [cmdFrame, t.request === null ? next?.frame : undefined]), advice);
}
