// Settling a near miss: the swap search (swap-search.ts), the slide search
// (slide-search.ts) and the defer search (defer-search.ts) in turn, then the
// elastic end search (end-search.ts), from the nearest miss of the split share
// and the cut search, and from the GA's best when it stalls (ga.ts).

import type {Evaluation} from './evaluator.js'
import type {Ledger} from './ledger.js'
import {searchDefer} from './defer-search.js'
import {searchElasticEnd} from './end-search.js'
import type {SplitTried} from './split-search.js'
import {searchSlides} from './slide-search.js'
import {nearestMiss, searchSwaps} from './swap-search.js'

/** Rounds of swaps, slides and deferrals that settle() makes at most. */
const SETTLE_ROUNDS = 3

/**
 * A near miss settled: the swap search while a shared word is off (from its
 * fittest run on), the slide search while it still is (from its nearest run
 * on), then the defer search while a hart's word is off (from its
 * nearest run on, fitter or not: it may leave the shared word off by the
 * updates the deferred accesses had lost, which the next round's swaps give
 * back), while a round changes the run. Then, from the fittest of those runs
 * whose shared words are all right while a hart's state is not, the elastic
 * end search, and the rounds again (without it) from its run nearest in the
 * shared word among those that leave every hart right. Returns every run
 * tried.
 */
export async function settle(ledger: Ledger, from: Evaluation, endSearch = true): Promise<SplitTried[]> {
  const ga = ledger.settings.ga
  const tried: SplitTried[] = []
  let current = from
  for (let round = 0; round < SETTLE_ROUNDS && !ledger.found; round++) {
    const before = current
    if (current.sharedDelta !== undefined && current.sharedDelta !== 0 && ga.swapSteps > 0) {
      const swaps = await searchSwaps(ledger, current, ga.swapSteps)
      tried.push(...swaps)
      current = fittest(swaps, current)
    }
    if (!ledger.found && current.sharedDelta !== undefined && current.sharedDelta !== 0 && ga.slideSteps > 0) {
      // Further off than the swaps reach: slides, from their nearest run (fitter or not: its hart words are the defer search's).
      const slides = await searchSlides(ledger, current, ga.slideSteps)
      tried.push(...slides)
      current = nearestMiss(slides.map(run => run.evaluation), current)!
    }
    if (!ledger.found && current.hartDelta && ga.deferSteps > 0) {
      // The deferral's nearest run, fitter or not: its shared word is what the next round's swaps settle.
      const deferred = await searchDefer(ledger, current, ga.deferSteps)
      tried.push(...deferred.tried)
      current = deferred.nearest ?? current
    }
    if (current === before) break
  }
  if (endSearch && !ledger.found && ga.elasticEndSteps > 0) {
    // The fittest run with every shared word right and a hart not: its end again, as an elastic pass.
    let end: Evaluation | undefined
    for (const run of [from, ...tried.map(t => t.evaluation)]) {
      if (!run.found && run.sharedDelta === undefined && run.hartDelta && (!end || run.fitness > end.fitness)) end = run
    }
    const ended = end ? await searchElasticEnd(ledger, end, ga.elasticEndSteps) : []
    tried.push(...ended)
    // A cut that reached back into the harts' work can bring every hart right and leave a shared word off by the
    // updates that work lost before: the swaps' and slides' to settle, from the run nearest in that word.
    let harts: Evaluation | undefined
    for (const {evaluation: run} of ended) {
      if (!run.found && !run.hartDelta && run.sharedDelta !== undefined && (!harts || Math.abs(run.sharedDelta) < Math.abs(harts.sharedDelta!))) harts = run
    }
    if (harts && !ledger.found) tried.push(...(await settle(ledger, harts, false)))
  }
  return tried
}

/** The fittest evaluation of `runs`, `than` unless one is fitter. */
export function fittest(runs: readonly SplitTried[], than: Evaluation): Evaluation {
  let best = than
  for (const run of runs) if (run.evaluation.fitness > best.fitness) best = run.evaluation
  return best
}
