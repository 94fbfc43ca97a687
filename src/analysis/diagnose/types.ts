/**
 * Diagnoses: why a data connection did not complete, as values with stable cause codes. Each
 * code has a catalog entry (catalog.ts) and a check of its own (checks/*.ts).
 */
import type { Analysis, OtherConnection, Session, Transfer } from '../model.js';

import type { CauseCode } from './cause-code.js';

export type { CauseCode };

export interface Diagnosis {
  cause: CauseCode;
  /** Plain-words account of what happened, citing frames, addresses and timings. */
  summary: string;
  /** Frames that show the evidence, ascending. */
  evidence: number[];
  /** What to change, naming the side and the setting. */
  advice: string;
}

export type VantagePoint = 'client-side' | 'server-side' | 'in-between' | 'same-segment' | 'unknown';

/** Where the capture was taken, inferred from TTLs and which packets it holds. */
export interface Vantage {
  point: VantagePoint;
  /** Why we think so, in words. */
  reason: string;
}

export interface TransferContext {
  analysis: Analysis;
  session: Session;
  transfer: Transfer;
  vantage: Vantage;
}

/** One cause's test: a diagnosis when the transfer shows that cause, else null. */
export type TransferCheck = (ctx: TransferContext) => Diagnosis | null;

/** A diagnosis of a whole session (TLS hid its transfers, or all of them failed). */
export interface SessionDiagnosis extends Diagnosis {
  /** tls-hidden: connections that are probably its data connections (a guess from timing and ports). */
  guesses?: OtherConnection[];
}
