/**
 * The Internet checksum's word sum in WebAssembly SIMD: sixteen bytes per step instead of four. It
 * lives with the capture because the reading thread sums every record's bytes as it hands them
 * over (`recordWordSum`, CaptureRecord.wordSum), and decode/checksum.ts sums what it must itself. A tiny
 * module, assembled here from its opcodes (no toolchain, no dependency), exporting
 * `sum(ptr, len) -> i32`: the little-endian 16-bit words of memory[ptr, ptr+len) (an odd last byte
 * as a low byte) added up and folded to 16 bits, never 0 unless every byte is 0. RFC 1071's byte
 * order independence makes its byte swap the big-endian sum (see checksum.ts).
 *
 * Bytes that already lie in a registered WebAssembly memory (the capture ring's) are summed where
 * they are; any other bytes are first copied into a small scratch memory of our own. When
 * WebAssembly (or its SIMD) is not available, `wasmSum` is null and checksum.ts sums in JS.
 */

type SumFn = (ptr: number, len: number) => number;

/** Largest range summed in WebAssembly: the i32x4 lanes cannot overflow below it. */
export const WASM_SUM_MAX = 1 << 20;

const SCRATCH_PAGES = (WASM_SUM_MAX >>> 16) + 1;

function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let byte = n & 0x7f;
    n >>>= 7;
    if (n !== 0) byte |= 0x80;
    out.push(byte);
  } while (n !== 0);
  return out;
}

function section(id: number, body: number[]): number[] {
  return [id, ...uleb(body.length), ...body];
}

function name(s: string): number[] {
  return [...uleb(s.length), ...Array.from(s, (c) => c.charCodeAt(0))];
}

// Opcodes used below.
const BLOCK = 0x02;
const LOOP = 0x03;
const IF = 0x04;
const VOID = 0x40;
const END = 0x0b;
const BR = 0x0c;
const BR_IF = 0x0d;
const GET = 0x20;
const SET = 0x21;
const I32_LOAD8_U = 0x2d;
const I32_LOAD16_U = 0x2f;
const I32_CONST = 0x41;
const I64_CONST = 0x42;
const I32_LT_U = 0x49;
const I32_GT_U = 0x4b;
const I64_LE_U = 0x58;
const I32_ADD = 0x6a;
const I64_ADD = 0x7c;
const I64_AND = 0x83;
const I64_SHR_U = 0x88;
const I32_WRAP_I64 = 0xa7;
const I64_EXTEND_I32_U = 0xad;
const SIMD = 0xfd;
const V128_LOAD = [SIMD, 0x00];
const I32X4_EXTRACT_LANE = [SIMD, 0x1b];
const I32X4_EXTADD_PAIRWISE_I16X8_U = [SIMD, 0x7f];
const I32X4_ADD = [SIMD, 0xae, 0x01];
const MEMARG0 = [0x00, 0x00];

/** Locals: 0 ptr, 1 len (params), 2 end, 3 acc (v128), 4 s (i64). */
function body(): number[] {
  const P = 0;
  const N = 1;
  const E = 2;
  const ACC = 3;
  const S = 4;
  const code = [
    // end = ptr + len
    GET, P, GET, N, I32_ADD, SET, E,
    // while (ptr + 16 <= end) { acc += pairwise(load128(ptr)); ptr += 16 }
    BLOCK, VOID, LOOP, VOID,
    GET, P, I32_CONST, 16, I32_ADD, GET, E, I32_GT_U, BR_IF, 1,
    GET, ACC, GET, P, ...V128_LOAD, ...MEMARG0, ...I32X4_EXTADD_PAIRWISE_I16X8_U, ...I32X4_ADD, SET, ACC,
    GET, P, I32_CONST, 16, I32_ADD, SET, P,
    BR, 0, END, END,
    // s = acc[0] + acc[1] + acc[2] + acc[3] (64-bit)
    GET, ACC, ...I32X4_EXTRACT_LANE, 0, I64_EXTEND_I32_U,
    GET, ACC, ...I32X4_EXTRACT_LANE, 1, I64_EXTEND_I32_U, I64_ADD,
    GET, ACC, ...I32X4_EXTRACT_LANE, 2, I64_EXTEND_I32_U, I64_ADD,
    GET, ACC, ...I32X4_EXTRACT_LANE, 3, I64_EXTEND_I32_U, I64_ADD,
    SET, S,
    // while (ptr + 2 <= end) { s += load16(ptr); ptr += 2 }
    BLOCK, VOID, LOOP, VOID,
    GET, P, I32_CONST, 2, I32_ADD, GET, E, I32_GT_U, BR_IF, 1,
    GET, S, GET, P, I32_LOAD16_U, ...MEMARG0, I64_EXTEND_I32_U, I64_ADD, SET, S,
    GET, P, I32_CONST, 2, I32_ADD, SET, P,
    BR, 0, END, END,
    // an odd last byte: the low byte of a little-endian word
    GET, P, GET, E, I32_LT_U, IF, VOID,
    GET, S, GET, P, I32_LOAD8_U, ...MEMARG0, I64_EXTEND_I32_U, I64_ADD, SET, S,
    END,
    // fold: while (s > 0xffff) s = (s & 0xffff) + (s >> 16)
    BLOCK, VOID, LOOP, VOID,
    GET, S, I64_CONST, 0xff, 0xff, 0x03, I64_LE_U, BR_IF, 1,
    GET, S, I64_CONST, 0xff, 0xff, 0x03, I64_AND, GET, S, I64_CONST, 16, I64_SHR_U, I64_ADD, SET, S,
    BR, 0, END, END,
    GET, S, I32_WRAP_I64,
    END,
  ];
  // Local declarations: one i32, one v128, one i64.
  const locals = [0x03, 0x01, 0x7f, 0x01, 0x7b, 0x01, 0x7e];
  const fn = [...locals, ...code];
  return [...uleb(fn.length), ...fn];
}

/** The module, importing memory "m"."mem" (shared or not: the import must say which). */
export function checksumModuleBytes(shared: boolean): Uint8Array<ArrayBuffer> {
  const type = section(1, [0x01, 0x60, 0x02, 0x7f, 0x7f, 0x01, 0x7f]);
  const limits = shared ? [0x03, 0x01, ...uleb(65536)] : [0x00, 0x01];
  const imports = section(2, [0x01, ...name('m'), ...name('mem'), 0x02, ...limits]);
  const funcs = section(3, [0x01, 0x00]);
  const exports = section(7, [0x01, ...name('sum'), 0x00, 0x00]);
  const code = section(10, [0x01, ...body()]);
  return new Uint8Array([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, ...type, ...imports, ...funcs, ...exports, ...code]);
}

function instantiate(memory: WebAssembly.Memory, shared: boolean): SumFn | null {
  try {
    const module = new WebAssembly.Module(checksumModuleBytes(shared));
    const instance = new WebAssembly.Instance(module, { m: { mem: memory } });
    return instance.exports.sum as SumFn;
  } catch {
    return null;
  }
}

let scratchSum: SumFn | null = null;
let scratchBytes: Uint8Array | null = null;
try {
  const memory = new WebAssembly.Memory({ initial: SCRATCH_PAGES, maximum: SCRATCH_PAGES });
  scratchSum = instantiate(memory, false);
  scratchBytes = new Uint8Array(memory.buffer);
} catch {
  scratchSum = null;
}

/** Memories registered with registerChecksumMemory, by their buffer. */
const registered = new Map<ArrayBufferLike, SumFn>();
let lastBuffer: ArrayBufferLike | null = null;
let lastSum: SumFn | null = null;

/**
 * Let bytes that live in `memory` (a shared WebAssembly memory, such as the capture ring's) be
 * summed in place. Returns false when WebAssembly cannot be used here.
 */
export function registerChecksumMemory(memory: WebAssembly.Memory): boolean {
  if (scratchSum === null) return false;
  const sum = instantiate(memory, memory.buffer instanceof SharedArrayBuffer);
  if (sum === null) return false;
  registered.set(memory.buffer, sum);
  lastBuffer = null;
  return true;
}

export function unregisterChecksumMemory(memory: WebAssembly.Memory): void {
  registered.delete(memory.buffer);
  lastBuffer = null;
}

/**
 * The folded little-endian word sum of b[start, end) (see the module comment), or -1 when
 * WebAssembly is not available or the range is too long.
 */
export function wasmSum(b: Uint8Array, start: number, end: number): number {
  const n = end - start;
  if (scratchSum === null || n > WASM_SUM_MAX) return -1;
  const buf = b.buffer;
  if (buf !== lastBuffer) {
    lastBuffer = buf;
    lastSum = registered.get(buf) ?? null;
  }
  if (lastSum !== null) return lastSum(b.byteOffset + start, n);
  // A plain view, not b.subarray(): on a Buffer that builds another Buffer, several times slower.
  scratchBytes!.set(new Uint8Array(buf, b.byteOffset + start, n), 0);
  return scratchSum(0, n);
}

/**
 * The one's-complement sum of the big-endian 16-bit words of all of `b` (from b[0]; an odd last byte
 * as a high byte), folded to 16 bits: what `sum16(b, 0, b.length)` folds to, modulo 0xffff. -1 when
 * WebAssembly cannot sum it here (then nobody has summed the record, and the decoder sums).
 */
export function recordWordSum(b: Uint8Array): number {
  const s = wasmSum(b, 0, b.length);
  return s < 0 ? -1 : ((s & 0xff) << 8) | (s >>> 8);
}
