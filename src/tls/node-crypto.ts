/**
 * node:crypto, loaded when the TLS layer first needs it: most analyses decrypt nothing, and
 * loading the module costs about 30 ms of every start (issue 15: start-up).
 */
import { createRequire } from 'node:module';

type Crypto = typeof import('node:crypto');

let loaded: Crypto | null = null;

export function nodeCrypto(): Crypto {
  return (loaded ??= createRequire(import.meta.url)('node:crypto') as Crypto);
}
