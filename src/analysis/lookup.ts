/**
 * A session of an analysis by its id, a transfer of a session by its id: indexed on first use, so
 * that code asking once per packet (the dump) does not search every session each time.
 */
import type { Analysis, Session, Transfer } from './model.js';

const sessions = new WeakMap<Analysis, Map<number, Session>>();
const transfers = new WeakMap<Session, Map<number, Transfer>>();

/** `list`'s item with this id, through an index kept for `owner` (made again if the list changed size). */
function byId<O extends object, T extends { id: number }>(cache: WeakMap<O, Map<number, T>>, owner: O, list: T[], id: number): T | undefined {
  let index = cache.get(owner);
  if (index === undefined || index.size !== list.length) {
    index = new Map(list.map((x) => [x.id, x]));
    cache.set(owner, index);
  }
  return index.get(id);
}

export function sessionById(a: Analysis, id: number): Session | undefined {
  return byId(sessions, a, a.sessions, id);
}

export function transferById(s: Session, id: number): Transfer | undefined {
  return byId(transfers, s, s.transfers, id);
}
