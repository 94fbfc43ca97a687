/** Colour is a rendering choice made by the CLI (TTY and no NO_COLOR); renderers only apply it. */
export interface RenderStyle {
  color: boolean;
  /** Terminal width to fit tables into. */
  width: number;
}

const CODES = { red: 31, green: 32, yellow: 33, cyan: 36, dim: 2, bold: 1 } as const;
export type Colour = keyof typeof CODES;

export function paint(style: RenderStyle, colour: Colour, text: string): string {
  return style.color ? `\u001b[${CODES[colour]}m${text}\u001b[0m` : text;
}
