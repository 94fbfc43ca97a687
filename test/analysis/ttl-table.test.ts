/**
 * The first TTL per pair of addresses (analysis/ttl-table.ts): the client of a merged capture is
 * seen with 64 toward one address and 63 toward another; each pair keeps its own first value, and
 * the table stops taking new pairs at its bound (their TTL is then unknown, never wrong).
 */
import { describe, expect, it } from 'vitest';
import { TtlTable } from '../../src/analysis/ttl-table.js';

describe('TtlTable', () => {
  it('keeps the first TTL of each pair, each direction on its own', () => {
    const t = new TtlTable(10);
    t.note('192.0.2.10', '203.0.113.21', 64);
    t.note('192.0.2.10', '198.51.100.20', 63);
    t.note('192.0.2.10', '203.0.113.21', 60);
    t.note('198.51.100.20', '192.0.2.10', 64);
    expect([t.of('192.0.2.10', '203.0.113.21'), t.of('192.0.2.10', '198.51.100.20'), t.of('198.51.100.20', '192.0.2.10'), t.of('203.0.113.21', '192.0.2.10')]).toEqual([64, 63, 64, null]);
  });

  it('takes no pair past its bound', () => {
    const t = new TtlTable(2);
    t.note('a', 'b', 64);
    t.note('a', 'c', 63);
    t.note('b', 'a', 128);
    t.note('a', 'b', 1);
    expect([t.of('a', 'b'), t.of('a', 'c'), t.of('b', 'a')]).toEqual([64, 63, null]);
  });

  it('keeps the link-layer source of the same first packet (null when the link has none)', () => {
    const t = new TtlTable(10);
    t.note('192.0.2.10', '198.51.100.20', 64, { src: '52:e4:14:c3:5d:4f' });
    t.note('192.0.2.10', '198.51.100.20', 64, { src: '00:00:00:00:00:01' });
    t.note('192.0.2.11', '198.51.100.20', 64);
    expect([t.linkOf('192.0.2.10', '198.51.100.20'), t.linkOf('192.0.2.11', '198.51.100.20'), t.linkOf('198.51.100.20', '192.0.2.10')]).toEqual(['52:e4:14:c3:5d:4f', null, null]);
  });
});
