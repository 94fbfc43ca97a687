/** Title and general advice for every cause code: the checks add the specifics. */
import type { Session } from '../model.js';
import { fillSettings, neverDoes, openPassivePorts, passiveAddressWhere, passivePortsWhere } from '../server-software.js';
import type { CauseCode } from './types.js';

export interface CatalogEntry {
  title: string;
  advice: string;
}

/**
 * The advice as written: `{passive-ports}`, `{passive-address}`, `{open-passive-ports}` and `{setting:KEY}` mark where a server's own setting
 * is named, from server-software.ts's one table, for the software the session identified
 * (adviceFor); CATALOG's advice leaves them out: no product's setting for a server nobody named.
 */
const WRITTEN: Record<CauseCode, CatalogEntry> = {
  'control-unanswered': {
    title: 'the connection to the FTP server was never answered',
    advice:
      'Check that the server is up and listening on that address and port, and that no firewall on the server or ' +
      'in between drops connections to it (iptables/nftables DROP, a cloud security group); check the address the ' +
      'client uses (DNS, a port other than 21).',
  },
  'control-refused': {
    title: 'the connection to the FTP server was refused',
    advice:
      'Nothing accepts connections on that port: start the FTP server or make it listen on that address and ' +
      'port{setting:listen}, or remove the firewall rule that rejects them.',
  },
  'control-answer-reset': {
    title: 'the connection was answered from another address than the one the client called, and the client reset that answer',
    advice:
      'A router translates the address the client calls to the server (a port forward, DNAT), but the server\'s answer ' +
      'reaches the client around that router: the client is inside, on the server\'s own network, and the router reflects ' +
      'its connection (NAT reflection, hairpin) without the hairpin SNAT. On the router, masquerade connections from the ' +
      'inside network to the forwarded server (Linux: iptables -t nat -A POSTROUTING -s <inside network> -d <server> -j ' +
      'MASQUERADE), so that the answers come back through it; or let inside clients use the server\'s inside address ' +
      '(split-horizon DNS).',
  },
  'control-abandoned': {
    title: "the server answered the connection, and the client reset its answer: the client had given up waiting, or never meant to connect",
    advice:
      "The server accepted the connection (SYN-ACK), but the client no longer waited for it: its connect timeout is shorter than " +
      'the time the answer takes to come back (curl --connect-timeout, wget --connect-timeout, lftp net:timeout, a script\'s own ' +
      'limit): raise it, or find what makes the path that slow (a satellite or congested link, a queue on the way). A scanner ' +
      "probing the port (a SYN scan) resets the answer at once: then nothing is wrong with the server.",
  },
  'not-ftp': {
    title: 'the service on the FTP port does not speak FTP',
    advice:
      'The client reached a service that is not an FTP server: check the host and port the client uses. An SSH server ' +
      'there means SFTP (an SSH subsystem, not FTP): use an SFTP client (sftp, lftp sftp://, curl sftp://) or the real FTP port.',
  },
  'session-refused': {
    title: 'the server turned the session away (at its greeting, or answering the login)',
    advice:
      'The server answered the connection with an error instead of its greeting: its reply says why. For a connection ' +
      'limit, close the client\'s other sessions or make it open fewer at once (lftp pget -n, mirror --parallel; ' +
      "FileZilla's simultaneous transfers), or raise the server's limits on sessions in all and from one address{setting:limits}.",
  },
  'no-greeting': {
    title: 'the server never greeted: the client gave up waiting for its 220',
    advice:
      'The server accepts the connection but is slow to greet. Most often it is waiting on a reverse-DNS (or ident) ' +
      "lookup of the client's address that times out: turn them off{setting:reverseLookup} " +
      'or make the DNS answer for the client\'s address; or the ' +
      'server host is overloaded. {wait-longer}',
  },
  'login-failed': {
    title: 'the server refused the login (user name or password, or an account not allowed to use FTP)',
    advice:
      'Check the user name and password: a 530 after PASS is most often a wrong one (servers answer an unknown user the ' +
      'same way, so as not to tell which). If they are right, the account may not be allowed to use FTP: listed in ' +
      "/etc/ftpusers or the server's list of refused users{setting:userList}, a shell not in /etc/shells (PAM's pam_shells), " +
      "locked or expired. The server's log (or the system's auth log) says which.",
  },
  'not-logged-in': {
    title: 'the client sent it without logging in: the server refuses every command but a login until one succeeds',
    advice:
      'Log in first: the client sent no USER and PASS (answered 230) before this command, so the server refused it (530) — ' +
      "no user name or password was refused. Check the client's script or settings (a login step left out, credentials not given).",
  },
  'active-unreached': {
    title: "the server's data connection never reached the client",
    advice:
      "The server's connection to the client's announced port failed at once and nothing of it reached the client's " +
      'side: a firewall or router between them (or in front of the client) that refuses or drops inbound connections, ' +
      "or a server that could not open the connection at all (its log says). A capture at the server shows which; " +
      'passive mode avoids inbound connections to the client.',
  },
  'passive-unreached': {
    title: 'nobody connected to the passive endpoint the server announced',
    advice:
      'If clients reach the server through a NAT or another address (port forwarding, DNAT), the 227 must name that ' +
      'public address{passive-address} or the NAT needs its FTP helper ' +
      '(nf_conntrack_ftp); otherwise open the passive port range{passive-ports} on every firewall in front of the server. A capture ' +
      "at the client shows where its SYNs went.",
  },
  'active-syn-unanswered': {
    title: 'the server could not reach the client (active mode)',
    advice:
      "Use passive mode on the client, or allow inbound connections to the client's data ports on the client's " +
      "firewall; behind a NAT, enable its FTP helper (Linux: nf_conntrack_ftp with a CT --helper ftp rule) so it " +
      'forwards the announced port.',
  },
  'active-refused': {
    title: "the server's data connection was refused (active mode)",
    advice:
      "Use passive mode on the client, or stop the client's firewall from rejecting inbound connections to its " +
      'data ports; check that the client is still listening on the announced port.',
  },
  'handshake-incomplete': {
    title: "the data connection's handshake never completed: its SYN-ACK was never acknowledged",
    advice:
      'The side that connected never took the SYN-ACK: a firewall on that host (or between it and the capture point) ' +
      'drops the answers to its own connections — allow replies of its outgoing connections on the client\'s ' +
      'firewall (passive mode) or the server\'s (active mode), e.g. iptables -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT.',
  },
  'data-abandoned': {
    title: "the data connection was answered, and the side that opened it reset the answer: it had given up waiting",
    advice:
      "The data connection's SYN was answered (SYN-ACK), but the side that opened it no longer waited: its connect timeout is " +
      "shorter than the time the answer takes to come back (a client's data timeout: curl --connect-timeout, Python's " +
      "FTP.timeout, lftp net:timeout): raise it, or find what makes the path that slow (a satellite or congested link, a queue on the way).",
  },
  'active-host-unreachable': {
    title: "a router found no host at the active data connection's address",
    advice:
      "Nothing answers for the address the PORT named (often a client's inside address behind a NAT): use passive mode, " +
      "or forward the client's data ports through the NAT.",
  },
  'passive-syn-unanswered': {
    title: 'the client could not reach the server\'s passive port',
    advice:
      '{open-passive-ports}, or use active mode.',
  },
  'passive-refused': {
    title: "the client's data connection was refused (passive mode)",
    advice:
      "Allow the passive port range on the server's firewall instead of rejecting it, and check that the server " +
      'listens on the port it announced (a server behind a load balancer may announce a port of another node).',
  },
  'session-ended-first': {
    title: 'the server had ended the session before the client connected to the passive port it announced',
    advice:
      'The server closed the session on its own before the client opened the data connection and sent its command: nothing listened on ' +
      'that port any more, so whatever met the connection says nothing of a firewall. Its unasked reply (a 421) names its reason, most ' +
      'often a time limit the client outlasted between PASV/EPSV and its transfer command (an idle timeout{setting:idleTimeout}, a ' +
      'no-transfer timeout{setting:dataTimeout}): make the client use the data connection at once, or raise that limit on the server.',
  },
  'passive-host-unreachable': {
    title: "a router found no host at the passive data connection's address",
    advice:
      "Nothing answers for the address the client connected to: if it is a NAT's public address, forward the server's " +
      "passive port range through it to the server; otherwise make the server announce an address the client can reach.",
  },
  'announce-malformed': {
    title: "the announcement of the data connection's address was malformed: it names no usable address",
    advice:
      'The 227/229 reply (passive) or the PORT/EPRT (active) was not in a form the other side can read, so no data ' +
      'connection could be made. A NAT or firewall FTP helper (ALG) that rewrites these lines on their way mangles them ' +
      'so: disable or fix it (Linux nf_conntrack_ftp; a router\'s "FTP ALG"/"fixup" setting); otherwise the server ' +
      '(passive) or the client (active) writes them wrong. A client can often avoid it with the other mode or the other ' +
      'command (PASV for EPSV).',
  },
  'passive-address-mismatch': {
    title: 'the 227 reply advertises an address other than the server\'s',
    advice:
      "Set the server's externally reachable address for passive replies{passive-address}, or let the client use the " +
      'control connection\'s address instead ' +
      '(lftp: set ftp:ignore-pasv-address yes; curl does so by default, --ftp-skip-pasv-ip).',
  },
  'passive-answer-reset': {
    title: 'the data connection was answered from another address than the one the client called, and the client reset that answer',
    advice:
      'The client connects to the address the 227 names, a router translates it back to the server (a port forward, NAT ' +
      'reflection), and the server\'s answer goes to the client directly, around that router: the client is inside, on the ' +
      'server\'s own network, and is told the public address. Let inside clients use the control connection\'s address ' +
      '(EPSV; lftp: set ftp:ignore-pasv-address yes; curl does so by default), give them an address or name of the server ' +
      'that announces its inside address, not the public one{passive-address}, or add the hairpin SNAT on the router ' +
      '(masquerade connections from the inside network to the server).',
  },
  'passive-peer-mismatch': {
    title: "the server refused a data connection from another address than the control connection's",
    advice:
      'A NAT in front of the client gave the data connection another outside address than the control connection (an ' +
      "address pool that is not paired): make it keep one outside address per inside host (RFC 4787 paired pooling; Linux " +
      "SNAT to one address, or --persistent), or, if the risk is acceptable, let the server accept data connections " +
      'from another address{setting:foreignPasv}.',
  },
  'active-address-mismatch': {
    title: "PORT/EPRT announces an address other than the client's",
    advice:
      "The client sits behind a NAT that did not rewrite PORT: enable the NAT's FTP helper (nf_conntrack_ftp), " +
      'or use passive mode on the client.',
  },
  'nat64-passive-ipv4': {
    title: "the 227 names the server's IPv4 address, which an IPv6 client reaches only through a NAT64 translator",
    advice:
      'PASV can announce only an IPv4 address, and a NAT64 translator without an FTP ALG (RFC 6384) passes it unchanged: ' +
      'an IPv6-only client cannot use it. Use EPSV, which names only a port and crosses the translator as it is: the ' +
      'server must answer it (enable it, or use a server that has it); or a client that keeps the control connection\'s ' +
      "address and takes only the 227's port. Active mode is no way out: PORT cannot carry an IPv6 address.",
  },
  'nat64-active': {
    title: "active mode across a NAT64 translator: EPRT names the client's IPv6 address, which the IPv4 server cannot use",
    advice:
      'A server behind a NAT64 translator speaks IPv4 only: it cannot connect to the IPv6 address in EPRT, and PORT ' +
      'cannot name an IPv6 client; the translator (no FTP ALG) rewrites neither. Use passive mode with EPSV, which names ' +
      'only a port and crosses the translator unchanged.',
  },
  bounce: {
    title: "PORT names another address than the client's (FTP bounce)",
    advice:
      'A server should refuse PORT/EPRT to any address but the client\'s, as most do by default{setting:foreignPort}. ' +
      'Investigate the client: bounces are used to scan or attack hosts from the server.',
  },
  'fxp-refused': {
    title: 'a server-to-server copy (FXP) refused: the server will not connect to, or accept, another server',
    advice:
      'Servers refuse a PORT naming another host than the client by default, against FTP bounce attacks. Between ' +
      'servers you trust, allow it on the server that gets the PORT (vsftpd port_promiscuous=YES, proftpd ' +
      'AllowForeignAddress on, pyftpdlib permit_foreign_addresses=True) and let the other accept the connection ' +
      '(vsftpd pasv_promiscuous=YES); otherwise let the client copy through itself (lftp set ftp:use-fxp no).',
  },
  'fxp-unreached': {
    title: 'a server-to-server copy (FXP) failed between the two servers: one could not connect to the other',
    advice:
      "The data connection of an FXP copy runs between the two servers, not through the client: the client's own firewall " +
      "or NAT is no part of it. Open the passive server's port range to the other server's address on every firewall " +
      'between the two servers and on the passive server itself, or swap which server is passive (lftp ' +
      'ftp:fxp-passive-source); otherwise let the client copy through itself (lftp set ftp:use-fxp no).',
  },
  'tls-hidden': {
    title: 'the control channel is encrypted (FTPS, or RFC 2228 protection)',
    advice:
      "A firewall or NAT FTP helper cannot read PORT/227 inside TLS: give the server a fixed passive port range{passive-ports}, " +
      'opened on every firewall in between, and behind a NAT the public address to announce{passive-address}; or use CCC if both sides support it.',
  },
  'tls-session-not-reused': {
    title: "the data connection did not resume the control connection's TLS session",
    advice:
      'Make the client resume the control TLS session on its data connections (curl, lftp and FileZilla do; Python ' +
      "ftplib needs ntransfercmd to pass session=self.sock.session to wrap_socket), or, if the risk is acceptable, " +
      'stop the server requiring it{setting:sessionReuse}.',
  },
  'tls-handshake-failed': {
    title: 'the TLS handshake failed',
    advice:
      'The alert names the reason: a certificate the client does not trust, no TLS version or cipher suite in common. ' +
      'Compare the server\'s TLS versions{setting:tlsVersions} and cipher suites{setting:tlsCiphers} with what the client offers.',
  },
  'auth-refused': {
    title: 'the server refused TLS (AUTH), and the client would not go on without it',
    advice:
      'The server does not offer FTPS. Enable it there, with a certificate{setting:tlsEnable}, or, only where clear text is acceptable, let the client go on without it ' +
      '(curl --ssl instead of --ssl-reqd, lftp set ftp:ssl-force false, ftp-ssl without -z secure, FileZilla \'Use explicit FTP over TLS if available\').',
  },
  'prot-refused': {
    title: 'the server refused PROT P (encrypted data connections)',
    advice:
      'Allow protected data connections on the server{setting:protData}, or, ' +
      'if clear-text data is acceptable, let the client go on without it (curl --ssl-control instead of --ssl-reqd).',
  },
  'tls-no-close-notify': {
    title: 'the data connection was closed without TLS close_notify',
    advice:
      'Without close_notify a TLS receiver cannot tell a complete file from a truncated one: compare the size with the ' +
      "server's (SIZE, the 150 reply) and retry; servers and clients should end PROT P data connections with " +
      'close_notify{setting:closeNotify}.',
  },
  'tls-mode-mismatch': {
    title: 'implicit FTPS and plain FTP spoken to each other',
    advice:
      "On the client, use the mode the server's port serves: implicit FTPS (TLS from the first byte) is port 990 (curl ftps://, lftp ftps://); " +
      'on port 21 use explicit FTPS (AUTH TLS: curl --ssl-reqd ftp://, lftp set ftp:ssl-force true) or plain FTP.',
  },
  'server-refused': {
    title: 'the server refused the command',
    advice: 'The reply text names the reason; the server decides, so the fix is a client request the server accepts or a server setting.',
  },
  'announce-split-dropped': {
    title: 'the address announcement came in more than one TCP segment, and the NAT\'s FTP helper stopped it: the control connection stalled there',
    advice:
      'An FTP helper (ALG) in a NAT or firewall between the hosts reads a PORT/EPRT or a 227/229 only inside one TCP segment: ' +
      "one split across segments it can neither rewrite nor let through (Linux's nf_conntrack_ftp drops the segment, logging " +
      '"partial matching"). The side that splits it must write the whole line in one send; otherwise use an announcement the ' +
      'helper does not have to read, or a helper or firewall that reassembles the control stream before it reads it.',
  },
  'control-cut': {
    title: 'the control connection was cut while the data connection ran: the final reply never reached the client',
    advice:
      'A stateful firewall or NAT between the client and the server forgets a connection idle longer than its timeout, ' +
      'and the control connection sits idle while a long transfer runs: make the client keep it alive during transfers ' +
      '(TCP keepalives more often than the timeout, e.g. curl --keepalive-time; a client that sends NOOP during transfers), ' +
      "or raise the device's idle timeout for FTP (Linux: net.netfilter.nf_conntrack_tcp_timeout_established; a cloud " +
      "NAT's TCP idle timeout). A device that began dropping the connection by a rule, or lost its state (a failover, " +
      "a flushed table), looks the same here, even after a short idle time: look in that device's log.",
  },
  aborted: {
    title: 'stopped part-way (ABOR, a reset, or an error reply after data moved)',
    advice:
      'Retry the transfer; if the aborts repeat, look at the side that aborted: the client (timeouts, interrupts) ' +
      'or the server (its disk, its data connection timeout), and the network path between them. The server\'s data ' +
      'connection timeout{setting:dataTimeout} ends a transfer that stalls for longer.',
  },
  unconfirmed: {
    title: 'the server answered with an error, not a confirmation, after the data had arrived whole',
    advice:
      'Every byte the server stated had arrived, and its sender closed the data connection, but the server never confirmed the transfer: ' +
      'a client takes the error reply as a failure. Check the file (its size, a checksum) before trusting it or fetching it again, ' +
      "and look at why the server ended it (its reply, its log).",
  },
  'relay-failed': {
    title: "the proxy's transfer on its other leg failed",
    advice:
      'A proxy or gateway between the client and the server relayed this transfer, and its own transfer on its other leg failed: this leg had nothing to carry. ' +
      'Fix the other leg (the diagnosis of its transfer says how), not this one.',
  },
  stalled: {
    title: 'the transfer stalled',
    advice:
      "The receiver stopped reading (zero window) or the path went silent: check the receiving side's disk and " +
      'process (the client for a download, the server for an upload), and any firewall that drops idle connections.',
  },
  'path-loss': {
    title: 'data was lost on the path',
    advice:
      'Packets of the data connection were lost between the client and the server: look for a link or device on the path that drops them ' +
      '(a path-MTU black hole when full-sized segments never arrive, congestion, a failing link, a rate limiter, an intrusion-prevention system).',
  },
  'capture-gap': {
    title: 'the capture lost segments of this transfer',
    advice:
      'The transfer itself may be fine: capture with a larger buffer (tcpdump -B, dumpcap -B) or on a less ' +
      'loaded host, and without a snapshot length cut (-s 0).',
  },
  'no-attempt': {
    title: 'no data connection was attempted',
    advice: 'Neither side visibly tried to connect: check the connecting side (the server in active mode, the client in passive) and capture nearer it.',
  },
  'not-in-capture': {
    title: 'the data connection is not in the capture',
    advice:
      'Take the capture where both connections pass (on the client, the server or a tap between them), without a ' +
      'filter that keeps only port 21 (tcpdump "host A and host B", not "port 21").',
  },
};

const GENERIC_OPEN = "Open the server's passive port range on the server's firewall and on any firewall in between";
const WAIT_LONGER = 'Meanwhile a client that waits longer gets through (curl --connect-timeout, lftp net:timeout, Python ftplib timeout=).';
const fill = (advice: string, ports: string, address: string, open: string, s: Session | null): string =>
  fillSettings(
    advice.replaceAll('{passive-ports}', ports).replaceAll('{passive-address}', address).replaceAll('{open-passive-ports}', open).replaceAll('{wait-longer}', WAIT_LONGER),
    s,
  );

/**
 * no-greeting's advice for a server whose product looks nothing up before greeting (server-software.ts
 * neverDoes): a lookup to turn off cannot be the lead (slow-greeting-pyftpdlib-curl read "turn them off
 * (pyftpdlib has no such setting: pyftpdlib looks nothing up before greeting)").
 */
const noGreetingWithoutLookup = (product: { name: string; words: string }): string =>
  `The server accepts the connection but is slow to greet, and ${product.words}: no lookup explains the wait. ` +
  `${product.name} itself was busy or held up before its 220 (slow work in its own code before the greeting, or other ` +
  "sessions keeping it busy), or the server host is overloaded: the server's log and the host's load say which. " +
  WAIT_LONGER;

export const CATALOG: Record<CauseCode, CatalogEntry> = Object.fromEntries(
  Object.entries(WRITTEN).map(([code, e]) => [code, { title: e.title, advice: fill(e.advice, '', '', GENERIC_OPEN, null) }]),
) as Record<CauseCode, CatalogEntry>;

/** The cause's general advice for this session: its server's settings named where the session says which software it is. */
export function adviceFor(cause: CauseCode, s: Session): string {
  const noLookup = cause === 'no-greeting' ? neverDoes(s, 'reverseLookup') : null;
  if (noLookup !== null) return noGreetingWithoutLookup(noLookup);
  return fill(WRITTEN[cause].advice, passivePortsWhere(s), passiveAddressWhere(s), openPassivePorts(s), s);
}
