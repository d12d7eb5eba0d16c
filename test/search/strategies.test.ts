import t from 'tap'
import type {Candidate} from '../../src/lib/search/evaluator.js'
import {LocalEvaluator} from '../../src/lib/search/local-evaluator.js'
import {pathFromString, pathToString} from '../../src/lib/search/path.js'
import {searchInterval} from '../../src/lib/search/search.js'
import {SeededRandom} from '../../src/lib/search/prng.js'
import {raceInterval} from './toy-machine.js'

function secretPath(length: number, seed: number): Uint8Array {
  const random = new SeededRandom(seed)
  return Uint8Array.from({length}, () => (random.chance(0.3) ? 0 : 1))
}

t.test('the GA finds an interleaving that reaches the target exactly', async t => {
  const {runner} = raceInterval(8, secretPath(32, 7), {snapshotSpacing: 0})
  const result = await searchInterval(new LocalEvaluator(runner), {seed: 11, maxEvaluations: 20_000})
  t.equal(result.found, true, `best ${result.best.fitness}: ${result.best.firstDifference}`)
  t.equal(result.stoppedBy, 'found')
  t.equal(result.best.fitness, 1)
  t.equal(runner.evaluate({path: result.path}).fitness, 1, 'the reported path replays to the target')
  t.ok(result.evaluations > 0 && result.generations > 0)
})

t.test('the same seed gives the same search, another seed may not', async t => {
  const runs = []
  for (const seed of [5, 5, 6]) {
    const {runner} = raceInterval(8, secretPath(32, 3), {snapshotSpacing: 0})
    runs.push(await searchInterval(new LocalEvaluator(runner), {seed, maxEvaluations: 20_000}))
  }
  t.equal(pathToString(runs[0].path), pathToString(runs[1].path))
  t.equal(runs[0].evaluations, runs[1].evaluations)
  t.equal(runs[0].generations, runs[1].generations)
  t.equal(runs[2].seed, 6)
})

t.test('the snapshot cache does not change what the search finds', async t => {
  const results = []
  for (const cacheBytes of [0, 1 << 22]) {
    const {runner} = raceInterval(6, secretPath(24, 9), {cacheBytes, snapshotSpacing: 0})
    results.push(await searchInterval(new LocalEvaluator(runner), {seed: 2, maxEvaluations: 5000}))
  }
  t.same(results[0], results[1])
})

t.test('random search and exhaustive enumeration find small intervals too', async t => {
  for (const strategy of ['random', 'exhaustive'] as const) {
    const {runner} = raceInterval(3, secretPath(12, 4))
    const result = await searchInterval(new LocalEvaluator(runner), {strategy, seed: 3, maxEvaluations: 50_000})
    t.equal(result.found, true, strategy)
    t.equal(result.strategy, strategy)
    t.equal(runner.evaluate({path: result.path}).fitness, 1, `${strategy}: the path replays to the target`)
  }
})

t.test('exhaustive enumeration runs every distinct interleaving once, then stops', async t => {
  const {runner} = raceInterval(2, pathFromString('0101'), {damage: true})
  const seen = new Set<string>()
  const original = runner.evaluate.bind(runner)
  const counting = {
    async evaluate(batch: Parameters<LocalEvaluator['evaluate']>[0]) {
      return batch.map(candidate => {
        const evaluation = original(candidate)
        seen.add(pathToString(evaluation.taken))
        return evaluation
      })
    },
  }
  const result = await searchInterval(counting, {strategy: 'exhaustive', batchSize: 5})
  t.equal(result.found, false)
  t.equal(result.stoppedBy, 'exhausted')
  t.equal(result.evaluations, seen.size, 'no run repeated')
  // Two harts with two shared accesses per round each: the runs are the
  // interleavings of the decision points, far fewer than 2^decisions.
  t.ok(seen.size > 10, `${seen.size} runs`)
})

t.test('a damaged target is never reported found, and the damaged byte is named', async t => {
  for (const strategy of ['ga', 'random', 'exhaustive'] as const) {
    const {runner, secretTaken} = raceInterval(3, secretPath(12, 8), {damage: true})
    const result = await searchInterval(new LocalEvaluator(runner), {strategy, seed: 1, maxEvaluations: 3000, maxGenerations: 40})
    t.equal(result.found, false, strategy)
    t.ok(result.best.fitness < 1, strategy)
    t.not(result.stoppedBy, 'found')
    const exact = runner.evaluate({path: secretTaken})
    t.equal(exact.found, false, 'even the recorded schedule does not pass')
    t.match(exact.firstDifference, /^page 0x80000000 byte \+0x1: 0x[0-9a-f]{2} != 0x[0-9a-f]{2}/)
  }
})

t.test('a stalled GA replaces its population and still never passes a damaged target', async t => {
  const {runner} = raceInterval(4, secretPath(16, 2), {damage: true})
  const progress: number[] = []
  const result = await searchInterval(new LocalEvaluator(runner), {seed: 3, maxGenerations: 30, ga: {stallGenerations: 2}}, p => progress.push(p.bestFitness))
  t.equal(result.found, false)
  t.equal(result.generations, 30)
  t.ok(progress.every((fitness, i) => i === 0 || fitness >= progress[i - 1]), 'elitism keeps the best through every restart')
})

t.test('budgets of generations, evaluations and injected time stop the search', async t => {
  const {runner} = raceInterval(4, secretPath(16, 2), {damage: true})
  const evaluator = new LocalEvaluator(runner)
  const byGenerations = await searchInterval(evaluator, {seed: 1, maxGenerations: 3})
  t.equal(byGenerations.stoppedBy, 'generations')
  t.equal(byGenerations.generations, 3)
  const byEvaluations = await searchInterval(evaluator, {seed: 1, maxEvaluations: 100})
  t.equal(byEvaluations.stoppedBy, 'evaluations')
  t.ok(byEvaluations.evaluations >= 100)
  let now = 1000
  const clock = () => (now += 7)
  const byTime = await searchInterval(evaluator, {seed: 1, timeLimitMs: 100, clock})
  t.equal(byTime.stoppedBy, 'time')
  const progress: number[] = []
  await searchInterval(evaluator, {seed: 1, maxGenerations: 4}, p => progress.push(p.generation))
  t.same(progress, [1, 2, 3, 4])
})

t.test('a time limit stops within a few runs of it, even in the middle of a generation', async t => {
  // A clock that moves 10 ms per run: as if each run of the interval took that long. A damaged target is never
  // found, so only the clock stops each strategy.
  const {runner} = raceInterval(4, secretPath(16, 2), {damage: true})
  for (const strategy of ['ga', 'random', 'exhaustive'] as const) {
    let now = 0
    let runs = 0
    const evaluator = {
      concurrency: 2,
      async evaluate(batch: readonly Candidate[]) {
        return batch.map(candidate => {
          runs++
          now += 10
          return runner.evaluate(candidate)
        })
      },
    }
    const result = await searchInterval(evaluator, {strategy, seed: 1, timeLimitMs: 150, clock: () => now, ga: {populationSize: 200}, batchSize: 200})
    t.equal(result.stoppedBy, 'time', strategy)
    // 15 runs reach the limit; a piece of 2 runs per worker can start just before it.
    t.ok(runs <= 15 + 4, `${strategy}: ${runs} runs for a limit of 15 runs' time (whole batches of 200 ran past it before)`)
  }
})

t.test('bad settings are refused with one clear error', async t => {
  const {runner} = raceInterval(1, new Uint8Array(0))
  const evaluator = new LocalEvaluator(runner)
  const cases: [object, RegExp][] = [
    [{strategy: 'annealing'}, /strategy is "annealing", expected one of ga, random, exhaustive/],
    [{seed: -1}, /seed -1 is not a whole number/],
    [{maxEvaluations: 0}, /maxEvaluations is 0/],
    [{timeLimitMs: 10}, /timeLimitMs is 10, expected given together with a clock/],
    [{ga: {populationSize: 4, eliteCount: 4}}, /ga.eliteCount is 4, expected less than the population size 4/],
    [{ga: {mutationRate: 2}}, /ga.mutationRate is 2, expected a probability/],
    [{ga: {crossover: 'three-point'}}, /ga.crossover/],
    [{ga: {paceSlacks: []}}, /ga.paceSlacks/],
    [{ga: {paceSkews: [Number.NaN]}}, /ga.paceSkews/],
    [{ga: {shiftRate: -0.1}}, /ga.shiftRate/],
    [{ga: {stallGenerations: 1.5}}, /ga.stallGenerations/],
    [{ga: {swapSteps: -1}}, /ga.swapSteps/],
    [{ga: {endSteps: 2.5}}, /ga.endSteps/],
    [{ga: {looseElasticSlacks: [0, -1]}}, /ga.looseElasticSlacks/],
    [{ga: {chargedElasticSlacks: [Number.POSITIVE_INFINITY]}}, /ga.chargedElasticSlacks/],
    [{ga: {slideSteps: -2}}, /ga.slideSteps/],
  ]
  for (const [settings, message] of cases) {
    await t.rejects(searchInterval(evaluator, settings as never), {name: 'ReseerError', code: 'EBADSETTING', message})
  }
})
