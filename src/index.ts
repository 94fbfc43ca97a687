/** Library API: analyse a capture stream and render the result. Never imports the CLI. */
export { analyzeFiles, analyzeStream, DEFAULT_LIMITS, type AnalyzeOptions } from './analysis/pipeline.js';
export type * from './analysis/model.js';
export { CaptureError } from './capture/types.js';
export { WARNINGS, warningTitle, type Severity, type Warning, type WarningCode } from './warnings/catalog.js';
export { renderJson, toJson, type JsonPart } from './render/json.js';
export { renderSummary, renderSessions, renderCommands, renderTransfers } from './render/tables.js';
export { escapeText } from './render/escape.js';
