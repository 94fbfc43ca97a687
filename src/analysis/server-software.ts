/**
 * Which FTP server software a session talked to, read from what the server said of itself: its
 * greeting (220) and its answer to SYST. Only an unmistakable name counts: a banner an
 * administrator changed ("welcome") names nothing, and advice then speaks of the server's settings
 * in general rather than of another product's.
 */
import type { ServerSoftware, Session } from './model.js';

/** Words in a 220 greeting or a 215 SYST reply, and the software they name. In order: the first that matches. */
const SIGNATURES: Array<{ re: RegExp; software: ServerSoftware }> = [
  { re: /\bvsFTPd\b/i, software: 'vsftpd' },
  { re: /\bProFTPD\b/i, software: 'proftpd' },
  { re: /\bPure-FTPd\b/i, software: 'pure-ftpd' },
  { re: /\bpyftpdlib\b/i, software: 'pyftpdlib' },
  { re: /\bTwisted\b.*\bFTP\b/i, software: 'twisted' },
  { re: /\bFileZilla Server\b|\bemulated by FileZilla\b/i, software: 'filezilla' },
  { re: /\bMicrosoft FTP Service\b/i, software: 'iis' },
  { re: /\bLinux-ftpd\b/i, software: 'netkit' },
  { re: /\bGNU inetutils\b/i, software: 'inetutils' },
  { re: /\bGridFTP Server\b/i, software: 'gridftp' },
];

/** The server software the session's greeting or SYST reply names, or null (see identifyServerSoftware). */
export function serverSoftware(s: Session): ServerSoftware | null {
  return s.serverSoftware !== undefined ? s.serverSoftware : ownSoftware(s);
}

/** What the session's own greeting or SYST reply names. */
function ownSoftware(s: Session): ServerSoftware | null {
  // A relay passes the real server's greeting on: it names the server behind it, not the relay.
  if (s.relay?.role === 'front') return null;
  for (const c of s.commands) {
    const r = c.reply;
    const asked = c.command === null ? r !== null && r.code === 220 : c.command === 'SYST' && r !== null && r.code === 215;
    if (!asked || r === null) continue;
    const named = softwareNamedIn(r.text);
    if (named !== null) return named;
  }
  return null;
}

/**
 * The last banner read and the product it names: the sessions of one server repeat their 220 and
 * 215 (pooled texts, string-pool.ts), each then read once, not once per session (100,000 logins:
 * ~60 ms of regular expressions).
 */
let lastBanner: { text: string; software: ServerSoftware | null } | null = null;

function softwareNamedIn(text: string): ServerSoftware | null {
  if (lastBanner !== null && lastBanner.text === text) return lastBanner.software;
  const software = SIGNATURES.find((sig) => sig.re.test(text))?.software ?? null;
  lastBanner = { text, software };
  return software;
}

/**
 * Names each session's server software once, before the diagnosis: from its own greeting or SYST
 * reply, else from the other sessions to the same server address and port in the capture when they
 * all name the same software. A session refused before any greeting (421 at a connection limit, a
 * refused or silent connection) has no banner of its own, while the sessions the server did serve
 * name it; sessions naming different software name none.
 */
export function identifyServerSoftware(sessions: Session[]): void {
  const own = sessions.map(ownSoftware);
  const named = namedByServer(sessions, own);
  sessions.forEach((s, i) => {
    // A relay's front names no product (ownSoftware), whatever the other sessions to it say.
    const front = s.relay?.role === 'front';
    s.serverSoftware = own[i] ?? (front ? null : named(s));
  });
}

/** The software every session to a server address and port that names one names (null: none, or more than one). */
function namedByServer(sessions: Session[], own: Array<ServerSoftware | null>): (s: Session) => ServerSoftware | null {
  const byServer = new Map<string, Set<ServerSoftware>>();
  const key = (s: Session): string => `${s.server.ip}|${s.server.port}`;
  sessions.forEach((s, i) => {
    const sw = own[i];
    if (sw === null) return;
    const set = byServer.get(key(s)) ?? new Set<ServerSoftware>();
    set.add(sw);
    byServer.set(key(s), set);
  });
  return (s) => {
    const set = byServer.get(key(s));
    return set !== undefined && set.size === 1 ? [...set][0] : null;
  };
}

/**
 * A 150 after REST, in a session that did not say which server answered (Transfer.restCountUnsure):
 * when the other sessions to the same server all name proftpd, its count was the bytes left to send,
 * and the file is that plus the offset (a67-lftp-timeout-resume without the resume's greeting).
 * Before the outcomes, which compare the bytes with the size.
 */
export function settleRestCounts(sessions: Session[]): void {
  if (!sessions.some((s) => s.transfers.some((t) => t.restCountUnsure !== undefined))) return;
  const named = namedByServer(sessions, sessions.map(ownSoftware));
  for (const s of sessions) {
    for (const t of s.transfers) {
      if (t.restCountUnsure === undefined || named(s) !== 'proftpd') continue;
      if (t.expectedSize === t.restCountUnsure) t.expectedSize = t.restCountUnsure + (t.restOffset ?? 0);
    }
  }
}

/**
 * Each product's name and its settings for the passive data port range and for the address a
 * passive reply announces. `null`: the product has no such setting (netkit's and inetutils' ftpd
 * take any free port the kernel gives); absent from the table: ftpcap does not know the product's.
 */
export interface ServerSettings {
  name: string;
  passivePorts: string | null;
  passiveAddress: string | null;
}

export const SERVER_SETTINGS: Record<ServerSoftware, ServerSettings> = {
  vsftpd: { name: 'vsftpd', passivePorts: 'pasv_min_port/pasv_max_port', passiveAddress: 'pasv_address' },
  proftpd: { name: 'proftpd', passivePorts: 'PassivePorts', passiveAddress: 'MasqueradeAddress' },
  'pure-ftpd': { name: 'pure-ftpd', passivePorts: '-p (PassivePortRange)', passiveAddress: '-P (ForcePassiveIP)' },
  pyftpdlib: { name: 'pyftpdlib', passivePorts: 'FTPHandler.passive_ports', passiveAddress: 'FTPHandler.masquerade_address' },
  twisted: { name: 'Twisted', passivePorts: 'FTPFactory.passivePortRange', passiveAddress: null },
  filezilla: { name: 'FileZilla Server', passivePorts: "the passive mode settings' custom port range", passiveAddress: "the passive mode settings' external IP address" },
  iis: { name: 'IIS FTP', passivePorts: "FTP Firewall Support's Data Channel Port Range", passiveAddress: "FTP Firewall Support's External IP Address of Firewall" },
  netkit: { name: 'netkit ftpd', passivePorts: null, passiveAddress: null },
  inetutils: { name: 'inetutils ftpd', passivePorts: null, passiveAddress: null },
  gridftp: { name: 'GridFTP', passivePorts: 'the GLOBUS_TCP_PORT_RANGE environment variable', passiveAddress: '-data-interface' },
};

/** The identified software's settings, or null when the session does not say which it is. */
export function serverSettings(s: Session): ServerSettings | null {
  const sw = serverSoftware(s);
  return sw === null ? null : SERVER_SETTINGS[sw];
}

/**
 * Where the server's passive port range is set, as a parenthesis after "the server's passive port
 * range": the identified product's setting, or what to do when it has none, or nothing when the
 * product is not known (the advice then names no product's setting).
 */
export function passivePortsWhere(s: Session): string {
  const set = serverSettings(s);
  if (set === null) return '';
  if (set.passivePorts === null) return ` (${set.name} has no setting for it: it takes any free port the kernel gives, so a firewall in front of it needs the FTP helper, nf_conntrack_ftp, to open each announced port)`;
  return ` (${set.name}: ${set.passivePorts})`;
}

/**
 * What to open for passive data connections, as the start of a sentence: the identified product's
 * range setting; for a product without one, each announced port (it takes any free port, so only a
 * firewall's FTP helper can follow it); the server's range in general when the product is unknown.
 */
export function openPassivePorts(s: Session): string {
  const set = serverSettings(s);
  if (set !== null && set.passivePorts === null) {
    return (
      `${set.name} has no passive port range: it takes any free port the kernel gives, so the server's firewall and any firewall in ` +
      "between must open each announced port through their FTP helper (nf_conntrack_ftp) or allow the kernel's whole ephemeral range"
    );
  }
  return `Open the server's passive port range${passivePortsWhere(s)} on the server's firewall and on any firewall in between`;
}

/** Where the server takes its passive ports from, after "as when a firewall opens only": "part of the range …". */
export function passivePortsOrigin(s: Session): string {
  const set = serverSettings(s);
  return set !== null && set.passivePorts === null
    ? `some ports, while ${set.name} takes any free port the kernel gives`
    : 'part of the range the server picks its passive ports from';
}

/** Where the address a passive reply announces is set, the same way: " (vsftpd: pasv_address)", or nothing. */
export function passiveAddressWhere(s: Session): string {
  const set = serverSettings(s);
  if (set === null) return '';
  if (set.passiveAddress === null) return ` (${set.name} has no setting for it: a NAT in front of it needs its FTP helper, nf_conntrack_ftp, to rewrite the reply)`;
  return ` (${set.name}: ${set.passiveAddress})`;
}

/**
 * Where each product sets what the advice asks to change. A string names the setting; `none` says
 * the product has no such setting, and what stands in for it; a key absent from a product's row:
 * ftpcap does not know its setting, and the advice speaks of the server's settings in general.
 * Checked against vsftpd.conf(5) of vsftpd 3.0.3, proftpd 1.3.8's directives, pure-ftpd --help,
 * pyftpdlib 1.5.7's and Twisted's sources, in.ftpd(8) (netkit/ftpd-ssl) and inetutils ftpd --help.
 */
export type SettingKey =
  | 'listen'
  | 'limits'
  | 'limitBeforeGreeting'
  | 'accessRule'
  | 'reverseLookup'
  | 'anonymous'
  | 'userList'
  | 'tlsEnable'
  | 'tlsRequired'
  | 'protData'
  | 'sessionReuse'
  | 'tlsVersions'
  | 'tlsCiphers'
  | 'certificate'
  | 'closeNotify'
  | 'idleTimeout'
  | 'dataTimeout'
  | 'sessionTimeout'
  | 'activePort'
  | 'activePortOff'
  | 'write'
  | 'nameFilter'
  | 'storeRestart'
  | 'foreignPort'
  | 'foreignPasv';

/**
 * `doesNone`: the product never does what the setting would turn off (pyftpdlib looks nothing up
 * before greeting), so advice that blames it must not lead with it for that product.
 */
type Setting = string | { none: string; doesNone?: true };

export const SERVER_SETTING_NAMES: Record<ServerSoftware, Partial<Record<SettingKey, Setting>>> = {
  vsftpd: {
    listen: 'listen_address / listen_port',
    limits: 'max_clients / max_per_ip',
    accessRule: 'tcp_wrappers=YES with /etc/hosts.deny',
    reverseLookup: { none: 'vsftpd looks nothing up itself; with tcp_wrappers=YES, host-name rules in /etc/hosts.allow make TCP wrappers do' },
    anonymous: 'anonymous_enable',
    userList: 'userlist_enable with vsftpd.user_list; /etc/ftpusers through PAM',
    tlsEnable: 'ssl_enable=YES with rsa_cert_file and rsa_private_key_file',
    tlsRequired: 'force_local_logins_ssl=NO',
    sessionReuse: 'require_ssl_reuse=NO',
    tlsVersions: 'ssl_tlsv1',
    tlsCiphers: 'ssl_ciphers, e.g. HIGH',
    certificate: 'rsa_cert_file',
    closeNotify: 'strict_ssl_write_shutdown=YES',
    idleTimeout: 'idle_session_timeout',
    dataTimeout: 'data_connection_timeout',
    activePort: 'connect_from_port_20, which needs the privilege to bind port 20',
    activePortOff: 'connect_from_port_20=NO',
    write: 'write_enable; anon_upload_enable for anonymous users',
    nameFilter: 'deny_file',
    foreignPort: 'port_promiscuous',
    foreignPasv: 'pasv_promiscuous=YES',
  },
  proftpd: {
    listen: 'Port / DefaultAddress',
    limits: 'MaxClients / MaxClientsPerHost',
    limitBeforeGreeting: 'MaxInstances',
    accessRule: '<Limit LOGIN>, mod_wrap',
    reverseLookup: 'UseReverseDNS off and IdentLookups off',
    anonymous: 'an <Anonymous> section',
    userList: 'UseFtpUsers (/etc/ftpusers), RequireValidShell, <Limit LOGIN>',
    tlsEnable: 'mod_tls: TLSEngine on with TLSRSACertificateFile',
    tlsRequired: 'TLSRequired off',
    protData: 'TLSRequired without !data',
    sessionReuse: 'TLSOptions NoSessionReuseRequired',
    tlsVersions: 'TLSProtocol',
    tlsCiphers: 'TLSCipherSuite',
    certificate: 'TLSRSACertificateFile',
    idleTimeout: 'TimeoutIdle',
    dataTimeout: 'TimeoutStalled / TimeoutNoTransfer',
    sessionTimeout: 'TimeoutSession',
    write: '<Limit WRITE> or <Limit STOR>; AllowOverwrite',
    nameFilter: 'PathDenyFilter',
    storeRestart: 'AllowStoreRestart on',
    foreignPort: 'AllowForeignAddress on',
    foreignPasv: 'AllowForeignAddress on',
  },
  'pure-ftpd': {
    listen: '-S (Bind)',
    limits: '-c (MaxClientsNumber) / -C (MaxClientsPerIP)',
    reverseLookup: '-H (DontResolve)',
    anonymous: '-E (NoAnonymous)',
    tlsEnable: '-Y 1 with a certificate in /etc/ssl/private/pure-ftpd.pem or -2 (CertFile)',
    tlsRequired: '-Y 1 rather than 2 or 3',
    protData: '-Y (TLS level), not 0',
    tlsCiphers: '-J (TLSCipherSuite)',
    certificate: '-2 (CertFile)',
    idleTimeout: '-I (MaxIdleTime, in minutes)',
    dataTimeout: '-I (MaxIdleTime, in minutes)',
    write: "the account's rights; -i (AnonymousCantUpload) for anonymous users",
    nameFilter: '-x / -X (ProhibitDotFilesWrite / ProhibitDotFilesRead)',
  },
  pyftpdlib: {
    listen: "the address given to FTPServer",
    limits: 'FTPServer.max_cons / FTPServer.max_cons_per_ip',
    reverseLookup: { none: 'pyftpdlib looks nothing up before greeting', doesNone: true },
    anonymous: 'DummyAuthorizer.add_anonymous',
    tlsEnable: 'TLS_FTPHandler with its certfile',
    tlsRequired: 'TLS_FTPHandler.tls_control_required = False',
    protData: 'TLS_FTPHandler',
    tlsVersions: 'TLS_FTPHandler.ssl_protocol',
    tlsCiphers: 'TLS_FTPHandler.ssl_context',
    certificate: 'TLS_FTPHandler.certfile',
    idleTimeout: 'FTPHandler.timeout',
    dataTimeout: 'DTPHandler.timeout',
    activePort: { none: 'pyftpdlib connects from any free port' },
    write: "the user's perm string, w for STOR and a for APPE",
    storeRestart: "the user's perm string, a for APPE",
    foreignPort: 'FTPHandler.permit_foreign_addresses = True',
    foreignPasv: 'FTPHandler.permit_foreign_addresses = True',
  },
  twisted: {
    limits: 'FTPFactory.connectionLimit',
    tlsEnable: { none: "Twisted's FTP server has no FTPS" },
    idleTimeout: 'FTPFactory.timeOut',
  },
  filezilla: {},
  iis: {},
  netkit: {
    listen: '-D (standalone), or the ftp line of inetd.conf',
    limits: { none: 'netkit ftpd has no limit of its own; xinetd in front of it has instances / per_source' },
    idleTimeout: '-t / -T',
    tlsCiphers: 'ftpd-ssl -z cipher=',
    certificate: 'ftpd-ssl -z cert= and -z key=, default /etc/ftpd-ssl/ftpd.pem',
    activePort: { none: 'netkit ftpd connects from port 20 with root privilege' },
    activePortOff: { none: 'netkit ftpd always connects from port 20' },
    write: { none: "only the file system's permissions decide" },
  },
  inetutils: {
    listen: '-D (standalone), or the ftp line of inetd.conf',
    limits: { none: 'inetutils ftpd has no limit of its own; xinetd in front of it has instances / per_source' },
    tlsEnable: { none: 'GNU inetutils ftpd has no FTPS: another server is needed for it' },
    idleTimeout: '-t (--timeout) / -T (--max-timeout)',
    write: { none: "only the file system's permissions decide" },
  },
  gridftp: {},
};

/**
 * Where the identified server sets what the advice asks to change, as a parenthesis to follow the
 * words that name it: " (vsftpd: max_clients / max_per_ip)", " (netkit ftpd has no such setting: …)",
 * or nothing when the software or its setting is unknown.
 */
export function settingWhere(s: Session, key: SettingKey): string {
  const sw = serverSoftware(s);
  if (sw === null) return '';
  const set = SERVER_SETTING_NAMES[sw][key];
  if (set === undefined) return '';
  return typeof set === 'string' ? ` (${SERVER_SETTINGS[sw].name}: ${set})` : ` (${SERVER_SETTINGS[sw].name} has no such setting: ${set.none})`;
}

/**
 * When the identified product never does what `key`'s setting would turn off (Setting `doesNone`):
 * its name and the words that say so; null when it may, or the product is not known.
 */
export function neverDoes(s: Session, key: SettingKey): { name: string; words: string } | null {
  const sw = serverSoftware(s);
  const set = sw === null ? undefined : SERVER_SETTING_NAMES[sw][key];
  return sw !== null && typeof set === 'object' && set.doesNone === true ? { name: SERVER_SETTINGS[sw].name, words: set.none } : null;
}

/** Fills each {setting:KEY} of an advice with settingWhere (s null: nothing, no product named). */
export function fillSettings(advice: string, s: Session | null): string {
  return advice.replace(/\{setting:(\w+)\}/g, (_, k: string) => (s === null ? '' : settingWhere(s, k as SettingKey)));
}
