// The swap search (swap-search.ts): hand-overs reported by the runner, swaps
// of the two accesses at a hand-over, and the search that brings a counter a
// few updates off onto its target, on the real simulator running race.
import t from 'tap'
import {raceInterval} from './race-loop.js'
import type {Handovers} from '../../src/lib/search/evaluator.js'
import {Ledger} from '../../src/lib/search/ledger.js'
import {LocalEvaluator} from '../../src/lib/search/local-evaluator.js'
import {pathFromString, pathToString, YIELD} from '../../src/lib/search/path.js'
import {resolveSettings} from '../../src/lib/search/settings.js'
import {nearestMiss, searchSwaps, spread, swapPoints, withSwaps} from '../../src/lib/search/swap-search.js'
import type {Evaluation} from '../../src/lib/search/evaluator.js'


t.test('a swap flips the two decisions beside a yield, whatever the turns around it hold', async t => {
  // Turns 1^a 0 and 1^b 0 with a, b >= 1: 1^(a-1) 0, 0, 0, 1^(b-1) 0.
  t.equal(pathToString(withSwaps(pathFromString('1101110'), [2])), '1000110')
  // a = 0: the turn before merges with the next hart's first access.
  t.equal(pathToString(withSwaps(pathFromString('1100110'), [3])), '1110010')
  t.equal(pathToString(withSwaps(pathFromString('0011'), [1])), '1001')
  t.equal(pathToString(withSwaps(pathFromString('1100'), [2])), '1001')
  t.equal(pathToString(withSwaps(pathFromString('000'), [1])), '101')
  // Several at once, apart.
  t.equal(pathToString(withSwaps(pathFromString('1101101101'), [2, 5, 8])), '1000000000')
})

t.test('swap points are hand-overs of the kind asked for, within turns, three decisions apart at least', async t => {
  const path = pathFromString('11010110110101101')
  const handovers: Handovers = {
    at: Uint32Array.from([2, 4, 7, 10, 12, 15]),
    hart: Uint8Array.from([0, 1, 0, 1, 0, 1]),
    next: Uint8Array.from([1, 0, 1, 0, 1, 0]),
    held: Uint8Array.from([0, 0, 0, 0, 0, 0]),
    nextHeld: Uint8Array.from([1, 1, 0, 1, 0, 2]),
  }
  t.same(swapPoints(path, handovers, 'keep'), [2, 10], 'read then write; 4 is too near 2')
  t.same(swapPoints(path, handovers, 'lose'), [7, 12], 'read and read; 15: the next hart had not yielded')
  t.same(swapPoints(pathFromString('1001'), {at: Uint32Array.from([1]), hart: Uint8Array.from([0]), next: Uint8Array.from([1]), held: Uint8Array.from([0]), nextHeld: Uint8Array.from([0])}, 'lose'), [],
    'a turn of one access has nothing of its own to swap')
})

t.test('spread orders every point once, each prefix spread over the whole run', async t => {
  const points = Array.from({length: 11}, (_, i) => 10 * i)
  const order = spread(points)
  t.same([...order].sort((a, b) => a - b), points)
  t.same(order.slice(0, 4), [0, 80, 40, 20])
  t.same(spread([]), [])
})


t.test('the runner reports its hand-overs: yields of the run, and what each hart held back', async t => {
  const {runner, recording} = raceInterval(1)
  const handovers = recording.handovers!
  t.ok(handovers.at.length > 10, `${handovers.at.length} hand-overs`)
  for (let i = 0; i < handovers.at.length; i++) {
    t.equal(recording.taken[handovers.at[i]], YIELD, `decision ${handovers.at[i]} is a yield`)
    if (i > 0) t.ok(handovers.at[i] > handovers.at[i - 1])
  }
  t.ok([...handovers.held].some(kind => kind === 1) && [...handovers.held].some(kind => kind === 0), 'reads and writes held back')
  // The next hart's held access is the one it held back at its own last yield.
  for (let i = 1; i < handovers.at.length; i++) {
    t.not(handovers.next[i], handovers.hart[i], 'a hand-over goes to another hart')
    if (handovers.hart[i - 1] !== handovers.hart[i]) t.equal(handovers.nextHeld[i], handovers.held[i - 1], `hand-over ${i}`)
  }
  const plain = runner.evaluate({path: recording.taken})
  const described = runner.evaluate({path: recording.taken, handovers: true})
  t.equal(plain.fitness, 1)
  t.same(described.taken, plain.taken, 'asking for hand-overs changes no run')
  t.equal(described.fitness, 1)
  t.same(described.handovers, handovers)
  t.notOk(plain.handovers)
})

t.test('from a run a few lost updates off, the swap search reaches the recording\'s end exactly', async t => {
  for (const secret of [1, 2, 3, 4, 5, 6]) {
    const {runner, recording} = raceInterval(secret)
    // A near miss: the recorded schedule with swaps that lose a few more updates.
    const more = spread(swapPoints(recording.taken, recording.handovers!, 'lose'))
    let miss = runner.evaluate({path: recording.taken})
    for (let n = 1; n <= 8 && n <= more.length && !miss.sharedDelta; n++) miss = runner.evaluate({path: withSwaps(recording.taken, more.slice(0, n))})
    t.ok(miss.sharedDelta !== undefined && miss.sharedDelta !== 0 && !miss.found, `secret ${secret}: a near miss, ${miss.sharedDelta} off`)
    const ledger = new Ledger(new LocalEvaluator(runner), resolveSettings({seed: 1}))
    const tried = await searchSwaps(ledger, miss, 48)
    t.ok(tried.length > 0 && tried.length <= 48, `${tried.length} runs`)
    t.ok(ledger.found, `secret ${secret}: found; the deltas tried: ${tried.map(run => run.evaluation.sharedDelta ?? 0).join(' ')}`)
    const found = tried.find(run => run.evaluation.found)
    if (found) t.equal(runner.evaluate({path: found.evaluation.taken}).fitness, 1, 'the found path replays to the target')
  }
})

t.test('the swap search does nothing with a run on target or without a shared difference', async t => {
  const {runner, recording} = raceInterval(1)
  const ledger = new Ledger(new LocalEvaluator(runner), resolveSettings({seed: 1}))
  const exact = runner.evaluate({path: recording.taken})
  t.same(await searchSwaps(ledger, exact, 48), [])
  t.same(await searchSwaps(ledger, {taken: recording.taken}, 48), [])
  t.same(await searchSwaps(ledger, {taken: recording.taken, sharedDelta: -3}, 0), [], 'no steps, no runs')
})

t.test('from a run a dozen swaps off, sets of swaps bring the word onto the target', async t => {
  for (const secret of [1, 2, 3, 4]) {
    const {runner, recording} = raceInterval(secret)
    const more = spread(swapPoints(recording.taken, recording.handovers!, 'lose'))
    const miss = runner.evaluate({path: withSwaps(recording.taken, more.slice(0, 12))})
    t.ok(miss.sharedDelta !== undefined && Math.abs(miss.sharedDelta) > NEAR_ENOUGH, `secret ${secret}: ${miss.sharedDelta} off`)
    const ledger = new Ledger(new LocalEvaluator(runner), resolveSettings({seed: 1}))
    const tried = await searchSwaps(ledger, miss, 48)
    const nearest = Math.min(...tried.map(run => (run.evaluation.found ? 0 : Math.abs(run.evaluation.sharedDelta ?? Infinity))))
    t.ok(ledger.found, `secret ${secret}: ${ledger.found ? 'found' : `${nearest} off`} after ${tried.length} runs: ${tried.map(run => run.evaluation.sharedDelta ?? 0).join(' ')}`)
  }
})

const NEAR_ENOUGH = 4

t.test('the nearest miss: a run whose shared pages all match before any other, else the word nearest its target', async t => {
  const run = (fitness: number, sharedDelta?: number, hartDelta?: number, found = false): Evaluation => ({
    fitness, found, taken: new Uint8Array(0), executed: 0, budget: 0, eventsMatched: 0, eventsTotal: 0, end: 'complete',
    ...(sharedDelta !== undefined ? {sharedDelta} : {}), ...(hartDelta !== undefined ? {hartDelta: {hart: 0, delta: hartDelta}} : {}),
  })
  const far = run(0.8, -300, -300)
  const near = run(0.7, 4, 4)
  const right = run(0.85, undefined, 205)
  const righter = run(0.9, undefined, -3)
  t.equal(nearestMiss([far, near]), near, 'fewest updates off, fitter or not')
  t.equal(nearestMiss([far, near, right]), right, 'shared words right: only a hart\'s word is left')
  t.equal(nearestMiss([right, near, righter]), righter, 'the fitter of those')
  t.equal(nearestMiss([run(1, undefined, undefined, true), run(0.5, 0)]), undefined, 'a find or a word on target is no miss')
  t.equal(nearestMiss([far], near), near, 'than: a run to beat')
  t.equal(nearestMiss([]), undefined)
})
