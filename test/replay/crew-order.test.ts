// The CREW order on the toy multiprocessor: logged transfers decide which of
// two conflicting accesses comes first, a cycle of transfers is reported as
// such, and a stop point ends the run with the hart exactly there.
import t from 'tap'
import {scoreRun} from '../../src/lib/search/fitness.js'
import {type CrewEdge, runCrewOrder} from '../../src/lib/replay/crew-order.js'
import {StopReached} from '../../src/lib/replay/stop-at.js'
import {ToyMachine, type ToyOp, problemFrom, targetOf} from '../search/toy-machine.js'

// Hart 0 reads page 0 and copies it to page 1; hart 1 writes 7 to page 0.
const programs: ToyOp[][] = [
  [{op: 'load', page: 0, reg: 0}, {op: 'store', page: 1, reg: 0}, {op: 'addi', reg: 1, imm: 1}],
  [{op: 'addi', reg: 0, imm: 7}, {op: 'store', page: 0, reg: 0}, {op: 'addi', reg: 1, imm: 1}],
]

/** The recording: hart 1 ran first, then hart 0; its end state is the target. */
function recorded(): ReturnType<typeof problemFrom> {
  const machine = new ToyMachine(programs, 2)
  machine.runHart(1, {untilRetired: 3, stopAtPages: new Set(), allowPending: false})
  machine.runHart(0, {untilRetired: 3, stopAtPages: new Set(), allowPending: false})
  return problemFrom(machine, [0, 0], targetOf(machine), [])
}

// Hart 1 gave page 0 up after its store (instruction 2); hart 0 took it before its first instruction.
const transfer: CrewEdge = {page: 0, from: 1, fromInstret: 2, to: 0, toInstret: 0, rights: 'read'}

t.test('a transfer puts the writer first, though hart 0 comes first in turn', async (t) => {
  const problem = recorded()
  const machine = new ToyMachine(programs, 2)
  const outcome = runCrewOrder(machine, problem, {edges: [transfer]})
  t.equal(outcome.end, 'complete')
  const evaluation = scoreRun(machine, problem, outcome)
  t.ok(evaluation.found, evaluation.firstDifference)
  t.equal(new DataView(machine.page(1).buffer).getInt32(0, true), 7, 'hart 0 copied what hart 1 wrote')
})

t.test('without the transfer hart 0 reads first and the checkpoint does not match', async (t) => {
  const problem = recorded()
  const machine = new ToyMachine(programs, 2)
  const evaluation = scoreRun(machine, problem, runCrewOrder(machine, problem, {edges: []}))
  t.notOk(evaluation.found)
  t.match(evaluation.firstDifference, /hart 0: r0 0 != 7/)
})

t.test('transfers that wait on each other are reported, not spun on', async (t) => {
  const problem = recorded()
  const machine = new ToyMachine(programs, 2)
  const outcome = runCrewOrder(machine, problem, {edges: [transfer, {page: 1, from: 0, fromInstret: 2, to: 1, toInstret: 1, rights: 'write'}]})
  t.equal(outcome.end, 'stuck')
  t.equal(outcome.divergence, 'the CREW order cannot be met: hart 0 waits at instruction 0 for hart 1 to reach 2 (page 0x80000000, read)')
})

t.test('a stop point ends the run with that hart there and the others where the order brought them', async (t) => {
  const problem = recorded()
  const machine = new ToyMachine(programs, 2)
  t.throws(() => runCrewOrder(machine, problem, {edges: [transfer]}, {hart: 0, instret: 1}), StopReached)
  t.equal(machine.retired(0), 1)
  t.equal(machine.retired(1), 3, 'hart 1 ran first and all the way, as the transfer lets hart 0 go only after it')
})
