/**
 * Cases the fuzzer found, kept as fixed regression cases. Each is a fixture (or a window of one),
 * the ops that damaged it and the seed that drove chunking and rendering — the row `npm run fuzz`
 * prints for a finding — never committed bytes. Each runs through the same checks as the fuzz
 * (test/support/fuzz/run-case.ts) and must pass them all; `also` asserts what the case was about,
 * so a table row cannot silently stop exercising its bug.
 */
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { analyzeStream } from '../../src/analysis/pipeline.js';
import type { Analysis } from '../../src/analysis/model.js';
import { toJson } from '../../src/render/json.js';
import { caseBase, type Window } from '../support/fuzz/corpus.js';
import { runOps } from '../support/fuzz/driver.js';
import { applyOps, describeOp, type Op } from '../support/fuzz/mutations.js';

interface Regression {
  /** Where it was found: the run (seed, plan) and case number. */
  found: string;
  /** What was wrong before the fix. */
  bug: string;
  fixture: string;
  window: Window | null;
  seed: number;
  ops: Op[];
  /** What makes the case this bug's case (checked on the damaged capture's analysis). */
  also?: (a: Analysis) => void;
}

const REGRESSIONS: Regression[] = [
  {
    found: 'npm run fuzz -- --seed 1 --spread --from 290 --cases 1 (the first fuzz run)',
    bug: 'JSON output printed DEL (U+007F) from a flipped reply byte raw: JSON.stringify escapes C0 only; now DEL, C1 and bidi overrides are \\u-escaped too',
    fixture: 'bounce-allowed-vsftpd-python.pcap',
    window: null,
    seed: 1_665_175_984,
    ops: [
      { op: 'flip', at: 297, mask: 46 },
      { op: 'flip', at: 1441, mask: 126 },
      { op: 'flip', at: 1160, mask: 81 },
    ],
    also: (a) => expect(JSON.stringify(toJson(a, 'summary'))).toContain('\u007f'),
  },
  {
    found: 'npm run fuzz -- --seed 2: case 26322',
    bug: "`transfers` printed the TYPE argument raw (a flipped byte made it 'TYPE \\x0e'); now escaped",
    fixture: 'bounce-allowed-vsftpd-python.pcap',
    window: null,
    seed: 3_199_177_487,
    ops: [{ op: 'flip', at: 1250, mask: 71 }],
    also: (a) => expect(a.sessions[0].transfers.some((t) => t.type === 'I\u000e' || /[\u0000-\u001f]/.test(t.type ?? ''))).toBe(true),
  },
  {
    found: 'npm run test:fuzz (FTPCAP_FUZZ=full, seed 20261121, spread): case 10081',
    bug: "the fuzz's own check took the packet count for the last frame number: a pcapng block of an unknown type is a frame to Wireshark (tshark numbers 85 frames here) but no packet (84), so the data connection's FIN at frame 85 was called out of range",
    fixture: 'ftps-implicit-2990-vsftpd-curl-secrets.pcapng',
    window: null,
    seed: 1359941602,
    ops: [
      { op: 'insert', at: 20639, length: 16, seed: 2012776382 },
      { op: 'field', record: 88, field: 'block-length', value: 65536 },
      { op: 'field', record: 81, field: 'type', value: 2989 },
    ],
    also: (a) => {
      expect(a.capture.packets).toBe(84);
      expect(a.sessions[0].transfers[1].connection?.handshake.at(-1)).toMatchObject({ type: 'fin', frame: 85 });
    },
  },
  {
    found: 'npm run test:fuzz (FTPCAP_FUZZ=full, seed 20261121, spread): case 10149',
    bug:
      "the fuzz's own check called a mid-stream data connection settled before a cut because the analysis, which infers such a " +
      "connection afterwards, keeps no frame of its last data or its reset (pure-ftpd's 226 came while axel's segment was still " +
      'arriving: 100,496 bytes before the cut, 121,152 in the whole window); such a connection is now settled only when its end (time) lies before the cut',
    fixture: 'a29-axel-split-pureftpd.pcap.gz',
    window: { start: 3264, count: 300 },
    seed: 1585708504,
    ops: [{ op: 'cut', at: 107928 }],
    also: (a) => expect(a.sessions[0].transfers[0]).toMatchObject({ inferred: 'midstream', bytes: 100496, connection: { lastData: null } }),
  },
  {
    found: 'npm run test:fuzz (FTPCAP_FUZZ=full, seed 20261121, spread): case 31',
    bug:
      'a capture cut short inside a multi-line reply whose middle was lost (a lossy control connection): the reply was closed at the gap and each ' +
      "feature line after it became a reply of its own (' MDTM' as a non-FTP line), 3 entries the whole capture does not have; now the text lines " +
      'after a gap stay in the open reply, and only a line that opens a reply of its own ends it',
    fixture: 'ctrl-lossy-client-side-vsftpd-lftp.pcap',
    window: null,
    seed: 2712193204,
    ops: [
      { op: 'flip', at: 8183, mask: 14 },
      { op: 'flip', at: 10085, mask: 7 },
      { op: 'flip', at: 1586, mask: 52 },
    ],
    also: (a) => {
      const feat = a.sessions[0].commands.find((c) => c.command === 'FEAT')!;
      expect([feat.reply?.code, feat.reply?.frame, a.sessions[0].commands.filter((c) => c.command === null).length]).toEqual([211, 18, 1]);
    },
  },
  {
    found: 'npm run test:fuzz (FTPCAP_FUZZ=full, seed 20261121, spread, 199 fixtures): case 230',
    bug:
      "not ftpcap's: the fuzz check's. Bytes inserted at frame 25 stop reading after frame 24, where the FEAT reply's last line came; " +
      'its middle line (REST STREAM, 14 bytes) was lost and came again only in frame 26. The cut capture rightly holds the 211 with a ' +
      'capture gap inside (malformed), one line short; the check now compares such a reply by code and frame, not text',
    fixture: 'ctrl-lossy-client-side-vsftpd-lftp.pcap',
    window: null,
    seed: 2090127563,
    ops: [{ op: 'insert', at: 2142, length: 300, seed: 186825334 }],
    also: (a) => {
      const feat = a.sessions[0].commands.find((c) => c.command === 'FEAT')!;
      expect([feat.reply?.code, feat.reply?.frame, feat.reply?.malformed, a.sessions[0].controlGapBytes]).toEqual([211, 24, 'capture gap inside multi-line reply', 14]);
      expect(feat.reply?.text).not.toContain('REST STREAM');
    },
  },
  {
    found: 'npm run test:fuzz (FTPCAP_FUZZ=full, fixed seed, 733 fixtures): case 28789',
    bug:
      "lftp mirror's RETR refused 550 (frame 159) read not yet known in a capture cut after lftp's next PASV (frame 253, 4.3 s later, its " +
      '227 past the cut): a 550 on a name that may be a directory stays open until the client moves on, and an announcement asked ' +
      'before any CWD into the name is moving on, answered or not (in-flight.ts directoryUndecidedAtEnd); it read failed in the whole capture',
    fixture: 'a61-mirror-one-denied-one-dropped-vsftpd-lftp.pcap',
    window: null,
    seed: 2828339499,
    ops: [{ op: 'cut', at: 90497 }],
    also: (a) => {
      const t = a.sessions[0].transfers.find((x) => x.request?.frame === 158)!;
      expect([t.reply?.code, t.status]).toEqual([550, 'failed']);
      expect(a.sessions[0].commands.at(-1)).toMatchObject({ command: 'PASV', frame: 253, reply: null });
    },
  },
];

describe('fuzz findings, replayed', () => {
  it.each(REGRESSIONS.map((r) => [`${r.fixture}: ${r.ops.map(describeOp).join('; ')}`, r]))('%s', async (_name, r) => {
    // Every table renderer and the whole dump, whichever the seed would have drawn.
    const result = await runOps(r.fixture, r.window, r.ops, r.seed, { tablesShare: 1, maxDumpFrames: 1000 });
    expect(result.problems).toEqual([]);
    if (r.also) {
      const bytes = applyOps(caseBase(r.fixture, r.window).bytes, r.ops);
      r.also(await analyzeStream(Readable.from([bytes]), { fileName: r.fixture }));
    }
  });
});
