/**
 * Which FTP server software a session talked to, read from what the server said of itself: its
 * greeting (220) and its answer to SYST. Only an unmistakable name counts: a banner an
 * administrator changed ("welcome") names nothing, and advice then speaks of the server's settings
 * in general rather than of another product's.
 */
import type { Session } from './model.js';

export type ServerSoftware = 'vsftpd' | 'proftpd' | 'pure-ftpd' | 'pyftpdlib' | 'twisted' | 'filezilla' | 'iis' | 'netkit' | 'inetutils' | 'gridftp';

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

/** The server software the session's greeting or SYST reply names, or null. */
export function serverSoftware(s: Session): ServerSoftware | null {
  // A relay passes the real server's greeting on: it names the server behind it, not the relay.
  if (s.relay?.role === 'front') return null;
  for (const c of s.commands) {
    const r = c.reply;
    const asked = c.command === null ? r !== null && r.code === 220 : c.command === 'SYST' && r !== null && r.code === 215;
    if (!asked || r === null) continue;
    for (const sig of SIGNATURES) if (sig.re.test(r.text)) return sig.software;
  }
  return null;
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
