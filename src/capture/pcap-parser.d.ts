// Types for the untyped CommonJS package `pcap-parser` (0.2.x), only what pcap.ts uses.
declare module 'pcap-parser' {
  import type { EventEmitter } from 'node:events';

  export interface PcapGlobalHeader {
    magicNumber: number;
    majorVersion: number;
    minorVersion: number;
    gmtOffset: number;
    timestampAccuracy: number;
    snapshotLength: number;
    linkLayerType: number;
  }

  export interface PcapPacketHeader {
    timestampSeconds: number;
    /** Microseconds, or nanoseconds when the file uses the nanosecond magic. */
    timestampMicroseconds: number;
    capturedLength: number;
    originalLength: number;
  }

  export interface PcapPacket {
    header: PcapPacketHeader;
    data: Buffer;
  }

  /** The parser's internals that pcap.ts touches to stop it (see there). */
  export interface PcapParser extends EventEmitter {
    errored?: boolean;
    /** The header of the record being read (set when its header is parsed). */
    currentPacketHeader?: PcapPacketHeader;
    state: () => boolean;
    buffer: Buffer | null;
  }

  /** Anything with EventEmitter 'data'/'error'/'end' events plus pause()/resume(). */
  export interface PcapInput extends EventEmitter {
    pause(): unknown;
    resume(): unknown;
  }

  export function parse(input: string | PcapInput): PcapParser;

  const pcapParser: { parse: typeof parse };
  export default pcapParser;
}
