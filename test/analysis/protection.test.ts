/**
 * RFC 2228 protection other than TLS (AUTH GSSAPI, ADAT, then ENC/MIC-wrapped commands and
 * 631-633 replies, as GridFTP speaks on port 2811): the wrapped part is hidden like TLS — counted,
 * diagnosed as hidden, its data connections inferred — never read as garbage commands. Lines in,
 * through the real control parser and session builder (no packet bytes: the FTP layer's chunks).
 */
import { describe, expect, it } from 'vitest';
import { FtpControlParser } from '../../src/ftp/control-parser.js';
import { newSession, SessionBuilder } from '../../src/analysis/session-builder.js';
import { hiddenFrom } from '../../src/analysis/inferred-transfers.js';
import { checkTlsHidden } from '../../src/analysis/diagnose/checks/tls.js';
import { chunk } from '../ftp/chunks.js';

function run(lines: Array<['c' | 's', string]>) {
  const s = newSession(0, { ip: '192.0.2.10', port: 40000 }, { ip: '198.51.100.20', port: 2811 }, 0, 0, false);
  const builder = new SessionBuilder(s, {
    showPasswords: false,
    maxPendingCommands: 256,
    maxCommands: 1000,
    maxOpenAnnouncements: 100,
    onAnnounce: () => undefined,
    onForget: () => undefined,
    dataEnds: () => null,
    dataBytes: () => 0,
    onWarning: () => undefined,
  });
  const parser = new FtpControlParser((e) => builder.onEvent(e));
  lines.forEach(([side, text], i) => (side === 'c' ? parser.pushClient(chunk('c2s', `${text}\r\n`, i + 1)) : parser.pushServer(chunk('s2c', `${text}\r\n`, i + 1))));
  parser.finish();
  builder.finish();
  return s;
}

describe('GSSAPI-protected control channel', () => {
  const s = run([
    ['s', '220 GridFTP Server ready.'],
    ['c', 'AUTH GSSAPI'],
    ['s', '334 Using authentication type GSSAPI; ADAT must follow'],
    ['c', 'ADAT YIIB'],
    ['s', '235 ADAT=YGMG'],
    ['c', 'ENC Zm9vYmFy'],
    ['s', '633 YmFyZm9v'],
    ['c', 'MIC cGFzdg=='],
    ['s', '631 MjI3'],
  ]);

  it('records where protection began and counts the wrapped lines', () => {
    expect(s.protection).toEqual({ mechanism: 'GSSAPI', frame: 5, wrapped: 4 });
    expect(hiddenFrom(s)).toBe(5);
    expect(s.tls).toBe(false);
  });

  it('keeps the wrapped commands as what they are, paired with their wrapped replies', () => {
    expect(s.commands.map((c) => [c.command, c.reply?.code ?? null])).toEqual([
      [null, 220],
      ['AUTH', 334],
      ['ADAT', 235],
      ['ENC', 633],
      ['MIC', 631],
    ]);
    expect(s.commands.every((c) => c.malformed === undefined)).toBe(true);
  });

  it('is diagnosed as hidden, naming the mechanism', () => {
    // No capture end: nothing says the protection began just before it (in-flight.ts hiddenJustBegun).
    const d = checkTlsHidden(s, { point: 'unknown', reason: 'test', blind: '' }, null);
    expect(d?.cause).toBe('tls-hidden');
    expect(d?.summary).toMatch(/protects its commands with GSSAPI \(RFC 2228\) from frame 5 \(4 wrapped/);
    expect(d?.evidence).toEqual([5]);
  });

  it('an AUTH GSSAPI that never got to ADAT protects nothing', () => {
    const t = run([
      ['s', '220 ready'],
      ['c', 'AUTH GSSAPI'],
      ['s', '334 ADAT must follow'],
      ['c', 'QUIT'],
      ['s', '221 bye'],
    ]);
    expect(t.protection).toBeUndefined();
    expect(hiddenFrom(t)).toBeNull();
  });
});
