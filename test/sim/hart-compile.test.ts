// Compiled blocks against the interpreter: every ISA program, run in slices
// of random length (where hot code runs as compiled blocks), must reach
// exactly the states single-stepping reaches. The timer program is left out:
// where interrupts land depends, by design, on where run() calls begin.

import t from 'tap'
import {fileURLToPath} from 'node:url'
import {readElf, TestBoard} from '../helpers/hart-board.js'
import {diffHartState} from '../../src/lib/sim/hart.js'
import {Stop} from '../../src/lib/sim/hart-env.js'
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
