/**
 * The report in a real browser: Debian's chromium (/usr/bin/chromium) driven by playwright-core,
 * one browser for the whole file. For each fixture the page is opened from a file:// URL and
 * must: log no console error and raise no page error; make no request but the page itself; draw
 * the lanes and arrows the model and tshark's views say (SYN, SYN+ACK, RST, FIN, commands);
 * show, for a clicked arrow, a header dump whose tshark fields equal tshark's values; hold a
 * diagnosis card with the model's cause for every failed or aborted transfer; run nothing that
 * came from the packets. A screenshot of each page goes to test-artifacts/report/ (gitignored).
 *
 * In CI (CI=true) the tests run or fail: .ci/run installs chromium. Elsewhere they are skipped,
 * with the reason printed, when /usr/bin/chromium is missing.
 *
 * A browser and its pages take seconds: the pages are opened by FTPCAP_LONG=all (`npm run
 * test:long`, which .ci/run runs), every fixture's and the markup one; `npm test` checks the
 * report's HTML, escaping and ladder without a browser (the other files of test/report/).
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BrowserContext, Page } from 'playwright-core';
import { analyzeFiles } from '../../src/analysis/pipeline.js';
import { traceConnections } from '../../src/analysis/packet-trace.js';
import { CATALOG } from '../../src/analysis/diagnose/catalog.js';
import type { Analysis } from '../../src/analysis/model.js';
import { MAX_CONNECTION_LANES } from '../../src/render/report/ladder-svg.js';
import { runCli } from '../cli/run-cli.js';
import { tsharkFields, tsharkTsv } from '../teach/load.js';

const CHROMIUM = '/usr/bin/chromium';
const ROOT = resolve(__dirname, '../..');
const ARTIFACTS = join(ROOT, 'test-artifacts', 'report');
const inCi = process.env.CI === 'true';
const haveBrowser = existsSync(CHROMIUM);
if (!haveBrowser && !inCi) {
  console.log(`report browser tests skipped: ${CHROMIUM} is missing (apt-get install chromium); in CI (CI=true) they run and fail without it`);
}

const ALL = process.env.FTPCAP_LONG === 'all';
const EVERY_FIXTURE = [
  'passive-vsftpd-lftp.pcap',
  'fail-active-drop-vsftpd-ftp.pcap',
  'fail-passive-reject-rst-proftpd-curl.pcap',
  'fail-pasv-address-vsftpd-lftp.pcap',
  'ctrl-drop-vsftpd-curl.pcap',
  'abort-vsftpd-lftp.pcap',
  'ipv6-epsv-proftpd-lftp.pcapng',
  'hostile-server-python.pcap',
  'hostile-client-vsftpd-python.pcap.gz',
];
const FIXTURES = ALL ? EVERY_FIXTURE : [];

/** tshark's text as a comparable value (as the dump oracle reads it). */
function tsharkValue(field: string, text: string): string {
  if (field === 'tcp.options.sack_perm') return text === '' ? '' : 'present';
  if (/^0x[0-9a-f]+$/i.test(text)) return String(parseInt(text, 16));
  return text;
}

const tmp = mkdtempSync(join(tmpdir(), 'ftpcap-report-browser-'));
let context: BrowserContext | undefined;

beforeAll(async () => {
  if (!ALL || (!haveBrowser && !inCi)) return;
  const { chromium } = await import('playwright-core');
  // A fresh profile directory (playwright passes it as --user-data-dir).
  context = await chromium.launchPersistentContext(join(tmp, 'profile'), {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    viewport: { width: 1400, height: 1000 },
    serviceWorkers: 'block',
  });
  mkdirSync(ARTIFACTS, { recursive: true });
}, 60_000);

afterAll(async () => {
  await context?.close();
  rmSync(tmp, { recursive: true, force: true });
});

interface Opened {
  page: Page;
  errors: string[];
  requests: string[];
  url: string;
}

async function open(file: string): Promise<Opened> {
  const url = pathToFileURL(file).href;
  const page = await context!.newPage();
  const errors: string[] = [];
  const requests: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') errors.push(`${m.type()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  page.on('request', (r) => requests.push(r.url()));
  await page.route(/^(?!file:)/, (route) => {
    requests.push(route.request().url());
    return route.abort();
  });
  await page.goto(url, { waitUntil: 'load' });
  return { page, errors, requests, url };
}

async function reportOf(capture: string, name: string): Promise<string> {
  const out = join(tmp, `${name}.html`);
  const r = await runCli(['report', capture, '-o', out]);
  expect(r.code, r.stderr).toBe(0);
  return out;
}

/** Lanes each ladder should have, from the model: control pair + one pair per traced connection. */
function expectedLanes(a: Analysis, drawn: number[]): number[] {
  const conns = traceConnections(a);
  return drawn.map((id) => 2 + 2 * Math.min(MAX_CONNECTION_LANES, conns.filter((c) => c.session === id && c.role !== 'control').length));
}

const it_ = haveBrowser || inCi ? it : it.skip;

describe('the report in chromium', () => {
  it_.each(FIXTURES)('%s', async (fixture) => {
    const capture = join(ROOT, 'fixtures', fixture);
    const name = fixture.replace(/\.(pcap|pcapng)(\.gz)?$/, '');
    const file = await reportOf(capture, name);
    const a = await analyzeFiles([capture], { fileName: fixture, showPasswords: false });
    const { page, errors, requests, url } = await open(file);
    try {
      // Ladders: one per session (all fixtures here have fewer than the bound), lanes as the model says.
      const drawn = await page.$$eval('figure.ladder', (fs) => fs.map((f) => Number(f.getAttribute('data-session'))));
      expect(drawn.sort((x, y) => x - y)).toEqual(a.sessions.map((s) => s.id));
      const lanes = await page.$$eval('figure.ladder', (fs) => fs.map((f) => f.querySelectorAll('line.lane').length));
      expect(lanes).toEqual(expectedLanes(a, drawn));
      // With one session, the lanes are the control connection and tshark's other streams.
      if (a.sessions.length === 1) expect(lanes[0] / 2).toBeLessThanOrEqual(tsharkTsv(fixture, 'streams').length);

      // Arrows against tshark's view of the packets, where no ladder row was left out.
      const elided = await page.locator('.elided').count();
      const rows = [...tsharkFields(fixture).values()].filter((r) => r['ip.proto'] === '6' || r['ipv6.nxt'] === '6');
      const flags = rows.map((r) => parseInt(r['tcp.flags'], 16));
      const count = async (sel: string, text: RegExp): Promise<number> =>
        (await page.$$eval(sel, (gs) => gs.map((g) => g.querySelector('text.lbl')?.textContent ?? ''))).filter((t) => text.test(t)).length;
      if (elided === 0 && !fixture.startsWith('hostile')) {
        expect(await count('.ladder .ev.k-syn', /^SYN(?!\+ACK)/)).toBe(flags.filter((f) => (f & 0x12) === 0x02).length);
        expect(await count('.ladder .ev.k-syn', /^SYN\+ACK/)).toBe(flags.filter((f) => (f & 0x12) === 0x12).length);
        expect(await page.locator('.ladder .ev.k-rst').count()).toBe(flags.filter((f) => (f & 0x04) !== 0).length);
        // Commands: one arrow per command of the model; tshark also counts lines ftpcap reads as Telnet IAC bytes.
        const commands = a.sessions.flatMap((s) => s.commands).filter((c) => c.command !== null).length;
        expect(await page.locator('.ladder .ev.k-cmd').count()).toBe(commands);
        expect(tsharkTsv(fixture, 'ftp').filter((r) => r['ftp.request.command'] !== '').length).toBeGreaterThanOrEqual(commands);
        // Bulk data: a band per data connection that carried bytes (a FIN can carry all of it instead).
        const moved = a.sessions.flatMap((s) => s.transfers).filter((t) => t.connection !== null && t.bytes > 0).length;
        const bands = await page.locator('.ladder .ev.band').count();
        expect(bands + (await count('.ladder .ev.k-fin', /with \d+ bytes? of data/))).toBeGreaterThanOrEqual(moved);
      }

      // Click the first SYN (or the first arrow): its dump shows tshark's values.
      const arrow = page.locator('.ladder .ev.k-syn').first();
      const target = (await arrow.count()) > 0 ? arrow : page.locator('.ladder .ev').first();
      await target.click();
      const frame = Number(await target.getAttribute('data-f'));
      await expect.poll(() => page.locator('#packet').isVisible()).toBe(true);
      const shown = await page.$$eval('#packet-body [data-tshark]', (ls) => ls.map((l) => [l.getAttribute('data-tshark') ?? '', l.textContent ?? '']));
      const row = tsharkFields(fixture).get(frame)!;
      let compared = 0;
      for (const [fields, text] of shown) {
        for (const kv of fields.split(';')) {
          const [k, v] = [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)];
          if (!(k in row) || row[k] === '' || k.endsWith('.status') || k === 'ip.frag_offset') continue;
          expect(`${k}=${v}`).toBe(`${k}=${tsharkValue(k, row[k])}`);
          if (/^(ip|ipv6)\.(src|dst)$|^tcp\.(srcport|dstport)$/.test(k)) expect(text).toContain(v);
          compared++;
        }
      }
      expect(compared).toBeGreaterThan(8);
      expect(await page.locator('#packet-body pre.hex').first().textContent()).toMatch(/^0000 {2}[0-9a-f]{2} /);

      // A diagnosis card, with the model's cause, for every failed or aborted transfer.
      const cards = await page.$$eval('.card', (cs) => cs.map((c) => c.textContent ?? ''));
      for (const s of a.sessions) {
        for (const t of s.transfers) {
          const v = t.verdict;
          if (v.kind !== 'failed' && v.kind !== 'aborted' && t.diagnosis === null) continue;
          const cause = t.diagnosis?.cause ?? (v.kind === 'failed' || v.kind === 'aborted' ? v.cause : null);
          const mine = cards.filter((c) => c.includes(`Session ${s.id}, transfer ${t.id}:`));
          expect(mine.length, `card for session ${s.id} transfer ${t.id}`).toBe(1);
          if (cause !== null) expect(mine[0]).toContain(CATALOG[cause].title);
        }
        if (s.diagnosis !== null) expect(cards.some((c) => c.includes(CATALOG[s.diagnosis!.cause].title))).toBe(true);
      }
      // An evidence frame highlights its arrow in the ladder.
      const ref = page.locator('.card .frame-ref').first();
      if ((await ref.count()) > 0) {
        const f = Number(await ref.getAttribute('data-frame'));
        await ref.click();
        const hl = await page.$$eval('.ladder .ev.hl', (gs) => gs.map((g) => [Number(g.getAttribute('data-f')), Number(g.getAttribute('data-l'))]));
        const inLadder = await page.$$eval('.ladder .ev', (gs, f) => gs.some((g) => Number(g.getAttribute('data-f')) <= f && f <= Number(g.getAttribute('data-l'))), f);
        if (inLadder) expect(hl.some(([x, y]) => x <= f && f <= y)).toBe(true);
      }
      // A narrative step highlights the arrows of the frames it cites.
      const step = page.locator('li.step[data-frames]:not([data-frames=""])').first();
      if ((await step.count()) > 0) {
        await step.click();
        expect(await page.locator('.ladder .ev.hl').count()).toBeGreaterThan(0);
      }
      // The filter box hides what does not match.
      await page.fill('#filter', 'no-such-text-anywhere');
      expect(await page.locator('#overview tbody tr:not(.filtered-out)').count()).toBe(0);
      await page.fill('#filter', '');
      await page.keyboard.press('Escape');

      expect(await page.evaluate(() => (window as unknown as { __pwned?: unknown }).__pwned)).toBeUndefined();
      expect(await page.locator('script').count()).toBe(2);
      expect(await page.locator('img, iframe, object, embed, form').count()).toBe(0);
      await page.screenshot({ path: join(ARTIFACTS, `${name}.png`) });
      expect(errors).toEqual([]);
      expect(requests.filter((r) => r !== url)).toEqual([]);
    } finally {
      await page.close();
    }
  });

  (ALL ? it_ : it.skip)('packet text with markup renders as text and runs nothing', async () => {
    // The passive fixture with its banner, a reply and the file names replaced, byte for byte, by markup.
    let bytes = readFileSync(join(ROOT, 'fixtures', 'passive-vsftpd-lftp.pcap'));
    const swaps: Array<[string, string]> = [
      ['(vsFTPd 3.0.3)', '<svg onload=1>'],
      ['Here comes the directory listing.', '<script>window.__pwned=1</script>'],
      ['Please specify the password.', '<img src=x onerror=__pwned=1'],
      ['hello.txt', '</svg><b>'],
      ['upload-lftp.txt', `"'><i>x</i>&lt;`],
    ];
    for (const [from, to] of swaps) {
      expect(to.length).toBe(from.length);
      const f = Buffer.from(from, 'latin1');
      const t = Buffer.from(to, 'latin1');
      const copy = Buffer.from(bytes);
      let at = copy.indexOf(f);
      expect(at).toBeGreaterThan(0);
      while (at >= 0) {
        t.copy(copy, at);
        at = copy.indexOf(f, at + f.length);
      }
      bytes = copy;
    }
    const capture = join(tmp, 'markup.pcap');
    writeFileSync(capture, bytes);
    const file = await reportOf(capture, 'markup');
    const { page, errors, requests, url } = await open(file);
    try {
      await page.locator('.ladder .ev.k-reply').nth(0).click();
      await page.locator('.ladder .ev.k-cmd').last().click();
      await page.fill('#filter', '<svg');
      await page.fill('#filter', '');
      const text = await page.locator('body').innerText();
      expect(text).toContain('<script>window.__pwned=1</script>');
      expect(text).toContain('</svg><b>');
      expect(text).toContain('<svg onload=1>');
      expect(await page.evaluate(() => (window as unknown as { __pwned?: unknown }).__pwned)).toBeUndefined();
      expect(await page.locator('script').count()).toBe(2);
      expect(await page.locator('img, iframe, object, embed, b, i').count()).toBe(0);
      // Only the ladders' and the timeline's own SVGs.
      expect(await page.locator('svg').count()).toBe((await page.locator('figure.ladder').count()) + 1);
      await page.screenshot({ path: join(ARTIFACTS, 'markup.png'), fullPage: true });
      expect(errors).toEqual([]);
      expect(requests.filter((r) => r !== url)).toEqual([]);
    } finally {
      await page.close();
    }
  });
});
