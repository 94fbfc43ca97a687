/**
 * HTML building blocks for the report. Everything that came from packets (file names, banners,
 * replies, user names) is untrusted: it goes through `esc` (text and attribute values alike) or
 * through `jsonForScript` (the data block the page's script reads), and nowhere else.
 */
import { count } from '../../analysis/diagnose/facts.js';
import { escapeText } from '../escape.js';

const HTML_ESCAPES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/**
 * Text for an HTML text node or a quoted attribute value: control and format characters shown
 * escaped first (as in every other output), then the five HTML specials as entities.
 */
export function esc(s: string | number): string {
  return escapeText(String(s)).replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]);
}

/** `esc`, shortened to at most `max` characters (before entities) with an ellipsis. */
export function escClip(s: string, max: number): string {
  const e = escapeText(s);
  return esc(e.length <= max ? e : `${e.slice(0, Math.max(0, max - 1))}…`);
}

/**
 * JSON for a `<script type="application/json">` block: `<`, `>`, `&` and the two JavaScript line
 * separators as \u escapes, so no text in it can close the element or open a comment.
 */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** Number with thousands separators. */
export const num = count;
