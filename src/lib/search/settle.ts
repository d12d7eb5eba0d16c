// Settling a near miss: the swap search (swap-search.ts), the slide search
// (slide-search.ts) and the defer search (defer-search.ts) in turn, then the
// wait search (wait-search.ts) and the elastic end search (end-search.ts),
// from the nearest miss of the split share and the cut search, and from the
// GA's best when it stalls (ga.ts).

import type {Evaluation} from './evaluator.js'
import type {Ledger} from './ledger.js'
import {searchDefer} from './defer-search.js'
import {searchElasticEnd} from './end-search.js'
import type {SplitTried} from './split-search.js'
import {searchSlides} from './slide-search.js'
import {fewOff, searchSpins} from './spin-search.js'
import {nearestMiss, searchSwaps} from './swap-search.js'
import {searchWaits} from './wait-search.js'

/** Rounds of swaps, slides and deferrals that settle() makes at most. */
const SETTLE_ROUNDS = 3

/** Runs of each wait search that the rounds start from again, at most. */
const SETTLED_WAITS = 3

/** Runs of the spin search that settle() starts from again, at most. */
const SETTLED_SPINS = 2

/**
 * A near miss settled: the swap search while a shared word is off (from its
 * fittest run on), the slide search while it still is (from its nearest run
 * on), then the defer search while a hart's word is off (from its
 * nearest run on, fitter or not: it may leave the shared word off by the
 * updates the deferred accesses had lost, which the next round's swaps give
 * back), while a round changes the run. Then, from the fittest of those runs
 * whose busiest shared word is right while a hart's state is not (or, with
 * none, the fittest whose hart state differs), and then from `from`, the
 * wait search, and the rounds again from its nearest run; then, from the
 * first of those, the elastic end search, and the rounds again from its run
 * nearest in the busiest shared word (see elasticEndAgain); then the rounds
 * from the wait searches' next runs. Before the elastic end search, the
 * spin search (unless `spins` is false) from the fittest run with a hart a
 * few instructions off (see fewOff), its shared words right if any is, and
 * from `from` if it is such a run; and all of this again from its runs that
 * brought the hart nearer, without the spin search.
 * `endSearch` false: the rounds alone. Returns every run tried.
 */
export async function settle(ledger: Ledger, from: Evaluation, endSearch = true, spins = true): Promise<SplitTried[]> {
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
  if (!endSearch || ledger.found) return tried
  // The fittest run with the busiest shared word right and a hart not: where the wait search (else from the fittest run
  // with a hart not) and the elastic end search start. The wait search first: it costs a few runs where the elastic
  // end search costs tens.
  const {end, off} = endRuns([from, ...tried.map(t => t.evaluation)])
  // Then from the run settle() started from too: the rounds may have traded the hart's word for a shared one. The
  // rounds start again from the nearest run of each wait search, and from its others only after the elastic end search.
  const later: Evaluation[] = []
  for (const waitFrom of new Set([end ?? off, from])) {
    if (!waitFrom?.hartDelta || ledger.found || ga.waitSteps === 0) continue
    const waits = await searchWaits(ledger, waitFrom, ga.waitSteps)
    tried.push(...waits.tried)
    const [nearest, ...others] = waits.settleFrom
    if (nearest) tried.push(...(await settleAgain(ledger, [nearest])))
    later.push(...others.slice(0, SETTLED_WAITS - 1))
  }
  if (spins && !ledger.found && ga.spinSteps > 0) {
    // A hart a few instructions off in its loop: turns traded between its waits, from the fittest such run with its
    // shared words right (the wait searches' runs among them), else the fittest such run, and from `from`; then
    // everything again from the runs that brought the hart nearer (the wait and elastic end searches too, but no
    // further trades).
    const few = endRuns([from, ...tried.map(t => t.evaluation)].filter(run => fewOff(run).length > 0))
    for (const spinFrom of new Set([few.end ?? few.off, from])) {
      if (spinFrom && fewOff(spinFrom).length > 0 && !ledger.found) tried.push(...(await settleSpins(ledger, spinFrom)))
    }
  }
  if (end && !ledger.found && ga.elasticEndSteps > 0) tried.push(...(await elasticEndAgain(ledger, end)))
  tried.push(...(await settleAgain(ledger, later)))
  return tried
}

/**
 * The spin search from `from`, and settle() from each of its runs that
 * brought the hart nearer (at most SETTLED_SPINS), with the wait and elastic
 * end searches but no further spin search. Returns every run tried.
 */
export async function settleSpins(ledger: Ledger, from: Evaluation): Promise<SplitTried[]> {
  const spun = await searchSpins(ledger, from, ledger.settings.ga.spinSteps)
  const tried = [...spun.tried]
  for (const run of spun.settleFrom.slice(0, SETTLED_SPINS)) {
    if (ledger.found || ledger.stopReason()) break
    tried.push(...(await settle(ledger, run, true, false)))
  }
  return tried
}

/**
 * Of `runs`, the fittest whose busiest shared word is right (or that has
 * none) while a hart's state is not (`end`), and the fittest whose hart
 * state differs (`off`).
 */
function endRuns(runs: readonly Evaluation[]): {end?: Evaluation; off?: Evaluation} {
  let end: Evaluation | undefined
  let off: Evaluation | undefined
  for (const run of runs) {
    if (run.found || !run.hartDelta) continue
    if ((run.sharedDelta === undefined || run.sharedElsewhere) && (!end || run.fitness > end.fitness)) end = run
    if (!off || run.fitness > off.fitness) off = run
  }
  return {...(end ? {end} : {}), ...(off ? {off} : {})}
}

/** The rounds again from each of `runs` in turn, until one finds the target or the search must stop. */
async function settleAgain(ledger: Ledger, runs: readonly Evaluation[]): Promise<SplitTried[]> {
  const tried: SplitTried[] = []
  for (const run of runs) {
    if (ledger.found || ledger.stopReason()) break
    tried.push(...(await settle(ledger, run, false)))
  }
  return tried
}

/**
 * The elastic end search from `end`, and the rounds again from its run
 * nearest in the busiest shared word, among those that leave every hart right
 * if any do: a cut that reached back into the harts' work can bring every
 * hart right and leave a shared word off by the updates that work lost
 * before; or leave a hart a word off that follows from it (race's hart 0,
 * holding the console lock to print the counter with the digits of another
 * number).
 */
async function elasticEndAgain(ledger: Ledger, end: Evaluation): Promise<SplitTried[]> {
  const ended = await searchElasticEnd(ledger, end, ledger.settings.ga.elasticEndSteps)
  const tried = [...ended]
  let nearest: Evaluation | undefined
  // Every hart right before a hart a word off, then nearer in the busiest word.
  const nearer = (run: Evaluation, than: Evaluation): boolean =>
    !run.hartDelta !== !than.hartDelta ? !run.hartDelta : Math.abs(run.sharedDelta!) < Math.abs(than.sharedDelta!)
  for (const {evaluation: run} of ended) {
    if (run.found || run.sharedDelta === undefined || run.sharedElsewhere) continue
    if (!nearest || nearer(run, nearest)) nearest = run
  }
  if (nearest && !ledger.found) tried.push(...(await settle(ledger, nearest, false)))
  return tried
}

/** The fittest evaluation of `runs`, `than` unless one is fitter. */
export function fittest(runs: readonly SplitTried[], than: Evaluation): Evaluation {
  let best = than
  for (const run of runs) if (run.evaluation.fitness > best.fitness) best = run.evaluation
  return best
}
