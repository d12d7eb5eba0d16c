// The end search (end-search.ts): the last yields of a near miss moved a few
// decisions either way, on a synthetic race interval on the simulator.
import t from 'tap'
import {raceInterval} from './race-loop.js'
import {endMoves, searchEnd} from '../../src/lib/search/end-search.js'
import {Ledger} from '../../src/lib/search/ledger.js'
import {LocalEvaluator} from '../../src/lib/search/local-evaluator.js'
import {pathFromString, pathToString} from '../../src/lib/search/path.js'
import {resolveSettings} from '../../src/lib/search/settings.js'

t.test('the moves of the last yields: each by -2, 2, -1 and 1 decisions, never past another yield, nearest the end first', async t => {
  t.same(endMoves(pathFromString('1101101'), 4).map(pathToString), ['1100111', '1101011', '1101110', '0111101', '1111001', '1011101', '1110101'])
  t.same(endMoves(pathFromString('1101101'), 1).map(pathToString), ['1100111', '1101011', '1101110'])
  t.same(endMoves(pathFromString('0000'), 4).map(pathToString), [], 'no room between yields')
  t.same(endMoves(pathFromString('111'), 4), [], 'no yield')
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
