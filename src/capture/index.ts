export { readCapture, type ReadCaptureOptions } from './read-capture.js';
export { openCaptureFile } from './open-capture.js';
export { CAPTURE_WARNING_CODES, type CaptureWarningCode } from './warnings.js';
export * from './types.js';
