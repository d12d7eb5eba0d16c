// Compiled blocks against the interpreter: every ISA program, run in slices
// of random length (where hot code runs as compiled blocks), must reach
// exactly the states single-stepping reaches. The timer program is left out:
// where interrupts land depends, by design, on where run() calls begin.

import t from 'tap'
import {fileURLToPath} from 'node:url'
import {readElf, TestBoard} from '../helpers/hart-board.js'
import {diffHartState} from '../../src/lib/sim/hart.js'
import {RAM_BASE, Stop} from '../../src/lib/sim/hart-env.js'
import {compileBlock} from '../../src/lib/sim/hart-compile.js'
import {addi, boardWith, bne, jal, li, sw} from './hart-encode.js'

const BUILD = fileURLToPath(new URL('../../guests/isa/build/', import.meta.url))
const PROGRAMS = ['alu', 'branch', 'mem', 'muldiv', 'atomic', 'csr', 'trap', 'umode', 'sieve']
const SIEVE_PREFIX = 400_000

/** A seeded generator, so a failure names the slice lengths that caused it. */
function lengths(seed: number): () => number {
  let state = seed
  return () => {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0
    return 1 + (state >>> 16) % 3000
  }
}

for (const name of PROGRAMS) {
  t.test(`${name}: slices of random length reach the single-stepped states`, async (t) => {
    const elf = readElf(BUILD + name + '.elf')
    const limit = name === 'sieve' ? SIEVE_PREFIX : Infinity
    const sliced = new TestBoard()
    const stepped = new TestBoard()
    sliced.load(elf)
    stepped.load(elf)
    const next = lengths(name.length)
    let mismatch: string | undefined
    let slices = 0
    while (mismatch === undefined && sliced.hart.instret < limit && !sliced.poweredOff) {
      const target = Math.min(sliced.hart.instret + next(), limit)
      sliced.hart.run(target - sliced.hart.instret)
      while (stepped.hart.instret < sliced.hart.instret && !stepped.poweredOff) stepped.hart.run(1)
      mismatch = diffHartState(sliced.hart.saveState(), stepped.hart.saveState())
      if (mismatch === undefined && Buffer.compare(new Uint8Array(sliced.ram), new Uint8Array(stepped.ram)) !== 0) {
        mismatch = 'RAM differs'
      }
      if (mismatch !== undefined) mismatch = `after slice ${slices} at instret ${sliced.hart.instret}: ${mismatch}`
      slices++
    }
    t.equal(mismatch, undefined, mismatch ?? `${slices} slices agree`)
    t.equal(sliced.output, stepped.output)
    if (name === 'sieve') t.ok(sliced.hart.compiledBlocks > 0, `${sliced.hart.compiledBlocks} blocks compiled`)
  })
}

t.test('a block looping on itself stops exactly at the budget and at poll points', async (t) => {
  const board = boardWith([...li(5, 1_000_000), addi(6, 6, 3), addi(5, 5, -1), bne(5, 0, -8), jal(0, 0)])
  let polls = 0
  board.poll = () => {
    polls++
    return false
  }
  t.equal(board.hart.run(5000), Stop.Budget)
  t.equal(board.hart.instret, 5000)
  t.equal(polls, 1 + 4, 'entry, then 1024, 2048, 3072, 4096')
  t.equal(board.hart.run(1_000_000, 12_345), Stop.Instret)
  t.equal(board.hart.instret, 12_345)
  t.equal(board.hart.getReg(6), 3 * Math.ceil((12_345 - 2) / 3), 'x6 counts the iterations begun')
  t.ok(board.hart.compiledBlocks > 0)
})

t.test('a compiled block that stores over its own code ends there and the new code runs', async (t) => {
  // The loop body rewrites its own third instruction from "addi x7, x7, 1" to "addi x7, x7, 100".
  const patch = addi(7, 7, 100)
  const board = boardWith([...li(5, 50), ...li(8, patch), ...li(9, 0x8000_0018),
    addi(7, 7, 1), sw(8, 9, 0), addi(5, 5, -1), bne(5, 0, -12), jal(0, 0)])
  board.hart.run(10_000)
  t.equal(board.hart.getReg(7), 1 + 49 * 100, 'the first pass adds 1, every later pass 100')
})

t.test('every block of the ISA programs, on random registers, does what the interpreter does', async (t) => {
  const random = lengths(7)
  const word = () => (random() * 0x10001 + random()) | 0
  let blocks = 0
  let mismatch: string | undefined
  for (const name of ['alu', 'branch', 'mem', 'muldiv', 'atomic', 'sieve']) {
    const elf = readElf(BUILD + name + '.elf')
    const code = elf.segments[0].bytes.length >>> 2
    for (let w = 0; w < code && mismatch === undefined; w++) {
      const compiled = new TestBoard(1 << 16)
      compiled.load(elf)
      const block = compileBlock(new Int32Array(compiled.ram), w * 4, compiled.ram.byteLength)
      if (block.length === 0) continue
      const interpreted = new TestBoard(1 << 16)
      interpreted.load(elf)
      const x = new Int32Array(34)
      for (let i = 1; i < 32; i++) {
        // Half the registers point into RAM, so loads and stores take the fast path.
        x[i] = random() % 2 === 0 ? RAM_BASE + (random() * 16 + (random() & 15)) * 4 : word()
        interpreted.hart.setReg(i, x[i])
      }
      interpreted.hart.pc = RAM_BASE + w * 4
      const ram = compiled.ram
      const n = block.run(x, new Int32Array(ram), new Uint16Array(ram), new Int16Array(ram), new Uint8Array(ram),
        new Int8Array(ram), compiled.access, ram.byteLength, 500)
      const retired = n >= 0 ? n : -2 - n
      interpreted.hart.run(retired)
      blocks++
      const where = `${name} block at 0x${(RAM_BASE + w * 4).toString(16)} (${block.length} instructions, ${retired} retired)`
      if (n === -1) mismatch = `${where}: reported stale code`
      else if ((x[33] >>> 0) !== interpreted.hart.pc) mismatch = `${where}: pc 0x${(x[33] >>> 0).toString(16)} != 0x${interpreted.hart.pc.toString(16)}`
      for (let i = 1; i < 32 && mismatch === undefined; i++) {
        if ((x[i] >>> 0) !== interpreted.hart.getReg(i)) mismatch = `${where}: x${i} 0x${(x[i] >>> 0).toString(16)} != 0x${interpreted.hart.getReg(i).toString(16)}`
      }
      if (mismatch === undefined && Buffer.compare(new Uint8Array(ram), new Uint8Array(interpreted.ram)) !== 0) mismatch = `${where}: RAM differs`
    }
  }
  t.equal(mismatch, undefined, mismatch ?? `${blocks} blocks agree`)
  t.ok(blocks > 200)
})

t.test('random ALU and branch sequences looping in one block match the interpreter', async (t) => {
  const random = lengths(11)
  const reg = () => random() % 8
  const R_FORMS = [[0, 0], [0x20, 0], [0, 1], [0, 2], [0, 3], [0, 4], [0, 5], [0x20, 5], [0, 6], [0, 7],
    [1, 0], [1, 1], [1, 2], [1, 3], [1, 4], [1, 5], [1, 6], [1, 7]]
  const instruction = (): number => {
    const kind = random() % 6
    const rd = reg()
    const rs1 = reg()
    const rs2 = reg()
    if (kind <= 1) {
      const [f7, f3] = R_FORMS[random() % R_FORMS.length]
      return ((f7 << 25) | (rs2 << 20) | (rs1 << 15) | (f3 << 12) | (rd << 7) | 0x33) >>> 0
    }
    if (kind === 2) {
      const f3 = [0, 2, 3, 4, 6, 7][random() % 6]
      return (((random() & 0xfff) << 20) | (rs1 << 15) | (f3 << 12) | (rd << 7) | 0x13) >>> 0
    }
    if (kind === 3) {
      const [f7, f3] = [[0, 1], [0, 5], [0x20, 5]][random() % 3]
      // Shifting by 0 is the edge where an unsigned result must be brought back to int32.
      const shamt = random() % 2 === 0 ? 0 : random() & 31
      return ((f7 << 25) | (shamt << 20) | (rs1 << 15) | (f3 << 12) | (rd << 7) | 0x13) >>> 0
    }
    if (kind === 4) return (((random() & 0xfffff) << 12) | (rd << 7) | (random() % 2 === 0 ? 0x37 : 0x17)) >>> 0
    // A branch over the next instruction: a side exit when taken.
    const f3 = [0, 1, 4, 5, 6, 7][random() % 6]
    return ((rs2 << 20) | (rs1 << 15) | (f3 << 12) | (8 << 7) | 0x63) >>> 0
  }
  let mismatch: string | undefined
  for (let trial = 0; trial < 300 && mismatch === undefined; trial++) {
    const program = Array.from({length: 2 + (random() % 30)}, instruction)
    program.push(jal(0, -4 * program.length))
    const compiled = boardWith(program, 1 << 13)
    const interpreted = boardWith(program, 1 << 13)
    const block = compileBlock(new Int32Array(compiled.ram), 0, compiled.ram.byteLength)
    const x = new Int32Array(34)
    for (let i = 1; i < 8; i++) {
      x[i] = random() % 3 === 0 ? -32 * (random() % 5) : (random() * 0x10001 + random()) | 0
      interpreted.hart.setReg(i, x[i])
    }
    const ram = compiled.ram
    const n = block.run(x, new Int32Array(ram), new Uint16Array(ram), new Int16Array(ram), new Uint8Array(ram),
      new Int8Array(ram), compiled.access, ram.byteLength, 1 + (random() % 400))
    interpreted.hart.run(n)
    const words = program.map((w) => w.toString(16).padStart(8, '0')).join(' ')
    if ((x[33] >>> 0) !== interpreted.hart.pc) mismatch = `trial ${trial} [${words}]: pc 0x${(x[33] >>> 0).toString(16)} != 0x${interpreted.hart.pc.toString(16)}`
    for (let i = 1; i < 8 && mismatch === undefined; i++) {
      if ((x[i] >>> 0) !== interpreted.hart.getReg(i)) {
        mismatch = `trial ${trial} after ${n} [${words}]: x${i} 0x${(x[i] >>> 0).toString(16)} != 0x${interpreted.hart.getReg(i).toString(16)}`
      }
    }
  }
  t.equal(mismatch, undefined, mismatch ?? '300 random blocks agree')
})
