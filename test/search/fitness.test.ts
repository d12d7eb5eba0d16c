import t from 'tap'
import {busiestSharedWord, scoreRun} from '../../src/lib/search/fitness.js'
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

/** A shared page 0 holding a lock word at +0x8 and a counter at +0x40; the harts match. */
function sharedPage(words: Record<number, number>): Uint8Array {
  const page = new Uint8Array(128)
  const view = new DataView(page.buffer)
  for (const [offset, value] of Object.entries(words)) view.setUint32(Number(offset), value, true)
  return page
}

function scoreShared(run: Uint8Array, target: Uint8Array, start?: Uint8Array) {
  const machine = {
    hartCount: 0,
    devices: () => new Map(),
    dirtyPages: () => [0],
    page: () => run,
  } as unknown as MachineLike
  const problem = {
    sharedPages: new Set([0]),
    target: {harts: [], devices: new Map(), dirtyPages: new Set([0]), page: () => target},
  } as unknown as IntervalProblem
  const outcome: RunOutcome = {taken: new Uint8Array(0), end: 'complete', executed: 1, budget: 1, eventsMatched: 0, eventsTotal: 0}
  const tracked = start ? busiestSharedWord(problem, () => start) : undefined
  return {tracked, evaluation: scoreRun(machine, problem, outcome, tracked)}
}

t.test('the shared word a run reports is the one the recording changed most, when it differs', async t => {
  const start = sharedPage({0x8: 0, 0x40: 1000})
  const target = sharedPage({0x8: 1, 0x40: 1500})
  const {tracked, evaluation} = scoreShared(sharedPage({0x8: 0, 0x40: 1400}), target, start)
  t.same(tracked, {page: 0, offset: 0x40}, 'the counter moved by 500, the lock by 1')
  t.equal(evaluation.sharedDelta, -100, 'the counter, 100 updates short, not the lock before it')
  t.equal(scoreShared(sharedPage({0x8: 0, 0x40: 1400}), target).evaluation.sharedDelta, -1, 'without it: the first differing word')
  t.equal(scoreShared(sharedPage({0x8: 0, 0x40: 1500}), target, start).evaluation.sharedDelta, -1, 'the counter right: the first differing word')
  t.equal(scoreShared(sharedPage({0x8: 0, 0x40: 1500}), target, start).evaluation.sharedElsewhere, true, 'and says so')
  t.notOk(scoreShared(sharedPage({0x8: 0, 0x40: 1400}), target, start).evaluation.sharedElsewhere, 'not when it is the counter')
  t.notOk(scoreShared(sharedPage({0x8: 0, 0x40: 1500}), target).evaluation.sharedElsewhere, 'nor without a tracked word')
  t.equal(scoreShared(target, target, start).evaluation.sharedDelta, undefined, 'nothing differs')
  t.equal(busiestSharedWord({sharedPages: new Set([0]), target: {dirtyPages: new Set(), page: () => target}} as unknown as IntervalProblem, () => start), undefined, 'a page the recording did not write')
})

t.test('a word that comes to point into RAM is no count, and a count goes down as well as up', async t => {
  // race's first loop interval: hart 0 sets its heap pointer (+0x10) at boot, then the harts count (+0x40).
  const start = sharedPage({0x10: 0, 0x40: 0, 0x50: 0})
  const target = sharedPage({0x10: 0x8002_1000, 0x40: 399_408, 0x50: 0})
  t.same(scoreShared(target, target, start).tracked, {page: 0, offset: 0x40}, 'the counter, not the heap pointer')
  const run = sharedPage({0x10: 0x8002_1000, 0x40: 400_000, 0x50: 0})
  t.equal(scoreShared(run, target, start).evaluation.sharedDelta, 592, 'the counter, 592 updates that were not lost')
  // A word taken from 0 down to -5 changed by 5, not by four billion: a counter that went up by 7 changed more.
  const zero = sharedPage({0x10: 0, 0x40: 0})
  const after = sharedPage({0x10: 0xffff_fffb, 0x40: 7})
  t.same(scoreShared(after, after, zero).tracked, {page: 0, offset: 0x40}, 'up by 7 is more than down by 5')
  const more = sharedPage({0x10: 0xffff_fff8, 0x40: 7})
  t.same(scoreShared(more, more, zero).tracked, {page: 0, offset: 0x10}, 'down by 8 is more than up by 7')
})

t.test('a hart whose pc is the first word that differs is said to be off in its pc, where the machine names the pc\'s offset', async t => {
  // Hart states of three words: a header word, the pc, a register.
  const state = (pc: number, reg: number) => new Uint8Array(Uint32Array.from([7, pc, reg]).buffer)
  const page = new Uint8Array(64)
  const run = (states: Uint8Array[], targets: Uint8Array[], pcOffset?: number) => {
    const machine = {
      hartCount: states.length,
      hartState: (hart: number) => states[hart],
      devices: () => new Map(),
      dirtyPages: () => [],
      page: () => page,
      ...(pcOffset !== undefined ? {pcOffset} : {}),
    } as unknown as MachineLike
    const problem = {sharedPages: new Set<number>(), target: {harts: targets, devices: new Map(), dirtyPages: new Set(), page: () => page}} as unknown as IntervalProblem
    const outcome: RunOutcome = {taken: new Uint8Array(0), end: 'complete', executed: 1, budget: 1, eventsMatched: 0, eventsTotal: 0}
    return scoreRun(machine, problem, outcome)
  }
  const targets = [state(0x1000, 5), state(0x2000, 9)]
  const pcOff = run([state(0x1000, 5), state(0x2004, 9)], targets, 4)
  t.same(pcOff.hartPcOff, [false, true], 'hart 1 ends elsewhere in its code; hart 0 is right')
  t.same(pcOff.hartDeltas, [0, 4])
  t.same(run([state(0x1000, 6), state(0x2000, 9)], targets, 4).hartPcOff, [false, false], 'a register off is not the pc')
  t.equal(run([state(0x1000, 5), state(0x2004, 9)], targets).hartPcOff, undefined, 'a machine that does not say where its pc is')
})
