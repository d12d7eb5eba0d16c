// The genetic algorithm of the method: a population of paths, tournament
// selection, crossover, bit-flip mutation and elitism, until a run reaches the
// target checkpoint exactly or a budget runs out.
//
// Every individual is stored as the path its run actually took (see
// Evaluation.taken): a path grows to the number of decision points its run
// reached and loses bits its run never used, so lengths follow the problem
// rather than a guess made up front.

import type {Candidate, Evaluation} from './evaluator.js'
import type {Ledger, SearchResult} from './ledger.js'
import {crossover, mutate, randomPath, shift} from './operators.js'
import type {Path} from './path.js'
import {SeededRandom} from './prng.js'

interface Individual {
  path: Path
  fitness: number
}

export async function geneticSearch(ledger: Ledger): Promise<SearchResult> {
  const {settings} = ledger
  const ga = settings.ga
  const random = new SeededRandom(settings.seed)

  let population = await firstPopulation(ledger, random)
  ledger.endGeneration('ga')
  let bestFitness = population[0].fitness
  let stalled = 0
  for (;;) {
    const stop = ledger.stopReason()
    if (stop) return ledger.result('ga', stop)
    if (population.every(individual => individual.path.length === 0)) {
      // No run reached a decision point: there is only one schedule and it is not the target.
      return ledger.result('ga', 'exhausted')
    }

    const elites = population.slice(0, ga.eliteCount)
    const children: Path[] = []
    if (ga.stallGenerations > 0 && stalled >= ga.stallGenerations) {
      // Stuck on a near miss: keep the elites, and replace the rest with
      // heavier mutations of the best (from 8 to 64 flips; on short paths
      // that is a fresh random schedule).
      stalled = 0
      const best = population[0].path
      const length = Math.max(1, best.length)
      while (children.length + elites.length < ga.populationSize) {
        children.push(mutate(best, Math.min(0.5, (8 + random.int(57)) / length), random))
      }
    } else {
      while (children.length + elites.length < ga.populationSize) {
        const first = tournament(population, ga.tournamentSize, random)
        const second = tournament(population, ga.tournamentSize, random)
        let child = random.chance(ga.crossoverRate) ? crossover(ga.crossover, first.path, second.path, random) : first.path
        child = mutate(child, ga.mutationRate ?? 1 / Math.max(child.length, 1), random)
        if (random.chance(ga.shiftRate)) child = shift(child, random)
        children.push(child)
      }
    }
    const results = await ledger.evaluate(children.map(path => ({path})))
    population = rank([...elites, ...results.map(toIndividual)])
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
 * Pace-following schedules first, at several slacks, because the recording's
 * own pace (see pace.ts) is the best guess of the interleaving it had. They
 * run a few at a time, as many as the evaluator runs at once, and the search
 * stops at the first that reaches the target. The rest of the population are
 * the pace runs' paths with a few decisions flipped: a path of a real
 * interval has millions of decision points, and a random one would switch
 * harts at every other access, which no recording ever did.
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
  const paced: Evaluation[] = []
  for (let i = 0; i < seeds.length && !ledger.found; i += ledger.concurrency) {
    paced.push(...(await ledger.evaluate(seeds.slice(i, i + ledger.concurrency))))
  }
  const ranked = rank(paced.map(toIndividual))
  const others: Candidate[] = []
  if (!ledger.found) {
    for (let i = paceCount; i < ga.populationSize; i++) {
      const parent = ranked[(i - paceCount) % ranked.length].path
      const flips = 1 + random.int(8)
      others.push({path: parent.length === 0 ? randomPath(0, 0.5, random) : mutate(parent, flips / parent.length, random)})
    }
  }
  const rest = others.length > 0 ? await ledger.evaluate(others) : []
  return rank([...ranked, ...rest.map(toIndividual)])
}

function toIndividual(evaluation: Evaluation): Individual {
  return {path: evaluation.taken, fitness: evaluation.fitness}
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
