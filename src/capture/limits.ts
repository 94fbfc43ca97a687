/**
 * Bounds of the capture layer (see the README's Limits table). The analysis lists them with its
 * own in DEFAULT_LIMITS (analysis/memory-budget.ts), the one place all budgets are named; they live
 * here because the readers run on the reading thread, below the analysis.
 */
export const CAPTURE_LIMITS = {
  /**
   * pcapng interfaces (IDBs) kept across the file. Past it an IDB is counted, not kept, and a
   * packet of such an interface is counted as a frame but not delivered (reported once).
   */
  maxInterfaces: 65_536,
  /**
   * Consecutive records that carry no byte (captured length 0: a file or stream of zeros reads
   * as such) before the rest is taken as damage: reported once, reading stops.
   */
  maxEmptyRecordRun: 100_000,
} as const;
