/**
 * IP datagrams of a data connection that never completed in the capture: their first fragment (with
 * the TCP header, so their connection is known) came, the rest never did. Lost before the capture
 * point (a firewall that drops fragments, a link that loses them), so the receiver did not get them
 * either. Noted while reading (the defragmenter gives each one up), attached to the data connections
 * once the sessions are built; path-loss.ts reads them.
 */
import { tcpDatagramOfKey } from '../decode/frame.js';
import type { DataConnection, Session } from './model.js';

/** Heads kept (a capture of a lossy fragmenting path may give up thousands of datagrams). */
const MAX_HEADS = 4096;

interface Head {
  /** "src sport dst dport" */
  flow: string;
  frame: number;
  time: number;
}

export class LostFragmentHeads {
  private readonly heads: Head[] = [];

  /** The defragmenter's `onIncompleteHead`. */
  readonly note = (key: string, head: Uint8Array, frame: number, time: number): void => {
    const ips = tcpDatagramOfKey(key);
    if (ips === null || head.length < 4 || this.heads.length >= MAX_HEADS) return;
    const sport = (head[0] << 8) | head[1];
    const dport = (head[2] << 8) | head[3];
    this.heads.push({ flow: `${ips.src} ${sport} ${ips.dst} ${dport}`, frame, time });
  };

  /** Count each head on the data connection whose sender sent it (the last of that four-tuple opened before it). */
  attach(sessions: Session[]): void {
    if (this.heads.length === 0) return;
    const byFlow = new Map<string, Array<{ c: DataConnection; toServer: boolean }>>();
    const add = (flow: string, c: DataConnection, toServer: boolean): void => {
      const list = byFlow.get(flow);
      if (list === undefined) byFlow.set(flow, [{ c, toServer }]);
      else list.push({ c, toServer });
    };
    for (const s of sessions) {
      for (const t of s.transfers) {
        const c = t.connection;
        if (c === null) continue;
        add(`${c.client.ip} ${c.client.port} ${c.server.ip} ${c.server.port}`, c, true);
        add(`${c.server.ip} ${c.server.port} ${c.client.ip} ${c.client.port}`, c, false);
      }
    }
    for (const h of this.heads) {
      const list = byFlow.get(h.flow);
      if (list === undefined) continue;
      let hit: { c: DataConnection; toServer: boolean } | undefined;
      for (const x of list) if (x.c.start <= h.time && (hit === undefined || x.c.start >= hit.c.start)) hit = x;
      if (hit === undefined) continue;
      const lost = (hit.c.lostFragments ??= { toServer: 0, toClient: 0, firstFrame: h.frame });
      if (hit.toServer) lost.toServer++;
      else lost.toClient++;
      lost.firstFrame = Math.min(lost.firstFrame, h.frame);
    }
  }
}
