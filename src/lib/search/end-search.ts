// The end search: a near miss whose last hand-overs between harts came a
// decision or two early or late. The end of an interval often depends on
// where the harts stood relative to each other at their last hand-overs (which
// update a hart read last before its budget ran out, which turn of a token it
// ended in), and the GA's flips and shifts land anywhere in paths of hundreds
// of thousands of decisions, almost never there. So the yields nearest the end
// are moved, one at a time, by a few decisions either way, and a move that
// makes the run fitter is kept; then again from there. Runs that differ only
// near the end are cheap: the runner resumes them from a snapshot near their
// common prefix.

import type {Evaluation} from './evaluator.js'
import type {Ledger} from './ledger.js'
import {CONTINUE, YIELD, type Path} from './path.js'
import {TriedRuns, type SplitTried} from './split-search.js'

/** How many of the last yields a round moves, and by how many decisions. */
const LAST_YIELDS = 4
const MOVES = [-2, 2, -1, 1] as const

/**
 * From `base`, rounds of moves of its last yields, each round run as one
 * batch, keeping the fittest run when it is fitter than the one it came from,
 * at most `steps` runs, until a run reaches the target, a round brings
 * nothing or the ledger says stop. Returns every run tried with its
 * evaluation.
 */
export async function searchEnd(ledger: Ledger, base: Pick<Evaluation, 'taken' | 'fitness'>, steps: number): Promise<SplitTried[]> {
  const runs = new TriedRuns(ledger, steps)
  let from = base
  while (runs.room()) {
    const candidates = endMoves(from.taken, LAST_YIELDS)
      .slice(0, runs.left)
      .map(path => ({path}))
    if (candidates.length === 0) break
    let best: Evaluation | undefined
    for (const evaluation of await runs.run(candidates)) if (evaluation.fitness > (best ?? from).fitness) best = evaluation
    if (!best || ledger.found) break
    from = best
  }
  return runs.tried
}

/**
 * Paths that move one of the last `count` yields of `path` by each of MOVES:
 * later by d, the yielding hart makes d more accesses and the next hart's turn
 * d fewer; earlier, the other way round. A move never passes another yield.
 * Nearest the end first.
 */
export function endMoves(path: Path, count: number): Path[] {
  const moves: Path[] = []
  let seen = 0
  for (let at = path.length - 1; at >= 0 && seen < count; at--) {
    if (path[at] !== YIELD) continue
    seen++
    for (const d of MOVES) {
      const to = at + d
      if (to < 0 || to >= path.length) continue
      let clear = true
      for (let i = Math.min(at, to); i <= Math.max(at, to) && clear; i++) if (i !== at && path[i] !== CONTINUE) clear = false
      if (!clear) continue
      const moved = Uint8Array.from(path)
      moved[at] = CONTINUE
      moved[to] = YIELD
      moves.push(moved)
    }
  }
  return moves
}

/** Slacks of the elastic tails the elastic end search tries at each cut: a hart runs until it spins; the finest pace. */
const ELASTIC_END_SLACKS = [1, 0.001] as const

/**
 * The elastic end search: a near miss whose busiest shared word is right (a
 * lock may still be held) while a hart ends somewhere else, because the
 * harts reached a barrier at the end of their work in another order than
 * the recording. race's last interval:
 * in the recording hart 0 finished its loop first and spun at the done
 * barrier (then the host took its core for 5 ms) while hart 1 finished; in
 * the GA's best, with the counter right, hart 1 finished first and spun, so
 * it ran out of budget before it parked and hart 0 printed seven characters
 * too many. The end of the run after its loop is what the elastic pass is
 * for: spins cut to a turn, each hart stopped where its target is, the
 * leftover turns put back. So the run's decisions are cut d before their
 * end, the running hart yields there, and an elastic tail takes it from
 * there, for d = 1, 2, 4, ... (a cut inside the harts' last work keeps their
 * order at the end, one further back changes it), at most `steps` runs, in
 * batches of two, until one reaches the target. Where the harts take turns
 * of a decision or two there (both in their loops, or one spinning at a
 * barrier while the other counts), the hart that yields at the cut decides
 * who runs first after it, so the cut is also made at the hand-over just
 * before it, where the other hart yields. Returns every run tried.
 */
export async function searchElasticEnd(ledger: Ledger, base: Pick<Evaluation, 'taken'>, steps: number): Promise<SplitTried[]> {
  const runs = new TriedRuns(ledger, steps)
  const path = base.taken
  if (!runs.room()) return runs.tried
  const [start] = await runs.run([{path, handovers: true}])
  const at = start.found ? undefined : start.handovers?.at
  if (!at) return runs.tried
  for (const cut of elasticEndCuts(path.length, at)) {
    if (!runs.room() || ledger.found) break
    const cutPath = new Uint8Array(cut + 1)
    cutPath.set(path.subarray(0, cut))
    cutPath[cut] = YIELD
    await runs.run(ELASTIC_END_SLACKS.map(slack => ({path: cutPath, tail: {kind: 'elastic', slack} as const})).slice(0, runs.left))
  }
  return runs.tried
}

/**
 * Where the elastic end search cuts a run of `length` decisions whose
 * hand-overs are at `at` (the indices of the yields, in order): d before the
 * end for d = 1, 2, 4, ..., and after each, when a hand-over lies at most
 * d / 2 before it (turns of a decision or two), at that hand-over, where
 * the hart before yields. A cut is an index into the path: the decisions
 * before it are kept and the hart deciding there yields.
 */
export function elasticEndCuts(length: number, at: ArrayLike<number>): number[] {
  const cuts: number[] = []
  const seen = new Set<number>()
  const add = (cut: number): void => {
    if (cut >= 0 && !seen.has(cut)) {
      seen.add(cut)
      cuts.push(cut)
    }
  }
  let i = at.length - 1
  for (let back = 1; back < length; back *= 2) {
    const cut = length - back
    add(cut)
    // The last hand-over before the cut: the hart deciding at the cut took over there.
    while (i >= 0 && at[i] >= cut) i--
    if (i >= 0 && cut - at[i] <= Math.max(1, back / 2)) add(at[i])
  }
  return cuts
}
