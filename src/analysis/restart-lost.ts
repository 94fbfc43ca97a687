/**
 * A download whose REST the capture holds but not the reply to it (Transfer.restUnconfirmed): the
 * server either took the offset (350) and sent the file from there, or refused it and sent the whole
 * file. The bytes the data connection carried tell which when they are exactly the file less the
 * offset: the server started at the offset. Settled before any status is read, so the transfer then
 * owes what a captured 350 would have made it owe (aria2c's resume in a86-cut-aria2c without its 350
 * read "aborted by the client after 74,704 of 150,000 bytes").
 */
import type { Transfer } from './model.js';
import { carriesExpected, expectedBytes } from './sender-stopped.js';

export function settleRestartLost(t: Transfer): void {
  const rest = t.restUnconfirmed;
  if (rest === undefined || t.restOffset !== null || expectedBytes(t) === null || carriesExpected(t)) return;
  t.restOffset = rest.offset;
  // Exactly the rest of the file: more would be neither reading (carriesExpected counts "at least" in binary).
  const carried = t.bytes + (t.connection?.gapBytes ?? 0);
  if (!carriesExpected(t) || carried > expectedBytes(t)!) t.restOffset = null;
}
