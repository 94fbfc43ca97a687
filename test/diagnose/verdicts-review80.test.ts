/**
 * Ground-truth review 80: the outputs other than `transfers` and `diagnose` (explain, timeline, logs,
 * report) read against each fixture's ground truth.
 *
 * One-way captures (a22-oneway-*, a24-oneway-*, a28-oneway-*): the capture holds one side's packets of
 * the control connection. Recorded with the server's side only, each session ended with curl's or
 * lftp's QUIT, the server's 221 (in the capture) and the server's FIN; with the client's side only
 * (a22-oneway-server-in), with the client's QUIT (in the capture) and the 221 out of it. Before this
 * review `explain` listed, among the departures from the textbook, "the server closed the control
 * connection (FIN, frame 88) without a QUIT answered by 221 first" beside its own step "The server
 * replies …: 221 Goodbye. (frame 87)": the half of the QUIT exchange the capture can hold was there,
 * the other half was out of the capture, and the sentence was false (analysis/session-facts.ts
 * abruptEnd). A client that sent no QUIT, in a capture of its own side (a22-oneway-passive-drop:
 * curl closes after its data connection failed), still reads so.
 *
 * Frames are tshark's (NAME.tshark-ftp.tsv).
 */
import { describe, expect, it } from 'vitest';
import { abruptEnd } from '../../src/analysis/session-facts.js';
import { analyze, facts, ftpRows, outputs } from './audit-fixtures.js';

describe('review 80: one-way captures end with the half of QUIT/221 they can hold', () => {
  const serverOnly = [
    { name: 'a22-oneway-server-out-vsftpd-curl', reply: 87, fin: 88 },
    { name: 'a22-oneway-client-in-vsftpd-curl', reply: 99, fin: 100 },
    { name: 'a24-oneway-server-active-vsftpd-lftp', reply: 114, fin: 115 },
    { name: 'a24-oneway-server-passive-vsftpd-lftp', reply: 111, fin: 112 },
    { name: 'a24-oneway-server-active-drop-vsftpd-python', reply: 27, fin: 28 },
    { name: 'a28-oneway-stor-active-pureftpd-curl', reply: 40, fin: 41 },
    { name: 'a28-oneway-stor-passive-pureftpd-curl', reply: 39, fin: 40 },
  ];
  for (const c of serverOnly) {
    it(`${c.name}: the server's 221 (frame ${c.reply}) before its FIN (frame ${c.fin}): no 'without a QUIT'`, async () => {
      const rows = ftpRows(c.name, '0');
      expect(rows.find(([f]) => f === c.reply)?.[1]).toMatch(/^221/);
      const a = await analyze(c.name);
      const s = a.sessions[0];
      expect(s.oneWay).toBe('server');
      expect(s.closedBy).toMatchObject({ by: 'server', frame: c.fin });
      expect(abruptEnd(s)).toBeNull();
      const [explain] = await outputs(c.name, 'explain');
      expect(explain).not.toMatch(/without a QUIT/);
    });
  }

  it("a22-oneway-server-in-vsftpd-curl: the client's QUIT (frame 95) in a capture of its side only: the 221 is out of it", async () => {
    const name = 'a22-oneway-server-in-vsftpd-curl';
    expect(ftpRows(name, '0').find(([f]) => f === 95)?.[1]).toMatch(/^QUIT/);
    const a = await analyze(name);
    const s = a.sessions[0];
    expect(s.oneWay).toBe('client');
    expect(abruptEnd(s)).toBeNull();
    const [explain] = await outputs(name, 'explain');
    expect(explain).not.toMatch(/without a QUIT/);
  });

  it('a22-oneway-passive-drop-vsftpd-curl: the client closed with no QUIT in its own captured direction: still said', async () => {
    const name = 'a22-oneway-passive-drop-vsftpd-curl';
    expect(facts(name).expected).toMatch(/.+/);
    const a = await analyze(name);
    const s = a.sessions[0];
    expect(s.oneWay).toBe('client');
    expect(s.commands.some((x) => x.command === 'QUIT')).toBe(false);
    expect(abruptEnd(s)).toMatchObject({ how: 'no-quit', by: 'client', frame: 16 });
  });
});

/**
 * data-reset-vsftpd-curl: the router resets the server's end of the data connection after ~56 kB;
 * vsftpd answers 426 (frame 84); the client's FIN 20 s later draws the server's RST (frame 88). The
 * transfer's diagnosis advises the firewall's reset; the session's ("No transfer of session 1
 * succeeded …", shown by `report` as a card of its own) gave the catalog's advice for an abort, "look
 * at the side that aborted: the client (timeouts, interrupts) or the server (its disk, its data
 * connection timeout)": neither had. A session whose every transfer failed advises what its
 * transfers of that cause advise when they agree (analysis/diagnose/index.ts allFailed).
 */
describe("review 80: a session's all-failed advice is its transfers' own", () => {
  it('data-reset-vsftpd-curl: the session advises the firewall reset its transfer advises', async () => {
    const a = await analyze('data-reset-vsftpd-curl');
    const s = a.sessions[0];
    const t = s.transfers[0];
    expect(t.diagnosis).toMatchObject({ cause: 'aborted' });
    expect(t.diagnosis!.evidence).toEqual([18, 19, 20, 26, 84, 87, 88]);
    expect(s.diagnosis).toMatchObject({ cause: 'aborted' });
    expect(s.diagnosis!.advice).toBe(t.diagnosis!.advice);
    expect(s.diagnosis!.advice).toMatch(/^Something other than the client reset the server's end of the data connection/);
    expect(s.diagnosis!.advice).not.toMatch(/look at the side that aborted/);
  });
});
