// The swap search: a run whose shared word (Evaluation.sharedDelta) is a few
// updates off its target, brought onto it one update at a time.
//
// The split share and the cut search (split-search.ts) move a counter in steps
// of whole turns: a split read-modify-write loses every update the other hart
// makes in the turn it then runs, often dozens, and the count jumps past its
// target. A finer step is a swap at a hand-over: the last access of the hart
// that yields and the first access of the hart that runs next change places,
// and every turn after keeps its length, so nothing else moves. Where the
// yielding hart held back a write (it had read the word, and the other hart's
// first access is a write too), the swap lets it read that write: one update
// less is lost. Where both held back a read (the yielding hart had just
// written), the other hart reads the word before that write and later writes
// over it: one more is lost. Swaps far apart do not touch each other, so a set
// of n of them moves the word by about n, one step at a time, and a bisection
// on n finds the set that lands on the target exactly.
//
// Like the searches it follows, it knows nothing of the guest: the word is
// whatever differs first on a shared page, the accesses' kinds come from the
// runner (Candidate.handovers).

import type {Candidate, Evaluation, Handovers} from './evaluator.js'
import type {Ledger} from './ledger.js'
import {YIELD, type Path} from './path.js'
import type {SplitTried} from './split-search.js'

/** Candidates each round runs side by side: fixed, so that the result does not depend on the number of workers. */
const POINTS_PER_ROUND = 2

/**
 * From `base` (a run whose sharedDelta is not 0), runs sets of swaps of the
 * kind that moves the word towards its target, at most `steps` runs, until one
 * reaches the target, the word lands on it or the ledger says stop; when the
 * word lands on its target with other state still off, or the swaps jump past
 * it, it starts again from the nearest run, while steps last. Returns every
 * run tried with its evaluation.
 */
export async function searchSwaps(ledger: Ledger, base: Pick<Evaluation, 'taken' | 'sharedDelta'>, steps: number): Promise<SplitTried[]> {
  const tried: SplitTried[] = []
  let budget = steps
  let from = base
  const seen = new Set<number>()
  while (budget > 0 && !ledger.stopReason()) {
    const delta = from.sharedDelta
    if (delta === undefined || delta === 0 || seen.has(delta)) break
    seen.add(delta)
    const described = await runCounted([{path: from.taken, handovers: true}])
    const start = described[0]
    if (!start || start.found || start.sharedDelta !== delta || !start.handovers) break
    const order = spread(swapPoints(start.taken, start.handovers, delta < 0))
    if (order.length === 0) break
    const sign = Math.sign(delta)
    const deltaAt = new Map<number, number>([[0, delta]])
    const runs = new Map<number, Evaluation>([[0, start]])
    const runSets = async (counts: number[]): Promise<void> => {
      const evaluations = await runCounted(counts.map(n => ({path: withSwaps(start.taken, order.slice(0, n))})))
      evaluations.forEach((evaluation, i) => {
        deltaAt.set(counts[i], evaluation.found ? 0 : evaluation.sharedDelta ?? 0)
        runs.set(counts[i], evaluation)
      })
    }
    // Doubling until the word crosses its target (or the swaps run out), then a bisection.
    let lo = 0
    let hi = -1
    for (let n = 1; hi < 0 && budget > 0 && !ledger.stopReason(); n *= 2 * POINTS_PER_ROUND) {
      const counts = [...new Set([Math.min(n, order.length), Math.min(2 * n, order.length)])].filter(c => !deltaAt.has(c))
      if (counts.length === 0) break
      await runSets(counts)
      for (const c of counts.sort((a, b) => a - b)) {
        const d = deltaAt.get(c)!
        if (Math.sign(d) === sign) lo = Math.max(lo, c)
        else if (hi < 0) hi = c
      }
      if (2 * n >= order.length) break
    }
    while (hi > lo + 1 && budget > 0 && !ledger.stopReason() && deltaAt.get(hi) !== 0) {
      const count = Math.min(POINTS_PER_ROUND, hi - lo - 1)
      const points = Array.from({length: count}, (_, i) => lo + Math.round(((i + 1) * (hi - lo)) / (count + 1)))
      await runSets(points)
      for (const c of points) {
        const d = deltaAt.get(c)!
        if (d === 0) {
          hi = c
          break
        }
        if (Math.sign(d) === sign) lo = Math.max(lo, c)
        else hi = Math.min(hi, c)
      }
    }
    if (ledger.found) break
    // Go on from the nearest run: it has other hand-overs, and other swaps.
    let nearest = start
    for (const evaluation of runs.values()) {
      const d = evaluation.sharedDelta
      if (d !== undefined && d !== 0 && Math.abs(d) < Math.abs(nearest.sharedDelta!)) nearest = evaluation
    }
    if (nearest === start) break
    from = nearest
  }
  return tried

  async function runCounted(candidates: Candidate[]): Promise<Evaluation[]> {
    budget -= candidates.length
    const evaluations = await ledger.evaluate(candidates)
    evaluations.forEach((evaluation, i) => tried.push({candidate: candidates[i], evaluation}))
    return evaluations
  }
}

/**
 * The decision indices (yields in `path`) where a swap moves the word the way
 * asked: `fewerLost` picks hand-overs where the yielding hart held back a
 * write and the next hart goes on with a write; otherwise where both held back
 * a read. No two are closer than three decisions, so that swaps never share a
 * decision.
 */
export function swapPoints(path: Path, handovers: Handovers, fewerLost: boolean): number[] {
  const want = fewerLost ? 1 : 0
  const points: number[] = []
  let last = -Infinity
  for (let i = 0; i < handovers.at.length; i++) {
    const at = handovers.at[i]
    if (handovers.held[i] !== want || handovers.nextHeld[i] !== want) continue
    if (at < 1 || at + 1 >= path.length || path[at] !== YIELD) continue
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
export function spread(points: readonly number[]): number[] {
  const n = points.length
  if (n === 0) return []
  let bits = 0
  while (1 << bits < n) bits++
  const order: number[] = []
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
