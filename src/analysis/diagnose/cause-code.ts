/** The stable cause codes (README, `diagnose`): one catalog entry (catalog.ts) and one check each. */
export type CauseCode =
  | 'control-unanswered'
  | 'control-refused'
  | 'active-syn-unanswered'
  | 'active-refused'
  | 'passive-syn-unanswered'
  | 'passive-refused'
  | 'passive-unreached'
  | 'passive-address-mismatch'
  | 'active-address-mismatch'
  | 'bounce'
  | 'tls-hidden'
  | 'server-refused'
  | 'aborted'
  | 'stalled'
  | 'capture-gap'
  | 'no-attempt'
  | 'not-in-capture';
