/**
 * Issue 3 on the recorded failure scenarios: each gets exactly the expected cause, citing exactly
 * the frames tshark's own view says show the evidence; each healthy fixture gets no diagnosis.
 */
import { createReadStream, readdirSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { analyzeStream } from '../../src/analysis/pipeline.js';
import type { Analysis } from '../../src/analysis/model.js';
import { capturePath } from '../support/facts.js';
import { sharedFixtureStream } from '../support/shared-analysis.js';
import {
  announcementsBefore,
  expectedEvidence,
  readView,
  replyFrame,
  requestFrame,
  synFrames,
  type TsharkView,
} from './tshark-evidence.js';
import { VERDICT_FIXTURES } from './verdict-fixtures.js';

const FIXTURES = resolve(__dirname, '../../fixtures');
const captureOf = capturePath;

async function analyze(name: string): Promise<Analysis> {
  return sharedFixtureStream(basename(captureOf(name)), { fileName: name });
}

interface Scenario {
  fixture: string;
  /** session.transfer → expected cause. */
  causes: Record<string, string>;
  /** Evidence for each diagnosed transfer, from tshark's view. */
  evidence: (v: TsharkView) => Record<string, number[]>;
  /** Phrases the summary or advice must contain (the facts a reader needs). */
  says?: Record<string, RegExp[]>;
}

const SCENARIOS: Scenario[] = [
  // Sixty-eighth verdict audit (verdicts-audit68.test.ts): FXP copies that fail between the two servers
  // (B's SYN to A's passive port dropped or reset: fxp-unreached at the router and at the client, which
  // sees only the servers' 425s), the destination refusing the STOR (550 before any 1xx: server-refused,
  // A's RETR aborted by the other server's reset), and vsftpd's data timeout on a copy whose data the
  // path between the servers dropped.
  // Sixty-ninth audit: pure-ftpd's own 12 s pause, then its FIN and 451 on a file truncated meanwhile (aborted, not stalled);
  // a RETR answered 550 after the session's own SIZE of the path (the file went).
  { fixture: 'a69-replace-delete-pureftpd-curl', causes: { '3.1': 'aborted' }, evidence: () => ({ '3.1': [184, 185, 186, 192, 248, 251, 252] }) },
  { fixture: 'a69-size-then-changed-pyftpdlib-python', causes: { '1.1': 'server-refused' }, evidence: () => ({ '1.1': [16, 28, 29, 30, 32, 33] }) },
  { fixture: 'a68-fxp-data-drop-client-side-vsftpd-pyftpdlib-lftp', causes: {'1.1': 'fxp-unreached', '2.1': 'fxp-unreached', '3.1': 'fxp-refused', '3.2': 'fxp-unreached', '4.1': 'fxp-refused', '5.1': 'fxp-unreached', '6.1': 'fxp-refused', '6.2': 'fxp-unreached', '7.1': 'fxp-refused', '8.1': 'fxp-unreached', '9.1': 'fxp-refused', '10.1': 'fxp-refused'}, evidence: () => ({'1.1': [60,61,65,68,172], '2.1': [65,68,172], '3.1': [102,130,131], '3.2': [169,174,273], '4.1': [130,131], '5.1': [167,168,169,174,273], '6.1': [209,234,235], '6.2': [270,275], '7.1': [234,235], '8.1': [268,269,270,275], '9.1': [310,338,339], '10.1': [338,339]}) },
  { fixture: 'a68-fxp-data-drop-vsftpd-pyftpdlib-lftp', causes: {'1.1': 'fxp-unreached', '2.1': 'fxp-unreached', '3.1': 'fxp-refused', '3.2': 'fxp-unreached', '4.1': 'fxp-refused', '5.1': 'fxp-unreached', '6.1': 'fxp-refused', '6.2': 'fxp-unreached', '7.1': 'fxp-refused', '8.1': 'fxp-unreached', '9.1': 'fxp-refused', '10.1': 'fxp-refused'}, evidence: () => ({'1.1': [61,62,66,67,70,71,72,73,74,180], '2.1': [66,67,70,71,72,73,74,180], '3.1': [108,136,137], '3.2': [175,176,179,182,183,184,185,286], '4.1': [136,137], '5.1': [173,174,175,176,179,182,183,184,185,286], '6.1': [220,245,246], '6.2': [281,282,285,288,289,290,291], '7.1': [245,246], '8.1': [279,280,281,282,285,288,289,290,291], '9.1': [326,354,355], '10.1': [354,355]}) },
  { fixture: 'a68-fxp-data-reject-client-side-vsftpd-pyftpdlib-lftp', causes: {'1.1': 'fxp-unreached', '2.1': 'fxp-unreached', '2.2': 'fxp-refused', '2.3': 'fxp-unreached', '2.4': 'fxp-refused', '2.5': 'fxp-unreached', '2.6': 'fxp-refused', '3.1': 'fxp-refused', '4.1': 'fxp-unreached', '5.1': 'fxp-refused', '6.1': 'fxp-unreached', '7.1': 'fxp-refused'}, evidence: () => ({'1.1': [59,60,64,65], '2.1': [64,65], '2.2': [70,99,100], '2.3': [136,137], '2.4': [143,173,174], '2.5': [212,213], '2.6': [219,251,252], '3.1': [99,100], '4.1': [134,135,136,137], '5.1': [173,174], '6.1': [210,211,212,213], '7.1': [251,252]}) },
  { fixture: 'a68-fxp-data-reject-vsftpd-pyftpdlib-lftp', causes: {'1.1': 'fxp-unreached', '2.1': 'fxp-unreached', '2.2': 'fxp-refused', '2.3': 'fxp-unreached', '2.4': 'fxp-refused', '2.5': 'fxp-unreached', '2.6': 'fxp-refused', '3.1': 'fxp-refused', '4.1': 'fxp-unreached', '5.1': 'fxp-refused', '6.1': 'fxp-unreached', '7.1': 'fxp-refused'}, evidence: () => ({'1.1': [60,61,65,66,67], '2.1': [65,66,67], '2.2': [72,101,102], '2.3': [138,139,140], '2.4': [146,176,177], '2.5': [215,216,217], '2.6': [223,255,256], '3.1': [101,102], '4.1': [136,137,138,139,140], '5.1': [176,177], '6.1': [213,214,215,216,217], '7.1': [255,256]}) },
  { fixture: 'a68-fxp-data-timeout-client-side-vsftpd-pyftpdlib-lftp', causes: {'1.1': 'aborted', '2.1': 'aborted', '3.1': 'fxp-refused', '4.1': 'fxp-refused', '5.1': 'aborted', '5.2': 'fxp-refused', '6.1': 'fxp-refused', '6.2': 'aborted', '6.3': 'fxp-refused', '7.1': 'aborted', '7.2': 'fxp-refused'}, evidence: () => ({'1.1': [67,68,69,100,101], '2.1': [62,63,94], '3.1': [166,167], '4.1': [161,166,167], '5.1': [200,204,211], '5.2': [245,246], '6.1': [242,245,246], '6.2': [282,283,284,285,287], '6.3': [300,303,304], '7.1': [279,283,287], '7.2': [303,304]}) },
  // 1.2: lftp's PASV to pyftpdlib for the reverse copy, left when vsftpd's session had gone (its 421): unused, as at the client.
  { fixture: 'a68-fxp-data-timeout-vsftpd-pyftpdlib-lftp', causes: {'1.1': 'aborted', '2.1': 'path-loss', '3.1': 'fxp-refused', '4.1': 'fxp-refused', '4.2': 'aborted', '5.1': 'aborted', '5.2': 'fxp-refused', '6.1': 'fxp-refused', '6.2': 'aborted', '6.3': 'fxp-refused', '7.1': 'aborted', '7.2': 'fxp-refused'}, evidence: () => ({'1.1': [68,69,70,72,73,173,176], '2.1': [63,64,69,70,167], '3.1': [247,248], '4.1': [242,247,248], '4.2': [284,286,287,338,342,343], '5.1': [281,285,286,287,343,344], '5.2': [380,381], '6.1': [377,380,381], '6.2': [417,419,420,471,473], '6.3': [487,490,491], '7.1': [414,418,419,420,473,474], '7.2': [490,491]}) },
  // Review 77: the bare PORT (1.1, and 6.2 above) whose connection A's RETR used and ended short is aborted with it, as at the router.
  { fixture: 'a68-fxp-stor-refused-client-side-vsftpd-pyftpdlib-lftp', causes: {'1.1': 'aborted', '1.2': 'fxp-refused', '1.3': 'server-refused', '2.1': 'aborted', '2.2': 'fxp-refused', '3.1': 'aborted'}, evidence: () => ({'1.1': [62,66,67,68,69], '1.2': [74,75,76], '1.3': [113,115,117,118], '2.1': [61,62,69], '2.2': [75,76], '3.1': [111,112,121,128]}) },
  { fixture: 'a68-fxp-stor-refused-vsftpd-pyftpdlib-lftp', causes: {'1.1': 'aborted', '1.2': 'fxp-refused', '1.3': 'server-refused', '2.1': 'aborted', '2.2': 'fxp-refused', '3.1': 'aborted'}, evidence: () => ({'1.1': [67,68,69,130,131], '1.2': [137,138,139], '1.3': [176,177,178,239,241,242,243], '2.1': [62,63,68,69,131,132], '2.2': [138,139], '3.1': [174,175,177,178,241,246,253]}) },
  // Sixty-seventh verdict audit (verdicts-audit67.test.ts): who gave up on a time limit. lftp's
  // net:timeout and wget's --read-timeout on data the path dropped (stalled at the client, path loss
  // at the server), curl's --max-time on a moving download (aborted: the client stopped it), vsftpd's
  // 226 with most of the file undelivered, vsftpd's data timeout (421) on data the path dropped.
  { fixture: 'a67-lftp-timeout-resume-proftpd', causes: { '1.1': 'stalled', '2.1': 'stalled' }, evidence: () => ({ '1.1': [59, 60, 61, 63, 113, 116, 125], '2.1': [157, 158, 159, 163, 213, 220, 225] }) },
  { fixture: 'a67-lftp-timeout-resume-server-side-proftpd', causes: { '1.1': 'path-loss', '2.1': 'path-loss' }, evidence: () => ({ '1.1': [57, 58, 59, 61, 140, 150], '2.1': [182, 183, 184, 188, 271, 277] }) },
  { fixture: 'a67-wget-read-timeout-retry-vsftpd', causes: { '1.1': 'stalled', '2.1': 'stalled' }, evidence: () => ({ '1.1': [24, 25, 26, 28, 71, 74], '2.1': [105, 106, 107, 111, 154, 158] }) },
  {
    fixture: 'a67-maxtime-slow-retr-proftpd-curl',
    causes: { '1.1': 'aborted' },
    evidence: () => ({ '1.1': [18, 20, 21, 28, 103, 104, 107] }),
    says: { '1.1': [/The client closed the data connection itself \(FIN, frame 103\)/, /a time limit of its own/] },
  },
  { fixture: 'a67-maxtime-slow-retr-server-side-proftpd-curl', causes: { '1.1': 'aborted' }, evidence: () => ({ '1.1': [16, 18, 19, 26, 101, 102, 105] }) },
  { fixture: 'a67-226-then-blackhole-vsftpd-python', causes: { '1.1': 'stalled' }, evidence: () => ({ '1.1': [18, 19, 20, 22, 78, 82, 84] }) },
  { fixture: 'a67-226-then-blackhole-server-side-vsftpd-python', causes: { '1.1': 'path-loss' }, evidence: () => ({ '1.1': [18, 19, 20, 22, 103, 110, 115] }) },
  { fixture: 'a67-server-data-timeout-blackhole-vsftpd-python', causes: { '1.1': 'aborted' }, evidence: () => ({ '1.1': [18, 19, 20, 22, 83] }) },
  { fixture: 'a67-server-data-timeout-blackhole-server-side-vsftpd-python', causes: { '1.1': 'path-loss' }, evidence: () => ({ '1.1': [18, 19, 20, 22, 111] }) },
  // Sixty-sixth verdict audit (verdicts-audit66.test.ts): many sessions behind one MASQUERADE address.
  // A curl killed mid-RETR (aborted, the client had left: its kernel's FIN on the data connection, then on
  // the control connection, each seen inside and outside the NAT on the router); an ftplib RETR whose client closed the session
  // 1 ms later without connecting (passive-unreached); a router's reset of one download; active RETRs
  // refused by the NAT device's reset, or answered 425 with no SYN while the server's port-20 connection
  // to the same public endpoint (another session's) was open.
  {
    fixture: 'a66-masq-crowd-server-side-proftpd',
    causes: { '1.1': 'aborted', '3.1': 'passive-unreached' },
    evidence: () => ({ '1.1': [54, 55, 56, 62, 474, 475, 488], '3.1': [208, 209, 210] }),
  },
  {
    fixture: 'a66-masq-crowd-router-proftpd',
    causes: { '1.1': 'aborted', '2.1': 'aborted', '5.1': 'passive-unreached', '6.1': 'passive-unreached' },
    evidence: () => ({ '1.1': [112, 113, 116, 127, 953, 955, 982], '2.1': [111, 114, 115, 128, 954, 956, 981], '5.1': [422, 423, 425], '6.1': [421, 424, 426] }),
  },
  {
    fixture: 'a66-masq-active-server-side-vsftpd',
    causes: { '2.1': 'aborted', '3.3': 'active-refused', '4.1': 'no-attempt' },
    evidence: () => ({ '2.1': [104, 105, 106, 112, 144, 154], '3.3': [185, 218, 219, 220, 221, 223, 224, 225], '4.1': [185, 204, 205, 206, 207, 214] }),
  },
  {
    fixture: 'a66-masq-active-router-vsftpd',
    // Review 77: the inside view (3.1) names the reset its outside view (4.1) holds: aborted, as that view reads it.
    causes: { '3.1': 'aborted', '4.1': 'aborted', '5.3': 'active-refused', '6.3': 'active-refused', '7.1': 'active-unreached', '8.1': 'active-unreached' },
    evidence: () => ({
      '3.1': [212, 213, 216, 227, 276, 278, 298, 450, 452],
      '4.1': [211, 214, 215, 228, 278, 297],
      '5.3': [425, 428, 429, 431, 435, 437],
      '6.3': [359, 426, 427, 430, 431, 434, 435, 436],
      '7.1': [359, 397, 400, 401, 404, 418],
      '8.1': [359, 398, 399, 402, 403, 418],
    }),
  },
  // Seventieth verdict audit (verdicts-audit70.test.ts): IPv6 data connections stopped by ip6tables
  // (the router's DROP, RST and ICMPv6 adm-prohibited to EPSV; the client's DROP of EPRT's SYNs), at the
  // client and at the server; proftpd's <Limit EPRT> DenyAll; tnftp's LPSV and LPRT that vsftpd lacks;
  // vsftpd's 227 (0,0,0,0) to PASV on IPv6; an MTU-1280 route whose Packet Too Big is dropped.
  ...(
    [
      ['a70-epsv-router-drop-pureftpd-lftp', 'passive-syn-unanswered', [32, 33, 35, 36, 37, 38, 39, 42]],
      ['a70-epsv-router-drop-server-side-pureftpd-lftp', 'passive-unreached', [34, 38]],
      ['a70-epsv-router-rst-pyftpdlib-python', 'passive-refused', [16, 17, 18]],
      ['a70-epsv-router-rst-server-side-pyftpdlib-python', 'passive-unreached', [18, 21]],
      ['a70-epsv-router-admprohib-proftpd-wget', 'passive-refused', [22, 23, 24, 26, 27]],
      ['a70-epsv-router-admprohib-server-side-proftpd-wget', 'passive-unreached', [24, 26]],
      ['a70-eprt-client-drop-pyftpdlib-lftp', 'active-syn-unanswered', [32, 33, 35, 36, 37, 38, 39, 40]],
      ['a70-eprt-client-drop-server-side-pyftpdlib-lftp', 'active-syn-unanswered', [34, 35, 37, 38, 39, 40, 43, 44]],
      ['a70-eprt-denied-proftpd-curl', 'server-refused', [15, 16]],
      ['a70-lpsv-fallback-vsftpd-tnftp', 'server-refused', [32, 33]],
      ['a70-ptb-blackhole-vsftpd-curl', 'stalled', [18, 19, 20, 26, 33]],
      ['a70-ptb-blackhole-server-side-vsftpd-curl', 'path-loss', [20, 21, 22, 28, 40, 52]],
    ] as const
  ).map(([fixture, cause, frames]) => ({ fixture, causes: { '1.1': cause }, evidence: () => ({ '1.1': [...frames] }) })),
  // Review 77: vsftpd's 227 (0,0,0,0) the client got past with EPSV, whose RETR completed: unused, no diagnosis.
  { fixture: 'a70-pasv-on-ipv6-vsftpd-python', causes: {}, evidence: () => ({}) },
  // Sixty-fourth verdict audit (verdicts-audit64.test.ts): wget -c's REST 5000 of a file shrunk to 3000
  // (554); proftpd AllowStoreRestart off refusing REST + STOR (lftp) and APPE (curl) with 451; proftpd's
  // 452 after reading a whole upload into a full file system (aborted by the server, as a62-stor-full).
  {
    fixture: 'a64-wget-continue-changed-proftpd',
    causes: { '2.1': 'server-refused' },
    evidence: () => ({ '2.1': [63, 64, 65, 67, 69, 70, 71] }),
  },
  {
    fixture: 'a64-stor-restart-off-proftpd-lftp',
    causes: { '1.1': 'server-refused' },
    evidence: () => ({ '1.1': [54, 55, 56, 58, 60, 61, 62] }),
  },
  {
    fixture: 'a64-appe-restart-off-proftpd-curl',
    causes: { '1.1': 'server-refused' },
    evidence: () => ({ '1.1': [16, 17, 18, 24, 25, 26] }),
  },
  {
    fixture: 'a64-stor-full-zero-proftpd-curl',
    causes: { '1.1': 'aborted' },
    evidence: () => ({ '1.1': [18, 19, 20, 24, 120] }),
  },
  // Sixty-third verdict audit (verdicts-audit63.test.ts): tnftp's PORT refused by the client's own
  // firewall (425), then passive RETRs; LIST -R stopped by the client (zero window, ABOR, its reset);
  // lftp pget -n 3 against max_per_ip=1: its one RETR aborted by lftp at its piece's end (the extra
  // sessions turned away: session diagnoses, checked in the audit's test).
  {
    fixture: 'a63-passive-toggle-vsftpd-tnftp',
    causes: { '1.1': 'active-refused' },
    evidence: () => ({ '1.1': [32, 33, 34, 35, 36, 37] }),
  },
  {
    fixture: 'a63-abor-list-r-vsftpd-python',
    causes: { '1.1': 'aborted' },
    evidence: () => ({ '1.1': [16, 17, 18, 20, 52, 59, 64, 65] }),
  },
  // Seventy-fifth verdict audit (verdicts-audit75.test.ts): client and server on one host, captured on lo:
  // the host's own firewall (INPUT -i lo) drops or rejects data SYNs, a pasv_address of 127.0.0.2, an
  // ABOR, a STOR refused for permission. Frames are tshark's (SYNs, the ICMP, the 227, 425, 426, 550).
  { fixture: 'a75-lo-pasv-drop-vsftpd-curl', causes: { '1.1': 'passive-syn-unanswered' }, evidence: () => ({ '1.1': [16, 17, 19, 20, 21, 22, 23, 24] }) },
  { fixture: 'a75-lo-pasv-reject-vsftpd-curl', causes: { '1.1': 'passive-refused' }, evidence: () => ({ '1.1': [14, 15, 16] }) },
  { fixture: 'a75-lo6-pasv-reset-vsftpd-curl', causes: { '1.1': 'passive-refused' }, evidence: () => ({ '1.1': [16, 17, 18] }) },
  { fixture: 'a75-lo-active-drop-vsftpd-python', causes: { '1.1': 'active-syn-unanswered' }, evidence: () => ({ '1.1': [15, 16, 17, 18, 20, 21, 22, 23, 24] }) },
  { fixture: 'a75-lo-pasv-address-vsftpd-python', causes: { '1.1': 'passive-address-mismatch' }, evidence: () => ({ '1.1': [16, 17, 18] }) },
  { fixture: 'a75-lo-abor-vsftpd-python', causes: { '1.1': 'aborted' }, evidence: () => ({ '1.1': [16, 17, 18, 20, 33, 54, 81, 83] }) },
  { fixture: 'a75-lo-stor-denied-pyftpdlib-python', causes: { '1.2': 'server-refused' }, evidence: () => ({ '1.2': [30, 31, 32, 34, 35] }) },
  // Seventy-second verdict audit (verdicts-audit72.test.ts): failures in captures filtered to the control
  // connection (tcp port 21); the passive port the client left (pasv-drop) is unused, no diagnosis.
  { fixture: 'a72-port21-active-reject-vsftpd-python', causes: { '1.2': 'active-unreached' }, evidence: () => ({ '1.2': [19, 23, 24, 25, 26] }) },
  { fixture: 'a72-port21-active-reject-server-side-vsftpd-python', causes: { '1.2': 'active-unreached' }, evidence: () => ({ '1.2': [19, 23, 24, 25, 26] }) },
  { fixture: 'a72-port21-abor-vsftpd-python', causes: { '1.2': 'aborted' }, evidence: () => ({ '1.2': [24, 25, 29, 31] }) },
  { fixture: 'a72-port21-client-reset-vsftpd-python', causes: { '1.2': 'aborted' }, evidence: () => ({ '1.2': [24, 25, 28] }) },
  { fixture: 'a72-port21-pasv-drop-vsftpd-python', causes: {}, evidence: () => ({}) },
  // Seventy-third audit: failures captured with tcpdump -s 96 / -s 128 (verdicts-audit73.test.ts).
  { fixture: 'a73-snap96-retr-stall-proftpd-lftp', causes: {'1.1': 'stalled', '2.1': 'stalled'}, evidence: () => ({'1.1': [60, 61, 62, 64, 114, 117, 122], '2.1': [167, 168, 169, 173, 223, 230, 235]}) },
  { fixture: 'a73-snap96-retr-stall-server-side-proftpd-lftp', causes: {'1.1': 'path-loss', '2.1': 'path-loss'}, evidence: () => ({'1.1': [58, 59, 60, 62, 142, 148], '2.1': [193, 194, 195, 199, 282, 288]}) },
  { fixture: 'a73-snap128-stor-stall-pureftpd-curl', causes: {'1.1': 'path-loss'}, evidence: () => ({'1.1': [16, 17, 18, 22, 144]}) },
  { fixture: 'a73-snap96-pasv-drop-pureftpd-curl', causes: {'1.2': 'passive-syn-unanswered'}, evidence: () => ({'1.2': [17, 34, 35, 37, 38, 39, 40]}) },
  { fixture: 'a73-snap128-active-reject-pyftpdlib-wget', causes: {'2.1': 'active-refused'}, evidence: () => ({'2.1': [22, 56, 57, 58, 59]}) },
  { fixture: 'a73-snap96-server-killed-retr-vsftpd-python', causes: {}, evidence: () => ({}) },
  { fixture: 'a73-snap128-abor-proftpd-python', causes: {'1.2': 'aborted'}, evidence: () => ({'1.2': [32, 33, 34, 36, 106, 171, 172]}) },
  // Seventy-first verdict audit (verdicts-audit71.test.ts): one failure among many transfers; rclone's
  // sessions past pure-ftpd's -C 2 are turned away at the greeting (session diagnoses), no transfer diagnosed.
  { fixture: 'a71-mirror-perm-vsftpd-lftp', causes: {'1.8': 'server-refused', '1.11': 'server-refused'}, evidence: () => ({'1.8': [211,212,213,215,216,219], '1.11': [291,292,293,295,296,299]}) },
  { fixture: 'a71-mirror-r-maxstore-proftpd-lftp', causes: {'1.3': 'aborted', '1.7': 'aborted', '1.14': 'aborted', '2.3': 'aborted', '3.3': 'aborted', '3.8': 'aborted'}, evidence: () => ({'1.3': [153,155,156,158,174], '1.7': [229,230,231,233,244], '1.14': [444,445,446,448,471], '2.3': [574,576,577,579,594], '3.3': [374,377,378,383,409], '3.8': [634,636,637,639,652]}) },
  { fixture: 'a71-mirror-r-quota-pureftpd-lftp', causes: {'1.14': 'server-refused', '3.4': 'server-refused', '3.5': 'server-refused'}, evidence: () => ({'1.14': [425,427,428,430,431,481], '3.4': [403,406,407,409,410,417], '3.5': [418,420,421,423,424,478]}) },
  { fixture: 'a71-wget-mirror-vanish-pyftpdlib', causes: {'1.19': 'server-refused'}, evidence: () => ({'1.19': [355,356,357,359,360]}) },
  { fixture: 'a71-curl-multi-synloss-vsftpd', causes: {'1.7': 'server-refused'}, evidence: () => ({'1.7': [177,178,179,183,184,193]}) },
  { fixture: 'a71-curl-multi-synloss-server-side-vsftpd', causes: {'1.7': 'server-refused'}, evidence: () => ({'1.7': [174,175,176,180,181,190]}) },
  { fixture: 'a71-ftplib-threads-missing-pyftpdlib', causes: {'4.3': 'server-refused'}, evidence: () => ({'4.3': [376,377,378,380,381]}) },
  // vsftpd's "226 Transfer done (but failed to open directory)" to the LIST and NLST of the mode-000 d3: refused (session 40).
  // Review 77: its RETR tree.tar (the archive probe), then CWD tree and LIST -a, fell back: no diagnosis.
  { fixture: 'a71-ncftpget-r-perm-vsftpd', causes: {'1.6': 'server-refused', '1.7': 'server-refused', '1.9': 'server-refused'}, evidence: () => ({'1.6': [169,170,171,173,175], '1.7': [181,182,183,185,190], '1.9': [217,218,219,221,222,227]}) },
  { fixture: 'a71-mirror-port-window-proftpd-lftp', causes: {'1.12': 'passive-refused', '2.10': 'passive-refused', '3.10': 'passive-refused', '4.1': 'passive-refused', '5.1': 'passive-refused', '6.1': 'passive-refused'}, evidence: () => ({'1.12': [415,596,655,656,657,893], '2.10': [415,596,635,636,637,893], '3.10': [415,596,615,616,617,893], '4.1': [415,596,765,766,767,893], '5.1': [415,596,750,751,752,893], '6.1': [415,596,813,814,815,893]}) },
  { fixture: 'a71-mirror-port-window-server-side-proftpd-lftp', causes: {'1.12': 'passive-unreached', '2.10': 'passive-unreached', '3.10': 'passive-unreached', '4.1': 'passive-unreached', '5.1': 'passive-unreached', '6.1': 'passive-unreached'}, evidence: () => ({'1.12': [649,653], '2.10': [631,635], '3.10': [613,617], '4.1': [755,758], '5.1': [742,745], '6.1': [801,805]}) },
  { fixture: 'a71-rclone-maxperip-pureftpd', causes: {}, evidence: () => ({}) },
  { fixture: 'a71-rclone-maxperip-server-side-pureftpd', causes: {}, evidence: () => ({}) },
  {
    fixture: 'a63-pget-maxperip-vsftpd-lftp',
    causes: { '1.1': 'aborted' },
    evidence: () => ({ '1.1': [41, 42, 43, 45, 118, 180, 279] }),
  },
  // Sixty-second verdict audit (verdicts-audit62.test.ts): proftpd's TimeoutNoTransfer ends the session
  // before the client connects to its passive port (session-ended-first, not passive-refused); its
  // TimeoutSession's 421 in the middle of a RETR (aborted, the advice its TimeoutSession); rclone cat
  // --count / --offset closing each data connection once it has what it asked for; vsftpd's 451 on a
  // full disk; pure-ftpd's 227 to a PASV sent after EPSV ALL, which the client never meant to use, still
  // read as nobody connecting to it (left as found: see the audit's report).
  {
    fixture: 'a62-notransfer-timeout-proftpd-python',
    causes: { '1.1': 'session-ended-first' },
    evidence: () => ({ '1.1': [16, 18, 20, 22, 23, 24] }),
    says: { '1.1': [/421 No transfer timeout \(3 seconds\): closing control connection \(frame 18\), and closed the control connection \(frame 20\)/] },
  },
  {
    fixture: 'a62-session-timeout-proftpd-python',
    // Every stated byte, then the server's FIN (frame 353: tcp.flags 0x019 from port 50054), before the 421.
    causes: { '1.1': 'unconfirmed' },
    evidence: () => ({ '1.1': [16, 17, 18, 20, 130, 138, 146, 154, 162, 195, 353] }),
    says: { '1.1': [/its limit for a session's length/, /TimeoutSession/, /was ended without a confirmation: /, /Every one of the 262144 bytes of 262144 announced had arrived, then the sender's FIN \(frame 353\)/] },
  },
  {
    fixture: 'a62-partial-read-rclone-vsftpd',
    causes: { '1.3': 'aborted', '2.3': 'aborted' },
    evidence: () => ({ '1.3': [57, 58, 59, 61, 127, 129], '2.3': [192, 193, 194, 198, 263, 265] }),
  },
  {
    fixture: 'a62-stor-full-vsftpd-curl',
    causes: { '1.1': 'aborted' },
    evidence: () => ({ '1.1': [20, 21, 22, 26, 144, 163] }),
  },
  // Sixty-first verdict audit (verdicts-audit61.test.ts): a client that closed the control connection
  // the moment its upload's data was sent; the server's 426 (proftpd), 451 (pure-ftpd) or reset of the
  // data connection (pyftpdlib) answers its leaving: aborted, by the client. Double NAT with the outer
  // NAT's helper missing (at the client and at the server); squid's EPSV and PASV to a dropped passive
  // range; wget -r with one file refused and one cut by the router twice, then resumed whole.
  {
    fixture: 'a61-tiny-quit-early-proftpd-python',
    causes: { '2.1': 'aborted' },
    evidence: () => ({ '2.1': [175, 176, 177, 179, 249, 250] }),
    says: { '2.1': [/it had left/, /wait for the transfer's final reply \(226\)/] },
  },
  {
    fixture: 'a61-tiny-quit-early-pureftpd-python',
    causes: { '2.1': 'aborted' },
    evidence: () => ({ '2.1': [178, 179, 180, 182, 252, 256] }),
    says: { '2.1': [/the server's answer to a client that had already left/] },
  },
  {
    fixture: 'a61-tiny-quit-early-pyftpdlib-python',
    causes: { '2.1': 'aborted' },
    evidence: () => ({ '2.1': [171, 172, 173, 175, 245, 248] }),
    says: { '2.1': [/its TCP had them all/] },
  },
  // QUIT sent right after a transfer's 150: proftpd answers 221 and closes the upload's data
  // connection at once; pure-ftpd answers 426 to the transfer (a download whose bytes all came, an
  // upload reset): aborted, by the client's QUIT.
  {
    fixture: 'a61-quit-mid-proftpd-python',
    causes: { '2.1': 'aborted' },
    evidence: () => ({ '2.1': [283, 284, 285, 287, 289, 391] }),
    says: { '2.1': [/The client sent QUIT \(frame 289\) while the transfer was still under way/, /221 Goodbye \(frame 358\), then closed the data connection \(FIN, frame 359\)/] },
  },
  {
    fixture: 'a61-quit-mid-pureftpd-python',
    causes: { '1.1': 'aborted', '2.1': 'aborted' },
    evidence: () => ({ '1.1': [18, 19, 20, 22, 97, 130], '2.1': [261, 262, 263, 265, 267, 268, 277] }),
    says: { '1.1': [/426 ABORT \(frame 130\): the server's answer to the client's QUIT/, /compare its copy with the original/] },
  },
  // lftp mirror --parallel=2: one file refused (550), one whose data the router drops past 60 kB of
  // each connection: each cut attempt stalled, resumed in a free session until whole.
  {
    fixture: 'a61-mirror-one-denied-one-dropped-vsftpd-lftp',
    causes: { '1.7': 'server-refused', '1.8': 'stalled', '2.1': 'stalled', '3.1': 'stalled' },
    evidence: () => ({ '1.7': [154, 155, 156, 158, 159, 254], '1.8': [255, 256, 257, 261, 317, 326], '2.1': [185, 186, 187, 189, 245, 248], '3.1': [360, 361, 362, 366, 422, 429] }),
  },
  // A router that starts dropping the control connection 1.5 s into an upload (not an idle timeout):
  // the data arrives whole, the 226 never reaches the client: control-cut at both ends.
  {
    fixture: 'a61-ctrl-drop-stor-vsftpd-curl',
    causes: { '1.1': 'control-cut' },
    evidence: () => ({ '1.1': [18, 19, 20, 24, 25, 310, 313, 314] }),
    says: { '1.1': [/idle for 2\.7 s before the data connection ended \(since frame 25\), and 9\.0 s more until that/, /a rule or a flushed state table that began dropping it looks the same/] },
  },
  {
    fixture: 'a61-ctrl-drop-stor-vsftpd-curl-server-side',
    causes: { '1.1': 'control-cut' },
    evidence: () => ({ '1.1': [18, 19, 20, 24, 25, 310, 313, 314] }),
    says: { '1.1': [/226 Transfer complete \(frame 313\), never reached the client: it was sent again 6 times/] },
  },
  {
    fixture: 'a61-double-nat-inner-helper-vsftpd-tnftp',
    causes: { '1.1': 'active-syn-unanswered' },
    evidence: () => ({ '1.1': [33, 34, 35, 37] }),
  },
  {
    fixture: 'a61-double-nat-inner-helper-vsftpd-tnftp-server-side',
    causes: { '1.1': 'active-address-mismatch' },
    evidence: () => ({ '1.1': [33, 34, 35, 36, 38, 39, 40, 41, 42] }),
  },
  {
    fixture: 'a61-squid-passive-blocked-vsftpd-curl',
    causes: { '1.1': 'passive-syn-unanswered', '1.2': 'passive-syn-unanswered' },
    evidence: () => ({ '1.1': [22, 23, 25, 26, 27, 28], '1.2': [30, 32, 33, 34, 35, 36] }),
  },
  {
    fixture: 'a61-wget-tree-one-denied-one-cut-vsftpd',
    causes: { '1.3': 'aborted', '1.4': 'aborted', '1.6': 'server-refused' },
    evidence: () => ({ '1.3': [54, 55, 56, 58, 115, 120, 121], '1.4': [123, 125, 126, 130, 187, 192, 193], '1.6': [253, 254, 255, 257, 258, 263] }),
  },
  // Fifty-eighth verdict audit (verdicts-audit58.test.ts): a data connection cut mid-transfer by the
  // router's connbytes rule (a reset to one end: a firewall, or the network when the reset is seen
  // forged; a silent drop: stalled where the receiver gave up, path-loss where the sender's copies go
  // unacknowledged), a server's data timeout on an upload its client paused (stalled), one refused file
  // in an mget (server-refused), IPv6 active through a router dropping the server's SYNs.
  {
    fixture: 'a58-active-retr-rst-vsftpd-lftp',
    causes: { '1.1': 'aborted' },
    evidence: () => ({ '1.1': [34, 35, 36, 37, 38, 96, 98] }),
  },
  {
    fixture: 'a58-retr-rst-vsftpd-lftp',
    causes: { '1.1': 'aborted', '1.2': 'aborted', '1.3': 'aborted' },
    evidence: () => ({ '1.1': [35, 36, 37, 39, 97, 99], '1.2': [105, 106, 107, 111, 169, 171], '1.3': [178, 179, 180, 184, 241, 243] }),
  },
  {
    fixture: 'a58-retr-rst-vsftpd-lftp-server-side',
    causes: { '1.1': 'aborted', '1.2': 'aborted', '1.3': 'aborted' },
    evidence: () => ({ '1.1': [35, 36, 37, 39, 99, 104], '1.2': [117, 118, 119, 123, 183, 188], '1.3': [203, 204, 205, 209, 269, 272] }),
  },
  {
    fixture: 'a58-active-stor-rst-vsftpd-lftp',
    causes: { '1.1': 'aborted' },
    evidence: () => ({ '1.1': [30, 31, 32, 33, 34, 106] }),
  },
  // Sixtieth audit (verdicts-audit60.test.ts): the same silent drop on a download whose size nothing
  // states (pyftpdlib's 150, no SIZE): the 226 came, the server's FIN never did, the client gave up.
  {
    fixture: 'a60-retr-blackhole-pyftpdlib-python',
    causes: { '1.1': 'stalled' },
    evidence: () => ({ '1.1': [16, 17, 18, 20, 76, 79, 82] }),
  },
  {
    fixture: 'a58-retr-blackhole-vsftpd-curl',
    causes: { '1.1': 'stalled' },
    evidence: () => ({ '1.1': [18, 19, 20, 26, 82, 85] }),
  },
  {
    fixture: 'a58-active-retr-blackhole-vsftpd-lftp',
    causes: { '1.1': 'stalled', '2.1': 'stalled', '3.1': 'stalled', '4.1': 'stalled' },
    evidence: () => ({ '1.1': [37, 38, 39, 40, 41, 98, 101], '2.1': [131, 132, 135, 136, 137, 194, 201], '3.1': [230, 231, 234, 235, 236, 293, 301], '4.1': [330, 331, 334, 335, 336, 393, 395, 402] }),
  },
  {
    fixture: 'a58-active-retr-blackhole-vsftpd-lftp-server-side',
    causes: { '1.1': 'path-loss', '2.1': 'path-loss', '3.1': 'path-loss', '4.1': 'path-loss' },
    evidence: () => ({ '1.1': [37, 38, 39, 40, 41, 123, 130], '2.1': [162, 163, 166, 167, 168, 249, 265], '3.1': [296, 297, 300, 301, 302, 401], '4.1': [432, 433, 436, 437, 438, 520, 539] }),
  },
  {
    fixture: 'a58-stor-blackhole-vsftpd-lftp',
    causes: { '1.1': 'path-loss' },
    evidence: () => ({ '1.1': [34, 35, 36, 38] }),
  },
  {
    fixture: 'a58-stor-blackhole-vsftpd-curl',
    causes: { '1.1': 'path-loss' },
    evidence: () => ({ '1.1': [18, 19, 20, 24, 136] }),
  },
  {
    fixture: 'a58-stor-blackhole-vsftpd-curl-server-side',
    causes: { '1.1': 'stalled' },
    evidence: () => ({ '1.1': [18, 19, 20, 24, 85, 88] }),
  },
  {
    fixture: 'a58-stor-data-timeout-vsftpd-python',
    causes: { '1.1': 'stalled' },
    evidence: () => ({ '1.1': [18, 19, 20, 22, 66, 70, 71, 92] }),
  },
  {
    fixture: 'a58-stor-stalled-proftpd-python',
    causes: { '1.1': 'stalled' },
    evidence: () => ({ '1.1': [18, 19, 20, 22, 66, 70, 90] }),
  },
  {
    fixture: 'a58-mget-one-denied-vsftpd-lftp',
    causes: { '1.5': 'server-refused' },
    evidence: () => ({ '1.5': [112, 113, 114, 116, 117, 124] }),
  },
  {
    fixture: 'a58-eprt-router-drop-vsftpd-lftp',
    causes: { '1.1': 'active-syn-unanswered' },
    evidence: () => ({ '1.1': [36, 37, 38, 40] }),
  },
  // Fifty-fourth verdict audit (verdicts-audit54.test.ts): tcpdump started after the login; the RETR of
  // a missing file answered 550 in the capture: its failure stands on that reply.
  {
    fixture: 'a54-late-login-vsftpd-python',
    causes: { '1.3': 'server-refused' },
    evidence: () => ({ '1.3': [80, 81, 82, 84, 85, 90] }),
  },
  // Forty-ninth verdict audit (verdicts-audit49.test.ts): BusyBox's ftpd. A missing file (550) whose
  // passive connection ftpd never accepted (reset at the next PORT, frame 101); an active RETR whose
  // SYNs the client's firewall drops: ftpd exits with no reply (lftp) or says 421 Timeout (ftplib); a
  // download the client stopped (curl's range, ftplib's close then ABOR: 451, then ABOR's 500); a
  // passive data connection dropped, then a PASV curl gave up on at once.
  {
    fixture: 'a49-busybox-ftpd-lftp',
    causes: { '1.4': 'server-refused', '2.1': 'active-syn-unanswered' },
    evidence: () => ({ '1.4': [89, 90, 91, 93, 94, 101], '2.1': [104, 149, 150, 151, 152, 154, 155, 156, 157, 158] }),
    says: { '2.1': [/The server gave up and closed the control connection 7\.2 s after the first SYN \(frame 159\)/] },
  },
  {
    fixture: 'a49-busybox-ftpd-curl',
    causes: { '4.1': 'server-refused', '5.1': 'aborted', '6.1': 'passive-syn-unanswered', '6.2': 'passive-unreached' },
    evidence: () => ({
      '4.1': [193, 194, 195, 199, 200, 204],
      '5.1': [223, 224, 225, 231, 652, 653, 654, 656],
      '6.1': [17, 60, 95, 224, 673, 674, 676, 677, 678, 679, 680],
      '6.2': [674, 682, 684],
    }),
    says: { '6.2': [/right after its previous data connection \(transfer 6\.1, to 198\.51\.100\.20:33545\) had failed/, /fix that failure; this endpoint was never tried/] },
  },
  {
    fixture: 'a49-busybox-ftpd-python',
    causes: { '1.4': 'server-refused', '1.5': 'aborted', '2.1': 'active-syn-unanswered' },
    evidence: () => ({
      '1.4': [142, 143, 144, 146, 147, 152],
      '1.5': [153, 154, 155, 157, 288, 289, 290, 293],
      '2.1': [313, 314, 315, 316, 318, 319, 320, 321, 322, 323, 324, 325, 326],
    }),
    says: { '1.5': [/The client then sent ABOR at frame 290, after that reply/], '2.1': [/20 s after the first SYN the server replied 421 Timeout \(frame 326\)/] },
  },
  {
    fixture: 'a49-busybox-ftpd-busybox',
    causes: { '3.1': 'server-refused' },
    evidence: () => ({ '3.1': [81, 82, 83, 87, 88, 91] }),
  },
  // Forty-seventh verdict audit (verdicts-audit47.test.ts): sitecopy's update into a folder the user
  // cannot write (chmod 555): each STOR answered 553 after its data connection opened.
  {
    fixture: 'a47-sitecopy-vsftpd',
    causes: { '2.1': 'server-refused', '2.2': 'server-refused' },
    evidence: () => ({ '2.1': [153, 154, 155, 157, 158, 160], '2.2': [161, 162, 163, 165, 166, 172] }),
  },
  // Forty-fifth verdict audit (verdicts-audit45.test.ts): FTP software never recorded before. C-Kermit:
  // a missing file (SIZE 550, then PASV and RETR 550), passive data SYNs dropped by the server's
  // firewall (no RETR sent), active data SYNs dropped by the client's (425). Erlang/OTP's ftp: a
  // missing file, an active RETR whose SYNs the client's firewall drops. python3-ftputil: a file read
  // for 1000 bytes and closed (the client's reset; pure-ftpd's last line "150 0.001 seconds …"), a
  // missing file whose 550 answers the RETR, not the PASV before it.
  {
    fixture: 'a45-kermit-vsftpd',
    causes: { '1.4': 'server-refused', '2.1': 'passive-syn-unanswered', '3.1': 'active-syn-unanswered' },
    evidence: () => ({ '1.4': [98, 99, 100, 102, 103, 109], '2.1': [111, 178, 179, 181, 182, 183, 184, 185], '3.1': [235, 236, 237, 238, 240, 241, 242, 243, 244] }),
  },
  {
    fixture: 'a45-erlang-proftpd',
    causes: { '1.6': 'server-refused', '3.1': 'active-syn-unanswered' },
    evidence: () => ({ '1.6': [169, 170, 171, 173, 174, 175], '3.1': [207, 208, 209, 210, 212, 213, 214, 215, 216, 217] }),
  },
  // Kermit goes on after a refused login: PASV, PORT, PORT each answered 530 "You aren't logged in"
  // are the login's failure (not a fallback chain to the next session's PASV, nor a refused passive port).
  {
    fixture: 'a45-kermit-login-pureftpd',
    causes: { '1.1': 'login-failed', '1.2': 'login-failed', '1.3': 'login-failed', '2.1': 'server-refused', '2.2': 'server-refused' },
    evidence: () => ({ '1.1': [15, 17, 21, 22], '1.2': [15, 17, 23, 24], '1.3': [15, 17, 27, 28], '2.1': [67, 68, 69, 71, 72, 76], '2.2': [77, 78, 79, 81, 82, 85] }),
  },
  {
    fixture: 'a45-ftputil-pureftpd',
    causes: { '2.4': 'aborted', '2.5': 'server-refused' },
    evidence: () => ({ '2.4': [142, 143, 144, 146, 245], '2.5': [255, 256, 257, 259, 260, 267] }),
  },
  // Thirty-ninth verdict audit (verdicts-audit39.test.ts): Commons Net, basic-ftp and ftpcopy. A passive
  // range dropped by a firewall; a 227 naming the inside address behind DNAT, which basic-ftp and
  // ftpcopy refuse to use (basic-ftp's refused EPSV before each PASV fell back: no diagnosis).
  {
    fixture: 'a39-commons-net-pasv-drop-vsftpd-java',
    causes: { '1.1': 'passive-syn-unanswered', '1.2': 'passive-syn-unanswered' },
    evidence: () => ({ '1.1': [22, 23, 25, 26, 27, 28], '1.2': [33, 35, 36, 37, 38, 39] }),
  },
  {
    fixture: 'a39-basic-ftp-pasv-drop-vsftpd-node',
    causes: { '1.1': 'passive-syn-unanswered', '1.2': 'passive-syn-unanswered' },
    evidence: () => ({ '1.1': [35, 36, 38, 39, 40, 41], '1.2': [43, 45, 46, 47, 48, 49] }),
  },
  {
    fixture: 'a39-basic-ftp-dnat-proftpd-node',
    causes: { '1.2': 'passive-address-mismatch', '1.4': 'passive-address-mismatch' },
    evidence: () => ({ '1.2': [50], '1.4': [54] }),
  },
  {
    fixture: 'a39-basic-ftp-dnat-server-side-proftpd-node',
    causes: { '1.2': 'passive-unreached', '1.4': 'passive-unreached' },
    evidence: () => ({ '1.2': [48, 55], '1.4': [52, 55] }),
  },
  { fixture: 'a39-ftpcopy-dnat-vsftpd', causes: { '1.1': 'passive-address-mismatch' }, evidence: () => ({ '1.1': [24] }) },
  // Fortieth verdict audit (verdicts-audit40.test.ts): two transfers truly stopped at the capture's end
  // (the server process stopped; the reader stopped reading) beside a slow one still moving (3.1: no diagnosis).
  {
    fixture: 'a40-stalled-beside-slow-vsftpd',
    causes: { '1.1': 'stalled', '2.1': 'stalled' },
    evidence: () => ({ '1.1': [16, 17, 18, 20, 165, 175], '2.1': [61, 62, 63, 65, 251, 252] }),
  },
  { fixture: 'a40-upload-stalled-beside-slow-vsftpd', causes: { '1.1': 'stalled' }, evidence: () => ({ '1.1': [18, 19, 20, 22, 97, 98] }) },
  // A refused EPSV whose client quit, then another user's session from the same host (verdicts-other-user.test.ts).
  { fixture: 'refused-epsv-other-user-pyftpdlib-python', causes: { '1.1': 'server-refused' }, evidence: () => ({ '1.1': [13, 14] }) },
  { fixture: 'killed-upload-resumed-vsftpd-lftp', causes: { '1.1': 'aborted' }, evidence: () => ({ '1.1': [34, 35, 36, 38, 83, 86, 88, 125] }) },
  // Thirty-sixth verdict audit (verdicts-audit36.test.ts): an announcement written in two TCP segments
  // whose first the NAT's FTP helper dropped (each copy sent again too): captured at the sender.
  { fixture: 'a36-split-port-vsftpd-python', causes: { '1.2': 'announce-split-dropped' }, evidence: () => ({ '1.2': [33, 34, 35, 36, 37] }) },
  { fixture: 'a36-split-eprt-vsftpd-python', causes: { '1.3': 'announce-split-dropped' }, evidence: () => ({ '1.3': [52, 53, 54, 55, 56] }) },
  { fixture: 'a36-split-227-server-side-pyftpdlib-python', causes: { '1.2': 'announce-split-dropped' }, evidence: () => ({ '1.2': [31, 32, 33, 34, 35, 36] }) },
  // Thirty-third verdict audit (verdicts-audit33.test.ts): FTP through NAT64 (tayga, no FTP ALG). An IPv6
  // EPRT the IPv4 server cannot use, an EPSV the IPv4-only server lacks, a 227 naming the server's IPv4 address.
  { fixture: 'a33-nat64-eprt-vsftpd-curl-client', causes: { '1.1': 'nat64-active' }, evidence: () => ({ '1.1': [17, 18] }) },
  { fixture: 'a33-nat64-eprt-vsftpd-curl-server', causes: { '1.1': 'nat64-active' }, evidence: () => ({ '1.1': [17, 18] }) },
  { fixture: 'a33-nat64-noepsv-pyftpdlib-curl-client', causes: { '1.1': 'server-refused' }, evidence: () => ({ '1.1': [15, 16] }) },
  { fixture: 'a33-nat64-noepsv-pyftpdlib-curl-server', causes: { '1.1': 'server-refused' }, evidence: () => ({ '1.1': [15, 16] }) },
  {
    fixture: 'a33-nat64-pasv-ipv4-pyftpdlib-python-client',
    // Audit 39: the refused EPSV fell back to the PASV (1.2), whose own attempt failed: no diagnosis of its own.
    causes: { '1.2': 'nat64-passive-ipv4' },
    evidence: () => ({ '1.2': [18] }),
  },
  {
    fixture: 'a33-nat64-pasv-ipv4-pyftpdlib-python-server',
    causes: { '1.2': 'passive-unreached' },
    evidence: () => ({ '1.2': [18, 21] }),
  },
  // Thirty-eighth verdict audit (verdicts-audit38.test.ts): TYPE A downloads cut past the announced
  // size (the wire carries CRLF): the server killed, the client's reset. Frames checked there.
  {
    fixture: 'a38-ascii-cut-vsftpd-python',
    causes: { '2.1': 'aborted', '3.1': 'aborted' },
    evidence: () => ({ '2.1': [268, 269, 270, 272, 448, 481], '3.1': [502, 503, 504, 506, 677, 682] }),
  },
  {
    fixture: 'a38-ascii-cut-pureftpd-python',
    causes: { '2.1': 'aborted', '3.1': 'aborted' },
    evidence: () => ({ '2.1': [274, 275, 276, 278, 455, 495], '3.1': [518, 519, 520, 522, 692] }),
  },
  // Forty-first verdict audit (verdicts-audit41.test.ts): a firewall drops every non-first IP fragment
  // toward the client; vsftpd's 226 comes once its data is queued, the client never gets it and gives up.
  {
    fixture: 'a41-frag-blackhole-vsftpd-python',
    causes: { '1.2': 'path-loss' },
    evidence: () => ({ '1.2': [34, 35, 36, 38, 40, 50, 58] }),
  },
  {
    fixture: 'a41-frag-blackhole-vsftpd-python-server-side',
    causes: { '1.2': 'path-loss' },
    evidence: () => ({ '1.2': [34, 35, 36, 38, 50, 58] }),
  },
  // Thirty-fifth verdict audit (verdicts-audit35.test.ts): refused resumes (REST in TYPE A) and
  // appends; the TYPE A and MODE Z transfers beside them are healthy. Frames checked there.
  { fixture: 'a35-params-vsftpd-python', causes: { '1.3': 'server-refused' }, evidence: () => ({}) },
  { fixture: 'a35-params-proftpd-python', causes: { '1.3': 'server-refused', '1.8': 'server-refused', '1.10': 'server-refused' }, evidence: () => ({}) },
  { fixture: 'a35-params-pureftpd-python', causes: { '1.3': 'server-refused' }, evidence: () => ({}) },
  // Thirty-fourth verdict audit (verdicts-audit34.test.ts): wput's refused upload (553 Could not create
  // file), zsh zftp's missing file and its passive data blocked before any RETR. Frames checked there.
  { fixture: 'a34-gftp-pureftpd', causes: { '7.1': 'server-refused' }, evidence: () => ({ '7.1': [258, 259, 260, 262, 263, 268] }) },
  { fixture: 'a34-wput-vsftpd', causes: { '2.1': 'aborted', '4.1': 'server-refused' }, evidence: () => ({ '2.1': [95, 96, 97, 99, 141, 142, 145, 174], '4.1': [390, 391, 392, 394, 395, 402] }) },
  {
    fixture: 'a34-zftp-vsftpd',
    causes: { '1.4': 'server-refused', '2.1': 'passive-syn-unanswered' },
    evidence: () => ({ '1.4': [64, 65, 66, 68, 69, 77], '2.1': [21, 37, 51, 65, 97, 98, 100, 101, 102, 103, 104] }),
  },
  // Thirty-first verdict audit (verdicts-audit31.test.ts): a user's interrupt beside another program's
  // download of the same file is no split segment; a segment cut at the server stays aborted; a
  // refused bounce PORT stays a bounce, not a fallback. Frames checked there.
  { fixture: 'a31-resume-beside-wget-vsftpd-curl', causes: { '2.1': 'aborted' }, evidence: () => ({}) },
  { fixture: 'a31-aria2c-server-cut-vsftpd', causes: { '3.1': 'aborted' }, evidence: () => ({}) },
  { fixture: 'a31-bounce-then-pasv-vsftpd-python', causes: { '1.1': 'bounce' }, evidence: () => ({}) },
  // Twenty-ninth verdict audit (verdicts-audit29.test.ts): clients not recorded before; frames checked there.
  { fixture: 'a29-aria2c-segment-reset-vsftpd', causes: { '1.1': 'aborted' }, evidence: () => ({}) },
  { fixture: 'a29-php-pureftpd', causes: { '1.2': 'server-refused' }, evidence: () => ({}) },
  { fixture: 'a29-ruby-pasv-blocked-vsftpd', causes: { '1.1': 'passive-syn-unanswered' }, evidence: () => ({}) },
  // Thirtieth verdict audit (verdicts-audit30.test.ts): a reverse FTP proxy (proftpd mod_proxy) in
  // front of vsftpd, captured at the client, on the proxy (both legs) and at the server. On the
  // proxy, the leg that did not fail itself is blamed on the other (relay-failed).
  { fixture: 'a30-proxy-server-pasv-drop-vsftpd-curl-proxy', causes: { '1.1': 'relay-failed', '2.1': 'passive-syn-unanswered' }, evidence: () => ({}) },
  { fixture: 'a30-proxy-server-pasv-drop-vsftpd-curl-client', causes: { '1.1': 'stalled' }, evidence: () => ({}) },
  { fixture: 'a30-proxy-server-pasv-drop-vsftpd-curl-server', causes: { '1.1': 'passive-syn-unanswered' }, evidence: () => ({}) },
  { fixture: 'a30-proxy-client-pasv-drop-vsftpd-curl-proxy', causes: { '1.1': 'passive-syn-unanswered', '2.1': 'relay-failed' }, evidence: () => ({}) },
  { fixture: 'a30-proxy-client-pasv-drop-vsftpd-curl-client', causes: { '1.1': 'passive-syn-unanswered' }, evidence: () => ({}) },
  { fixture: 'a30-proxy-client-pasv-drop-vsftpd-curl-server', causes: { '1.1': 'passive-unreached' }, evidence: () => ({}) },
  // Twenty-seventh audit (verdicts-audit27.test.ts): refusals the client got past are no failure; the
  // RETR of a missing file after them is the one failure; refusals the client gave up on stay failures.
  { fixture: 'a27-chain-missing-pyftpdlib-tnftp', causes: { '1.3': 'server-refused' }, evidence: () => ({}) },
  { fixture: 'a27-chain-missing-pyftpdlib-lftp', causes: { '3.1': 'server-refused' }, evidence: () => ({}) },
  { fixture: 'a27-epsv-missing-pyftpdlib-busybox', causes: { '1.2': 'server-refused' }, evidence: () => ({}) },
  // Audit 48: the PASV after the refused EPSV is the same operation's retry (1.2 retry-refused): one failure, the EPSV's.
  { fixture: 'a27-passive-refused-pyftpdlib-busybox', causes: { '1.1': 'server-refused' }, evidence: () => ({}) },
  { fixture: 'a27-passive-refused-vsftpd-curl', causes: { '1.1': 'server-refused' }, evidence: () => ({}) },
  // Twenty-sixth verdict audit (verdicts-audit26.test.ts): announcements with no usable address (a
  // mangled 227/229, a PORT with five numbers); the client gave up. Frames are checked there.
  // Uploads refused by the server's permissions (verdicts-audit28.test.ts: the advice names that server's setting).
  { fixture: 'a28-stor-denied-pyftpdlib-curl', causes: { '1.1': 'server-refused' }, evidence: () => ({}), says: { '1.1': [/550 Not enough privileges/, /\(pyftpdlib: the user's perm string/] } },
  { fixture: 'a28-stor-denied-inetutils-curl', causes: { '1.1': 'server-refused' }, evidence: () => ({}), says: { '1.1': [/553 denied\.txt: Permission denied/, /the server denies the user access to the file/] } },
  { fixture: 'a26-pasv-five-pyftpdlib-curl', causes: { '1.1': 'announce-malformed' }, evidence: () => ({}) },
  { fixture: 'a26-pasv-garbage-pyftpdlib-wget', causes: { '1.1': 'announce-malformed' }, evidence: () => ({}) },
  { fixture: 'a26-epsv-malformed-pyftpdlib-curl', causes: { '1.1': 'announce-malformed' }, evidence: () => ({}) },
  { fixture: 'a26-epsv-malformed-pyftpdlib-lftp', causes: { '1.1': 'announce-malformed' }, evidence: () => ({}) },
  // Seventy-ninth audit: the same 229 over IPv6 (verdicts-audit79.test.ts: the advice is EPRT, not PASV).
  { fixture: 'a79-epsv-malformed-v6-pyftpdlib-curl', causes: { '1.1': 'announce-malformed' }, evidence: () => ({ '1.1': [15, 16, 17] }) },
  { fixture: 'a79-epsv-malformed-v6-pyftpdlib-lftp', causes: { '1.1': 'announce-malformed' }, evidence: () => ({ '1.1': [32, 33, 36] }) },
  { fixture: 'a26-port-malformed-vsftpd-python', causes: { '1.1': 'announce-malformed' }, evidence: () => ({}) },
  // Eighty-second audit: Twisted's FTP server (verdicts-audit82.test.ts checks frames against tshark).
  { fixture: 'a82-pasv-drop-twisted-lftp', causes: { '1.1': 'passive-syn-unanswered' }, evidence: () => ({}) },
  { fixture: 'a82-pasv-drop-server-side-twisted-lftp', causes: { '1.1': 'passive-unreached' }, evidence: () => ({}) },
  { fixture: 'a82-epsv-drop-twisted-curl', causes: { '1.2': 'passive-syn-unanswered' }, evidence: () => ({}) },
  { fixture: 'a82-epsv-drop-server-side-twisted-curl', causes: { '1.2': 'passive-unreached' }, evidence: () => ({}) },
  { fixture: 'a82-pasv-timeout-quit-twisted-python', causes: { '1.1': 'passive-syn-unanswered' }, evidence: () => ({}) },
  { fixture: 'a82-pasv-timeout-quit-server-side-twisted-python', causes: { '1.1': 'passive-unreached' }, evidence: () => ({}) },
  { fixture: 'a82-port-reject-twisted-tnftp', causes: { '1.1': 'active-refused', '1.2': 'active-refused' }, evidence: () => ({}) },
  { fixture: 'a82-port-reject-server-side-twisted-tnftp', causes: { '1.1': 'active-refused', '1.2': 'active-refused' }, evidence: () => ({}) },
  { fixture: 'a82-abor-twisted-python', causes: { '1.1': 'aborted' }, evidence: () => ({}) },
  { fixture: 'a82-abor-stor-twisted-python', causes: { '1.1': 'aborted' }, evidence: () => ({}) },
  { fixture: 'a82-range-resume-twisted-curl', causes: { '1.1': 'aborted', '2.1': 'server-refused' }, evidence: () => ({}) },
  { fixture: 'a82-ipv6-twisted-lftp-curl', causes: { '1.1': 'server-refused', '2.1': 'server-refused', '3.1': 'server-refused' }, evidence: () => ({}) },
  // Eighty-fourth audit: ABOR on pyftpdlib, inetutils-ftpd and busybox ftpd (verdicts-audit84.test.ts checks frames against tshark).
  ...['a84-abor-pyftpdlib-python', 'a84-abor-server-side-pyftpdlib-python'].map((fixture) => ({ fixture, causes: { '1.1': 'aborted', '2.1': 'aborted', '3.1': 'aborted' }, evidence: () => ({}) })),
  ...['a84-abor-inetutils-python', 'a84-abor-busybox-python', 'a84-abor-server-side-busybox-python', 'a84-abor-edges-pyftpdlib-python', 'a84-abor-edges-inetutils-python', 'a84-range-killed-pyftpdlib-curl-lftp', 'a84-range-killed-busybox-curl-lftp', 'a84-abor-list-appe-busybox-python', 'a84-abor-list-appe-inetutils-python', 'a84-abor-active-pyftpdlib-python', 'a84-abor-active-busybox-python', 'a84-abor-early226-pyftpdlib-python'].map((fixture) => ({ fixture, causes: { '1.1': 'aborted', '2.1': 'aborted' }, evidence: () => ({}) })),
  // Ninety-fifth audit: an 80 ms round trip (the router's delay line), both ends captured (verdicts-audit95.test.ts checks frames and bytes).
  ...['a95-wan-abor-vsftpd-python', 'a95-wan-abor-server-side-vsftpd-python', 'a95-wan-client-killed-vsftpd-curl', 'a95-wan-client-killed-server-side-vsftpd-curl', 'a95-wan-upload-reset-vsftpd-curl'].map((fixture) => ({ fixture, causes: { '1.1': 'aborted' }, evidence: () => ({}) })),
  { fixture: 'a95-wan-upload-reset-server-side-vsftpd-curl', causes: { '1.1': 'stalled' }, evidence: () => ({}) },
  { fixture: 'a95-wan-pasv-drop-vsftpd-curl', causes: { '1.1': 'passive-syn-unanswered' }, evidence: () => ({}) },
  { fixture: 'a95-wan-pasv-drop-server-side-vsftpd-curl', causes: { '1.1': 'passive-unreached' }, evidence: () => ({}) },
  { fixture: 'a95-sat-active-reject-vsftpd-tnftp', causes: { '1.1': 'active-unreached' }, evidence: () => ({}) },
  { fixture: 'a95-sat-active-reject-server-side-vsftpd-tnftp', causes: { '1.1': 'active-refused' }, evidence: () => ({}) },
  { fixture: 'a95-sat-data-drop-vsftpd-wget', causes: { '1.1': 'stalled' }, evidence: () => ({}) },
  { fixture: 'a95-sat-data-drop-server-side-vsftpd-wget', causes: { '1.1': 'path-loss' }, evidence: () => ({}) },
  ...['a95-sat-abort-vsftpd-lftp', 'a95-sat-abort-server-side-vsftpd-lftp'].map((fixture) => ({ fixture, causes: { '1.1': 'aborted' }, evidence: () => ({}) })),
  ...['a95-sat-pasv-client-reject-vsftpd-curl', 'a95-sat-pasv-client-reject-server-side-vsftpd-curl'].map((fixture) => ({ fixture, causes: { '1.1': 'passive-unreached' }, evidence: () => ({}) })),
  ...['a95-sat-data-connect-timeout-vsftpd-python', 'a95-sat-data-connect-timeout-server-side-vsftpd-python'].map((fixture) => ({ fixture, causes: { '1.1': 'data-abandoned' }, evidence: () => ({}) })),
  // Eighty-seventh audit: active mode and the fallbacks between passive and active (verdicts-audit87.test.ts checks frames against tshark).
  ...['a87-active-reject-vsftpd-perl', 'a87-active-reject-server-side-vsftpd-perl'].map((fixture) => ({ fixture, causes: { '1.1': 'active-refused' }, evidence: () => ({}) })),
  ...['a87-active-drop-proftpd-inetutils', 'a87-active-drop-server-side-proftpd-inetutils', 'a87-active-drop-giveup-proftpd-perl'].map((fixture) => ({ fixture, causes: { '1.1': 'active-syn-unanswered' }, evidence: () => ({}) })),
  { fixture: 'a87-pasv-drop-fallback-vsftpd-tnftp', causes: { '1.1': 'passive-syn-unanswered' }, evidence: () => ({}) },
  { fixture: 'a87-pasv-drop-fallback-server-side-vsftpd-tnftp', causes: { '1.1': 'passive-unreached' }, evidence: () => ({}) },
  { fixture: 'a87-pasv-router-rst-fallback-vsftpd-tnftp', causes: { '1.1': 'passive-refused' }, evidence: () => ({}) },
  { fixture: 'a87-pasv-router-rst-fallback-server-side-vsftpd-tnftp', causes: { '1.1': 'passive-unreached' }, evidence: () => ({}) },
  { fixture: 'a87-pasv-active-drop-vsftpd-tnftp', causes: { '1.1': 'passive-syn-unanswered', '1.2': 'active-syn-unanswered' }, evidence: () => ({}) },
  // The refused EPSV/PASV fell back to PORT: the one failure is the RETR's, at its data connection.
  { fixture: 'a87-pasv-denied-active-drop-proftpd-tnftp', causes: { '1.3': 'active-syn-unanswered' }, evidence: () => ({}) },
  { fixture: 'a87-pasv-denied-active-reject-proftpd-zftp', causes: { '1.2': 'active-refused' }, evidence: () => ({}) },
  { fixture: 'a87-pasv-denied-proftpd-busybox', causes: { '1.1': 'server-refused' }, evidence: () => ({}) },
  { fixture: 'a87-active-server-output-reject-vsftpd-perl', causes: { '1.1': 'active-unreached' }, evidence: () => ({}) },
  { fixture: 'a87-active-server-output-reject-server-side-vsftpd-perl', causes: { '1.1': 'no-attempt' }, evidence: () => ({}) },
  ...['a87-pasv-client-output-reject-fallback-vsftpd-tnftp', 'a87-pasv-client-output-reject-fallback-server-side-vsftpd-tnftp'].map((fixture) => ({ fixture, causes: { '1.1': 'passive-unreached' }, evidence: () => ({}) })),
  { fixture: 'a87-pasv-drop-stor-vsftpd-wput', causes: { '1.1': 'passive-syn-unanswered' }, evidence: () => ({}) },
  { fixture: 'a87-pasv-drop-stor-server-side-vsftpd-wput', causes: { '1.1': 'passive-unreached' }, evidence: () => ({}) },
  { fixture: 'a87-active-reject-then-pasv-pureftpd-php', causes: { '1.1': 'active-refused' }, evidence: () => ({}) },
  { fixture: 'a87-pasv-denied-proftpd-gftp', causes: { '1.1': 'server-refused' }, evidence: () => ({}) },
  { fixture: 'a87-pasv-drop-proftpd-inetutils', causes: { '1.1': 'passive-syn-unanswered' }, evidence: () => ({}) },
  { fixture: 'a87-ipv6-epsv-drop-fallback-vsftpd-tnftp', causes: { '1.1': 'passive-syn-unanswered' }, evidence: () => ({}) },
  { fixture: 'a87-ipv6-epsv-drop-fallback-server-side-vsftpd-tnftp', causes: { '1.1': 'passive-unreached' }, evidence: () => ({}) },
  { fixture: 'a87-epsv-denied-pasv-drop-fallback-proftpd-tnftp', causes: { '1.2': 'passive-syn-unanswered' }, evidence: () => ({}) },
  { fixture: 'a87-port-refused-vsftpd-four-clients', causes: { '1.1': 'server-refused', '2.1': 'server-refused', '3.1': 'server-refused', '4.1': 'server-refused' }, evidence: () => ({}) },
  // Eighty-ninth audit: NAT reflection (hairpin) and split horizon (verdicts-audit89.test.ts checks frames against tshark).
  { fixture: 'a89-hairpin-pasv-range-client-side-proftpd-lftp', causes: { '1.1': 'passive-refused', '2.1': 'passive-refused', '3.1': 'passive-refused', '3.2': 'passive-refused' }, evidence: () => ({}) },
  { fixture: 'a89-hairpin-pasv-range-server-side-proftpd-lftp', causes: { '1.1': 'passive-address-mismatch', '2.1': 'passive-address-mismatch', '3.1': 'passive-unreached', '3.2': 'passive-address-mismatch' }, evidence: () => ({}) },
  {
    fixture: 'a89-hairpin-pasv-range-router-proftpd-lftp',
    causes: { '1.1': 'passive-refused', '2.1': 'passive-address-mismatch', '3.1': 'passive-refused', '4.1': 'passive-address-mismatch', '5.1': 'passive-refused', '5.2': 'passive-refused', '6.1': 'passive-unreached', '6.2': 'passive-address-mismatch' },
    evidence: () => ({}),
  },
  ...['a89-hairpin-active-client-side-vsftpd-python', 'a89-hairpin-active-server-side-vsftpd-python'].map((fixture) => ({ fixture, causes: { '1.1': 'active-address-mismatch', '2.1': 'active-address-mismatch' }, evidence: () => ({}) })),
  { fixture: 'a89-split-horizon-client-side-vsftpd-lftp', causes: { '1.1': 'passive-answer-reset', '2.1': 'passive-answer-reset' }, evidence: () => ({ '1.1': [33, 34, 35, 36, 38, 41, 44, 47] }) },
  { fixture: 'a89-split-horizon-server-side-vsftpd-lftp', causes: { '1.1': 'passive-answer-reset', '2.1': 'passive-answer-reset' }, evidence: () => ({ '1.1': [33, 34, 35, 36] }) },
  // Session 42: a client that never logged in (verdicts-audit85.test.ts checks the frames against tshark).
  { fixture: 'a85-no-login-vsftpd-python', causes: { '1.1': 'not-logged-in' }, evidence: () => ({ '1.1': [11, 12, 13] }) },
  // Eighty-sixth audit: wget, curl, rclone and aria2c retrying after a passive drop that ended, a cut
  // data connection (resumed with REST, or from 0) and a drop that never ended (verdicts-audit86.test.ts checks frames against tshark).
  { fixture: 'a86-transient-wget-vsftpd', causes: { '1.1': 'passive-syn-unanswered' }, evidence: () => ({ '1.1': [24, 25, 27, 51] }) },
  { fixture: 'a86-transient-server-side-wget-vsftpd', causes: { '1.1': 'passive-unreached' }, evidence: () => ({ '1.1': [24, 26, 50] }) },
  { fixture: 'a86-transient-curl-vsftpd', causes: { '1.1': 'passive-syn-unanswered' }, evidence: () => ({}) },
  { fixture: 'a86-transient-aria2c-vsftpd', causes: { '1.1': 'passive-syn-unanswered', '2.1': 'passive-syn-unanswered' }, evidence: () => ({}) },
  { fixture: 'a86-transient-rclone-vsftpd', causes: { '1.1': 'passive-syn-unanswered' }, evidence: () => ({}) },
  { fixture: 'a86-cut-wget-vsftpd', causes: { '1.1': 'aborted', '1.2': 'aborted' }, evidence: () => ({}) },
  { fixture: 'a86-cut-curl-vsftpd', causes: { '1.1': 'aborted' }, evidence: () => ({}) },
  ...['a86-cut-aria2c-vsftpd'].map((fixture) => ({ fixture, causes: { '1.1': 'aborted', '2.1': 'aborted' }, evidence: () => ({}) })),
  ...['a86-cut-rclone-vsftpd', 'a86-cut-server-side-rclone-vsftpd'].map((fixture) => ({ fixture, causes: { '1.2': 'aborted', '2.1': 'aborted' }, evidence: () => ({}) })),
  ...['a86-persistent-wget-vsftpd', 'a86-persistent-curl-vsftpd', 'a86-persistent-aria2c-vsftpd'].map((fixture) => ({
    fixture,
    causes: { '1.1': 'passive-syn-unanswered', '2.1': 'passive-syn-unanswered', '3.1': 'passive-syn-unanswered', '4.1': 'passive-syn-unanswered' },
    evidence: () => ({}),
  })),
  { fixture: 'a86-persistent-rclone-vsftpd', causes: { '1.1': 'passive-syn-unanswered', '2.1': 'passive-syn-unanswered', '3.1': 'passive-syn-unanswered' }, evidence: () => ({}) },
  { fixture: 'a86-persistent-server-side-rclone-vsftpd', causes: { '1.1': 'passive-unreached', '2.1': 'passive-unreached', '3.1': 'passive-unreached' }, evidence: () => ({}) },
  // The server's data dropped (not reset) for a while: the client's read timeout ends each attempt (a stall, whatever its stack's reset to the late data said after).
  { fixture: 'a86-cutdrop-wget-vsftpd', causes: { '1.1': 'stalled' }, evidence: () => ({ '1.1': [24, 25, 26, 28, 71, 74, 224, 225] }) },
  { fixture: 'a86-cutdrop-server-side-wget-vsftpd', causes: { '1.1': 'path-loss' }, evidence: () => ({}) },
  { fixture: 'a86-cutdrop-aria2c-vsftpd', causes: { '1.1': 'stalled', '2.1': 'stalled' }, evidence: () => ({}) },
  // Active mode: the server's SYNs dropped until the client had left; its reset of the late one is no refusal.
  ...['a86-active-wget-vsftpd', 'a86-active-server-side-wget-vsftpd'].map((fixture) => ({ fixture, causes: { '1.1': 'active-syn-unanswered' }, evidence: () => ({}) })),
  { fixture: 'a86-activep-wget-vsftpd', causes: { '1.1': 'active-syn-unanswered', '2.1': 'active-syn-unanswered', '3.1': 'active-syn-unanswered', '4.1': 'active-unreached' }, evidence: () => ({ '4.1': [103, 104, 105, 109] }) },
  { fixture: 'a86-activep-server-side-wget-vsftpd', causes: { '1.1': 'active-syn-unanswered', '2.1': 'active-syn-unanswered', '3.1': 'active-syn-unanswered', '4.1': 'active-syn-unanswered' }, evidence: () => ({}) },
  // Twentieth verdict audit (verdicts-audit20.test.ts): data connections refused or unreachable by
  // ICMP / ICMPv6. Frames are checked there against tshark.
  { fixture: 'a20-active-nat-host-unreach-proftpd-lftp', causes: { '1.1': 'active-host-unreachable' }, evidence: () => ({}) },
  { fixture: 'a20-active-nat-host-unreach-proftpd-lftp-client', causes: { '1.1': 'active-address-mismatch' }, evidence: () => ({}) },
  { fixture: 'a20-epsv-adm-prohibited-vsftpd-lftp', causes: { '1.1': 'passive-refused' }, evidence: () => ({}) },
  { fixture: 'a20-eprt-client-port-unreach-proftpd-lftp', causes: { '1.1': 'active-refused' }, evidence: () => ({}) },
  { fixture: 'a20-eprt-client-reset-proftpd-python', causes: { '1.1': 'active-refused' }, evidence: () => ({}) },
  { fixture: 'a20-eprt-nat6-addr-unreach-vsftpd-python', causes: { '1.1': 'active-host-unreachable' }, evidence: () => ({}) },
  { fixture: 'a20-eprt-nat6-addr-unreach-vsftpd-python-client', causes: { '1.1': 'active-address-mismatch' }, evidence: () => ({}) },
  // Twenty-first verdict audit (verdicts-audit21.test.ts): resets before all the data. The server
  // process killed mid-RETR (SO_LINGER 0: its RST, then its FIN on the control connection, no reply);
  // the client giving up mid-RETR (its RST, 426). Frames are checked there against tshark.
  // A one-way capture of what the client sent (verdicts-audit22): its repeated SYNs to the passive port, hedged.
  { fixture: 'a24-oneway-server-active-drop-vsftpd-python', causes: { '1.1': 'active-syn-unanswered' }, evidence: () => ({}), says: { '1.1': [/repeated its SYN/, /only what the server sent/] } },
  { fixture: 'a22-oneway-passive-drop-vsftpd-curl', causes: { '1.1': 'passive-syn-unanswered' }, evidence: () => ({}), says: { '1.1': [/only what the client sent/, /cannot be told/] } },
  { fixture: 'a21-server-killed-pyftpdlib-python', causes: { '1.1': 'aborted' }, evidence: () => ({}), says: { '1.1': [/went away/, /crashed, was killed or restarted/] } },
  { fixture: 'a21-client-gives-up-pyftpdlib-python', causes: { '1.1': 'aborted' }, evidence: () => ({}), says: { '1.1': [/client reset the data connection/] } },
  // The client's abortive close of a STOR before its data was acknowledged: the server's 226 counts what arrived.
  { fixture: 'a21-stor-rst-early-pyftpdlib-python', causes: { '1.1': 'aborted' }, evidence: () => ({}), says: { '1.1': [/counts only the bytes that reached the server/] } },
  { fixture: 'a21-retr-rst-early-pyftpdlib-python', causes: { '1.1': 'aborted' }, evidence: () => ({}), says: { '1.1': [/counts only the bytes that reached the client/] } },
  // Twenty-fifth audit (verdicts-audit25.test.ts): a sender's own reset with no size stated.
  { fixture: 'a25-retr-queued-rst-pyftpdlib-python', causes: { '1.1': 'aborted' }, evidence: () => ({}), says: { '1.1': [/before its data was acknowledged/] } },
  { fixture: 'a25-stor-queued-rst-pyftpdlib-python', causes: { '1.1': 'aborted' }, evidence: () => ({}), says: { '1.1': [/counts only the bytes that reached the server/] } },
  { fixture: 'a25-retr-zero-window-rst-pyftpdlib-python', causes: { '1.1': 'aborted' }, evidence: () => ({}), says: { '1.1': [/receive window was shut/] } },
  // Nineteenth verdict audit (verdicts-audit19.test.ts): a file that arrives on a later attempt. Each
  // failed attempt keeps its cause; the retry that completed has none. Frames are checked there.
  { fixture: 'retry-syn-timeout-proftpd-lftp', causes: { '1.1': 'passive-syn-unanswered' }, evidence: () => ({}) },
  { fixture: 'retry-426-twice-vsftpd-curl', causes: { '1.1': 'aborted', '2.1': 'aborted' }, evidence: () => ({}) },
  // Audit 48: the router's reset of the server's end (shown by the server's bare RST answering wget's FIN), not path loss.
  { fixture: 'resume-wget-c-pureftpd-wget', causes: { '1.1': 'aborted' }, evidence: () => ({ '1.1': [24, 25, 26, 28, 105, 106, 110] }) },
  { fixture: 'pget-segment-reset-vsftpd-lftp', causes: { '1.1': 'aborted' }, evidence: () => ({}) },
  { fixture: 'fallback-port-pasv-vsftpd-python', causes: { '1.1': 'active-syn-unanswered' }, evidence: () => ({}) },
  // Seventeenth verdict audit (verdicts-audit17.test.ts): one failure captured at three points at once,
  // the client, the server and the router (tcpdump -i any). Frames are checked there against tshark.
  { fixture: 'tri-pasv-drop-client-side-vsftpd-curl', causes: { '2.1': 'passive-syn-unanswered' }, evidence: () => ({}) },
  { fixture: 'tri-pasv-drop-server-side-vsftpd-curl', causes: { '2.1': 'passive-unreached' }, evidence: () => ({}) },
  { fixture: 'tri-pasv-drop-router-vsftpd-curl', causes: { '2.1': 'passive-syn-unanswered' }, evidence: () => ({}), says: { '2.1': [/dropped here/] } },
  { fixture: 'tri-port-router-rst-client-side-vsftpd-curl', causes: { '2.1': 'active-unreached' }, evidence: () => ({}) },
  { fixture: 'tri-port-router-rst-server-side-vsftpd-curl', causes: { '2.1': 'active-refused' }, evidence: () => ({}), says: { '2.1': [/not the client/] } },
  { fixture: 'tri-port-router-rst-router-vsftpd-curl', causes: { '2.1': 'active-refused' }, evidence: () => ({}), says: { '2.1': [/not the client/] } },
  { fixture: 'tri-stor-server-killed-client-side-vsftpd-curl', causes: { '1.1': 'aborted' }, evidence: () => ({}) },
  { fixture: 'tri-stor-server-killed-server-side-vsftpd-curl', causes: { '1.1': 'aborted' }, evidence: () => ({}) },
  { fixture: 'tri-stor-server-killed-router-vsftpd-curl', causes: { '1.1': 'aborted' }, evidence: () => ({}) },
  // Session 43 (verdicts-audit88.test.ts): the idle control connection cut by the router while the data ran;
  // on the router both sides' last segments go unacknowledged, and the 226 is the cut.
  { fixture: 'tri-ctrl-idle-cut-client-side-vsftpd-curl', causes: { '1.1': 'control-cut' }, evidence: () => ({}) },
  { fixture: 'tri-ctrl-idle-cut-server-side-vsftpd-curl', causes: { '1.1': 'control-cut' }, evidence: () => ({}) },
  { fixture: 'tri-ctrl-idle-cut-router-vsftpd-curl', causes: { '1.1': 'control-cut' }, evidence: () => ({}), says: { '1.1': [/226 Transfer complete \(frame 1127\), never reached the client/] } },
  // Session 44: the server's data dropped by the router mid-transfer, wget's read timeout, a resume that completes; three points.
  { fixture: 'tri-data-drop-client-side-vsftpd-wget', causes: { '1.1': 'stalled' }, evidence: () => ({ '1.1': [24, 25, 26, 28, 71, 74, 226, 227] }) },
  { fixture: 'tri-data-drop-server-side-vsftpd-wget', causes: { '1.1': 'path-loss' }, evidence: () => ({ '1.1': [24, 25, 26, 28, 260, 261] }), says: { '1.1': [/never acknowledged 33792 of the bytes the server sent/] } },
  { fixture: 'tri-data-drop-router-vsftpd-wget', causes: { '1.1': 'path-loss' }, evidence: () => ({ '1.1': [43, 45, 47, 51, 171] }), says: { '1.1': [/never acknowledged 33792 of the bytes the server sent/] } },
  // Fifteenth verdict audit (verdicts-audit15.test.ts): uploads refused in different ways, REST beyond
  // the end, ABOR during a listing.
  {
    fixture: 'write-disabled-vsftpd-python',
    causes: { '1.1': 'server-refused', '1.2': 'server-refused' },
    evidence: () => ({ '1.1': [18, 19, 20, 22, 23, 32], '1.2': [33, 34, 35, 37, 38, 44] }),
    says: { '1.1': [/550 Permission denied at frame 23: the server denies the user access to the file/] },
  },
  {
    fixture: 'quota-pureftpd-python',
    causes: { '1.2': 'server-refused', '1.3': 'server-refused' },
    evidence: () => ({ '1.2': [34, 35, 36, 38, 39, 44], '1.3': [45, 46, 47, 49, 50, 55] }),
    says: { '1.2': [/552 Quota exceeded: \[second\.bin\] won't be saved at frame 39: the storage allocation is exceeded/], '1.3': [/the file name is not allowed/, /a name filter \(pure-ftpd: -x \/ -X/] },
  },
  {
    fixture: 'limits-resume-proftpd-lftp',
    causes: { '1.1': 'server-refused', '1.2': 'server-refused', '2.1': 'server-refused' },
    evidence: () => ({ '1.1': [56, 57, 58, 60, 61, 62], '1.2': [64, 65, 66, 68, 69, 70], '2.1': [115, 116, 117, 119, 121, 122, 123] }),
    says: { '1.2': [/Forbidden filename at frame 70: the file name is not allowed/], '2.1': [/REST 100000, frame 119/] },
  },
  {
    fixture: 'abor-list-vsftpd-python',
    causes: { '1.1': 'aborted' },
    evidence: () => ({ '1.1': [18, 19, 20, 22, 55, 56, 57, 58] }),
    says: { '1.1': [/The server did not take it as ABOR: it answered 500 Unknown command/] },
  },
  {
    fixture: 'quota-size-pureftpd-curl',
    causes: { '2.1': 'aborted' },
    evidence: () => ({ '2.1': [53, 54, 55, 59, 132] }),
    says: { '2.1': [/552 Transfer aborted \(quota\) \(frame 132\): the storage allocation is exceeded/] },
  },
  {
    fixture: 'abor-list-drain-proftpd-python',
    causes: { '1.1': 'aborted' },
    evidence: () => ({ '1.1': [18, 19, 20, 22, 56, 68] }),
    says: { '1.1': [/The client sent ABOR at frame 56\. The server replied 426 Transfer aborted\. Data connection closed \(frame 68\)/] },
  },
  {
    fixture: 'abor-nlst-proftpd-python',
    causes: { '1.1': 'aborted' },
    evidence: () => ({ '1.1': [18, 19, 20, 22, 52, 59, 71] }),
    says: { '1.1': [/The client sent ABOR at frame 52\. The client reset the data connection at frame 71/] },
  },
  // Thirteenth verdict audit (verdicts-audit13.test.ts): software not recorded before.
  {
    fixture: 'fail-passive-drop-inetutils-ftpd-busybox',
    causes: { '1.1': 'passive-syn-unanswered' },
    evidence: () => ({ '1.1': [21, 22, 24, 25, 26, 27, 28] }),
    says: { '1.1': [/The client gave up and closed the control connection 7\.1 s after the first SYN \(frame 29\)/] },
  },
  {
    fixture: 'put-missing-inetutils-ftpd-busybox',
    causes: { '2.1': 'server-refused' },
    evidence: () => ({ '2.1': [58, 59, 60, 64, 65, 70] }),
    says: { '2.1': [/550 missing\.txt: No such file or directory at frame 65: the file does not exist/] },
  },
  {
    fixture: 'fail-active-drop-twisted-ftp',
    // Audit 48: LPRT (1.2, refused 502) retried the failed PORT: retry-refused, no failure of its own.
    causes: { '1.1': 'active-syn-unanswered' },
    evidence: () => ({ '1.1': [17, 18, 20, 21, 22, 23, 24, 25] }),
    says: { '1.1': [/the server answered PORT with 425/] },
  },
  {
    fixture: 'fail-active-drop-inetutils-ftpd-ftp',
    causes: { '1.1': 'active-syn-unanswered' },
    evidence: (v) => ({ '1.1': expectedEvidence(v) }),
    says: { '1.1': [/7\.1 s after the first SYN the server replied 425/] },
  },
  {
    fixture: 'missing-twisted-busybox',
    // Session 2's refused EPSV is no failure: busybox asked again with PASV and got its file (2.1 fell back).
    // The refused EPSV (1.1) the client got past with PASV is no failure (audit 27): the 550 is.
    causes: { '1.2': 'server-refused' },
    evidence: () => ({ '1.2': [18, 19, 20, 24, 25] }),
    says: { '1.2': [/550 missing.txt: No such file or directory at frame 25/] },
  },
  {
    fixture: 'fail-active-drop-vsftpd-ftp',
    causes: { '1.1': 'active-syn-unanswered' },
    evidence: (v) => ({ '1.1': expectedEvidence(v) }),
    says: {
      '1.1': [
        /server sent SYN from 198\.51\.100\.20:20 to 192\.0\.2\.10:\d+ at frames [\d, ]+ and \d+ \(retransmitted after 1\.0 s, 2\.\d s, 3\.\d s and 4\.\d s\)/,
        /reached the client's network and were dropped there/,
        /5\.0 s after the first SYN the server replied 425/,
        /use passive mode/,
      ],
    },
  },
  {
    fixture: 'fail-active-reject-vsftpd-ftp',
    causes: { '1.1': 'active-refused' },
    evidence: (v) => ({ '1.1': expectedEvidence(v) }),
    says: { '1.1': [/answered by a reset \(RST\) from the client/, /replied 425/] },
  },
  {
    fixture: 'fail-passive-drop-vsftpd-curl',
    causes: { '1.1': 'passive-syn-unanswered' },
    evidence: (v) => ({ '1.1': expectedEvidence(v) }),
    says: {
      '1.1': [
        /The client sent SYN from 192\.0\.2\.10:\d+ to 198\.51\.100\.20:\d+/,
        /never got an answer/,
        /The client gave up and closed the control connection \d\.\d s after the first SYN/,
        /pasv_min_port/,
      ],
    },
  },
  {
    fixture: 'fail-passive-reject-icmp-proftpd-curl',
    causes: { '1.1': 'passive-refused' },
    evidence: (v) => ({ '1.1': expectedEvidence(v) }),
    says: { '1.1': [/ICMP destination unreachable \(type 3 code 3\) from 198\.51\.100\.20/] },
  },
  {
    fixture: 'fail-passive-reject-rst-proftpd-curl',
    causes: { '1.1': 'passive-refused' },
    evidence: (v) => ({ '1.1': expectedEvidence(v) }),
    says: { '1.1': [/reset \(RST\) from the server/] },
  },
  {
    fixture: 'fail-pasv-address-vsftpd-lftp',
    causes: { '1.1': 'passive-address-mismatch' },
    evidence: (v) => ({ '1.1': expectedEvidence(v) }),
    says: { '1.1': [/203\.0\.113\.99:\d+/, /client is talking to the server at 198\.51\.100\.20/, /followed the advertised address/, /pasv_address/] },
  },
  {
    fixture: 'bounce-refused-vsftpd-python',
    causes: { '1.1': 'bounce' },
    evidence: (v) => ({ '1.1': expectedEvidence(v) }),
    says: { '1.1': [/PORT names a third host, port 2121/, /The server refused it: 500/] },
  },
  {
    // lftp's FXP with both servers at their defaults: every PORT naming the other server is refused,
    // lftp tries again the other way round, then copies through itself (2.7 and 8.1 complete).
    fixture: 'fxp-refused-vsftpd-pyftpdlib-lftp',
    causes: Object.fromEntries(['1.1', '2.1', '2.2', '2.3', '2.4', '2.5', '2.6', '3.1', '4.1', '5.1', '6.1', '7.1'].map((k) => [k, 'fxp-refused'])),
    evidence: () => ({ '1.1': [61, 62, 66, 67], '2.1': [66, 67], '3.1': [104, 105] }),
    says: {
      '1.1': [/the client named it in a PORT to 203\.0\.113\.30 in session 2 \(frame 66, transfer 2\.1\), an FXP copy/, /501 Rejected data connection to foreign address/],
      '2.1': [/the passive endpoint that 198\.51\.100\.20 announced in session 1 \(transfer 1\.1\)/, /The server refused it: 501/],
      '3.1': [/The server refused it: 500 Illegal PORT command \(frame 105\)/],
    },
  },
  {
    fixture: 'bounce-allowed-vsftpd-python',
    causes: { '1.1': 'bounce' },
    evidence: (v) => ({ '1.1': expectedEvidence(v) }),
    says: { '1.1': [/completed, but PORT names another address than the client's \(FTP bounce\)/, /connected from 198\.51\.100\.20:\d+ to 203\.0\.113\.30:2121/, /sending 511 bytes there/] },
  },
  {
    // Tenth verdict audit: the client's own second address seen at the server, behind the router: a
    // bounce as far as this capture shows, told as one it cannot tell from the client's own address.
    fixture: 'multihomed-port-server-side-vsftpd-python',
    causes: { '1.1': 'bounce', '1.2': 'bounce', '1.3': 'bounce' },
    evidence: (v) => ({ '1.1': expectedEvidence(v, 0), '1.2': expectedEvidence(v, 1), '1.3': expectedEvidence(v, 2) }),
    says: { '1.1': [/the PORT names another address, and a temporary port, \d+/, /this capture point cannot tell/] },
  },
  {
    fixture: 'nat-active-nohelper-vsftpd-ftp',
    causes: { '1.1': 'active-address-mismatch', '2.1': 'active-address-mismatch' },
    evidence: (v) => ({ '1.1': expectedEvidence(v, 0), '2.1': expectedEvidence(v, 1) }),
    says: { '1.1': [/translated the client 192\.0\.2\.10:\d+ to 198\.51\.100\.1:\d+ but left the address inside PORT as 192\.0\.2\.10/, /taken on the NAT device itself/] },
  },
  {
    fixture: 'abort-vsftpd-lftp',
    causes: { '1.1': 'aborted' },
    evidence: (v) => ({ '1.1': expectedEvidence(v) }),
    says: { '1.1': [/The client reset the data connection/, /426/, /zero window/] },
  },
  {
    fixture: 'hostile-client-vsftpd-python',
    causes: { '1.10006': 'server-refused', '1.10008': 'no-attempt' },
    evidence: (v) => ({
      '1.10006': expectedEvidence(v, announcementsBefore(v, requestFrame(v, 'STOR')) - 1),
      '1.10008': [requestFrame(v, 'LIST'), replyFrame(v, 425)],
    }),
    says: { '1.10006': [/STOR \(frame \d+\) with 553 Could not create file/], '1.10008': [/No PORT or PASV preceded the command/] },
  },
  {
    fixture: 'fail-retr-missing-vsftpd-curl',
    causes: { '1.1': 'server-refused' },
    evidence: (v) => ({ '1.1': expectedEvidence(v, 0, [requestFrame(v, 'SIZE'), replyFrame(v, 550)]) }),
    says: { '1.1': [/SIZE missing\.txt .* 550/, /never used/] },
  },
  // Failure recordings with other servers and clients (pure-ftpd, pyftpdlib; wget, ncftp, ftplib).
  {
    fixture: 'fallback-epsv-pasv-pureftpd-curl',
    causes: { '1.1': 'passive-refused' },
    // And the SYN (23) of the PASV's data connection, to another port of the same server, that opened (after this attempt).
    evidence: (v) => ({ '1.1': expectedEvidence(v, 0, [23]) }),
    says: {
      '1.1': [
        /229 198\.51\.100\.20:50074/,
        /reset \(RST\) from the server at frame 20/,
        /The client gave up and sent PASV/,
        // The server's firewall resets only the first data SYN (record.sh): the port that opened did so only after it (verdicts-audit86.test.ts).
        /opened only after this attempt, the first for transfer 1\.2 \(port 50014, SYN frame 23\), and none before: either port 50074 was closed while port 50014 was open, or the failure ended mid-capture/,
      ],
    },
  },
  // Eighth audit (verdicts-audit8.test.ts): firewall, NAT and IPv6 failures of the data connection.
  {
    fixture: 'dnat-port2121-helper21-vsftpd-lftp',
    causes: { '1.1': 'passive-address-mismatch' },
    evidence: (v) => ({ '1.1': expectedEvidence(v) }),
    says: { '1.1': [/The control connection runs on port 2121, not 21/, /nf_conntrack_ftp ports=21,2121/] },
  },
  {
    fixture: 'fail-eprt-drop-ipv6-vsftpd-curl',
    causes: { '1.1': 'active-syn-unanswered' },
    evidence: (v) => ({ '1.1': expectedEvidence(v) }),
    says: { '1.1': [/reached the client's network and were dropped there/, /5\.0 s after the first SYN the server replied 425/] },
  },
  {
    fixture: 'fail-eprt-reject-icmp6-vsftpd-curl',
    causes: { '1.1': 'active-refused' },
    // The two ICMPv6 administratively prohibited (25, 28) answering the two SYNs.
    evidence: (v) => ({ '1.1': expectedEvidence(v, 0, [25, 28]) }),
  },
  {
    fixture: 'fail-active-stor-drop-vsftpd-ftp',
    causes: { '1.1': 'active-syn-unanswered' },
    evidence: (v) => ({ '1.1': expectedEvidence(v) }),
  },
  {
    fixture: 'pasv-narrow-firewall-pyftpdlib-curl',
    causes: { '1.2': 'passive-syn-unanswered' },
    // With the SYNs of the two passive connections to other ports that opened (17, 59).
    evidence: (v) => ({ '1.2': expectedEvidence(v, 1, [17, 59]) }),
  },
  // Ninth audit (verdicts-audit9.test.ts): an IPv6 EPSV data connection dropped by the server's ip6tables, at both ends.
  {
    fixture: 'fail-epsv-drop-ipv6-server-side-vsftpd-curl',
    causes: { '1.1': 'passive-syn-unanswered' },
    evidence: (v) => ({ '1.1': expectedEvidence(v) }),
    says: { '1.1': [/reached the server's network and were dropped there/] },
  },
  {
    fixture: 'fail-epsv-drop-ipv6-client-side-vsftpd-curl',
    causes: { '1.1': 'passive-syn-unanswered' },
    evidence: (v) => ({ '1.1': expectedEvidence(v) }),
  },
  {
    fixture: 'fail-passive-drop-pyftpdlib-ncftp',
    causes: { '1.1': 'passive-syn-unanswered' },
    // pyftpdlib's own word that it stopped listening, sent unasked, is evidence too.
    evidence: (v) => ({ '1.1': expectedEvidence(v, 0, [replyFrame(v, 421)]) }),
    says: { '1.1': [/it said, unasked, 421 Passive data channel timed out \(frame 41, 5\.0 s after its 227\)/, /never got an answer/] },
  },
  {
    fixture: 'fail-passive-reject-pureftpd-wget',
    causes: { '1.1': 'passive-refused' },
    evidence: (v) => ({ '1.1': expectedEvidence(v) }),
    // Frame 27 is wget's FIN; its RST (29) came after pure-ftpd's reply to the closed socket: closed, not reset.
    says: { '1.1': [/reset \(RST\) from the server at frame 26/, /The client gave up and closed the control connection 0 ms after the first SYN \(frame 27\)/] },
  },
  {
    fixture: 'fail-stor-full-pureftpd-ncftp',
    causes: { '1.1': 'aborted' },
    evidence: (v) => ({ '1.1': expectedEvidence(v) }),
    says: { '1.1': [/The server reset the data connection at frame 231/, /451 Error during write to file \(frame 232\)/, /look in the server's log \(disk, permissions, quota\)/] },
  },
  {
    fixture: 'fail-stor-denied-pyftpdlib-python',
    causes: { '1.2': 'server-refused' },
    evidence: (v) => ({ '1.2': expectedEvidence(v, 1) }),
    // The user has no write permission (pyftpdlib perm "elr"): an upload's advice names the server's user rights.
    says: { '1.2': [/STOR \(frame 36\) with 550 Not enough privileges/, /the server denies the user access to the file/, /The user may not write there: .*\(pyftpdlib: the user's perm string, w for STOR and a for APPE\)/] },
  },
  {
    fixture: 'client-killed-pyftpdlib-wget',
    causes: { '1.1': 'aborted' },
    // The killed client's kernel answers every later segment with a RST: the first one is the evidence.
    evidence: (v) => ({ '1.1': expectedEvidence(v).filter((f) => f <= 254) }),
    says: { '1.1': [/The client reset the data connection at frame 254/, /killed/] },
  },
  {
    fixture: 'server-killed-pureftpd-curl',
    causes: { '1.1': 'aborted' },
    // The server's FIN on the data connection (278) and on the control connection (280).
    evidence: (v) => ({ '1.1': expectedEvidence(v, 0, [278, 280]) }),
    says: { '1.1': [/The server closed the data connection \(FIN, frame 278\) after 217952 of the 524288 bytes announced/, /crashed, was killed or restarted/] },
  },
  {
    fixture: 'fail-active-icmp-proftpd-python',
    causes: { '1.1': 'active-refused' },
    // The client's ICMP port unreachable to each of proftpd's SYNs.
    evidence: (v) => ({ '1.1': expectedEvidence(v, 0, [21, 24]) }),
    says: { '1.1': [/ICMP destination unreachable \(type 3 code 3\) from 192\.0\.2\.10 at frame 21/, /replied 425 Unable to build data connection/, /not from port 20/] },
  },
  {
    fixture: 'fail-pasv-denied-proftpd-wget',
    causes: { '1.1': 'server-refused' },
    evidence: (v) => ({ '1.1': [requestFrame(v, 'PASV'), replyFrame(v, 501)] }),
    says: {
      '1.1': [
        /The server answered PASV \(frame 23\) with 501 PASV: Operation not permitted at frame 24: the server will not open a passive data port/,
        /active mode \(PORT\) on the client, or allow PASV on the server/,
      ],
    },
  },
  {
    // One passive port, two sessions of one client: session 2's client never connects (425 after the
    // accept timeout); session 1 then connects to the same endpoint. Its SYN (42) is session 1's own,
    // not another capture point's view of session 2's attempt (before: "the same exchange seen at
    // another capture point", with NAT advice).
    fixture: 'pasv-port-reused-vsftpd-python',
    causes: { '2.1': 'passive-unreached' },
    evidence: () => ({ '2.1': [33, 34, 36, 57] }),
    says: {
      '2.1': [
        /No connection to 198\.51\.100\.20:50000 is in the capture/,
        /This capture was taken on the client's side and holds no SYN to 198\.51\.100\.20:50000: none left the client — it did not try, or its own host refused the connection before a SYN left/,
      ],
    },
  },
  {
    // Twelfth verdict audit: session 1's data connection holds vsftpd's one passive port; session 2's PASV
    // gets 500 OOPS: vsf_sysutil_bind. PASV is allowed (session 1's 227): the advice is the port range.
    fixture: 'pasv-port-busy-vsftpd-python',
    causes: { '2.1': 'server-refused' },
    evidence: () => ({ '2.1': [33, 47, 50] }),
    says: {
      '2.1': [
        /The server answered PASV \(frame 47\) with 500 OOPS: vsf_sysutil_bind at frame 50: the server could not open a passive data port for it, though it accepts PASV: it answered PASV in session 1 with 227 at frame 33/,
        /its passive port range \(vsftpd: pasv_min_port\/pasv_max_port\) may be too narrow/,
      ],
    },
  },
  {
    fixture: 'fail-passive-retries-pureftpd-lftp',
    // lftp reconnects twice: three sessions, each one PASV whose SYNs go unanswered.
    causes: { '1.1': 'passive-syn-unanswered', '2.1': 'passive-syn-unanswered', '3.1': 'passive-syn-unanswered' },
    evidence: (v) => ({ '1.1': expectedEvidence(v, 0), '2.1': expectedEvidence(v, 1), '3.1': expectedEvidence(v, 2) }),
  },
  {
    fixture: 'data-reset-vsftpd-curl',
    causes: { '1.1': 'aborted' },
    // The client's FIN 20 s after the 426 (frame 87), which the server answered with a RST (88).
    evidence: (v) => ({ '1.1': expectedEvidence(v, 0, [87]) }),
    says: {
      '1.1': [
        /The server replied 426 Failure writing network stream \(frame 84\)\. The client closed the data connection 20 s after that reply \(FIN, frame 87\), and the server answered with a reset \(frame 88\)/,
        // Neither end closed or reset it before the 426: something other than the client reset the server's end (verdicts-review43).
        /something other than the client had reset the server's end, a firewall's REJECT on the path or on the server's own host, which this capture cannot tell apart/,
        /^.*Look for that rule or limit; lost data just before it is the packet it stopped, not a failing link\.$/s,
      ],
    },
  },
  {
    fixture: 'fail-stor-full-pyftpdlib-curl',
    causes: { '1.1': 'aborted' },
    // pyftpdlib's FIN, its 426, and the first of the RSTs its closed socket sends to curl's later segments.
    evidence: (v) => ({ '1.1': expectedEvidence(v).filter((f) => f <= 143) }),
    says: { '1.1': [/The server replied 426 None; transfer aborted \(frame 127\)\. The server reset the data connection at frame 143/] },
  },
  {
    fixture: 'fail-passive-synack-dropped-pyftpdlib-curl',
    causes: { '1.1': 'handshake-incomplete' },
    evidence: (v) => ({ '1.1': expectedEvidence(v) }),
    says: {
      '1.1': [
        /The server answered with SYN-ACK at frames 18, 21, 22, 24, 26, 28 and 32, but the client never acknowledged it/,
        /by a firewall on the client host that lets its SYNs out but not their answers in/,
        /ESTABLISHED,RELATED/,
      ],
    },
  },
  {
    fixture: 'fail-list-missing-pureftpd-rclone',
    causes: { '1.2': 'server-refused' },
    evidence: (v) => ({ '1.2': expectedEvidence(v, 1) }),
    says: { '1.2': [/The server answered MLSD \(frame 44\) with 550 Can't check for file existence at frame 45/] },
  },
  {
    fixture: 'fail-active-synack-dropped-pureftpd-python',
    causes: { '1.1': 'handshake-incomplete' },
    evidence: (v) => ({ '1.1': expectedEvidence(v) }),
    says: {
      '1.1': [
        /The client answered with SYN-ACK at frames 21, 23, 25, 27, 29, 31, 33 and 34, but the server never acknowledged it/,
        /The client gave up and sent QUIT 60 s after the first SYN \(frame 48\)/,
        /on the server's firewall/,
      ],
    },
  },
  {
    fixture: 'stalled-pyftpdlib-python',
    causes: { '1.1': 'stalled' },
    evidence: (v) => ({ '1.1': expectedEvidence(v) }),
    says: { '1.1': [/advertised a zero window at frames 27 and 73: it stopped reading/, /The server then replied 421 Data connection timed out \(frame 81\)/] },
  },
  {
    fixture: 'upload-reset-pyftpdlib-curl',
    causes: { '1.1': 'aborted' },
    // The router's first forged RST (91); the later ones answer curl's segments in flight.
    evidence: (v) => ({ '1.1': expectedEvidence(v).filter((f) => f <= 91) }),
    says: { '1.1': [/A device between the client and the server reset the data connection at frame 91: the reset carries the server's address but TTL 64, where the server's own packets arrive with TTL 63/, /A firewall or router between the client and the server cut the data connection/] },
  },
  {
    fixture: 'fail-epsv-reject-icmp6-proftpd-curl',
    causes: { '1.1': 'passive-refused' },
    // The two ICMPv6 port unreachable (20, 23) answering the two SYNs.
    evidence: (v) => ({ '1.1': expectedEvidence(v, 0, [20, 23]) }),
    says: { '1.1': [/ICMP destination unreachable \(type 1 code 4\) from 2001:db8:2::20 at frame 20/, /the client's packets arrive with TTL 64/] },
  },
  {
    fixture: 'client-killed-ipv6-proftpd-wget',
    causes: { '1.1': 'aborted' },
    // The killed client's first RST (246); its later RSTs answer segments in flight. Its FIN on the
    // control connection (244), before the server's 426, is the client leaving (audit 61); its FIN on
    // the data connection (243), 179928 of 524288 bytes in, the client stopping the download (audit 67).
    evidence: (v) => ({ '1.1': [...expectedEvidence(v).filter((f) => f <= 246 || f === 310), 243, 244].sort((x, y) => x - y) }),
    says: { '1.1': [/The client reset the data connection at frame 246/, /The client closed the control connection \(FIN, frame 244\) before the server had answered the transfer/, /look at the client side/] },
  },
  {
    fixture: 'fail-passive-refused-pureftpd-ncftp',
    // Three PASV, each data SYN reset; ncftp then sends RETR anyway (no reply comes).
    causes: { '1.1': 'passive-refused', '1.2': 'passive-refused', '1.3': 'passive-refused' },
    evidence: (v) => ({ '1.1': expectedEvidence(v, 0), '1.2': expectedEvidence(v, 1), '1.3': expectedEvidence(v, 2) }),
    says: { '1.3': [/The client sent RETR anyway, 0 ms after the first SYN \(frame 41\), with no data connection open; no reply to it followed/] },
  },
  // Second verdict audit (verdicts.test.ts 30–32): ABOR with other servers, a server's data timeout, an MTU black hole.
  {
    fixture: 'abort-proftpd-lftp',
    causes: { '1.1': 'aborted' },
    evidence: () => ({ '1.1': [60, 61, 62, 64, 113, 131, 145, 159, 167, 168] }),
    says: { '1.1': [/The client reset the data connection at frame 167/, /426 Transfer aborted/] },
  },
  {
    fixture: 'abort-pureftpd-lftp',
    causes: { '1.1': 'aborted' },
    evidence: () => ({ '1.1': [34, 35, 36, 38, 81, 98, 122, 131] }),
    says: { '1.1': [/The client reset the data connection at frame 131/] },
  },
  {
    fixture: 'data-timeout-vsftpd-python',
    causes: { '1.1': 'stalled' },
    evidence: () => ({ '1.1': [18, 19, 20, 22, 29, 67, 76] }),
    says: { '1.1': [/zero window at frames 29 and 67/, /421 Data timeout/] },
  },
  {
    fixture: 'pmtu-blackhole-client-side-vsftpd-curl',
    causes: { '1.1': 'path-loss' },
    evidence: () => ({ '1.1': [18, 19, 20, 26, 28] }),
    says: { '1.1': [/2896 bytes of the server's data never reached the client/, /path-MTU black hole/] },
  },
  {
    fixture: 'pmtu-blackhole-upload-vsftpd-curl',
    causes: { '1.1': 'path-loss' },
    evidence: () => ({ '1.1': [18, 19, 20, 24, 36] }),
    says: { '1.1': [/The server never acknowledged 15928 of the bytes the client sent, although they were sent again \(5 retransmitted segments\)/, /path-MTU black hole/] },
  },
  {
    fixture: 'pmtu-blackhole-server-side-vsftpd-curl',
    causes: { '1.1': 'path-loss' },
    evidence: () => ({ '1.1': [18, 19, 20, 26, 30] }),
    says: { '1.1': [/The client never acknowledged 3000 of the bytes the server sent, although they were sent again \(6 retransmitted segments\)/, /path-MTU black hole/] },
  },
  // A real ABOR mid-download (Telnet IP, Synch, ABOR) against three servers: 426 for the transfer, 226 for the ABOR.
  {
    fixture: 'abor-vsftpd-python',
    causes: { '1.1': 'aborted' },
    evidence: () => ({ '1.1': [18, 19, 20, 22, 100, 101, 175] }),
    says: { '1.1': [/The client sent ABOR at frame 100\. The server replied 426 Failure writing network stream \(frame 101\)\. The client reset the data connection at frame 175/] },
  },
  // Fifth verdict audit (verdicts-audit5.test.ts): ABOR during an upload, after 65,536 bytes sent; upload advice.
  {
    fixture: 'abor-stor-vsftpd-python',
    causes: { '1.1': 'aborted' },
    evidence: () => ({ '1.1': [18, 19, 20, 22, 108, 110] }),
    says: { '1.1': [/The client sent ABOR at frame 108\. The server replied 426 Failure reading network stream \(frame 110\)\. 65536 bytes had been transferred/, /part way through its upload/] },
  },
  {
    fixture: 'abor-proftpd-python',
    causes: { '1.1': 'aborted' },
    evidence: () => ({ '1.1': [18, 19, 20, 22, 94, 159, 160] }),
    says: { '1.1': [/The client sent ABOR at frame 94/, /426 Transfer aborted/] },
  },
  {
    fixture: 'abor-pureftpd-python',
    causes: { '1.1': 'aborted' },
    evidence: () => ({ '1.1': [18, 19, 20, 22, 99, 121, 171] }),
    says: { '1.1': [/The client sent ABOR at frame 99\. The server replied 426 ABORT \(frame 121\)/] },
  },
  // ftplib's abort() while the client has stopped reading: pure-ftpd answers late, or only the QUIT (verdicts.test.ts 33).
  {
    fixture: 'abor-stalled-pureftpd-python',
    causes: { '1.1': 'aborted' },
    evidence: () => ({ '1.1': [18, 19, 20, 22, 97, 104, 116] }),
    says: { '1.1': [/The client sent ABOR at frame 97\. The client reset the data connection at frame 116/] },
  },
  {
    fixture: 'abor-stalled-quit-pureftpd-python',
    causes: { '1.1': 'aborted' },
    evidence: () => ({ '1.1': [18, 19, 20, 22, 98, 110, 122] }),
    says: { '1.1': [/The client sent ABOR at frame 98\. The client reset the data connection at frame 122/] },
  },
  {
    fixture: 'upload-reset-vsftpd-curl',
    causes: { '1.1': 'aborted' },
    evidence: () => ({ '1.1': [18, 19, 20, 24, 93] }),
    says: { '1.1': [/A device between the client and the server reset the data connection at frame 93: the reset carries the server's address but TTL 64/, /65536 bytes had been sent; the server had acknowledged 30408 of them when the reset came/] },
  },
  {
    // proftpd's PassivePorts (two ports) both taken by another listener: it announces port 41679, outside the range.
    fixture: 'pasv-range-exhausted-proftpd-curl',
    causes: { '1.1': 'passive-syn-unanswered' },
    evidence: (v) => ({ '1.1': expectedEvidence(v) }),
    says: { '1.1': [/227 198\.51\.100\.20:41679/, /never got an answer/, /PassivePorts/] },
  },
  // Third verdict audit (verdicts-audit3.test.ts): a NAT pool that is not paired, a firewall's idle timeout, curl -r.
  {
    fixture: 'snat-pool-server-side-vsftpd-curl',
    causes: { '1.1': 'passive-peer-mismatch' },
    // 227, the data SYN from the other pool address and vsftpd's SYN-ACK, RETR, its FIN without data, the 425.
    evidence: () => ({ '1.1': [18, 19, 22, 28, 29, 30] }),
    says: { '1.1': [/came from 198\.51\.100\.3:48686 \(SYN frame 19\), while the control connection comes from 198\.51\.100\.2/, /425 Security: Bad IP connecting \(frame 30\)/, /pool that is not paired/] },
  },
  {
    fixture: 'snat-pool-client-side-vsftpd-curl',
    causes: { '1.1': 'passive-peer-mismatch' },
    evidence: () => ({ '1.1': [18, 19, 20, 26, 27, 28] }),
    says: { '1.1': [/the control connection's own address as this capture sees it/, /closed it without sending anything \(FIN, frame 27\) and replied 425 Security: Bad IP connecting \(frame 28\)/] },
  },
  {
    fixture: 'range-vsftpd-curl',
    causes: { '1.1': 'aborted' },
    evidence: () => ({ '1.1': [18, 19, 20, 26, 33, 34, 35, 36] }),
    says: { '1.1': [/The client sent ABOR at frame 34\. The client reset the data connection at frame 35/, /zero window at frame 33: it had stopped reading/, /byte range such as curl -r/] },
  },
  {
    fixture: 'ctrl-idle-cut-server-side-vsftpd-curl',
    causes: { '1.1': 'control-cut' },
    evidence: () => ({ '1.1': [18, 19, 20, 26, 27, 116, 119, 120] }),
    says: { '1.1': [/226 Transfer complete \(frame 119\), never reached the client: it was sent again 7 times/, /idle for 8\.4 s before that \(since frame 27\)/, /nf_conntrack_tcp_timeout_established/] },
  },
  {
    fixture: 'ctrl-idle-cut-client-side-vsftpd-curl',
    causes: { '1.1': 'control-cut' },
    evidence: () => ({ '1.1': [18, 19, 20, 26, 27, 116, 121, 122] }),
    says: { '1.1': [/its FIN \(frame 121\) was sent again 3 times \(frames 122, 123 and 124\) and never acknowledged/, /keepalive/] },
  },
  // Eleventh verdict audit (verdicts-audit11.test.ts): the server stops or refuses a transfer part-way, or the file changes under it.
  {
    fixture: 'stor-limit-proftpd-curl',
    causes: { '1.1': 'aborted' },
    evidence: () => ({ '1.1': [18, 19, 20, 24, 107] }),
    says: { '1.1': [/The server replied 552 Transfer aborted\. File too large \(frame 107\)/, /raise the quota/] },
  },
  {
    fixture: 'file-changed-proftpd-curl',
    causes: { '2.1': 'aborted' },
    evidence: () => ({ '2.1': [120, 121, 122, 128, 226, 227] }),
    says: { '2.1': [/more than the 60000 announced, while the server was still sending: the file grew on the server/] },
  },
  {
    fixture: 'denied-proftpd-lftp',
    causes: { '1.1': 'server-refused', '1.2': 'server-refused', '1.3': 'server-refused' },
    evidence: () => ({ '1.1': [60, 61, 62, 64, 65, 66], '1.2': [72, 73, 74, 76, 77, 78], '1.3': [80, 81, 82, 84, 85, 86] }),
    says: { '1.1': [/550 secret\.bin: Permission denied at frame 66/], '1.2': [/550 pub: Not a regular file at frame 78/], '1.3': [/550 ro\/upload\.txt: Permission denied at frame 86/] },
  },
  {
    fixture: 'bad-ip-vsftpd-python',
    causes: { '1.1': 'passive-peer-mismatch' },
    evidence: () => ({ '1.1': [18, 19, 22, 24, 25, 26] }),
    says: { '1.1': [/came from 192\.0\.2\.11:\d+ \(SYN frame 19\), while the control connection comes from 192\.0\.2\.10/, /the client itself opened it from another of its own addresses/] },
  },
  {
    fixture: 'active-denied-vsftpd-lftp',
    causes: { '1.1': 'server-refused' },
    evidence: () => ({ '1.1': [34, 35, 36, 37] }),
    says: { '1.1': [/550 Failed to open file at frame 37/, /No data connection was attempted/] },
  },
  {
    fixture: 'noconnect-proftpd-python',
    causes: { '1.1': 'no-attempt' },
    evidence: () => ({ '1.1': [18, 19, 21] }),
    says: { '1.1': [/the server closed the control connection 6\.8 s later \(frame 21\) without a word/, /the client never tried to connect/] },
  },
  {
    fixture: 'file-truncated-vsftpd-python',
    causes: { '1.1': 'aborted' },
    evidence: () => ({ '1.1': [18, 19, 20, 22, 29, 36, 42, 48, 54, 285, 287] }),
    says: { '1.1': [/The server closed the data connection itself \(FIN, frame 285\) after 196608 of the 200000 bytes it announced/, /a file that shrank or changed while it was sent/] },
  },
];

/** Every fixture with no failed data connection: none may get a diagnosis (no false alarms). */
const HEALTHY = [
  // Ninety-fifth audit: an 80 ms round trip, one packet in 50 lost each way in the second (TCP recovered it).
  'a95-wan-healthy-vsftpd-lftp',
  'a95-wan-healthy-server-side-vsftpd-lftp',
  'a95-wan-loss-vsftpd-wget',
  'a95-wan-loss-server-side-vsftpd-wget',
  // Eighty-ninth audit: NAT reflection done right (DNAT of the control port and the passive range, the hairpin SNAT, pasv_address).
  'a89-hairpin-ok-inside-client-vsftpd',
  'a89-hairpin-ok-other-subnet-client-vsftpd',
  'a89-hairpin-ok-server-side-vsftpd',
  'a89-hairpin-ok-router-vsftpd',
  // Eighty-sixth audit: curl in active mode waits out the router's 4 s drop of the server's SYNs; the SYN sent again connects (verdicts-audit86.test.ts).
  'a86-active-curl-vsftpd',
  // Eighty-seventh audit: passive refused (501), the client's own fallback to PORT completed.
  'a87-pasv-denied-fallback-proftpd-ncftp',
  'a87-pasv-denied-fallback-proftpd-tnftp',
  // Eighty-second audit: Twisted with lftp and curl (PASV) and tnftp (PORT).
  'a82-healthy-twisted-three-clients',
  // Seventy-fifth audit: one host, captured on lo (127.0.0.1) and through -i any (::1): passive and active, all completed.
  'a75-lo-healthy-vsftpd-lftp',
  'a75-lo6-any-vsftpd-lftp',
  // Seventy-second audit: lftp's LIST and RETR captured with tcpdump -s 68 (two bytes of each line): nothing failed.
  'a72-snaplen68-vsftpd-lftp',
  // Sixty-ninth audit (verdicts-audit69.test.ts): files that changed while sent (a log grown and one
  // rotated, 226 each: completed, the change named), a download of a file still being uploaded, a STOR
  // over a file being read (vsftpd's lock made it wait), a file grown after vsftpd opened it.
  'a69-growing-log-proftpd-lftp',
  'a69-growing-log-server-side-proftpd-lftp',
  'a69-get-while-put-pyftpdlib-wget',
  'a69-get-while-put-server-side-pyftpdlib-wget',
  'a69-stor-over-read-vsftpd-python',
  'a69-stor-over-read-server-side-vsftpd-python',
  'a69-grow-vsftpd-ncftp',
  // Seventieth audit (verdicts-audit70.test.ts): a multihomed client's EPRT naming its other address
  // (vsftpd refuses it, ftplib's own EPRT completes; proftpd AllowForeignAddress connects there);
  // PASV on an IPv6 control connection refused (pure-ftpd's 425) or malformed (pyftpdlib's 227 with an
  // IPv6 address in it), then EPSV: every RETR completed.
  'a70-eprt-other-address-vsftpd-python',
  'a70-eprt-other-address-proftpd-python',
  'a70-pasv-on-ipv6-pureftpd-python',
  'a70-pasv-on-ipv6-pyftpdlib-python',
  // Sixty-eighth audit: FXP copies whose ABOR came to nothing (225): completed on both servers, at
  // the router and at the client (which sees only the two control connections).
  'a68-fxp-abort-source-vsftpd-pyftpdlib-python',
  'a68-fxp-abort-source-client-side-vsftpd-pyftpdlib-python',
  'a68-fxp-abort-oob-vsftpd-pyftpdlib-python',
  'a68-fxp-abort-oob-client-side-vsftpd-pyftpdlib-python',
  // Sixty-seventh audit (verdicts-audit67.test.ts): 4 % random loss on control and data at both capture
  // points, a slow STOR whose client's speed limit never fired, a download whole before the client's
  // timeout (the stopped server's FIN and 226 after): all complete. curl's speed limit giving up on a
  // slow STOR, the capture ending with its data still moving (incomplete, the client gone: no diagnosis).
  'a67-lossy-random-vsftpd-lftp',
  'a67-lossy-random-server-side-vsftpd-lftp',
  'a67-speedlimit-slow-stor-proftpd-curl',
  'a67-speedlimit-slow-stor-server-side-proftpd-curl',
  'a67-socket-timeout-server-stopped-vsftpd-python',
  'a67-speedlimit-cut-stor-proftpd-curl',
  'a67-speedlimit-cut-stor-server-side-proftpd-curl',
  // Sixty-fourth audit (verdicts-audit64.test.ts): path MTU discovery through a 1280-byte route (ICMP
  // fragmentation needed, ICMPv6 Packet Too Big), at the client and at the server: all complete.
  'a64-ipv4-fragneeded-1280-vsftpd-curl',
  'a64-ipv4-fragneeded-1280-server-side-vsftpd-curl',
  'a64-ipv6-ptb-1280-vsftpd-curl',
  'a64-ipv6-ptb-1280-server-side-vsftpd-curl',
  // Sixty-third audit (verdicts-audit63.test.ts): ncftpget -z (REST 1000) and ncftpput -S .part on
  // vsftpd; port checks (connect, close) answered by a 220 and a 421 after their FIN, beside a healthy
  // RETR; ncftpput killed mid-upload (not known: its client gone before the 226), then resumed.
  'a63-ncftp-resume-put-vsftpd',
  'a63-probe-maxperip-vsftpd',
  'a63-killed-upload-ncftp-resume-vsftpd',
  // Sixty-second audit (verdicts-audit62.test.ts): vsftpd's listings of a missing directory (150, no
  // data, 226); EPSV ALL, then PASV, PORT and EPRT refused (or accepted and left unused) on vsftpd,
  // proftpd and pyftpdlib: each refusal fell back to EPSV (pure-ftpd's 227 to that PASV, left for PORT at
  // once: unused); TYPE A by lftp, curl and wget.
  'a62-list-missing-dir-vsftpd-python',
  'a62-epsv-all-vsftpd-python',
  'a62-epsv-all-proftpd-python',
  'a62-epsv-all-pureftpd-python',
  'a62-epsv-all-pyftpdlib-python',
  'a62-ascii-clients-vsftpd',
  // Sixty-first audit (verdicts-audit61.test.ts): active mode through two NATs both with the FTP
  // helper (between the routers and at the server); squid as an FTP gateway (its server side); 0- and 1-byte files both ways and QUIT before a 226 on
  // vsftpd (its upload whose client left before the 226: not known, no diagnosis).
  'a61-double-nat-helpers-vsftpd-tnftp',
  'a61-double-nat-helpers-vsftpd-tnftp-server-side',
  'a61-squid-gateway-vsftpd-curl',
  'a61-tiny-quit-early-vsftpd-python',
  // QUIT right after the 150 of a RETR and of a STOR: vsftpd finishes each and answers 226 then 221;
  // pyftpdlib answers 221 at once and the transfer's 226 after it.
  'a61-quit-mid-vsftpd-python',
  'a61-quit-mid-pyftpdlib-python',
  // Fifty-eighth audit (verdicts-audit58.test.ts): SIZE and MDTM refused before each RETR; REST at and past the end of a file (226, 0 bytes).
  'a58-size-mdtm-denied-proftpd-lftp',
  'a58-rest-past-end-vsftpd-python',
  // Fifty-fourth audit (verdicts-audit54.test.ts): tcpdump started in the middle of a 4 MiB RETR: mid-stream, then a RETR completed.
  'a54-late-retr-vsftpd-curl',
  // Fifty-first audit (verdicts-audit51.test.ts): healthy sessions whose capture tcpdump -c stopped while something was under way.
  'a51-stop-syn-vsftpd-lftp',
  'a51-stop-login-vsftpd-lftp',
  'a51-stop-port-syn-vsftpd-tnftp',
  'a51-stop-early-226-pureftpd-curl',
  'a51-stop-reader-pause-vsftpd-python',
  // Forty-eighth audit (verdicts-audit48.test.ts): pyftpdlib opening each transfer with two single-line 150 replies; every 226 paired.
  'a48-double-150-pyftpdlib-lftp',
  // Forty-sixth audit (verdicts-audit46.test.ts): two downloads cut by the capture's end during vsftpd's rate-limit sleep: in progress, not stalled.
  'a46-rate-pause-cut-vsftpd-curl',
  // Across a router that fragments (forty-first audit): healthy, fragments lost and retransmitted or not.
  'a41-frag-vsftpd-python',
  'a41-frag-vsftpd-python-server-side',
  'a41-frag-loss-vsftpd-python',
  'a41-frag-loss-vsftpd-python-server-side',
  // Thirty-ninth audit (verdicts-audit39.test.ts): Commons Net passive and active, and behind DNAT with a
  // 227 naming the inside address, which it ignores (the control address); basic-ftp, with EPSV and
  // with a refused EPSV then PASV; ftpcopy's mirror, whose refused MLSD falls back to LIST over the same PASV.
  'a39-commons-net-vsftpd-java',
  'a39-commons-net-mlsd-vsftpd-java',
  'a39-commons-net-dnat-vsftpd-java',
  'a39-commons-net-dnat-server-side-vsftpd-java',
  'a39-basic-ftp-vsftpd-node',
  'a39-basic-ftp-epsv-denied-proftpd-node',
  'a39-ftpcopy-vsftpd',
  // Slow but healthy (fortieth audit, verdicts-audit40.test.ts): server and client rate limits, a reader
  // that pauses (zero windows), a server slow to answer, an upload that pauses.
  'a40-server-rate-vsftpd-curl',
  'a40-anon-rate-vsftpd-curl',
  'a40-server-rate-proftpd-lftp',
  'a40-server-rate-pureftpd-wget',
  'a40-client-rate-vsftpd-curl',
  'a40-client-rate-vsftpd-lftp',
  'a40-client-rate-pureftpd-wget',
  'a40-slow-reader-vsftpd-python',
  'a40-slow-server-pyftpdlib-python',
  'a40-upload-pause-vsftpd-python',
  // Through NAT64 (thirty-third audit): EPSV; a refused EPRT then EPSV; a refused EPSV then a PASV whose port busybox used.
  'a33-nat64-epsv-vsftpd-lftp-client',
  'a33-nat64-epsv-vsftpd-lftp-server',
  'a33-nat64-epsv-vsftpd-lftp-translator',
  'a33-nat64-eprt-fallback-vsftpd-lftp-client',
  'a33-nat64-eprt-fallback-vsftpd-lftp-server',
  'a33-nat64-pasv-busybox-pyftpdlib-client',
  'a33-nat64-pasv-busybox-pyftpdlib-server',
  // Captured inside a tunnel: VXLAN, GRE, IP-in-IP (thirty-second audit).
  'a32-vxlan-vsftpd-lftp',
  'a32-gre-vsftpd-lftp',
  'a32-ipip-vsftpd-lftp',
  // Split downloads (aria2c, axel): segments the client closed at their end are complete (twenty-ninth audit).
  'a29-aria2c-split-vsftpd',
  'a29-aria2c-split-proftpd',
  'a29-axel-split-vsftpd',
  'a29-axel-split-pureftpd',
  'a29-ruby-vsftpd',
  'a29-ruby-proftpd',
  'a29-php-vsftpd',
  'a29-mirror-parallel-proftpd-lftp',
  // No transfer: axel's SIZE refused (550), nothing to diagnose.
  'a29-axel-nofile-vsftpd',
  // Through a reverse FTP proxy: its 227 names its own address on purpose (no NAT, no mismatch).
  'a30-proxy-healthy-vsftpd-lftp-client',
  'a30-proxy-healthy-vsftpd-lftp-proxy',
  'a30-proxy-healthy-vsftpd-lftp-server',
  // Uploads captured at the server only (-Q out): unknown (one-way), their bytes acknowledged (verdicts-audit28.test.ts).
  'a28-oneway-stor-passive-pureftpd-curl',
  'a28-oneway-stor-active-pureftpd-curl',
  // A malformed 227 the client got past (PORT instead), and one lftp read leniently: nothing failed.
  'a26-pasv-garbage-fallback-pyftpdlib-python',
  // Chains of refused announcements (EPSV, PASV, then PORT) the client walked down to a RETR that completed.
  'a27-chain-pyftpdlib-tnftp',
  'a27-chain-pyftpdlib-lftp',
  'a27-chain-vsftpd-lftp',
  'a26-pasv-over255-pyftpdlib-lftp',
  'a20-epsv-icmp6-ignored-vsftpd-curl',
  // Twenty-second verdict audit (verdicts-audit22.test.ts): captures of one direction only (tcpdump -Q),
  // where the other side's answers are not in the capture (no diagnosis may come of their absence), and
  // a capture begun during a RETR.
  'a22-oneway-client-in-vsftpd-curl',
  'a22-oneway-server-out-vsftpd-curl',
  'a22-oneway-server-in-vsftpd-curl',
  'a22-late-start-vsftpd-lftp',
  'pipelined-pasv-vsftpd-python',
  // A refused EPSV/EPRT the client followed with PASV/PORT, over which its RETR completed: the
  // refusal is no failure (fell-back; verdicts.test.ts 20 and 25).
  'fallback-epsv-denied-proftpd-curl',
  'fallback-eprt-denied-proftpd-curl',
  'a24-oneway-server-passive-vsftpd-lftp',
  'a24-oneway-server-active-vsftpd-lftp',
  // Twenty-first verdict audit (verdicts-audit21.test.ts): connections ended as Windows and IIS end them
  // (SO_LINGER 0 resets after the last byte, 125, 226 before the data FIN, no QUIT), and a FIN baseline.
  'a21-server-rst-pyftpdlib-python',
  'a21-client-rst-pyftpdlib-python',
  'a21-baseline-vsftpd-curl',
  // The client's reset the moment it had every stated byte, answered 426 by the server: the data is whole.
  'a21-client-rst-now-pyftpdlib-python',
  // Twenty-fifth verdict audit: a sender's reset after its queue drained (no size stated).
  'a25-retr-drained-rst-pyftpdlib-python',
  'a25-stor-drained-rst-pyftpdlib-python',
  // Seventeenth verdict audit (verdicts-audit17.test.ts): control replies lost once each beyond the router,
  // captured at the client, the server and the router.
  'tri-ctrl-reply-lost-client-side-vsftpd-curl',
  'tri-ctrl-reply-lost-server-side-vsftpd-curl',
  'tri-ctrl-reply-lost-router-vsftpd-curl',
  'active-vsftpd-ftp',
  'passive-vsftpd-lftp',
  'passive-proftpd-curl',
  'ipv6-epsv-proftpd-lftp',
  'ipv6-eprt-vsftpd-curl',
  'nano-epsv-vsftpd-curl',
  'sll-eprt4-proftpd-curl',
  'sll2-passive-vsftpd-lftp',
  'vlan-passive-vsftpd-lftp',
  'qinq-passive-proftpd-curl',
  'large-lossy-vsftpd-lftp',
  'offload-on-passive-vsftpd-curl',
  'server-side-passive-proftpd-lftp',
  'nat-active-helper-vsftpd-ftp',
  'pasv-address-ignored-vsftpd-curl',
  'nonstd-port-vsftpd-lftp',
  // Behind DNAT on port 2121 with the FTP helper attached to that port: the 227 rewritten.
  'dnat-port2121-helper2121-vsftpd-lftp',
  // Junk 227 replies the client retried past: the announcements are unused, nothing failed.
  'hostile-server-python',
  'large-plain-vsftpd-curl',
  // pyftpdlib's idle timeout (421, then it closes) after a complete RETR: a session ended, no transfer failed.
  'idle-timeout-pyftpdlib-python',
  // A client killed mid-upload: its verdict says unknown (client gone); nothing failed that the capture can show.
  'client-killed-stor-pureftpd-curl',
  // HTTPS, not FTP (implicit FTPS by content must not fire): no session, nothing to diagnose.
  'https-not-ftp-openssl-curl',
  // A resumed download (REST 1000: 2000 of a 3000-byte file) and an APPE; MLSD, NLST and STOU.
  'resume-appe-vsftpd-curl',
  'mlsd-nlst-stou-pureftpd-python',
  // A 0-byte file, an empty LIST and NLST; a NOOP answered during a RETR; FXP between two servers.
  'empty-vsftpd-python',
  'noop-during-transfer-pyftpdlib-python',
  'fxp-vsftpd-pyftpdlib-lftp',
  // Fourth verdict audit (verdicts-audit4.test.ts): TYPE A with CRLF on the wire, a receiver's zero-window
  // pauses, a 227 naming the server's public address behind DNAT (pasv_address), seen at both ends.
  'ascii-vsftpd-python',
  'zero-window-vsftpd-python',
  'dnat-pasv-address-server-side-vsftpd-curl',
  'dnat-pasv-address-client-side-vsftpd-curl',
  // Fifth verdict audit (verdicts-audit5.test.ts): three parallel sessions from one client, a first data
  // SYN dropped and sent again, active data connections from a port other than 20.
  'parallel-vsftpd-lftp',
  'syn-retry-vsftpd-curl',
  'active-highport-vsftpd-ftp',
  // Twelfth verdict audit (verdicts-audit12.test.ts): three sessions whose 227s come in a row and whose
  // data connections open in reverse order; pget -n 4; two active sessions at once; one four-tuple reused.
  'three-sessions-vsftpd-python',
  'pget4-vsftpd-lftp',
  'active-two-sessions-vsftpd-python',
  'pasv-one-port-vsftpd-python',
  'three-curls-epsv-vsftpd',
  'pasv-twice-vsftpd-python',
  'pget3-ipv6-epsv-vsftpd-lftp',
  // Thirteenth verdict audit (verdicts-audit13.test.ts): GNU inetutils ftpd and Twisted's FTP server
  // with inetutils-ftp: LIST, RETR, STOR passive, RETR active.
  'healthy-inetutils-ftpd-ftp',
  // Fifteenth verdict audit (verdicts-audit15.test.ts): refused commands (RMD, RNFR, DELE) beside healthy
  // transfers; rclone and wget -r.
  'cmds-vsftpd-python',
  'cmds-proftpd-python',
  'rclone-wget-vsftpd',
  'curl-cmds-proftpd',
  'healthy-twisted-ftp',
  'ipv6-inetutils-ftpd-ftp',
  // Seventh verdict audit (verdicts-audit7.test.ts), artefacts of the capture: stopped by tcpdump -c
  // during a RETR and a STOR, a 96-byte snaplen, every packet twice (-i any on a router), both sides
  // of a DNAT merged.
  'capture-stopped-vsftpd-lftp',
  'capture-stopped-stor-pureftpd-curl',
  'snaplen-vsftpd-lftp',
  'dup-any-router-vsftpd-lftp',
  'merged-dnat-helper-vsftpd-lftp',
  // Ninth verdict audit (verdicts-audit9.test.ts): every third control segment dropped each way (TCP
  // retransmits), seen at both ends; AUTH refused by a server without TLS, the client going on in clear.
  'ctrl-lossy-client-side-vsftpd-lftp',
  'ctrl-lossy-server-side-vsftpd-lftp',
  'auth-refused-ssl-vsftpd-curl',
  // Tenth verdict audit (verdicts-audit10.test.ts): healthy but unusual setups — a 227 naming the server's
  // second address, a PORT naming the client's second address, 30 and 12 transfers in a row, a
  // rate-limited RETR with keep-alive NOOPs, a refused login then a good one and a re-login, REIN.
  'multihomed-pasv-vsftpd-lftp',
  'multihomed-port-vsftpd-python',
  'mirror-vsftpd-lftp',
  'active-burst-vsftpd-python',
  'slow-keepalive-vsftpd-python',
  'relogin-vsftpd-python',
  'rein-pyftpdlib-python',
];

/** A login the server refused (530 to PASS): login-failed, not "turned away" (verdicts-audit6.test.ts for the anonymous one). */
const LOGIN_FAILED: Record<string, { user: string; evidence: number[]; advice: RegExp }> = {
  'fail-login-vsftpd-curl': { user: 'ftpuser', evidence: [8, 11, 13, 14], advice: /^Check the user name and password: a 530 after PASS/ },
  'anon-refused-vsftpd-curl': { user: 'anonymous', evidence: [8, 11, 13, 14], advice: /^The server does not take anonymous logins/ },
};

/** Failures seen in merged captures, each told in verdicts-audit7.test.ts. */
const MERGED_FAILED = ['merged-dnat-nohelper-vsftpd-lftp'];
/** Eighteenth verdict audit (software never recorded before): each transfer's status, cause and words are asserted in verdicts-audit18.test.ts. */
const AUDIT18 = [
  'a18-netkit-ftpd-tnftp',
  'a18-aioftp-tnftp',
  'a18-gridftp-tnftp',
  'a18-vsftpd-yafc',
  'a18-vsftpd-netkit-ftp',
  'a18-vsftpd-gftp',
  'a18-vsftpd-urllib',
  'a18-quirky-replies-pyftpdlib-python',
  'a18-active-drop-netkit-ftpd-tnftp',
  'a18-active-drop-gridftp-tnftp',
  'a18-vsftpd-aioftp',
  'a18-vsftpd-perl',
];
/**
 * Twenty-third verdict audit: each transfer's status, cause and words are asserted in
 * verdicts-audit23.test.ts (a refused MLSD probe the client recovered from: fell-back, no diagnosis;
 * a missing file's 550 and passive drops against netkit ftpd and pyftpdlib: failed).
 */
const AUDIT23 = ['a23-netkit-ftpd-yafc', 'a23-pasv-drop-pyftpdlib-yafc'];
/** Forty-ninth verdict audit: owftpd exits before its greeting (session-refused), then nothing listens (control-refused): verdicts-audit49.test.ts. */
const AUDIT49 = ['a49-owftpd-crash-curl'];
/** Twenty-eighth verdict audit: proftpd's connection limit counted at the login (530), asserted in verdicts-audit28.test.ts. */
const AUDIT28 = ['a28-limit-proftpd-python', 'a28-limit-hidden-proftpd-python'];
/**
 * Thirty-seventh verdict audit: the ports a run drew are random, so each transfer's status and cause,
 * and the split by port across them, are checked against the recorder's facts in verdicts-audit37.test.ts.
 */
const AUDIT37 = ['python', 'python-server'].flatMap((v) =>
  ['a37-range-drop-vsftpd', 'a37-range-reset-proftpd', 'a37-interleaved-drop-vsftpd'].map((n) => `${n}-${v}`),
).concat(['a37-range-icmp-pureftpd-curl', 'a37-range-icmp-pureftpd-curl-server', 'a37-range-drop-vsftpd-lftp', 'a37-range-drop-vsftpd-lftp-server']);
/** Fourteenth verdict audit: each transfer's status, cause and words are asserted in verdicts-audit14.test.ts. */
const AUDIT14 = [
  'midsession-pasv-drop-vsftpd-python',
  'midsession-port-drop-vsftpd-python',
  'stalled-proftpd-python',
  'idle-timeout-proftpd-python',
  'forced-pasv-address-pureftpd-lftp',
  'data-loss-abort-vsftpd-curl',
];

/** A session turned away at its greeting (421, a connection limit): a session diagnosis, its other sessions healthy. */
const TURNED_AWAY: Record<string, { session: number; reply: number; evidence: number[] }> = {
  'pget-limited-pyftpdlib-lftp': { session: 2, reply: 36, evidence: [30, 31, 36, 40] },
  'too-many-vsftpd-python': { session: 2, reply: 17, evidence: [14, 15, 17, 19] },
  'a28-limit-pureftpd-python': { session: 2, reply: 17, evidence: [14, 15, 17, 19] },
};

/** A session turned away by the server's answer to its login (an error of its own, not 530): verdicts-audit5.test.ts. */
const TURNED_AWAY_AT_LOGIN = ['oops-chroot-vsftpd-curl', 'tls-required-proftpd-curl', 'tls-required-vsftpd-curl', 'tls-required-pureftpd-curl'];

/** A session the server never greeted before the client gave up (no-greeting): verdicts-audit6.test.ts. */
const UNGREETED = ['slow-greeting-pyftpdlib-curl'];

/**
 * A session diagnosis and nothing else (verdicts-audit9.test.ts): AUTH refused by a server without TLS
 * and a client that requires it; a session the server closed before its greeting.
 */
const SESSION_ONLY: Record<string, { session: number; control: string; cause: string }> = {
  // Seventy-fifth audit: nothing listens on 127.0.0.1:21, the host's own RST.
  'a75-lo-closed-curl': { session: 1, control: 'refused', cause: 'control-refused' },
  'a75-lo-ctrl-drop-vsftpd-curl': { session: 1, control: 'unanswered', cause: 'control-unanswered' },
  // Eighty-ninth audit: no hairpin SNAT, the SYN-ACK from the server's inside address reset by the client (at the
  // client and the router, the answer's own connection is session 2, diagnosed the same: verdicts-audit89.test.ts).
  'a89-hairpin-nosnat-server-side-pureftpd-curl': { session: 1, control: 'answer-reset', cause: 'control-answer-reset' },
  // Ninety-fifth audit: curl's connect timeout (1 s) shorter than the round trip (1.2 s): the answer reset by a client gone.
  'a95-sat-connect-timeout-vsftpd-curl': { session: 1, control: 'abandoned', cause: 'control-abandoned' },
  'a95-sat-connect-timeout-server-side-vsftpd-curl': { session: 1, control: 'abandoned', cause: 'control-abandoned' },
  'auth-refused-reqd-vsftpd-curl': { session: 1, control: 'opened', cause: 'auth-refused' },
  'auth-refused-reqd-pureftpd-curl': { session: 1, control: 'opened', cause: 'auth-refused' },
  'no-greeting-maxinstances-proftpd-python': { session: 2, control: 'hung-up', cause: 'session-refused' },
  // The server's TLS handshake failed after its 234 (verdicts-audit34.test.ts).
  'a34-ftpssl-netkit-ftpd-tls': { session: 1, control: 'opened', cause: 'tls-handshake-failed' },
  // Thirty-sixth audit: the same split announcements captured where they were going (only their end arrived).
  'a36-split-port-server-side-vsftpd-python': { session: 1, control: 'opened', cause: 'announce-split-dropped' },
  'a36-split-eprt-server-side-vsftpd-python': { session: 1, control: 'opened', cause: 'announce-split-dropped' },
  'a36-split-227-pyftpdlib-python': { session: 1, control: 'opened', cause: 'announce-split-dropped' },
};

/** Two control sessions of one attempt (the SYN to the public address, the answer from the inside one), both answer-reset: verdicts-audit89.test.ts. */
const AUDIT89 = ['a89-hairpin-nosnat-client-side-pureftpd-curl', 'a89-hairpin-nosnat-router-pureftpd-curl'];

describe('diagnose: every fixture is classified', () => {
  it('as a failure scenario, a healthy capture or TLS', () => {
    const named = new Set([...SCENARIOS.map((s) => s.fixture), ...HEALTHY, ...Object.keys(TURNED_AWAY), ...TURNED_AWAY_AT_LOGIN, ...UNGREETED, ...Object.keys(SESSION_ONLY), ...Object.keys(LOGIN_FAILED), ...MERGED_FAILED, ...AUDIT14, ...AUDIT18, ...AUDIT23, ...AUDIT28, ...AUDIT49, ...AUDIT37, ...AUDIT89, ...VERDICT_FIXTURES, 'tls-vsftpd-lftp', 'implicit-tls-vsftpd-curl']);
    // FTPS fixtures (issue 13) are diagnosed, with and without keys, in test/tls/ftps-diagnoses.test.ts;
    // the sixty-fifth audit's (a65-ftps-*) in verdicts-audit65.test.ts, the eighty-third's (a83-: ftp-ssl and ftpd-ssl) in verdicts-audit83.test.ts.
    const all = readdirSync(FIXTURES)
      .filter((f) => f.endsWith('.facts.json') && !/^(a65-)?ftps-|^a83-ftpd?ssl-/.test(f))
      .map((f) => f.replace('.facts.json', ''));
    expect(all.filter((f) => !named.has(f))).toEqual([]);
  });
});

for (const sc of SCENARIOS) {
  describe(`diagnose ${sc.fixture}`, () => {
    let a: Analysis;
    let view: TsharkView;
    beforeAll(async () => {
      a = await analyze(sc.fixture);
      view = readView(FIXTURES, sc.fixture);
    });

    it(`names ${Object.values(sc.causes).join(', ')} and nothing else`, () => {
      const got: Record<string, string> = {};
      for (const s of a.sessions) for (const t of s.transfers) if (t.diagnosis) got[`${s.id}.${t.id}`] = t.diagnosis.cause;
      expect(got).toEqual(sc.causes);
      // A session with no successful transfer says so with the commonest cause; one with a success
      // does not (a complete transfer succeeded, even one diagnosed as a bounce: it moved its data),
      // nor one whose only failures are transfers the client stopped itself (ABOR, its reset).
      for (const s of a.sessions) {
        const byClient = (t: (typeof s.transfers)[number]): boolean =>
          t.status === 'aborted' && (t.abortFrame !== null || t.connection?.rst?.by === 'client');
        const causes = s.transfers.filter((t) => !byClient(t)).map((t) => t.diagnosis?.cause).filter(Boolean);
        const anySuccess = s.transfers.some((t) => t.status === 'complete');
        // Among causes met as often, one met beyond a refused announcement (a refused EPSV, then a
        // PASV that failed for its own reason) comes before one met only as the refusal.
        const refused = (t: (typeof s.transfers)[number]): boolean => (t.announce?.reply?.code ?? 0) >= 400;
        const beyond = s.transfers.filter((t) => !byClient(t) && t.diagnosis && !refused(t)).map((t) => t.diagnosis!.cause);
        const n = (c: string | undefined): number => causes.filter((x) => x === c).length;
        const top = Math.max(0, ...causes.map(n));
        const tied = [...new Set(causes.filter((c) => n(c) === top))];
        // Then a cause read from what the capture shows before one read from what it lacks (nobody
        // connected), then the cause of the latest attempt: the one the client ended on.
        const fromAbsence = (c: string | undefined): boolean => c === 'passive-unreached' || c === 'active-unreached';
        const order = (c: (typeof causes)[number]): number[] => [beyond.includes(c!) ? 1 : 0, fromAbsence(c) ? 0 : 1, causes.lastIndexOf(c)];
        const before = (x: number[], y: number[]): number => y[0] - x[0] || y[1] - x[1] || y[2] - x[2];
        if (causes.length && !anySuccess) expect(s.diagnosis?.cause).toBe([...tied].sort((x, y) => before(order(x), order(y)))[0]);
        if (anySuccess) expect(s.diagnosis).toBeNull();
      }
    });

    it('cites the frames that show it, as tshark sees them', () => {
      const expected = sc.evidence(view);
      for (const [key, frames] of Object.entries(expected)) {
        const [sid, tid] = key.split('.').map(Number);
        const t = a.sessions.find((s) => s.id === sid)!.transfers.find((x) => x.id === tid)!;
        expect({ key, evidence: t.diagnosis!.evidence }).toEqual({ key, evidence: frames });
      }
    });

    it('advises a change on a named side', () => {
      for (const s of a.sessions) {
        for (const t of s.transfers) {
          if (t.diagnosis) expect(t.diagnosis.advice).toMatch(/\b(client|server|NAT)('s)?\b/);
        }
      }
    });

    it('says what happened and what to change', () => {
      for (const [key, patterns] of Object.entries(sc.says ?? {})) {
        const [sid, tid] = key.split('.').map(Number);
        const d = a.sessions.find((s) => s.id === sid)!.transfers.find((x) => x.id === tid)!.diagnosis!;
        for (const p of patterns) expect(`${d.summary} ${d.advice}`).toMatch(p);
      }
    });
  });
}

describe('diagnose tls-vsftpd-lftp', () => {
  it('explains that TLS hides the tuples and lists the data connections as a guess', async () => {
    const a = await analyze('tls-vsftpd-lftp');
    const view = readView(FIXTURES, 'tls-vsftpd-lftp');
    const s = a.sessions[0];
    expect(s.diagnosis?.cause).toBe('tls-hidden');
    const tls = replyFrame(view, 234);
    expect(s.tlsFrame).toBe(tls);
    const syns = synFrames(view, '192.0.2.10', '198.51.100.20', tls);
    expect(syns).toHaveLength(2);
    expect(s.diagnosis!.evidence).toEqual([tls, ...syns]);
    expect(s.diagnosis!.guesses!.map((g) => g.synFrame)).toEqual(syns);
    expect(s.diagnosis!.summary).toMatch(/a guess/);
    expect(s.diagnosis!.summary).toMatch(/PROT P/);
    expect(s.transfers.every((t) => t.diagnosis === null)).toBe(true);
  });
});

describe('diagnose: healthy captures raise nothing', () => {
  for (const name of HEALTHY) {
    it(name, async () => {
      const a = await analyze(name);
      const raised = a.sessions.flatMap((s) => [s.diagnosis?.cause, ...s.transfers.map((t) => t.diagnosis?.cause)]).filter(Boolean);
      expect(raised).toEqual([]);
    });
  }
});

describe('diagnose: one session diagnosed, nothing else raised', () => {
  for (const [name, x] of Object.entries(SESSION_ONLY)) {
    it(`${name}: session ${x.session} ${x.control}, ${x.cause}`, async () => {
      const a = await analyze(name);
      const s = a.sessions.find((y) => y.id === x.session)!;
      expect([s.control.kind, s.diagnosis?.cause]).toEqual([x.control, x.cause]);
      expect(s.diagnosis!.advice).toMatch(/\b(client|server)('s)?\b/);
      const raised = a.sessions.flatMap((y) => [y === s ? undefined : y.diagnosis?.cause, ...y.transfers.map((t) => t.diagnosis?.cause)]).filter(Boolean);
      expect(raised).toEqual([]);
    });
  }
});

describe('diagnose: a session turned away at its greeting', () => {
  for (const [name, x] of Object.entries(TURNED_AWAY)) {
    it(`${name}: session ${x.session} refused for the connection limit (421, frame ${x.reply}); nothing else raised`, async () => {
      const a = await analyze(name);
      const s = a.sessions.find((y) => y.id === x.session)!;
      expect(s.control).toMatchObject({ kind: 'turned-away', code: 421, reply: x.reply, limit: true });
      expect([s.diagnosis?.cause, s.diagnosis?.evidence]).toEqual(['session-refused', x.evidence]);
      expect(s.diagnosis!.summary).toMatch(/it refused the session because of its connection limit/);
      const raised = a.sessions.filter((y) => y !== s).flatMap((y) => [y.diagnosis?.cause, ...y.transfers.map((t) => t.diagnosis?.cause)]).filter(Boolean);
      expect(raised).toEqual([]);
    });
  }

  for (const [name, x] of Object.entries(LOGIN_FAILED)) {
    it(`${name}: PASS 11 → 530 (13): the session's login-failed, evidence ${x.evidence.join(', ')}; opened and closed by the client, not turned away`, async () => {
      const a = await analyze(name);
      const s = a.sessions[0];
      expect([s.user, s.login, s.loginRefusal, s.control.kind]).toEqual([x.user, 'failed', { command: 11, verb: 'PASS', code: 530, reply: 13 }, 'opened']);
      expect([s.diagnosis?.cause, s.diagnosis?.evidence]).toEqual(['login-failed', x.evidence]);
      expect(s.diagnosis!.advice).toMatch(x.advice);
      expect(s.transfers).toEqual([]);
    });
  }
});

describe('diagnose implicit-tls-vsftpd-curl', () => {
  it('names implicit FTPS on port 990 and guesses the data connection', async () => {
    const a = await analyze('implicit-tls-vsftpd-curl');
    const view = readView(FIXTURES, 'implicit-tls-vsftpd-curl');
    const s = a.sessions[0];
    expect([s.server.port, s.tlsMode, s.diagnosis?.cause]).toEqual([990, 'implicit', 'tls-hidden']);
    const syns = synFrames(view, '192.0.2.10', '198.51.100.20', 0).filter((f) => f > s.tlsFrame!);
    expect(syns).toHaveLength(1);
    expect(s.diagnosis!.guesses!.map((g) => g.synFrame)).toEqual(syns);
    expect(s.diagnosis!.summary).toMatch(/implicit FTPS \(TLS from the first byte, port 990\)/);
  });
});

describe('diagnose catalog', () => {
  it('has a title and advice naming a side for every cause, and a check for each', async () => {
    const { CATALOG } = await import('../../src/analysis/diagnose/catalog.js');
    const { TRANSFER_CHECKS } = await import('../../src/analysis/diagnose/index.js');
    const codes = Object.keys(CATALOG);
    expect(codes).toHaveLength(48);
    for (const c of codes) expect(CATALOG[c as keyof typeof CATALOG].advice).toMatch(/\b(client|server|NAT|capture|SFTP)('s)?\b/);
    // 27 transfer checks (two for active-syn-unanswered, two for tls-session-not-reused: the 522 read,
    // and an inferred transfer's new TLS session without keys; the refused checks also give
    // active/passive-host-unreachable for a router's late host-unreachable; the stalled check gives
    // path-loss when data was lost on the way to a receiver that kept reading) plus the session-level checks
    // (tls-hidden, control-unanswered, control-refused, not-ftp, session-refused, no-greeting, login-failed, auth-refused,
    // prot-refused, tls-mode-mismatch, and the session forms of tls-handshake-failed and tls-session-not-reused) and
    // relay-failed (read after every transfer's own diagnosis, checks/relay.ts) cover the 39 codes; two more transfer
    // checks for NAT64 (nat64-active, nat64-passive-ipv4); announce-split-dropped, a transfer check and a session one
    // (checks/split.ts): 40 codes. login-failed is a transfer's too: its PASV, PORT or command refused 530 for
    // want of a login (checks/login.ts, checkNotLoggedIn): 29 transfer checks. session-ended-first (checks/connect.ts
    // checkSessionEndedFirst): 41 codes, 30 transfer checks. The aborted check gives unconfirmed when the data had
    // arrived whole before the server's error reply: 42 codes. aborted is also an inferred transfer's whose data's
    // receiver reset its TLS data connection before the sender had ended it (checks/ftps.ts checkHiddenReceiverReset): 31. fxp-unreached (checks/fxp.ts): 43 codes, 32 transfer checks. checkDataUnseen
    // (checks/connect.ts): a 425 in a capture that holds none of the hosts' data connections, passive- or active-unreached: 33.
    // not-logged-in: checkNotLoggedIn's when the session sent no login at all (no USER, PASS or ACCT): 44 codes, 33 checks.
    // control-answer-reset (a session check, checks/control.ts) and passive-answer-reset (checks/address.ts
    // checkPassiveAnswerReset): a SYN answered from another address, the answer reset by the client: 46 codes, 34 checks.
    // control-abandoned (a session check, checks/control.ts): the called address's answer reset by a client gone: 47 codes;
    // data-abandoned (checks/connect.ts checkDataAbandoned), the same for a data connection: 48 codes, 35 checks.
    expect(TRANSFER_CHECKS).toHaveLength(35);
  });
});
