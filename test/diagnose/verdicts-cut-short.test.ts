/**
 * Captures cut short (`npm run sweep:prefix`) while a transfer was still under way must read it not
 * known, with no cause: found on the recordings of audits 63 and 64.
 *
 * a63-killed-upload-ncftp-resume-vsftpd: ncftpput is killed 2 s into a 98,304-byte STOR; its control
 * connection closes (FIN, frame 135) while its kernel goes on sending the upload it had queued, through
 * the server's small window, until its FIN (frame 239) and the 226 (frame 243). Cut at frame 193 the
 * upload read "incomplete (session ended)"; cut at frame 239, the same.
 *
 * a64-ipv4-fragneeded-1280-server-side-vsftpd-curl: the route to the client has an MTU of 1280; the
 * router answers the server's full-sized segments with ICMP "fragmentation needed" (frames 33-37,
 * 43-47) and the server sends them again smaller. Cut at frame 65 the RETR read "incomplete" with the
 * cause path-loss, the diagnosis of a path that drops what it cannot carry without saying so.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { analyzeFiles } from '../../src/analysis/pipeline.js';
import type { Analysis } from '../../src/analysis/model.js';
import { filterPcap } from '../support/pcap-edit.js';
import { path } from './audit-fixtures.js';

const tmp = mkdtempSync(join(tmpdir(), 'ftpcap-cut-short-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

async function cutAt(name: string, last: number): Promise<Analysis> {
  const file = join(tmp, `${name}-${last}.pcap`);
  writeFileSync(file, filterPcap(readFileSync(path(name)), (r) => r.frame <= last));
  return analyzeFiles([file], { fileName: file, thread: false });
}

describe('a capture cut short while a transfer was under way', () => {
  it('an upload whose killed client had closed its control connection, its data still moving, was under way', async () => {
    const a = await cutAt('a63-killed-upload-ncftp-resume-vsftpd', 193);
    const [t] = a.sessions[0].transfers;
    expect([t.request?.command, t.request?.frame, a.sessions[0].closedBy?.frame, a.sessions[0].closedBy?.by]).toEqual(['STOR', 51, 135, 'client']);
    expect([t.status, t.verdict.kind, 'why' in t.verdict ? t.verdict.why : null]).toEqual(['incomplete', 'incomplete', 'capture-ended']);
    expect(t.verdict.kind === 'incomplete' ? t.verdict.underWay?.step : null).toBe('moving');
    expect(t.diagnosis ?? null).toBeNull();
  });

  it('the same upload cut at its data\'s FIN (frame 239): the 226 was still to come', async () => {
    const a = await cutAt('a63-killed-upload-ncftp-resume-vsftpd', 239);
    const [t] = a.sessions[0].transfers;
    expect([t.status, 'why' in t.verdict ? t.verdict.why : null, t.verdict.kind === 'incomplete' ? t.verdict.underWay : null]).toEqual([
      'incomplete', 'capture-ended', { step: 'waiting', frame: 239 },
    ]);
    expect(t.diagnosis ?? null).toBeNull();
  });

  it('a download whose segments the path answered with "fragmentation needed" and the server sent again smaller is no path loss', async () => {
    const a = await cutAt('a64-ipv4-fragneeded-1280-server-side-vsftpd-curl', 65);
    const [t] = a.sessions[0].transfers;
    expect([t.request?.command, t.connection?.icmpErrors.map((e) => [e.frame, e.type, e.code])]).toEqual([
      'RETR', [[33, 3, 4], [34, 3, 4], [35, 3, 4], [36, 3, 4], [37, 3, 4], [43, 3, 4], [44, 3, 4], [45, 3, 4], [46, 3, 4], [47, 3, 4]],
    ]);
    expect([t.status, 'why' in t.verdict ? t.verdict.why : null, t.verdict.kind === 'incomplete' ? t.verdict.lost ?? null : 'n/a']).toEqual(['incomplete', 'capture-ended', null]);
    expect(t.diagnosis ?? null).toBeNull();
  });
});
