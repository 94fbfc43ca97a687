/**
 * What an IP decoder hands to the transport decoders: where the IP payload lies in the frame's
 * bytes, how long it is on the wire, and the address part of the checksum pseudo-header. One
 * scratch instance is reused per decode (decoding is synchronous), so nothing is allocated here.
 */

export interface IpPayloadView {
  /** Bytes holding the payload: the frame's data, or a reassembled datagram. */
  bytes: Uint8Array;
  /** Payload start, and end of what was captured (never past the IP length: no padding). */
  start: number;
  end: number;
  /** Payload length according to the IP header(s); > end - start when the capture was cut. */
  wireLength: number;
  /** Upper-layer protocol number; -1 when nothing above IP can be decoded. */
  protocol: number;
  /** Sum of the source and destination address words (pseudo-header, without protocol/length). */
  addressSum: number;
  /** Fragment position: 'none', or this fragment's offset is 0 ('first') or not ('later'). */
  fragment: 'none' | 'first' | 'later';
  fragmentOffset: number;
  moreFragments: boolean;
  /** Fragment identification (IPv4 id or IPv6 fragment-header id). */
  fragmentId: number;
  /**
   * The word sum of all of `bytes` when they are the record's own and its reader summed them
   * (CaptureRecord.wordSum); -1 otherwise (a reassembled datagram, a tunnel's inner packet).
   */
  bytesSum: number;
}

export function newIpPayloadView(): IpPayloadView {
  return {
    bytes: new Uint8Array(0),
    start: 0,
    end: 0,
    wireLength: 0,
    protocol: -1,
    addressSum: 0,
    fragment: 'none',
    fragmentOffset: 0,
    moreFragments: false,
    fragmentId: 0,
    bytesSum: -1,
  };
}

export function resetIpPayloadView(v: IpPayloadView, bytes: Uint8Array, bytesSum = -1): void {
  v.bytes = bytes;
  v.bytesSum = bytesSum;
  v.start = 0;
  v.end = 0;
  v.wireLength = 0;
  v.protocol = -1;
  v.addressSum = 0;
  v.fragment = 'none';
  v.fragmentOffset = 0;
  v.moreFragments = false;
  v.fragmentId = 0;
}
