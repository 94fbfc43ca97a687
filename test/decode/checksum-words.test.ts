/**
 * The fast checksum sums (four bytes a step in JS, sixteen in WebAssembly) against the plain
 * two-byte sum, over every TCP segment of real recordings, at every alignment; and in place in a
 * shared WebAssembly memory, as the capture ring hands packets over.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fold16, sum16, sumWithin, sumWords, sumWordsJs } from '../../src/decode/checksum.js';
import { checksumModuleBytes, recordWordSum, registerChecksumMemory, unregisterChecksumMemory, wasmSum } from '../../src/capture/word-sum.js';
import { splitPcap, tcpPorts } from '../support/pcap-edit.js';

const FIXTURES = join(import.meta.dirname, '../../fixtures');

/** TCP segments (from the TCP header on) of a recording, Ethernet/IPv4 only. */
function segments(name: string): Uint8Array[] {
  const { records } = splitPcap(readFileSync(join(FIXTURES, name)));
  return records
    .filter((r) => tcpPorts(r) !== null)
    .map((r) => {
      const ihl = (r.data[14] & 0x0f) * 4;
      const total = r.data.readUInt16BE(16);
      return r.data.subarray(14 + ihl, Math.min(r.data.length, 14 + total));
    });
}

const swap = (v: number): number => ((v & 0xff) << 8) | (v >>> 8);

describe('fast checksum sums', () => {
  const segs = [...segments('large-lossy-vsftpd-lftp.pcap.gz').slice(0, 3000), ...segments('offload-on-passive-vsftpd-curl.pcap')];

  it('the module is valid WebAssembly, shared and not', () => {
    expect(WebAssembly.validate(checksumModuleBytes(false))).toBe(true);
    expect(WebAssembly.validate(checksumModuleBytes(true))).toBe(true);
  });

  it('sumWords (WebAssembly) and sumWordsJs fold to sum16 for every segment, from every start alignment', () => {
    expect(segs.length).toBeGreaterThan(3000);
    let checked = 0;
    // Mismatches collected and compared once: an expect() per sum cost more than the sums.
    const wrong: string[] = [];
    for (const seg of segs) {
      for (let shift = 0; shift < 4; shift++) {
        // The same bytes at another alignment in their buffer.
        const copy = new Uint8Array(seg.length + shift);
        copy.set(seg, shift);
        const b = copy.subarray(shift);
        for (const start of [0, 1, 3]) {
          const plain = fold16(sum16(b, start, b.length, 0x1234));
          const wasm = fold16(sumWords(b, start, b.length, 0x1234));
          const js = fold16(sumWordsJs(b, start, b.length, 0x1234));
          if (wasm !== plain || js !== plain) wrong.push(`segment ${checked / 12} shift ${shift} start ${start}: ${wasm} ${js} ≠ ${plain}`);
          checked++;
        }
      }
    }
    expect(wrong).toEqual([]);
    expect(checked).toBe(segs.length * 12);
  });

  it('the WebAssembly sum of bytes lying in a registered shared memory, read in place', () => {
    const memory = new WebAssembly.Memory({ initial: 4, maximum: 4, shared: true });
    expect(registerChecksumMemory(memory)).toBe(true);
    try {
      const ring = new Uint8Array(memory.buffer);
      let at = 7; // odd: unaligned on purpose
      for (const seg of segs.slice(0, 500)) {
        if (at + seg.length > ring.length) at = 3;
        ring.set(seg, at);
        const view = new Uint8Array(memory.buffer, at, seg.length);
        expect(swap(wasmSum(view, 0, seg.length))).toBe(fold16(sum16(seg, 0, seg.length)));
        at += seg.length + 1;
      }
    } finally {
      unregisterChecksumMemory(memory);
    }
  });

  it('sumWithin: the sum of a range from the sum of the whole record, for every parity of start and end', () => {
    const wrong: string[] = [];
    for (const [i, seg] of segs.slice(0, 600).entries()) {
      const whole = recordWordSum(seg);
      expect(whole).toBe(fold16(sum16(seg, 0, seg.length)));
      for (const start of [0, 1, 13, 14]) {
        for (const cut of [0, 1, 2, 5]) {
          const end = Math.max(start, seg.length - cut);
          // Congruent modulo 0xffff, as a pseudo-header's positive sum added before folding makes equal.
          const got = fold16(0x1234 + sumWithin(seg, whole, start, end));
          const want = fold16(0x1234 + sum16(seg, start, end));
          if (got !== want) wrong.push(`segment ${i} [${start}, ${end}): ${got} ≠ ${want}`);
        }
      }
    }
    expect(wrong).toEqual([]);
  });

  it('zero stays zero and all-ones folds to 0xffff', () => {
    expect(sumWords(new Uint8Array(1000), 0, 1000)).toBe(0);
    expect(fold16(sumWords(new Uint8Array(65536).fill(0xff), 0, 65536))).toBe(0xffff);
  });
});
