/**
 * Per-sender checksum counts. A capture taken on a host whose NIC computes checksums (offload)
 * shows that host's outgoing checksums as bad on every packet; one bad checksum among good ones
 * is a real error. `offloadLikely` tells the two apart so the report can say which it is.
 */

import type { ChecksumStatus, DecodedFrame } from './types.js';

/** A host needs this many verifiable packets, nearly all failed, before offload is presumed. */
export const OFFLOAD_MIN_PACKETS = 3;
/**
 * Share of a host's packets that must fail. Not 100%: with offload on, the kernel still fills in
 * a checksum itself on the odd packet (seen on Linux veth: 1 good ACK among 70 bad segments).
 */
export const OFFLOAD_MIN_SHARE = 0.9;
/** Hosts tracked; more are counted only in the totals (a scan can show millions of sources). */
export const MAX_TALLY_HOSTS = 65_536;

export interface HostChecksums {
  ipv4Ok: number;
  ipv4Bad: number;
  tcpOk: number;
  tcpBad: number;
  /** Packets with at least one verifiable checksum, and those where any such checksum was bad. */
  verifiablePackets: number;
  failedPackets: number;
}

export interface ChecksumTallySummary {
  /** Sources whose verifiable packets (nearly) all failed (see offloadLikely), in first-seen order. */
  offloadLikely: string[];
  badIpv4: number;
  badTcp: number;
  okIpv4: number;
  okTcp: number;
}

export class ChecksumTally {
  private readonly hosts = new Map<string, HostChecksums>();
  private readonly totals = { ipv4Ok: 0, ipv4Bad: 0, tcpOk: 0, tcpBad: 0 };
  // The last two sources looked up: a connection's packets alternate between its two ends, and a
  // one-entry cache then missed on nearly every packet (a Map look-up each).
  private lastSrc: string | null = null;
  private lastHost: HostChecksums | undefined = undefined;
  private prevSrc: string | null = null;
  private prevHost: HostChecksums | undefined = undefined;

  /** Count one decoded frame (by its IP source). Frames without IP are ignored. */
  add(frame: DecodedFrame): void {
    const ip = frame.ip;
    if (ip === undefined) return;
    this.addStatuses(ip.src, ip.version === 4 ? ip.checksumStatus : 'unverifiable', frame.tcp?.checksumStatus ?? 'unverifiable');
  }

  /** Count one packet from `src` with its IPv4 header and TCP checksum statuses. */
  addStatuses(src: string, ipv4: ChecksumStatus, tcp: ChecksumStatus): void {
    if (ipv4 === 'unverifiable' && tcp === 'unverifiable') return;
    const t = this.totals;
    if (ipv4 === 'ok') t.ipv4Ok++;
    else if (ipv4 === 'bad') t.ipv4Bad++;
    if (tcp === 'ok') t.tcpOk++;
    else if (tcp === 'bad') t.tcpBad++;
    let h = src === this.lastSrc ? this.lastHost : src === this.prevSrc ? this.prevHost : undefined;
    if (h === undefined) {
      h = this.hosts.get(src);
      if (h === undefined) {
        if (this.hosts.size >= MAX_TALLY_HOSTS) return;
        h = { ipv4Ok: 0, ipv4Bad: 0, tcpOk: 0, tcpBad: 0, verifiablePackets: 0, failedPackets: 0 };
        this.hosts.set(src, h);
      }
      this.prevSrc = this.lastSrc;
      this.prevHost = this.lastHost;
      this.lastSrc = src;
      this.lastHost = h;
    }
    if (ipv4 === 'ok') h.ipv4Ok++;
    else if (ipv4 === 'bad') h.ipv4Bad++;
    if (tcp === 'ok') h.tcpOk++;
    else if (tcp === 'bad') h.tcpBad++;
    h.verifiablePackets++;
    if (ipv4 === 'bad' || tcp === 'bad') h.failedPackets++;
  }

  host(src: string): Readonly<HostChecksums> | undefined {
    return this.hosts.get(src);
  }

  /** True when `src` sent ≥ OFFLOAD_MIN_PACKETS verifiable packets and (nearly) every one failed. */
  offloadLikely(src: string): boolean {
    const h = this.hosts.get(src);
    return (
      h !== undefined &&
      h.failedPackets >= OFFLOAD_MIN_PACKETS &&
      h.failedPackets >= OFFLOAD_MIN_SHARE * h.verifiablePackets
    );
  }

  summary(): ChecksumTallySummary {
    const offloadLikely: string[] = [];
    for (const src of this.hosts.keys()) if (this.offloadLikely(src)) offloadLikely.push(src);
    const t = this.totals;
    return { offloadLikely, badIpv4: t.ipv4Bad, badTcp: t.tcpBad, okIpv4: t.ipv4Ok, okTcp: t.tcpOk };
  }
}
