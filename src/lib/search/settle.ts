// Settling a near miss: the swap search (swap-search.ts), the slide search
// (slide-search.ts) and the defer search (defer-search.ts) in turn, from the
// nearest miss of the split share and the cut search, and from the GA's best
// when it stalls (ga.ts).

import type {Evaluation} from './evaluator.js'
import type {Ledger} from './ledger.js'
import {searchDefer} from './defer-search.js'
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
 * back), while a round changes the run. Returns every run tried.
 */
export async function settle(ledger: Ledger, from: Evaluation): Promise<SplitTried[]> {
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
  return tried
}

/** The fittest evaluation of `runs`, `than` unless one is fitter. */
export function fittest(runs: readonly SplitTried[], than: Evaluation): Evaluation {
  let best = than
  for (const run of runs) if (run.evaluation.fitness > best.fitness) best = run.evaluation
  return best
}
