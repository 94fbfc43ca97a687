/**
 * Exact conversion of pcapng 64-bit timestamps (two 32-bit halves, in units of 1/U second) to
 * integer seconds + integer nanoseconds. A double holds integers exactly only up to 2^53, and a
 * nanosecond timestamp of today is ~2^60, so the common cases use integer math on small pieces;
 * BigInt is kept for odd resolutions (units above 2^37 per second, or nanoseconds not derivable
 * exactly) where its per-packet cost does not matter.
 */

const TWO_POW_32 = 4294967296;
const TWO_POW_16 = 65536;
/** high < 2^21 ⇒ high·2^32 + low < 2^53: the whole timestamp fits a double exactly. */
const HIGH_FITS_DOUBLE = 0x200000;
/** Long division in base 2^16 keeps rem·2^16 + digit < 2^53 while U < 2^37. */
const MAX_UNITS_LONG_DIVISION = 2 ** 37;
const NS_PER_SEC = 1_000_000_000;

/** How the sub-second remainder becomes nanoseconds, chosen once per interface. */
type NsecMode = 'same' | 'multiply' | 'divide' | 'exact-small' | 'bigint';

/**
 * Units per second from the pcapng if_tsresol option byte: high bit clear → 10^v, set → 2^(v&0x7f).
 * Returns a BigInt because 10^v and 2^v above 2^53 are not exact as numbers.
 */
export function unitsFromTsresol(value: number): bigint {
  return value & 0x80 ? 2n ** BigInt(value & 0x7f) : 10n ** BigInt(value);
}

/** Converts timestamps of one interface; results land in `sec` / `nsec` (no per-call allocation). */
export class TimestampConverter {
  sec = 0;
  nsec = 0;
  /** Units per second as a number when it is a safe integer, else 0 (everything goes via BigInt). */
  private readonly units: number;
  private readonly unitsBig: bigint;
  private readonly offsetSec: number;
  private readonly nsecMode: NsecMode;
  /** 'multiply': ns per unit; 'divide': units per ns. */
  private readonly nsecFactor: number;

  constructor(unitsPerSecond: bigint, offsetSec = 0) {
    this.unitsBig = unitsPerSecond > 0n ? unitsPerSecond : 1n;
    this.units = this.unitsBig <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(this.unitsBig) : 0;
    this.offsetSec = offsetSec;
    const u = this.units;
    if (u === NS_PER_SEC) {
      this.nsecMode = 'same';
      this.nsecFactor = 1;
    } else if (u !== 0 && NS_PER_SEC % u === 0) {
      this.nsecMode = 'multiply';
      this.nsecFactor = NS_PER_SEC / u;
    } else if (u !== 0 && u % NS_PER_SEC === 0) {
      this.nsecMode = 'divide';
      this.nsecFactor = u / NS_PER_SEC;
    } else if (u !== 0 && u * NS_PER_SEC <= Number.MAX_SAFE_INTEGER) {
      // rem · 1e9 stays below 2^53, so floor((rem·1e9)/U) is computed exactly.
      this.nsecMode = 'exact-small';
      this.nsecFactor = 0;
    } else {
      this.nsecMode = 'bigint';
      this.nsecFactor = 0;
    }
  }

  /** Units per second as a float (for CaptureInterface.tsUnitsPerSecond). */
  get unitsPerSecond(): number {
    return Number(this.unitsBig);
  }

  convert(high: number, low: number): void {
    const u = this.units;
    let sec: number;
    let rem: number;
    if (u !== 0 && high < HIGH_FITS_DOUBLE) {
      const total = high * TWO_POW_32 + low;
      rem = total % u;
      sec = (total - rem) / u;
    } else if (u !== 0 && u < MAX_UNITS_LONG_DIVISION) {
      // Schoolbook division of the four 16-bit digits (most significant first) by U.
      this.stepRem = 0;
      sec = this.divStep(0, high >>> 16);
      sec = this.divStep(sec, high & 0xffff);
      sec = this.divStep(sec, low >>> 16);
      sec = this.divStep(sec, low & 0xffff);
      rem = this.stepRem;
    } else {
      this.convertBig(high, low);
      return;
    }
    this.sec = sec + this.offsetSec;
    switch (this.nsecMode) {
      case 'same':
        this.nsec = rem;
        break;
      case 'multiply':
        this.nsec = rem * this.nsecFactor;
        break;
      case 'divide': {
        const r = rem % this.nsecFactor;
        this.nsec = (rem - r) / this.nsecFactor;
        break;
      }
      case 'exact-small': {
        const x = rem * NS_PER_SEC;
        this.nsec = (x - (x % u)) / u;
        break;
      }
      case 'bigint':
        this.nsec = Number((BigInt(rem) * 1_000_000_000n) / this.unitsBig);
        break;
    }
  }

  /** Remainder carried between divSteps. */
  private stepRem = 0;

  /** One digit of long division: returns quotient-so-far, keeps the remainder in stepRem. */
  private divStep(quotient: number, digit: number): number {
    const u = this.units;
    const cur = this.stepRem * TWO_POW_16 + digit;
    let q = Math.floor(cur / u);
    let r = cur - q * u;
    // The float quotient can round up to the next integer; one correction step makes it exact.
    if (r < 0) {
      q -= 1;
      r += u;
    }
    this.stepRem = r;
    return quotient * TWO_POW_16 + q;
  }

  private convertBig(high: number, low: number): void {
    const total = (BigInt(high) << 32n) | BigInt(low);
    const units = this.unitsBig;
    this.sec = Number(total / units) + this.offsetSec;
    this.nsec = Number(((total % units) * 1_000_000_000n) / units);
  }
}
