/**
 * JSON output: the model is already plain data; each subcommand prints its part of it. The
 * document shape is documented in the README.
 */
import type { Analysis } from '../analysis/model.js';

export type JsonPart = 'summary' | 'sessions' | 'commands' | 'transfers' | 'diagnose';

export function toJson(a: Analysis, part: JsonPart, sessionId?: number): unknown {
  const sessions = sessionId === undefined ? a.sessions : a.sessions.filter((s) => s.id === sessionId);
  switch (part) {
    case 'summary':
      return { capture: a.capture, sessions };
    case 'sessions':
      return {
        capture: a.capture,
        sessions: sessions.map(({ commands: _c, transfers, ...rest }) => ({
          ...rest,
          commandCount: _c.filter((c) => c.command !== null).length,
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
      };
  }
}

export function renderJson(a: Analysis, part: JsonPart, sessionId?: number): string {
  return `${JSON.stringify(toJson(a, part, sessionId), null, 2)}\n`;
}
