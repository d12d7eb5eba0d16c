// Elastic runs: spin detection and breakpoints in the deterministic machine,
// and the runner that cuts spins to one turn and puts the recording's extra
// turns back, on the pingpong workload (two harts passing a token by spinning).
import t from 'tap'
import {IntervalRunner, spreadTurns, withExtraTurns, type IntervalProblem} from '../../src/lib/search/interval.js'
import {Ledger} from '../../src/lib/search/ledger.js'
import {LocalEvaluator} from '../../src/lib/search/local-evaluator.js'
import {resolveSettings} from '../../src/lib/search/settings.js'
import {SeededRandom} from '../../src/lib/search/prng.js'
import {SimIntervalMachine} from '../../src/lib/search/sim-machine.js'
import {readSymbols} from '../../src/lib/replay/symbols.js'
import {PAGE_SHIFT, PAGE_SIZE, RAM_BASE} from '../../src/lib/sim/hart-env.js'
import {decodeHartState, encodeHartState} from '../../src/lib/sim/hart-state.js'

const kernel = new URL('../../guests/build/pingpong.elf', import.meta.url).pathname
const turn = readSymbols(kernel).get('turn')!
const turnPage = (turn.address - RAM_BASE) >>> PAGE_SHIFT

/** Pingpong booted on two harts, both past arg_uint and in the token loop. */
function pingpongInLoop(): SimIntervalMachine {
  const sim = new SimIntervalMachine({vcpus: 2, memoryMiB: 4, kernel, cmdline: 'k=100000', disks: [], vifs: []})
  for (let round = 0; round < 40; round++) for (let hart = 0; hart < 2; hart++) sim.machine.runHart(hart, {budget: 1000})
  sim.beginInterval()
  return sim
}

t.test('spreadTurns puts a hart\'s leftover budget into its last waits as whole turns', async t => {
  const waits = [{at: 4, length: 2}, {at: 9, length: 3}, {at: 20, length: 3}]
  t.same([...spreadTurns(0, waits)!], [])
  t.same([...spreadTurns(9, waits)!], [[20, 3]], 'all on the last wait when it divides')
  t.same([...spreadTurns(7, waits)!], [[4, 2], [20, 1]], 'a few turns of a loop of another length, the rest on the last')
  t.same([...spreadTurns(2, waits)!], [[4, 1]])
  t.equal(spreadTurns(1, waits), undefined, 'no split into turns of 2 and 3 makes 1')
  t.equal(spreadTurns(-3, waits), undefined, 'a hart cannot give back more than it has')
  t.equal(spreadTurns(5, []), undefined, 'nowhere to put it')
})

t.test('withExtraTurns inserts continues before the given decisions', async t => {
  const path = Uint8Array.from([1, 0, 1, 0])
  t.same([...withExtraTurns(path, new Map([[1, 2], [3, 1]]))], [1, 1, 1, 0, 1, 1, 0])
  t.same([...withExtraTurns(path, new Map())], [...path])
})

t.test('the machine reports a spin: a watched read at the same pc with the same registers', async t => {
  const sim = pingpongInLoop()
  const m = sim.machine
  // Whichever hart does not hold the token spins on `turn`; find it.
  const waiter = m.harts.findIndex((_, hart) => m.runHart(hart, {budget: 5000, stopAtPages: new Set([turnPage]), passStops: 50, spinStops: true}).spin !== undefined)
  t.ok(waiter >= 0, 'one hart spins')
  const first = m.harts[waiter].instret
  const pc = m.harts[waiter].pc
  const again = m.runHart(waiter, {budget: 5000, stopAtPages: new Set([turnPage]), spinStops: true})
  t.equal(again.reason, 'page')
  t.equal(again.spin, 3, 'lw, fence, bne')
  t.equal(m.harts[waiter].pc, pc)
  t.equal(m.harts[waiter].instret, first + 3, 'one turn later')
  const plain = m.runHart(waiter, {budget: 300, stopAtPages: new Set([turnPage]), passStops: Infinity})
  t.equal(plain.reason, 'budget', 'without spinStops the turns pass as decided')
  t.equal(plain.spin, undefined)
  m.forgetSpins()
  const decided = m.runHart(waiter, {budget: 300, stopAtPages: new Set([turnPage]), passStops: Infinity, spinStops: true})
  t.equal(decided.reason, 'budget', 'decisions a path made (passStops) go through spins')
  m.forgetSpins()
  const fresh = m.runHart(waiter, {budget: 5000, stopAtPages: new Set([turnPage]), passBelowInstret: Infinity, spinStops: true})
  t.equal(fresh.reason, 'page', 'a pace (passBelowInstret) does not hide a spin')
  t.equal(m.harts[waiter].instret, first + 3 + 300 + 300 + 3, 'one turn after forgetting: the first access only sets what the next is compared with')
})

t.test('a breakpoint stops a hart before the instruction, inside hot compiled code too, and a resumed run goes on past it', async t => {
  const sim = pingpongInLoop()
  const m = sim.machine
  const waiter = m.harts.findIndex((_, hart) => m.runHart(hart, {budget: 5000, stopAtPages: new Set([turnPage]), passStops: 50, spinStops: true}).spin !== undefined)
  m.runHart(waiter, {budget: 30_000})
  const spinPc = m.harts[waiter].pc
  const branch = m.harts[waiter].instret
  const stop = m.runHart(waiter, {budget: 1000, breakAt: spinPc + 8})
  t.equal(stop.reason, 'break')
  t.equal(m.harts[waiter].pc, spinPc + 8)
  t.ok(m.harts[waiter].instret - branch < 3, 'within one turn')
  const at = m.harts[waiter].instret
  const saved = m.saveState()
  m.runHart(waiter, {budget: 1000})
  m.restoreState(saved)
  t.equal(m.runHart(waiter, {budget: 1000, breakAt: spinPc + 8}).reason, 'break', 'restored to the breakpoint, the hart stops there again')
  t.equal(m.harts[waiter].instret, at)
  t.equal(m.runHart(waiter, {budget: 1000, breakAt: spinPc + 8}).reason, 'break')
  t.equal(m.harts[waiter].instret, at + 3, 'the next turn, not the same instruction again')
  t.equal(m.runHart(waiter, {budget: 1000}).reason, 'budget', 'no breakpoint once the run has none')
})

t.test('a breakpoint with registers stops only where the hart\'s registers are those, but for breakLoose of them', async t => {
  const raceKernel = new URL('../../guests/build/race.elf', import.meta.url).pathname
  const counter = readSymbols(raceKernel).get('counter')!
  const counterPage = (counter.address - RAM_BASE) >>> PAGE_SHIFT
  const sim = new SimIntervalMachine({vcpus: 2, memoryMiB: 4, kernel: raceKernel, cmdline: 'm=100000', disks: [], vifs: []})
  const m = sim.machine
  // Both harts past the start barrier, then hart 0 stopped at the loop's load of the counter.
  for (let round = 0; round < 60; round++) for (let hart = 0; hart < 2; hart++) m.runHart(hart, {budget: 1000})
  t.equal(m.runHart(0, {budget: 10_000, stopAtPages: new Set([counterPage])}).reason, 'page', 'hart 0 is in the loop')
  const loopPc = m.harts[0].pc
  const start = m.saveState()
  m.runHart(0, {budget: 20_000})
  const plain = m.runHart(0, {budget: 1000, breakAt: loopPc})
  t.equal(plain.reason, 'break', 'a plain breakpoint stops at the next turn')
  const at = m.harts[0].instret
  const regs = new Int32Array(32)
  m.harts[0].copyRegs(regs)
  m.restoreState(start)
  const first = m.harts[0].instret
  t.equal(m.runHart(0, {budget: 100_000, breakAt: loopPc, breakRegs: regs}).reason, 'break')
  t.equal(m.harts[0].instret, at, 'the registered breakpoint passes every turn before, and stops at the one with those registers')
  t.ok(at - first > 20_000 - 10, 'thousands of turns passed')
  const later = Int32Array.from(regs)
  later[14] += 1 // a4, the loop's index, and a5, the counter as stored: one turn on
  later[15] += 1
  m.restoreState(start)
  m.runHart(0, {budget: 100_000, breakAt: loopPc, breakRegs: later})
  t.equal(m.harts[0].instret, at + 5, 'one turn later for the next index (lw, add, add, sw, bltu)')
  const wrong = Int32Array.from(regs)
  wrong[14] = 0x7fff_0000
  m.restoreState(start)
  t.equal(m.runHart(0, {budget: 30_000, breakAt: loopPc, breakRegs: wrong}).reason, 'budget', 'no turn has that index')
  m.restoreState(start)
  t.equal(m.runHart(0, {budget: 100_000, breakAt: loopPc, breakRegs: wrong, breakLoose: 1}).reason, 'break', 'one register may differ')
  t.equal(m.harts[0].instret, at, 'the index, at the turn whose counter is right')
})

/** A schedule that lets the waiting hart spin for long stretches, as a host that deschedules threads would. */
function spinnyPath(seed: number, length: number): Uint8Array {
  const random = new SeededRandom(seed)
  const path = new Uint8Array(length)
  for (let i = 0; i < length; ) {
    const run = 1 + random.int(200)
    path.fill(1, i, Math.min(length, i + run))
    i += run + 1
  }
  return path
}

t.test('an elastic run reaches the end of a schedule that spun long, in one evaluation; pace runs do not', async t => {
  const sim = pingpongInLoop()
  const start = sim.save()
  const budgets = [20_000, 20_000]
  const blank: IntervalProblem = {
    interval: 0, budgets, eventCounts: [0, 0], sharedPages: new Set([turnPage]),
    target: {harts: [new Uint8Array(0), new Uint8Array(0)], devices: new Map(), dirtyPages: new Set(), page: () => new Uint8Array(0)},
  }
  const recording = new IntervalRunner(sim, blank, {cacheBytes: 0}).run({path: spinnyPath(5, 20_000)})
  t.equal(recording.end, 'complete')
  const ram = sim.machine.ram.slice()
  const problem: IntervalProblem = {
    ...blank,
    target: {
      harts: [0, 1].map(hart => sim.hartState(hart)),
      devices: sim.devices(),
      dirtyPages: new Set(sim.dirtyPages()),
      page: page => ram.slice(page << PAGE_SHIFT, (page << PAGE_SHIFT) + PAGE_SIZE),
    },
  }
  sim.restore(start)
  const runner = new IntervalRunner(sim, problem)
  for (const slack of [0, 0.01, 1]) {
    t.equal(runner.evaluate({path: new Uint8Array(0), tail: {kind: 'pace', slack}}).found, false, `the pace with slack ${slack} misses it`)
  }
  const elastic = runner.evaluate({path: new Uint8Array(0), tail: {kind: 'elastic', slack: 1}})
  t.equal(elastic.found, true, `elastic: ${elastic.firstDifference}`)
  t.equal(runner.evaluate({path: elastic.taken}).found, true, 'the path it took is an ordinary path that replays')
  const again = runner.evaluate({path: new Uint8Array(0), tail: {kind: 'elastic', slack: 1}})
  t.ok(again.found && Buffer.from(again.taken).equals(Buffer.from(elastic.taken)), 'the same run again, whatever ran before (a restored hart forgets where it last broke)')
  t.not(Buffer.from(elastic.taken).equals(Buffer.from(recording.taken)), 'by a schedule of its own, not the recording\'s')
  // Started with hart 1, as a miss is run again when a hart's budget found no wait: hart 0 yields at its first decision.
  const second = (runner as unknown as {elasticPass(path: Uint8Array, tail: object, first: number): {path: Uint8Array}}).elasticPass(new Uint8Array(0), {kind: 'elastic', slack: 1}, 1)
  t.equal(second.path[0], 0, 'hart 0 yields first')
  t.equal(runner.evaluate({path: second.path}).found, true, 'and the path, run from hart 0 as every path is, reaches the target')
  const prefix = elastic.taken.slice(0, 40)
  t.equal(runner.evaluate({path: prefix, tail: {kind: 'elastic', slack: 1}}).found, true, 'after a prefix of its own decisions too')
  // A hart placed at the other's time while it waited, whose path then ran that wait's turns after all (a prefix of
  // a run with every spin turn in it), is never put past the end of its budget: a pace position past it would have
  // the hart yield at every decision point whatever the slack.
  const ahead = (runner as unknown as {ahead(hart: number, shift?: readonly number[]): number}).ahead.bind(runner)
  sim.restore(start)
  t.equal(ahead(1, [0, 500]), 500, 'a shift within the budget stands')
  t.equal(ahead(1, [0, 10 ** 9]), budgets[1], 'one past it ends at the budget (the hart has retired nothing yet)')
  t.equal(ahead(1, [0, -3]), -3, 'a negative shift stands')
  t.equal(ahead(1), 0, 'no shift: none')
  sim.machine.runHart(1, {budget: 1000})
  t.equal(ahead(1, [0, 10 ** 9]), budgets[1] - 1000, 'and less as the hart retires')
})

t.test('a charged elastic run puts a hart that leaves its last wait later in time, and its path replays as run', async t => {
  const sim = pingpongInLoop()
  const start = sim.save()
  const blank: IntervalProblem = {
    interval: 0, budgets: [20_000, 20_000], eventCounts: [0, 0], sharedPages: new Set([turnPage]),
    target: {harts: [new Uint8Array(0), new Uint8Array(0)], devices: new Map(), dirtyPages: new Set(), page: () => new Uint8Array(0)},
  }
  new IntervalRunner(sim, blank, {cacheBytes: 0}).run({path: spinnyPath(7, 20_000)})
  const ram = sim.machine.ram.slice()
  const target = {
    harts: [0, 1].map(hart => sim.hartState(hart)),
    devices: sim.devices(),
    dirtyPages: new Set(sim.dirtyPages()),
    page: (page: number) => ram.slice(page << PAGE_SHIFT, (page << PAGE_SHIFT) + PAGE_SIZE),
  }
  sim.restore(start)
  const runner = new IntervalRunner(sim, {...blank, target})
  type Pass = {path: Uint8Array; leftover: Map<number, {waits: number; instructions: number}>}
  const pass = (runner as unknown as {elasticPass(path: Uint8Array, tail: object, first: number, charge?: Map<number, object>): Pass}).elasticPass.bind(runner)
  const first = pass(new Uint8Array(0), {kind: 'elastic', slack: 0}, 0)
  t.ok(first.leftover.size > 0, `the harts spun beyond one turn: ${JSON.stringify([...first.leftover])}`)
  for (const [hart, left] of first.leftover) t.ok(left.waits > 0 && left.instructions > 0, `hart ${hart}: ${left.instructions} instructions over ${left.waits} waits`)
  const charged = pass(new Uint8Array(0), {kind: 'elastic', slack: 0}, 0, first.leftover)
  t.not(Buffer.from(charged.path).equals(Buffer.from(first.path)), 'charging the leftover changes the schedule')
  const evaluation = runner.evaluate({path: new Uint8Array(0), tail: {kind: 'elastic', slack: 0, charge: true}})
  t.same(evaluation.taken, charged.path, 'a charged tail runs the charged pass')
  const again = runner.evaluate({path: evaluation.taken})
  t.equal(again.fitness, evaluation.fitness, 'its path is an ordinary path that runs the same')
  t.equal(again.found, evaluation.found)
  // The ledger keeps charged and plain tails apart: both run.
  const ledger = new Ledger(new LocalEvaluator(runner), resolveSettings({seed: 1}))
  const [plain, chargedRun] = await ledger.evaluate([{path: new Uint8Array(0), tail: {kind: 'elastic', slack: 0}}, {path: new Uint8Array(0), tail: {kind: 'elastic', slack: 0, charge: true}}])
  t.same(plain.taken, first.path)
  t.same(chargedRun.taken, charged.path)
})

t.test('a loose match stops a hart at its target pc with as many registers off as it allows, and no more', async t => {
  const sim = pingpongInLoop()
  const state = sim.hartState(0)
  t.ok(sim.hartMatchesBut(0, state), 'the hart matches its own state')
  const decoded = decodeHartState(state)
  const oneOff = encodeHartState({...decoded, x: decoded.x.map((v, i) => (i === 15 ? (v + 1) >>> 0 : v)), instret: decoded.instret + 40})
  t.notOk(sim.hartMatchesBut(0, oneOff), 'one register off: no strict match')
  t.ok(sim.hartMatchesBut(0, oneOff, 1), 'one register off: a loose match, the retired count aside')
  const twoOff = encodeHartState({...decoded, x: decoded.x.map((v, i) => (i === 15 || i === 14 ? (v + 1) >>> 0 : v))})
  t.notOk(sim.hartMatchesBut(0, twoOff, 1), 'two registers off')
  t.ok(sim.hartMatchesBut(0, twoOff, 2))
  const otherPc = encodeHartState({...decoded, pc: decoded.pc + 4})
  t.notOk(sim.hartMatchesBut(0, otherPc, 31), 'another pc never matches')
  const otherCsr = encodeHartState({...decoded, x: decoded.x.map((v, i) => (i === 15 ? (v + 1) >>> 0 : v)), mscratch: (decoded.mscratch + 1) >>> 0})
  t.notOk(sim.hartMatchesBut(0, otherCsr, 1), 'a register off and a CSR off')
})
