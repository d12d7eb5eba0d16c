// One interval as a search problem, and the runner that executes a candidate
// path over it on a deterministic machine.
//
// The machine is seen through MachineLike, the narrow interface the search
// needs; an adapter puts the simulator (or anything else that can run harts
// one at a time, deterministically) behind it. The machine must stand at
// checkpoint k with the interval's logged events loaded when the runner is
// built: the runner takes that state as the root of every run.

import {ReseerError} from '../cli/errors.js'
import type {Candidate, Evaluation, PaceTail, RunEnd, TailPolicy} from './evaluator.js'
import {scoreRun} from './fitness.js'
import {CONTINUE, DEFAULT_DECISION, YIELD} from './path.js'
import {PaceModel, type PaceMarks} from './pace.js'
import {PrefixCache, PrefixHash} from './prefix-cache.js'

/** Why runHart returned, and how many decision points the hart passed through on the way (see RunHartOptions.passStops). */
export type HartStop = HartStopReason & {passed?: number}

export type HartStopReason =
  /** The hart's retired count reached untilRetired. */
  | {kind: 'budget'}
  /** The hart is about to access `page`, one of stopAtPages; it has not done so yet. */
  | {kind: 'decision'; page: number; write: boolean}
  /** The hart waits in WFI and nothing can wake it now; another hart may change that. */
  | {kind: 'asleep'}
  /** The guest powered the machine off. */
  | {kind: 'halt'}
  /** A logged event did not line up with the hart, or the hart took a fatal trap. */
  | {kind: 'diverged'; reason: string}

export interface RunHartOptions {
  untilRetired: number
  /** Stop before an access to any of these RAM page numbers. */
  stopAtPages: ReadonlySet<number>
  /** The hart stopped at a decision point last time; let exactly that access through now. */
  allowPending: boolean
  /**
   * Decision points decided in advance as "continue": pass through this many
   * accesses to stopAtPages before stopping at one (default 0), and any while
   * the hart's retired count is below passBelowRetired. The stop reports how
   * many it passed.
   */
  passStops?: number
  passBelowRetired?: number
}

export interface MachineLike<Snapshot = unknown> {
  readonly hartCount: number
  /** Instructions the hart has retired, counted from boot as the event log counts them. */
  retired(hart: number): number
  /** Run one hart until its budget, a decision point, sleep, halt or divergence. Logged events are delivered at their counts. */
  runHart(hart: number, options: RunHartOptions): HartStop
  /** The hart is in WFI and no interrupt or due event can wake it. */
  isAsleep(hart: number): boolean
  /** How many of the hart's logged events of this interval it has taken. */
  eventsDelivered(hart: number): number
  /** Exact snapshots: restoring one and running on gives what running on from there gave the first time. */
  save(): Snapshot
  restore(snapshot: Snapshot): void
  /** What a snapshot costs in memory, for the prefix cache's budget. */
  snapshotBytes(snapshot: Snapshot): number
  /** The hart's architectural state (registers, pc, CSRs) in the byte form checkpoints store. */
  hartState(hart: number): Uint8Array
  /** Names the first differing register of two hart states, e.g. "x10 0x3 != 0x4". */
  describeHartDifference?(actual: Uint8Array, expected: Uint8Array): string | undefined
  /** Each device's state bytes, by device name. */
  devices(): ReadonlyMap<string, Uint8Array>
  /** RAM page numbers written since the interval's start (part of the snapshot state). */
  dirtyPages(): Iterable<number>
  /** The content of a RAM page now. */
  page(page: number): Uint8Array
}

/** Checkpoint k+1 as the search compares against it. */
export interface IntervalTarget {
  harts: readonly Uint8Array[]
  devices: ReadonlyMap<string, Uint8Array>
  /** Pages the recording dirtied during the interval. */
  dirtyPages: ReadonlySet<number>
  /** The content of a RAM page at checkpoint k+1. */
  page(page: number): Uint8Array
}

export interface IntervalProblem {
  /** k: the search goes from checkpoint k to k+1. */
  interval: number
  /** Instructions each hart retired in the interval of the recording. */
  budgets: readonly number[]
  /** How many logged events each hart takes in the interval. */
  eventCounts: readonly number[]
  /** Pages two harts touched in the interval and at least one wrote: the only places harts interleave. */
  sharedPages: ReadonlySet<number>
  target: IntervalTarget
  /** Per hart, the recording's pace marks in the interval, if it has them (see pace.ts). */
  pace?: ReadonlyArray<PaceMarks | undefined>
  /** The hart that powered the machine off at the end of the interval, if one did. */
  finisher?: number
}

export interface RunnerOptions {
  /** Byte budget of the snapshot cache; 0 turns it off. */
  cacheBytes?: number
  /**
   * Instructions (all harts together) between two cached snapshots of one run:
   * a snapshot costs a copy of the machine, re-running a few instructions is
   * cheaper than that.
   */
  snapshotSpacing?: number
}

export const DEFAULT_CACHE_BYTES = 256 * 1024 * 1024
export const DEFAULT_SNAPSHOT_SPACING = 50_000

/** The runner's own state at a decision point, saved with the machine's. */
interface DecisionState<Snapshot> {
  machine: Snapshot
  hart: number
  pending: boolean[]
  done: boolean[]
}

export interface RunOutcome {
  taken: Uint8Array
  end: RunEnd
  divergence?: string
  executed: number
  budget: number
  eventsMatched: number
  eventsTotal: number
}

export class IntervalRunner<Snapshot = unknown> {
  private readonly root: Snapshot
  private readonly startRetired: number[]
  private readonly cache: PrefixCache<DecisionState<Snapshot>>
  private readonly snapshotSpacing: number
  private readonly pace: PaceModel
  runs = 0

  constructor(
    readonly machine: MachineLike<Snapshot>,
    readonly problem: IntervalProblem,
    options: RunnerOptions = {},
  ) {
    const harts = machine.hartCount
    if (problem.budgets.length !== harts || problem.eventCounts.length !== harts || problem.target.harts.length !== harts) {
      throw new ReseerError(
        `interval ${problem.interval} describes ${problem.budgets.length} harts but the machine has ${harts}`,
        {code: 'EBADINTERVAL'},
      )
    }
    for (const [hart, budget] of problem.budgets.entries()) {
      if (!Number.isSafeInteger(budget) || budget < 0) {
        throw new ReseerError(`interval ${problem.interval}: hart ${hart} has a budget of ${budget} instructions`, {code: 'EBADINTERVAL'})
      }
    }
    this.root = machine.save()
    this.startRetired = Array.from({length: harts}, (_, hart) => machine.retired(hart))
    this.cache = new PrefixCache(options.cacheBytes ?? DEFAULT_CACHE_BYTES)
    this.snapshotSpacing = options.snapshotSpacing ?? DEFAULT_SNAPSHOT_SPACING
    this.pace = new PaceModel(this.startRetired, problem.budgets, problem.pace, problem.finisher)
  }

  get cacheStats(): {hits: number; misses: number; entries: number; bytes: number} {
    return {hits: this.cache.hits, misses: this.cache.misses, entries: this.cache.size, bytes: this.cache.bytes}
  }

  /** Run a candidate and score its end state against the target. */
  evaluate(candidate: Candidate): Evaluation {
    const outcome = this.run(candidate)
    return scoreRun(this.machine, this.problem, outcome)
  }

  /** Run a candidate; the machine is left in the run's end state. */
  run(candidate: Candidate): RunOutcome {
    this.runs++
    const {machine, problem} = this
    const harts = machine.hartCount
    const path = candidate.path
    const tail: TailPolicy = candidate.tail ?? {kind: 'continue'}
    const taken = new DecisionBuffer(path.length)
    // The hash of `taken`, grown with it: the cache's key of a snapshot taken now.
    const hash = new PrefixHash()
    let pending: boolean[]
    let done: boolean[]
    let current: number
    let atDecision = false

    const hit = this.cache.maxBytes > 0 ? this.cache.longest(path, tail.kind === 'continue' ? DEFAULT_DECISION : undefined) : undefined
    if (hit) {
      machine.restore(hit.entry.machine)
      pending = [...hit.entry.pending]
      done = [...hit.entry.done]
      current = hit.entry.hart
      atDecision = true
      const fromPath = Math.min(hit.depth, path.length)
      taken.append(path.subarray(0, fromPath))
      taken.fill(DEFAULT_DECISION, hit.depth - fromPath)
      hash.pushAll(taken.bits, 0, taken.length)
    } else {
      machine.restore(this.root)
      pending = new Array<boolean>(harts).fill(false)
      done = problem.budgets.map(budget => budget === 0)
      current = 0
    }
    let sinceSnapshot = 0
    let end: RunEnd = 'complete'
    let divergence: string | undefined

    for (;;) {
      if (atDecision) {
        atDecision = false
        const hart = current
        if (!this.othersLeft(hart, done)) {
          pending[hart] = true
        } else {
          if (this.cache.maxBytes > 0 && sinceSnapshot >= this.snapshotSpacing && !this.cache.has(hash, taken.length)) {
            const state: DecisionState<Snapshot> = {machine: machine.save(), hart, pending: [...pending], done: [...done]}
            this.cache.put(hash, taken.length, state, machine.snapshotBytes(state.machine))
            sinceSnapshot = 0
          }
          const index = taken.length
          const bit = index < path.length ? path[index] : this.tailDecision(tail, hart, done)
          taken.push(bit)
          hash.push(bit)
          pending[hart] = true
          if (bit === YIELD) current = this.nextRunnable(hart, done)
        }
      }

      const hart = this.runnable(current, done) ? current : this.nextRunnable(current, done)
      if (hart < 0) {
        if (done.some(d => !d)) end = 'stuck'
        break
      }
      current = hart
      const before = machine.retired(hart)
      // The decision points this hart will meet before the path (or its tail) says yield are run through without stopping.
      let passStops = 0
      let passBelowRetired = 0
      let stopAtPages = problem.sharedPages
      if (!this.othersLeft(hart, done)) {
        stopAtPages = NO_PAGES
      } else if (taken.length < path.length) {
        const next = path.indexOf(YIELD, taken.length)
        passStops = next < 0 ? path.length - taken.length : next - taken.length
      } else if (tail.kind === 'continue') {
        passStops = Infinity
      } else {
        passBelowRetired = this.paceLimit(tail, hart, done)
      }
      const stop = machine.runHart(hart, {
        untilRetired: this.startRetired[hart] + problem.budgets[hart],
        stopAtPages,
        allowPending: pending[hart],
        passStops,
        passBelowRetired,
      })
      if (stop.passed) {
        taken.fill(CONTINUE, stop.passed)
        hash.pushRun(CONTINUE, stop.passed)
      }
      pending[hart] = false
      sinceSnapshot += machine.retired(hart) - before
      if (stop.kind === 'budget') {
        done[hart] = true
      } else if (stop.kind === 'decision') {
        atDecision = true
      } else if (stop.kind === 'asleep') {
        // A hart that went to sleep on its last instruction has spent its budget.
        if (machine.retired(hart) >= this.startRetired[hart] + problem.budgets[hart]) done[hart] = true
        // Round robin moves on; the sleeper is skipped while machine.isAsleep says so.
        current = this.nextRunnable(hart, done)
        if (current < 0) {
          end = 'stuck'
          break
        }
      } else if (stop.kind === 'halt') {
        break
      } else {
        end = 'diverged'
        divergence = `hart ${hart}: ${stop.reason}`
        break
      }
    }

    let executed = 0
    let budget = 0
    let eventsMatched = 0
    let eventsTotal = 0
    for (let hart = 0; hart < harts; hart++) {
      executed += Math.min(machine.retired(hart) - this.startRetired[hart], problem.budgets[hart])
      budget += problem.budgets[hart]
      eventsMatched += Math.min(machine.eventsDelivered(hart), problem.eventCounts[hart])
      eventsTotal += problem.eventCounts[hart]
    }
    return {taken: taken.bits.slice(0, taken.length), end, divergence, executed, budget, eventsMatched, eventsTotal}
  }

  private runnable(hart: number, done: boolean[]): boolean {
    return !done[hart] && !this.machine.isAsleep(hart)
  }

  /**
   * Whether another hart still has budget left: only then is an access to a
   * shared page a decision point. A hart asleep in WFI counts, since the
   * running hart may wake it.
   */
  private othersLeft(hart: number, done: boolean[]): boolean {
    for (let other = 0; other < done.length; other++) if (other !== hart && !done[other]) return true
    return false
  }

  /** The next runnable hart after `hart` in hart order, wrapping round to `hart` itself; -1 if none. */
  private nextRunnable(hart: number, done: boolean[]): number {
    const harts = done.length
    for (let step = 1; step <= harts; step++) {
      const next = (hart + step) % harts
      if (this.runnable(next, done)) return next
    }
    return -1
  }

  /** The earliest recorded time (see pace.ts) at which another hart that can run now runs its next instruction; Infinity if none can. */
  private slowestOther(hart: number, done: boolean[], skew: number): number {
    let slowest = Infinity
    for (let other = 0; other < done.length; other++) {
      if (other !== hart && this.runnable(other, done)) slowest = Math.min(slowest, this.pace.timeAt(other, this.machine.retired(other)) + skew * other)
    }
    return slowest
  }

  /**
   * The pace tail: the hart continues while the recording had it at most
   * `slack` (a share of the interval's time) ahead of the least advanced
   * other runnable hart, which cannot move while it runs. As a retired
   * count: decision points below it are passed through.
   */
  private paceLimit(tail: PaceTail, hart: number, done: boolean[]): number {
    const skew = tail.skew ?? 0
    const slowest = this.slowestOther(hart, done, skew)
    if (slowest === Infinity) return Infinity
    return this.pace.retiredBy(hart, slowest + tail.slack - skew * hart) + 1
  }

  private tailDecision(tail: TailPolicy, hart: number, done: boolean[]): number {
    if (tail.kind === 'continue') return CONTINUE
    return this.machine.retired(hart) < this.paceLimit(tail, hart, done) ? CONTINUE : YIELD
  }
}

const NO_PAGES: ReadonlySet<number> = new Set()

/** The decisions a run takes, one per byte as paths hold them, grown as the run goes. */
class DecisionBuffer {
  bits: Uint8Array
  length = 0

  constructor(capacity: number) {
    this.bits = new Uint8Array(Math.max(64, capacity))
  }

  push(bit: number): void {
    this.reserve(1)
    this.bits[this.length++] = bit
  }

  fill(bit: number, count: number): void {
    if (count <= 0) return
    this.reserve(count)
    this.bits.fill(bit, this.length, this.length + count)
    this.length += count
  }

  append(bits: Uint8Array): void {
    this.reserve(bits.length)
    this.bits.set(bits, this.length)
    this.length += bits.length
  }

  private reserve(count: number): void {
    if (this.length + count <= this.bits.length) return
    const grown = new Uint8Array(Math.max(this.bits.length * 2, this.length + count))
    grown.set(this.bits.subarray(0, this.length))
    this.bits = grown
  }
}
