/**
 * npm test's share of the checks that go over every recorded fixture (issue 15: the developer's
 * minute). Under FTPCAP_LONG=all (`npm run test:long`, which .ci/run runs) every fixture; otherwise
 * a fixed eighth of them, chosen by a hash of the fixture's name, so that a new recording does not
 * reshuffle the others, plus the fixtures the package ships and those listed below (always). Each audit's own test file
 * (test/diagnose/verdicts-audit*.test.ts) asserts its recordings' facts in every run; what the sample
 * leaves to CI is the generic cross-checks (tshark, the outputs against each other, extraction).
 */
const ALL = process.env.FTPCAP_LONG === 'all';

/** One fixture in this many is in npm test's sample. */
const SAMPLE_EVERY = 8;

/** The four the package ships (package.json "files", the README's examples). */
const SHIPPED = ['active-vsftpd-ftp', 'passive-vsftpd-lftp', 'ipv6-epsv-proftpd-lftp', 'fail-active-drop-vsftpd-ftp'];

/**
 * Always in the sample: the four the package ships (package.json "files", the README's examples),
 * and those whose outputs reach code no other fixture of the sample reaches (measured 2026-12-05
 * with V8's coverage of every subcommand on every fixture: each one here added 400 bytes or more of
 * the bundle that the hashed third and the ones before it left unrun), and two for lines only they reach.
 */
const ALWAYS = new Set([
  ...SHIPPED,
  'hostile-client-vsftpd-python',
  'snaplen-vsftpd-lftp',
  'ctrl-idle-cut-client-side-vsftpd-curl',
  'fxp-refused-vsftpd-pyftpdlib-lftp',
  'noconnect-proftpd-python',
  'ftps-ccc-refused-dnat-helper-proftpd-curl',
  'data-loss-abort-vsftpd-curl',
  'auth-refused-reqd-pureftpd-curl',
  'no-greeting-maxinstances-proftpd-python',
  'dnat-pasv-address-server-side-vsftpd-curl',
  'fail-retr-missing-vsftpd-curl',
  'abor-stalled-quit-pureftpd-python',
  'nat-active-nohelper-vsftpd-ftp',
  'snat-nohelper-client-side-vsftpd-ftp',
  'idle-timeout-proftpd-python',
  'qinq-passive-proftpd-curl',
  'limits-resume-proftpd-lftp',
  'fail-passive-synack-dropped-pyftpdlib-curl',
  'ftps-data-alert-proftpd-python',
  'pget-limited-pyftpdlib-lftp',
  'missing-twisted-busybox',
  'fxp-vsftpd-pyftpdlib-lftp',
  'ctrl-drop-vsftpd-curl',
  'ftps-cert-rejected-vsftpd-curl',
  'ctrl-idle-cut-server-side-vsftpd-curl',
  'tri-pasv-drop-router-vsftpd-curl',
  'multihomed-port-vsftpd-python',
  'ftps-server-killed-vsftpd-python-secrets',
  'https-not-ftp-openssl-curl',
  'ctrl-lossy-client-side-vsftpd-lftp',
  'curl-cmds-proftpd',
  'stalled-proftpd-python',
  'rclone-wget-vsftpd',
  // the checksum-offload line of the summary; a transfer whose data connection the capture lacks
  'offload-on-passive-vsftpd-curl',
  'control-only-vsftpd-lftp',
  // Kept when the hashed share went from a third to a quarter (2026-12-05, V8 coverage of npm test
  // with each): an upload whose client was gone (extract), a refusal at USER, one note on what the
  // capture point cannot see for sessions apart, commands of a one-way capture with no replies, and a
  // session that mixes active and passive announcements.
  'client-killed-stor-pureftpd-curl',
  'tls-required-vsftpd-curl',
  'merged-dnat-nohelper-vsftpd-lftp',
  'a22-oneway-server-in-vsftpd-curl',
  'midsession-port-drop-vsftpd-python',
  // Kept when the hashed share went from a quarter to an eighth (2026-12-05, V8 coverage of dist/
  // under npm test: the eighth left 19,918 bytes unrun that the quarter ran; these 15, chosen
  // greedily by what each fixture's subcommands run, take back all but 1,637 of them).
  'a30-proxy-healthy-vsftpd-lftp-proxy',
  'ftps-tls12-server-killed-vsftpd-python',
  'hostile-server-python',
  'a31-aria2c-server-cut-vsftpd',
  'fail-list-missing-pureftpd-rclone',
  'data-timeout-vsftpd-python',
  'a30-proxy-server-pasv-drop-vsftpd-curl-client',
  'upload-reset-pyftpdlib-curl',
  'pget-segment-reset-vsftpd-lftp',
  'a30-proxy-client-pasv-drop-vsftpd-curl-server',
  'fail-passive-reject-rst-proftpd-curl',
  'a28-limit-hidden-proftpd-python',
  'ftps-ciphers-vsftpd-curl',
  'a29-axel-nofile-vsftpd',
  'midstream-transfer-vsftpd-curl',
]);

/** A fixture's name from any of its files: capture, facts or tshark view. */
export function fixtureName(file: string): string {
  return file.replace(/^.*\//, '').replace(/\.(pcap|pcapng)(\.gz)?$|\.facts\.json$|\.tshark-[a-z-]+\.tsv(\.gz)?$/, '');
}

/** FNV-1a: a stable 32-bit hash of the name. */
function hash(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}

/** Whether the fixture named by this file is checked in this run. */
export function inSample(file: string): boolean {
  const name = fixtureName(file);
  return ALL || ALWAYS.has(name) || hash(name) % SAMPLE_EVERY === 0;
}

/**
 * One fixture in `every` by the hash (a multiple of SAMPLE_EVERY gives a part of the hashed eighth)
 * and the shipped four only (every fixture under FTPCAP_LONG=all): for the fuzz set, whose every
 * case runs every subcommand on a damaged copy. The fixtures kept in the sample for what their
 * outputs reach are run whole by the other files.
 */
export function inHashedShare(file: string, every = SAMPLE_EVERY): boolean {
  const name = fixtureName(file);
  return ALL || SHIPPED.includes(name) || hash(name) % every === 0;
}

/** The items whose fixture is checked in this run (every one under FTPCAP_LONG=all). */
export function sampleFixtures<T>(items: T[], file: (x: T) => string = String): T[] {
  return items.filter((x) => inSample(file(x)));
}
