/**
 * DecodedFrame.problems without an array per frame: clean frames (nearly all) share one frozen
 * empty array; the first problem gives the frame its own.
 */
import type { DecodedFrame } from './types.js';

export const NO_PROBLEMS: string[] = Object.freeze([]) as unknown as string[];

export function addProblem(frame: DecodedFrame, problem: string): void {
  if (frame.problems === NO_PROBLEMS) frame.problems = [problem];
  else frame.problems.push(problem);
}
