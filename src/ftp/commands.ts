/**
 * What FTP commands exist and what a request or reply line says, syntactically.
 * The catalog feeds the analysis (which commands open a data connection, which announce a tuple)
 * and teaching output (one-line descriptions). Line parsers never throw.
 */

/** Which tuple parser reads a command's argument (PORT/EPRT/LPRT) or its reply (PASV/EPSV/LPSV). */
export type TupleKind = 'port' | 'eprt' | 'lprt' | 'pasv' | 'epsv' | 'lpsv';

export interface FtpCommandInfo {
  verb: string;
  /** Defining document, e.g. 'RFC 959'; 'extension' for common non-RFC commands. */
  source: string;
  description: string;
  /** The command's reply sequence uses a data connection. */
  opensData: boolean;
  /** Who sends on that data connection (from the server to the client, or the reverse). */
  dataDirection?: 'to-client' | 'to-server';
  tuple?: TupleKind;
  /** Passive announcers: the reply code that carries the address (227, 229, 228). */
  announceReply?: number;
  /**
   * What the command is for in a session, where it matters to the analysis and the outputs:
   * `login` (USER/PASS/ACCT), `listing` (a transfer of a directory listing), `wrapped` (RFC 2228's
   * protected form of another command). Transfers are `opensData`; announcements have a `tuple`.
   */
  role?: 'login' | 'listing' | 'wrapped';
  /** Its argument is a path on the server (DELE, MKD, RNFR…; transfers name theirs as requests). */
  namesPath?: true;
  /**
   * A client sends it while a transfer runs, without waiting for the transfer's final reply (RFC 959
   * 4.1.3: ABOR and STAT; NOOP as a keep-alive): that it was sent says nothing of the replies before it.
   */
  duringTransfer?: true;
}

type Row = [verb: string, source: string, description: string, extra?: Partial<FtpCommandInfo>];

const TO_CLIENT: Partial<FtpCommandInfo> = { opensData: true, dataDirection: 'to-client' };
const TO_SERVER: Partial<FtpCommandInfo> = { opensData: true, dataDirection: 'to-server' };
const LISTING: Partial<FtpCommandInfo> = { ...TO_CLIENT, role: 'listing' };
const LOGIN: Partial<FtpCommandInfo> = { role: 'login' };
const WRAPPED: Partial<FtpCommandInfo> = { role: 'wrapped' };
const PATH: Partial<FtpCommandInfo> = { namesPath: true };
const DURING_TRANSFER: Partial<FtpCommandInfo> = { duringTransfer: true };

const ROWS: Row[] = [
  // RFC 959: access control
  ['USER', 'RFC 959', 'User name to log in as', LOGIN],
  ['PASS', 'RFC 959', 'Password for the user', LOGIN],
  ['ACCT', 'RFC 959', 'Account information', LOGIN],
  ['CWD', 'RFC 959', 'Change working directory', PATH],
  ['CDUP', 'RFC 959', 'Change to the parent directory'],
  ['SMNT', 'RFC 959', 'Mount a different file system structure'],
  ['REIN', 'RFC 959', 'Reinitialise the session (log out, keep the connection)'],
  ['QUIT', 'RFC 959', 'Log out and close the control connection'],
  // RFC 959: transfer parameters
  ['PORT', 'RFC 959', 'Active mode: the client announces h1,h2,h3,h4,p1,p2 and the server connects to it', { tuple: 'port' }],
  ['PASV', 'RFC 959', 'Passive mode: ask the server to listen; it answers 227 with its address and port', { tuple: 'pasv', announceReply: 227 }],
  ['TYPE', 'RFC 959', 'Representation type: A (ASCII, line endings converted) or I (binary image)'],
  ['STRU', 'RFC 959', 'File structure (F file, R record, P page)'],
  ['MODE', 'RFC 959', 'Transfer mode (S stream, B block, C compressed)'],
  // RFC 959: service commands
  ['RETR', 'RFC 959', 'Download a file (server sends on the data connection)', TO_CLIENT],
  ['STOR', 'RFC 959', 'Upload a file (client sends on the data connection)', TO_SERVER],
  ['STOU', 'RFC 959', 'Upload a file under a unique name chosen by the server', TO_SERVER],
  ['APPE', 'RFC 959', 'Upload and append to a file', TO_SERVER],
  ['ALLO', 'RFC 959', 'Reserve storage before an upload'],
  ['REST', 'RFC 959', 'Restart marker: resume the next transfer at this offset'],
  ['RNFR', 'RFC 959', 'Rename from (first half of a rename)', PATH],
  ['RNTO', 'RFC 959', 'Rename to (second half of a rename)', PATH],
  ['ABOR', 'RFC 959', 'Abort the transfer in progress', DURING_TRANSFER],
  ['DELE', 'RFC 959', 'Delete a file', PATH],
  ['RMD', 'RFC 959', 'Remove a directory', PATH],
  ['MKD', 'RFC 959', 'Make a directory', PATH],
  ['PWD', 'RFC 959', 'Print the working directory'],
  ['LIST', 'RFC 959', 'Directory listing in a human-readable format', LISTING],
  ['NLST', 'RFC 959', 'Directory listing of names only', LISTING],
  ['SITE', 'RFC 959', 'Server-specific command'],
  ['SYST', 'RFC 959', 'Ask for the server operating system type'],
  ['STAT', 'RFC 959', 'Status of the session or transfer; with a path, a listing over the control connection', DURING_TRANSFER],
  ['HELP', 'RFC 959', 'Ask for help text'],
  ['NOOP', 'RFC 959', 'Do nothing (keeps the connection alive)', DURING_TRANSFER],
  // RFC 775 X-forms, still sent by some clients
  ['XCWD', 'RFC 775', 'Old form of CWD', PATH],
  ['XCUP', 'RFC 775', 'Old form of CDUP'],
  ['XMKD', 'RFC 775', 'Old form of MKD', PATH],
  ['XRMD', 'RFC 775', 'Old form of RMD', PATH],
  ['XPWD', 'RFC 775', 'Old form of PWD'],
  // RFC 2228: security extensions
  ['AUTH', 'RFC 2228', 'Start a security mechanism: AUTH TLS then 234 switches the control connection to TLS'],
  ['ADAT', 'RFC 2228', 'Security data exchange'],
  ['PBSZ', 'RFC 2228', 'Protection buffer size (PBSZ 0 before PROT with TLS)'],
  ['PROT', 'RFC 2228', 'Data channel protection: P (TLS on data connections) or C (clear)'],
  ['CCC', 'RFC 2228', 'Clear command channel: end TLS on the control connection'],
  ['MIC', 'RFC 2228', 'Integrity-protected command', WRAPPED],
  ['CONF', 'RFC 2228', 'Confidentiality-protected command', WRAPPED],
  ['ENC', 'RFC 2228', 'Privacy-protected command', WRAPPED],
  // RFC 2389: feature negotiation
  ['FEAT', 'RFC 2389', 'List the extensions the server supports'],
  ['OPTS', 'RFC 2389', 'Set options for a command (e.g. OPTS UTF8 ON)'],
  // RFC 2428: IPv6 and NAT
  ['EPRT', 'RFC 2428', 'Extended active mode: |af|address|port| for IPv4 or IPv6', { tuple: 'eprt' }],
  ['EPSV', 'RFC 2428', 'Extended passive mode: the server answers 229 with only a port', { tuple: 'epsv', announceReply: 229 }],
  // RFC 2640
  ['LANG', 'RFC 2640', 'Choose the language of reply texts'],
  // RFC 3659
  ['SIZE', 'RFC 3659', 'Size of a file', PATH],
  ['MDTM', 'RFC 3659', 'Modification time of a file', PATH],
  ['MLST', 'RFC 3659', 'Machine-readable facts about one file (over the control connection)', PATH],
  ['MLSD', 'RFC 3659', 'Machine-readable directory listing', LISTING],
  ['TVFS', 'RFC 3659', 'Trivial virtual file store'],
  // RFC 1639: long addresses
  ['LPRT', 'RFC 1639', 'Long active mode: af,hal,address,pal,port', { tuple: 'lprt' }],
  ['LPSV', 'RFC 1639', 'Long passive mode: the server answers 228 with af,hal,address,pal,port', { tuple: 'lpsv', announceReply: 228 }],
  // RFC 7151
  ['HOST', 'RFC 7151', 'Name the virtual host to use'],
  // Common extensions
  ['CLNT', 'extension', 'Client software name'],
  ['MFMT', 'extension', 'Set a file modification time'],
  ['MFCT', 'extension', 'Set a file creation time'],
  ['MFF', 'extension', 'Set file facts'],
  ['AVBL', 'extension', 'Available space'],
  ['XCRC', 'extension', 'CRC of a file'],
  ['XMD5', 'extension', 'MD5 of a file'],
  ['XSHA1', 'extension', 'SHA-1 of a file'],
];

export const FTP_COMMANDS: ReadonlyMap<string, FtpCommandInfo> = new Map(
  ROWS.map(([verb, source, description, extra]) => [
    verb,
    { verb, source, description, opensData: false, ...extra },
  ]),
);

/** Catalog entry for an (upper-cased) verb, or undefined for unknown commands. */
export function commandInfo(verb: string): FtpCommandInfo | undefined {
  return FTP_COMMANDS.get(verb);
}

/** The questions the analysis and the outputs ask of a verb, answered from the one catalog above. */

/** PORT, EPRT, LPRT: the client announces where the server should connect (active mode). */
export function announcesActive(verb: string | null): boolean {
  const t = verb === null ? undefined : FTP_COMMANDS.get(verb)?.tuple;
  return t === 'port' || t === 'eprt' || t === 'lprt';
}

/** PASV, EPSV, LPSV: the server's reply announces where the client should connect (passive mode). */
export function announcesPassive(verb: string | null): boolean {
  const t = verb === null ? undefined : FTP_COMMANDS.get(verb)?.tuple;
  return t === 'pasv' || t === 'epsv' || t === 'lpsv';
}

/** The passive command a reply code answers and nothing else (227: PASV, 228: LPSV, 229: EPSV); null for any other code. */
export function passiveCommandOfReply(code: number): string | null {
  for (const info of FTP_COMMANDS.values()) if (info.announceReply === code && announcesPassive(info.verb)) return info.verb;
  return null;
}

/** What a transfer command moves: a file down or up, or a listing; null for any other verb. */
export function transferKind(verb: string | null): 'download' | 'upload' | 'listing' | null {
  const info = verb === null ? undefined : FTP_COMMANDS.get(verb);
  if (!info?.opensData) return null;
  if (info.role === 'listing') return 'listing';
  return info.dataDirection === 'to-server' ? 'upload' : 'download';
}

/** A command a client sends while a transfer runs, without waiting for its final reply (ABOR, STAT, NOOP). */
export function sentDuringTransfer(verb: string | null): boolean {
  return verb !== null && commandInfo(verb)?.duringTransfer === true;
}

export function isLogin(verb: string | null): boolean {
  return verb !== null && FTP_COMMANDS.get(verb)?.role === 'login';
}

/** ENC, MIC, CONF: RFC 2228's protected wrapping of another command. */
export function isWrapped(verb: string | null): boolean {
  return verb !== null && FTP_COMMANDS.get(verb)?.role === 'wrapped';
}

/** A command line as the client sent it, its verb and argument: "RETR hello.txt", "PASV". */
export function commandLine(c: { command: string | null; arg: string }): string {
  return c.arg ? `${c.command} ${c.arg}` : (c.command ?? '');
}

/** Longest argument a headline quotes whole: a line may carry up to the parser's 8 KiB. */
const HEADLINE_ARGUMENT = 100;

/**
 * A command line for a headline or a label ("RETR hello.txt"): an argument longer than a line of
 * text is cut, saying how long it was, so an 8 KiB name sent by a hostile or broken client does not
 * fill the screen. The whole line stays in the tables of commands and in JSON.
 */
export function commandHeadline(c: { command: string | null; arg: string }): string {
  if (c.arg.length <= HEADLINE_ARGUMENT) return commandLine(c);
  return `${c.command} ${c.arg.slice(0, HEADLINE_ARGUMENT - 1)}… (${c.arg.length} characters)`;
}

// ---------------------------------------------------------------------------------------------

export interface ParsedRequest {
  /** Upper-cased verb ('' when the line has none). */
  command: string;
  /** Everything after the first space, verbatim ('' when none). */
  arg: string;
  raw: string;
  /** Syntax problem worth showing, e.g. a verb that is not letters. */
  problem?: string;
}

/**
 * Telnet IAC + command byte (IP 0xF4, DM 0xF2, …): clients send "IAC IP IAC DM" before ABOR. A
 * command byte alone may begin the line: its IAC was the last byte of a segment the capture lost
 * (the DM comes as TCP urgent data in a segment of its own), and no verb begins with such a byte.
 */
const TELNET_PREFIX = /^(?:[\xf0-\xfe](?=[\xffA-Za-z]))?(?:\xff[\xf0-\xfe])*/;

/** "RETR  a b" → { command: 'RETR', arg: ' a b' }. */
export function parseRequestLine(line: string): ParsedRequest {
  // The prefix begins with a byte 0xf0-0xff: any other line is left as it is without a regular expression run.
  const text = line.charCodeAt(0) >= 0xf0 ? line.replace(TELNET_PREFIX, '') : line;
  const space = text.indexOf(' ');
  const verb = space < 0 ? text : text.slice(0, space);
  const arg = space < 0 ? '' : text.slice(space + 1);
  const out: ParsedRequest = { command: verb.toUpperCase(), arg, raw: line };
  if (verb === '') out.problem = line === '' ? 'empty line' : 'no command verb';
  // RFC 959 verbs are 3-4 letters; extensions add a few (XSHA1, XSHA256).
  else if (!/^[A-Za-z][A-Za-z0-9]{1,7}$/.test(verb)) out.problem = 'command verb is not a word';
  return out;
}

export interface ParsedReplyLine {
  /** 100..599 (or RFC 2228's protected 631..633), or 0 when the line has no valid code. */
  code: number;
  /** Character after the code: ' ' (last/only line), '-' (first line of a multi-line reply),
   *  '' (line is just the code, or no code), or whatever other character the peer put there. */
  sep: string;
  /** Text after "NNN " / "NNN-"; after "NNN" when the separator is missing; the whole line when
   *  there is no valid code. */
  text: string;
  /** What is wrong with the line, if anything (see the cases below). */
  problem?: string;
}

const isDigit = (c: number): boolean => c >= 0x30 && c <= 0x39;

/**
 * One reply line. Tolerates what peers really send (see Zeek's ftp-*-reply-code captures):
 * "220Hello" / "230_no_space" (code, no space: text after the code), "2000 foo" (four digits:
 * no code), "99 PASV invalid" / "SYST not supported" (no code), codes outside 100..599.
 */
export function parseReplyLine(line: string): ParsedReplyLine {
  if (line === '') return { code: 0, sep: '', text: '', problem: 'empty reply line' };
  const c0 = line.charCodeAt(0);
  const c1 = line.charCodeAt(1);
  const c2 = line.charCodeAt(2);
  const hasDigits = line.length >= 3 && isDigit(c0) && isDigit(c1) && isDigit(c2);
  if (!hasDigits) {
    const problem = isDigit(c0) ? 'invalid reply code' : 'missing reply code';
    return { code: 0, sep: '', text: line, problem };
  }
  if (line.length > 3 && isDigit(line.charCodeAt(3))) {
    return { code: 0, sep: '', text: line, problem: 'invalid reply code (more than 3 digits)' };
  }
  const code = Number(line.slice(0, 3));
  // RFC 2228 adds 631-633: replies wrapped in integrity / confidentiality protection.
  if ((code < 100 || code > 599) && !(code >= 631 && code <= 633)) {
    return { code: 0, sep: '', text: line, problem: `reply code ${line.slice(0, 3)} out of range 100-599` };
  }
  if (line.length === 3) return { code, sep: '', text: '' };
  const sep = line[3];
  if (sep === ' ' || sep === '-') return { code, sep, text: line.slice(4) };
  return { code, sep, text: line.slice(3), problem: 'missing space after reply code' };
}

/**
 * A reply that says the server lacks the command: 502, or a 500 whose text says so ("Unknown
 * command", "'FEAT': command not understood"). vsftpd's "500 Illegal PORT command" refuses an
 * argument, not the command.
 */
export const saysLacking = (r: { code: number; text: string }): boolean =>
  r.code === 502 || (r.code === 500 && /unknown|not (implemented|understood|recogni[sz]ed|supported)|unrecogni[sz]ed|unsupported/i.test(r.text));

/**
 * A final 2xx whose own words say the work failed: vsftpd answers a listing of a directory it cannot
 * open with "226 Transfer done (but failed to open directory)", an empty listing sent all the same.
 */
export const saysFailed = (r: { code: number; text: string }): boolean => r.code >= 200 && r.code < 300 && /\bfail(ed|ure|s)?\b/i.test(r.text);
