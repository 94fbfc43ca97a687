/** Facts read off a session's model by several outputs, counted one way. */
import type { Command } from './model.js';

/** How many of a session's lines are the client's commands (the rest are the server's unasked replies). */
export function clientCommandCount(commands: Command[]): number {
  let n = 0;
  for (const c of commands) if (c.command !== null) n++;
  return n;
}
