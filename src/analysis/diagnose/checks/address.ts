/**
 * PORT/EPRT naming another host than the client: a NAT that did not rewrite it, or an FTP
 * bounce. A client behind NAT announces its own (usually private) address and a port from its
 * ephemeral range; a bounce names somebody else's service port, and a permissive server connects
 * there.
 */
import { addressClass, announceWords, ep, evidenceFrames, frameList, replyWords, secondsText } from '../facts.js';
import { announcedInsideTls as insideTls, diagnosis, ENCRYPTED_PORT_ADVICE, portInsideTlsWords } from '../build.js';
import { adviceFor, CATALOG } from '../catalog.js';
import type { Diagnosis, TransferContext } from '../types.js';
import { hopsAway, sameHost, seesBothEnds } from '../vantage.js';
import type { Session } from '../../model.js';
import { sessionById, transferById } from '../../lookup.js';
import { refusesByPolicy } from './fxp.js';

import { clientEndUndecided } from '../../own-addresses.js';
import { activeMismatch, refusedAsForeign, type ActiveMismatch } from '../../active-mismatch.js';
import { unhostedAnnouncementNotFailed } from '../../announce-malformed.js';

/** The PORT/EPRT's mismatch read once (active-mismatch.ts): the fallback reading uses it too. */
const classifyActiveMismatch = (ctx: TransferContext): ActiveMismatch => {
  const nat = ctx.session.natPeer;
  return activeMismatch(ctx.transfer, ctx.session, nat ? sessionById(ctx.analysis, nat.session) : undefined);
};

function refusedWords(ctx: TransferContext): string {
  const r = ctx.transfer.announce?.reply;
  if (r && r.code >= 400) return `The server refused it: ${replyWords(r)} (frame ${r.frame})`;
  return '';
}

/**
 * One half of an FXP copy (analysis/fxp.ts) that never got its data connection because a server
 * refused the PORT naming the other server: on the PORT's side, the refusal; on the PASV's side, the
 * endpoint nobody was told to connect to.
 */
export function checkFxpRefused(ctx: TransferContext): Diagnosis | null {
  const { analysis: a, transfer: t, session: s } = ctx;
  if (t.fxp === undefined || t.connection) return null;
  const otherSession = sessionById(a, t.fxp.session);
  const other = otherSession && transferById(otherSession, t.fxp.transfer);
  if (!otherSession || !other) return null;
  const [portSide, portSession] = t.mode === 'active' ? [t, s] : [other, otherSession];
  const refusal = portSide.announce?.reply;
  // A 425 is the server's failed attempt to connect (checks/fxp.ts), not a refusal of the address.
  if (!refusal || !refusesByPolicy(refusal)) return null;
  const port = portSide.announce!;
  const named = ep(port.endpoint!);
  const details =
    t === portSide
      ? [
          `${announceWords(t)}: the passive endpoint that ${otherSession.server.ip} announced in session ${otherSession.id} (transfer ${otherSession.id}.${other.id}), so that this server would connect to the other one (FXP, server to server)`,
          `The server refused it: ${replyWords(refusal)} (frame ${refusal.frame}), so no data connection was made`,
        ]
      : [
          `${announceWords(t)}, for the other server to connect to: the client named it in a ${port.command} to ${portSession.server.ip} in session ${portSession.id} (frame ${port.frame}, transfer ${portSession.id}.${portSide.id}), an FXP copy`,
          `That server refused the ${port.command}: ${replyWords(refusal)} (frame ${refusal.frame}), so nobody connected to ${named}`,
        ];
  return diagnosis(ctx, 'fxp-refused', details, evidenceFrames(t, [port.frame, refusal.frame]));
}

export function checkBounce(ctx: TransferContext): Diagnosis | null {
  if (classifyActiveMismatch(ctx) !== 'bounce') return null;
  const { transfer: t, session: s } = ctx;
  const announced = t.announce!.endpoint!;
  const c = t.connection;
  // A temporary port at an address this capture point cannot place: maybe the client's own other address.
  const undecided = clientEndUndecided(s, announced);
  const details = [
    undecided
      ? `${announceWords(t)}, but the client is ${s.client.ip}: the PORT names another address, and a temporary port, ${announced.port}`
      : `${announceWords(t)}, but the client is ${s.client.ip}: the PORT names a third host, port ${announced.port}`,
  ];
  const refused = refusedWords(ctx);
  if (refused) details.push(refused);
  else if (c?.established) {
    details.push(
      `The server accepted it and connected from ${ep(c.server)} to ${ep(c.client)} (SYN frame ${c.synFrame}), ` +
        (t.direction === 'upload'
          ? `taking ${c.bytesToServer} bytes from there${undecided ? '' : ' instead of from the client'}`
          : `sending ${c.bytesToClient} bytes there${undecided ? '' : ' instead of to the client'}`),
    );
  } else if (c) {
    details.push(`The server accepted it and tried to connect to ${ep(announced)} (SYN frame ${c.synFrame}), without success`);
  } else if (t.announce?.reply && t.announce.reply.code < 400) {
    details.push(`The server accepted it (${replyWords(t.announce.reply)}); no connection to ${ep(announced)} is in the capture`);
  }
  if (undecided) {
    details.push(
      `Whether ${announced.ip} is a third host (an FTP bounce) or another address of the client's own host (a host with two ` +
        `addresses may name either in PORT) this capture point cannot tell: the packets from ${announced.ip} reach it through a ` +
        'router, as the client\'s do. Captured on the client\'s own segment, the same network card would show',
    );
  }
  // Undecided, the advice says both readings: a client's second address is no attack to investigate.
  const advice = undecided
    ? `Nothing is wrong if ${announced.ip} is another address of the client's own host (check the client's addresses, or capture on its own segment). ` +
      `If it is not, this is an FTP bounce: ${adviceFor('bounce', s).replace(/^A /, 'a ')}`
    : undefined;
  return diagnosis(ctx, 'bounce', details, evidenceFrames(t), advice);
}

export function checkActiveAddressMismatch(ctx: TransferContext): Diagnosis | null {
  if (classifyActiveMismatch(ctx) !== 'nat') return null;
  const { transfer: t, session: s } = ctx;
  const announced = t.announce!.endpoint!;
  const cls = addressClass(announced.ip);
  const kind = cls === 'public' ? 'a routable address' : `a ${cls} address`;
  const nat = s.natPeer;
  // Seen at the client's own side, a PORT naming another address is as the client wrote it: no NAT
  // has touched it yet, so "a NAT did not rewrite it" is not what happened.
  const ownAnnouncement = !nat && announced.ip !== s.client.ip && (ctx.vantage.point === 'client-side' || seesBothEnds(ctx.vantage));
  const details = nat
    ? [
        `${announceWords(t)}. This capture holds the session on both sides of the NAT (session ${nat.session} is the ` +
          `${nat.side === 'inside' ? 'outside' : 'inside'} view): the NAT translated the client ${ep(nat.inside)} to ` +
          `${ep(nat.outside)} but left the address inside PORT as ${announced.ip} — it has no FTP helper for this connection`,
      ]
    : announced.ip === s.client.ip && refusedAsForeign(ctx.transfer)
      ? [
          `${announceWords(t)}: the client's own address as this capture sees it, and the server refused it as another ` +
            'host\'s: the server sees the client under a different address — a NAT between them translated the packets but ' +
            'not the address inside PORT (no FTP helper)',
        ]
      : announced.ip === s.client.ip
      ? [
          `${announceWords(t)}: the client's own ${cls} address, while the server ${s.server.ip} is public — a NAT joins ` +
            'them, and it did not rewrite the address inside PORT (no FTP helper): the server was told an address it cannot reach',
          `No connection from the server reached the client${t.reply ? `; the server replied ${replyWords(t.reply)} (frame ${t.reply.frame})` : ''}`,
        ]
      : ownAnnouncement
        ? [
            `${announceWords(t)} — ${kind} — while its packets come from ${s.client.ip}. This capture was taken on the client's ` +
              `side, before any NAT: the client itself put ${announced.ip} in the ${t.announce!.command}, not a NAT that left it unrewritten — ` +
              `a client told to announce an outside address (its NAT's public one: lftp ftp:port-ipv4/ftp:port-ipv6, curl -P ADDRESS, ` +
              `an FTP client's "external IP" setting), which works only if the device that owns ${announced.ip} forwards the port to the client`,
          ]
        : [
          `${announceWords(t)} — ${kind} — while its packets come from ${s.client.ip}: a NAT between them rewrote the ` +
            'packets but not the address inside PORT (no FTP helper)',
        ];
  const refused = refusedWords(ctx);
  if (refused) details.push(refused);
  const c = t.connection;
  if (c && c.match === 'port') {
    details.push(`The server connected to ${ep(c.client)} instead (SYN frame ${c.synFrame})`);
  } else if (c && !c.established && c.synAckFrames.length > 0) {
    // A SYN-ACK is an answer: what the capture lacks is the server's acknowledgement of it.
    details.push(`The server's SYN to ${ep(announced)} (frame ${c.synFrame}) was answered (SYN-ACK, frame ${c.synAckFrames[0]}), but no acknowledgement of that answer from the server is in the capture`);
  } else if (c && !c.established && (c.icmpErrors.length > 0 || c.rst !== null)) {
    const e = c.icmpErrors[0];
    details.push(
      `The server's SYN to ${ep(announced)} (frame ${c.synFrame}) was ` +
        (e !== undefined
          ? `answered by ICMP type ${e.type} code ${e.code} from ${e.reporter} (frame ${e.frame}): that address is not reachable from the server`
          : `refused with a reset (frame ${c.rst!.frame}): nothing there took the connection`),
    );
  } else if (c && !c.established) {
    details.push(`The server's SYN to ${ep(announced)} (frame ${c.synFrame}) was never answered: that address is not reachable from the server`);
  } else if (!c && ownAnnouncement && t.reply && t.reply.code >= 400 && t.request) {
    details.push(
      `No connection from the server reached the client; the server replied ${replyWords(t.reply)} (frame ${t.reply.frame}) ` +
        `${secondsText(t.reply.time - t.request.time)} after ${t.request.command} (frame ${t.request.frame}): its connection to ${ep(announced)} failed on the way`,
    );
  }
  if (!nat && announced.port >= 32768 && cls === 'public') {
    details.push(`Port ${announced.port} is in a client's ephemeral range, which is why this reads as NAT rather than a bounce`);
  }
  // Read here with the key log; on the wire the PORT was inside TLS: no FTP helper could read or
  // rewrite it, so "no FTP helper" is not the finding and enabling one is not the fix.
  const tls = insideTls(ctx);
  if (tls !== null) {
    const words = details.map((d) => d.replace(/ \(no FTP helper\)/, '').replace(/ \u2014 it has no FTP helper for this connection/, ''));
    words.push(portInsideTlsWords('PORT', tls));
    return diagnosis(
      ctx,
      'active-address-mismatch',
      words,
      evidenceFrames(t),
      ENCRYPTED_PORT_ADVICE,
    );
  }
  const helper = helperPort(ctx);
  if (helper) details.push(helper.detail);
  const ownAdvice = ownAnnouncement
    ? `The client announced ${announced.ip}, not its own address: the device that owns ${announced.ip} (the client's NAT) must forward ` +
      `the announced data ports to the client — or let the client announce its own address and the NAT's FTP helper rewrite it, or use passive mode.`
    : undefined;
  return diagnosis(ctx, 'active-address-mismatch', details, evidenceFrames(t), helper?.advice ?? ownAdvice);
}

/** The control port a NAT's FTP helper watches unless told otherwise (Linux nf_conntrack_ftp ports=21). */
const FTP_HELPER_PORT = 21;

/**
 * A control connection on another port is invisible to an FTP helper set up the default way: it
 * never reads the PORT/227, so it neither rewrites the address nor opens the way for the data
 * connection, even where a helper runs for port 21. Only for announcements in clear (inside TLS no
 * helper reads anything, whatever its port).
 */
function helperPort(ctx: TransferContext): { detail: string; advice: string } | null {
  const { transfer: t, session: s } = ctx;
  const port = s.server.port;
  if (port === FTP_HELPER_PORT || insideTls(ctx) !== null) return null;
  const what = t.mode === 'passive' ? `the ${t.announce?.reply?.code ?? 227}` : `the ${t.announce!.command}`;
  const cause = t.mode === 'passive' ? 'passive-address-mismatch' : 'active-address-mismatch';
  return {
    detail:
      `The control connection runs on port ${port}, not 21: a NAT's FTP helper watches port 21 unless told otherwise ` +
      `(Linux nf_conntrack_ftp ports=21), so a NAT between them, even with its helper loaded, never read ${what} — it ` +
      'could neither rewrite the address nor let the data connection through',
    advice:
      `Make the NAT's FTP helper watch port ${port} too (Linux: nf_conntrack_ftp ports=21,${port}, or iptables -t raw ` +
      `-A PREROUTING -p tcp --dport ${port} -j CT --helper ftp). Or: ${adviceFor(cause, ctx.session)}`,
  };
}

export function checkPassiveAddressMismatch(ctx: TransferContext): Diagnosis | null {
  const { transfer: t, session: s } = ctx;
  const announced = t.announce?.endpoint;
  if (t.mode !== 'passive' || !announced || announced.ip === s.server.ip || t.status === 'complete') return null;
  // Its final reply in bytes the capture lost, over a data connection that opened: nothing failed that the capture shows.
  if (t.replyInGap !== undefined && t.connection?.established === true) return null;
  // Captured at the server, the data connection arrived on the announced port: the address leads here.
  if (t.passiveAddress?.reading === 'public') return null;
  // The client's connection to the announced endpoint opened, and carried data or drew no refusal: the
  // address led to the server, whatever the capture lost after (a 425 after an opened connection
  // says it reached another host of that address, which this check is about).
  const reached = t.connection?.established === true && t.connection.match === 'exact';
  if (reached && (t.bytes > 0 || t.reply === null || t.reply.code < 400)) return null;
  // A 227 naming no host (0.0.0.0) the client got past, another command completing: nothing failed (announce-malformed.ts).
  if (t.status === 'unused' && unhostedAnnouncementNotFailed(t, s, ctx.analysis.capture.last)) return null;
  // The client ignored the advertised address and connected to the control connection's (curl's
  // default, --ftp-skip-pasv-ip): the 227's address played no part in what became of that
  // connection, which the connection's own checks judge (and using the control address is no fix).
  if (t.connection && t.connection.match !== 'exact' && t.connection.server.ip === s.server.ip) return null;
  const cls = addressClass(announced.ip);
  // A 227 answering PASV on an IPv6 control connection: its six numbers cannot name the server's IPv6
  // address (vsftpd writes 0,0,0,0; others an IPv4 address of theirs). No setting of the announced
  // address helps; EPSV is the IPv6 passive command. (A 227 naming the IPv4 address an RFC 6052
  // server address embeds is the NAT64 case, nat64.ts.)
  const v6Control = s.server.ip.includes(':') && !announced.ip.includes(':') && t.announce!.command === 'PASV';
  // Client and server one host, the 227 naming another address of that host (127.0.0.2 beside 127.0.0.1):
  // reachable from the client, no NAT in question; the server's own announced-address setting names it.
  const ownHost = !v6Control && ctx.vantage.point === 'same-host' && sameHost(announced.ip, s.server.ip);
  const details = [
    `${announceWords(t)}, but the client is talking to the server at ${s.server.ip}` +
      (v6Control
        ? `, over IPv6: a 227 can carry only an IPv4 address, so it cannot name that server address` +
          (announced.ip === '0.0.0.0' ? ' (0.0.0.0 names no host at all, as vsftpd writes on an IPv6 control connection)' : '')
        : ownHost
          ? `; client and server are one host and ${announced.ip} is another address of it: nothing lies between them to rewrite the reply, ` +
            "so the server's own setting for the address it announces (vsftpd pasv_address, proftpd MasqueradeAddress, pure-ftpd -P) named it"
        : cls === 'public'
          ? ''
          : `; ${announced.ip} is ${/^[aeiou]/.test(cls) ? 'an' : 'a'} ${cls} address, unreachable from outside its network`),
  ];
  const c = t.connection;
  // Taken at the server, nobody connecting to a routable address it does not own is what a wrong
  // address looks like, and also what a right one looks like — the public address of a NAT in front of
  // the server (pasv_address, MasqueradeAddress, pure-ftpd -P) — whose port forward leaves out the
  // passive range, or leaves it out for this client (an inside client, NAT reflection): both are said.
  const unseenPublic = !c && !v6Control && !ownHost && cls === 'public' && ctx.vantage.point === 'server-side';
  if (!c) details.push(unseenPublic ? 'No connection to its port reached the server' : 'The client made no connection to it');
  if (unseenPublic) {
    details.push(
      `From the server's side the two readings look the same: ${announced.ip} is not an address that leads to this server, or it is the public ` +
        `address of a NAT in front of it (the address the server was told to announce) whose port forward does not bring the passive ports ` +
        `to the server — not at all, or not for this client (one inside the NAT's own network, reached back through the NAT: NAT reflection)`,
    );
  } else if (!c) {
    // said above
  } else if (c.match === 'exact') {
    const outcome = c.established
      ? 'and the connection opened'
      : c.icmpErrors.length
        ? `and was told it is unreachable (ICMP type ${c.icmpErrors[0].type} code ${c.icmpErrors[0].code} from ${c.icmpErrors[0].reporter}, frame ${c.icmpErrors[0].frame})`
        : c.rst
          ? `and was reset (frame ${c.rst.frame})`
          : c.synAckFrames.length > 0
            ? // A SYN-ACK is an answer: what the capture lacks is the client's acknowledgement of it
              // (tcp/connection-state.ts: `established` waits for it), not the server's.
              `and was answered (SYN-ACK, frame ${c.synAckFrames[0]}), but no acknowledgement of that answer from the client is in the capture`
            : `and got no answer (${c.synFrames.length} SYN${c.synFrames.length === 1 ? '' : 's'})`;
    details.push(`The client followed the advertised address: SYN from ${ep(c.client)} to ${ep(c.server)} at frame ${c.synFrame}, ${outcome}`);
  } else {
    details.push(`The client ignored the advertised address and connected to ${ep(c.server)} (frame ${c.synFrame})`);
  }
  // Read here with the key log; on the wire the reply was inside TLS, where a NAT's FTP helper cannot
  // rewrite it: the classic FTPS-through-NAT failure.
  const tls = insideTls(ctx);
  if (tls !== null) {
    details.push(
      `That reply travelled inside TLS (the control connection switched at frame ${tls}): a NAT's or firewall's FTP helper could not read or rewrite its address, as it would in clear FTP`,
    );
  }
  const helper = helperPort(ctx);
  if (helper) details.push(helper.detail);
  const v6Advice = v6Control
    ? 'On an IPv6 control connection use EPSV, not PASV (curl, lftp and ftplib do by default over IPv6); ' +
      "the server's passive-address setting cannot put an IPv6 address in a 227."
    : undefined;
  const ownHostAdvice = ownHost
    ? `Remove the server's announced-address setting (vsftpd: pasv_address) or set it to ${s.server.ip}, the address the client reaches it at; ` +
      'or let the client use the control connection\'s address (lftp: set ftp:ignore-pasv-address yes; curl does so by default, --ftp-skip-pasv-ip).'
    : undefined;
  const unseenPublicAdvice = unseenPublic
    ? `If ${announced.ip} is the public address clients reach this server by, make the NAT forward the passive port range to the server as it ` +
      `forwards the control port, for inside clients too (NAT reflection), or let inside clients use the server's inside address. If it is not, ` +
      adviceFor('passive-address-mismatch', s).replace(/^S/, 's')
    : undefined;
  return diagnosis(ctx, 'passive-address-mismatch', details, evidenceFrames(t), v6Advice ?? ownHostAdvice ?? helper?.advice ?? unseenPublicAdvice);
}

/**
 * A passive data connection answered from another address than the one the client called, the answer
 * reset by the client (answer-reset.ts): the 227's address led to the server through a router that
 * the server's answer went around.
 */
export function checkPassiveAnswerReset(ctx: TransferContext): Diagnosis | null {
  const { transfer: t, session: s } = ctx;
  if (t.status === 'complete') return null;
  const r = t.answerReset;
  if (r === undefined) return null;
  const c = t.connection!;
  const announced = t.announce?.endpoint ?? null;
  const syns = `${frameList(r.synFrames.slice(0, 8))}${r.synFrames.length > 8 ? ' …' : ''}`;
  const details = [announceWords(t)];
  if (r.called !== null) {
    details.push(
      `The client connected there: SYN from ${ep(c.client)} to ${ep(r.called)} at ${syns}; the answer (SYN-ACK, frame ${r.synAckFrame}) came from ` +
        `${ep(r.answeredBy)}, another address, and the client reset it (frame ${r.resetFrame}): it never called ${r.answeredBy.ip}, so the answer belonged to no connection of its own`,
      `A router translated ${r.called.ip} to ${r.answeredBy.ip} on the way in (a port forward, NAT reflection), and the server's answer went back to the client around that router, untranslated` +
        (r.answeredBy.ip === s.server.ip
          ? `: ${r.answeredBy.ip} is the address the client reaches the server at on the control connection, so the 227 told a client inside the server's network the public address`
          : ''),
    );
  } else {
    details.push(
      `A data connection to that port arrived from ${ep(c.client)} (SYN, ${syns}), the server answered (SYN-ACK, frame ${r.synAckFrame}) ` +
        `and the client reset that answer (frame ${r.resetFrame}): it had not called ${c.server.ip}`,
      `Its SYN came through ${r.hops!.syn} router${r.hops!.syn === 1 ? '' : 's'} (TTL ${c.marks.ttl.client}), its reset through ${r.hops!.reset === 0 ? 'none' : r.hops!.reset} (TTL ${c.rst?.ttl}): ` +
        `the client called another address${announced !== null && announced.ip !== s.server.ip ? ` (the 227 named ${announced.ip})` : ''}, which a router translated to this server, ` +
        "and the server's answer reached the client directly, around that router",
    );
  }
  return diagnosis(ctx, 'passive-answer-reset', details, evidenceFrames(t, [r.synAckFrame, r.resetFrame]));
}

/** Reply words of a server that refuses a data connection for the address it came from (vsftpd: "425 Security: Bad IP connecting."). */
const FOREIGN_PEER_REPLY = /bad ip|foreign|ip connecting|address (mismatch|does not match)|different address/i;

/**
 * A passive data connection the server accepted, closed without data and refused with an error:
 * it came from another address than the control connection — seen where the addresses differ (at
 * the server, beyond a NAT), or, where both look the same (at the client, inside the NAT), from the
 * server's own words.
 */
export function checkPassivePeerMismatch(ctx: TransferContext): Diagnosis | null {
  const { transfer: t, session: s } = ctx;
  const c = t.connection;
  const r = t.reply;
  if (t.mode !== 'passive' || !c || !c.established || t.bytes > 0 || !r || r.code < 400) return null;
  const otherAddress = c.client.ip !== s.client.ip && s.natPeer === null;
  // Both client addresses arrive unrouted at a capture on the client's side: they left a host on
  // this segment as they are, so no NAT made the difference.
  const ownAddress =
    otherAddress && hopsAway(s.ttl.client) === 0 && hopsAway(c.marks.ttl.client) === 0;
  if (!otherAddress && !(r.code === 425 && FOREIGN_PEER_REPLY.test(r.text))) return null;
  const close = c.handshake.find((e) => (e.type === 'fin' || e.type === 'rst') && e.by === 'server');
  const closed = close ? `closed it without sending anything (${close.type === 'rst' ? 'RST' : 'FIN'}, frame ${close.frame})` : 'sent nothing on it';
  const details = [
    announceWords(t),
    otherAddress
      ? `The data connection to ${ep(c.server)} came from ${ep(c.client)} (SYN frame ${c.synFrame}), while the control connection comes from ${s.client.ip}: another address than the control connection's`
      : `The client connected to ${ep(c.server)} from ${ep(c.client)} (SYN frame ${c.synFrame}), the control connection's own address as this capture sees it`,
    `The server accepted the TCP connection, ${closed} and replied ${replyWords(r)} (frame ${r.frame}): it refuses a data connection from another address than the control connection's (a guard against a stolen data connection; vsftpd's default, pasv_promiscuous=NO)`,
    !otherAddress
      ? 'The server saw the data connection come from another address than the control connection: a NAT between this capture point and the server gave the two connections different outside addresses (an address pool that is not paired)'
      : ownAddress
        ? `Both addresses send from this capture's own segment (TTL ${s.ttl.client} and ${c.marks.ttl.client}, unchanged by any router), so no NAT changed them on the way here: unless another host on that segment took the data connection (what the check guards against), the client itself opened it from another of its own addresses (a second address on its interface, a bind or source-address setting, a route with another preferred source)`
        : 'Unless another host took the data connection (what the check guards against), both are the same client behind a NAT that gave each new connection another outside address (an address pool that is not paired)',
  ];
  return diagnosis(ctx, 'passive-peer-mismatch', details, evidenceFrames(t, [close?.frame]), ownAddress ? OWN_ADDRESS_ADVICE : undefined);
}

/** A client that opened its data connection from another of its own addresses (no NAT between it and the capture). */
const OWN_ADDRESS_ADVICE =
  "Make the client open its data connections from the control connection's address: its bind or local-address setting " +
  '(curl --interface, lftp net:socket-bind-ipv4, a socket bound before connect), or the route\'s preferred source (ip route ... src); ' +
  'or, if the risk is acceptable, let the server accept data connections from another address (vsftpd pasv_promiscuous=YES, proftpd AllowForeignAddress on).';
