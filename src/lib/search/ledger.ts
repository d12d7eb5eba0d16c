// The bookkeeping every strategy shares: it evaluates batches through the
// evaluator, remembers results so that a path already run costs nothing the
// second time, counts evaluations and generations, keeps the best candidate
// and decides when a search has to stop.

import {createHash} from 'node:crypto'
import type {Candidate, Evaluation, Evaluator} from './evaluator.js'
import {pathToString, type Path} from './path.js'
import type {SearchSettings, Strategy} from './settings.js'

export type StopReason = 'found' | 'generations' | 'evaluations' | 'time' | 'exhausted'

export interface SearchProgress {
  strategy: Strategy
  generation: number
  evaluations: number
  bestFitness: number
}

export interface SearchResult {
  strategy: Strategy
  seed: number
  found: boolean
  /** The best path: the decisions of the best run, which reproduce it exactly. */
  path: Path
  best: Evaluation
  /** Runs evaluated; when found, counted up to and including the run that found it. */
  evaluations: number
  generations: number
  stoppedBy: StopReason
}

export type ProgressListener = (progress: SearchProgress) => void

export class Ledger {
  evaluations = 0
  generations = 0
  best: Evaluation | undefined
  /**
   * The miss nearest the target by its words (wordDistance), fitter or not:
   * the fitness counts matching bits and words, so a run one update off in
   * three words ranks below one whose only wrong word is a hundred off.
   */
  nearest: Evaluation | undefined
  private nearestDistance = Infinity
  private readonly memo = new Map<string, Evaluation>()
  private memoBytes = 0
  private readonly startedAt: number | undefined

  constructor(
    private readonly evaluator: Evaluator,
    readonly settings: SearchSettings,
    private readonly onProgress?: ProgressListener,
  ) {
    this.startedAt = settings.clock?.()
  }

  /** Candidates the evaluator runs at once. */
  get concurrency(): number {
    return Math.max(1, this.evaluator.concurrency ?? 1)
  }

  get found(): boolean {
    return this.best?.found === true
  }

  /** Results in batch order. Repeats, within the batch or of earlier batches, are not run again. */
  async evaluate(batch: readonly Candidate[]): Promise<Evaluation[]> {
    // A key digests the whole path: made once per candidate.
    const keys = batch.map(keyOf)
    const results: (Evaluation | undefined)[] = keys.map(key => this.memo.get(key))
    const toRun: number[] = []
    const firstOfKey = new Map<string, number>()
    const sameAs: number[] = []
    batch.forEach((_, i) => {
      if (results[i]) return
      const key = keys[i]
      const first = firstOfKey.get(key)
      if (first === undefined) {
        firstOfKey.set(key, i)
        toRun.push(i)
      } else {
        sameAs[i] = first
      }
    })
    if (toRun.length > 0) {
      const fresh = await this.evaluator.evaluate(toRun.map(i => batch[i]))
      if (fresh.length !== toRun.length) throw new Error(`evaluator returned ${fresh.length} results for ${toRun.length} paths`)
      const before = this.evaluations
      fresh.forEach((evaluation, j) => {
        const i = toRun[j]
        results[i] = evaluation
        this.remember(keys[i], evaluation)
        const taken = keyOf({path: evaluation.taken})
        if (taken !== keys[i]) this.remember(taken, evaluation)
        const distance = wordDistance(evaluation)
        if (distance < this.nearestDistance) {
          this.nearest = evaluation
          this.nearestDistance = distance
        }
        if (!this.found && (!this.best || evaluation.fitness > this.best.fitness)) {
          this.best = evaluation
          // A benchmark compares strategies by the runs needed to find a path,
          // so the runs after the finding one in its batch are not counted.
          if (evaluation.found) this.evaluations = before + j + 1
        }
      })
      if (!this.found) this.evaluations = before + fresh.length
    }
    for (const [i, first] of sameAs.entries()) if (first !== undefined) results[i] = results[first]
    return results as Evaluation[]
  }

  /**
   * A large batch (a generation, a baseline's batch) under a time limit: run
   * in pieces of CHUNK_PER_WORKER candidates per worker, stopping before a
   * piece once time is up or a run has found the target. Returns the
   * evaluations of a prefix of the batch, all of it unless the search stopped
   * on the way. A generation of slow runs (a second each on a recorded
   * interval of millions of instructions) ran whole before, past the limit by
   * a minute. Without a time limit the batch runs at once, as evaluate() runs
   * it. The evaluation count is not checked between pieces: pieces follow the
   * number of workers, and a count checked there would make the result
   * depend on it.
   */
  async evaluateUntilStop(batch: readonly Candidate[]): Promise<Evaluation[]> {
    const {clock, timeLimitMs} = this.settings
    if (!clock || timeLimitMs === undefined) return this.evaluate(batch)
    const piece = this.concurrency * CHUNK_PER_WORKER
    const results: Evaluation[] = []
    for (let start = 0; start < batch.length; start += piece) {
      // The first piece of a search's first batch runs whatever the time: a search reports its best run.
      if ((start > 0 || this.evaluations > 0) && (this.found || this.timeUp())) break
      results.push(...(await this.evaluate(batch.slice(start, start + piece))))
    }
    return results
  }

  /** A generation (or batch) is complete: count it and tell the listener. */
  endGeneration(strategy: Strategy): void {
    this.generations++
    this.onProgress?.({
      strategy,
      generation: this.generations,
      evaluations: this.evaluations,
      bestFitness: this.best?.fitness ?? 0,
    })
  }

  /** Why the search must stop now, or undefined to go on. */
  stopReason(): StopReason | undefined {
    if (this.found) return 'found'
    if (this.evaluations >= this.settings.maxEvaluations) return 'evaluations'
    if (this.generations >= this.settings.maxGenerations) return 'generations'
    return this.timeUp() ? 'time' : undefined
  }

  /** Whether the time limit (if any) has passed. */
  private timeUp(): boolean {
    const {clock, timeLimitMs} = this.settings
    return clock !== undefined && timeLimitMs !== undefined && this.startedAt !== undefined && clock() - this.startedAt >= timeLimitMs
  }

  result(strategy: Strategy, stoppedBy: StopReason): SearchResult {
    if (!this.best) throw new Error('search ended before evaluating any path')
    return {
      strategy,
      seed: this.settings.seed,
      found: this.found,
      path: this.best.taken,
      best: this.best,
      evaluations: this.evaluations,
      generations: this.generations,
      stoppedBy,
    }
  }

  private remember(key: string, evaluation: Evaluation): void {
    if (this.settings.memoEntries === 0) return
    const old = this.memo.get(key)
    if (old) this.memoBytes -= pathBytes(old)
    this.memo.set(key, evaluation)
    this.memoBytes += pathBytes(evaluation)
    // Forget the oldest entries: Map keeps insertion order.
    while (this.memo.size > 1 && (this.memo.size > this.settings.memoEntries || this.memoBytes > MEMO_BYTES)) {
      const oldest = this.memo.keys().next().value as string
      this.memoBytes -= pathBytes(this.memo.get(oldest)!)
      this.memo.delete(oldest)
    }
  }
}

/**
 * How far a miss is from the target in the words a search can count: the
 * tracked shared word's difference and every hart's first differing word's,
 * summed as magnitudes. Infinity where that says nothing (a hart differs in
 * a word that is not one, or no such word differs while the run is a miss).
 */
export function wordDistance(evaluation: Evaluation): number {
  if (evaluation.found) return 0
  let distance = Math.abs(evaluation.sharedDelta ?? 0)
  for (const delta of evaluation.hartDeltas ?? []) distance += delta === null ? Infinity : Math.abs(delta)
  return distance > 0 ? distance : Infinity
}

/** A candidate's identity: its tail and a digest of its decisions (paths of real intervals run to millions of them). */
function keyOf(candidate: Candidate): string {
  const tail = candidate.tail ?? {kind: 'continue'}
  const split = tail.kind !== 'continue' && tail.split !== undefined && tail.split !== 1 ? `x${tail.split}` : ''
  const watch = candidate.watch ? `w${candidate.watch.hart}.${candidate.watch.offset}` : ''
  const prefix = (candidate.handovers ? 'h' : '') + watch + (tail.kind === 'continue' ? 'c' : tail.kind === 'elastic' ? `e${tail.slack}${split}${tail.loose ? `l${tail.loose}` : ''}${tail.charge ? 'c' : ''}` : `p${tail.slack}${tail.skew ? `s${tail.skew}` : ''}${split}`)
  const path = candidate.path
  if (path.length <= 64) return `${prefix}:${pathToString(path)}`
  return `${prefix}:${path.length}:${createHash('sha256').update(path).digest('base64')}`
}

/** The bytes of decisions a remembered run holds. */
function pathBytes(evaluation: Evaluation): number {
  return evaluation.taken.length + (evaluation.elasticDecisions?.length ?? 0) + 16 * (evaluation.handovers?.at.length ?? 0)
}

/** Candidates per worker in each piece of evaluateUntilStop: two keep a worker busy while the next is handed out. */
const CHUNK_PER_WORKER = 2

/** Bytes of remembered runs (their paths, mostly) kept at most, whatever memoEntries allows. */
const MEMO_BYTES = 256 * 2 ** 20
