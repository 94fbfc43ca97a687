/**
 * CRLF → LF while streaming (`--ascii-to-lf` for TYPE A transfers and listings). A CR at the end of
 * one chunk is held until the next chunk shows whether an LF follows; a gap, or the end, releases
 * it unchanged. A lone CR is kept (it is data, not a line ending).
 */

const CR = 0x0d;
const LF = 0x0a;
const EMPTY = new Uint8Array(0);
const LONE_CR = Uint8Array.of(CR);

export class CrlfToLf {
  private heldCr = false;
  /** CRLF pairs turned into LF so far (the output is that many bytes shorter than the input). */
  converted = 0;

  /** Convert one chunk; the result is a new array (the input may be a view of a packet). */
  push(bytes: Uint8Array): Uint8Array {
    if (bytes.length === 0) return EMPTY;
    const out = new Uint8Array(bytes.length + 1);
    let n = 0;
    let i = 0;
    if (this.heldCr) {
      this.heldCr = false;
      if (bytes[0] === LF) {
        this.converted++;
      } else {
        out[n++] = CR;
      }
    }
    const last = bytes.length - 1;
    for (; i <= last; i++) {
      const b = bytes[i];
      if (b === CR) {
        if (i === last) {
          this.heldCr = true;
          break;
        }
        if (bytes[i + 1] === LF) {
          this.converted++;
          continue; // the LF is copied next
        }
      }
      out[n++] = b;
    }
    return out.subarray(0, n);
  }

  /** Bytes are missing next: a held CR was not followed by an LF we can see; release it. */
  flush(): Uint8Array {
    if (!this.heldCr) return EMPTY;
    this.heldCr = false;
    return LONE_CR;
  }
}
