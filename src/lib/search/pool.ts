// Evaluation on a pool of worker threads, one per core unless told otherwise.
// A batch is cut into contiguous slices, one task per slice, and the results
// are put back in batch order, so a strategy sees exactly what the in-thread
// evaluator would have given it, whatever order the workers finish in.

import {existsSync} from 'node:fs'
import {availableParallelism} from 'node:os'
import {fileURLToPath} from 'node:url'
import {Piscina} from 'piscina'
import {ReseerError} from '../cli/errors.js'
import type {EvalTask} from './eval-worker.js'
import type {Candidate, Evaluation, Evaluator} from './evaluator.js'
import type {RunnerOptions} from './interval.js'
import type {ProblemSource} from './problem-source.js'

export interface PoolOptions {
  source: ProblemSource
  /** Worker threads; the number of cores by default. */
  jobs?: number
  runner?: RunnerOptions
  /**
   * Slices per worker and batch. More slices balance uneven runs better;
   * fewer keep each worker's snapshot cache on related paths.
   */
  slicesPerJob?: number
}

export function defaultJobs(): number {
  return availableParallelism()
}

export class PoolEvaluator implements Evaluator {
  readonly jobs: number

  get concurrency(): number {
    return this.jobs
  }
  private readonly pool: Piscina
  private readonly slicesPerJob: number

  constructor(private readonly options: PoolOptions) {
    const jobs = options.jobs ?? defaultJobs()
    if (!Number.isSafeInteger(jobs) || jobs < 1) {
      throw new ReseerError(`jobs is ${jobs}, expected a whole number of at least 1`, {code: 'EBADSETTING', exitCode: 2})
    }
    this.jobs = jobs
    this.slicesPerJob = options.slicesPerJob ?? 2
    const worker = new URL('./eval-worker.js', import.meta.url)
    if (!existsSync(fileURLToPath(worker))) {
      throw new ReseerError(`the search worker ${fileURLToPath(worker)} is missing`, {
        code: 'EWORKER',
        hint: 'build the package first (npm run build)',
      })
    }
    this.pool = new Piscina({filename: worker.href, minThreads: jobs, maxThreads: jobs, idleTimeout: 60_000})
  }

  async evaluate(batch: readonly Candidate[]): Promise<Evaluation[]> {
    if (batch.length === 0) return []
    const slices = Math.min(batch.length, this.jobs * this.slicesPerJob)
    const size = Math.ceil(batch.length / slices)
    const tasks: Promise<Evaluation[]>[] = []
    for (let start = 0; start < batch.length; start += size) {
      const task: EvalTask = {
        source: this.options.source,
        runner: this.options.runner ?? {},
        candidates: batch.slice(start, start + size).map(c => ({path: c.path, ...(c.tail ? {tail: c.tail} : {}), ...(c.handovers ? {handovers: true} : {}), ...(c.watch ? {watch: c.watch} : {})})),
      }
      tasks.push(this.pool.run(task) as Promise<Evaluation[]>)
    }
    let results: Evaluation[][]
    try {
      results = await Promise.all(tasks)
    } catch (error) {
      if (error instanceof ReseerError) throw error
      const message = (error as Error)?.message ?? String(error)
      throw new ReseerError(`search worker failed: ${message}`, {code: 'EWORKER', cause: error})
    }
    return results.flat()
  }

  async close(): Promise<void> {
    await this.pool.destroy()
  }
}
