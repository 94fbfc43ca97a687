/**
 * Session 43: the control connection cut by a router's idle timeout while a slow RETR ran, captured at
 * the client, at the server and on the router itself (tcpdump -i any): tri-ctrl-idle-cut-*. curl reads
 * 262,144 bytes at 24 kB/s; the router forgets the idle control connection after 3 s and drops what
 * comes on it as INVALID: the server's 226, sent again and again, then the client's FIN when curl gives
 * up ("FTP response timeout", exit 28). The router's capture holds both sides' unacknowledged repeats;
 * the control connection's fact took the client's FIN (looked at first) and the transfer read
 * "completed: 262,144 bytes … (226)" there — the 226 that never reached the client. Found by merging
 * the ctrl-idle-cut client and server captures (mergecap), then recorded for real on the router.
 */
import { describe, expect, it } from 'vitest';
import { analyze, flat, jsonVerdicts, outputs, transfer, verdicts } from './audit-fixtures.js';

const BASE = 'tri-ctrl-idle-cut';
const name = (point: string): string => `${BASE}-${point}-vsftpd-curl`;

describe('a control connection cut by an idle timeout, seen at three points', () => {
  it('every point: the data whole, the final reply lost (control-cut), never completed', async () => {
    for (const point of ['client-side', 'server-side', 'router']) {
      const a = await analyze(name(point));
      expect(verdicts(a), point).toEqual([['1.1', 'reply-lost', 'control-cut', null]]);
      expect(transfer(a, '1.1').bytes, point).toBe(262_144);
      expect(await jsonVerdicts(name(point)), point).toEqual([['1.1', 'reply-lost', 'control-cut']]);
    }
  });

  it('the router: the 226 (frame 1127), sent again 8 times, is the cut; not the client FIN given up on later (frame 1136)', async () => {
    const a = await analyze(name('router'));
    const u = a.sessions[0].controlConnection.unacknowledged!;
    expect([u.by, u.frame, u.repeats]).toEqual(['server', 1127, [1128, 1129, 1130, 1131, 1132, 1133, 1134, 1135]]);
    const t = transfer(a, '1.1');
    expect(t.verdict).toMatchObject({ kind: 'reply-lost' });
    const d = t.diagnosis!;
    expect(d.evidence).toEqual([31, 33, 35, 47, 49, 1119, 1127, 1128]);
    expect(flat(d.summary)).toContain('The server\'s final reply, 226 Transfer complete (frame 1127), never reached the client: it was sent again 8 times (frames 1128, 1129, 1130, 1131, 1132, 1133, 1134 and 1135) and never acknowledged');
    for (const text of await outputs(name('router'), 'summary', 'transfers', 'explain')) expect(text).not.toMatch(/completed: 262,144/);
  });

  it('the client side: no 226 arrived; the client FIN repeated is the evidence', async () => {
    const a = await analyze(name('client-side'));
    const u = a.sessions[0].controlConnection.unacknowledged!;
    expect([u.by, u.fin, u.bytes]).toEqual(['client', true, 0]);
    expect(transfer(a, '1.1').reply).toBeNull();
  });
});
