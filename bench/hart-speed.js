#!/usr/bin/env node
// The hart's speed beside QEMU's on the same compute-bound ELF, as MIPS and
// as a ratio. Run `npm run build` first; then
//   node bench/hart-speed.js [elf]                       a bare-metal ELF on the hart alone
//                                                        (default guests/isa/build/sieve.elf)
//   node bench/hart-speed.js --machine elf [bootargs]    a guest SDK workload on the one-hart
//                                                        deterministic machine, e.g.
//                                                        guests/build/compress.elf n=8388608
// QEMU's time is measured over the whole process, minus the time it takes to
// boot and power off a trivial ELF, and is the best of three runs, like the
// hart's.

import {spawnSync} from 'node:child_process'
import {fileURLToPath} from 'node:url'
import {performance} from 'node:perf_hooks'
import {Hart} from '../dist/lib/sim/hart.js'
import {loadElf, readElf} from '../dist/lib/sim/elf.js'
import {ACCESS_READ, ACCESS_WRITE, RAM_BASE} from '../dist/lib/sim/hart-env.js'

const here = (path) => fileURLToPath(new URL(path, import.meta.url))
const onMachine = process.argv[2] === '--machine'
const args = process.argv.slice(onMachine ? 3 : 2)
const elfPath = args[0] ?? here('../guests/isa/build/sieve.elf')
const bootargs = args[1] ?? ''
const trivialElf = here('../guests/isa/build/alu.elf')
const RAM_BYTES = 16 << 20
const RUNS = 3
const STOP_BUDGET = 0
const UART = 0x1000_0000
const TEST_DEVICE = 0x10_0000

function runHart() {
  const ram = new ArrayBuffer(RAM_BYTES)
  const image = readElf(elfPath)
  loadElf(image, new Uint8Array(ram), elfPath)
  let output = ''
  let halted = false
  const env = {
    access: new Uint8Array(RAM_BYTES >>> 12).fill(ACCESS_READ | ACCESS_WRITE),
    pageFault: () => true,
    mmioLoad: (_hart, addr) => (addr === UART + 5 ? 0x60 : addr >= UART && addr < UART + 8 ? 0 : undefined),
    mmioStore: (_hart, addr, _size, value) => {
      if (addr === UART) output += String.fromCharCode(value & 0xff)
      else if (addr === TEST_DEVICE) halted = (value & 0xffff) === 0x5555
      else if (!(addr > UART && addr < UART + 8)) return false
      return true
    },
    readTime: () => 0n,
    poll: () => halted,
  }
  const hart = new Hart(0, ram, env)
  hart.pc = image.entry
  hart.setReg(10, 0)
  const start = performance.now()
  let stop
  do stop = hart.run(1 << 26)
  while (stop === STOP_BUDGET)
  const seconds = (performance.now() - start) / 1000
  if (!halted) throw new Error(`the hart stopped (${stop}) before powering off: ${hart.fatal ?? ''}`)
  return {instructions: hart.instret, seconds, output}
}

async function runMachine() {
  const {DeterministicMachine} = await import('../dist/lib/sim/deterministic.js')
  const machine = new DeterministicMachine({vcpus: 1, memoryMiB: 128, kernel: elfPath, cmdline: bootargs, disks: [], vifs: []})
  const start = performance.now()
  machine.runToHalt(1 << 20, Number.MAX_SAFE_INTEGER)
  const seconds = (performance.now() - start) / 1000
  return {instructions: machine.harts[0].instret, seconds, output: ''}
}

function runQemu(elf) {
  const start = performance.now()
  const append = elf === elfPath && bootargs !== '' ? ['-append', bootargs] : []
  const run = spawnSync('qemu-system-riscv32', ['-M', 'virt', '-m', '128', '-bios', 'none', '-nographic', '-kernel', elf, ...append],
    {encoding: 'utf8'})
  const seconds = (performance.now() - start) / 1000
  if (run.error || run.status !== 0) return undefined
  return {seconds, output: run.stdout.replace(/\r\n/g, '\n')}
}

const best = (runs) => runs.reduce((a, b) => (b.seconds < a.seconds ? b : a))
const hartRuns = []
for (let i = 0; i < RUNS; i++) hartRuns.push(onMachine ? await runMachine() : runHart())
const hart = best(hartRuns)
const hartMips = hart.instructions / hart.seconds / 1e6
console.log(`elf            ${elfPath.slice(elfPath.lastIndexOf('/') + 1)} (entry at 0x${RAM_BASE.toString(16)})`)
console.log(`instructions   ${hart.instructions}`)
console.log(`hart           ${hart.seconds.toFixed(3)} s  ${hartMips.toFixed(1)} MIPS`)
const qemuRuns = Array.from({length: RUNS}, () => runQemu(elfPath))
if (qemuRuns.some((run) => run === undefined)) {
  console.log('qemu           not available (qemu-system-riscv32 -M virt)')
} else {
  const qemu = best(qemuRuns)
  const boot = best(Array.from({length: RUNS}, () => runQemu(trivialElf)))
  const qemuSeconds = Math.max(qemu.seconds - boot.seconds, 1e-3)
  const qemuMips = hart.instructions / qemuSeconds / 1e6
  console.log(`qemu           ${qemuSeconds.toFixed(3)} s  ${qemuMips.toFixed(1)} MIPS  (boot and exit ${boot.seconds.toFixed(3)} s subtracted)`)
  console.log(`hart / qemu    ${(hartMips / qemuMips).toFixed(3)}`)
  if (!onMachine && qemu.output !== hart.output) console.log(`output differs: hart ${JSON.stringify(hart.output)} qemu ${JSON.stringify(qemu.output)}`)
}
