/** Word-wrap plain text to `width` columns, indenting continuation lines. */
export function wrap(text: string, width: number, indent = ''): string {
  const words = text.split(/\s+/).filter(Boolean);
  const lines: string[] = [];
  let line = '';
  for (const w of words) {
    if (line && line.length + 1 + w.length > width) {
      lines.push(line);
      line = indent + w;
    } else {
      line = line ? `${line} ${w}` : indent + w;
    }
  }
  if (line) lines.push(line);
  return lines.join('\n');
}
