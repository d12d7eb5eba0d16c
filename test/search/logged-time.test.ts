import t from 'tap'
import {mkdtempSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {IntervalRunner, type IntervalProblem} from '../../src/lib/search/interval.js'
import {LoggedTime} from '../../src/lib/search/logged-time.js'
import {SimIntervalMachine} from '../../src/lib/search/sim-machine.js'
import {RAM_BASE} from '../../src/lib/sim/hart-env.js'

/** An rv32 ELF whose code is `words` at RAM_BASE. */
function elfOf(words: number[]): string {
  const code = Buffer.alloc(words.length * 4)
  words.forEach((word, i) => code.writeUInt32LE(word >>> 0, i * 4))
  const header = Buffer.alloc(52 + 32)
  header.writeUInt32LE(0x464c457f, 0)
  header.set([1, 1, 1], 4)
  header.writeUInt16LE(2, 16)
  header.writeUInt16LE(243, 18)
  header.writeUInt32LE(1, 20)
  header.writeUInt32LE(RAM_BASE, 24)
  header.writeUInt32LE(52, 28)
  header.writeUInt16LE(52, 40)
  header.writeUInt16LE(32, 42)
  header.writeUInt16LE(1, 44)
  header.writeUInt32LE(1, 52)
  header.writeUInt32LE(84, 56)
  header.writeUInt32LE(RAM_BASE, 60)
  header.writeUInt32LE(RAM_BASE, 64)
  header.writeUInt32LE(code.length, 68)
  header.writeUInt32LE(code.length, 72)
  header.writeUInt32LE(5, 76)
  const path = join(mkdtempSync(join(tmpdir(), 'reseer-search-')), 'rdtime.elf')
  writeFileSync(path, Buffer.concat([header, code]))
  return path
}

// rdtime a0; j back to it: a time read at every even instruction count.
const kernel = elfOf([0xc0102573, 0xffdff06f])

function run(readsAt: number[]) {
  const time = new LoggedTime([readsAt.map(instret => ({instret, value: 1000n + BigInt(instret)}))])
  const sim = new SimIntervalMachine({vcpus: 1, memoryMiB: 4, kernel, cmdline: '', disks: [], vifs: []}, {time, interrupts: 'events'})
  sim.beginInterval()
  const start = sim.hartState(0)
  const problem: IntervalProblem = {
    interval: 0,
    budgets: [10],
    eventCounts: [readsAt.length],
    sharedPages: new Set(),
    target: {harts: [start], devices: sim.devices(), dirtyPages: new Set(), page: page => sim.page(page)},
  }
  const evaluation = new IntervalRunner(sim, problem).evaluate({path: new Uint8Array(0)})
  return {evaluation, a0: sim.machine.harts[0].getReg(10)}
}

t.test('time reads at their logged counts get the logged values and count as events', async t => {
  const {evaluation, a0} = run([0, 2, 4, 6, 8])
  t.equal(evaluation.end, 'complete')
  t.equal(evaluation.eventsMatched, 5)
  t.equal(a0, 1008, 'the last read returned the logged value')
})

t.test('a time read off its logged count ends the run, named', async t => {
  const {evaluation} = run([0, 2, 5, 6, 8])
  t.equal(evaluation.end, 'diverged')
  t.equal(evaluation.divergence, 'hart 0: time read at instruction 4, but the log has the next one at 5')
  t.equal(evaluation.found, false)
  t.equal(evaluation.eventsMatched, 2)
  t.ok(evaluation.fitness < 1)
})

t.test('a time read after the log runs out diverges too, and state round-trips', async t => {
  const {evaluation} = run([0, 2])
  t.match(evaluation.divergence, /time read at instruction 4, but the log has no more time reads/)
  const time = new LoggedTime([[{instret: 0, value: 5n}]])
  time.now(0, 3)
  const copy = new LoggedTime([[{instret: 0, value: 5n}]])
  copy.loadState(time.saveState())
  t.equal(copy.divergence(0), time.divergence(0))
  t.equal(copy.matched(0), 0)
})
