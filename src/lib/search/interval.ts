// One interval as a search problem, and the runner that executes a candidate
// path over it on a deterministic machine.
//
// The machine is seen through MachineLike, the narrow interface the search
// needs; an adapter puts the simulator (or anything else that can run harts
// one at a time, deterministically) behind it. The machine must stand at
// checkpoint k with the interval's logged events loaded when the runner is
// built: the runner takes that state as the root of every run.

import {ReseerError} from '../cli/errors.js'
import type {Candidate, ElasticTail, Evaluation, Handovers, PaceTail, RunEnd, TailPolicy} from './evaluator.js'
import {busiestSharedWord, hartWordDelta, scoreRun, type SharedWord} from './fitness.js'
import {CONTINUE, DEFAULT_DECISION, YIELD} from './path.js'
import {PaceModel, type PaceMarks} from './pace.js'
import {PrefixCache, PrefixHash} from './prefix-cache.js'

/** Why runHart returned, and how many decision points the hart passed through on the way (see RunHartOptions.passStops). */
export type HartStop = HartStopReason & {passed?: number}

export type HartStopReason =
  /** The hart's retired count reached untilRetired. */
  | {kind: 'budget'}
  /**
   * The hart is about to access `page`, one of stopAtPages; it has not done
   * so yet. `spin` (under spinStops): the access begins one more turn of a
   * loop of that many instructions that changes nothing but the retired count.
   */
  | {kind: 'decision'; page: number; write: boolean; spin?: number}
  /** The hart is about to execute the instruction at breakAt. */
  | {kind: 'break'}
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
  /** Stop at a decision point that begins another turn of a spin loop once passStops are spent, even below passBelowRetired (see HartStop). */
  spinStops?: boolean
  /** Stop before the hart executes the instruction at this address. */
  breakAt?: number
  /** ... and only where its general registers x1..x31 equal these (indexed from x0), but for breakLoose of them. */
  breakRegs?: Int32Array
  breakLoose?: number
}

export interface MachineLike<Snapshot = unknown> {
  readonly hartCount: number
  /** Instructions the hart has retired, counted from boot as the event log counts them. */
  retired(hart: number): number
  /** The hart's pc now. */
  pc?(hart: number): number
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
  /** Whether the hart's state equals `expected` (a hartState) in everything but the retired count, and but `loose` general registers (0 when omitted). */
  hartMatchesBut?(hart: number, expected: Uint8Array, loose?: number): boolean
  /** The pc in a hartState, for a breakpoint there. */
  pcOf?(state: Uint8Array): number
  /** The byte offset of the pc in a hartState. */
  readonly pcOffset?: number
  /** The general registers x0..x31 in a hartState, for a breakpoint's condition. */
  regsOf?(state: Uint8Array): Int32Array
  /** Forget what spin detection (RunHartOptions.spinStops) has seen so far. */
  forgetSpins?(): void
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
  handovers?: Handovers
}

export class IntervalRunner<Snapshot = unknown> {
  private readonly root: Snapshot
  private readonly startRetired: number[]
  private readonly cache: PrefixCache<DecisionState<Snapshot>>
  private readonly snapshotSpacing: number
  private readonly pace: PaceModel
  /** The shared word whose difference a run reports as its sharedDelta when it differs (fitness.ts). */
  private readonly tracked?: SharedWord
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
    this.tracked = busiestSharedWord(problem, (page) => machine.page(page))
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
    if (candidate.tail?.kind === 'elastic') return this.evaluateElastic(candidate.path, candidate.tail)
    const outcome = this.run(candidate)
    const evaluation = scoreRun(this.machine, this.problem, outcome, this.tracked)
    const {watch} = candidate
    return watch ? {...evaluation, watched: hartWordDelta(this.machine, this.problem, watch.hart, watch.offset)} : evaluation
  }

  /**
   * An elastic run, and when it misses and left a hart with budget that no
   * wait of its own accounts for, the run again with that hart first: it
   * ran when nothing held it up, where the recording may have had it wait
   * for the others; and once more where such a hart stopped with most of its
   * budget left (ElasticPass.stranded). The best of them.
   */
  private evaluateElastic(path: Uint8Array, tail: ElasticTail): Evaluation {
    const score = (pass: ElasticPass): Evaluation => ({...scoreRun(this.machine, this.problem, this.run({path: pass.path}), this.tracked), elasticDecisions: pass.decisions})
    let first = this.elasticPass(path, tail, 0)
    const charged = tail.charge === true && first.leftover.size > 0
    if (charged) first = this.elasticPass(path, tail, 0, first.leftover)
    let best = score(first)
    const keepBetter = (again: Evaluation): void => {
      if (again.fitness > best.fitness) best = again
    }
    for (const hart of first.unplaced) {
      if (best.found) break
      // Starting with hart 0 is the pass just scored, unless that one was charged: the same run again.
      if (hart === 0 && !charged) continue
      keepBetter(score(this.elasticPass(path, tail, hart)))
    }
    if (first.stranded.length > 0 && !best.found) {
      // The stranded harts stopping at their target only where what they have left fits their waits: the target state
      // may come round more than once (a driver's registers are alike at every request), and the first time was too early.
      keepBetter(score(this.elasticPass(path, tail, 0, undefined, new Set(first.stranded))))
    }
    return best
  }

  /** Run a candidate; the machine is left in the run's end state. */
  run(candidate: Candidate): RunOutcome {
    if (candidate.tail?.kind === 'elastic') return this.run({path: this.elasticPath(candidate.path, candidate.tail), tail: {kind: 'continue'}})
    this.runs++
    const {machine, problem} = this
    const harts = machine.hartCount
    const path = candidate.path
    const tail: ContinueOrPace = candidate.tail ?? {kind: 'continue'}
    const taken = new DecisionBuffer(path.length)
    const continues = new ContinueRuns(path)
    // The hash of `taken`, grown with it: the cache's key of a snapshot taken now.
    const hash = new PrefixHash()
    let pending: boolean[]
    let done: boolean[]
    let current: number
    let atDecision = false
    // Whether the access the running hart stopped before is a write (see PaceTail.split).
    let atWrite = false
    const handovers = candidate.handovers ? new HandoverLog(harts) : undefined

    const hit = this.cache.maxBytes > 0 && !handovers ? this.cache.longest(path, tail.kind === 'continue' ? DEFAULT_DECISION : undefined) : undefined
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
          const bit = index < path.length ? path[index] : this.tailDecision(tail, hart, done, atWrite)
          taken.push(bit)
          hash.push(bit)
          pending[hart] = true
          if (bit === YIELD) {
            current = this.nextRunnable(hart, done)
            handovers?.yielded(index, hart, current, atWrite, machine.retired(hart) - this.startRetired[hart], machine.pc?.(hart) ?? 0)
          }
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
        passStops = continues.at(taken.length)
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
      if (stop.kind !== 'decision') handovers?.holdsNothing(hart)
      sinceSnapshot += machine.retired(hart) - before
      if (stop.kind === 'budget') {
        done[hart] = true
      } else if (stop.kind === 'decision') {
        atDecision = true
        atWrite = stop.write
      } else if (stop.kind === 'asleep') {
        // A hart that went to sleep on its last instruction has spent its budget.
        if (machine.retired(hart) >= this.startRetired[hart] + problem.budgets[hart]) done[hart] = true
        // Round robin moves on; the sleeper is skipped while machine.isAsleep says so.
        current = this.nextRunnable(hart, done)
        if (current < 0) {
          // Stuck only if a hart still has budget: the last hart may go to sleep on its last instruction.
          if (done.some(d => !d)) end = 'stuck'
          break
        }
      } else if (stop.kind === 'halt') {
        break
      } else if (stop.kind === 'break') {
        // Not asked for: run on.
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
    return {
      taken: taken.bits.slice(0, taken.length), end, divergence, executed, budget, eventsMatched, eventsTotal,
      ...(handovers ? {handovers: handovers.done()} : {}),
    }
  }

  /**
   * The path of an elastic run. A hart in a spin loop (the machine says so:
   * RunHartOptions.spinStops) makes one turn and yields, so the harts do as
   * much work as their budgets allow, in the order the waits force; outside
   * spins the running hart goes on (or follows the pace with tail.slack). A
   * hart whose state comes to equal the target's in all but the retired
   * count stops there: that is where the recording left it. The budget it has
   * left is what the recording spent spinning beyond one turn per wait, and
   * since a turn of a spin changes nothing but the count, it goes back into
   * the hart's last waits as extra turns: the path returned is this run's
   * decisions with those turns inserted, an ordinary path whose run ends in
   * the target state if the run here found it for every hart.
   */
  elasticPath(path: Uint8Array, tail: ElasticTail): Uint8Array {
    return this.elasticPass(path, tail, 0).path
  }

  /**
   * One elastic run starting with hart `first`; `unplaced`: the harts that
   * reached their target with budget left that no split into turns of their
   * waits accounts for.
   *
   * Holding the finisher back needs the machine as it was before the run in
   * which it powered off, and a snapshot before each of its runs would cost
   * more than the pass (a copy of every page the interval dirtied, per turn).
   * The pass is deterministic, so it runs without them and, when the finisher
   * powers off early, runs again from the start with a snapshot before just
   * that run.
   */
  private elasticPass(path: Uint8Array, tail: ElasticTail, first: number, charge?: ReadonlyMap<number, Leftover>, strict?: ReadonlySet<number>): ElasticPass {
    const holds = new Set<number>()
    for (;;) {
      const pass = this.elasticAttempt(path, tail, first, holds, charge, strict)
      if (pass.retryHolding === undefined) return pass
      holds.add(pass.retryHolding)
    }
  }

  private elasticAttempt(
    path: Uint8Array,
    tail: ElasticTail,
    first: number,
    holds: ReadonlySet<number>,
    charge?: ReadonlyMap<number, Leftover>,
    strict?: ReadonlySet<number>,
  ): ElasticPass & {retryHolding?: number} {
    const mayRetry = holds.size < MAX_FINISHER_HOLDS
    this.runs++
    const {machine, problem} = this
    const harts = machine.hartCount
    machine.restore(this.root)
    machine.forgetSpins?.()
    const taken = new DecisionBuffer(1024)
    const continues = new ContinueRuns(path)
    const pending = new Array<boolean>(harts).fill(false)
    const done = problem.budgets.map(budget => budget === 0)
    // The hart that powers the machine off, held at its last decision point until the others are done.
    const held = new Array<boolean>(harts).fill(false)
    // Per hart: where it reached the target state (a retired count), and its waits: the index of the yield in `taken` and the loop's length.
    const parked = new Array<number>(harts).fill(-1)
    const waits: Array<Array<{at: number; length: number}>> = Array.from({length: harts}, () => [])
    const targetPc = problem.target.harts.map(state => machine.pcOf?.(state))
    // Only where the registers are the target's too: a loop through the target's pc stops once, not at every turn.
    const targetRegs = problem.target.harts.map(state => machine.regsOf?.(state))
    const pace: PaceTail = {kind: 'pace', slack: tail.slack, ...(tail.split !== undefined ? {split: tail.split} : {})}
    // Per hart: the instructions its pace position is ahead of its retired count. A spin's turns beyond the first are
    // not run here, nor is time asleep: a hart that waited is put, when it runs again, at the recorded time of the hart
    // that ran meanwhile (what it waited for), so that the pace compares where the harts stood in time.
    const shift = new Array<number>(harts).fill(0)
    const waited = new Array<boolean>(harts).fill(false)
    let lastRan = -1
    const free = (hart: number): boolean => this.runnable(hart, done) && !held[hart]
    const anotherFree = (hart: number): boolean => {
      for (let other = 0; other < harts; other++) if (other !== hart && free(other)) return true
      return false
    }
    const next = (hart: number): number => {
      for (let step = 1; step <= harts; step++) if (free((hart + step) % harts)) return (hart + step) % harts
      return this.nextRunnable(hart, done)
    }
    // Runs start with hart 0, as run() takes a path: harts before `first` yield at their first decision point.
    let current = 0
    let starting = first !== 0
    // The finisher's runs that began where it could be held, counted; `holds`: those to take a snapshot before.
    let holdable = 0
    for (;;) {
      const hart = free(current) ? current : next(current)
      if (hart < 0) break
      current = hart
      if (hart === first) starting = false
      if (held[hart]) held[hart] = false
      if (waited[hart] && lastRan >= 0 && lastRan !== hart) {
        const shiftBefore = shift[hart]
        shift[hart] = Math.max(shift[hart], this.pace.retiredBy(hart, this.paceTime(lastRan, shift)) - machine.retired(hart))
        // Leaving the wait an earlier pass put the leftover turns in: every turn not run came before here.
        const charged = charge?.get(hart)
        if (charged && waits[hart].length === charged.waits) shift[hart] = Math.max(shift[hart], shiftBefore + charged.instructions)
      }
      waited[hart] = false
      lastRan = hart
      const end = this.startRetired[hart] + problem.budgets[hart]
      const others = this.othersLeft(hart, done)
      // With no other hart to yield to, a spin runs on as a path's continues would have it.
      const alone = next(hart) === hart
      const mayHold = hart === problem.finisher && others && pending[hart] && anotherFree(hart)
      const run = mayHold ? holdable++ : -1
      const before = mayHold && holds.has(run) ? {machine: machine.save(), taken: taken.length} : undefined
      // The path's own decisions first, as run() takes them; then the elastic policy.
      const passStops = continues.at(taken.length)
      const request: RunHartOptions = {
        untilRetired: end,
        stopAtPages: others ? problem.sharedPages : NO_PAGES,
        allowPending: pending[hart],
        passStops,
        // While the path has bits left, its yields stand: the pace only decides past them.
        passBelowRetired: others && !starting && passStops === 0 && taken.length >= path.length ? this.paceLimit(pace, hart, done, shift) : 0,
        spinStops: !alone,
        breakAt: targetPc[hart],
        breakRegs: targetRegs[hart],
        breakLoose: tail.loose ?? 0,
      }
      let stop = machine.runHart(hart, request)
      if (stop.kind === 'halt' && mayHold && !before && mayRetry) return {path: new Uint8Array(0), decisions: new Uint8Array(0), unplaced: [], stranded: [], leftover: new Map(), retryHolding: run}
      if (stop.kind === 'halt' && before) {
        // The hart powered the machine off while others had budget left; the recording had it do that last.
        // Run it again only up to its last decision point on the way, and hold it there. (With no other hart
        // able to run when it started, holding it would only bring it back here: the power-off stands.)
        machine.restore(before.machine)
        taken.length = before.taken
        const passed = stop.passed ?? 0
        stop = passed === 0 ? {kind: 'decision', page: -1, write: false, passed: 0} : machine.runHart(hart, {...request, passStops: passed - 1, passBelowRetired: 0, spinStops: false})
        if (stop.kind === 'decision') held[hart] = true
      }
      if (stop.passed) taken.fill(CONTINUE, stop.passed)
      pending[hart] = false
      const atTarget = (): boolean => machine.hartMatchesBut?.(hart, problem.target.harts[hart], tail.loose) === true
      if (stop.kind === 'budget' || stop.kind === 'halt') {
        done[hart] = true
        if (atTarget()) parked[hart] = machine.retired(hart)
        if (stop.kind === 'halt') break
      } else if (stop.kind === 'break') {
        // A strict hart stops at its target only where the budget it has left fits the turns of its waits so far; else
        // the state comes round again later (a driver's request: the registers alike at every one).
        if (atTarget() && (!strict?.has(hart) || spreadTurns(end - machine.retired(hart), waits[hart]) !== undefined)) {
          done[hart] = true
          parked[hart] = machine.retired(hart)
        }
      } else if (stop.kind === 'decision') {
        // The path's yield, a turn of a spin, a hart gone past its pace, or the finisher held back: it yields.
        // Past the path, a decision point that is none of these (the first after the path's last bit) continues.
        const index = taken.length
        const bit =
          index < path.length
            ? path[index]
            : starting || stop.spin || held[hart] || this.paceYields(pace, hart, done, stop.write, shift)
              ? YIELD
              : CONTINUE
        taken.push(bit)
        pending[hart] = true
        if (bit === YIELD) {
          if (stop.spin) {
            waits[hart].push({at: index, length: stop.spin})
            waited[hart] = true
          }
          current = next(hart)
          if (current < 0) current = hart
        }
      } else if (stop.kind === 'asleep') {
        waited[hart] = true
        if (machine.retired(hart) >= end) done[hart] = true
        if (atTarget()) {
          done[hart] = true
          parked[hart] = machine.retired(hart)
        }
        current = next(hart)
        if (current < 0) break
      } else {
        // Diverged: the path so far is what there is.
        break
      }
    }
    const extra = new Map<number, number>()
    const unplaced: number[] = []
    const stranded: number[] = []
    const leftover = new Map<number, Leftover>()
    for (let hart = 0; hart < harts; hart++) {
      if (parked[hart] < 0) continue
      const instructions = this.startRetired[hart] + problem.budgets[hart] - parked[hart]
      if (instructions > 0 && waits[hart].length > 0) leftover.set(hart, {waits: waits[hart].length, instructions})
      const turns = spreadTurns(instructions, waits[hart])
      if (!turns) unplaced.push(hart)
      if (!turns && instructions >= problem.budgets[hart] * STRANDED_SHARE) stranded.push(hart)
      for (const [at, count] of turns ?? []) extra.set(at, (extra.get(at) ?? 0) + count)
    }
    const decisions = taken.bits.slice(0, taken.length)
    return {path: withExtraTurns(decisions, extra), decisions, unplaced, stranded, leftover}
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
  private slowestOther(hart: number, done: boolean[], skew: number, shift?: readonly number[]): number {
    let slowest = Infinity
    for (let other = 0; other < done.length; other++) {
      if (other !== hart && this.runnable(other, done)) slowest = Math.min(slowest, this.paceTime(other, shift) + skew * other)
    }
    return slowest
  }

  /** The recorded time (see pace.ts) at which the hart runs its next instruction, its pace position `shift` ahead of its retired count. */
  private paceTime(hart: number, shift?: readonly number[]): number {
    return this.pace.timeAt(hart, this.machine.retired(hart) + this.ahead(hart, shift))
  }

  /**
   * How far the hart's pace position is ahead of its retired count: its
   * `shift`, but never past the end of its budget. A hart placed at another's
   * time while it waited, whose path then ran that wait's turns after all (a
   * prefix of a run with every spin turn in it, as the elastic end search
   * cuts), would otherwise count that time twice and stand past its end: a
   * pace that yields at every decision point, whatever the slack.
   */
  private ahead(hart: number, shift?: readonly number[]): number {
    const shifted = shift?.[hart] ?? 0
    if (shifted <= 0) return shifted
    return Math.max(0, Math.min(shifted, this.startRetired[hart] + this.problem.budgets[hart] - this.machine.retired(hart)))
  }

  /**
   * The pace tail: the hart continues while the recording had it at most
   * `slack` (a share of the interval's time) ahead of the least advanced
   * other runnable hart, which cannot move while it runs. As a retired
   * count: decision points below it are passed through. `shift`: per hart,
   * how far its pace position is ahead of its retired count (elastic runs).
   */
  private paceLimit(tail: PaceTail, hart: number, done: boolean[], shift?: readonly number[]): number {
    const skew = tail.skew ?? 0
    const slowest = this.slowestOther(hart, done, skew, shift)
    if (slowest === Infinity) return Infinity
    return this.pace.retiredBy(hart, slowest + tail.slack - skew * hart) + 1 - this.ahead(hart, shift)
  }

  private tailDecision(tail: ContinueOrPace, hart: number, done: boolean[], write: boolean): number {
    if (tail.kind === 'continue') return CONTINUE
    return this.paceYields(tail, hart, done, write) ? YIELD : CONTINUE
  }

  /**
   * Whether the pace has the hart yield at this decision point: it has gone
   * past its pace limit, and if the access is a write, the yield is one of the
   * tail's `split` share of such yields that split a read-modify-write. Which
   * ones is fixed by the hart and its retired count, so that a larger share
   * splits the same accesses and some more.
   */
  private paceYields(tail: PaceTail, hart: number, done: boolean[], write: boolean, shift?: readonly number[]): boolean {
    const retired = this.machine.retired(hart)
    if (retired < this.paceLimit(tail, hart, done, shift)) return false
    const split = tail.split ?? 1
    return !write || split >= 1 || splitDraw(hart, retired) < split
  }
}

const NO_PAGES: ReadonlySet<number> = new Set()

/** An elastic pass: the path it stands for, the decisions it took itself, and the harts whose leftover budget it could not place. */
interface ElasticPass {
  path: Uint8Array
  decisions: Uint8Array
  unplaced: number[]
  /** Of `unplaced`, the harts with at least STRANDED_SHARE of their budget left. */
  stranded: number[]
  /** Per hart that stopped at its target with budget left: the spin instructions not run, and how many waits it had. */
  leftover: Map<number, Leftover>
}

/** A hart's budget left at its target in an elastic pass (see ElasticTail.charge). */
interface Leftover {
  waits: number
  instructions: number
}

/** A number in [0, 1) fixed by the hart and its retired count: which writes a split share below 1 splits. */
export function splitDraw(hart: number, retired: number): number {
  let x = Math.imul((retired | 0) ^ Math.imul(Math.floor(retired / 2 ** 32) + 1, 0x27d4eb2d), 0x9e3779b1) ^ Math.imul(hart + 1, 0x85ebca6b)
  x ^= x >>> 16
  x = Math.imul(x, 0x7feb352d)
  x ^= x >>> 15
  x = Math.imul(x, 0x846ca68b)
  x ^= x >>> 16
  return (x >>> 0) / 2 ** 32
}

/** Times one elastic pass starts again to hold the finisher back; past that, a power-off stands. */
const MAX_FINISHER_HOLDS = 8

/**
 * A hart that stopped at its target with this share of its budget or more
 * left, and no wait to put it in, stopped too early (ElasticPass.stranded):
 * measured on race, such harts had up to half their budget left, on dbench
 * 93 to 96 %.
 */
const STRANDED_SHARE = 0.75

type ContinueOrPace = Exclude<TailPolicy, ElasticTail>

/**
 * How many continues a path has from a decision up to its next yield or its
 * end: the decision points a run passes through there. It remembers the
 * yield it found last, so a hart that stops often between two yields (at a
 * breakpoint in a loop, say) costs one scan of the path, not one per stop.
 */
class ContinueRuns {
  private from = -1
  private next = -1

  constructor(private readonly path: Uint8Array) {}

  at(from: number): number {
    const path = this.path
    if (from >= path.length) return 0
    if (from < this.from || from > this.next) {
      const next = path.indexOf(YIELD, from)
      this.next = next < 0 ? path.length : next
    }
    this.from = from
    return this.next - from
  }
}

/**
 * Extra turns of spin loops that add up to `instructions`: as many turns of
 * the last wait as fit exactly, else a few turns of the latest wait on a loop
 * of another length and the rest on the last. Keyed by the index of the
 * wait's yield in the path. Undefined if no such split exists.
 */
export function spreadTurns(instructions: number, waits: ReadonlyArray<{at: number; length: number}>): Map<number, number> | undefined {
  if (instructions === 0) return new Map()
  const last = waits.at(-1)
  if (!last || instructions < 0) return undefined
  if (instructions % last.length === 0) return new Map([[last.at, instructions / last.length]])
  for (let i = waits.length - 2; i >= 0; i--) {
    const other = waits[i]
    if (other.length === last.length) continue
    for (let turns = 1; turns < last.length; turns++) {
      const rest = instructions - turns * other.length
      if (rest >= 0 && rest % last.length === 0) return new Map([[other.at, turns], ...(rest > 0 ? [[last.at, rest / last.length] as [number, number]] : [])])
    }
  }
  return undefined
}

/** `path` with `extra.get(i)` continues inserted before decision i. */
export function withExtraTurns(path: Uint8Array, extra: ReadonlyMap<number, number>): Uint8Array {
  let added = 0
  for (const count of extra.values()) added += count
  const out = new Uint8Array(path.length + added)
  let to = 0
  let from = 0
  for (const at of [...extra.keys()].sort((a, b) => a - b)) {
    out.set(path.subarray(from, at), to)
    to += at - from
    from = at
    out.fill(CONTINUE, to, to + extra.get(at)!)
    to += extra.get(at)!
  }
  out.set(path.subarray(from), to)
  return out
}

/** Handovers.nextHeld of a hart that has not yielded in the run. */
const HELD_UNKNOWN = 2

/** The hand-overs of a run (see Handovers), grown as the run goes. */
class HandoverLog {
  private at: number[] = []
  private hart: number[] = []
  private next: number[] = []
  private held: number[] = []
  private nextHeld: number[] = []
  private retired: number[] = []
  private pc: number[] = []
  /** Per hart, the access it holds back since its last yield: 1 a write, 0 a read, HELD_UNKNOWN none known. */
  private readonly holding: number[]

  constructor(harts: number) {
    this.holding = new Array<number>(harts).fill(HELD_UNKNOWN)
  }

  /** `hart` yielded at decision `at`, holding back a write or a read, with `retired` instructions of the interval run and at `pc`; `next` runs now (the same hart if no other can). */
  yielded(at: number, hart: number, next: number, write: boolean, retired: number, pc: number): void {
    if (next !== hart) {
      this.retired.push(retired)
      this.pc.push(pc)
      this.at.push(at)
      this.hart.push(hart)
      this.next.push(next)
      this.held.push(write ? 1 : 0)
      this.nextHeld.push(this.holding[next])
    }
    this.holding[hart] = write ? 1 : 0
  }

  /** The hart stopped other than at a decision point: it holds nothing back. */
  holdsNothing(hart: number): void {
    this.holding[hart] = HELD_UNKNOWN
  }

  done(): Handovers {
    return {
      at: Uint32Array.from(this.at), hart: Uint8Array.from(this.hart), next: Uint8Array.from(this.next),
      held: Uint8Array.from(this.held), nextHeld: Uint8Array.from(this.nextHeld),
      retired: Uint32Array.from(this.retired), pc: Uint32Array.from(this.pc),
    }
  }
}

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
