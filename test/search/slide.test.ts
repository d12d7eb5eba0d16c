// The slide search (slide-search.ts): a long-turn hart's accesses slid across
// another hart's short turns, where they lose one more update each or one
// fewer, and the search that brings a counter thousands of updates off onto its
// target, on the real simulator running race with one hart starved.
import t from 'tap'
import {blankProblem, raceInLoop, targetNow} from './race-loop.js'
import type {Handovers} from '../../src/lib/search/evaluator.js'
import {IntervalRunner} from '../../src/lib/search/interval.js'
import {Ledger} from '../../src/lib/search/ledger.js'
import {LocalEvaluator} from '../../src/lib/search/local-evaluator.js'
import {pathFromString, pathToString} from '../../src/lib/search/path.js'
import {SeededRandom} from '../../src/lib/search/prng.js'
import {resolveSettings} from '../../src/lib/search/settings.js'
import {allot, searchSlides, slidePoints, withSlides, type SlidePoint} from '../../src/lib/search/slide-search.js'
import {spread} from '../../src/lib/search/swap-search.js'

t.test('a slide moves the long-turn hart\'s next accesses in front of the short turn, and nothing after', async t => {
  // Hart B yields at 2, hart A's short turn yields back at 3, B goes on: 11 0 | 0 | 1110.
  const point: SlidePoint = {at: 2, end: 3, held: 0, capacity: 1}
  t.equal(pathToString(withSlides(pathFromString('11001110'), [{point, moved: 2}])), '11110010')
  t.equal(pathToString(withSlides(pathFromString('11001110'), [{point, moved: 3}])), '11111000')
  // A short turn of two decisions moves whole.
  t.equal(pathToString(withSlides(pathFromString('0101110'), [{point: {at: 0, end: 2, held: 1, capacity: 1}, moved: 1}])), '1010110')
  // Several, apart.
  t.equal(pathToString(withSlides(pathFromString('00110011'), [{point: {at: 0, end: 1, held: 0, capacity: 1}, moved: 2}, {point: {at: 4, end: 5, held: 0, capacity: 1}, moved: 2}])), '11001100')
})

t.test('slide points are hand-overs into a short turn that changes what the other hart holds', async t => {
  // B (1) yields at 2 to A (0), A yields back at 3; B at 8 to A, A back at 9; B's turns after hold 4 and 2 continues.
  const path = pathFromString('1100111100110')
  const handovers: Handovers = {
    at: Uint32Array.from([2, 3, 8, 9, 12]),
    hart: Uint8Array.from([1, 0, 1, 0, 1]),
    next: Uint8Array.from([0, 1, 0, 1, 0]),
    held: Uint8Array.from([0, 0, 1, 1, 0]),
    nextHeld: Uint8Array.from([1, 1, 0, 0, 1]),
  }
  // At 2 A held a write before its turn and a read after: slides there lose updates; 4 continues, a read held: 2.
  t.same(slidePoints(path, handovers, true), [{at: 2, end: 3, held: 0, capacity: 2}])
  // At 8 A held a read before and a write after: slides there keep updates; 2 continues, B held a write: (2 + 1) / 2.
  t.same(slidePoints(path, handovers, false), [{at: 8, end: 9, held: 1, capacity: 1}])
  // B ending its turn at 2 holding a write: its updates stay whatever moves, unless every point is asked for.
  const endsOnWrite = {...handovers, held: Uint8Array.from([1, 0, 1, 1, 1])}
  t.same(slidePoints(path, endsOnWrite, true), [])
  t.same(slidePoints(path, endsOnWrite, true, false), [{at: 2, end: 3, held: 1, capacity: 1}])
  t.same(slidePoints(path, endsOnWrite, false), [], 'B\'s turn after 9 ends holding a write')
  t.same(slidePoints(path, endsOnWrite, false, false), [{at: 8, end: 9, held: 1, capacity: 1}])
})

t.test('the updates asked for are taken a level at a time, as accesses per point', async t => {
  const points: SlidePoint[] = [
    {at: 0, end: 1, held: 0, capacity: 3},
    {at: 10, end: 11, held: 1, capacity: 1},
    {at: 20, end: 21, held: 0, capacity: 2},
  ]
  t.same(allot(points, 4, true).map(s => [s.point.at, s.moved]), [[0, 4], [10, 3], [20, 2]], 'two from the first, one each from the others; a held write moves on top')
  t.same(allot(points, 2, false).map(s => [s.point.at, s.moved]), [[0, 2], [10, 1]], 'keeping: a held write is one of them')
  t.same(allot(points, 99, true).map(s => [s.point.at, s.moved]), [[0, 6], [10, 3], [20, 4]], 'no more than the capacities')
  t.same(allot(points, 0, true), [])
})

/** Race with hart 0 starved: its turns one access long, hart 1's some tens of decisions, as a host that gave hart 0 little time would have it. */
function starvedInterval(secret: number) {
  const sim = raceInLoop()
  const start = sim.save()
  const random = new SeededRandom(secret)
  const bits: number[] = []
  while (bits.length < 4000) {
    bits.push(0) // hart 0: its held access, then a yield
    for (let n = 4 + random.int(40); n > 0; n--) bits.push(1)
    bits.push(0)
  }
  const budgets = [400, 3000]
  const shared = new Set<number>()
  for (let round = 0; round < 60; round++) for (let hart = 0; hart < 2; hart++) sim.machine.runHart(hart, {budget: 50})
  const [a, b] = [0, 1].map(hart => sim.machine.pageAccesses(hart))
  for (const page of a.written) if (b.written.includes(page)) shared.add(page)
  sim.restore(start)
  const blank = {...blankProblem(0, shared), budgets}
  const recording = new IntervalRunner(sim, blank, {cacheBytes: 0}).run({path: Uint8Array.from(bits), handovers: true})
  const target = targetNow(sim)
  sim.restore(start)
  return {runner: new IntervalRunner(sim, {...blank, target}), recording}
}

t.test('from a run hundreds of updates off either way, slides bring the counter onto the recording\'s end', async t => {
  for (const secret of [1, 2, 3]) {
    const {runner, recording} = starvedInterval(secret)
    t.equal(runner.evaluate({path: recording.taken}).fitness, 1, `secret ${secret}: the schedule reaches its own end`)
    for (const lose of [true, false]) {
      const points = spread(slidePoints(recording.taken, recording.handovers!, lose))
      t.ok(points.length > 10, `secret ${secret}: ${points.length} points to ${lose ? 'lose' : 'keep'} at`)
      const miss = runner.evaluate({path: withSlides(recording.taken, allot(points, 120, lose))})
      t.ok(miss.sharedDelta !== undefined && (lose ? miss.sharedDelta < -60 : miss.sharedDelta > 60), `secret ${secret}: a miss ${miss.sharedDelta} off`)
      // Every hart's word: the first differing one's as hartDelta says, 0 where a hart matches.
      t.equal(miss.hartDeltas?.length, 2)
      t.equal(miss.hartDeltas![miss.hartDelta!.hart], miss.hartDelta!.delta)
      for (let hart = 0; hart < miss.hartDelta!.hart; hart++) t.equal(miss.hartDeltas![hart], 0, `hart ${hart} matches`)
      const ledger = new Ledger(new LocalEvaluator(runner), resolveSettings({seed: 1}))
      const tried = await searchSlides(ledger, miss, 48)
      t.ok(tried.length > 0 && tried.length <= 48, `${tried.length} runs`)
      t.ok(ledger.found, `secret ${secret}, ${lose ? 'lost' : 'kept'}: found; the deltas tried: ${tried.map(run => run.evaluation.sharedDelta ?? 0).join(' ')}`)
      const found = tried.find(run => run.evaluation.found)
      if (found) t.equal(runner.evaluate({path: found.evaluation.taken}).fitness, 1, 'the found path replays to the target')
    }
  }
})

t.test('the slide search does nothing with a run on target, without a shared difference, or without steps', async t => {
  const {runner, recording} = starvedInterval(1)
  const ledger = new Ledger(new LocalEvaluator(runner), resolveSettings({seed: 1}))
  t.same(await searchSlides(ledger, runner.evaluate({path: recording.taken}), 48), [])
  t.same(await searchSlides(ledger, {taken: recording.taken}, 48), [])
  t.same(await searchSlides(ledger, {taken: recording.taken, sharedDelta: -30}, 0), [])
})
