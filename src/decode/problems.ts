/**
 * DecodedFrame.problems without an array per frame: clean frames (nearly all) share one frozen
 * empty array; the first problem gives the frame its own. A problem is a catalog code and its
 * facts; it is worded only where it is shown.
 */
import { decodeProblem, type DecodeProblem, type DecodeProblemCode, type DecodeProblemFacts } from '../warnings/catalog.js';
import type { DecodedFrame } from './types.js';

export const NO_PROBLEMS: DecodeProblem[] = Object.freeze([]) as unknown as DecodeProblem[];

export function addProblem<C extends DecodeProblemCode>(frame: DecodedFrame, code: C, facts: DecodeProblemFacts<C>): void {
  pushProblem(frame, decodeProblem(code, facts));
}

/** For a problem a helper made (e.g. an IPv6 extension chain's end). */
export function pushProblem(frame: DecodedFrame, problem: DecodeProblem): void {
  if (frame.problems === NO_PROBLEMS) frame.problems = [problem];
  else frame.problems.push(problem);
}
