import { describe, expect, it } from 'vitest';
import type { Command, Session } from '../../src/analysis/model.js';
import { pairNatViews } from '../../src/analysis/nat-pairs.js';

function session(id: number, clientIp: string, t0: number, ttl: number): Session {
  const cmd = (dt: number, command: string, arg: string, code: number): Command => ({
    frame: id * 100 + Math.round(dt * 10),
    time: t0 + dt,
    command,
    arg,
    reply: { code, text: '', frame: 0, firstFrame: 0, time: t0 + dt + 0.001 },
    preliminary: [],
  });
  return {
    id,
    stream: id,
    client: { ip: clientIp, port: 40000 },
    server: { ip: '198.51.100.20', port: 21 },
    start: t0,
    end: t0 + 1,
    commands: [cmd(0.01, 'USER', 'ftpuser', 331), cmd(0.02, 'PASS', 'x', 230), cmd(0.3, 'PORT', '192,0,2,10,200,1', 200)],
    ttl: { client: ttl, server: 64 },
    natPeer: null,
  } as unknown as Session;
}

describe('pairNatViews', () => {
  it('pairs the two views of one session captured on a NAT (same packets, same instants)', () => {
    const inside = session(1, '192.0.2.10', 100, 64);
    const outside = session(2, '198.51.100.1', 100.0002, 63);
    pairNatViews([inside, outside]);
    expect(inside.natPeer).toMatchObject({ session: 2, side: 'inside', outside: { ip: '198.51.100.1' } });
    expect(outside.natPeer).toMatchObject({ session: 1, side: 'outside', inside: { ip: '192.0.2.10' } });
  });

  it('does not pair two clients running the same script half a second apart', () => {
    const a = session(1, '192.0.2.10', 100, 64);
    const b = session(2, '192.0.2.11', 100.5, 64);
    pairNatViews([a, b]);
    expect([a.natPeer, b.natPeer]).toEqual([null, null]);
  });

  it('does not pair sessions whose commands differ', () => {
    const a = session(1, '192.0.2.10', 100, 64);
    const b = session(2, '198.51.100.1', 100.0002, 63);
    b.commands[0].arg = 'someone-else';
    pairNatViews([a, b]);
    expect([a.natPeer, b.natPeer]).toEqual([null, null]);
  });

  it('finds the pair among thousands of sessions starting within the same 50 ms (generated crowd), looking at its nearest neighbours only', () => {
    // 4,000 sessions 10 µs apart from alternating addresses, each its own user: no two match. The
    // two views of one session sit in the middle, 2 µs apart.
    const crowd = Array.from({ length: 4000 }, (_, i) => {
      const s = session(i + 1, i % 2 === 0 ? '192.0.2.10' : '198.51.100.1', 100 + i * 1e-5, 64);
      s.commands[0].arg = `user${i}`;
      return s;
    });
    const inside = session(5001, '192.0.2.77', 100.02, 64);
    const outside = session(5002, '198.51.100.77', 100.020002, 63);
    const all = [...crowd.slice(0, 2000), inside, outside, ...crowd.slice(2000)];
    pairNatViews(all);
    expect(inside.natPeer).toMatchObject({ session: 5002, side: 'inside' });
    expect(crowd.filter((s) => s.natPeer !== null)).toEqual([]);
  });
});
