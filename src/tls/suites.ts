/**
 * Cipher suites this tool can decrypt, and names for the others it may meet. One table: the record
 * layer, the key schedule and the model's `cipherSuite` name all read it.
 */

export type BulkCipher = 'aes-128-gcm' | 'aes-256-gcm' | 'chacha20-poly1305' | 'aes-128-cbc' | 'aes-256-cbc';
export type MacHash = 'sha1' | 'sha256' | 'sha384';

export interface CipherSuite {
  id: number;
  name: string;
  cipher: BulkCipher;
  /** HMAC hash of CBC suites; null for AEAD. */
  mac: MacHash | null;
  /** Hash of the TLS 1.2 PRF / TLS 1.3 HKDF. */
  prfHash: 'sha256' | 'sha384';
  keyLength: number;
  /** TLS 1.3 suites have no key exchange in their name. */
  tls13: boolean;
}

const row = (id: number, name: string, cipher: BulkCipher, mac: MacHash | null, prfHash: 'sha256' | 'sha384' = 'sha256'): CipherSuite => ({
  id,
  name,
  cipher,
  mac,
  prfHash,
  keyLength: cipher === 'aes-128-gcm' || cipher === 'aes-128-cbc' ? 16 : 32,
  tls13: id >> 8 === 0x13,
});

const ROWS: CipherSuite[] = [
  row(0x1301, 'TLS_AES_128_GCM_SHA256', 'aes-128-gcm', null),
  row(0x1302, 'TLS_AES_256_GCM_SHA384', 'aes-256-gcm', null, 'sha384'),
  row(0x1303, 'TLS_CHACHA20_POLY1305_SHA256', 'chacha20-poly1305', null),
  row(0xc02b, 'TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256', 'aes-128-gcm', null),
  row(0xc02c, 'TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384', 'aes-256-gcm', null, 'sha384'),
  row(0xc02f, 'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256', 'aes-128-gcm', null),
  row(0xc030, 'TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384', 'aes-256-gcm', null, 'sha384'),
  row(0x009c, 'TLS_RSA_WITH_AES_128_GCM_SHA256', 'aes-128-gcm', null),
  row(0x009d, 'TLS_RSA_WITH_AES_256_GCM_SHA384', 'aes-256-gcm', null, 'sha384'),
  row(0x009e, 'TLS_DHE_RSA_WITH_AES_128_GCM_SHA256', 'aes-128-gcm', null),
  row(0x009f, 'TLS_DHE_RSA_WITH_AES_256_GCM_SHA384', 'aes-256-gcm', null, 'sha384'),
  row(0xcca8, 'TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256', 'chacha20-poly1305', null),
  row(0xcca9, 'TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256', 'chacha20-poly1305', null),
  row(0xccaa, 'TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256', 'chacha20-poly1305', null),
  row(0x002f, 'TLS_RSA_WITH_AES_128_CBC_SHA', 'aes-128-cbc', 'sha1'),
  row(0x0035, 'TLS_RSA_WITH_AES_256_CBC_SHA', 'aes-256-cbc', 'sha1'),
  row(0x003c, 'TLS_RSA_WITH_AES_128_CBC_SHA256', 'aes-128-cbc', 'sha256'),
  row(0x003d, 'TLS_RSA_WITH_AES_256_CBC_SHA256', 'aes-256-cbc', 'sha256'),
  row(0x0033, 'TLS_DHE_RSA_WITH_AES_128_CBC_SHA', 'aes-128-cbc', 'sha1'),
  row(0x0039, 'TLS_DHE_RSA_WITH_AES_256_CBC_SHA', 'aes-256-cbc', 'sha1'),
  row(0x0067, 'TLS_DHE_RSA_WITH_AES_128_CBC_SHA256', 'aes-128-cbc', 'sha256'),
  row(0x006b, 'TLS_DHE_RSA_WITH_AES_256_CBC_SHA256', 'aes-256-cbc', 'sha256'),
  row(0xc009, 'TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA', 'aes-128-cbc', 'sha1'),
  row(0xc00a, 'TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA', 'aes-256-cbc', 'sha1'),
  row(0xc013, 'TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA', 'aes-128-cbc', 'sha1'),
  row(0xc014, 'TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA', 'aes-256-cbc', 'sha1'),
  row(0xc023, 'TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256', 'aes-128-cbc', 'sha256'),
  row(0xc024, 'TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384', 'aes-256-cbc', 'sha384', 'sha384'),
  row(0xc027, 'TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256', 'aes-128-cbc', 'sha256'),
  row(0xc028, 'TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384', 'aes-256-cbc', 'sha384', 'sha384'),
];

export const CIPHER_SUITES: ReadonlyMap<number, CipherSuite> = new Map(ROWS.map((r) => [r.id, r]));

/** A suite's name: from the table, else its number ("0x1304"). */
export function cipherSuiteName(id: number): string {
  return CIPHER_SUITES.get(id)?.name ?? `0x${id.toString(16).padStart(4, '0')}`;
}

export function versionName(v: number): string {
  switch (v) {
    case 0x0300:
      return 'SSL 3.0';
    case 0x0301:
      return 'TLS 1.0';
    case 0x0302:
      return 'TLS 1.1';
    case 0x0303:
      return 'TLS 1.2';
    case 0x0304:
      return 'TLS 1.3';
    default:
      return `0x${v.toString(16).padStart(4, '0')}`;
  }
}

/** TLS record content types (RFC 8446 §5.1). */
export const CONTENT_TYPE = { ccs: 20, alert: 21, handshake: 22, appData: 23 } as const;

const CONTENT_TYPES: Record<number, string> = {
  [CONTENT_TYPE.ccs]: 'Change Cipher Spec',
  [CONTENT_TYPE.alert]: 'Alert',
  [CONTENT_TYPE.handshake]: 'Handshake',
  [CONTENT_TYPE.appData]: 'Application Data',
  24: 'Heartbeat',
};

/** A record's content type as tshark words it ("Application Data"). */
export function contentTypeName(t: number): string {
  return CONTENT_TYPES[t] ?? `type ${t}`;
}

/** RFC 8446 §6 / RFC 5246 §7.2 alert descriptions. */
const ALERTS: Record<number, string> = {
  0: 'close_notify',
  10: 'unexpected_message',
  20: 'bad_record_mac',
  21: 'decryption_failed',
  22: 'record_overflow',
  40: 'handshake_failure',
  42: 'bad_certificate',
  43: 'unsupported_certificate',
  44: 'certificate_revoked',
  45: 'certificate_expired',
  46: 'certificate_unknown',
  47: 'illegal_parameter',
  48: 'unknown_ca',
  49: 'access_denied',
  50: 'decode_error',
  51: 'decrypt_error',
  70: 'protocol_version',
  71: 'insufficient_security',
  80: 'internal_error',
  86: 'inappropriate_fallback',
  90: 'user_canceled',
  100: 'no_renegotiation',
  109: 'missing_extension',
  110: 'unsupported_extension',
  112: 'unrecognized_name',
  113: 'bad_certificate_status_response',
  115: 'unknown_psk_identity',
  116: 'certificate_required',
  120: 'no_application_protocol',
};

export function alertName(d: number): string {
  return ALERTS[d] ?? `alert ${d}`;
}
