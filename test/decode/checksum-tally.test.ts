import { describe, expect, it } from 'vitest';
import { ChecksumTally } from '../../src/decode/checksum-tally.js';
import { decodeFrame } from '../../src/decode/frame.js';
import { record } from './packets.js';
import { checksums } from './scenarios.js';

describe('ChecksumTally', () => {
  it('offload is likely when a host sent ≥ 3 failed packets and (nearly) all of its packets failed', () => {
    const t = new ChecksumTally();
    t.addStatuses('10.0.0.1', 'ok', 'bad');
    t.addStatuses('10.0.0.1', 'ok', 'bad');
    expect(t.offloadLikely('10.0.0.1')).toBe(false); // only 2 so far
    t.addStatuses('10.0.0.1', 'unverifiable', 'bad');
    expect(t.offloadLikely('10.0.0.1')).toBe(true);
    t.addStatuses('10.0.0.1', 'ok', 'ok');
    expect(t.offloadLikely('10.0.0.1')).toBe(false); // 3 of 4 bad: real errors, not offload
    expect(t.host('10.0.0.1')).toEqual({ ipv4Ok: 3, ipv4Bad: 0, tcpOk: 1, tcpBad: 3, verifiablePackets: 4, failedPackets: 3 });
  });

  it('tolerates the odd good packet among many bad ones (the kernel checksums some itself)', () => {
    const t = new ChecksumTally();
    for (let i = 0; i < 69; i++) t.addStatuses('192.0.2.10', 'ok', 'bad');
    t.addStatuses('192.0.2.10', 'ok', 'ok');
    expect(t.offloadLikely('192.0.2.10')).toBe(true); // 69 of 70, as in the offload-on fixture
    for (let i = 0; i < 7; i++) t.addStatuses('192.0.2.10', 'ok', 'ok');
    expect(t.offloadLikely('192.0.2.10')).toBe(false); // 69 of 77: below 90%
  });

  it('unverifiable packets do not count; unknown hosts are not offloading', () => {
    const t = new ChecksumTally();
    for (let i = 0; i < 5; i++) t.addStatuses('2001:db8::1', 'unverifiable', 'unverifiable');
    expect(t.host('2001:db8::1')).toBeUndefined();
    expect(t.offloadLikely('2001:db8::1')).toBe(false);
    expect(t.offloadLikely('192.0.2.99')).toBe(false);
  });

  it('counts decoded frames by IP source and summarises', () => {
    const t = new ChecksumTally();
    const good = decodeFrame(record(1, checksums.frames[0].data));
    const bad = decodeFrame(record(1, checksums.frames[1].data));
    for (let i = 0; i < 3; i++) t.add(bad);
    t.add(decodeFrame(record(1, new Uint8Array(10))));
    expect(t.summary()).toEqual({ offloadLikely: ['192.0.2.1'], badIpv4: 3, badTcp: 3, okIpv4: 0, okTcp: 0 });
    t.add(good);
    expect(t.summary()).toEqual({ offloadLikely: [], badIpv4: 3, badTcp: 3, okIpv4: 1, okTcp: 1 });
  });
});
