/**
 * TLS secrets in the NSS key log format (what SSLKEYLOGFILE makes OpenSSL, GnuTLS, NSS, curl,
 * lftp, Python and browsers write, and what `editcap --inject-secrets tls,…` embeds in a pcapng
 * Decryption Secrets Block): one `LABEL <client random hex> <secret hex>` per line.
 *
 * - `CLIENT_RANDOM`: the TLS ≤ 1.2 master secret (48 bytes) of the handshake with that client random;
 * - `CLIENT_/SERVER_HANDSHAKE_TRAFFIC_SECRET`, `CLIENT_/SERVER_TRAFFIC_SECRET_0`,
 *   `CLIENT_EARLY_TRAFFIC_SECRET`: TLS 1.3 secrets (later application secrets follow from key updates);
 * - `EXPORTER_SECRET`, `EARLY_EXPORTER_SECRET`: read and kept, not needed to decrypt;
 * - `RSA` (encrypted pre-master secret) lines are counted as unsupported.
 *
 * Pure: text in, a store out; reading files is the CLI's.
 */

export type Tls13Label =
  | 'CLIENT_HANDSHAKE_TRAFFIC_SECRET'
  | 'SERVER_HANDSHAKE_TRAFFIC_SECRET'
  | 'CLIENT_TRAFFIC_SECRET_0'
  | 'SERVER_TRAFFIC_SECRET_0'
  | 'CLIENT_EARLY_TRAFFIC_SECRET'
  | 'EXPORTER_SECRET'
  | 'EARLY_EXPORTER_SECRET';

const TLS13_LABELS = new Set<string>([
  'CLIENT_HANDSHAKE_TRAFFIC_SECRET',
  'SERVER_HANDSHAKE_TRAFFIC_SECRET',
  'CLIENT_TRAFFIC_SECRET_0',
  'SERVER_TRAFFIC_SECRET_0',
  'CLIENT_EARLY_TRAFFIC_SECRET',
  'EXPORTER_SECRET',
  'EARLY_EXPORTER_SECRET',
]);

export interface KeyLogLoad {
  /** Lines that gave a secret. */
  secrets: number;
  /** Lines that are neither blank, comments nor secrets (first one quoted). */
  bad: number;
  firstBad?: { line: number; text: string };
  /** Known labels this tool cannot use (RSA pre-master secrets). */
  unsupported: number;
  /** Secrets of new handshakes past the store's bound (`limit`): counted, not kept. */
  dropped: number;
}

const HEX = /^[0-9a-fA-F]+$/;

export class TlsKeyLog {
  /** TLS ≤ 1.2 master secrets by client random (hex, lower case). */
  private readonly master = new Map<string, Buffer>();
  /** TLS 1.3 secrets by client random, then label. */
  private readonly tls13 = new Map<string, Map<Tls13Label, Buffer>>();
  /** Handshakes (client randoms) kept at most; secrets for more are dropped. */
  private maxHandshakes = Infinity;

  /** Keep secrets for at most `n` handshakes from now on (the analysis's memory budget). */
  limit(n: number): void {
    this.maxHandshakes = n;
  }

  /** True when no secret at all was loaded (then missing keys are no reason to warn). */
  get empty(): boolean {
    return this.master.size === 0 && this.tls13.size === 0;
  }

  get size(): number {
    return this.master.size + this.tls13.size;
  }

  /** Add the secrets of one key log (file contents, or a DSB's payload). */
  addText(text: string): KeyLogLoad {
    const load: KeyLogLoad = { secrets: 0, bad: 0, unsupported: 0, dropped: 0 };
    const full = (key: string): boolean => !this.master.has(key) && !this.tls13.has(key) && this.size >= this.maxHandshakes;
    const lines = text.split(/\r?\n/);
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i].trim();
      if (line === '' || line.startsWith('#')) continue;
      const parts = line.split(/\s+/);
      const [label, random, secret] = parts;
      const ok = parts.length === 3 && HEX.test(random ?? '') && HEX.test(secret ?? '') && random.length === 64 && secret.length % 2 === 0;
      const tls12 = ok && label === 'CLIENT_RANDOM' && secret.length === 96;
      const tls13 = ok && TLS13_LABELS.has(label) && secret.length >= 64;
      const key = tls12 || tls13 ? random.toLowerCase() : '';
      if ((tls12 || tls13) && full(key)) {
        load.dropped++;
      } else if (tls12) {
        this.master.set(key, Buffer.from(secret, 'hex'));
        load.secrets++;
      } else if (tls13) {
        let m = this.tls13.get(key);
        if (!m) this.tls13.set(key, (m = new Map()));
        m.set(label as Tls13Label, Buffer.from(secret, 'hex'));
        load.secrets++;
      } else if (label === 'RSA' || label === 'PMS_CLIENT_RANDOM') {
        load.unsupported++;
      } else {
        load.bad++;
        load.firstBad ??= { line: i + 1, text: line.slice(0, 80) };
      }
    }
    return load;
  }

  masterSecret(clientRandom: Uint8Array): Buffer | undefined {
    return this.master.get(Buffer.from(clientRandom).toString('hex'));
  }

  tls13Secret(clientRandom: Uint8Array, label: Tls13Label): Buffer | undefined {
    return this.tls13.get(Buffer.from(clientRandom).toString('hex'))?.get(label);
  }

  hasAny(clientRandom: Uint8Array): boolean {
    const k = Buffer.from(clientRandom).toString('hex');
    return this.master.has(k) || this.tls13.has(k);
  }
}
