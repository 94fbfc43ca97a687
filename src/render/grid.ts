/**
 * Bordered tables in cli-table3's compact style, drawn here in linear time: cli-table3 costs about
 * half a millisecond a row (a 100-session summary: 60 ms of its 0.8 s; 8,000 rows: 7.5 s), and
 * listings such as `commands` grow with the capture. Tests check that both give identical text.
 */

/** Terminal columns a string takes: wide East Asian characters count two, combining marks none. */
export function displayWidth(s: string): number {
  let w = 0;
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (c === 0x1b) continue; // colour codes are added by us only, never from packets (escaped)
    if ((c >= 0x300 && c <= 0x36f) || c === 0x200b) continue;
    w += isWide(c) ? 2 : 1;
  }
  return w;
}

function isWide(c: number): boolean {
  return (
    (c >= 0x1100 && c <= 0x115f) ||
    (c >= 0x2e80 && c <= 0xa4cf) ||
    (c >= 0xac00 && c <= 0xd7a3) ||
    (c >= 0xf900 && c <= 0xfaff) ||
    (c >= 0xfe30 && c <= 0xfe4f) ||
    (c >= 0xff00 && c <= 0xff60) ||
    (c >= 0xffe0 && c <= 0xffe6) ||
    (c >= 0x1f300 && c <= 0x1faff) ||
    (c >= 0x20000 && c <= 0x3fffd)
  );
}

const ANSI = /\u001b\[[0-9;]*m/g;
/** Printable ASCII only: as many columns as characters (most cells: numbers, addresses, verbs). */
const PLAIN = /^[\x20-\x7e]*$/;

/** Columns a cell takes on the terminal, colour codes aside. */
function cellWidth(s: string): number {
  return PLAIN.test(s) ? s.length : displayWidth(s.replace(ANSI, ''));
}

function pad(s: string, width: number): string {
  return s + ' '.repeat(Math.max(0, width - cellWidth(s)));
}

/** The table cli-table3 draws with `style: { head: [], border: [], compact: true }`, in linear time. */
export function drawGrid(head: string[], rows: string[][]): string {
  const widths = head.map(cellWidth);
  for (const r of rows) {
    for (let i = 0; i < r.length; i++) widths[i] = Math.max(widths[i] ?? 0, cellWidth(r[i]));
  }
  const rule = (l: string, m: string, r: string): string => l + widths.map((w) => '─'.repeat(w + 2)).join(m) + r;
  const line = (cells: string[]): string => `│${widths.map((w, i) => ` ${pad(cells[i] ?? '', w)} `).join('│')}│`;
  // cli-table3 draws no rule under the head of an empty table.
  const out = rows.length > 0 ? [rule('┌', '┬', '┐'), line(head), rule('├', '┼', '┤')] : [rule('┌', '┬', '┐'), line(head)];
  for (const r of rows) out.push(line(r));
  out.push(rule('└', '┴', '┘'));
  return out.join('\n');
}

/** cli-table3's word wrap (utils.wordWrap): words joined with their own whitespace until the next would pass `width`. */
function wrapWords(width: number, text: string): string[] {
  const lines: string[] = [];
  const split = text.split(/(\s+)/g);
  let line: string[] = [];
  let length = 0;
  let space: string | undefined;
  for (let i = 0; i < split.length; i += 2) {
    const word = split[i];
    let next = length + displayWidth(word);
    if (length > 0 && space) next += space.length;
    if (next > width) {
      if (length !== 0) lines.push(line.join(''));
      line = [word];
      length = displayWidth(word);
    } else {
      line.push(space ?? '', word);
      length = next;
    }
    space = split[i + 1];
  }
  if (length) lines.push(line.join(''));
  return lines;
}

/** A line cut to `width` columns the way cli-table3 cuts one, with "…". */
function cut(line: string, width: number): string {
  if (displayWidth(line) <= width) return line;
  let out = '';
  let w = 0;
  for (const ch of line) {
    const cw = displayWidth(ch);
    if (w + cw > width - 1) break;
    out += ch;
    w += cw;
  }
  return `${out}…`;
}

/**
 * The head-less table cli-table3 draws with `colWidths` and `wordWrap: true` (style compact, no
 * colours), in linear time: cli-table3 measures each unwrapped cell character by character
 * (10 ms a transfer block here; `transfers` of 10,000 transfers took 146 s). Cells must not hold
 * colour codes (those cli-table3 carries across wrapped lines). A test checks both give identical text.
 */
export function drawWrapped(colWidths: number[], rows: string[][]): string {
  const inner = colWidths.map((w) => w - 2);
  const rule = (l: string, m: string, r: string): string => l + colWidths.map((w) => '─'.repeat(w)).join(m) + r;
  const out = [rule('┌', '┬', '┐')];
  for (const row of rows) {
    const cells = inner.map((w, i) => (row[i] ?? '').split('\n').flatMap((l) => wrapWords(w, l)));
    const height = Math.max(1, ...cells.map((c) => c.length));
    for (let k = 0; k < height; k++) out.push(`│${inner.map((w, i) => ` ${pad(cut(cells[i][k] ?? '', w), w)} `).join('│')}│`);
  }
  out.push(rule('└', '┴', '┘'));
  return out.join('\n');
}
