/**
 * Counts in words (1,234,567): written without Intl, whose first use loads ICU's number formatting
 * (~20 ms of a start), and the same as en-US's toLocaleString wrote them.
 */
import { describe, expect, it } from 'vitest';
import { count } from '../../src/analysis/diagnose/facts.js';

describe('count', () => {
  it('groups thousands as en-US does, for the counts the outputs print', () => {
    const samples = [0, 7, 999, 1000, 12_345, 262_144, 1_048_576, 4_194_304, -1_234_567, Number.MAX_SAFE_INTEGER];
    expect(samples.map(count)).toEqual(['0', '7', '999', '1,000', '12,345', '262,144', '1,048,576', '4,194,304', '-1,234,567', '9,007,199,254,740,991']);
    for (const x of samples) expect(count(x)).toBe(x.toLocaleString('en-US'));
  });

  it('leaves what is not a safe whole number to toLocaleString', () => {
    expect([count(1234.5678), count(1e21)]).toEqual([(1234.5678).toLocaleString('en-US'), (1e21).toLocaleString('en-US')]);
  });
});
