import t from 'tap'
import {IntervalRunner} from '../../src/lib/search/interval.js'
import {pathFromString, pathToString} from '../../src/lib/search/path.js'
import {ReseerError} from '../../src/lib/cli/errors.js'
import {ToyMachine, counterRace, problemFrom, targetOf, type ToyOp} from './toy-machine.js'

/** Run `secret` from a fresh machine and make its end state the target. */
function raceProblem(rounds: number, secret: string, cacheBytes = 0) {
  const machine = new ToyMachine(counterRace(rounds), 3)
  const budgets = machine.programs.map(p => p.length)
  const recorder = new IntervalRunner(machine, {
    interval: 0,
    budgets,
    eventCounts: [0, 0],
    sharedPages: new Set([0]),
    target: {harts: [new Uint8Array(0), new Uint8Array(0)], devices: new Map(), dirtyPages: new Set(), page: () => new Uint8Array(16)},
  }, {cacheBytes: 0})
  const outcome = recorder.run({path: pathFromString(secret)})
  const target = targetOf(machine)
  const problem = problemFrom(machine, [0, 0], target, [0])
  const fresh = new ToyMachine(counterRace(rounds), 3)
  return {runner: new IntervalRunner(fresh, problem, {cacheBytes, snapshotSpacing: 0}), outcome, problem}
}

t.test('the path that made the target reaches it exactly', async t => {
  const {runner, outcome} = raceProblem(3, '1011001')
  const evaluation = runner.evaluate({path: outcome.taken})
  t.equal(evaluation.fitness, 1)
  t.equal(evaluation.found, true)
  t.equal(evaluation.end, 'complete')
  t.equal(evaluation.executed, evaluation.budget)
  t.equal(evaluation.firstDifference, undefined)
})

t.test('a path that runs out of bits continues the running hart', async t => {
  const {runner} = raceProblem(2, '')
  const short = runner.run({path: pathFromString('0')})
  t.equal(short.taken[0], 0, 'the given bit is used')
  t.ok(short.taken.subarray(1).every(bit => bit === 1), 'every later decision is the default, continue')
  t.equal(runner.evaluate({path: short.taken}).fitness, runner.evaluate({path: pathFromString('0')}).fitness)
})

t.test('a different interleaving is scored below 1 and its first difference named', async t => {
  const {runner} = raceProblem(3, '0101010101')
  const evaluation = runner.evaluate({path: pathFromString('')})
  t.equal(evaluation.found, false)
  t.ok(evaluation.fitness < 1 && evaluation.fitness > 0.5, `fitness ${evaluation.fitness}`)
  t.match(evaluation.firstDifference, /^(hart \d: r\d -?\d+ != -?\d+|page 0x80000000 byte \+0x\d: 0x[0-9a-f]{2} != 0x[0-9a-f]{2})/)
})

t.test('pace-following runs record the decisions they took', async t => {
  const {runner} = raceProblem(4, '')
  const paced = runner.run({path: new Uint8Array(0), tail: {kind: 'pace', slack: 0}})
  t.ok(paced.taken.includes(0), 'at zero slack the harts take turns')
  const replayed = runner.run({path: paced.taken})
  t.equal(pathToString(replayed.taken), pathToString(paced.taken), 'the recorded bits replay the same run')
  t.equal(runner.evaluate({path: paced.taken}).fitness, runner.evaluate({path: new Uint8Array(0), tail: {kind: 'pace', slack: 0}}).fitness)
})

t.test('resuming from cached prefixes gives the results of running from the checkpoint', async t => {
  const cached = raceProblem(5, '0110100110', 1 << 20)
  const uncached = raceProblem(5, '0110100110', 0)
  const paths = ['', '0', '01', '0110', '01101', '0110100110', '1111', '0000000', '10', '011010011']
  for (const round of [1, 2]) {
    for (const text of paths) {
      const a = cached.runner.evaluate({path: pathFromString(text)})
      const b = uncached.runner.evaluate({path: pathFromString(text)})
      t.same(a, b, `round ${round}, path "${text}"`)
    }
  }
  t.ok(cached.runner.cacheStats.hits > 0, 'later runs resumed from snapshots')
  t.equal(uncached.runner.cacheStats.entries, 0)
})

t.test('a time read that does not line up with the log ends the run early', async t => {
  // Hart 1 spins until hart 0 sets a flag, then reads the time. The log says
  // it read the time after exactly one spin; other interleavings spin longer.
  const programs: ToyOp[][] = [
    [{op: 'addi', reg: 0, imm: 1}, {op: 'addi', reg: 0, imm: 1}, {op: 'store', page: 0, reg: 0}],
    [{op: 'load', page: 0, reg: 0}, {op: 'bz', reg: 0, back: 1}, {op: 'time', reg: 1}, {op: 'addi', reg: 1, imm: 1}],
  ]
  const events = [[], [{instret: 4, value: 77}]]
  const machine = new ToyMachine(programs, 1, events)
  const problem = {
    interval: 3,
    budgets: [3, 6],
    eventCounts: [0, 1],
    sharedPages: new Set([0]),
    target: {harts: [new Uint8Array(20), new Uint8Array(20)], devices: new Map(), dirtyPages: new Set<number>(), page: () => new Uint8Array(16)},
  }
  const runner = new IntervalRunner(machine, problem, {cacheBytes: 0})
  const diverged = runner.evaluate({path: pathFromString('1111')})
  t.equal(diverged.end, 'diverged')
  t.match(diverged.divergence, /^hart 1: time read at instruction \d+, but the log has it at 4/)
  t.equal(diverged.found, false)
  t.equal(diverged.eventsMatched, 0)

  // Hart 0 yields before its store, hart 1 loads the flag once and spins,
  // then yields at its second load so that the store lands in between.
  const lined = runner.run({path: pathFromString('010')})
  t.equal(lined.end, 'complete', `taken ${pathToString(lined.taken)}`)
  t.equal(lined.eventsMatched, 1)
})

t.test('a hart left asleep makes the run stuck, never complete', async t => {
  const programs: ToyOp[][] = [[{op: 'addi', reg: 0, imm: 1}], [{op: 'addi', reg: 0, imm: 1}]]
  const machine = new ToyMachine(programs, 1)
  const problem = {
    interval: 0,
    budgets: [1, 5],
    eventCounts: [0, 0],
    sharedPages: new Set<number>(),
    target: {harts: [new Uint8Array(20), new Uint8Array(20)], devices: new Map(), dirtyPages: new Set<number>(), page: () => new Uint8Array(16)},
  }
  const evaluation = new IntervalRunner(machine, problem).evaluate({path: new Uint8Array(0)})
  t.equal(evaluation.end, 'stuck')
  t.equal(evaluation.found, false)
  t.ok(evaluation.fitness < 1)
})

t.test('a hart that goes to sleep on its last instruction, the last to run, ends a complete run', async t => {
  // Race's last interval: hart 0 runs its budget out, then hart 1 leaves the barrier and parks in WFI.
  const programs: ToyOp[][] = [[{op: 'addi', reg: 0, imm: 1}, {op: 'addi', reg: 0, imm: 1}], [{op: 'addi', reg: 1, imm: 2}, {op: 'sleep'}]]
  const recorded = new ToyMachine(programs, 1)
  for (const hart of [0, 1]) recorded.runHart(hart, {untilRetired: 2, stopAtPages: new Set(), allowPending: false})
  const problem = problemFrom(recorded, [0, 0], targetOf(recorded), [])
  t.same(problem.budgets, [2, 2])
  const evaluation = new IntervalRunner(new ToyMachine(programs, 1), problem).evaluate({path: new Uint8Array(0)})
  t.equal(evaluation.end, 'complete', evaluation.firstDifference ?? '')
  t.equal(evaluation.found, true)
  t.equal(evaluation.fitness, 1)
})

t.test('a problem that does not fit the machine is refused clearly', async t => {
  const machine = new ToyMachine(counterRace(1), 3)
  const target = targetOf(machine)
  t.throws(
    () => new IntervalRunner(machine, {interval: 2, budgets: [1], eventCounts: [0], sharedPages: new Set(), target}),
    new ReseerError('interval 2 describes 1 harts but the machine has 2', {code: 'EBADINTERVAL'}),
  )
  t.throws(
    () => new IntervalRunner(machine, {interval: 2, budgets: [1, -1], eventCounts: [0, 0], sharedPages: new Set(), target}),
    {name: 'ReseerError', message: /hart 1 has a budget of -1/},
  )
})
