// Evaluation in the calling thread, one candidate after another: the jobs = 1
// case, and what each pool worker runs on its share of a batch.

import type {Candidate, Evaluation, Evaluator} from './evaluator.js'
import type {IntervalRunner} from './interval.js'

export class LocalEvaluator implements Evaluator {
  constructor(readonly runner: IntervalRunner<unknown>) {}

  async evaluate(batch: readonly Candidate[]): Promise<Evaluation[]> {
    return batch.map(candidate => this.runner.evaluate(candidate))
  }
}
