/**
 * Golden snapshot files: the text a command prints, stored under test/teach/golden/ and named
 * after the fixture, the command and its options. A test compares; only with UPDATE_GOLDEN=1 in
 * the environment does it rewrite the file (then review the diff before committing it).
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { expect } from 'vitest';

export const GOLDEN_DIR = resolve(__dirname, 'golden');

export function goldenPath(name: string): string {
  return join(GOLDEN_DIR, name);
}

/** Compare `actual` with the golden file `name`; rewrite it instead when UPDATE_GOLDEN=1. */
export function expectGolden(name: string, actual: string): void {
  const path = goldenPath(name);
  if (process.env.UPDATE_GOLDEN === '1') {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, actual);
    return;
  }
  if (!existsSync(path)) throw new Error(`no golden file ${name}: run the tests with UPDATE_GOLDEN=1 and review it`);
  // One assertion with the whole text: vitest shows a line diff on failure.
  expect(actual, `golden ${name} (UPDATE_GOLDEN=1 rewrites it)`).toBe(readFileSync(path, 'utf8'));
}
