/**
 * Every warning ftpcap gives, from the capture reader to the analysis, as one kind of value: a
 * stable code, the frame and byte offset it concerns, and the facts of its code. The catalog below
 * gives each code its severity, a title and the sentence its facts make (the `message`), so a stage
 * says what it saw and never words it. A leaf: every stage may import it, it imports nothing.
 */

/** 'error': data was lost to the analysis; 'warning': it was read partly or bounded; 'note': read whole, told for care. */
export type Severity = 'error' | 'warning' | 'note';

/** Where a warning points, as given with the facts. */
export interface At {
  frame?: number;
  offset?: number;
}

interface Entry<F> {
  severity: Severity;
  title: string;
  /** The sentence, from the facts and where the warning points. */
  text(f: F, at: At): string;
}

const entry = <F>(e: Entry<F>): Entry<F> => e;

/** A pcapng damage report: in a packet block (names the frame) or another block (names the frames before). */
interface BlockDamage {
  detail: string;
  packetBlock: boolean;
}
const blockText = (f: BlockDamage, at: At): string =>
  f.packetBlock
    ? `frame ${at.frame} at byte offset ${at.offset}: ${f.detail}`
    : `block at byte offset ${at.offset} (after frame ${(at.frame ?? 1) - 1}): ${f.detail}`;

function mib(bytes: number): string {
  return Number.isFinite(bytes) ? `${+(bytes / 1048576).toFixed(1)} MiB` : 'no bound';
}

export const WARNINGS = {
  // Capture: the file's own damage.
  'truncated-record': entry<{ recordNeeds: number; left: number } | { headerLeft: number; headerLength: number } | BlockDamage>({
    severity: 'warning',
    title: 'Capture file cut short',
    text: (f, at) =>
      'detail' in f
        ? blockText(f, at)
        : `frame ${at.frame} at byte offset ${at.offset} is cut short: ` +
          ('recordNeeds' in f ? `the record needs ${f.recordNeeds} bytes, the file ends after ${f.left}` : `only ${f.headerLeft} of ${f.headerLength} record-header bytes`),
  }),
  'caplen-too-large': entry<{ caplen: number; limit: number; snapLength: number } | BlockDamage>({
    severity: 'error',
    title: 'Impossible captured length',
    text: (f, at) =>
      'detail' in f
        ? blockText(f, at)
        : `frame ${at.frame} at byte offset ${at.offset}: captured length ${f.caplen} exceeds the limit ${f.limit} ` +
          `(snaplen ${f.snapLength}); the record header is damaged, reading stops`,
  }),
  'caplen-exceeds-origlen': entry<{ caplen: number; origlen: number }>({
    severity: 'note',
    title: 'Captured length above the original length',
    text: (f, at) =>
      `frame ${at.frame} at byte offset ${at.offset}: captured length ${f.caplen} exceeds original length ${f.origlen} ` +
      '(further frames like this are not reported)',
  }),
  'bad-block-length': entry<BlockDamage>({ severity: 'error', title: 'Malformed pcapng block length', text: blockText }),
  'block-too-large': entry<BlockDamage>({ severity: 'error', title: 'pcapng block too large', text: blockText }),
  'bad-byte-order': entry<BlockDamage>({ severity: 'error', title: 'pcapng section without byte-order magic', text: blockText }),
  'unsupported-version': entry<BlockDamage>({ severity: 'error', title: 'Unsupported pcapng section version', text: blockText }),
  'unknown-interface': entry<BlockDamage>({ severity: 'error', title: 'Packet of an undescribed interface', text: blockText }),
  'bad-option': entry<BlockDamage>({ severity: 'note', title: 'pcapng option overruns its block', text: blockText }),
  'bad-timestamp': entry<BlockDamage>({ severity: 'warning', title: 'Timestamp that is no date', text: blockText }),
  'interface-limit': entry<{ maxInterfaces: number; dropped: number; packets: number }>({
    severity: 'warning',
    title: 'Too many pcapng interfaces',
    text: (f, at) =>
      `block at byte offset ${at.offset}: more than ${f.maxInterfaces} interfaces; the ${f.dropped} described after them ` +
      `were counted, not kept, and their ${f.packets} frame(s) counted but not analysed`,
  }),
  'empty-records': entry<{ run: number }>({
    severity: 'error',
    title: 'Records without a byte',
    text: (f, at) =>
      `from frame ${at.frame} at byte offset ${at.offset}, ${f.run} records in a row carry no byte (zeros where packets ` +
      'should be): the rest of the file is taken as damage and not read',
  }),
  'read-error': entry<{ error: string }>({
    severity: 'error',
    title: 'Reading failed',
    text: (f, at) => `${f.error} (after byte offset ${at.offset} of the capture)`,
  }),
  'decompress-error': entry<{ error: string }>({
    severity: 'error',
    title: 'Damaged gzip stream',
    text: (f, at) => `gzip: ${f.error} (after byte offset ${at.offset} of the capture)`,
  }),
  'time-backwards': entry<Record<never, never>>({
    severity: 'note',
    title: 'Timestamps go backwards',
    text: () => 'timestamps go backwards (frames are analysed in file order)',
  }),
  // Decoding: frames told once per kind.
  'malformed-packets': entry<{ count: number; problem: string }>({
    severity: 'warning',
    title: 'Malformed headers',
    text: (f, at) =>
      `${f.count} frame(s) with malformed headers, decoded only up to the damage; the first is frame ${at.frame} at byte offset ${at.offset} (${f.problem})`,
  }),
  'fragments-incomplete': entry<{
    count: number;
    frames: number[];
    held: number;
    total: number;
    reason: 'timeout' | 'evicted' | 'end';
    /** The frames of every fragment of those datagrams (null: over a thousand), which `dump` reads. */
    allFrames: number[] | null;
  }>({
    severity: 'note',
    title: 'IP datagrams never reassembled',
    text: (f) =>
      `${f.count} fragmented IP datagram(s) never completed: some of their fragments are not in the capture (lost before ` +
      'the capture point, or by the capture), so nothing above IP was read from them; the first: ' +
      `frame${f.frames.length > 1 ? 's' : ''} ${f.frames.join(', ')} (${f.held} of ` +
      `${f.total < 0 ? 'an unknown number of' : f.total} payload bytes; ${f.total < 0 ? 'its last fragment is not in the capture' : 'a fragment before its last is missing'}` +
      `${f.reason === 'timeout' ? ', given up after the reassembly timeout' : f.reason === 'evicted' ? ', given up to make room for newer datagrams' : ''})`,
  }),
  'truncated-packets': entry<{ count: number; captured: number; original: number }>({
    severity: 'warning',
    title: 'Frames cut by the snapshot length',
    text: (f, at) =>
      `${f.count} frame(s) cut short by the snapshot length, their missing bytes counted as gaps; the first is frame ${at.frame} ` +
      `at byte offset ${at.offset} (${f.captured} of ${f.original} bytes captured)`,
  }),
  'captured-twice': entry<{ count: number }>({
    severity: 'note',
    title: 'Packets captured twice',
    text: (f, at) =>
      `${f.count} packet(s) captured twice (the same packet seen again within 2 s, as tcpdump -i any on a router, a mirror of two ` +
      `ports, or two ends' captures merged record them): each counted once, not as a retransmission; the first copy is frame ${at.frame}`,
  }),
  'unsupported-link-type': entry<{ frames: number; linkType: number; name: string }>({
    severity: 'warning',
    title: 'Link type not decoded',
    text: (f) => `${f.frames} frame(s) of link type ${f.linkType} (${f.name}) were counted but not decoded`,
  }),
  // TCP reassembly.
  'connection-limit': entry<{ maxConnections: number }>({
    severity: 'warning',
    title: 'Too many live TCP connections',
    text: (f) => `more than ${f.maxConnections} live TCP connections: evicting the least recently used`,
  }),
  'connections-evicted': entry<{ evicted: number; byCount: number; maxConnections: number; idleTimeout: number }>({
    severity: 'warning',
    title: 'Connections evicted',
    text: (f) =>
      `${f.evicted} connection(s) evicted before their end (${f.byCount} over the ${f.maxConnections}-connection limit, ` +
      `${f.evicted - f.byCount} idle > ${f.idleTimeout} s)`,
  }),
  'connections-untracked': entry<{ packets: number; maxConnections: number; recent: number }>({
    severity: 'warning',
    title: 'Packets of connections not followed',
    text: (f) =>
      `${f.packets} packet(s) of connections not already followed were counted, not analysed: all ${f.maxConnections} live TCP connections ` +
      `the budget keeps had been active in the last ${f.recent} s, and only a connection's SYN may push out an active one`,
  }),
  'reassembly-buffer-full': entry<{ stream: number; dir: string; perDirection: number; total: number } | { times: number }>({
    severity: 'warning',
    title: 'Out-of-order buffer full',
    text: (f) =>
      'times' in f
        ? `out-of-order buffer bound forced a gap ${f.times} times`
        : `connection ${f.stream} ${f.dir}: out-of-order buffer bound reached (${mib(f.perDirection)} per direction, ` +
          `${mib(f.total)} for all connections together), gap forced`,
  }),
  'conflicting-retransmissions': entry<{ segments: number; connections: number; stream: number; streamOffset: number; kept: number }>({
    severity: 'warning',
    title: 'Retransmissions with other content',
    text: (f, at) =>
      `${f.segments} retransmitted segment(s) in ${f.connections} data connection(s) repeated bytes with different content ` +
      `(first: frame ${at.frame}, tcp.stream ${f.stream}, stream offset ${f.streamOffset}, against frame ${f.kept}); the first copy ` +
      'is kept, as most IDSes do: the data may have been tampered with on the way, or the capture mixes two streams',
  }),
  // TLS (FTPS).
  'tls-secrets-limit': entry<{ max: number; dropped: number }>({
    severity: 'warning',
    title: 'Too many TLS secrets in the capture',
    text: (f) =>
      `the capture's Decryption Secrets Blocks name more than ${f.max} TLS handshakes: ${f.dropped} secret(s) of later ones ` +
      'were counted, not kept (their connections stay encrypted)',
  }),
  'tls-key-missing': entry<{ stream: number; clientRandom: string | null }>({
    severity: 'warning',
    title: 'No TLS key',
    text: (f, at) =>
      `TLS stream ${f.stream}: no key in the key logs for client random ${f.clientRandom} (ServerHello in frame ${at.frame}): its records stay encrypted`,
  }),
  'tls-key-wrong': entry<{ stream: number; clientRandom: string | null; side: string }>({
    severity: 'error',
    title: 'TLS key does not decrypt',
    text: (f, at) =>
      `TLS stream ${f.stream}: the secret for client random ${f.clientRandom} does not decrypt the ${f.side}'s record in frame ${at.frame} ` +
      '(wrong key log?): the rest of that direction is not read',
  }),
  'tls-record-auth': entry<{ stream: number; clientRandom: string | null; side: string }>({
    severity: 'error',
    title: 'TLS record failed authentication',
    text: (f, at) =>
      `TLS stream ${f.stream}: the ${f.side}'s record in frame ${at.frame} failed authentication (client random ${f.clientRandom}): ` +
      'the rest of that direction is not read',
  }),
  'tls-cipher-unsupported': entry<{ stream: number; cipherSuite: string | null; version: string | null; clientRandom: string | null }>({
    severity: 'warning',
    title: 'TLS cipher suite not decrypted',
    text: (f) =>
      `TLS stream ${f.stream}: cipher suite ${f.cipherSuite} (${f.version}) is not one ftpcap decrypts (client random ${f.clientRandom})`,
  }),
  // FTP sessions and their bounds.
  'ftp-line-length': entry<{ max: number }>({
    severity: 'warning',
    title: 'FTP line too long',
    text: (f) => `line longer than ${f.max} bytes: cut, rest of the line skipped`,
  }),
  'ftp-reply-lines': entry<{ replyCode: number; maxLines: number; maxBytes: number }>({
    severity: 'warning',
    title: 'Multi-line reply too long',
    text: (f) => `multi-line ${f.replyCode} reply longer than ${f.maxLines} lines or ${f.maxBytes} bytes: truncated`,
  }),
  'held-bytes': entry<{ max: number }>({
    severity: 'warning',
    title: 'Too many bytes waiting for their end',
    text: (f) =>
      `partial lines, multi-line replies and TLS handshake messages waiting for their ends in the capture's connections held more than ${f.max} bytes together: ` +
      'what came past that was counted, not kept (such a line is cut as too long, such a reply says it was truncated, such a handshake is not read further)',
  }),
  'ftp-commands-per-session': entry<{ max: number }>({
    severity: 'warning',
    title: 'Too many commands in a session',
    text: (f) => `more than ${f.max} commands in one session; later ones are counted, not kept`,
  }),
  'ftp-commands-total': entry<{ max: number; transferCost: number; textChars: number }>({
    severity: 'warning',
    title: 'Too many commands in the capture',
    text: (f) =>
      `more than ${f.max} commands in the capture's sessions together (each transfer counting as ${f.transferCost}): ` +
      'later ones are counted, not kept (their replies are consumed in order so pairing stays right); ' +
      `a command or reply counts one more per ${f.textChars} characters of its text, and a reply that no longer fits keeps only its first ${f.textChars}`,
  }),
  'ftp-pending-commands': entry<{ max: number }>({
    severity: 'warning',
    title: 'Too many commands awaiting replies',
    text: (f) =>
      `more than ${f.max} commands waiting for replies; the replies of the commands beyond are consumed in order but not paired`,
  }),
  'ftp-preliminary-replies': entry<{ max: number }>({
    severity: 'warning',
    title: 'Too many preliminary replies to one command',
    text: (f) => `more than ${f.max} preliminary (1xx) replies to one command; the ones beyond are not kept`,
  }),
  'ftp-expected-data-channels': entry<{ max: number }>({
    severity: 'warning',
    title: 'Too many unused announcements',
    text: (f) =>
      `more than ${f.max} data connections announced and not used; the oldest unused announcements are forgotten ` +
      '(counted in forgottenAnnouncements)',
  }),
  'other-connections-per-session': entry<{ max: number; client: string; server: string }>({
    severity: 'warning',
    title: 'Too many unexplained connections beside a session',
    text: (f) =>
      `more than ${f.max} connections between ${f.client} and ${f.server} beside their FTP session that no ` +
      'announcement explains: the later ones are not described, nor any transfer inferred from them (a session whose commands TLS hid shows fewer transfers than it made)',
  }),
  'ftp-sessions-limit': entry<{ max: number; dropped: number }>({
    severity: 'warning',
    title: 'Too many FTP sessions',
    text: (f) =>
      `more than ${f.max} FTP sessions: ${f.dropped} that closed after the bound was reached are counted, not listed (nor their transfers)`,
  }),
  'ftp-empty-sessions': entry<{ connections: number; listed: number }>({
    severity: 'note',
    title: 'Connections to an FTP port without FTP',
    text: (f) =>
      `${f.connections} connections to an FTP port carried no FTP line (a scan, unanswered or idle connections): ` +
      `the first ${f.listed} are listed as sessions, ${f.connections - f.listed} more only counted`,
  }),
  'midstream-sessions': entry<{ count: number; names: string }>({
    severity: 'note',
    title: 'Sessions begun before the capture',
    text: (f) =>
      `${f.count} session(s) began before the capture did (mid-stream): ${f.names}; their logins and the commands before the capture are not in it`,
  }),
  'resumed-sessions': entry<{ count: number; names: string }>({
    severity: 'warning',
    title: 'Sessions picked up again part way',
    text: (f) =>
      `${f.count} session(s) continue a control connection the analysis had given up before its end (more connections at once than its budget, or an idle hour): ` +
      `${f.names}; the earlier part is another session, and what came in between is not analysed`,
  }),
  'one-way-sessions': entry<{ count: number; names: string }>({
    severity: 'warning',
    title: "Sessions with one side's packets only",
    text: (f) =>
      `${f.count} session(s) with one side's packets only: ${f.names}; the other side's lines are not in the capture, ` +
      'so logins, replies, transfer modes and outcomes are unknown or guessed',
  }),
} as const;

export type WarningCode = keyof typeof WARNINGS;
export type WarningFacts<C extends WarningCode> = Parameters<(typeof WARNINGS)[C]['text']>[0];

/** One warning: its code, severity, where it points, the facts of its code, and their sentence. */
export type Warning<C extends WarningCode = WarningCode> = {
  [K in C]: { code: K; severity: Severity; message: string } & At & WarningFacts<K>;
}[C];

/** A warning of `code` from its facts: severity and message come from the catalog. */
export function warning<C extends WarningCode>(code: C, facts: WarningFacts<C>, at: At = {}): Warning<C> {
  const e = WARNINGS[code] as Entry<WarningFacts<C>>;
  const w = { code, severity: e.severity, message: e.text(facts, at), ...facts } as Warning<C>;
  if (at.frame !== undefined) w.frame = at.frame;
  if (at.offset !== undefined) w.offset = at.offset;
  return w;
}

/** The catalog's title of a warning's code. */
export const warningTitle = (code: WarningCode): string => WARNINGS[code].title;

/**
 * What a decoder found wrong in one frame, kept on the frame (`DecodedFrame.problems`) as a code
 * and its facts; the sentence is made where the frame is shown (`dump`, the `malformed-packets`
 * warning). The kind is the stable first word of the sentence: 'malformed' (a header breaking its
 * own length rules: nothing above it is decoded unless said otherwise), 'fragment' (reassembly
 * trouble), 'offload' (an IP length of 0 as captured on a host doing segmentation offload).
 */
export type ProblemKind = 'malformed' | 'fragment' | 'offload';

interface ProblemEntry<F> {
  kind: ProblemKind;
  severity: Severity;
  /** The sentence after the kind, from the facts. */
  text(f: F): string;
}

const problem = <F>(e: ProblemEntry<F>): ProblemEntry<F> => e;

type IpVersion = { ip: 4 | 6 };
/** The IP header's own length field: IPv4 counts the header in, IPv6 only the payload. */
const ipLength = (f: IpVersion): string => (f.ip === 4 ? 'IPv4 total length' : 'IPv6 payload length');

export const DECODE_PROBLEMS = {
  'link-header-short': problem<{ link: string; needs: number; has: number }>({
    kind: 'malformed',
    severity: 'warning',
    text: (f) => `${f.link} header needs ${f.needs} bytes, the frame has ${f.has}`,
  }),
  'ip-header-short': problem<IpVersion & { needs: number; has: number }>({
    kind: 'malformed',
    severity: 'warning',
    text: (f) => `IPv${f.ip} header needs ${f.needs} bytes, the packet has ${f.has}`,
  }),
  'ip-version': problem<IpVersion & { version: number }>({
    kind: 'malformed',
    severity: 'warning',
    text: (f) => `IPv${f.ip} header with version ${f.version}`,
  }),
  'ipv4-header-length': problem<{ headerLength: number }>({
    kind: 'malformed',
    severity: 'warning',
    text: (f) => `IPv4 header length ${f.headerLength} (IHL ${f.headerLength / 4}) is below 20`,
  }),
  'ipv4-total-below-header': problem<{ totalLength: number; headerLength: number }>({
    kind: 'malformed',
    severity: 'warning',
    text: (f) => `IPv4 total length ${f.totalLength} is less than its header length ${f.headerLength}`,
  }),
  'ip-length-beyond-wire': problem<IpVersion & { length: number; wire: number }>({
    kind: 'malformed',
    severity: 'warning',
    text: (f) => `${ipLength(f)} ${f.length} exceeds the ${f.wire} bytes on the wire`,
  }),
  'ip-length-zero': problem<IpVersion & { wire: number }>({
    kind: 'offload',
    severity: 'note',
    text: (f) => `${ipLength(f)} 0, presumed TSO: using the frame's ${f.wire} bytes`,
  }),
  'tunnel-depth': problem<{ max: number }>({
    kind: 'malformed',
    severity: 'warning',
    text: (f) => `more than ${f.max} nested tunnels: the innermost packets are not decoded`,
  }),
  'ipv6-extension-count': problem<{ max: number }>({
    kind: 'malformed',
    severity: 'warning',
    text: (f) => `more than ${f.max} IPv6 extension headers`,
  }),
  /** `length` is null when the header ends before its length byte. */
  'ipv6-extension-overrun': problem<{ header: number; length: number | null }>({
    kind: 'malformed',
    severity: 'warning',
    text: (f) => `IPv6 extension header ${f.header}${f.length === null ? '' : ` of ${f.length} bytes`} overruns the payload length`,
  }),
  'fragment-overlap': problem<{ reassembled: boolean }>({
    kind: 'fragment',
    severity: 'warning',
    text: (f) =>
      f.reassembled ? 'overlapping fragments, the first copy of the bytes was kept' : 'overlapping fragment, the first copy of the bytes is kept',
  }),
  'fragment-dropped': problem<{ reason: string }>({
    kind: 'fragment',
    severity: 'error',
    text: (f) => `datagram dropped: ${f.reason}`,
  }),
  'tcp-segment-short': problem<{ length: number; min: number }>({
    kind: 'malformed',
    severity: 'warning',
    text: (f) => `TCP segment of ${f.length} bytes is shorter than the ${f.min}-byte header`,
  }),
  'tcp-data-offset': problem<{ headerLength: number }>({
    kind: 'malformed',
    severity: 'warning',
    text: (f) => `TCP data offset ${f.headerLength / 4} (${f.headerLength} bytes) is below 5`,
  }),
  'tcp-header-beyond-segment': problem<{ headerLength: number; segment: number }>({
    kind: 'malformed',
    severity: 'warning',
    text: (f) => `TCP header length ${f.headerLength} exceeds the segment's ${f.segment} bytes`,
  }),
} as const;

export type DecodeProblemCode = keyof typeof DECODE_PROBLEMS;
export type DecodeProblemFacts<C extends DecodeProblemCode> = Parameters<(typeof DECODE_PROBLEMS)[C]['text']>[0];

/** One decoder problem: its code and the facts of its code, no words. */
export type DecodeProblem<C extends DecodeProblemCode = DecodeProblemCode> = {
  [K in C]: { code: K } & DecodeProblemFacts<K>;
}[C];

export function decodeProblem<C extends DecodeProblemCode>(code: C, facts: DecodeProblemFacts<C>): DecodeProblem {
  return { code, ...facts } as DecodeProblem;
}

/** The catalog's kind of a problem (what `malformed-packets` counts is 'malformed'). */
export const problemKind = (p: DecodeProblem): ProblemKind => DECODE_PROBLEMS[p.code].kind;

/** A problem's sentence, its kind first: "malformed: TCP data offset 4 (16 bytes) is below 5". */
export function problemText(p: DecodeProblem): string {
  const e = DECODE_PROBLEMS[p.code] as ProblemEntry<DecodeProblem>;
  return `${e.kind}: ${e.text(p)}`;
}
