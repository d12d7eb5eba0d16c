import t from 'tap'
import {scoreRun} from '../../src/lib/search/fitness.js'
import type {IntervalProblem, MachineLike, RunOutcome} from '../../src/lib/search/interval.js'

/** One hart whose state is a single little-endian word, one page; only what scoreRun reads. */
function score(actual: number, expected: number) {
  const word = (value: number) => Uint8Array.from([value & 0xff, (value >>> 8) & 0xff, (value >>> 16) & 0xff, value >>> 24])
  const page = new Uint8Array(64)
  const machine = {
    hartCount: 1,
    hartState: () => word(actual),
    devices: () => new Map(),
    dirtyPages: () => [0],
    page: () => page,
  } as unknown as MachineLike
  const problem = {
    sharedPages: new Set<number>(),
    target: {harts: [word(expected)], devices: new Map(), dirtyPages: new Set([0]), page: () => page},
  } as unknown as IntervalProblem
  const outcome: RunOutcome = {taken: new Uint8Array(0), end: 'complete', executed: 1, budget: 1, eventsMatched: 0, eventsTotal: 0}
  return scoreRun(machine, problem, outcome)
}

t.test('a counter one below its target is nearer than one eight above', async t => {
  // 0x18ff and 0x1900 differ in nine bits, 0x1909 and 0x1901 in one.
  const oneBelow = score(0x18ff, 0x1900)
  const eightAbove = score(0x1909, 0x1901)
  t.ok(oneBelow.fitness > eightAbove.fitness, `${oneBelow.fitness} > ${eightAbove.fitness}`)
  t.ok(score(0x1902, 0x1901).fitness > eightAbove.fitness, 'one above is nearer than eight above')
  t.equal(score(0x18ff, 0x1900).fitness, score(0x1901, 0x1900).fitness, 'one off either way is the same distance')
})

t.test('the distance grows with the difference and never reaches a find', async t => {
  const fitness = [1, 2, 4, 16, 256, 65536].map(delta => score(0x10000000 + delta, 0x10000000).fitness)
  for (let i = 1; i < fitness.length; i++) t.ok(fitness[i] < fitness[i - 1], `delta ${i}: ${fitness[i]} < ${fitness[i - 1]}`)
  t.ok(fitness[0] < 1)
  t.equal(score(0x1234, 0x1234).fitness, 1)
  t.equal(score(0x1235, 0x1234).firstDifference, 'hart 0: state +0x0: 0x35 != 0x34 (run != checkpoint)')
})
