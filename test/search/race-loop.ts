// The race workload on the simulator as a source of synthetic intervals: the
// harts booted and run round robin deep into the counting loop, and a
// snapshot of where a run ended as the target checkpoint.
import type {IntervalTarget} from '../../src/lib/search/interval.js'
import {SimIntervalMachine} from '../../src/lib/search/sim-machine.js'
import {PAGE_SHIFT, PAGE_SIZE} from '../../src/lib/sim/hart-env.js'

const kernel = new URL('../../guests/build/race.elf', import.meta.url).pathname

/** Boot race on two harts and run them round robin until both are deep in the counting loop. */
export function raceInLoop(): SimIntervalMachine {
  const sim = new SimIntervalMachine({vcpus: 2, memoryMiB: 4, kernel, cmdline: 'm=100000', disks: [], vifs: []})
  const text = () => new TextDecoder().decode(sim.machine.console)
  for (let round = 0; round < 2000 && !text().includes('race: harts=2'); round++) {
    for (let hart = 0; hart < 2; hart++) sim.machine.runHart(hart, {budget: 1000})
  }
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
