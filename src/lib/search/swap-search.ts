// The swap search: a run whose shared word (Evaluation.sharedDelta) is a few
// updates off its target, brought onto it one update at a time.
//
// The split share and the cut search (split-search.ts) move a counter in steps
// of whole turns: a split read-modify-write loses every update the other hart
// makes in the turn it then runs, often dozens, and the count jumps past its
// target. A finer step is a swap at a hand-over: the last access of the hart
// that yields and the first access of the hart that runs next change places,
// and every turn after keeps its length, so nothing else moves. Where both
// held back a read (the yielding hart had just written the word), the next
// hart now reads it before that write and later writes over it: exactly one
// more update is lost (race, synthetic intervals: 126 swaps of 126). Where
// the yielding hart held back a read and the next hart a write (it had read
// the word before it yielded), that write goes before the yielding hart's
// last: mostly fewer are lost, by one or by dozens. Swaps far apart do not touch each
// other. So a word above its target (too few lost) comes down by sets of n
// 'lose' swaps, one update per swap, and a bisection on n lands on it; a word
// below it is first brought above it by sets of 'keep' swaps.
//
// Like the searches it follows, it knows nothing of the guest: the word is
// whatever differs first on a shared page, the accesses' kinds come from the
// runner (Candidate.handovers).

import type {Evaluation, Handovers} from './evaluator.js'
import type {Ledger} from './ledger.js'
import {CONTINUE, YIELD, type Path} from './path.js'
import {TriedRuns, type SplitTried} from './split-search.js'

/** Candidates each round runs side by side: fixed, so that the result does not depend on the number of workers. */
const POINTS_PER_ROUND = 2

/** Single swaps tried from one run before the search gives up on it. */
const SINGLE_TRIES = 12

/**
 * From `base` (a run whose sharedDelta is not 0), at most `steps` runs: sets
 * of swaps of the kind that moves the word towards its target, as many as a
 * doubling and then a bisection on their number find; when no set comes
 * nearer, single swaps one at a time. Each time from the nearest run so far
 * (below the target, the nearest above it, from where 'lose' swaps step down
 * exactly), until a run reaches the target, the word comes no nearer or the
 * ledger says stop. Returns every run tried with its evaluation.
 */
export async function searchSwaps(ledger: Ledger, base: Pick<Evaluation, 'taken' | 'sharedDelta'>, steps: number): Promise<SplitTried[]> {
  return stepWord(ledger, base, steps, async (start, handovers, runs) => {
    const delta = start.sharedDelta!
    const order = spread(swapPoints(start.taken, handovers, delta > 0 ? 'lose' : 'keep'))
    const sets = await swapSets(start, order, runs)
    // From above the target, 'lose' swaps take one update each: the way down to it is exact.
    let next = delta < 0 ? closestAbove(sets) : undefined
    next ??= nearest(sets, start)
    if (!ledger.found && next === start) next = await singleSwaps(start, order, runs)
    return next
  })
}

/**
 * A shared word walked onto its target: from `base`, at most `steps` runs,
 * each round one `step` from the run the last returned (the start run again
 * with its hand-overs), until a run reaches the target, a step returns
 * nothing nearer (undefined or the start) or the ledger says stop. Returns
 * every run tried with its evaluation.
 */
export async function stepWord(
  ledger: Ledger,
  base: Pick<Evaluation, 'taken' | 'sharedDelta'>,
  steps: number,
  step: (start: Evaluation, handovers: Handovers, runs: TriedRuns) => Promise<Evaluation | undefined>,
): Promise<SplitTried[]> {
  const runs = new TriedRuns(ledger, steps)
  let delta = base.sharedDelta
  let path = base.taken
  while (delta !== undefined && delta !== 0 && runs.room()) {
    const [start] = await runs.run([{path, handovers: true}])
    if (start.found || start.sharedDelta !== delta || !start.handovers) break
    const next = await step(start, start.handovers, runs)
    if (ledger.found || !next || next === start) break
    delta = next.sharedDelta
    path = next.taken
  }
  return runs.tried
}

/** Whether `run` is a miss whose shared word is nearer its target than `than`'s, or as near and fitter. */
export function nearer(run: Evaluation | undefined, than: Evaluation): boolean {
  const d = run?.sharedDelta
  if (!run || d === undefined || d === 0 || run.found) return false
  const other = Math.abs(than.sharedDelta!)
  return Math.abs(d) < other || (Math.abs(d) === other && run.fitness > than.fitness)
}

/**
 * The nearest miss of `runs` and `than`: before any other, the fittest whose
 * shared pages all match but a hart's word is off (what is left is where a
 * hart read the word, which the defer search settles), else the one whose
 * shared word is nearest (see nearer). Undefined if there is none.
 */
export function nearestMiss(runs: Iterable<Evaluation>, than?: Evaluation): Evaluation | undefined {
  let best = than
  for (const run of runs) {
    if (run.found) continue
    if (sharedRight(run)) {
      if (!best || !sharedRight(best) || run.fitness > best.fitness) best = run
    } else if (!best) {
      if (run.sharedDelta !== undefined && run.sharedDelta !== 0) best = run
    } else if (!sharedRight(best) && nearer(run, best)) {
      best = run
    }
  }
  return best
}

/** A miss whose shared pages all match while a hart's word is off. */
function sharedRight(run: Evaluation): boolean {
  return run.sharedDelta === undefined && run.hartDelta !== undefined
}

/** The nearest miss of `runs`, `start` if none is nearer than it. */
function nearest(runs: readonly Evaluation[], start: Evaluation): Evaluation {
  let best = start
  for (const run of runs) if (nearer(run, best)) best = run
  return best
}

/** The miss of `runs` whose word is the least above its target, if any is above it. */
function closestAbove(runs: readonly Evaluation[]): Evaluation | undefined {
  let best: Evaluation | undefined
  for (const run of runs) {
    const d = run.sharedDelta
    if (run.found || d === undefined || d <= 0) continue
    if (!best || d < best.sharedDelta! || (d === best.sharedDelta && run.fitness > best.fitness)) best = run
  }
  return best
}

/**
 * The first n swaps of `order` applied together, n doubling until the word
 * crosses its target (or the swaps run out), then a bisection on n between
 * the last count short of it and the first past it. Returns the runs.
 */
async function swapSets(start: Evaluation, order: number[], runs: TriedRuns): Promise<Evaluation[]> {
  return countSearch(start, runs, {
    most: order.length,
    first: 1,
    path: n => withSwaps(start.taken, order.slice(0, n)),
    between: (lo, hi) => {
      const count = Math.min(POINTS_PER_ROUND, hi - lo - 1)
      return Array.from({length: count}, (_, i) => lo + Math.round(((i + 1) * (hi - lo)) / (count + 1)))
    },
  })
}

/** How countSearch makes the run of n steps, where it starts, and which counts it tries inside a bracket. */
export interface CountSteps {
  /** Steps there are: n goes no higher. */
  most: number
  /** The first count tried; the doubling goes on from it. */
  first: number
  path: (n: number) => Path
  /** Counts strictly between lo and hi, at most POINTS_PER_ROUND, to run next. */
  between: (lo: number, hi: number, deltaLo: number, deltaHi: number) => number[]
}

/**
 * A count of steps (swaps, slides) that brings the shared word onto its
 * target: counts n and 2n from `first`, n growing fourfold, until the word
 * crosses its target (or the steps run out), then the counts `between` gives
 * inside the bracket of the last count short of it and the first past it,
 * until it closes. Returns every run, `start` (count 0) with them.
 */
export async function countSearch(start: Evaluation, runs: TriedRuns, steps: CountSteps): Promise<Evaluation[]> {
  const {most} = steps
  const sign = Math.sign(start.sharedDelta!)
  const byCount = new Map<number, Evaluation>([[0, start]])
  const deltaAt = (n: number): number => (byCount.get(n)!.found ? 0 : byCount.get(n)!.sharedDelta ?? 0)
  const runCounts = async (counts: number[]): Promise<void> => {
    const fresh = counts.filter(n => !byCount.has(n))
    const evaluations = await runs.run(fresh.map(n => ({path: steps.path(n)})))
    evaluations.forEach((evaluation, i) => byCount.set(fresh[i], evaluation))
  }
  let lo = 0
  let hi = -1
  for (let n = steps.first; hi < 0 && n <= most && runs.room(); n *= 2 * POINTS_PER_ROUND) {
    const counts = [...new Set([n, Math.min(2 * n, most)])]
    await runCounts(counts)
    for (const c of counts) {
      if (Math.sign(deltaAt(c)) === sign) lo = Math.max(lo, c)
      else if (hi < 0) hi = c
    }
  }
  while (hi > lo + 1 && deltaAt(hi) !== 0 && runs.room()) {
    const counts = [...new Set(steps.between(lo, hi, deltaAt(lo), deltaAt(hi)))].sort((a, b) => a - b)
    await runCounts(counts)
    for (const c of counts) {
      if (deltaAt(c) === 0) {
        hi = c
        break
      }
      if (Math.sign(deltaAt(c)) === sign) lo = Math.max(lo, c)
      else hi = Math.min(hi, c)
    }
  }
  return [...byCount.values()]
}

/**
 * Swaps of `order` one at a time, a round of POINTS_PER_ROUND at once, until
 * one comes nearer (or SINGLE_TRIES were run). Near its target a set of swaps
 * overshoots, and which kind of swap moves a word which way holds for a
 * read-modify-write loop, not for every pair of accesses.
 */
async function singleSwaps(start: Evaluation, order: number[], runs: TriedRuns): Promise<Evaluation | undefined> {
  for (let i = 0; i < Math.min(order.length, SINGLE_TRIES) && runs.room(); i += POINTS_PER_ROUND) {
    const points = order.slice(i, Math.min(i + POINTS_PER_ROUND, SINGLE_TRIES))
    const evaluations = await runs.run(points.map(at => ({path: withSwaps(start.taken, [at])})))
    let best: Evaluation | undefined
    for (const evaluation of evaluations) if (nearer(evaluation, best ?? start)) best = evaluation
    if (best || evaluations.some(evaluation => evaluation.found)) return best
  }
  return undefined
}

/**
 * Which swaps to make: 'lose' where both harts held back a read (the yielding
 * hart had just written the word, the next one reads it first: the write is
 * then lost, one update each time), 'keep' where the yielding hart held back
 * a read and the next one a write (it had read the word before and holds its
 * write back; it now writes before the yielding hart's last write: mostly
 * fewer updates lost, by one or by more).
 */
export type SwapKind = 'lose' | 'keep'

/**
 * The decision indices (yields in `path`) of the hand-overs where a swap of
 * `kind` goes, each with an access of the turn's own on either side (a
 * continue before and after the yield), no two closer than three decisions,
 * so that swaps never share a decision.
 */
export function swapPoints(path: Path, handovers: Handovers, kind: SwapKind): number[] {
  const [held, nextHeld] = kind === 'lose' ? [0, 0] : [0, 1]
  const points: number[] = []
  let last = -Infinity
  for (let i = 0; i < handovers.at.length; i++) {
    const at = handovers.at[i]
    if (handovers.held[i] !== held || handovers.nextHeld[i] !== nextHeld) continue
    if (at < 1 || at + 1 >= path.length || path[at] !== YIELD || path[at - 1] !== CONTINUE || path[at + 1] !== CONTINUE) continue
    if (at - last < 3) continue
    points.push(at)
    last = at
  }
  return points
}

/**
 * `points` in an order whose every prefix is spread over the whole run (the
 * van der Corput sequence over their indices), so that the first n swaps do
 * not crowd into one stretch of it.
 */
export function spread<T>(points: readonly T[]): T[] {
  const n = points.length
  if (n === 0) return []
  let bits = 0
  while (1 << bits < n) bits++
  const order: T[] = []
  for (let i = 0; i < 1 << bits; i++) {
    let reversed = 0
    for (let b = 0; b < bits; b++) if (i & (1 << b)) reversed |= 1 << (bits - 1 - b)
    if (reversed < n) order.push(points[reversed])
  }
  return order
}

/**
 * `path` with a swap at each of `points` (yields): the last access of the
 * yielding hart's turn and the first of the next hart's change places, and
 * every other turn keeps its accesses. Where both turns have accesses of their
 * own besides (`1^a 0 1^b 0`), that is `1^(a-1) 0`, `0`, `0`, `1^(b-1) 0`: the
 * yielding hart holds back its last access, the next hart makes its first and
 * yields, the first hart makes the held access and yields, the next goes on.
 * Where a turn is its one access (a or b is 0), the turn before or after it
 * merges instead. Either way the two decisions beside the yield flip.
 */
export function withSwaps(path: Path, points: readonly number[]): Path {
  const out = Uint8Array.from(path)
  for (const at of points) {
    out[at - 1] ^= 1
    out[at + 1] ^= 1
  }
  return out
}
