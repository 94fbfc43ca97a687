/**
 * A fixture recorded with a TLS key log (`NAME.keys` beside `NAME.pcap…`) is analysed two ways by
 * the whole-corpus checks (compare-builds, prefix-sweep, test/render/contradictions.test.ts):
 * without its keys, as a user without them sees it (the encrypted story), and with them, as
 * `--tls-keylog NAME.keys` shows it (the decrypted FTPS story). One place says which variants a
 * fixture has and how each is read, for the scripts (built tree) and the tests (sources) alike.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The key log recorded with the capture `file` of `dir`, or null. */
export function keyLogPath(dir, file) {
  const p = join(dir, `${file.replace(/^.*\//, '').replace(/\.(pcap|pcapng)(\.gz)?$/, '')}.keys`);
  return existsSync(p) ? p : null;
}

/**
 * The ways the capture `file` of `dir` is analysed: `{ label, keys }`, without keys (label '', keys
 * null) and, when it has a key log, with it (label ' +keys', keys: the key log's path).
 */
export function keyVariants(dir, file) {
  const keys = keyLogPath(dir, file);
  return keys === null ? [{ label: '', keys: null }] : [{ label: '', keys: null }, { label: ' +keys', keys }];
}

/** The CLI's arguments that read a variant's keys (none without). */
export const keyArgs = (keys) => (keys === null ? [] : ['--tls-keylog', keys]);

/**
 * The analysis options that read a variant's keys: a fresh key log of the build's `TlsKeyLog` class
 * (dist/tls/keylog.js or src/tls/keylog.ts; an analysis bounds its store) per analysis.
 */
export function keyOptions(TlsKeyLog, keys) {
  if (keys === null) return {};
  const tlsKeyLog = new TlsKeyLog();
  tlsKeyLog.addText(readFileSync(keys, 'latin1'));
  return { tlsKeyLog };
}
