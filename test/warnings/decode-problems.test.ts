/**
 * Decoder problems are values (a code and its facts); the catalog gives each its kind and words it.
 * The sentences are the ones `ftpcap dump` prints under "Problem:" and the `malformed-packets`
 * warning quotes, so each code is pinned to its exact text here.
 */
import { describe, expect, it } from 'vitest';
import { NO_PROBLEMS, addProblem } from '../../src/decode/problems.js';
import type { DecodedFrame } from '../../src/decode/types.js';
import {
  DECODE_PROBLEMS,
  decodeProblem,
  problemKind,
  problemText,
  type DecodeProblem,
  type DecodeProblemCode,
} from '../../src/warnings/catalog.js';

/** One example of every code, with its sentence. */
const EXAMPLES: Array<[DecodeProblem, string]> = [
  [decodeProblem('link-header-short', { link: 'ethernet', needs: 14, has: 10 }), 'malformed: ethernet header needs 14 bytes, the frame has 10'],
  [decodeProblem('ip-header-short', { ip: 4, needs: 20, has: 4 }), 'malformed: IPv4 header needs 20 bytes, the packet has 4'],
  [decodeProblem('ip-header-short', { ip: 6, needs: 40, has: 30 }), 'malformed: IPv6 header needs 40 bytes, the packet has 30'],
  [decodeProblem('ip-version', { ip: 4, version: 6 }), 'malformed: IPv4 header with version 6'],
  [decodeProblem('ip-version', { ip: 6, version: 4 }), 'malformed: IPv6 header with version 4'],
  [decodeProblem('ipv4-header-length', { headerLength: 16 }), 'malformed: IPv4 header length 16 (IHL 4) is below 20'],
  [decodeProblem('ipv4-total-below-header', { totalLength: 16, headerLength: 20 }), 'malformed: IPv4 total length 16 is less than its header length 20'],
  [decodeProblem('ip-length-beyond-wire', { ip: 4, length: 60, wire: 40 }), 'malformed: IPv4 total length 60 exceeds the 40 bytes on the wire'],
  [decodeProblem('ip-length-beyond-wire', { ip: 6, length: 100, wire: 20 }), 'malformed: IPv6 payload length 100 exceeds the 20 bytes on the wire'],
  [decodeProblem('ip-length-zero', { ip: 4, wire: 40 }), "offload: IPv4 total length 0, presumed TSO: using the frame's 40 bytes"],
  [decodeProblem('ip-length-zero', { ip: 6, wire: 20 }), "offload: IPv6 payload length 0, presumed TSO: using the frame's 20 bytes"],
  [decodeProblem('ipv6-extension-count', { max: 16 }), 'malformed: more than 16 IPv6 extension headers'],
  [decodeProblem('tunnel-depth', { max: 3 }), 'malformed: more than 3 nested tunnels: the innermost packets are not decoded'],
  [decodeProblem('ipv6-extension-overrun', { header: 0, length: null }), 'malformed: IPv6 extension header 0 overruns the payload length'],
  [decodeProblem('ipv6-extension-overrun', { header: 60, length: 32 }), 'malformed: IPv6 extension header 60 of 32 bytes overruns the payload length'],
  [decodeProblem('fragment-overlap', { reassembled: false }), 'fragment: overlapping fragment, the first copy of the bytes is kept'],
  [decodeProblem('fragment-overlap', { reassembled: true }), 'fragment: overlapping fragments, the first copy of the bytes was kept'],
  [
    decodeProblem('fragment-dropped', { reason: 'a fragment of the datagram was cut by the snapshot length' }),
    'fragment: datagram dropped: a fragment of the datagram was cut by the snapshot length',
  ],
  [decodeProblem('tcp-segment-short', { length: 12, min: 20 }), 'malformed: TCP segment of 12 bytes is shorter than the 20-byte header'],
  [decodeProblem('tcp-data-offset', { headerLength: 16 }), 'malformed: TCP data offset 4 (16 bytes) is below 5'],
  [decodeProblem('tcp-header-beyond-segment', { headerLength: 32, segment: 20 }), "malformed: TCP header length 32 exceeds the segment's 20 bytes"],
];

describe('decoder problems', () => {
  it.each(EXAMPLES.map(([p, text]) => [p.code, p, text] as const))('%s is worded from its facts', (_code, p, text) => {
    expect(problemText(p)).toBe(text);
  });

  it('every code has an example, and its kind is the first word of its sentence', () => {
    expect(new Set(EXAMPLES.map(([p]) => p.code))).toEqual(new Set(Object.keys(DECODE_PROBLEMS) as DecodeProblemCode[]));
    for (const [p, text] of EXAMPLES) expect(text.startsWith(`${problemKind(p)}: `), p.code).toBe(true);
  });

  it('is a value: the code and the facts, no sentence', () => {
    expect(decodeProblem('tcp-data-offset', { headerLength: 16 })).toEqual({ code: 'tcp-data-offset', headerLength: 16 });
  });

  it('a clean frame shares the one empty list; the first problem gives the frame its own', () => {
    const a = { problems: NO_PROBLEMS } as DecodedFrame;
    const b = { problems: NO_PROBLEMS } as DecodedFrame;
    addProblem(a, 'ip-length-zero', { ip: 4, wire: 40 });
    addProblem(a, 'tcp-data-offset', { headerLength: 16 });
    expect(a.problems.map((p) => p.code)).toEqual(['ip-length-zero', 'tcp-data-offset']);
    expect(b.problems).toBe(NO_PROBLEMS);
    expect(NO_PROBLEMS).toEqual([]);
  });
});
