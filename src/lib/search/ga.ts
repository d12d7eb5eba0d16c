// The genetic algorithm of the method: a population of paths, tournament
// selection, crossover, bit-flip mutation and elitism, until a run reaches the
// target checkpoint exactly or a budget runs out.
//
// Every individual is stored as the path its run actually took (see
// Evaluation.taken): a path grows to the number of decision points its run
// reached and loses bits its run never used, so lengths follow the problem
// rather than a guess made up front.

import type {Candidate, ElasticTail, Evaluation, PaceTail} from './evaluator.js'
import type {Ledger, SearchResult} from './ledger.js'
import {crossover, mutate, randomPath, shift} from './operators.js'
import type {Path} from './path.js'
import {SeededRandom} from './prng.js'
import type {GaSettings} from './settings.js'
import {searchCut, searchSplit, type SplitTried} from './split-search.js'
import {searchEnd} from './end-search.js'
import {fewOff} from './spin-search.js'
import {fittest, settle, settleSpins} from './settle.js'
import {nearestMiss} from './swap-search.js'

interface Individual {
  path: Path
  fitness: number
  /** The run's own evaluation: what the settle and end searches start from at a stall. */
  evaluation: Evaluation
  /** The tail of the seed it descends from (a pace or an elastic run); its children follow it after their changed decisions. */
  tail?: PaceTail | ElasticTail
}

export async function geneticSearch(ledger: Ledger): Promise<SearchResult> {
  const {settings} = ledger
  const ga = settings.ga
  const random = new SeededRandom(settings.seed)

  let population = await firstPopulation(ledger, random)
  ledger.endGeneration('ga')
  let bestFitness = population[0].fitness
  let stalled = 0
  // The runs the settle and end searches started from, by path: a stall on the same best does not repeat them.
  const settledFrom = new Set<Path>()
  const endedFrom = new Set<Path>()
  const spunFrom = new Set<Path>()
  for (;;) {
    const stop = ledger.stopReason()
    if (stop) return ledger.result('ga', stop)
    if (population.every(individual => individual.path.length === 0)) {
      // No run reached a decision point: there is only one schedule and it is not the target.
      return ledger.result('ga', 'exhausted')
    }
    // From the best run of all too: the settling searches' runs stay out of the population.
    for (const from of new Set([ledger.best ?? population[0].evaluation, population[0].evaluation])) {
      const spun = ledger.found ? undefined : await spinFromBest(ledger, from, population[0], spunFrom)
      if (spun) population = rank([...population.slice(0, -1), spun])
    }
    if (ledger.found) continue

    const elites = population.slice(0, ga.eliteCount)
    const children: Candidate[] = []
    if (ga.stallGenerations > 0 && stalled >= ga.stallGenerations) {
      // Stuck on a near miss: keep the elites, and replace the rest with
      // heavier mutations of the best: pace children with 2 to 16 flips near
      // one point, and paths with 8 to 64 flips (on short paths that is a
      // fresh random schedule).
      stalled = 0
      const settled = await settleFrom(ledger, population[0], settledFrom)
      if (settled) population = rank([...population.slice(0, -1), settled])
      if (ledger.found) continue
      const ended = await endFromBest(ledger, population[0], endedFrom)
      if (ended) population = rank([...population.slice(0, -1), ended])
      if (ledger.found) continue
      // The nearest miss by its words, where that is not the best: a few updates off in every word.
      const near = ledger.nearest && toIndividual(ledger.nearest, {path: ledger.nearest.taken})
      const settledNear = near && near.evaluation !== population[0].evaluation ? await settleFrom(ledger, near, settledFrom) : undefined
      if (settledNear) population = rank([...population.slice(0, -1), settledNear])
      if (ledger.found) continue
      const best = population[0].path
      const length = Math.max(1, best.length)
      while (children.length + elites.length < ga.populationSize) {
        children.push(
          population[0].tail !== undefined && children.length % 2 === 0
            ? paceChild(population[0], 2 + random.int(15), random)
            : {path: mutate(best, Math.min(0.5, (8 + random.int(57)) / length), random)},
        )
      }
    } else {
      while (children.length + elites.length < ga.populationSize) {
        const first = tournament(population, ga.tournamentSize, random)
        if (first.tail !== undefined && first.path.length > 0 && random.chance(ga.paceChildRate)) {
          children.push(paceChild(first, 1, random))
          continue
        }
        const second = tournament(population, ga.tournamentSize, random)
        let child = random.chance(ga.crossoverRate) ? crossover(ga.crossover, first.path, second.path, random) : first.path
        child = mutate(child, ga.mutationRate ?? 1 / Math.max(child.length, 1), random)
        if (random.chance(ga.shiftRate)) child = shift(child, random)
        children.push({path: child})
      }
    }
    // A shorter result means the clock ran out: the ranked part stands, and the loop's next check ends the search.
    const results = await ledger.evaluateUntilStop(children)
    population = rank([...elites, ...results.map((evaluation, i) => toIndividual(evaluation, children[i]))])
    if (population[0].fitness > bestFitness) {
      bestFitness = population[0].fitness
      stalled = 0
    } else {
      stalled++
    }
    ledger.endGeneration('ga')
  }
}

/**
 * Elastic runs first (IntervalRunner.elasticPath), then pace-following
 * schedules at several slacks, because the recording's own pace (see pace.ts)
 * is the best guess of the interleaving it had, then the skewed pace seeds.
 * They run a few at a time, as many as the evaluator runs at once, and the
 * search stops at the first that reaches the target.
 * The rest of the population are pace children of those runs (paceChild): a
 * path of a real interval has millions of decision points, and a random one
 * would switch harts at every other access, which no recording ever did.
 */
async function firstPopulation(ledger: Ledger, random: SeededRandom): Promise<Individual[]> {
  const ga = ledger.settings.ga
  const paceCount = Math.min(ga.populationSize, Math.max(1, Math.round(ga.paceFraction * ga.populationSize)))
  const seeds: Candidate[] = []
  for (let i = 0; i < paceCount; i++) {
    const slack = ga.paceSlacks[i % ga.paceSlacks.length]
    const round = Math.floor(i / ga.paceSlacks.length)
    // Beyond one pass over the slacks, start later pace runs with a few random
    // decisions so that they differ from the first pass.
    seeds.push({path: round === 0 ? new Uint8Array(0) : randomPath(round, 0.5, random), tail: {kind: 'pace', slack}})
  }
  // Then the same pace with one hart's marks read a little early or late: marks
  // a millisecond apart place a hart only roughly, and the end of an interval
  // (which round of a token passing each hart stands in) depends on it.
  for (const skew of ga.paceSkews) {
    if (seeds.length < ga.populationSize) seeds.push({path: new Uint8Array(0), tail: {kind: 'pace', slack: 0, skew}})
  }
  // Elastic runs go in front (added last, so that they do not count against the room the skewed seeds have).
  const elastic = [
    ...ga.elasticSlacks.map((slack): Candidate => ({path: new Uint8Array(0), tail: {kind: 'elastic', slack}})),
    ...ga.looseElasticSlacks.map((slack): Candidate => ({path: new Uint8Array(0), tail: {kind: 'elastic', slack, loose: 1}})),
    ...ga.chargedElasticSlacks.map((slack): Candidate => ({path: new Uint8Array(0), tail: {kind: 'elastic', slack, loose: 1, charge: true}})),
  ]
  seeds.unshift(...elastic)
  const paced: Evaluation[] = []
  // Only the clock stops the seeds early: a count checked between batches of the evaluator's size would make the
  // result depend on the number of workers.
  for (let i = 0; i < seeds.length && !ledger.found && ledger.stopReason() !== 'time'; i += ledger.concurrency) {
    paced.push(...(await ledger.evaluate(seeds.slice(i, i + ledger.concurrency))))
    // The elastic seeds are in: before the pace seeds, the shared word they missed (see split-search.ts).
    if (i + ledger.concurrency >= elastic.length && i < elastic.length && !ledger.found) {
      // Its runs stay out of the population: a find ends the search, and the near misses, at split shares between
      // the ends, took over the GA's population and stalled it (bench/search.js: race found 3 of 5, not 5 of 5).
      await settleSharedWord(ledger, elastic.map((candidate, j) => ({candidate, evaluation: paced[j]})), ga)
    }
  }
  const ranked = rank(paced.map((evaluation, i) => toIndividual(evaluation, seeds[i])))
  const others: Candidate[] = []
  if (!ledger.found) {
    for (let i = seeds.length; i < ga.populationSize; i++) {
      others.push(paceChild(ranked[(i - seeds.length) % ranked.length], 1, random))
    }
  }
  const rest = others.length > 0 ? await ledger.evaluateUntilStop(others) : []
  return rank([...ranked, ...rest.map((evaluation, i) => toIndividual(evaluation, others[i]))])
}

/**
 * The split share of the elastic seed with the finest interleaving (the least
 * slack: it splits the most accesses, each losing the fewest updates), then
 * the cut search between the share's zero end and the nearest miss on the
 * other side of the target, then the settle loop from the nearest miss of
 * those runs. When that does not reach the target, the same from each loose
 * elastic seed not yet tried, least slack first: a loose stop can come at
 * another turn of a loop in one seed and not in the next. A run that reaches
 * the target ends the search (Ledger.found).
 */
async function settleSharedWord(ledger: Ledger, elastic: SplitTried[], ga: GaSettings): Promise<void> {
  const tailOf = (run: SplitTried): ElasticTail => run.candidate.tail as ElasticTail
  const finer = (run: SplitTried, than: SplitTried): boolean =>
    tailOf(run).slack < tailOf(than).slack || (tailOf(run).slack === tailOf(than).slack && run.evaluation.fitness > than.evaluation.fitness)
  const seeds = elastic.filter(run => run.evaluation.sharedDelta !== undefined)
  let first: SplitTried | undefined
  for (const run of seeds) if (!first || finer(run, first)) first = run
  if (!first) return
  const loose = seeds.filter(run => run !== first && tailOf(run).loose).sort((a, b) => (finer(a, b) ? -1 : finer(b, a) ? 1 : 0))
  for (const seed of [first, ...loose]) {
    if (ledger.found || ledger.stopReason()) return
    await settleSeed(ledger, seed, ga)
  }
}

/** The split share, the cut search and the settle loop from one elastic seed (see settleSharedWord). */
async function settleSeed(ledger: Ledger, seed: SplitTried, ga: GaSettings): Promise<void> {
  const split = await searchSplit(ledger, seed, ga.splitSteps)
  const under = split.find(run => (run.candidate.tail as ElasticTail).split === 0)
  const sign = Math.sign(under?.evaluation.sharedDelta ?? 0)
  const over = [seed, ...split]
    .filter(run => !run.evaluation.found && run.evaluation.sharedDelta !== undefined && Math.sign(run.evaluation.sharedDelta) === -sign)
    .sort((a, b) => Math.abs(a.evaluation.sharedDelta!) - Math.abs(b.evaluation.sharedDelta!))[0]
  const cut = under && over && !ledger.found && sign !== 0 ? await searchCut(ledger, over, under, ga.cutSteps) : []
  // The nearest miss of the seed's runs (another seed's may be near in the word and far in all else), brought onto
  // the target one update at a time (see swap-search.ts), and its harts into step (defer-search.ts).
  const nearest = nearestMiss([seed, ...split, ...cut].map(run => run.evaluation))
  if (nearest && !ledger.found) await settle(ledger, nearest)
}

/**
 * On a stall, the end search from the best individual, once per path: a near
 * miss whose last hand-overs came a decision or two off. Its fittest run joins
 * the population (in place of the worst) when it is fitter than the best.
 */
async function endFromBest(ledger: Ledger, best: Individual, endedFrom: Set<Path>): Promise<Individual | undefined> {
  const steps = ledger.settings.ga.endSteps
  if (steps === 0 || endedFrom.has(best.evaluation.taken)) return undefined
  endedFrom.add(best.evaluation.taken)
  return fittestIfBetter(await searchEnd(ledger, best.evaluation, steps), best)
}

/** The fittest of `tried` as an individual, if it is fitter than `best`. */
function fittestIfBetter(tried: readonly SplitTried[], best: Individual): Individual | undefined {
  const fitter = fittest(tried, best.evaluation)
  return fitter === best.evaluation ? undefined : toIndividual(fitter, {path: fitter.taken})
}

/**
 * The spin search (and settling from its nearer runs) from a run (a new
 * best) whose shared words are all right while a hart ends a few
 * instructions off (see fewOff), once
 * per path: a hart a few instructions off in its loop is a near miss the
 * GA's flips do not mend, and waiting for a stall could take the whole time
 * limit. Its fittest run joins the population (in place of the worst) when
 * it is fitter than the population's best.
 */
async function spinFromBest(ledger: Ledger, run: Evaluation, best: Individual, spunFrom: Set<Path>): Promise<Individual | undefined> {
  if (ledger.settings.ga.spinSteps === 0 || fewOff(run).length === 0 || run.sharedDelta !== undefined || spunFrom.has(run.taken)) return undefined
  spunFrom.add(run.taken)
  return fittestIfBetter(await settleSpins(ledger, run), best)
}

/**
 * On a stall, the swap and defer searches from an individual (the best, or
 * the nearest miss by its words), once per path: the GA's own near misses
 * are often a few updates off, which no flip or shift among a million
 * decisions finds. Its fittest run joins the population (in place of the
 * worst) when it is fitter than the individual it started from.
 */
async function settleFrom(ledger: Ledger, from: Individual, settledFrom: Set<Path>): Promise<Individual | undefined> {
  if (settledFrom.has(from.evaluation.taken)) return undefined
  settledFrom.add(from.evaluation.taken)
  return fittestIfBetter(await settle(ledger, from.evaluation), from)
}

function toIndividual(evaluation: Evaluation, candidate: Candidate): Individual {
  const tail = candidate.tail?.kind === 'pace' || candidate.tail?.kind === 'elastic' ? candidate.tail : undefined
  // An elastic individual keeps the pass's own decisions: its children take a prefix of them with the same tail.
  const path = tail?.kind === 'elastic' && evaluation.elasticDecisions ? evaluation.elasticDecisions : evaluation.taken
  return {path, fitness: evaluation.fitness, evaluation, ...(tail ? {tail} : {})}
}

/**
 * A local change to a run that followed the recording's pace: the parent's
 * decisions up to a random point, one of them flipped there (and `flips - 1`
 * more among the 64 before it), then the pace again. A hart yields a little
 * early or runs a little long at that point and the schedule re-syncs after
 * it, so the child differs from its parent in the timing around one spot
 * (how long a hart spun there, say) rather than in everything after it, as
 * flipping a bit of a path whose later bits other harts then consume would.
 */
function paceChild(parent: Individual, flips: number, random: SeededRandom): Candidate {
  const tail: PaceTail | ElasticTail = parent.tail ?? {kind: 'pace', slack: 0}
  const length = parent.path.length
  if (length === 0) return {path: new Uint8Array(0), tail}
  const cut = random.int(length)
  const path = parent.path.slice(0, cut + 1)
  path[cut] ^= 1
  for (let f = 1; f < flips; f++) path[cut - random.int(Math.min(cut + 1, 64))] ^= 1
  return {path, tail}
}

/** Best first; ties keep their order, so ranking never depends on anything but the inputs. */
function rank(individuals: Individual[]): Individual[] {
  return individuals
    .map((individual, order) => ({individual, order}))
    .sort((a, b) => b.individual.fitness - a.individual.fitness || a.order - b.order)
    .map(entry => entry.individual)
}

/** The best of `size` individuals drawn at random; the population is ranked, so the lowest index wins. */
function tournament(population: Individual[], size: number, random: SeededRandom): Individual {
  let winner = random.int(population.length)
  for (let i = 1; i < size; i++) winner = Math.min(winner, random.int(population.length))
  return population[winner]
}
