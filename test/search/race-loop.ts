// The race workload on the simulator as a source of synthetic intervals: the
// harts booted and run round robin deep into the counting loop, and a
// snapshot of where a run ended as the target checkpoint; a synthetic
// interval of it around a secret schedule.
import {IntervalRunner, type IntervalProblem, type IntervalTarget} from '../../src/lib/search/interval.js'
import {SeededRandom} from '../../src/lib/search/prng.js'
import {SimIntervalMachine} from '../../src/lib/search/sim-machine.js'
import {PAGE_SHIFT, PAGE_SIZE} from '../../src/lib/sim/hart-env.js'

export const kernel = new URL('../../guests/build/race.elf', import.meta.url).pathname
/** Instructions per hart of raceInterval's intervals. */
const BUDGET = 3000

/** Boot race on two harts with `cmdline` and run them round robin until hart 0 has printed its first line. */
export function bootRace(cmdline: string): SimIntervalMachine {
  const sim = new SimIntervalMachine({vcpus: 2, memoryMiB: 4, kernel, cmdline, disks: [], vifs: []})
  const text = () => new TextDecoder().decode(sim.machine.console)
  for (let round = 0; round < 2000 && !text().includes('race: harts=2'); round++) {
    for (let hart = 0; hart < 2; hart++) sim.machine.runHart(hart, {budget: 1000})
  }
  return sim
}

/** Boot race on two harts and run them round robin until both are deep in the counting loop. */
export function raceInLoop(): SimIntervalMachine {
  const sim = bootRace('m=100000')
  for (let round = 0; round < 20; round++) for (let hart = 0; hart < 2; hart++) sim.machine.runHart(hart, {budget: 1000})
  sim.beginInterval()
  return sim
}

/** Where the machine stands now, as checkpoint k+1: hart and device states, dirty pages, RAM. */
export function targetNow(sim: SimIntervalMachine): IntervalTarget {
  const endRam = sim.machine.ram.slice()
  return {
    harts: [0, 1].map(hart => sim.hartState(hart)),
    devices: sim.devices(),
    dirtyPages: new Set(sim.dirtyPages()),
    page: (page: number) => endRam.slice(page << PAGE_SHIFT, (page << PAGE_SHIFT) + PAGE_SIZE),
  }
}

/** Two harts with `budget` instructions each and no target yet: what a schedule is run on to make one. */
export function blankProblem(budget: number, sharedPages: Set<number>): IntervalProblem {
  return {
    interval: 0,
    budgets: [budget, budget],
    eventCounts: [0, 0],
    sharedPages,
    target: {harts: [new Uint8Array(0), new Uint8Array(0)], devices: new Map(), dirtyPages: new Set(), page: () => new Uint8Array(0)},
  }
}

/** A schedule of turns some tens of decisions long, as truly parallel harts might have had. */
export function secretPath(seed: number, length: number): Uint8Array {
  const random = new SeededRandom(seed)
  return Uint8Array.from({length}, () => (random.chance(0.08) ? 0 : 1))
}

/** Race between two snapshots around the secret schedule: the runner, and that schedule's run with its hand-overs. */
export function raceInterval(secret: number) {
  const sim = raceInLoop()
  const start = sim.save()
  for (let round = 0; round < BUDGET / 50; round++) for (let hart = 0; hart < 2; hart++) sim.machine.runHart(hart, {budget: 50})
  const [a, b] = [0, 1].map(hart => sim.machine.pageAccesses(hart))
  const shared = new Set([...a.written].filter(page => b.written.includes(page)))
  sim.restore(start)
  const blank = blankProblem(BUDGET, shared)
  const recording = new IntervalRunner(sim, blank, {cacheBytes: 0}).run({path: secretPath(secret, 2 * BUDGET), handovers: true})
  const target = targetNow(sim)
  sim.restore(start)
  return {runner: new IntervalRunner(sim, {...blank, target}), recording}
}
