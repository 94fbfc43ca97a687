/**
 * A session of an analysis by its id, a transfer of a session by its id: indexed on first use, so
 * that code asking once per packet (the dump) does not search every session each time.
 */
import type { Analysis, Session, Transfer } from './model.js';

const sessions = new WeakMap<Analysis, Map<number, Session>>();
const transfers = new WeakMap<Session, Map<number, Transfer>>();

export function sessionById(a: Analysis, id: number): Session | undefined {
  let index = sessions.get(a);
  if (index === undefined || index.size !== a.sessions.length) {
    index = new Map(a.sessions.map((s) => [s.id, s]));
    sessions.set(a, index);
  }
  return index.get(id);
}

export function transferById(s: Session, id: number): Transfer | undefined {
  let index = transfers.get(s);
  if (index === undefined || index.size !== s.transfers.length) {
    index = new Map(s.transfers.map((t) => [t.id, t]));
    transfers.set(s, index);
  }
  return index.get(id);
}
