/**
 * flowKey() behind a small direct-mapped cache. Interleaved connections (a bulk transfer's data
 * and ACKs, or hundreds of short sessions at once) each keep their key string, and the hash V8
 * stores on it, instead of building and hashing a new string per packet: on a flood of short FTP
 * sessions that string was a fifth of all the memory the analysis allocated.
 *
 * The slot is chosen by the sum of the ports, which is the same in both directions; connections
 * differ in their client's ephemeral port, so live ones rarely share a slot. A shared slot only
 * costs a rebuilt key. Memory is fixed: SLOTS entries.
 */
import { flowKey } from './flow-key.js';

const SLOTS = 1024;

export class FlowKeyCache<T> {
  /**
   * A value the caller noted for each slot's key (the reassembler: its live connection), until the
   * slot is given to another key: the second table lookup of every packet is then saved too.
   */
  private readonly notes: (T | null)[] = new Array<T | null>(SLOTS).fill(null);
  /** The slot of the latest key(). */
  private slot = 0;
  private readonly ipA: string[] = new Array<string>(SLOTS).fill('');
  private readonly ipB: string[] = new Array<string>(SLOTS).fill('');
  private readonly portA = new Int32Array(SLOTS).fill(-1);
  private readonly portB = new Int32Array(SLOTS).fill(-1);
  private readonly keys: string[] = new Array<string>(SLOTS).fill('');

  key(src: string, srcPort: number, dst: string, dstPort: number): string {
    const i = (srcPort + dstPort) & (SLOTS - 1);
    this.slot = i;
    const pa = this.portA[i];
    const pb = this.portB[i];
    if (
      (srcPort === pa && dstPort === pb && src === this.ipA[i] && dst === this.ipB[i]) ||
      (srcPort === pb && dstPort === pa && src === this.ipB[i] && dst === this.ipA[i])
    ) {
      return this.keys[i];
    }
    const key = flowKey(src, srcPort, dst, dstPort);
    // Read once so V8 makes it one flat string: built by concatenation it is a tree of six strings
    // (190 bytes), which a connection and its tombstone keep, and the young-generation collector
    // copies, for the connection's whole life and beyond (ftp-100k: 100,000 of them).
    key.charCodeAt(key.length >> 1);
    this.ipA[i] = src;
    this.portA[i] = srcPort;
    this.ipB[i] = dst;
    this.portB[i] = dstPort;
    this.keys[i] = key;
    this.notes[i] = null;
    return key;
  }

  /** The value noted for the latest key(), while its slot has held that key since (null: none). */
  noted(): T | null {
    return this.notes[this.slot];
  }

  /** Note a value for the latest key(). */
  note(value: T | null): void {
    this.notes[this.slot] = value;
  }

  /** Drop `value` if it is noted in the slot of the key with these ports (a closed connection is kept by nothing here). */
  forget(portA: number, portB: number, value: T): void {
    const i = (portA + portB) & (SLOTS - 1);
    if (this.notes[i] === value) this.notes[i] = null;
  }
}
