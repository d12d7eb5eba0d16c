// One call for a command: search one interval from a problem source, in this
// thread (jobs = 1) or on a worker pool, and release the pool afterwards.

import {ReseerError} from '../cli/errors.js'
import type {Evaluator} from './evaluator.js'
import {IntervalRunner, type RunnerOptions} from './interval.js'
import type {ProgressListener, SearchResult} from './ledger.js'
import {LocalEvaluator} from './local-evaluator.js'
import {PoolEvaluator, defaultJobs} from './pool.js'
import type {LoadInterval, ProblemSource} from './problem-source.js'
import {searchInterval} from './search.js'
import type {SearchSettingsInput} from './settings.js'

export interface IntervalSearchOptions {
  source: ProblemSource
  /** Worker threads; the number of cores by default; 1 evaluates in this thread. */
  jobs?: number
  settings?: SearchSettingsInput
  runner?: RunnerOptions
  onProgress?: ProgressListener
}

export async function runIntervalSearch(options: IntervalSearchOptions): Promise<SearchResult> {
  const jobs = options.jobs ?? defaultJobs()
  let evaluator: Evaluator
  if (jobs === 1) {
    const module = (await import(options.source.module)) as {loadInterval?: LoadInterval}
    if (typeof module.loadInterval !== 'function') {
      throw new ReseerError(`${options.source.module} exports no loadInterval function`, {code: 'EWORKER'})
    }
    const {machine, problem} = await module.loadInterval(options.source.arg)
    evaluator = new LocalEvaluator(new IntervalRunner(machine, problem, options.runner))
  } else {
    evaluator = new PoolEvaluator({source: options.source, jobs, runner: options.runner})
  }
  try {
    return await searchInterval(evaluator, options.settings, options.onProgress)
  } finally {
    await evaluator.close?.()
  }
}
