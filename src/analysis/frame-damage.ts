/**
 * Damaged packets, told once each kind: frames whose headers break their own length rules
 * (the decoders' 'malformed: …' problems: IHL < 5, TCP data offset < 5 or beyond the packet, IP
 * total length below its header, …) and frames the snapshot length cut before the end of what they
 * carried (the missing bytes become gaps in their stream). Each gives one warning counting the
 * frames and naming the first with its byte offset; `ftpcap dump --frame N` shows each one's problem.
 */
import type { CaptureRecord } from '../capture/types.js';
import type { DecodedFrame } from '../decode/types.js';
import type { AnalysisWarning } from './model.js';

interface Seen {
  count: number;
  frame: number;
  offset: number;
  detail: string;
}

export class FrameDamageTally {
  private malformed: Seen | null = null;
  private truncated: Seen | null = null;

  /** Call for frames with problems or `truncated` (the caller checks, to keep the per-frame path short). */
  note(f: DecodedFrame, record: CaptureRecord): void {
    for (const p of f.problems) {
      if (!p.startsWith('malformed')) continue;
      if (this.malformed === null) this.malformed = { count: 0, frame: record.frame, offset: record.offset, detail: p };
      this.malformed.count++;
      break;
    }
    if (f.truncated) {
      const detail = `${record.capturedLength} of ${record.originalLength} bytes captured`;
      if (this.truncated === null) this.truncated = { count: 0, frame: record.frame, offset: record.offset, detail };
      this.truncated.count++;
    }
  }

  warnings(): AnalysisWarning[] {
    const out: AnalysisWarning[] = [];
    const m = this.malformed;
    if (m !== null) {
      out.push({
        code: 'malformed-packets',
        message: `${m.count} frame(s) with malformed headers, decoded only up to the damage; the first is frame ${m.frame} at byte offset ${m.offset} (${m.detail})`,
        frame: m.frame,
        offset: m.offset,
      });
    }
    const t = this.truncated;
    if (t !== null) {
      out.push({
        code: 'truncated-packets',
        message: `${t.count} frame(s) cut short by the snapshot length, their missing bytes counted as gaps; the first is frame ${t.frame} at byte offset ${t.offset} (${t.detail})`,
        frame: t.frame,
        offset: t.offset,
      });
    }
    return out;
  }
}
