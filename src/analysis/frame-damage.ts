/**
 * Damaged packets, told once each kind: frames whose headers break their own length rules
 * (the decoders' problems of kind 'malformed': IHL < 5, TCP data offset < 5 or beyond the packet, IP
 * total length below its header, …) and frames the snapshot length cut before the end of what they
 * carried (the missing bytes become gaps in their stream). Each gives one warning counting the
 * frames and naming the first with its byte offset; `ftpcap dump --frame N` shows each one's problem.
 */
import { problemKind, problemText, warning, type DecodeProblem, type Warning } from '../warnings/catalog.js';
import type { CaptureRecord } from '../capture/types.js';
import type { DecodedFrame } from '../decode/types.js';

interface Seen {
  count: number;
  frame: number;
  offset: number;
  problem: DecodeProblem;
}

export class FrameDamageTally {
  private malformed: Seen | null = null;
  private truncated: { count: number; frame: number; offset: number; captured: number; original: number } | null = null;

  /** Call for frames with problems or `truncated` (the caller checks, to keep the per-frame path short). */
  note(f: DecodedFrame, record: CaptureRecord): void {
    for (const problem of f.problems) {
      if (problemKind(problem) !== 'malformed') continue;
      this.malformed ??= { count: 0, frame: record.frame, offset: record.offset, problem };
      this.malformed.count++;
      break;
    }
    if (f.truncated) {
      if (this.truncated === null) {
        this.truncated = { count: 0, frame: record.frame, offset: record.offset, captured: record.capturedLength, original: record.originalLength };
      }
      this.truncated.count++;
    }
  }

  warnings(): Warning[] {
    const out: Warning[] = [];
    const m = this.malformed;
    if (m !== null) {
      out.push(warning('malformed-packets', { count: m.count, problem: problemText(m.problem) }, { frame: m.frame, offset: m.offset }));
    }
    const t = this.truncated;
    if (t !== null) {
      out.push(warning('truncated-packets', { count: t.count, captured: t.captured, original: t.original }, { frame: t.frame, offset: t.offset }));
    }
    return out;
  }
}
