/**
 * CRLF pairs in a stream of bytes, counted across chunk boundaries. In ASCII mode (TYPE A) each line
 * of a file crosses the wire ending in CRLF: the analysis counts them to tell a file's size from its
 * text form's (sender-stopped.ts), extraction for the size check of TYPE A transfers kept as sent.
 */

import type { Transfer } from './model.js';

const CR = 0x0d;
const LF = 0x0a;

export class CrlfCounter {
  private lastWasCr = false;
  pairs = 0;

  push(bytes: Uint8Array): void {
    if (bytes.length === 0) return;
    if (this.lastWasCr && bytes[0] === LF) this.pairs++;
    for (let i = 0; i + 1 < bytes.length; i++) if (bytes[i] === CR && bytes[i + 1] === LF) this.pairs++;
    this.lastWasCr = bytes[bytes.length - 1] === CR;
  }

  gap(): void {
    this.lastWasCr = false;
  }
}

/** A transfer in ASCII mode (TYPE A): its data crosses as text, each line ending in CRLF. */
export const textMode = (t: Pick<Transfer, 'type'>): boolean => t.type === 'A';
