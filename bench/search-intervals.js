// Intervals of the bundled workloads for the search benchmark, cut from the
// simulator: boot a workload, run it round robin into its steady state, take
// that as checkpoint k, run a secret schedule for a budget of instructions per
// hart and take where it ends as checkpoint k+1. The search then has to find
// a schedule reaching k+1 exactly, as it would between two recorded
// checkpoints. Also a problem source for the worker pool (loadInterval).

import {IntervalRunner} from '../dist/lib/search/interval.js'
import {SeededRandom} from '../dist/lib/search/prng.js'
import {SimIntervalMachine} from '../dist/lib/search/sim-machine.js'
import {PAGE_SHIFT, PAGE_SIZE} from '../dist/lib/sim/hart-env.js'

export const WORKLOADS = {
  race: {cmdline: 'm=1000000', warmup: 40_000},
  pingpong: {cmdline: 'k=1000000', warmup: 40_000},
}

/**
 * @param {{workload: keyof typeof WORKLOADS, budget: number, secret: number, yieldChance?: number, memoryMiB?: number}} arg
 */
export function buildInterval(arg) {
  const {workload, budget, secret, yieldChance = 0.15, memoryMiB = 4} = arg
  const spec = WORKLOADS[workload]
  const kernel = new URL(`../guests/build/${workload}.elf`, import.meta.url).pathname
  const sim = new SimIntervalMachine({vcpus: 2, memoryMiB, kernel, cmdline: spec.cmdline, disks: [], vifs: []})
  for (let done = 0; done < spec.warmup; done += 500) for (let hart = 0; hart < 2; hart++) sim.machine.runHart(hart, {budget: 500})
  sim.beginInterval()
  const start = sim.save()

  // Decision points: pages both harts touch in the interval, at least one writing.
  for (let done = 0; done < budget; done += 50) for (let hart = 0; hart < 2; hart++) sim.machine.runHart(hart, {budget: 50})
  const [a, b] = [0, 1].map(hart => sim.machine.pageAccesses(hart))
  const touched = x => new Set([...x.read, ...x.written])
  const sharedPages = new Set([...touched(a)].filter(page => touched(b).has(page) && (a.written.includes(page) || b.written.includes(page))))
  sim.restore(start)

  const random = new SeededRandom(secret)
  const secretPath = Uint8Array.from({length: budget * 2}, () => (random.chance(yieldChance) ? 0 : 1))
  const blank = {
    interval: 0,
    budgets: [budget, budget],
    eventCounts: [0, 0],
    sharedPages,
    target: {harts: [sim.hartState(0), sim.hartState(1)], devices: new Map(), dirtyPages: new Set(), page: () => new Uint8Array(PAGE_SIZE)},
  }
  const recording = new IntervalRunner(sim, blank, {cacheBytes: 0}).run({path: secretPath})
  const ram = sim.machine.ram.slice()
  const target = {
    harts: [sim.hartState(0), sim.hartState(1)],
    devices: sim.devices(),
    dirtyPages: new Set(sim.dirtyPages()),
    page: page => ram.slice(page << PAGE_SHIFT, (page << PAGE_SHIFT) + PAGE_SIZE),
  }
  sim.restore(start)
  return {machine: sim, problem: {...blank, target}, decisions: recording.taken.length}
}

export function loadInterval(arg) {
  const {machine, problem} = buildInterval(arg)
  return {machine, problem}
}
