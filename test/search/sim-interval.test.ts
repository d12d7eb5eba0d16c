// The search on the real simulator: the race workload's lost-update loop as an
// interval between two snapshots taken around a known schedule.
import t from 'tap'
import {blankProblem, raceInLoop, targetNow} from './race-loop.js'
import {IntervalRunner, type IntervalProblem} from '../../src/lib/search/interval.js'
import {LocalEvaluator} from '../../src/lib/search/local-evaluator.js'
import {SeededRandom} from '../../src/lib/search/prng.js'
import {searchInterval} from '../../src/lib/search/search.js'
import {PAGE_SIZE, RAM_BASE} from '../../src/lib/sim/hart-env.js'
import type {SimIntervalMachine} from '../../src/lib/search/sim-machine.js'

const BUDGET = 200


/** Pages both harts touched in a probe run, with at least one writer: the interval's decision points. */
function sharedPages(sim: SimIntervalMachine): Set<number> {
  const start = sim.save()
  for (let round = 0; round < BUDGET / 50; round++) for (let hart = 0; hart < 2; hart++) sim.machine.runHart(hart, {budget: 50})
  const [a, b] = [0, 1].map(hart => sim.machine.pageAccesses(hart))
  const touched = (x: typeof a) => new Set([...x.read, ...x.written])
  const shared = new Set<number>()
  for (const page of touched(a)) {
    if (touched(b).has(page) && (a.written.includes(page) || b.written.includes(page))) shared.add(page)
  }
  sim.restore(start)
  return shared
}

function secretPath(seed: number, length: number): Uint8Array {
  const random = new SeededRandom(seed)
  return Uint8Array.from({length}, () => (random.chance(0.15) ? 0 : 1))
}

t.test('the GA finds a path from one race snapshot to the next, and a damaged one is not found', async t => {
  const sim = raceInLoop()
  const shared = sharedPages(sim)
  t.ok(shared.size > 0, 'the counter page is shared')
  const start = sim.save()

  // The recording: run the secret schedule and keep where it ends as checkpoint k+1.
  const blank = blankProblem(BUDGET, shared)
  const recording = new IntervalRunner(sim, blank, {cacheBytes: 0}).run({path: secretPath(3, 400)})
  t.equal(recording.end, 'complete')
  t.ok(recording.taken.length > 20, `${recording.taken.length} decision points`)
  const target = targetNow(sim)
  const problem: IntervalProblem = {...blank, target}

  sim.restore(start)
  const runner = new IntervalRunner(sim, problem)
  t.equal(runner.evaluate({path: recording.taken}).fitness, 1, 'the recorded schedule itself reaches checkpoint k+1')
  const result = await searchInterval(new LocalEvaluator(runner), {seed: 1, maxEvaluations: 4000})
  t.comment(`found after ${result.evaluations} evaluations, ${result.generations} generations, cache ${JSON.stringify(runner.cacheStats)}`)
  t.equal(result.found, true, `best ${result.best.fitness}: ${result.best.firstDifference}`)
  t.equal(runner.evaluate({path: result.path}).fitness, 1, 'the found path replays to checkpoint k+1')

  // One byte of the counter page changed in checkpoint k+1, as a damaged log would have it.
  const counterPage = [...target.dirtyPages].find(page => shared.has(page))!
  const damagedPage = target.page(counterPage)
  const offset = damagedPage.findIndex(byte => byte !== 0)
  damagedPage[offset] ^= 0x10
  const damaged: IntervalProblem = {...problem, target: {...target, page: page => (page === counterPage ? damagedPage : target.page(page))}}
  sim.restore(start)
  const damagedRunner = new IntervalRunner(sim, damaged)
  const failed = await searchInterval(new LocalEvaluator(damagedRunner), {seed: 1, maxEvaluations: 100})
  t.equal(failed.found, false)
  t.ok(failed.best.fitness < 1)
  const address = (RAM_BASE + counterPage * PAGE_SIZE + offset) - (RAM_BASE + counterPage * PAGE_SIZE)
  const exact = damagedRunner.evaluate({path: recording.taken})
  t.equal(exact.found, false, 'not even the recorded schedule passes a damaged checkpoint')
  t.match(exact.firstDifference, `page 0x${(RAM_BASE + counterPage * PAGE_SIZE).toString(16)} byte +0x${address.toString(16)}: `)
})

t.test('on the simulator, resuming from cached decision-point snapshots changes no result', async t => {
  const sim = raceInLoop()
  const shared = sharedPages(sim)
  const start = sim.save()
  const endless = {harts: [sim.hartState(0), sim.hartState(1)], devices: new Map(), dirtyPages: new Set<number>(), page: () => new Uint8Array(PAGE_SIZE)}
  const problem: IntervalProblem = {interval: 0, budgets: [BUDGET, BUDGET], eventCounts: [0, 0], sharedPages: shared, target: endless}
  const cached = new IntervalRunner(sim, problem, {cacheBytes: 64 << 20, snapshotSpacing: 100})
  const paths = [secretPath(1, 300), secretPath(2, 300), secretPath(1, 300).map((bit, i) => (i === 40 ? 1 - bit : bit)), secretPath(1, 60)]
  const first = paths.map(path => cached.evaluate({path}))
  const again = paths.map(path => cached.evaluate({path}))
  t.ok(cached.cacheStats.hits > 0, `cache ${JSON.stringify(cached.cacheStats)}`)
  sim.restore(start)
  const plain = new IntervalRunner(sim, problem, {cacheBytes: 0})
  const fresh = paths.map(path => plain.evaluate({path}))
  t.same(first, fresh)
  t.same(again, fresh)
})
