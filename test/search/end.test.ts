// The end search (end-search.ts): the last yields of a near miss moved a few
// decisions either way, on a synthetic race interval on the simulator; and
// the elastic end search, on race's end.
import t from 'tap'
import {blankProblem, bootRace, kernel, raceInterval, targetNow} from './race-loop.js'
import {elasticEndCuts, endMoves, searchElasticEnd, searchEnd} from '../../src/lib/search/end-search.js'
import {IntervalRunner} from '../../src/lib/search/interval.js'
import {readSymbols} from '../../src/lib/replay/symbols.js'
import {PAGE_SHIFT, RAM_BASE} from '../../src/lib/sim/hart-env.js'
import {Ledger} from '../../src/lib/search/ledger.js'
import {LocalEvaluator} from '../../src/lib/search/local-evaluator.js'
import {pathFromString, pathToString, YIELD} from '../../src/lib/search/path.js'
import {resolveSettings} from '../../src/lib/search/settings.js'

t.test('the moves of the last yields: each by -2, 2, -1 and 1 decisions, never past another yield, nearest the end first', async t => {
  t.same(endMoves(pathFromString('1101101'), 4).map(pathToString), ['1100111', '1101011', '1101110', '0111101', '1111001', '1011101', '1110101'])
  t.same(endMoves(pathFromString('1101101'), 1).map(pathToString), ['1100111', '1101011', '1101110'])
  t.same(endMoves(pathFromString('0000'), 4).map(pathToString), [], 'no room between yields')
  t.same(endMoves(pathFromString('111'), 4), [], 'no yield')
})

t.test('the elastic end search cuts d before the end for d = 1, 2, 4, ..., and at the hand-over just before where turns are short', async t => {
  // Turns of a decision each near the end (harts in their loops, or one spinning while the other counts): each cut
  // and the hand-over before it, where the other hart yields.
  t.same(elasticEndCuts(20, [3, 10, 15, 16, 17, 18]), [19, 18, 17, 16, 15, 12, 10, 4, 3])
  // One long turn: the hand-over far before a cut is left out until the cuts come near it.
  t.same(elasticEndCuts(100, [10]), [99, 98, 96, 92, 84, 68, 36, 10])
  t.same(elasticEndCuts(4, []), [3, 2], 'no hand-overs')
})

t.test('a run whose last hand-over came a decision or two off is brought back to the recording\'s end', async t => {
  let tried = 0
  for (const secret of [1, 2, 3]) {
    const {runner, recording} = raceInterval(secret)
    // Near misses: the recorded schedule with one of its last yields moved.
    for (const miss of endMoves(recording.taken, 2)) {
      const evaluation = runner.evaluate({path: miss})
      if (evaluation.found) continue
      tried++
      const ledger = new Ledger(new LocalEvaluator(runner), resolveSettings({seed: 1}))
      const runs = await searchEnd(ledger, evaluation, 32)
      t.ok(ledger.found, `secret ${secret}: found after ${runs.length} runs`)
      const found = runs.find(run => run.evaluation.found)
      if (found) t.equal(runner.evaluate({path: found.evaluation.taken}).fitness, 1, 'the found path replays to the target')
    }
  }
  t.ok(tried >= 3, `${tried} near misses tried`)
})

t.test('the end search spends no more runs than it is given', async t => {
  const {runner, recording} = raceInterval(1)
  const ledger = new Ledger(new LocalEvaluator(runner), resolveSettings({seed: 1}))
  const miss = runner.evaluate({path: endMoves(recording.taken, 1)[0]})
  t.equal((await searchEnd(ledger, miss, 3)).length <= 3, true)
  t.same(await searchEnd(ledger, miss, 0), [])
})

/**
 * race near the end of its loop (m=1000), and a recording that has hart 0
 * finish its loop first and spin at the done barrier while hart 1 finishes,
 * flips the barrier and parks, and hart 0 then goes on into its print.
 */
function raceEnd() {
  const sim = bootRace('m=1000')
  const symbols = readSymbols(kernel)
  const address = (name: string) => symbols.get(name)!.address
  // Into the loop, each hart just past a store of the counter (main+0x60 is its sw): neither holds a read of it, so
  // the two orders of the harts' remaining increments lose no update.
  const afterStore = address('main') + 0x64
  for (let hart = 0; hart < 2; hart++) {
    sim.machine.runHart(hart, {budget: 1500})
    for (let step = 0; step < 10 && sim.pcOf(sim.hartState(hart)) !== afterStore; step++) sim.machine.runHart(hart, {budget: 1})
  }
  const startPcs = [0, 1].map(hart => sim.pcOf(sim.hartState(hart)))
  sim.beginInterval()
  const start = sim.save()
  const before = [0, 1].map(hart => sim.retired(hart))
  // Hart 0 to the done barrier (barrier_wait's code, up to strlen after it), and a few turns of its spin.
  const inBarrier = () => {
    const pc = sim.pcOf(sim.hartState(0))
    return pc >= address('barrier_wait') && pc < address('strlen')
  }
  for (let step = 0; step < 1000 && !inBarrier(); step++) sim.machine.runHart(0, {budget: 10})
  sim.machine.runHart(0, {budget: 60})
  const spun = sim.machine.runHart(1, {budget: 100_000})
  sim.machine.runHart(0, {budget: 400})
  // The page of the counter and the barriers, as a recording's sharing summary has it (the harts' stacks may share a
  // page too, but no hart touches the other's words there).
  const shared = new Set(['counter', 'done'].map(name => (address(name) - RAM_BASE) >>> PAGE_SHIFT))
  const budgets = [0, 1].map(hart => sim.retired(hart) - before[hart])
  const target = targetNow(sim)
  sim.restore(start)
  return {runner: new IntervalRunner(sim, {...blankProblem(0, shared), budgets, target}), hart1: spun.reason, startPcs, afterStore}
}

t.test('the elastic end search: a run with the harts at the done barrier in the other order is brought to the recording\'s end', async t => {
  const {runner, hart1, startPcs, afterStore} = raceEnd()
  t.same(startPcs, [afterStore, afterStore], 'both harts start just past a store of the counter')
  t.equal(hart1, 'wfi', 'in the recording hart 1 parks after the barrier')
  // Hart 0 yields at once and hart 1 goes on: it finishes first and spins its budget away at the barrier, and
  // hart 0, arriving last, goes on into its print without the turns it spun in the recording.
  const miss = runner.evaluate({path: Uint8Array.of(YIELD)})
  t.equal(miss.found, false)
  t.equal(miss.sharedDelta, undefined, `every shared word right: neither order loses an update (${miss.sharedDelta} ${miss.firstDifference})`)
  t.ok(miss.hartDelta, `a hart ends elsewhere: ${miss.firstDifference}`)
  const ledger = new Ledger(new LocalEvaluator(runner), resolveSettings({seed: 1}))
  const runs = await searchElasticEnd(ledger, miss, 40)
  t.ok(ledger.found, `found after ${runs.length} runs`)
  const found = runs.find(run => run.evaluation.found)
  if (found) t.equal(runner.evaluate({path: found.evaluation.taken}).fitness, 1, 'the found path replays to the target')
  t.ok(runs.length <= 40)
  t.same(await searchElasticEnd(new Ledger(new LocalEvaluator(runner), resolveSettings({seed: 1})), miss, 0), [], 'no runs when given none')
})
