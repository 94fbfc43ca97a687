import { escapeText } from '../render/escape.js';
import type { CliStream } from './io.js';

const INTERVAL_MS = 250;

/** A one-line progress indicator on stderr, only when stderr is a terminal. */
export class Progress {
  private last = 0;
  private shown = false;
  private readonly started = Date.now();

  constructor(
    private readonly out: CliStream,
    private readonly name: string,
    private readonly total: number | null,
  ) {}

  update(bytesRead: number): void {
    if (!this.out.isTTY) return;
    const now = Date.now();
    if (now - this.last < INTERVAL_MS) return;
    this.last = now;
    const mb = bytesRead / 1e6;
    const rate = mb / Math.max(0.001, (now - this.started) / 1000);
    const of = this.total ? ` / ${(this.total / 1e6).toFixed(1)} MB (${((100 * bytesRead) / this.total).toFixed(0)}%)` : '';
    // The name is the user's, but a file name can hold control characters too: escaped like all else.
    this.out.write(`\r\u001b[Kreading ${escapeText(this.name)}: ${mb.toFixed(1)} MB${of}, ${rate.toFixed(0)} MB/s`);
    this.shown = true;
  }

  done(): void {
    if (this.shown) this.out.write('\r\u001b[K');
  }
}
