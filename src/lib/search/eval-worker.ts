// A pool worker: evaluates batches of candidate paths of one interval. The
// interval is loaded on the first batch and kept, with its snapshot cache,
// for the batches after.

import {ReseerError} from '../cli/errors.js'
import type {Candidate, Evaluation} from './evaluator.js'
import {IntervalRunner, type RunnerOptions} from './interval.js'
import type {LoadInterval, ProblemSource} from './problem-source.js'

export interface EvalTask {
  source: ProblemSource
  runner: RunnerOptions
  candidates: Candidate[]
}

let loaded: {key: string; runner: Promise<IntervalRunner<unknown>>} | undefined

async function load(source: ProblemSource, options: RunnerOptions): Promise<IntervalRunner<unknown>> {
  let module: {loadInterval?: LoadInterval}
  try {
    module = (await import(source.module)) as {loadInterval?: LoadInterval}
  } catch (error) {
    throw new ReseerError(`search worker cannot load ${source.module}: ${(error as Error).message}`, {code: 'EWORKER', cause: error})
  }
  if (typeof module.loadInterval !== 'function') {
    throw new ReseerError(`search worker: ${source.module} exports no loadInterval function`, {code: 'EWORKER'})
  }
  const {machine, problem} = await module.loadInterval(source.arg)
  return new IntervalRunner(machine, problem, options)
}

export default async function evaluateBatch(task: EvalTask): Promise<Evaluation[]> {
  const key = JSON.stringify([task.source, task.runner])
  if (!loaded || loaded.key !== key) loaded = {key, runner: load(task.source, task.runner)}
  const runner = await loaded.runner
  return task.candidates.map(candidate => runner.evaluate(candidate))
}
