import t from 'tap'
import {existsSync, readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {spawnSync} from 'node:child_process'
import {ParallelMachine} from '../../src/lib/sim/parallel/parallel-machine.js'
import {DeterministicMachine} from '../../src/lib/sim/deterministic.js'
import type {MachineOptions} from '../../src/lib/sim/machine.js'
import {RAM_BASE} from '../../src/lib/sim/board.js'

const elf = (name: string) => new URL(`../../guests/build/${name}.elf`, import.meta.url).pathname
const options = (name: string, extra: Partial<MachineOptions> = {}): MachineOptions =>
  ({vcpus: 2, memoryMiB: 16, kernel: elf(name), cmdline: '', disks: [], vifs: [], ...extra})
const text = (m: ParallelMachine) => new TextDecoder().decode(m.console)

// The harts run as compiled JavaScript in worker threads: build once if the build is missing.
t.before(() => {
  if (!existsSync(new URL('../../dist/lib/sim/parallel/hart-worker.js', import.meta.url))) {
    spawnSync('npx', ['tsc', '-p', '.'], {cwd: new URL('../..', import.meta.url).pathname, stdio: 'ignore'})
  }
})

t.test('workloads run to poweroff with their known output', async (t) => {
  for (const name of ['selftest', 'pingpong']) {
    const m = new ParallelMachine(options(name, {memoryMiB: 64}))
    t.same(await m.start(), {kind: 'poweroff', code: 0, hart: 0}, name)
    t.equal(text(m), readFileSync(new URL(`../../guests/expected/${name}.out`, import.meta.url), 'utf8'), name)
  }
})

t.test('harts run truly concurrently: the race workload loses updates', async (t) => {
  const lost: number[] = []
  for (let run = 0; run < 5 && !lost.some((n) => n > 0); run++) {
    const m = new ParallelMachine(options('race', {cmdline: 'm=2000000'}))
    t.equal((await m.start()).kind, 'poweroff')
    const match = /race: counter=(\d+) lost=(\d+)/.exec(text(m))
    t.ok(match, 'race printed its result')
    lost.push(Number(match![2]))
    t.ok(Number(match![1]) <= 4_000_000, 'never more than expected')
  }
  t.ok(lost.some((n) => n > 0), `lost updates in some run: ${lost.join(', ')}`)
})

t.test('pause parks every hart at an instruction boundary; resume and stop', async (t) => {
  const m = new ParallelMachine(options('race', {cmdline: 'm=100000000'}), {time: 'instret'})
  m.start()
  // Pause only once the guest is well under way, so there is something to see.
  while (!text(m).includes('race: harts=')) await new Promise((resolve) => setTimeout(resolve, 5))
  await m.pause()
  const first = m.hartStates()
  t.equal(first.length, 2)
  for (const state of first) t.ok(state.pc >= RAM_BASE, 'pc in RAM')
  t.ok(m.dirtyPages().length > 0, 'boot wrote pages')
  m.resume()
  t.throws(() => m.hartStates(), /pause the machine first/)
  await m.pause()
  const second = m.hartStates()
  t.ok(second[0].instret >= first[0].instret, 'instret only grows')
  m.clearDirty()
  t.same(m.dirtyPages(), [])
  m.resume()
  t.same(await m.stop(), {kind: 'stopped'})
  t.ok(m.hartStates()[0].instret >= second[0].instret)
})

t.test('a guest failing through the test device ends the run with its code', async (t) => {
  const m = new ParallelMachine(options('selftest', {cmdline: 'trap=1'}))
  const outcome = await m.start()
  t.equal(outcome.kind, 'fail')
  t.not((outcome as {code: number}).code, 0)
  t.match(text(m), /mcause=0000000b/, 'the SDK reports the ecall it did not expect')
})

t.test('one hart retires exactly as many instructions in both modes', async (t) => {
  const options_ = options('radix', {vcpus: 1, cmdline: 'n=4096'})
  const deterministic = new DeterministicMachine(options_)
  deterministic.runToHalt(10_000, 100_000_000)
  const pages: number[] = []
  const parallel = new ParallelMachine(options_, {observer: {pageAccess: (_h, _i, page) => pages.push(page)}})
  t.equal((await parallel.start()).kind, 'poweroff')
  t.equal(parallel.hartStates()[0].instret, deterministic.harts[0].instret)
  t.equal(parallel.hartStates()[0].pc, deterministic.harts[0].pc)
  t.equal(text(parallel), new TextDecoder().decode(deterministic.console))
  t.same([...new Set(pages)].sort((a, b) => a - b), parallel.pageAccesses(0).read.concat(parallel.pageAccesses(0).written)
    .filter((p, i, all) => all.indexOf(p) === i).sort((a, b) => a - b), 'the observer heard of every page the hart touched')
})

t.test('an illegal instruction with no trap handler stops the machine with one clear reason', async (t) => {
  // A minimal rv32 ELF: `nop` then an all-zero (illegal) word at RAM_BASE, mtvec never set.
  const code = Buffer.alloc(8)
  code.writeUInt32LE(0x13, 0)
  const header = Buffer.alloc(84)
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
  for (const [at, value] of [[52, 1], [56, 84], [60, RAM_BASE], [64, RAM_BASE], [68, 8], [72, 8], [76, 5]]) header.writeUInt32LE(value, at)
  const kernel = join(t.testdir(), 'illegal.elf')
  writeFileSync(kernel, Buffer.concat([header, code]))
  const m = new ParallelMachine({...options('race', {vcpus: 2}), kernel})
  const outcome = await m.start()
  t.equal(outcome.kind, 'fatal')
  t.match((outcome as {message: string}).message, /illegal instruction.*no trap handler/i)
  const states = m.hartStates()
  t.equal(states[(outcome as {hart: number}).hart].pc, RAM_BASE + 4, 'the faulting hart stopped at the instruction')
})
