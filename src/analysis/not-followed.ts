/**
 * A transfer the analysis could not follow to its end: it gave up the transfer's data connection,
 * or its session's control connection, to make room for others (more connections were live at
 * once than its budget: TcpConnection.evicted). What became of the transfer after that frame is not
 * known, so nothing after it may be read as a failure.
 */
import type { Session, Transfer } from './model.js';

/** The frame at which the data connection, else the control connection, was given up; undefined when both were followed. */
export function notFollowedAt(t: Transfer, s: Session): number | undefined {
  return t.connection?.evicted ?? s.controlConnection.evicted;
}
