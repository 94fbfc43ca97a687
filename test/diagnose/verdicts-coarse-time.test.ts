/**
 * Session 50: captures that keep time coarsely (scripts/sweep/coarse-sweep.mjs): every timestamp
 * cut down to 0.1 s, the records and their order as recorded. Packets apart in time then share a
 * timestamp; what came first is still the capture's order.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Analysis } from '../../src/analysis/model.js';
import { analyzeFiles } from '../../src/analysis/pipeline.js';
import { coarseTimes } from '../support/pcap-edit.js';
import { analyze, derivedTexts, path } from './audit-fixtures.js';

const tmp = mkdtempSync(join(tmpdir(), 'ftpcap-coarse-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** Per transfer: its RETR's frame, status, and the session of the segment after it with the frame where the client closed it. */
const rows = (a: Analysis): unknown[][] =>
  a.sessions.flatMap((s) => s.transfers.map((t) => [`${s.id}.${t.id}`, t.request?.frame, t.status, t.segment?.next.session ?? null, t.segment?.closed ?? null]));

describe('a split download whose next segment\'s session opened in the same tenth of a second as the client closed this one', () => {
  // axel splits seg3m.txt over sessions; it closes transfer 3.1's data connection (RST, frame 3445)
  // once its bytes reach the next segment's start, asked over session 6 (opened at 2.738 s, its RETR
  // at frame 3483, after that close). The segment was beside this one: its session was open before
  // the close. Cut to 0.1 s, the session's opening and the close share a timestamp (2.7 s): the tie
  // read as "opened after", so transfer 3.1 had no next segment and read "aborted" by the client.
  const NAME = 'a29-axel-split-vsftpd';
  it('every segment still complete, 3.1 closed where 6.1 begins', async () => {
    const whole = await analyze(NAME);
    const want = [
      ['1.1', 36, 'complete', 3, 1788],
      ['2.1', 1146, 'complete', 4, 2816],
      ['3.1', 921, 'complete', 6, 3445],
      ['4.1', 2566, 'complete', 5, 3375],
      ['5.1', 3072, 'complete', null, null],
      ['6.1', 3483, 'complete', 2, 3577],
    ];
    expect(rows(whole)).toEqual(want);
    const file = join(tmp, `${NAME}-0.1s.pcap`);
    writeFileSync(file, coarseTimes(readFileSync(path(NAME)), 0.1));
    const a = await analyzeFiles([file], { fileName: file, thread: false });
    // Session 6 opened, and the client reset 3.1's data connection, at one timestamp.
    expect(a.sessions[2].transfers[0].connection!.handshake.find((e) => e.type === 'rst')).toMatchObject({ frame: 3445, by: 'client', time: a.sessions[5].start });
    expect(rows(a)).toEqual(want);
    const { json } = await derivedTexts(file, []);
    expect(json.map(([id, kind]) => [id, kind])).toEqual(want.map(([id]) => [id, 'completed']));
  });
});
