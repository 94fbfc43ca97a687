/**
 * Review r76: ground truth (NAME.facts.json `expected`) read against every output for the fixtures of
 * /work/review-list-00 (review.md holds the table).
 *
 * Found: a download aborted after data lost on the path, captured at the SENDER's side (the server),
 * read "aborted by the client after 15,928 of 40,000 bytes" while the client had acknowledged none of
 * them (the client's own capture of the same run reads "after 0 of 40,000", and its script saved 0
 * bytes); a58-active-retr-blackhole-vsftpd-lftp-server-side read "after 89,240" where the client's
 * side holds 56,472. The count was the bytes the sender sent, not what arrived. The verdict now carries
 * `lost {sent, acknowledged}` (path-loss.ts sentNotArrived, as `incomplete` does), and the aborted
 * check says the same in its details.
 *
 * Frames are tshark's; sizes the recorder's.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyzeFiles } from '../../src/analysis/pipeline.js';
import { FIXTURES } from '../support/facts.js';
import { analyze, facts, flat, outputs, transfer } from './audit-fixtures.js';

describe('review 76: an aborted download whose data was lost on the path, seen at the sender', () => {
  it('a41-frag-blackhole-vsftpd-python-server-side: the client acknowledged 0 of the 15,928 bytes the server sent', async () => {
    const name = 'a41-frag-blackhole-vsftpd-python-server-side';
    expect(facts(name).client.messages).toContain('saved 0');
    const t = transfer(await analyze(name), '1.2');
    expect(t.verdict).toEqual({ kind: 'aborted', by: 'client', bytes: 15928, expected: 40000, cause: 'path-loss', lost: { sent: 15928, acknowledged: 0 }, evidence: [34, 35, 36, 38, 50] });
    expect([t.diagnosis!.cause, t.diagnosis!.evidence]).toEqual(['path-loss', [34, 35, 36, 38, 50, 58]]);
    const [transfers, summary, explain] = await outputs(name, 'transfers', 'summary', 'explain');
    expect(flat(transfers)).toContain('aborted by the client with 0 of the 15,928 bytes sent acknowledged by the client (40,000 announced): the rest was lost on the path (226, frame 50).');
    for (const text of [transfers, summary, explain]) expect(flat(text)).not.toMatch(/after 15,928 of 40,000|after 15928 of 40000/);
  });

  it('the same run at the client: after 0 of 40,000 bytes, no `lost` (the capture holds what arrived)', async () => {
    const t = transfer(await analyze('a41-frag-blackhole-vsftpd-python'), '1.2');
    expect(t.verdict).toMatchObject({ kind: 'aborted', by: 'client', bytes: 0, expected: 40000, cause: 'path-loss' });
    expect(t.verdict).not.toHaveProperty('lost');
  });

  it('a58-active-retr-blackhole-vsftpd-lftp-server-side: each cut attempt counts what the client acknowledged (56,472), as its own capture shows', async () => {
    const name = 'a58-active-retr-blackhole-vsftpd-lftp-server-side';
    const a = await analyze(name);
    const rows = ['1.1', '2.1', '3.1', '4.1'].map((id) => {
      const v = transfer(a, id).verdict;
      return v.kind === 'aborted' ? [id, v.by, v.bytes, v.expected, v.lost] : [id, v.kind];
    });
    expect(rows).toEqual([
      ['1.1', 'client', 89240, 262144, { sent: 89240, acknowledged: 56472 }],
      ['2.1', 'client', 89240, 205672, { sent: 89240, acknowledged: 56472 }],
      ['3.1', 'client', 89240, 149200, { sent: 89240, acknowledged: 56472 }],
      ['4.1', 'client', 88672, 92728, { sent: 88672, acknowledged: 56472 }],
    ]);
    // The client's side of the same run: 56,472 bytes arrived each time.
    const client = await analyze('a58-active-retr-blackhole-vsftpd-lftp');
    expect(['1.1', '2.1', '3.1', '4.1'].map((id) => transfer(client, id).bytes)).toEqual([56472, 56472, 56472, 56472]);
    const [transfers] = await outputs(name, 'transfers');
    expect(flat(transfers)).toContain('aborted by the client with 56,472 of the 89,240 bytes sent acknowledged by the client (262,144 announced): the rest was lost on the path.');
  });

  it('a68-fxp-data-timeout-vsftpd-pyftpdlib-lftp: the aborted check says what the receiving server acknowledged, not "65536 bytes had been transferred"', async () => {
    const name = 'a68-fxp-data-timeout-vsftpd-pyftpdlib-lftp';
    const t = transfer(await analyze(name), '1.1');
    expect(t.verdict).toMatchObject({ kind: 'aborted', by: 'client', bytes: 65536, cause: 'aborted', lost: { sent: 65536, acknowledged: 37648 } });
    const said = flat(t.diagnosis!.summary);
    expect(said).toContain('65536 bytes had been sent; the server had acknowledged 37648 of them, the rest sent again and never acknowledged: lost on the path.');
    expect(said).not.toContain('had been transferred');
  });

  it('a receiver-side gap is not this: a firewall reset seen at the client keeps its count and no `lost` (a29-aria2c-segment-reset-vsftpd)', async () => {
    const t = transfer(await analyze('a29-aria2c-segment-reset-vsftpd'), '1.1');
    expect(t.verdict).toMatchObject({ kind: 'aborted', by: 'firewall', bytes: 64088, cause: 'aborted' });
    expect(t.verdict).not.toHaveProperty('lost');
  });
});

// Review 76's open item, taken up by the lead: an upload whose server closed its end (FIN) and then
// reset the client's bytes still coming read "aborted by the server after 55,936 bytes" where the
// server had taken 32,768 (its file on disk). The verdict now carries `refusedAfterClose {sent,
// acknowledged, reset}` (path-loss.ts refusedAfterClose): the rest was refused by the closed end,
// not lost on the path and not taken.
describe("review 76: the bytes a receiver reset after closing its end are sent, not taken", () => {
  it('a58-stor-stalled-proftpd-python: 32,768 of the 55,936 bytes sent acknowledged (the size the server kept), the rest reset at frame 90', async () => {
    const name = 'a58-stor-stalled-proftpd-python';
    expect(facts(name).files[0].received.size).toBe(32768);
    const t = transfer(await analyze(name), '1.1');
    expect(t.verdict).toMatchObject({ kind: 'aborted', by: 'server', bytes: 55936, cause: 'stalled', refusedAfterClose: { sent: 55936, acknowledged: 32768, reset: 90 } });
    expect(t.verdict).not.toHaveProperty('lost');
    const [transfers, diagnose] = await outputs(name, 'transfers', 'diagnose');
    expect(transfers).toContain('aborted by the server with 32,768 of the 55,936 bytes sent acknowledged by the server: it had closed its end and reset the rest at frame 90.');
    expect(diagnose).toContain('55936 bytes are in the capture; the server acknowledged 32768');
    expect(transfers).not.toContain('after 55,936 bytes');
  });

  it('tri-stor-server-killed-server-side-vsftpd-curl: the killed server took 36,200 (its file), the 2,896 after its FIN were reset', async () => {
    const name = 'tri-stor-server-killed-server-side-vsftpd-curl';
    expect(facts(name).files[0].received.size).toBe(36200);
    const t = transfer(await analyze(name), '1.1');
    expect(t.verdict).toMatchObject({ kind: 'aborted', by: 'server', bytes: 39096, refusedAfterClose: { sent: 39096, acknowledged: 36200, reset: 89 } });
  });
});

describe('review 76: no acknowledged count beside decrypted bytes', () => {
  it('a65-ftps-server-killed-stor-vsftpd-lftp-secrets: TCP acknowledgements of TLS records are not set against the file bytes decrypted', async () => {
    // The capture with its key log inside (a pcapng Decryption Secrets Block).
    const name = 'a65-ftps-server-killed-stor-vsftpd-lftp-secrets';
    const t = transfer(await analyzeFiles([join(FIXTURES, `${name}.pcapng`)], { fileName: name, thread: false }), '1.1');
    expect(t.verdict).toMatchObject({ kind: 'aborted', by: 'server', bytes: 294912 });
    expect(t.verdict).not.toHaveProperty('refusedAfterClose');
    expect(t.verdict).not.toHaveProperty('lost');
    // No final reply came (the server was killed): its advice names no 426 (r77's note).
    expect(t.reply).toBeNull();
    expect(t.diagnosis!.advice).toBe('The server dropped the transfer: check its log (a crash, a restart, a limit) and its disk space.');
  });
});
