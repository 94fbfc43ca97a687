/**
 * The codes of the warnings the capture readers give (the catalog in src/warnings words them):
 * damage to the file itself, found before any packet is decoded.
 */
import { WARNINGS, type WarningCode } from '../warnings/catalog.js';

const CAPTURE_CODES = [
  'truncated-record',
  'caplen-too-large',
  'caplen-exceeds-origlen',
  'bad-block-length',
  'block-too-large',
  'bad-byte-order',
  'unsupported-version',
  'unknown-interface',
  'bad-option',
  'interface-limit',
  'bad-timestamp',
  'empty-records',
  'read-error',
  'decompress-error',
] as const satisfies readonly WarningCode[];

export type CaptureWarningCode = (typeof CAPTURE_CODES)[number];

/** Each capture code with its catalog title (for renderers, docs and tests that walk the codes). */
export const CAPTURE_WARNING_CODES = Object.fromEntries(CAPTURE_CODES.map((c) => [c, WARNINGS[c].title])) as Record<CaptureWarningCode, string>;
