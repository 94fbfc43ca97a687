/** Stable codes of CaptureWarning.code, with what each means (for renderers and docs). */
export const CAPTURE_WARNING_CODES = {
  'truncated-record': 'The capture ends inside a packet record or block (file cut short).',
  'caplen-too-large': "A record's captured length is impossible (beyond the snap length or its block); reading stopped.",
  'caplen-exceeds-origlen': 'A pcap record claims more captured than original bytes (reported once; reading goes on).',
  'bad-block-length': 'A pcapng block length is malformed or differs from its trailing copy; reading stopped.',
  'block-too-large': 'A pcapng block claims more than 16 MiB; reading stopped.',
  'bad-byte-order': 'A later pcapng section header has no valid byte-order magic; reading stopped.',
  'unsupported-version': 'A later pcapng section has a version other than 1.x; reading stopped.',
  'unknown-interface': 'A pcapng packet names an interface its section never described; reading stopped.',
  'bad-option': 'A pcapng interface option overruns its block; the remaining options were ignored.',
  'interface-limit': 'More pcapng interfaces than the bound: later ones counted, their packets counted as frames but not analysed.',
  'bad-timestamp': 'A pcapng timestamp is no date (beyond year 9999): the frame is given the previous frame\'s time.',
  'empty-records': 'A long run of records without a byte (zeros where packets should be): reading stopped.',
  'read-error': 'Reading the input failed part-way; packets before the failure were analysed.',
  'decompress-error': 'The gzip stream is damaged or cut short; packets before the damage were analysed.',
} as const;

export type CaptureWarningCode = keyof typeof CAPTURE_WARNING_CODES;
