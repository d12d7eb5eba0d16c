#!/usr/bin/env node
// The settling searches on synthetic race intervals (bench/search-intervals.js:
// 200, 400 and 800 instructions per hart cut from simulator runs, five secret
// schedules each), in one run side by side: the GA without the loose elastic
// seeds and the swap, defer and end searches ('before'); with them but without
// the charged elastic seeds, the slide search and the elastic end and wait
// searches ('swaps'); and as it is now. Prints the evaluations each needed per interval (capped), and on
// the intervals all found the sums and medians.
//
//   node bench/search-settle.js [--cap 5000]
//
// Run `npm run build` first.
import {IntervalRunner} from '../dist/lib/search/interval.js'
import {LocalEvaluator} from '../dist/lib/search/local-evaluator.js'
import {searchInterval} from '../dist/lib/search/search.js'
import {buildInterval} from './search-intervals.js'

const args = process.argv.slice(2)
const capAt = args.indexOf('--cap')
const cap = capAt >= 0 ? Number(args[capAt + 1]) : 5000
const ways = [
  ['before', {ga: {looseElasticSlacks: [], chargedElasticSlacks: [], swapSteps: 0, slideSteps: 0, deferSteps: 0, endSteps: 0, elasticEndSteps: 0, waitSteps: 0}}],
  ['swaps', {ga: {chargedElasticSlacks: [], slideSteps: 0, elasticEndSteps: 0, waitSteps: 0}}],
  ['now', {}],
]
const median = values => {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted.length === 0 ? NaN : sorted[Math.floor((sorted.length - 1) / 2)]
}

console.log(`race, GA seed = secret, cap ${cap} evaluations; '-' not found`)
const rows = []
const summary = []
for (const budget of [200, 400, 800]) {
  const both = ways.map(() => [])
  for (const secret of [1, 2, 3, 4, 5]) {
    const found = []
    for (const [, settings] of ways) {
      const {machine, problem} = buildInterval({workload: 'race', budget, secret})
      const result = await searchInterval(new LocalEvaluator(new IntervalRunner(machine, problem)), {...settings, seed: secret, maxEvaluations: cap})
      found.push(result.found ? result.evaluations : undefined)
    }
    rows.push({'budget/hart': budget, secret, ...Object.fromEntries(ways.map(([name], i) => [name, found[i] ?? '-']))})
    if (found.every(n => n !== undefined)) found.forEach((n, i) => both[i].push(n))
  }
  summary.push({
    'budget/hart': budget,
    'found by all': both[0].length,
    ...Object.fromEntries(ways.flatMap(([name], i) => [[`${name} sum`, both[i].reduce((a, b) => a + b, 0)], [`${name} median`, median(both[i])]])),
  })
}
console.table(rows)
console.log('on the intervals all found')
console.table(summary)
