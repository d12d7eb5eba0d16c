// An elastic run stops a hart where its state first equals its target (pc
// and registers). Where that state comes round again and again (a driver's
// registers are alike at every request: dbench's hart 0 after queueing a
// read), the first time can be far too early: the hart stops with most of its
// budget left and no wait to put it in. The runner then runs the pass once
// more with such harts stopping only where what they have left fits their
// waits (IntervalRunner.evaluateElastic, ElasticPass.stranded).
import t from 'tap'
import {IntervalRunner, type IntervalProblem} from '../../src/lib/search/interval.js'
import {targetOf, ToyMachine, ToyMachineWithBreaks, type ToyOp} from './toy-machine.js'

/** A loop that adds `step` to the word of `page` (or multiplies it by `step`) and comes back to its first operation with every register 0. */
function counting(page: number, step: number, op: 'addi' | 'muli'): ToyOp[] {
  return [
    {op: 'load', page, reg: 0},
    {op, reg: 0, imm: step},
    {op: 'store', page, reg: 0},
    {op: 'muli', reg: 0, imm: 0},
    {op: 'bz', reg: 2, back: 4},
  ]
}

t.test('a target state that comes round at every turn of a loop: the hart stops at the last, not the first', async t => {
  // Both harts work on the word of page 0, hart 0 adding 3, hart 1 doubling, so the end value tells interleavings
  // apart. Each hart's state at the top of its loop is the same at every turn: pc 0, every register 0. The
  // recording: the harts at an even pace, 20 turns of hart 0 and 12 of hart 1.
  const programs = [counting(0, 3, 'addi'), counting(0, 2, 'muli')]
  const budgets = [5 * 20, 5 * 12]
  const blank: IntervalProblem = {
    interval: 0, budgets, eventCounts: [0, 0], sharedPages: new Set([0]),
    target: {harts: [new Uint8Array(0), new Uint8Array(0)], devices: new Map(), dirtyPages: new Set(), page: () => new Uint8Array(16)},
  }
  const recorder = new ToyMachine(programs, 1)
  new IntervalRunner(recorder, blank, {cacheBytes: 0}).run({path: new Uint8Array(0), tail: {kind: 'pace', slack: 0}})
  const target = targetOf(recorder)
  const runner = new IntervalRunner(new ToyMachineWithBreaks(programs, 1), {...blank, target})
  const run = runner.evaluate({path: new Uint8Array(0), tail: {kind: 'elastic', slack: 0}})
  t.ok(run.found, `an elastic run finds it (${run.firstDifference ?? 'no difference'})`)
  // What a first stop at the target gives: hart 0 at the top of its loop having counted nothing.
  const first = new ToyMachineWithBreaks(programs, 1)
  const stop = first.runHart(0, {untilRetired: budgets[0], stopAtPages: new Set(), allowPending: false, breakAt: 0, breakRegs: new Int32Array(4)})
  t.same([stop.kind, first.retired(0)], ['break', 0], 'the first time hart 0 stands in its target state is before it has run at all')
})
