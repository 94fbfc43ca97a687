/**
 * How the diagnosis checks are called. The values they produce (Diagnosis, SessionDiagnosis,
 * Vantage) are the model's (model.ts); each cause code has a catalog entry (catalog.ts) and a
 * check of its own (checks/*.ts).
 */
import type { Analysis, Diagnosis, Session, Transfer, Vantage } from '../model.js';

export type { CauseCode } from './cause-code.js';
export type { Diagnosis, SessionDiagnosis, Vantage, VantagePoint } from '../model.js';

export interface TransferContext {
  analysis: Analysis;
  session: Session;
  transfer: Transfer;
  vantage: Vantage;
}

/** One cause's test: a diagnosis when the transfer shows that cause, else null. */
export type TransferCheck = (ctx: TransferContext) => Diagnosis | null;
