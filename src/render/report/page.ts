/**
 * The report page's script (browser, no modules): compiled and inlined by
 * scripts/build-report-page.mjs, allowed by the page's Content-Security-Policy through its hash.
 * It reads the JSON data block (never the packets' text as markup: everything goes in through
 * textContent) and makes the page interactive: an arrow's packet dump and hex, evidence frames
 * highlighted in the ladder, the narrative stepped through with its arrows highlighted, and the
 * filter box.
 */

/** frames.ts: text with runs of spaces packed as a tab and the character 64+n; tshark fields "k=v;k=v". */
type DumpTextLine = string | [string, string];

interface FrameDump {
  frame: number;
  lines: DumpTextLine[];
  hex: string;
  captured: number;
}

interface ReportData {
  file: string;
  frames: Record<string, FrameDump>;
  maxDumps: number;
  hexBytes: number;
  command: string;
}

(() => {
  const dataEl = document.getElementById('report-data');
  if (dataEl === null) return;
  const data = JSON.parse(dataEl.textContent ?? '{}') as ReportData;
  const panel = document.getElementById('packet') as HTMLElement;
  const body = document.getElementById('packet-body') as HTMLElement;
  const heading = document.getElementById('packet-h') as HTMLElement;

  function el<K extends keyof HTMLElementTagNameMap>(tag: K, cls?: string, text?: string): HTMLElementTagNameMap[K] {
    const e = document.createElement(tag);
    if (cls !== undefined) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  }

  function hexLines(b64: string): string {
    const raw = atob(b64);
    const out: string[] = [];
    for (let off = 0; off < raw.length; off += 16) {
      const chunk = raw.slice(off, off + 16);
      let hex = '';
      let ascii = '';
      for (let i = 0; i < 16; i++) {
        if (i < chunk.length) {
          const c = chunk.charCodeAt(i);
          hex += c.toString(16).padStart(2, '0') + (i === 7 ? '  ' : ' ');
          ascii += c >= 0x20 && c < 0x7f ? chunk[i] : '.';
        } else hex += i === 7 ? '    ' : '   ';
      }
      out.push(`${off.toString(16).padStart(4, '0')}  ${hex} ${ascii}`);
    }
    return out.join('\n');
  }

  function dumpView(frame: number): HTMLElement {
    const d = data.frames[String(frame)];
    const box = el('div', 'dump');
    box.dataset.frame = String(frame);
    if (d === undefined) {
      box.append(
        el(
          'p',
          'muted',
          `Frame ${frame}: its header dump is not embedded (the report embeds handshakes, teardowns, control segments and ` +
            `the first and last data segment of each connection, at most ${data.maxDumps} frames). ` +
            `ftpcap dump ${data.file} --frame ${frame} shows it.`,
        ),
      );
      return box;
    }
    const pre = el('div', 'box');
    pre.setAttribute('role', 'group');
    pre.setAttribute('aria-label', `Headers of frame ${frame}`);
    for (const line of d.lines) {
      const [packed, fields] = typeof line === 'string' ? [line, undefined] : line;
      const text = packed.replace(/\t(.)/g, (_, c: string) => ' '.repeat(c.charCodeAt(0) - 64));
      const row = el('div', text.startsWith(' ') ? 'ln' : 'ln head', text);
      if (fields !== undefined) {
        row.dataset.tshark = fields;
        row.title = fields.split(';').join('\n');
      }
      pre.append(row);
    }
    box.append(pre);
    const hx = el('pre', 'hex', hexLines(d.hex));
    hx.setAttribute('aria-label', `Bytes of frame ${frame} in hex`);
    box.append(el('h3', undefined, d.captured > data.hexBytes ? `Bytes (first ${data.hexBytes} of ${d.captured})` : `Bytes (${d.captured})`), hx);
    return box;
  }

  function showFrames(frames: number[], label: string): void {
    body.replaceChildren(...frames.map(dumpView));
    heading.textContent = label;
    panel.hidden = false;
  }

  let selected: Element | null = null;
  function selectArrow(g: Element, scroll: boolean): void {
    selected?.classList.remove('sel');
    selected = g;
    g.classList.add('sel');
    const frames = (g.getAttribute('data-dumps') ?? '').split(' ').filter(Boolean).map(Number);
    const unique = [...new Set(frames)];
    showFrames(unique, g.getAttribute("aria-label") ?? `Frames ${unique.join(" and ")}`);
    if (scroll) (g as SVGGElement).scrollIntoView({ block: 'center', inline: 'nearest' });
  }

  function ladderOf(session: string): Element | null {
    return document.getElementById(`session-${session}-ladder`);
  }

  function arrowsCovering(ladder: Element, frames: Array<[number, number]>): Element[] {
    const out: Element[] = [];
    for (const g of Array.from(ladder.querySelectorAll('.ev'))) {
      const f = Number(g.getAttribute('data-f'));
      const l = Number(g.getAttribute('data-l'));
      if (frames.some(([a, b]) => a <= l && b >= f)) out.push(g);
    }
    return out;
  }

  function highlight(ladder: Element, arrows: Element[]): void {
    for (const g of Array.from(ladder.querySelectorAll('.hl'))) g.classList.remove('hl');
    for (const g of arrows) g.classList.add('hl');
  }

  function showFrameRef(session: string, frame: number): void {
    const ladder = ladderOf(session);
    if (ladder === null) {
      showFrames([frame], `Frame ${frame} (session ${session} has no ladder in this report)`);
      return;
    }
    const arrows = arrowsCovering(ladder, [[frame, frame]]);
    highlight(ladder, arrows);
    if (arrows.length > 0) {
      (arrows[0] as SVGGElement).focus({ preventScroll: true });
      arrows[0].scrollIntoView({ block: 'center', inline: 'nearest' });
    }
    showFrames([frame], `Frame ${frame} (session ${session})`);
  }

  function parseFrames(spec: string): Array<[number, number]> {
    return spec
      .split(' ')
      .filter(Boolean)
      .map((p) => {
        const [a, b] = p.split('-').map(Number);
        return [a, b ?? a] as [number, number];
      });
  }

  function selectStep(step: HTMLElement): void {
    const story = step.closest('.story');
    if (story === null) return;
    for (const s of Array.from(story.querySelectorAll('.step.cur'))) s.classList.remove('cur');
    step.classList.add('cur');
    const ladder = ladderOf(story.getAttribute('data-session') ?? '');
    if (ladder === null) return;
    const arrows = arrowsCovering(ladder, parseFrames(step.dataset.frames ?? ''));
    highlight(ladder, arrows);
    if (arrows.length > 0) arrows[0].scrollIntoView({ block: 'nearest', inline: 'nearest' });
  }

  function moveStep(story: Element, by: number): void {
    const steps = Array.from(story.querySelectorAll<HTMLElement>('.step'));
    if (steps.length === 0) return;
    const cur = steps.findIndex((s) => s.classList.contains('cur'));
    const next = steps[Math.max(0, Math.min(steps.length - 1, cur < 0 ? 0 : cur + by))];
    next.focus();
    selectStep(next);
  }

  function activate(target: Element, scroll: boolean): boolean {
    const ref = target.closest('.frame-ref');
    if (ref !== null) {
      showFrameRef(ref.getAttribute('data-session') ?? '', Number(ref.getAttribute('data-frame')));
      return true;
    }
    const arrow = target.closest('.ev');
    if (arrow !== null) {
      selectArrow(arrow, scroll);
      return true;
    }
    const bar = target.closest('.bar');
    if (bar !== null) {
      showFrameRef(bar.getAttribute('data-session') ?? '', Number(bar.getAttribute('data-frame')));
      return true;
    }
    const step = target.closest<HTMLElement>('.step');
    if (step !== null) {
      selectStep(step);
      return true;
    }
    const nav = target.closest('.prev, .next');
    if (nav !== null) {
      const story = nav.closest('.story');
      if (story !== null) moveStep(story, nav.classList.contains('next') ? 1 : -1);
      return true;
    }
    return false;
  }

  document.addEventListener('click', (ev) => {
    if (ev.target instanceof Element) activate(ev.target, false);
  });
  document.addEventListener('keydown', (ev) => {
    if (!(ev.target instanceof Element)) return;
    if (ev.key === 'Escape') {
      panel.hidden = true;
      return;
    }
    if ((ev.key === 'Enter' || ev.key === ' ') && ev.target.closest('.ev, .step, .bar') !== null) {
      if (activate(ev.target, true)) ev.preventDefault();
    }
    if ((ev.key === 'ArrowDown' || ev.key === 'ArrowUp') && ev.target.closest('.step') !== null) {
      const story = ev.target.closest('.story');
      if (story !== null) moveStep(story, ev.key === 'ArrowDown' ? 1 : -1);
      ev.preventDefault();
    }
  });
  document.getElementById('packet-close')?.addEventListener('click', () => {
    panel.hidden = true;
  });

  const filter = document.getElementById('filter') as HTMLInputElement | null;
  const count = document.getElementById('filter-count');
  filter?.addEventListener('input', () => {
    const q = filter.value.trim().toLowerCase();
    let shown = 0;
    let total = 0;
    for (const item of Array.from(document.querySelectorAll<HTMLElement | SVGElement>('[data-filter-item]'))) {
      total++;
      const text = (item.getAttribute('aria-label') ?? '') + ' ' + (item.textContent ?? '');
      const match = q === '' || text.toLowerCase().includes(q);
      item.classList.toggle('filtered-out', !match);
      if (match) shown++;
    }
    if (count !== null) count.textContent = q === '' ? '' : `${shown} of ${total} items match`;
  });
})();
