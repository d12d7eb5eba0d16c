// Every parameter of the search, with the defaults a user gets when they set
// nothing. Validation lives here so that a bad value from the command line
// or a config file becomes one clear error before any work starts.

import {ReseerError, EXIT_USAGE} from '../cli/errors.js'
import {checkSeed} from './prng.js'

export const STRATEGIES = ['ga', 'random', 'exhaustive'] as const
export type Strategy = (typeof STRATEGIES)[number]

export const CROSSOVERS = ['one-point', 'two-point', 'uniform'] as const
export type Crossover = (typeof CROSSOVERS)[number]

export interface GaSettings {
  populationSize: number
  /** The best this many individuals pass unchanged into the next generation. */
  eliteCount: number
  tournamentSize: number
  crossover: Crossover
  /** Probability that a child is a crossover of two parents rather than a copy of one. */
  crossoverRate: number
  /** Per-bit flip probability; undefined means 1 / (the parent's length), about one flip per child. */
  mutationRate?: number
  /**
   * Per-child probability of moving one switch between harts by one decision
   * point (swapping two neighbouring different bits): the small step a
   * schedule takes that a bit flip, which adds or removes a switch, is not.
   */
  shiftRate: number
  /** Generations without a better best after which all but the elites are replaced (0: never). */
  stallGenerations: number
  /** Share of the first population seeded with schedules that follow the recording's pace. */
  paceFraction: number
  /** Slack values (shares of the interval's time, see pace.ts) for the pace seeds, used in turn. */
  paceSlacks: readonly number[]
  /** Skews (shares of the interval's time by which hart h is read late, times h) of further pace seeds at slack 0. */
  paceSkews: readonly number[]
  /** Slacks of the elastic seeds, run before the pace seeds (see IntervalRunner.elasticPath); 1 lets a hart run until it spins. */
  elasticSlacks: readonly number[]
  /**
   * Slacks of loose elastic seeds, run after the others: a hart stops at its
   * target's pc with one register off (ElasticTail.loose); the split share
   * and the searches after it settle that register's shared word.
   */
  looseElasticSlacks: readonly number[]
  /**
   * Slacks of charged elastic seeds, loose ones run after those: a second
   * elastic pass puts each hart, as it leaves the wait the first pass gave its
   * leftover turns to, that much later in the recording's time
   * (ElasticTail.charge), so that the others do what they did while it spun.
   */
  chargedElasticSlacks: readonly number[]
  /**
   * Runs at most spent on the split share of the best elastic seed, when the
   * two ends of the share leave a shared word on either side of its target
   * (see split-search.ts); 0 turns that off.
   */
  splitSteps: number
  /** Runs at most spent settling the shared word between the split share's nearest miss and its zero end (see searchCut). */
  cutSteps: number
  /**
   * Runs at most spent, each time, bringing a near miss's shared word onto its
   * target by swapping accesses at hand-overs (see swap-search.ts): after the
   * cut search, and on the best individual when the GA stalls; 0 turns it off.
   */
  swapSteps: number
  /**
   * Runs at most spent, each time, bringing a shared word that the swaps left
   * off onto its target by sliding a hart's accesses across another's short
   * turns (see slide-search.ts); 0 turns it off.
   */
  slideSteps: number
  /** Runs at most spent, each time, bringing a near miss's differing hart word onto its target by deferring another hart's last accesses (see defer-search.ts); 0 turns it off. */
  deferSteps: number
  /** Runs at most spent, at each stall of the GA, moving the best individual's last yields (see end-search.ts); 0 turns it off. */
  endSteps: number
  /**
   * Runs at most spent, each time, on the elastic end search (see
   * end-search.ts): a near miss whose busiest shared word is right and a
   * hart's state is not, its end run again as an elastic pass from cuts further and
   * further back; 0 turns it off.
   */
  elasticEndSteps: number
  /**
   * Runs at most spent, each time, on the wait search (see wait-search.ts):
   * a near miss whose hart's work ends elsewhere, its longest turns (a spin
   * in a wait) made shorter or longer until the hart's word is right; 0
   * turns it off.
   */
  waitSteps: number
  /**
   * Runs at most spent, each time, on the spin search (see spin-search.ts):
   * a near miss whose hart ends a few instructions off, turns traded between
   * the spin loops it waited in; 0 turns it off.
   */
  spinSteps: number
  /** Probability that a child of a pace-following parent is that parent changed at one point and paced after it (see ga.ts). */
  paceChildRate: number
}

export interface SearchSettings {
  strategy: Strategy
  seed: number
  /** Stop after this many evaluated runs (checked between batches). */
  maxEvaluations: number
  /** Stop after this many generations (GA) or batches (random, exhaustive). */
  maxGenerations: number
  /** Stop after this many milliseconds of `clock` time, checked between generations and between pieces of one (Ledger.evaluateUntilStop). */
  timeLimitMs?: number
  /**
   * Milliseconds from any fixed origin. The search core reads no wall clock of
   * its own: a time limit needs a clock from the caller.
   */
  clock?: () => number
  /** Candidates per batch for random search and exhaustive enumeration. */
  batchSize: number
  /** Distinct paths whose results are remembered so that a repeat costs nothing. */
  memoEntries: number
  ga: GaSettings
}

export const DEFAULT_GA: GaSettings = {
  populationSize: 48,
  eliteCount: 2,
  tournamentSize: 3,
  crossover: 'two-point',
  crossoverRate: 0.8,
  mutationRate: undefined,
  shiftRate: 0.5,
  stallGenerations: 20,
  paceFraction: 0.25,
  paceSlacks: [0, 1e-5, 1e-4, 0.001, 0.01, 0.1, 1, 3e-5, 3e-4, 0.003, 0.03, 0.3],
  paceSkews: [0.003, -0.003, 0.01, -0.01, 0.03, -0.03],
  elasticSlacks: [0.001, 1, 0, 0.01, 1e-4, 0.1],
  looseElasticSlacks: [0, 0.001],
  chargedElasticSlacks: [0, 0.001],
  paceChildRate: 0.7,
  splitSteps: 12,
  cutSteps: 160,
  swapSteps: 48,
  slideSteps: 48,
  endSteps: 32,
  elasticEndSteps: 64,
  waitSteps: 32,
  spinSteps: 16,
  deferSteps: 48,
}

export const DEFAULT_SETTINGS: SearchSettings = {
  strategy: 'ga',
  seed: 1,
  maxEvaluations: 100_000,
  maxGenerations: 2000,
  timeLimitMs: undefined,
  clock: undefined,
  batchSize: 48,
  memoEntries: 200_000,
  ga: DEFAULT_GA,
}

export type SearchSettingsInput = Partial<Omit<SearchSettings, 'ga'>> & {ga?: Partial<GaSettings>}

/** Defaults filled in and every value checked; throws ReseerError naming the bad setting. */
export function resolveSettings(input: SearchSettingsInput = {}): SearchSettings {
  const ga: GaSettings = {...DEFAULT_GA, ...dropUndefined(input.ga ?? {})}
  if (input.ga && 'mutationRate' in input.ga) ga.mutationRate = input.ga.mutationRate
  const settings: SearchSettings = {...DEFAULT_SETTINGS, ...dropUndefined({...input, ga: undefined}), ga}
  if (input.timeLimitMs !== undefined) settings.timeLimitMs = input.timeLimitMs
  if (input.clock !== undefined) settings.clock = input.clock

  if (!STRATEGIES.includes(settings.strategy)) bad('strategy', settings.strategy, `one of ${STRATEGIES.join(', ')}`)
  try {
    checkSeed(settings.seed)
  } catch (error) {
    throw new ReseerError((error as Error).message, {code: 'EBADSETTING', exitCode: EXIT_USAGE})
  }
  whole('maxEvaluations', settings.maxEvaluations, 1)
  whole('maxGenerations', settings.maxGenerations, 1)
  whole('batchSize', settings.batchSize, 1)
  whole('memoEntries', settings.memoEntries, 0)
  if (settings.timeLimitMs !== undefined) {
    if (!(settings.timeLimitMs > 0)) bad('timeLimitMs', settings.timeLimitMs, 'a positive number of milliseconds')
    if (!settings.clock) bad('timeLimitMs', settings.timeLimitMs, 'given together with a clock')
  }
  whole('ga.populationSize', ga.populationSize, 2)
  whole('ga.eliteCount', ga.eliteCount, 0)
  if (ga.eliteCount >= ga.populationSize) bad('ga.eliteCount', ga.eliteCount, `less than the population size ${ga.populationSize}`)
  whole('ga.tournamentSize', ga.tournamentSize, 1)
  if (!CROSSOVERS.includes(ga.crossover)) bad('ga.crossover', ga.crossover, `one of ${CROSSOVERS.join(', ')}`)
  probability('ga.crossoverRate', ga.crossoverRate)
  if (ga.mutationRate !== undefined) probability('ga.mutationRate', ga.mutationRate)
  probability('ga.shiftRate', ga.shiftRate)
  whole('ga.stallGenerations', ga.stallGenerations, 0)
  probability('ga.paceFraction', ga.paceFraction)
  probability('ga.paceChildRate', ga.paceChildRate)
  whole('ga.splitSteps', ga.splitSteps, 0)
  whole('ga.cutSteps', ga.cutSteps, 0)
  whole('ga.swapSteps', ga.swapSteps, 0)
  whole('ga.slideSteps', ga.slideSteps, 0)
  whole('ga.endSteps', ga.endSteps, 0)
  whole('ga.deferSteps', ga.deferSteps, 0)
  whole('ga.elasticEndSteps', ga.elasticEndSteps, 0)
  whole('ga.waitSteps', ga.waitSteps, 0)
  whole('ga.spinSteps', ga.spinSteps, 0)
  if (!Array.isArray(ga.paceSkews) || ga.paceSkews.some(s => !Number.isFinite(s))) bad('ga.paceSkews', ga.paceSkews, 'a list of numbers')
  for (const [name, slacks] of [['ga.elasticSlacks', ga.elasticSlacks], ['ga.looseElasticSlacks', ga.looseElasticSlacks], ['ga.chargedElasticSlacks', ga.chargedElasticSlacks]] as const) {
    if (!Array.isArray(slacks) || slacks.some(s => !(s >= 0) || !Number.isFinite(s))) bad(name, slacks, 'a list of non-negative numbers')
  }
  if (!Array.isArray(ga.paceSlacks) || ga.paceSlacks.length === 0 || ga.paceSlacks.some(s => !(s >= 0) || !Number.isFinite(s))) {
    bad('ga.paceSlacks', ga.paceSlacks, 'a non-empty list of non-negative numbers')
  }
  return settings
}

function dropUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>
}

function whole(name: string, value: number, min: number): void {
  if (!Number.isSafeInteger(value) || value < min) bad(name, value, `a whole number of at least ${min}`)
}

function probability(name: string, value: number): void {
  if (typeof value !== 'number' || !(value >= 0 && value <= 1)) bad(name, value, 'a probability between 0 and 1')
}

function bad(name: string, value: unknown, expected: string): never {
  throw new ReseerError(`search setting ${name} is ${JSON.stringify(value)}, expected ${expected}`, {
    code: 'EBADSETTING',
    exitCode: EXIT_USAGE,
  })
}
