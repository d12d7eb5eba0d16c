import t from 'tap'
import {readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {DeterministicMachine} from '../../src/lib/sim/deterministic.js'
import type {MachineOptions} from '../../src/lib/sim/machine.js'
import {RAM_BASE} from '../../src/lib/sim/board.js'

const elf = (name: string) => new URL(`../../guests/build/${name}.elf`, import.meta.url).pathname
const options = (name: string, extra: Partial<MachineOptions> = {}): MachineOptions =>
  ({vcpus: 2, memoryMiB: 16, kernel: elf(name), cmdline: '', disks: [], vifs: [], ...extra})
const text = (m: DeterministicMachine) => new TextDecoder().decode(m.console)

/** A minimal rv32 ELF whose code is `words` at RAM_BASE, for guests no C compiler should have to build. */
function tinyElf(dir: string, name: string, words: number[]): string {
  const code = Buffer.alloc(words.length * 4)
  words.forEach((w, i) => code.writeUInt32LE(w >>> 0, i * 4))
  const header = Buffer.alloc(52 + 32)
  header.writeUInt32LE(0x464c457f, 0)
  header[4] = 1
  header[5] = 1
  header[6] = 1
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
  const path = join(dir, name)
  writeFileSync(path, Buffer.concat([header, code]))
  return path
}

/** Everything that defines a machine's state, as bytes, to compare runs byte for byte. */
function fingerprint(m: DeterministicMachine): Buffer {
  const s = m.saveState()
  return Buffer.concat([...s.harts, Buffer.from(s.devices.buffer), s.clock, s.ram, m.console])
}

t.test('harts boot at the ELF entry with a0 = hartid and a1 = the device tree', async (t) => {
  const m = new DeterministicMachine(options('selftest', {vcpus: 3, memoryMiB: 32}))
  t.equal(m.boot.fdtAddr, 0x81e0_0000)
  for (let h = 0; h < 3; h++) {
    t.equal(m.harts[h].pc, RAM_BASE)
    t.equal(m.harts[h].getReg(10), h)
    t.equal(m.harts[h].getReg(11), 0x81e0_0000)
  }
  t.equal(new DataView(m.ram.buffer).getUint32(0x1e0_0000), 0xd00dfeed, 'the tree is in RAM')
})

t.test('the same schedule gives the same machine byte for byte', async (t) => {
  const run = () => {
    const m = new DeterministicMachine(options('race', {cmdline: 'm=3000'}))
    // An uneven schedule, so the harts interleave inside the increment loop.
    const quanta = [7, 3, 11, 5]
    let i = 0
    while (!m.finish) m.runHart(i % 2, {budget: quanta[i++ % 4]})
    return m
  }
  const a = run()
  const b = run()
  t.match(text(a), /race: counter=\d+ lost=\d+/)
  t.equal(text(a), text(b))
  t.ok(fingerprint(a).equals(fingerprint(b)), 'identical state')
})

t.test('save, run, restore, run again gives the same state', async (t) => {
  const m = new DeterministicMachine(options('radix', {cmdline: 'n=2048'}))
  m.runHart(0, {budget: 20_000})
  m.runHart(1, {budget: 15_000})
  const saved = m.saveState()
  const schedule = () => {
    for (let i = 0; i < 40 && !m.finish; i++) m.runHart(i % 2, {budget: 2_000 + 37 * i})
  }
  schedule()
  const first = fingerprint(m)
  m.restoreState(saved)
  schedule()
  t.ok(fingerprint(m).equals(first), 'restoring the last saved state copies back every page written since')
  const other = m.saveState()
  m.runHart(0, {budget: 5_000})
  m.restoreState(saved)
  schedule()
  t.ok(fingerprint(m).equals(first), 'restoring an older state copies all of RAM')
  m.restoreState(other)
  t.ok(fingerprint(m).equals(first))
})

t.test('runHart stops at an instret, and before an access to a watched page', async (t) => {
  const m = new DeterministicMachine(options('pingpong', {cmdline: 'k=20'}))
  t.same(m.runHart(0, {budget: 1_000_000, untilInstret: 1234}), {reason: 'instret', passed: 0})
  t.equal(m.harts[0].instret, 1234)
  t.same(m.runHart(1, {budget: 999}), {reason: 'budget', passed: 0})
  t.equal(m.harts[1].instret, 999)

  m.clearDirty()
  m.runHart(0, {budget: 50_000})
  const written = m.pageAccesses(0).written
  t.ok(written.length > 0, 'hart 0 wrote pages')
  t.same(m.dirtyPages(), [...new Set([...written, ...m.pageAccesses(1).written])].sort((a, b) => a - b))

  // Watch every page hart 0 wrote: the next run stops before touching one.
  const watched = new Set(written)
  const stop = m.runHart(0, {budget: 50_000, stopAtPages: watched})
  t.equal(stop.reason, 'page')
  t.ok(watched.has(stop.page!))
  const at = m.harts[0].instret
  const again = m.runHart(0, {budget: 1, stopAtPages: watched})
  t.ok(again.reason === 'budget' || again.reason === 'page', 'the held access goes through on the next run')
  t.ok(m.harts[0].instret >= at)
})

t.test('runHart passes the watched accesses it is told to, and stops at the next one where it would have', async (t) => {
  // Two machines in the same state: one stops at every watched access, the other passes the first five.
  const boot = (): DeterministicMachine => {
    const m = new DeterministicMachine(options('pingpong', {cmdline: 'k=20'}))
    m.runHart(0, {budget: 20_000})
    return m
  }
  const stepwise = boot()
  const watched = new Set(stepwise.pageAccesses(0).written)
  const passing = boot()
  const stops: number[] = []
  for (let i = 0; i < 6; i++) {
    const stop = stepwise.runHart(0, {budget: 50_000, stopAtPages: watched})
    t.equal(stop.reason, 'page')
    t.equal(stop.passed, 0)
    stops.push(stepwise.harts[0].instret)
  }
  const passed = passing.runHart(0, {budget: 50_000, stopAtPages: watched, passStops: 5})
  t.equal(passed.reason, 'page')
  t.equal(passed.passed, 5)
  t.equal(passing.harts[0].instret, stops[5], 'the sixth access stops it, at the same instruction')
  t.same(passing.harts[0].saveState(), stepwise.harts[0].saveState())

  const below = boot()
  const byCount = below.runHart(0, {budget: 50_000, stopAtPages: watched, passBelowInstret: stops[3] + 1})
  t.equal(byCount.reason, 'page')
  t.equal(below.harts[0].instret, stops[4], 'accesses below the count pass; the first at or past it stops')
  t.equal(byCount.passed, 4)
})

t.test('injected interrupt lines arrive at exactly the given instret', async (t) => {
  const lines: Array<[number, number, number]> = []
  const m = new DeterministicMachine(options('pingpong', {cmdline: 'k=5'}), {
    interrupts: 'events',
    observer: {interruptLines: (h, instret, mip) => lines.push([h, instret, mip])},
  })
  m.inject(1, {kind: 'interrupts', at: 777, mip: 1 << 3})
  m.runHart(1, {budget: 1000})
  t.same(lines, [[1, 777, 8]])
  t.equal(m.harts[1].mip & 8, 8)
  t.throws(() => m.inject(1, {kind: 'interrupts', at: 5, mip: 0}), /already retired/)
})

t.test('every workload with a known output prints it', async (t) => {
  for (const name of ['selftest', 'pingpong', 'compress', 'radix']) {
    const expected = readFileSync(new URL(`../../guests/expected/${name}.out`, import.meta.url), 'utf8')
    const memoryMiB = Number(/memory=(\d+)MiB/.exec(expected)?.[1] ?? 64)
    const m = new DeterministicMachine(options(name, {memoryMiB}))
    t.same(m.runToHalt(10_000, 200_000_000), {kind: 'poweroff', code: 0, hart: 0}, name)
    t.equal(text(m), expected, name)
  }
})

t.test('bad input ends with one clear error and leaves the machine intact', async (t) => {
  const dir = t.testdir()
  t.throws(() => new DeterministicMachine(options('race', {vcpus: 9})), {name: 'ReseerError', message: /vcpus=9: the sim machine has 1 to 8 harts/})
  t.throws(() => new DeterministicMachine(options('race', {vcpus: 0})), /vcpus=0/)
  t.throws(() => new DeterministicMachine(options('race', {memoryMiB: 0})), /memory=0/)
  t.throws(() => new DeterministicMachine(options('missing')), /missing\.elf: no such file/)
  const x86 = tinyElf(dir, 'x86.elf', [0])
  const bytes = readFileSync(x86)
  bytes.writeUInt16LE(62, 18)
  writeFileSync(x86, bytes)
  t.throws(() => new DeterministicMachine({...options('race'), kernel: x86}), {name: 'ReseerError', message: /x86\.elf: built for machine type 62, not RISC-V/})

  // An illegal instruction (all zero bits) with mtvec still 0.
  const illegal = new DeterministicMachine({...options('race', {vcpus: 1}), kernel: tinyElf(dir, 'illegal.elf', [0x0000_0013, 0])})
  t.throws(() => illegal.runToHalt(100, 1000), /hart 0: .*illegal instruction.*no trap handler/i)
  t.equal(illegal.harts[0].instret, 1, 'the nop retired, the illegal instruction did not')
  t.equal(illegal.harts[0].pc, RAM_BASE + 4, 'pc still at the faulting instruction')
  t.same(illegal.runHart(0, {budget: 10}), {reason: 'fatal', passed: 0}, 'a fatal hart stays stopped')

  // `j .` forever.
  const spin = new DeterministicMachine({...options('race', {vcpus: 2}), kernel: tinyElf(dir, 'spin.elf', [0x0000_006f])})
  t.throws(() => spin.runToHalt(1000, 100_000), {name: 'ReseerError', message: /did not stop within 100000 instructions/})
  t.equal(spin.harts[0].pc, RAM_BASE)
  t.equal(spin.harts[0].instret + spin.harts[1].instret, 100_000)
  t.throws(() => spin.runHart(2, {budget: 1}), /hart 2: this machine has harts 0 to 1/)
})
