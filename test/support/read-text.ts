import { existsSync, readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';

/** The file at `path`, or its gzip-compressed sibling `path.gz` (large fixture views are stored compressed). */
export function existing(path: string): string | null {
  if (existsSync(path)) return path;
  if (existsSync(`${path}.gz`)) return `${path}.gz`;
  return null;
}

export function readText(path: string, encoding: BufferEncoding): string {
  const found = existing(path);
  if (!found) throw new Error(`${path}: no such file (nor ${path}.gz)`);
  const bytes = readFileSync(found);
  return (found.endsWith('.gz') ? gunzipSync(bytes) : bytes).toString(encoding);
}
