/**
 * `ftpcap report`: one self-contained HTML page from the analysis model, its ladders and the
 * header dumps of chosen frames. Model in, string out: the verdicts, causes and advice are the
 * model's, worded by verdict-words.ts and the diagnosis catalog; explain's steps are the
 * narrative. The stylesheet and the browser script are real source files (page.css, page.ts)
 * compiled and inlined at build time (scripts/build-report-page.mjs); the Content-Security-Policy
 * allows those two by hash and nothing else: no network, no other script or style.
 *
 * Bounded whatever the capture: at most MAX_LADDERS ladders of at most MAX_ROWS_PER_LADDER rows
 * (MAX_ROWS_TOTAL in all), MAX_EMBEDDED_DUMPS frame dumps of at most HEX_BYTES bytes of hex,
 * MAX_TABLE_ROWS rows per table, MAX_TIMELINE_BARS bars, MAX_STEPS narrative steps and
 * MAX_WARNINGS warnings; what is left out is counted on the page.
 */
import type { Analysis, Session, Transfer } from '../../analysis/model.js';
import type { SessionLadder } from '../../analysis/ladder.js';
import { BLIND } from '../../analysis/diagnose/vantage.js';
import { CATALOG } from '../../analysis/diagnose/catalog.js';
import { warningTitle, type Warning } from '../../warnings/catalog.js';
import { asDescribedWords, explainSteps, TEXTBOOK } from '../explain.js';
import { bytes, endpoint, modeWord, rate, relative, seconds, tunnelName, wallClock } from '../format.js';
import { cutSentence, transferPurpose } from '../teach-text.js';
import { portSplitAdvice, portSplitWords } from '../../analysis/passive-port-split.js';
import { bytesCell, controlFailed, controlSentence, laterAttemptSentence, loginGuessingSentence, VERDICT_COLOUR, verdictCounts, verdictLabel, verdictSentence } from '../verdict-words.js';
import { HEX_BYTES, MAX_EMBEDDED_DUMPS, type FrameDump } from './frames.js';
import { esc, jsonForScript, num } from './html.js';
import { ladderSvg, MAX_CONNECTION_LANES, MAX_ROWS_PER_LADDER } from './ladder-svg.js';
import { PAGE_SCRIPT, PAGE_SCRIPT_HASH, PAGE_STYLE, PAGE_STYLE_HASH } from './page-assets.generated.js';
import { MAX_TIMELINE_BARS, transferTimelineSvg } from './transfer-timeline.js';

export { MAX_EMBEDDED_DUMPS, HEX_BYTES } from './frames.js';

/** Sessions drawn as ladders (with their narrative); the others are in the tables only. */
export const MAX_LADDERS = 30;
/** Ladder rows (arrows, bands, breaks) over all ladders of one report. */
export const MAX_ROWS_TOTAL = 3000;
/** Rows of the sessions table and of the transfers table. */
export const MAX_TABLE_ROWS = 1000;
/** Narrative steps over all sessions, and per session. */
export const MAX_STEPS = 1500;
const MAX_STEPS_PER_SESSION = 150;
/** Warnings listed (the capture's, then each session's). */
export const MAX_WARNINGS = 200;
/** Diagnosis cards. */
export const MAX_CARDS = 200;

export interface ReportInput {
  analysis: Analysis;
  /** Ladders of the sessions to draw (sessionsToDraw), in session order. */
  ladders: SessionLadder[];
  /** Header dumps collected while tracing (frames.ts), by frame number. */
  dumps: ReadonlyMap<number, FrameDump>;
  /** The command that rebuilds the report, shown in the footer. */
  command: string;
  /** A heading and an introduction (demo captures). */
  heading?: string;
  intro?: string;
}

/**
 * Which sessions get a ladder: those whose control connection or transfers went wrong first (by
 * the model's verdicts), then the others, MAX_LADDERS in all, returned in session order.
 */
export function sessionsToDraw(a: Analysis): Set<number> {
  const troubled = (s: Session): boolean =>
    s.diagnosis !== null ||
    controlFailed(s) ||
    s.transfers.some((t) => t.diagnosis !== null || ['failed', 'aborted', 'incomplete'].includes(t.verdict.kind));
  const first = a.sessions.filter(troubled);
  const rest = a.sessions.filter((s) => !troubled(s));
  return new Set([...first, ...rest].slice(0, MAX_LADDERS).map((s) => s.id));
}


function badge(t: Transfer): string {
  return `<span class="badge v-${VERDICT_COLOUR[t.verdict.kind]}">${esc(verdictLabel(t.verdict))}</span>`;
}

function controlBadge(s: Session): string {
  const v = s.control;
  const sentence = controlSentence(s);
  let word: string;
  let colour: string;
  switch (v.kind) {
    case 'unanswered':
      [word, colour] = ['never answered', 'red'];
      break;
    case 'not-followed':
      [word, colour] = ['not followed (memory budget)', 'yellow'];
      break;
    case 'connecting':
      [word, colour] = ['opening when the capture ended', 'yellow'];
      break;
    case 'refused':
      [word, colour] = ['refused', 'red'];
      break;
    case 'answer-reset':
      [word, colour] = ['answered from another address, reset by the client', 'red'];
      break;
    case 'abandoned':
      [word, colour] = ['answer reset by the client: never opened', 'red'];
      break;
    case 'turned-away':
      [word, colour] = [`turned away${v.at === 'login' ? ' at login' : ''} (${v.code})`, 'red'];
      break;
    case 'ungreeted':
      [word, colour] = ['never greeted', 'red'];
      break;
    case 'hung-up':
      [word, colour] = [`closed by the server before greeting${v.how === 'rst' ? ' (reset)' : ''}`, 'red'];
      break;
    case 'opened':
      [word, colour] = [v.closedBy === null ? 'opened, open at the end' : `opened, closed by ${v.closedBy}${v.how === 'rst' ? ' (reset)' : v.reset !== undefined ? `, then reset by ${v.reset.by}` : ''}`, 'green'];
      break;
    case 'midstream':
      [word, colour] = [`${v.resumes === undefined ? 'mid-stream' : `picked up part way (${v.resumes.why === 'idle' ? 'after an idle hour' : 'memory budget'})`}${v.closedBy === null ? '' : `, closed by ${v.closedBy}`}`, 'yellow'];
      break;
  }
  if (s.diagnosis?.cause === 'not-ftp') [word, colour] = ['not FTP', 'red'];
  const title = sentence === null ? '' : ` title="${esc(sentence)}"`;
  return `<span class="badge v-${colour}"${title}>${esc(word)}</span>`;
}

function frameRef(session: number, frame: number): string {
  return `<button type="button" class="frame-ref" data-session="${session}" data-frame="${frame}" aria-label="Show frame ${frame} in session ${session}'s ladder">${frame}</button>`;
}

/** Frame numbers and ranges a narrative step cites ("frame 7", "frames 3, 4", "frames 10-212"). */
export function citedFrames(text: string): string[] {
  const out: string[] = [];
  const re = /\bframes? (\d+(?:-\d+)?(?:(?:, | and )\d+(?:-\d+)?)*)/g;
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
    for (const part of m[1].split(/, | and /)) out.push(part);
  }
  return out;
}

function captureSection(a: Analysis): string {
  const c = a.capture;
  const span = c.first !== null && c.last !== null ? c.last - c.first : null;
  const rows: Array<[string, string]> = [
    ['File', esc(c.file)],
    ['Format', `${esc(c.format)}${c.compressed ? ' (gzip)' : ''}`],
    ['Packets', `${num(c.packets)} (${esc(bytes(c.bytes))})`],
    ['First packet', esc(wallClock(c.first))],
    ['Duration', esc(seconds(span))],
    ['Link types', esc(c.linkTypes.map((l) => `${l.name} (${num(l.frames)} frames${l.supported ? '' : ', not decoded'})`).join(', ') || '-')],
    ...(c.tunnels.length > 0
      ? ([['IP inside tunnels', esc(c.tunnels.map((t) => `${tunnelName(t.layers)} (${num(t.frames)} frames, the first ${t.firstFrame})`).join(', '))]] as Array<[string, string]>)
      : []),
    ['TCP connections', num(c.tcpConnections)],
    ['FTP sessions', num(a.sessions.length)],
  ];
  if (c.checksums.offloadLikely.length) rows.push(['Checksums', `bad on every packet from ${esc(c.checksums.offloadLikely.join(', '))}: checksum offload on the capturing host`]);
  return `<dl class="facts">${rows.map(([k, v]) => `<dt>${k}</dt><dd>${v}</dd>`).join('')}</dl>`;
}

function warningsSection(a: Analysis): string {
  const all: Array<{ where: string } & Warning> = [];
  for (const w of a.capture.warnings) all.push({ where: 'capture', ...w });
  for (const s of a.sessions) for (const w of s.warnings) all.push({ where: `session ${s.id}`, ...w });
  if (all.length === 0) return '<p class="muted">No warnings: every record of the file was read and analysed (what the capture itself missed, packets it never recorded, is told with each transfer).</p>';
  const shown = all.slice(0, MAX_WARNINGS);
  // The catalog's title and severity name the kind; the message tells this one.
  const items = shown.map(
    (w) =>
      `<li data-filter-item=""><span class="code" title="${esc(`${w.severity}: ${warningTitle(w.code)}`)}">${esc(w.code)}</span> ` +
      `${esc(w.where)}${w.frame !== undefined ? `, frame ${w.frame}` : ''}: ${esc(w.message)}</li>`,
  );
  const more = all.length > shown.length ? `<p class="muted">${num(all.length - shown.length)} more warnings not listed (ftpcap summary lists them all).</p>` : '';
  return `<ul class="warnings">${items.join('')}</ul>${more}`;
}

/** The model's login outcome, beside the user name. */
const LOGIN_WORDS: Record<Session['login'], string> = {
  'logged-in': ' (logged in)',
  failed: ' (login failed)',
  refused: ' (refused by the server)',
  unknown: ' (login: the server side is not in the capture)',
  pending: ' (login under way when the capture ended)',
  none: '',
};

function sessionsTable(a: Analysis, drawn: Set<number>): string {
  const shown = a.sessions.slice(0, MAX_TABLE_ROWS);
  const rows = shown.map((s) => {
    const link = drawn.has(s.id) ? `<a href="#session-${s.id}">${s.id}</a>` : String(s.id);
    return (
      `<tr data-filter-item=""><td>${link}</td><td>${esc(endpoint(s.client))}</td><td>${esc(endpoint(s.server))}</td>` +
      `<td>${esc(s.user ?? '-')}${LOGIN_WORDS[s.login]}</td><td>${controlBadge(s)}</td>` +
      `<td>${esc(verdictCounts(s.transfers) || 'none')}</td><td>${esc(s.vantage?.point ?? '-')}</td>` +
      `<td class="n">${relative(s.start, a.capture.first)}</td><td class="n">${esc(seconds(s.end - s.start))}</td></tr>`
    );
  });
  const more = a.sessions.length > shown.length ? `<p class="muted">${num(a.sessions.length - shown.length)} more sessions not listed.</p>` : '';
  return (
    '<table class="grid"><caption>Sessions</caption><thead><tr><th scope="col">Session</th><th scope="col">Client</th><th scope="col">Server</th><th scope="col">User</th>' +
    '<th scope="col">Control connection</th><th scope="col">Transfers</th><th scope="col">Vantage point</th><th scope="col">Start (s)</th><th scope="col">Duration</th></tr></thead>' +
    `<tbody>${rows.join('')}</tbody></table>${more}`
  );
}

function transfersTable(a: Analysis): string {
  const all: Transfer[] = a.sessions.flatMap((s) => s.transfers);
  if (all.length === 0) return '<p class="muted">No transfers.</p>';
  const shown = all.slice(0, MAX_TABLE_ROWS);
  const rows = shown.map((t) => {
    const c = t.connection;
    const conn = c === null ? '-' : `tcp.stream ${c.stream}: ${esc(endpoint(c.initiator === 'client' ? c.client : c.server))} → ${esc(endpoint(c.initiator === 'client' ? c.server : c.client))}`;
    const cause = t.diagnosis !== null ? esc(CATALOG[t.diagnosis.cause].title) : '';
    return (
      `<tr data-filter-item=""><td>${t.session}</td><td>${t.id}</td><td>${esc(modeWord(t))}</td><td class="path">${esc(transferPurpose(t))}</td>` +
      `<td>${esc(t.direction ?? '-')}</td><td>${badge(t)}</td><td class="n">${t.acknowledged && t.bytes === 0 ? esc(bytesCell(t)) : num(t.bytes)}</td><td class="n">${esc(seconds(t.duration))}</td>` +
      `<td class="n">${esc(rate(t.throughput))}</td><td>${conn}</td><td>${cause}</td></tr>`
    );
  });
  const more = all.length > shown.length ? `<p class="muted">${num(all.length - shown.length)} more transfers not listed (ftpcap transfers lists them all).</p>` : '';
  return (
    '<table class="grid"><caption>Transfers</caption><thead><tr><th scope="col">Session</th><th scope="col">Transfer</th><th scope="col">Mode</th><th scope="col">Command</th>' +
    '<th scope="col">Direction</th><th scope="col">Verdict</th><th scope="col">Bytes</th><th scope="col">Duration</th><th scope="col">Throughput</th>' +
    `<th scope="col">Data connection</th><th scope="col">Cause</th></tr></thead><tbody>${rows.join('')}</tbody></table>${more}`
  );
}

function card(s: Session, heading: string, verdict: string, cause: string | null, summary: string, evidence: number[], advice: string | null, later: string | null = null): string {
  const v = s.vantage;
  const ev = evidence.length ? evidence.slice(0, 40).map((f) => frameRef(s.id, f)).join(' ') + (evidence.length > 40 ? ` and ${evidence.length - 40} more` : '') : 'none';
  return (
    `<article class="card" data-filter-item="" data-session="${s.id}"><h3>${heading}</h3>` +
    `<p class="verdict">${verdict}</p>` +
    '<dl>' +
    (cause !== null ? `<dt>Cause</dt><dd class="cause">${cause}</dd>` : '') +
    `<dt>What happened</dt><dd>${esc(summary)}</dd>` +
    `<dt>Evidence frames</dt><dd>${ev}</dd>` +
    `<dt>Vantage point</dt><dd>${v === null ? 'unknown' : `${esc(v.point)}: ${esc(v.reason)}`}</dd>` +
    `<dt>What this point could not see</dt><dd>${esc(v?.blind ?? BLIND.unknown)}</dd>` +
    (advice !== null ? `<dt>Advice</dt><dd>${esc(advice)}</dd>` : '') +
    (later !== null ? `<dt>Later attempt</dt><dd class="later">${esc(later)}</dd>` : '') +
    '</dl></article>'
  );
}

function diagnosisCards(a: Analysis): { html: string; count: number } {
  const cards: string[] = [];
  let total = 0;
  for (const s of a.sessions) {
    if (s.diagnosis !== null) {
      total++;
      if (cards.length < MAX_CARDS) {
        const d = s.diagnosis;
        cards.push(
          card(s, `Session ${s.id}: ${esc(endpoint(s.client))} → ${esc(endpoint(s.server))}`, esc(controlSentence(s) ?? `Session: ${CATALOG[d.cause].title}`), `${esc(CATALOG[d.cause].title)} <span class="code">${esc(d.cause)}</span>`, d.summary, d.evidence, d.advice),
        );
      }
    }
    for (const t of s.transfers) {
      const d = t.diagnosis;
      const v = t.verdict;
      if (d === null && v.kind !== 'failed' && v.kind !== 'aborted') continue;
      total++;
      if (cards.length >= MAX_CARDS) continue;
      const code = d?.cause ?? (v.kind === 'failed' || v.kind === 'aborted' ? v.cause : null);
      const cause = code === null ? null : `${esc(CATALOG[code].title)} <span class="code">${esc(code)}</span>`;
      cards.push(
        card(
          s,
          `Session ${s.id}, transfer ${t.id}: ${esc(transferPurpose(t))} (${esc(modeWord(t))}) ${badge(t)}`,
          esc(`Transfer ${t.id} ${verdictSentence(t)}`),
          cause,
          d?.summary ?? verdictSentence(t),
          d?.evidence ?? v.evidence,
          d?.advice ?? (code !== null ? CATALOG[code].advice : null),
          laterAttemptSentence(t),
        ),
      );
    }
  }
  if (total === 0) return { html: '<p class="muted">No diagnosis: no transfer failed and no session went wrong.</p>', count: 0 };
  const more = total > cards.length ? `<p class="muted">${num(total - cards.length)} more not shown (ftpcap diagnose lists them all).</p>` : '';
  // A pattern across sessions, said first, as diagnose says it.
  const guessing = a.loginGuessing
    .map((g) => `<p class="pattern"><strong>Repeated failed logins from ${esc(g.client)}</strong>: ${esc(loginGuessingSentence(g))}</p>`)
    .join('');
  const splits = a.passivePortSplits
    .map(
      (p) =>
        `<p class="pattern"><strong>Passive ports that work and ports that fail at ${esc(p.server)}</strong>: ${esc(portSplitWords(p))} ` +
        `(evidence: frames ${esc(p.evidence.join(', '))}). What to change: ${esc(portSplitAdvice(p))}</p>`,
    )
    .join('');
  return { html: `${guessing}${splits}<div class="cards">${cards.join('')}</div>${more}`, count: total };
}

export function renderReport(input: ReportInput): string {
  const a = input.analysis;
  const drawn = new Set(input.ladders.map((l) => l.session.id));
  let rowBudget = MAX_ROWS_TOTAL;
  let stepBudget = MAX_STEPS;
  const wanted: number[] = [];
  for (const s of a.sessions) {
    for (const t of s.transfers) wanted.push(...(t.diagnosis?.evidence ?? []));
    wanted.push(...(s.diagnosis?.evidence ?? []));
  }
  const sections: string[] = [];
  for (const l of input.ladders) {
    const s = l.session;
    const svg = ladderSvg(a, l, rowBudget);
    rowBudget = Math.max(0, rowBudget - svg.drawn);
    wanted.push(...svg.frames);
    const { steps, departures, unseen } = explainSteps(a, l);
    const room = Math.min(MAX_STEPS_PER_SESSION, stepBudget);
    const told = steps.slice(0, room);
    stepBudget = Math.max(0, stepBudget - told.length);
    const modes = new Set(s.transfers.map((t) => t.mode));
    const book = (['active', 'passive'] as const).filter((m) => modes.has(m)).map((m) => `<p class="book">${esc(TEXTBOOK[m])}</p>`).join('');
    const stepItems = told.map((st, i) => {
      const frames = [...citedFrames(st.title), ...st.subs.flatMap(citedFrames)];
      const subs = st.subs.length ? `<ol class="subs" type="a">${st.subs.map((x) => `<li>${esc(x)}</li>`).join('')}</ol>` : '';
      return `<li class="step" tabindex="0" role="button" aria-label="Step ${i + 1}: highlight its frames in the ladder" data-frames="${esc(frames.join(' '))}"><p>${esc(st.title)}</p>${subs}</li>`;
    });
    const untold = steps.length > told.length ? `<p class="muted">${num(steps.length - told.length)} more steps (ftpcap explain tells them all).</p>` : '';
    const dep =
      departures.length === 0
        ? `<p>${esc(asDescribedWords(unseen))}</p>`
        : `<p>Compared with the textbook:</p><ul>${departures.map((d) => `<li>${esc(d)}.</li>`).join('')}</ul>`;
    const notes: string[] = [];
    if (l.cut !== null) notes.push(cutSentence(l.cut));
    if (svg.elided > 0) notes.push(`${num(svg.elided)} rows of this ladder are not drawn (at most ${MAX_ROWS_PER_LADDER} per ladder, ${MAX_ROWS_TOTAL} per report).`);
    if (svg.unlanedConnections > 0) notes.push(`${num(svg.unlanedConnections)} more connections of this session have no lanes (at most ${MAX_CONNECTION_LANES}); the transfer timeline and table show them.`);
    const vantage = s.vantage === null ? '' : `<p class="vantage"><strong>Vantage point:</strong> ${esc(s.vantage.point)} (${esc(s.vantage.reason)})</p>`;
    sections.push(
      `<section class="session" id="session-${s.id}" data-filter-item="" aria-labelledby="session-${s.id}-h">` +
        `<h2 id="session-${s.id}-h">Session ${s.id}: FTP client ${esc(endpoint(s.client))}, FTP server ${esc(endpoint(s.server))}</h2>` +
        `<p>Control connection: ${controlBadge(s)} Transfers: ${esc(verdictCounts(s.transfers) || 'none')}${s.tls ? ' · TLS on the control connection' : ''}</p>${vantage}` +
        '<div class="pair">' +
        `<figure class="ladder" id="session-${s.id}-ladder" data-session="${s.id}"><figcaption>Ladder: time runs down; click or press Enter on an arrow for its packet's headers and bytes.</figcaption><div class="scroll">${svg.svg}</div>${notes.map((x) => `<p class="muted">${esc(x)}</p>`).join('')}</figure>` +
        `<aside class="story" data-session="${s.id}" aria-label="What happened, step by step"><h3>Step by step</h3>` +
        `<div class="story-nav"><button type="button" class="prev">◀ Previous</button> <button type="button" class="next">Next ▶</button></div>` +
        `${book}<ol class="steps">${stepItems.join('')}</ol>${untold}${dep}</aside>` +
        '</div></section>',
    );
  }
  const notDrawn = a.sessions.length - input.ladders.length;

  // The dumps the page embeds: evidence first, then what the ladders point at.
  const frames: Record<string, FrameDump> = {};
  let embedded = 0;
  for (const f of wanted) {
    if (embedded >= MAX_EMBEDDED_DUMPS) break;
    if (frames[f] !== undefined) continue;
    const d = input.dumps.get(f);
    if (d === undefined) continue;
    frames[f] = d;
    embedded++;
  }

  const timeline = transferTimelineSvg(a);
  const cards = diagnosisCards(a);
  const bounds =
    `This report is bounded: ladders for at most ${MAX_LADDERS} sessions (those that went wrong first), at most ${MAX_ROWS_PER_LADDER} rows per ladder and ${MAX_ROWS_TOTAL} in all, ` +
    `${MAX_CONNECTION_LANES} data connections with lanes per session; header dumps embedded for at most ${MAX_EMBEDDED_DUMPS} frames (handshakes, teardowns, ` +
    `control segments, the first and last data segment of each connection; ${embedded} here), each with its first ${HEX_BYTES} bytes in hex; ` +
    `${MAX_TABLE_ROWS} rows per table, ${MAX_TIMELINE_BARS} timeline bars, ${MAX_STEPS} narrative steps, ${MAX_WARNINGS} warnings.`;
  const data = {
    file: a.capture.file,
    frames,
    maxDumps: MAX_EMBEDDED_DUMPS,
    hexBytes: HEX_BYTES,
    command: input.command,
  };
  const csp = `default-src 'none'; script-src '${PAGE_SCRIPT_HASH}'; style-src '${PAGE_STYLE_HASH}'; img-src data:; base-uri 'none'; form-action 'none'`;
  const heading = input.heading ?? `ftpcap report: ${a.capture.file}`;
  return [
    '<!DOCTYPE html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="${csp}">`,
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    '<meta name="color-scheme" content="light dark">',
    '<meta name="referrer" content="no-referrer">',
    `<title>${esc(heading)}</title>`,
    `<style>${PAGE_STYLE}</style>`,
    '</head>',
    '<body>',
    '<header class="top">',
    `<h1>${esc(heading)}</h1>`,
    input.intro !== undefined ? `<p class="intro">${esc(input.intro)}</p>` : '',
    '<div class="filter"><label for="filter">Filter</label> <input type="search" id="filter" placeholder="address, file name, verdict, cause…" autocomplete="off"> <span id="filter-count" aria-live="polite"></span></div>',
    '<nav aria-label="Sections"><a href="#overview">Overview</a> · <a href="#timeline">Transfer timeline</a> · <a href="#diagnoses">Diagnoses</a>' +
      input.ladders.map((l) => ` · <a href="#session-${l.session.id}">Session ${l.session.id}</a>`).join('') +
      '</nav>',
    '</header>',
    '<main>',
    '<section id="overview" aria-labelledby="overview-h"><h2 id="overview-h">Overview</h2>',
    captureSection(a),
    '<h3>Warnings</h3>',
    warningsSection(a),
    sessionsTable(a, drawn),
    transfersTable(a),
    '</section>',
    `<section id="timeline" aria-labelledby="timeline-h"><h2 id="timeline-h">Transfer timeline</h2>`,
    timeline.bars === 0 ? '<p class="muted">No data connection in the capture.</p>' : `<div class="scroll">${timeline.svg}</div>`,
    timeline.omitted > 0 ? `<p class="muted">${num(timeline.omitted)} more data connections not drawn.</p>` : '',
    '</section>',
    `<section id="diagnoses" aria-labelledby="diagnoses-h"><h2 id="diagnoses-h">Diagnoses</h2>${cards.html}</section>`,
    ...sections,
    notDrawn > 0 ? `<p class="muted">${num(notDrawn)} sessions have no ladder here (at most ${MAX_LADDERS}): ftpcap timeline --session N draws any of them.</p>` : '',
    '</main>',
    '<section id="packet" class="packet" aria-live="polite" aria-labelledby="packet-h" hidden>',
    '<div class="packet-head"><h2 id="packet-h">Packet</h2><button type="button" id="packet-close" aria-label="Close the packet view">✕</button></div>',
    '<div id="packet-body"></div>',
    '</section>',
    `<footer><p>${esc(bounds)}</p><p>Made by <code>${esc(input.command)}</code>. Frame numbers are Wireshark's; times are seconds since the capture's first packet. Everything from the packets is shown as text.</p></footer>`,
    `<script type="application/json" id="report-data">${jsonForScript(data)}</script>`,
    `<script>${PAGE_SCRIPT}</script>`,
    '</body>',
    '</html>',
    '',
  ].join('\n');
}
