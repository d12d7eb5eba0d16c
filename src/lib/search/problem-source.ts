// Where a worker gets its interval from. Nothing big crosses threads per
// candidate: each worker imports the source module once, builds the machine at
// checkpoint k and the problem from the small `arg` (for a recording: the log
// directory and the interval index) and keeps them for every batch after.

import type {IntervalProblem, MachineLike} from './interval.js'

export interface ProblemSource {
  /** URL of an ES module that exports `loadInterval`. */
  module: string
  /** Structured-cloneable argument for loadInterval. */
  arg: unknown
}

export interface LoadedInterval {
  /** At checkpoint k, with the interval's events loaded. */
  machine: MachineLike<unknown>
  problem: IntervalProblem
}

export type LoadInterval = (arg: unknown) => LoadedInterval | Promise<LoadedInterval>
