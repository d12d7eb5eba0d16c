// The search benchmark: for intervals of the bundled workloads, how many
// evaluations and how much time each strategy needs to find the interleaving,
// what a pool of two workers gains over one, and the search farm (1, 2 and 4
// worker processes through a real redis-server) against the local pool,
// bench/search-farm.js. Run after `npm run build`:
//   node bench/search.js [--quick]

import {availableParallelism} from 'node:os'
import {IntervalRunner} from '../dist/lib/search/interval.js'
import {LocalEvaluator} from '../dist/lib/search/local-evaluator.js'
import {PoolEvaluator} from '../dist/lib/search/pool.js'
import {SeededRandom} from '../dist/lib/search/prng.js'
import {searchInterval} from '../dist/lib/search/search.js'
import {buildInterval} from './search-intervals.js'

const quick = process.argv.includes('--quick')
const budgets = quick ? [200] : [200, 400, 800]
const secrets = quick ? [1, 2] : [1, 2, 3, 4, 5]
const cap = quick ? 5000 : 20000

function median(values) {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted.length === 0 ? NaN : sorted[Math.floor((sorted.length - 1) / 2)]
}

async function timed(evaluator, settings) {
  const started = performance.now()
  const result = await searchInterval(evaluator, settings)
  return {result, ms: performance.now() - started}
}

const rows = []
const paired = []
for (const workload of ['race', 'pingpong']) {
  for (const budget of budgets) {
    const stats = {ga: [], random: [], exhaustive: []}
    for (const secret of secrets) {
      const arg = {workload, budget, secret}
      const {machine, problem, decisions} = buildInterval(arg)
      const runner = new IntervalRunner(machine, problem)
      for (const strategy of ['ga', 'random', 'exhaustive']) {
        const {result, ms} = await timed(new LocalEvaluator(runner), {strategy, seed: secret, maxEvaluations: cap})
        stats[strategy].push({found: result.found, evaluations: result.evaluations, ms, decisions})
      }
    }
    // The evaluations each baseline needed against the GA's, on the intervals both found.
    for (const baseline of ['random', 'exhaustive']) {
      const both = secrets.map((_, i) => i).filter(i => stats.ga[i].found && stats[baseline][i].found)
      const ga = both.reduce((n, i) => n + stats.ga[i].evaluations, 0)
      const other = both.reduce((n, i) => n + stats[baseline][i].evaluations, 0)
      paired.push({workload, 'budget/hart': budget, baseline, 'found by both': `${both.length}/${secrets.length}`,
        'ga evals': both.length ? ga : '-', 'baseline evals': both.length ? other : '-', 'baseline/ga': both.length ? (other / ga).toFixed(1) + 'x' : '-'})
    }
    for (const strategy of ['ga', 'random', 'exhaustive']) {
      const runs = stats[strategy]
      const found = runs.filter(run => run.found)
      rows.push({
        workload,
        'budget/hart': budget,
        strategy,
        found: `${found.length}/${runs.length}`,
        'median evals': found.length ? median(found.map(run => run.evaluations)) : '-',
        'worst evals': found.length ? Math.max(...found.map(run => run.evaluations)) : '-',
        'median ms': found.length ? Math.round(median(found.map(run => run.ms))) : '-',
        'worst ms': found.length ? Math.round(Math.max(...found.map(run => run.ms))) : '-',
        'evals/s': Math.round(runs.reduce((n, run) => n + run.evaluations, 0) / (runs.reduce((n, run) => n + run.ms, 0) / 1000)),
        'decision points': median(runs.map(run => run.decisions)),
      })
    }
  }
}
console.log(`search benchmark, GA/random/exhaustive capped at ${cap} evaluations per interval`)
console.table(rows)
console.log('on the intervals both found: evaluations in all, the GA against each baseline')
console.table(paired)

// The pool: the same fixed batch of random paths with one and with two workers.
const arg = {workload: 'pingpong', budget: budgets.at(-1), secret: 1}
const source = {module: new URL('./search-intervals.js', import.meta.url).href, arg}
const random = new SeededRandom(9)
const batch = Array.from({length: quick ? 400 : 2000}, () => ({path: Uint8Array.from({length: 2 * budgets.at(-1)}, () => random.bit())}))
const speeds = []
for (const jobs of [1, Math.min(2, availableParallelism())]) {
  const pool = new PoolEvaluator({source, jobs})
  // Every worker loads the interval before the clock starts.
  await pool.evaluate(Array.from({length: 2 * jobs}, () => ({path: new Uint8Array(0)})))
  const started = performance.now()
  await pool.evaluate(batch)
  const ms = performance.now() - started
  await pool.close()
  speeds.push({jobs, evaluations: batch.length, ms: Math.round(ms), 'evals/s': Math.round(batch.length / (ms / 1000))})
}
console.log('worker pool, one batch of random paths over one pingpong interval')
console.table(speeds)
console.log(`speed-up of --jobs ${speeds[1].jobs} over --jobs 1: ${(speeds[0].ms / speeds[1].ms).toFixed(2)}x`)

// The search farm against the local pool, over a recording of its own.
const {farmBenchmark} = await import('./search-farm.js')
await farmBenchmark()
