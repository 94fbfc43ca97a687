/**
 * JSON output: the model is already plain data; each subcommand prints its part of it. The
 * document shape is documented in the README.
 */
import { clientCommandCount } from '../analysis/session-facts.js';
import type { Analysis } from '../analysis/model.js';

export type JsonPart = 'summary' | 'sessions' | 'commands' | 'transfers' | 'diagnose';

export function toJson(a: Analysis, part: JsonPart, sessionId?: number): unknown {
  const sessions = sessionId === undefined ? a.sessions : a.sessions.filter((s) => s.id === sessionId);
  switch (part) {
    case 'summary':
      return { capture: a.capture, sessions, loginGuessing: a.loginGuessing, passivePortSplits: a.passivePortSplits };
    case 'sessions':
      return {
        capture: a.capture,
        sessions: sessions.map(({ commands: _c, transfers, ...rest }) => ({
          ...rest,
          commandCount: clientCommandCount(_c),
          transferCount: transfers.length,
        })),
      };
    case 'commands':
      return { capture: a.capture, sessions: sessions.map((s) => ({ id: s.id, commands: s.commands })) };
    case 'transfers':
      return { capture: a.capture, transfers: sessions.flatMap((s) => s.transfers) };
    case 'diagnose':
      return {
        capture: a.capture,
        sessions: sessions.map((s) => ({ id: s.id, vantage: s.vantage, diagnosis: s.diagnosis })),
        transfers: sessions.flatMap((s) =>
          s.transfers.filter((t) => t.diagnosis).map((t) => ({ session: s.id, id: t.id, status: t.status, diagnosis: t.diagnosis })),
        ),
        loginGuessing: a.loginGuessing,
        passivePortSplits: a.passivePortSplits,
      };
  }
}

export function renderJson(a: Analysis, part: JsonPart, sessionId?: number): string {
  let out = '';
  writeJson(a, part, (s) => (out += s), sessionId);
  return out;
}

/**
 * The same document as `renderJson`, byte for byte, written piece by piece: the top-level object's
 * members one at a time, and a top-level array's elements (sessions, transfers) one at a time. So
 * no string grows with the capture: the largest piece is one session (its commands are bounded).
 */
export function writeJson(a: Analysis, part: JsonPart, write: (s: string) => void, sessionId?: number): void {
  const doc = toJson(a, part, sessionId) as Record<string, unknown>;
  const keys = Object.keys(doc).filter((k) => doc[k] !== undefined);
  write('{');
  keys.forEach((key, i) => {
    write(`${i > 0 ? ',' : ''}\n  ${JSON.stringify(key)}: `);
    const value = doc[key];
    if (Array.isArray(value) && value.length > 0) {
      write('[');
      value.forEach((item, j) => write(`${j > 0 ? ',' : ''}\n    ${indent(terminalSafeJson(item), '    ')}`));
      write('\n  ]');
    } else {
      write(indent(terminalSafeJson(value), '  '));
    }
  });
  write(keys.length > 0 ? '\n}\n' : '}\n');
}

/**
 * JSON Lines for pipelines: one object per line — `{"record":"capture",…}`, then per session
 * `{"record":"session",…}` (its commands counted, not listed) followed by one `{"record":"transfer",…}`
 * per transfer. Each line is written as it is made.
 */
export function writeJsonLines(a: Analysis, write: (s: string) => void, sessionId?: number): void {
  write(`${terminalSafeLine({ record: 'capture', ...a.capture })}\n`);
  for (const s of a.sessions) {
    if (sessionId !== undefined && s.id !== sessionId) continue;
    const { commands, transfers, ...rest } = s;
    write(`${terminalSafeLine({ record: 'session', ...rest, commandCount: clientCommandCount(commands), transferCount: transfers.length })}\n`);
    for (const t of transfers) write(`${terminalSafeLine({ record: 'transfer', ...t })}\n`);
  }
}

/** JSON.stringify(…, null, 2) of a nested value: every line after the first moves right. */
function indent(json: string, by: string): string {
  return json.replace(/\n/g, `\n${by}`);
}

/**
 * JSON.stringify escapes C0 controls but leaves DEL, the C1 controls (U+0080–U+009F: a terminal may
 * read U+009B as CSI) and the Unicode format characters (category Cf: bidi overrides and marks,
 * zero-width characters, U+061C, U+FEFF, tags…) as they are. Escape those too, each UTF-16 unit as
 * \uXXXX: the same value when parsed, and nothing from a packet can drive or reorder a terminal the
 * JSON is printed on. Outside strings JSON is ASCII, and a backslash in a string is itself
 * escaped, so replacing characters is always safe.
 */
// eslint-disable-next-line no-control-regex
const JSON_UNSAFE = /[\u007f-\u009f\p{Cf}]/gu;

const unitEscape = (c: string): string => {
  let out = '';
  for (let i = 0; i < c.length; i++) out += `\\u${c.charCodeAt(i).toString(16).padStart(4, '0')}`;
  return out;
};

export function terminalSafeJson(value: unknown): string {
  return JSON.stringify(value, null, 2).replace(JSON_UNSAFE, unitEscape);
}

/** The same escaping on one line (no indentation): JSON Lines, e.g. EVE records. */
export function terminalSafeLine(value: unknown): string {
  return JSON.stringify(value).replace(JSON_UNSAFE, unitEscape);
}
