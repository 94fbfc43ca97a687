/**
 * tls-no-close-notify on model values, for the branches the recordings (ftps-diagnoses.test.ts: the
 * server killed mid-RETR, TLS 1.3 and 1.2) do not reach: a download that did not complete whose
 * sender closed without close_notify is diagnosed; with the close_notify present, or when nothing
 * tells (TLS 1.3 without keys and no record seen), it is not; TLS 1.3 without keys reads the length
 * of the sender's last record (a close_notify is 19 bytes).
 */
import { describe, expect, it } from 'vitest';
import type { Analysis, DataConnection } from '../../src/analysis/model.js';
import { checkTlsNoCloseNotify } from '../../src/analysis/diagnose/checks/ftps.js';
import { newSession, newTransfer } from '../../src/analysis/session-builder.js';
import { emptyTlsFacts } from '../../src/tls/connection.js';

function setup(opts: { version: string; decrypted: boolean; serverCloseNotify: number | null; lastServerRecord?: number }) {
  const s = newSession(0, { ip: '192.0.2.10', port: 40000 }, { ip: '198.51.100.20', port: 21 }, 0, 10, false);
  s.id = 1;
  const t = newTransfer(s, 1, 'passive', null);
  t.direction = 'download';
  t.status = 'incomplete';
  t.bytes = 1000;
  t.request = { frame: 20, time: 1, command: 'RETR', arg: 'big.bin', path: '/big.bin' };
  const tls = { ...emptyTlsFacts(), version: opts.version, clientHelloFrame: 22, serverHelloFrame: 23, tlsClient: 'initiator' as const, handshakeDone: true };
  tls.decryption = opts.decrypted ? 'decrypted' : 'no-keys';
  tls.closeNotify = { client: null, server: opts.serverCloseNotify };
  if (opts.lastServerRecord !== undefined) tls.ending.server = { last: { frame: 39, type: 23, length: opts.lastServerRecord, protected: true }, cut: null };
  t.connection = {
    stream: 1, initiator: 'client', client: { ip: '192.0.2.10', port: 40001 }, server: { ip: '198.51.100.20', port: 50000 },
    synFrame: 21, synFrames: [21], synAckFrames: [22], established: true, establishedFrame: 23, bytesToServer: 500, bytesToClient: 1500,
    cutBytes: 0, gapBytes: 0, undeliveredBytes: 0, unacknowledgedBytes: 0, unacknowledged: { toServer: 0, toClient: 0 }, start: 1, end: 2, close: 'fin', rst: null, icmpErrors: [], retransmissions: 0, retransmittedBy: { client: 0, server: 0 }, firstRetransmittedBy: { client: 0, server: 0 }, ackAdvancedBy: { client: -1, server: -1 },
    captureCopies: 0, zeroWindowFrames: [], midstream: false,
    handshake: [{ type: 'fin', frame: 40, time: 2, by: 'server' }], finAcked: { client: false, server: false }, drained: { toServer: null, toClient: null }, windowShut: { toServer: null, toClient: null }, longestShut: { toServer: 0, toClient: 0 }, lastData: null, longestSilence: null, match: 'exact', tls,
    marks: { ttl: { client: 64, server: 64 }, clientLink: null },
  } as DataConnection;
  s.transfers.push(t);
  const analysis = { capture: {} as Analysis['capture'], sessions: [s] } as Analysis;
  return checkTlsNoCloseNotify({ analysis, session: s, transfer: t, vantage: { point: 'client-side', reason: 'a test', blind: '' } as never });
}

describe('tls-no-close-notify', () => {
  it('a decrypted download whose server closed without close_notify', () => {
    const d = setup({ version: 'TLS 1.3', decrypted: true, serverCloseNotify: null });
    expect(d?.cause).toBe('tls-no-close-notify');
    expect(d?.summary).toMatch(/The server \(the data's sender\) closed the TLS data connection \(stream 1, frame 40\) without a TLS close_notify/);
    expect(d?.evidence).toContain(40);
  });
  it('not when the close_notify came', () => {
    expect(setup({ version: 'TLS 1.3', decrypted: true, serverCloseNotify: 39 })).toBeNull();
  });
  it('not when nothing tells (TLS 1.3, no keys, no record seen: alerts are encrypted inside application records)', () => {
    expect(setup({ version: 'TLS 1.3', decrypted: false, serverCloseNotify: null })).toBeNull();
  });
  it('TLS 1.3 without keys: a short last record is taken for the close_notify, a long one is data (likely no close_notify)', () => {
    expect(setup({ version: 'TLS 1.3', decrypted: false, serverCloseNotify: null, lastServerRecord: 19 })).toBeNull();
    expect(setup({ version: 'TLS 1.3', decrypted: false, serverCloseNotify: null, lastServerRecord: 40 })).toBeNull();
    const d = setup({ version: 'TLS 1.3', decrypted: false, serverCloseNotify: null, lastServerRecord: 16401 });
    expect(d?.cause).toBe('tls-no-close-notify');
    expect(d?.summary).toMatch(/without a TLS close_notify alert \(likely, from the length of its last record\)/);
    expect(d?.summary).toMatch(/its last record \(frame 39\) is 16,401 bytes long, data rather than a close_notify/);
    expect(d?.evidence).toEqual([20, 39, 40]);
  });
  it('TLS 1.2 without keys: no alert record from the sender before its FIN', () => {
    expect(setup({ version: 'TLS 1.2', decrypted: false, serverCloseNotify: null })?.cause).toBe('tls-no-close-notify');
  });
});
