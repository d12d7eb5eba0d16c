// The search on a real recording: race recorded in parallel on two harts, an
// interval loaded from the log directory as the search sees it.
import t from 'tap'
import {LogReader} from '../../src/lib/log/reader.js'
import {IntervalRunner} from '../../src/lib/search/interval.js'
import {loadLogInterval} from '../../src/lib/search/log-interval.js'
import {LocalEvaluator} from '../../src/lib/search/local-evaluator.js'
import {searchInterval} from '../../src/lib/search/search.js'
import {readSymbols} from '../../src/lib/replay/symbols.js'
import {PAGE_SHIFT, PAGE_SIZE, RAM_BASE} from '../../src/lib/sim/hart-env.js'
import {elfOf} from '../guests/workload.js'
import {freshLogDir, record, workload} from '../record/recording.js'

// Ten times the example's increments, so that several intervals fall wholly
// inside the increment loop.
const options = workload('race', {memoryMiB: 16, cmdline: 'm=2000000'})
const logDir = freshLogDir('race')
// A checkpoint every 2 ms: an interval given in instructions is scheduled from the rate the harts showed in a first
// probe, and a host busy at the start (CI runs test files side by side) can stretch that to one interval for the run.
await record(options, logDir, {interval: {ms: 2}})
const reader = LogReader.open(logDir)
const intervals = reader.checkpointCount - 1
const budgets = Array.from({length: intervals}, (_, k) => reader.checkpoint(k + 1).vcpus.map((v, h) => Number(v.instret - reader.checkpoint(k).vcpus[h].instret)))
// Parallel recording pauses where the harts happen to be, so the intervals
// differ from run to run. How many instructions a hart runs at a barrier (its
// spins, and the counter's digits printed after the last one) depends on the
// interleaving, so an arbitrary schedule need not spend the budgets there.
// Between the barriers it must: the test takes the cheapest interval that
// starts after both harts passed `start` and ends before either reached `done`.
const symbols = readSymbols(elfOf('race'))
const word = (k: number, name: string, offset: number): number => {
  const at = symbols.get(name)!.address - RAM_BASE + offset
  return reader.pageAt(k, at >>> PAGE_SHIFT).readUInt32LE(at & (PAGE_SIZE - 1))
}
const SENSE = 4
const ARRIVED = 0
const inLoop = (k: number) => word(k, 'start', SENSE) === 1 && word(k + 1, 'done', ARRIVED) === 0 && word(k + 1, 'done', SENSE) === 0
const cheapest = budgets
  .map((b, k) => ({k, total: b[0] + b[1], both: b[0] > 0 && b[1] > 0}))
  .filter(i => i.both && inLoop(i.k))
  .sort((a, b) => a.total - b.total)[0]
reader.close()

t.test('an interval loads as the recording left it: budgets, shared pages and checkpoint k+1', async t => {
  t.ok(cheapest, `${intervals} intervals recorded, one of them wholly between the barriers`)
  const {machine, problem} = loadLogInterval({logDir, interval: cheapest.k, machine: options})
  t.same(problem.budgets, budgets[cheapest.k])
  t.equal(problem.interval, cheapest.k)
  t.equal(machine.hartCount, 2)
  const runner = new IntervalRunner(machine, problem)
  const paced = runner.evaluate({path: new Uint8Array(0), tail: {kind: 'pace', slack: 0.01}})
  t.equal(paced.end, 'complete', 'every hart runs its budget with its logged events')
  t.equal(paced.executed, paced.budget)
  t.equal(paced.eventsMatched, paced.eventsTotal)
  t.ok(paced.fitness > 0 && paced.fitness <= 1)
})

t.test('a damaged checkpoint k+1 is never reported found', async t => {
  const {machine, problem} = loadLogInterval({logDir, interval: cheapest.k, machine: options})
  const page = [...problem.target.dirtyPages][0] ?? 0
  const damaged = problem.target.page(page).slice()
  damaged[0x10] ^= 0x01
  const original = problem.target.page
  const runner = new IntervalRunner(machine, {...problem, target: {...problem.target, page: p => (p === page ? damaged : original(p))}})
  const result = await searchInterval(new LocalEvaluator(runner), {seed: 1, maxEvaluations: 12, ga: {populationSize: 6}})
  t.equal(result.found, false)
  t.ok(result.best.fitness < 1)
  t.ok(result.best.firstDifference, `reported: ${result.best.firstDifference}`)
})

t.test('the loader refuses what it cannot search, clearly', async t => {
  t.throws(() => loadLogInterval({logDir, interval: intervals, machine: options}), {name: 'ReseerError', code: 'ENOINTERVAL', message: /has no interval \d+: it holds checkpoints 0 to \d+/})
  t.throws(() => loadLogInterval({logDir, interval: -1, machine: options}), {code: 'ENOINTERVAL'})
  t.throws(() => loadLogInterval({logDir, interval: 0, machine: {...options, vcpus: 3}}), {code: 'ELOGMISMATCH', message: /recorded with 2 vCPUs and 16 MiB, the domain has 3 and 16 MiB/})
})
