// Types for key-variants.mjs, for the tests that import it.
export interface KeyVariant {
  /** '' without keys, ' +keys' with the fixture's key log. */
  label: string;
  /** The key log's path, or null. */
  keys: string | null;
}
export function keyLogPath(dir: string, file: string): string | null;
export function keyVariants(dir: string, file: string): KeyVariant[];
export function keyArgs(keys: string | null): string[];
export function keyOptions<K extends { addText(text: string): unknown }>(TlsKeyLog: new () => K, keys: string | null): { tlsKeyLog?: K };
