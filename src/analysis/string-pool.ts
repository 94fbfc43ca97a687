/**
 * One copy of each short string that sessions repeat (reply texts, verbs, user names, a diagnosis's
 * reason): 100,000 sessions of one script then hold one "Login successful." instead of 100,000
 * copies, each a slice that kept its whole line alive. The sessions' models are kept to the end of
 * the capture, so every copy was also copied twice by the young-generation collector (ftp-100k:
 * 3.7 KB of model per session, 11 strings of them). Bounded: past `maxEntries` strings (a capture
 * of many distinct names), strings pass through as they are.
 */
export class StringPool {
  private readonly pool = new Map<string, string>();

  constructor(
    private readonly maxEntries = 4096,
    private readonly maxLength = 160,
  ) {}

  intern(s: string): string {
    if (s.length > this.maxLength) return s;
    const had = this.pool.get(s);
    if (had !== undefined) return had;
    if (this.pool.size >= this.maxEntries) return s;
    // A flat copy: the string met first may be a slice that holds its whole line, or a concatenation of parts.
    const flat = s.length < 2 ? s : (JSON.parse(JSON.stringify(s)) as string);
    this.pool.set(flat, flat);
    return flat;
  }
}
