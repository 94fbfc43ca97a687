/**
 * Issue 14: the report on every recorded fixture (the browser tests open a set of them): one
 * self-contained page (no external reference, script and style allowed by hash only), within its
 * size bound, whose verdict badges are the model's words for each transfer. It writes a report per
 * capture, so it runs in `.ci/run` (`npm run test:reports`), not in the developer's `npm test`.
 */
import { createHash } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Analysis } from '../../src/analysis/model.js';
import { verdictLabel } from '../../src/render/verdict-words.js';
import { runCli } from '../cli/run-cli.js';
import { FIXTURES } from '../support/facts.js';

const ALL = process.env.FTPCAP_REPORTS === 'all';
const captures = readdirSync(FIXTURES).filter((f) => /\.(pcap|pcapng)(\.gz)?$/.test(f)).sort();
const sha = (s: string): string => `sha256-${createHash('sha256').update(s, 'utf8').digest('base64')}`;
/** The page's stated bound (src/render/report: ladders, dumps and tables are capped). */
const MAX_BYTES = 4 * 1024 * 1024;

describe.skipIf(!ALL)('ftpcap report on every fixture (FTPCAP_REPORTS=all; .ci/run runs it)', () => {
  for (const f of captures) {
    it(f, async () => {
      const path = join(FIXTURES, f);
      const [r, json] = await Promise.all([runCli(['report', path]), runCli(['summary', '--json', path])]);
      expect(r.code, r.stderr).toBe(0);
      const html = r.stdout;
      expect(Buffer.byteLength(html)).toBeLessThan(MAX_BYTES);
      const csp = /<meta http-equiv="Content-Security-Policy" content="([^"]+)">/.exec(html)?.[1] ?? '';
      const scripts = [...html.matchAll(/<script([^>]*)>([\s\S]*?)<\/script>/g)];
      const styles = [...html.matchAll(/<style>([\s\S]*?)<\/style>/g)];
      expect(scripts).toHaveLength(2);
      expect(styles).toHaveLength(1);
      expect(csp).toContain(`script-src '${sha(scripts[1][2])}'`);
      expect(csp).toContain(`style-src '${sha(styles[0][1])}'`);
      expect(html).not.toMatch(/\b(?:src|href)="(?!#)/);
      // Every transfer the overview lists carries the model's verdict words (the page decides none).
      const a = JSON.parse(json.stdout) as Analysis;
      const shown = html.replace(/&amp;/g, '&').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#39;/g, "'");
      for (const s of a.sessions.slice(0, 20)) {
        for (const t of s.transfers.slice(0, 20)) expect(shown, `${f} ${s.id}.${t.id}`).toContain(verdictLabel(t.verdict));
      }
    });
  }
});
