// The split share of pace yields at writes (PaceTail.split) and the searches
// on it, on a real recording: race, whose harts lose updates to a counter.
import t from 'tap'
import {IntervalRunner, splitDraw} from '../../src/lib/search/interval.js'
import {loadLogInterval} from '../../src/lib/search/log-interval.js'
import {LocalEvaluator} from '../../src/lib/search/local-evaluator.js'
import {Ledger} from '../../src/lib/search/ledger.js'
import {resolveSettings} from '../../src/lib/search/settings.js'
import {searchCut, searchSplit, type SplitTried} from '../../src/lib/search/split-search.js'
import {readSymbols} from '../../src/lib/replay/symbols.js'
import {PAGE_SHIFT, PAGE_SIZE, RAM_BASE} from '../../src/lib/sim/hart-env.js'
import type {ElasticTail} from '../../src/lib/search/evaluator.js'
import {elfOf} from '../guests/workload.js'
import {freshLogDir, record, workload} from '../record/recording.js'

const M = 20000
const options = workload('race', {memoryMiB: 16, cmdline: `m=${M}`})
const counter = readSymbols(elfOf('race')).get('counter')!.address - RAM_BASE
const counterIn = (page: (n: number) => Uint8Array): number => {
  const bytes = page(counter >>> PAGE_SHIFT)
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).readUInt32LE(counter & (PAGE_SIZE - 1))
}
// One interval for the whole run, as the default interval gives on an idle host (a busy one can take longer than
// 200 ms and end interval 0 before the increments). The harts may not overlap at all and lose nothing; the
// searches need a recording that lost updates, so record until one did (a few tries).
let logDir = ''
let lost = 0
for (let attempt = 0; attempt < 6 && lost === 0; attempt++) {
  logDir = freshLogDir('race')
  await record(options, logDir, {interval: {ms: 60_000}})
  const {problem} = loadLogInterval({logDir, interval: 0, machine: options})
  lost = 2 * M - counterIn(n => problem.target.page(n))
}

t.test('the draws of the split share are fixed by hart and count, and spread over [0, 1)', async t => {
  t.equal(splitDraw(1, 123456), splitDraw(1, 123456))
  t.not(splitDraw(0, 123456), splitDraw(1, 123456))
  const draws = Array.from({length: 10000}, (_, i) => splitDraw(i & 1, 1000 + 5 * i))
  t.ok(draws.every(d => d >= 0 && d < 1))
  const low = draws.filter(d => d < 0.1).length
  t.ok(low > 800 && low < 1200, `${low} of 10000 draws under 0.1`)
})

t.test('a share of 0 splits no read-modify-write; a share of 1 loses updates a share of 0 keeps', async t => {
  const {machine, problem} = loadLogInterval({logDir, interval: 0, machine: options})
  const runner = new IntervalRunner(machine, problem)
  const target = counterIn(n => problem.target.page(n))
  t.ok(target <= 2 * M, `the recording counted ${target} of ${2 * M}`)
  const none = runner.evaluate({path: new Uint8Array(0), tail: {kind: 'elastic', slack: 0, split: 0}})
  t.equal(counterIn(n => machine.page(n)), 2 * M, 'no update lost')
  if (target !== 2 * M) t.equal(none.sharedDelta, 2 * M - target, 'the counter, run minus target')
  runner.evaluate({path: new Uint8Array(0), tail: {kind: 'elastic', slack: 0, split: 1}})
  t.ok(counterIn(n => machine.page(n)) < 2 * M, 'updates lost')
})

t.test('a prefix of an elastic run\'s own decisions with its tail gives the run again', async t => {
  const {machine, problem} = loadLogInterval({logDir, interval: 0, machine: options})
  const runner = new IntervalRunner(machine, problem)
  const tail: ElasticTail = {kind: 'elastic', slack: 0, split: 0.5}
  const whole = runner.evaluate({path: new Uint8Array(0), tail})
  t.ok(whole.elasticDecisions && whole.elasticDecisions.length > 0)
  for (const share of [0.5, 0.9]) {
    const prefix = whole.elasticDecisions!.slice(0, Math.floor(share * whole.elasticDecisions!.length))
    const again = runner.evaluate({path: prefix, tail})
    t.same(again.taken, whole.taken, `the first ${share * 100} % of the decisions, then the tail`)
    t.equal(again.fitness, whole.fitness)
  }
})

t.test('the split and cut searches bring the counter to its target or nearer, never past a find', async t => {
  const {machine, problem} = loadLogInterval({logDir, interval: 0, machine: options})
  const runner = new IntervalRunner(machine, problem)
  const ledger = new Ledger(new LocalEvaluator(runner), resolveSettings({seed: 1}))
  const tail: ElasticTail = {kind: 'elastic', slack: 0}
  t.ok(lost > 0, `a recording that lost updates (${lost})`)
  const [seedEvaluation] = await ledger.evaluate([{path: new Uint8Array(0), tail}])
  const seed: SplitTried = {candidate: {path: new Uint8Array(0), tail}, evaluation: seedEvaluation}
  if (seedEvaluation.found || seedEvaluation.sharedDelta === undefined || seedEvaluation.sharedDelta > 0) {
    // Every split taken lost fewer updates than the recording (a recording that lost very many): the share cannot
    // bring the counter nearer from this side, and the search tries it in one run.
    const split = await searchSplit(ledger, seed, 12)
    t.ok(split.length <= 1, 'one run at most when the two ends of the share lie on one side')
    return
  }
  const split = await searchSplit(ledger, seed, 12)
  const under = split.find(run => (run.candidate.tail as ElasticTail).split === 0)
  t.ok(under, 'the share of 0 was tried')
  t.ok(under!.evaluation.found || under!.evaluation.sharedDelta! > 0, 'a share of 0 keeps every update')
  const gap = (run: SplitTried): number => (run.evaluation.found ? 0 : Math.abs(run.evaluation.sharedDelta ?? 0))
  const nearest = (runs: SplitTried[]): number => Math.min(...runs.map(gap))
  const over = [seed, ...split]
    .filter(run => !run.evaluation.found && (run.evaluation.sharedDelta ?? 0) < 0)
    .sort((a, b) => gap(a) - gap(b))[0]
  t.ok(nearest(split) < gap(seed), 'the share search comes nearer')
  if (!ledger.found && over) {
    const cut = await searchCut(ledger, over, under!, 40)
    t.ok(cut.length > 0)
    t.ok(nearest(cut) <= gap(over), `the cut search comes at least as near: ${nearest(cut)} <= ${gap(over)}`)
  }
  // A find stands as an ordinary path: run alone, it reaches checkpoint 1.
  if (ledger.found) t.ok(runner.evaluate({path: ledger.result('ga', 'found').path}).found, 'the path found reaches checkpoint 1 by itself')
})
