/**
 * The house rules of src/ (docs: README "Layout", ../shared/STYLE.md): data flows one way —
 * (warnings →) capture → decode → tcp → tls → ftp → analysis → extract → render → cli — so a module imports only
 * from its own stage or stages to its left; and no two modules import each other, even for types.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = resolve(__dirname, '../../src');
// src/warnings is a leaf (the catalog of every warning): every stage may import it, it imports none.
const STAGES = ['warnings', 'capture', 'decode', 'tcp', 'tls', 'ftp', 'analysis', 'extract', 'render', 'cli'];

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    if (statSync(p).isDirectory()) return files(p);
    return p.endsWith('.ts') && !p.endsWith('.d.ts') ? [p] : [];
  });
}

const graph = new Map<string, string[]>();
for (const f of files(SRC)) {
  const text = readFileSync(f, 'utf8');
  const deps = [...text.matchAll(/(?:import|export)[^'";]*?from\s+'(\.[^']+)'/g)].map((m) => resolve(dirname(f), m[1]).replace(/\.js$/, '.ts'));
  graph.set(f, deps.filter((d) => d.startsWith(SRC)));
}
const name = (f: string): string => relative(SRC, f);
const stage = (f: string): number => STAGES.indexOf(name(f).split('/')[0]);

describe('imports in src/', () => {
  it('form no circle', () => {
    const cycles: string[] = [];
    const onStack = new Set<string>();
    const done = new Set<string>();
    const path: string[] = [];
    const visit = (n: string): void => {
      path.push(n);
      onStack.add(n);
      for (const d of graph.get(n) ?? []) {
        if (onStack.has(d)) cycles.push(path.slice(path.indexOf(d)).map(name).concat(name(d)).join(' → '));
        else if (!done.has(d) && graph.has(d)) visit(d);
      }
      path.pop();
      onStack.delete(n);
      done.add(n);
    };
    for (const f of graph.keys()) if (!done.has(f)) visit(f);
    expect(cycles).toEqual([]);
  });

  it('flow one way, from the capture towards the CLI', () => {
    const backwards: string[] = [];
    for (const [f, deps] of graph) {
      if (stage(f) < 0) continue; // src/index.ts: the library API sees everything but the CLI
      for (const d of deps) if (stage(d) > stage(f)) backwards.push(`${name(f)} imports ${name(d)}`);
    }
    expect(backwards).toEqual([]);
    // The library API never imports the CLI.
    expect((graph.get(join(SRC, 'index.ts')) ?? []).filter((d) => stage(d) === STAGES.indexOf('cli')).map(name)).toEqual([]);
  });
});
