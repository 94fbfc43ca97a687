import { describe, expect, it } from 'vitest';
import { MAX_RANGES, addRange, judge, sizeAgrees, type ByteRange, type JudgeInput } from '../../src/extract/manifest.js';

const base: JudgeInput = {
  status: 'complete',
  missingBytes: 0,
  midstream: false,
  wireLength: 511,
  crlfPairs: null,
  expectedSize: 511,
  restOffset: null,
  encrypted: false,
};

describe('judge', () => {
  it.each([
    ['226, whole, size agrees', {}, 'complete'],
    ['226, size unknown', { expectedSize: null }, 'complete'],
    ['226 but bytes missing', { missingBytes: 4344 }, 'truncated'],
    ['capture began mid-connection', { midstream: true }, 'truncated'],
    ['aborted wins over a gap', { status: 'aborted', missingBytes: 10 }, 'aborted'],
    ['server error after data', { status: 'failed' }, 'failed'],
    ['no final reply in the capture', { status: 'incomplete' }, 'unverified'],
    ['226, but shorter than SIZE: the capture lost the rest', { wireLength: 500 }, 'truncated'],
    ['longer than SIZE', { wireLength: 520 }, 'unverified'],
    ['shorter than SIZE with no final reply', { wireLength: 500, status: 'incomplete' }, 'unverified'],
    ['encrypted data', { encrypted: true }, 'unverified'],
    ['REST: data + offset = announced size', { wireLength: 11, restOffset: 500 }, 'complete'],
    ['TYPE A converted by the server: LF size announced', { wireLength: 521, crlfPairs: 10 }, 'complete'],
  ] as Array<[string, Partial<JudgeInput>, string]>)('%s → %s', (_name, over, verdict) => {
    expect(judge({ ...base, ...over }).verdict).toBe(verdict);
  });

  it('says why', () => {
    expect(judge({ ...base, wireLength: 500 }).notes).toContain('500 bytes on the wire, but the server announced 511');
    expect(judge({ ...base, status: 'incomplete' }).notes).toContain('the capture ends before the final reply to the transfer');
  });
});

describe('sizeAgrees', () => {
  it('is null when no size was announced', () => {
    expect(sizeAgrees({ wireLength: 1, crlfPairs: null, expectedSize: null, restOffset: null })).toBeNull();
  });
});

describe('addRange', () => {
  it('merges touching ranges and bounds how many are kept', () => {
    const r: ByteRange[] = [];
    addRange(r, 10, 20);
    addRange(r, 20, 30);
    addRange(r, 40, 50);
    expect(r).toEqual([
      { start: 10, end: 30 },
      { start: 40, end: 50 },
    ]);
    for (let i = 0; i < MAX_RANGES * 2; i++) addRange(r, 100 + i * 10, 105 + i * 10);
    expect(r.length).toBe(MAX_RANGES);
    expect(addRange(r, 1e9, 1e9 + 1)).toBe(false);
  });
});
