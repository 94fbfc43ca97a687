/**
 * A mistyped subcommand (`ftpcap sumary x.pcap`) would otherwise be read as the name of a capture
 * for the default `summary`. A first word that names no file and is close to a subcommand's name
 * (at most two edits, a swap of neighbours counting as one, or the start of a name) is refused.
 */

/** Optimal string alignment distance: insertions, deletions, substitutions and adjacent swaps. */
export function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i, ...new Array<number>(b.length).fill(0)]);
  for (let j = 0; j <= b.length; j++) d[0][j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[a.length][b.length];
}

export const MAX_EDITS = 2;

/**
 * The subcommand names `word` is close to: those it begins, else those within two edits, closest
 * first (empty when it is a name or close to none).
 */
export function closeCommands(word: string, names: readonly string[]): string[] {
  const w = word.toLowerCase();
  if (w === '' || names.includes(w)) return [];
  // The start of a name says more than a near miss: `sum` means summary, not dump.
  const prefixed = names.filter((name) => name.startsWith(w));
  if (prefixed.length > 0) return prefixed;
  return names
    .map((name) => ({ name, d: editDistance(w, name) }))
    .filter((c) => c.d <= MAX_EDITS)
    .sort((x, y) => x.d - y.d)
    .map((c) => c.name);
}

/** "summary", "summary or sessions", "extract, explain or dump". */
export function orList(names: string[]): string {
  return names.length <= 1 ? (names[0] ?? '') : `${names.slice(0, -1).join(', ')} or ${names[names.length - 1]}`;
}
