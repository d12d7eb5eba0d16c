#!/usr/bin/env node
// Speed of the sim machine (run `npm run build` first):
//  1. one hart in deterministic mode against QEMU (TCG) running the same ELF:
//     both retire the same instructions, so the ratio of their times is the
//     ratio of their speeds; CPU time is shown beside wall time because a
//     busy host stretches wall time;
//  2. the speed-up of parallel mode over deterministic mode with 2 harts on
//     the same workload, in wall time (what parallelism buys).
// Usage: node bench/sim-speed.js [--json]
import {execFileSync} from 'node:child_process'
import {DeterministicMachine} from '../dist/lib/sim/deterministic.js'
import {ParallelMachine} from '../dist/lib/sim/parallel/parallel-machine.js'

const elf = (name) => new URL(`../guests/build/${name}.elf`, import.meta.url).pathname
const machine = (name, vcpus, cmdline) => ({vcpus, memoryMiB: 64, kernel: elf(name), cmdline, disks: [], vifs: []})

function deterministic(name, vcpus, cmdline) {
  const wall = process.hrtime.bigint()
  const cpu = process.cpuUsage()
  const m = new DeterministicMachine(machine(name, vcpus, cmdline))
  m.runToHalt(100_000, 1e11)
  const used = process.cpuUsage(cpu)
  return {
    instructions: m.harts.reduce((n, hart) => n + hart.instret, 0),
    wall: Number(process.hrtime.bigint() - wall) / 1e9,
    cpu: (used.user + used.system) / 1e6,
  }
}

async function parallel(name, vcpus, cmdline) {
  const wall = process.hrtime.bigint()
  const m = new ParallelMachine(machine(name, vcpus, cmdline), {time: 'instret'})
  await m.start()
  return {instructions: m.hartStates().reduce((n, s) => n + s.instret, 0), wall: Number(process.hrtime.bigint() - wall) / 1e9}
}

/** QEMU's wall time, and its CPU time from the shell's `times` (user and system of children). */
function qemu(name, smp, cmdline) {
  const wall = process.hrtime.bigint()
  const out = execFileSync('bash', ['-c', '"$@" >/dev/null; times', '_', 'qemu-system-riscv32', '-M', 'virt', '-smp', String(smp),
    '-m', '64M', '-bios', 'none', '-nographic', '-no-reboot', '-kernel', elf(name), '-append', cmdline], {encoding: 'utf8'})
  const seconds = (text) => text.split('m').reduce((m, s) => Number(m) * 60 + parseFloat(s))
  const [user, system] = out.trim().split('\n')[1].split(/\s+/).map(seconds)
  return {wall: Number(process.hrtime.bigint() - wall) / 1e9, cpu: user + system}
}

// radix with one hart: no waiting on other harts, so both machines retire the same instructions.
const one = 'n=262144'
const sim = deterministic('radix', 1, one)
const ref = qemu('radix', 1, one)
const mips = (instructions, seconds) => +(instructions / seconds / 1e6).toFixed(1)

const two = 'n=262144'
const det = deterministic('radix', 2, two)
const par = await parallel('radix', 2, two)

const figures = {
  instructions: sim.instructions,
  simMipsWall: mips(sim.instructions, sim.wall),
  simMipsCpu: mips(sim.instructions, sim.cpu),
  qemuMipsWall: mips(sim.instructions, ref.wall),
  qemuMipsCpu: mips(sim.instructions, ref.cpu),
  simOverQemuCpu: +(ref.cpu / sim.cpu).toFixed(2),
  deterministic2HartsSeconds: +det.wall.toFixed(2),
  parallel2HartsSeconds: +par.wall.toFixed(2),
  parallelSpeedup: +(det.wall / par.wall).toFixed(2),
}
if (process.argv.includes('--json')) {
  console.log(JSON.stringify(figures))
} else {
  console.log(`1 hart, radix ${one}, ${figures.instructions} instructions:`)
  console.log(`  sim deterministic ${figures.simMipsCpu} MIPS (CPU time), ${figures.simMipsWall} MIPS (wall)`)
  console.log(`  QEMU TCG          ${figures.qemuMipsCpu} MIPS (CPU time), ${figures.qemuMipsWall} MIPS (wall, start-up included)`)
  console.log(`  sim/QEMU speed ratio (CPU time): ${figures.simOverQemuCpu}`)
  console.log(`2 harts, radix ${two}: deterministic ${figures.deterministic2HartsSeconds} s, parallel ${figures.parallel2HartsSeconds} s, speed-up ${figures.parallelSpeedup}x`)
}
