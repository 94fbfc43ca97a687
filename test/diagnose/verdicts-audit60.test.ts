/**
 * The sixtieth verdict audit: an FXP copy (lftp driving pyftpdlib and vsftpd) whose capture missed
 * the 227 that named the passive server's endpoint. The client copied that endpoint into its PORT
 * to the other server, which connected to it: the copy is the same FXP copy, not an FTP bounce.
 * Frames are tshark's (NAME.tshark-*.tsv) in the full capture; the derived capture numbers its
 * frames again, one less for each removed frame before (`at`).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { analyze, derived, derivedTexts, ftpRows, transfer } from './audit-fixtures.js';

const tmp = mkdtempSync(join(tmpdir(), 'ftpcap-audit60-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const name = 'fxp-vsftpd-pyftpdlib-lftp';

describe('FXP copy whose 227 the capture missed', () => {
  it('the PORT to pyftpdlib names the endpoint vsftpd announced in frame 61; its data connection runs between the two servers', async () => {
    expect(ftpRows(name, '1').filter(([f]) => f >= 60 && f <= 79)).toEqual([[60, 'PASV'], [61, '227'], [62, 'RETR'], [72, '150'], [79, '226']]);
    expect(ftpRows(name, '0').filter(([f]) => f >= 63 && f <= 80)).toEqual([[63, 'TYPE'], [64, '200'], [66, 'PORT'], [70, '200'], [71, 'STOR'], [76, '125'], [80, '226']]);
    // The whole capture: the pair as the linker finds it through both announcements.
    const a = await analyze(name);
    expect(transfer(a, '1.1').fxp).toEqual({ session: 2, transfer: 1 });
    expect(transfer(a, '2.1').fxp).toEqual({ session: 1, transfer: 1 });
  });

  it('without the 227 (frame 61): RETR and STOR stay one FXP copy of 511 bytes, both completed, no "bounce" in any output', async () => {
    // Before: 1.1 completed with cause "bounce" (the PORT named "a third host"), 2.1 "complete (replies;
    // data not captured)" with no data connection.
    const d = await derived(tmp, name, 'without-61', (f) => f !== 61);
    const port = transfer(d.a, '1.1');
    const pasv = transfer(d.a, '2.1');
    expect(pasv.announce).toBeNull();
    expect(pasv.unansweredAnnounce).toEqual({ command: 'PASV', frame: 60 });
    expect([port.fxp, pasv.fxp]).toEqual([{ session: 2, transfer: 1 }, { session: 1, transfer: 1 }]);
    for (const t of [port, pasv]) {
      expect([t.status, t.verdict.kind, t.diagnosis]).toEqual(['complete', 'completed', null]);
      expect(t.bytes).toBe(511);
      expect(t.connection).toMatchObject({ synFrame: d.at(67), established: true, match: 'exact' });
    }
    // Each sees the connection from its own side: pyftpdlib (PORT) connects, vsftpd (PASV) accepts.
    expect([port.connection!.server, port.connection!.client]).toEqual([{ ip: '203.0.113.30', port: 56589 }, { ip: '198.51.100.20', port: 50007 }]);
    expect([pasv.connection!.client, pasv.connection!.server]).toEqual([{ ip: '203.0.113.30', port: 56589 }, { ip: '198.51.100.20', port: 50007 }]);
    expect([port.request?.command, pasv.request?.command, port.reply?.frame, pasv.reply?.frame]).toEqual(['STOR', 'RETR', d.at(80), d.at(79)]);
    const { out, json } = await derivedTexts(d.file, ['summary', 'transfers', 'diagnose', 'explain', 'logs', 'report']);
    expect(json).toEqual([
      ['1.1', 'completed', null],
      ['2.1', 'completed', null],
    ]);
    for (const [command, text] of Object.entries(out)) expect(text, command).not.toMatch(/bounce/i);
  });
});
