// Save and restore: a restored hart runs on byte-identically, the diff names
// the first differing register, and bad bytes are refused by name.

import t from 'tap'
import {fileURLToPath} from 'node:url'
import {readElf, TestBoard} from '../helpers/hart-board.js'
import {decodeHartState, diffHartState, Hart} from '../../src/lib/sim/hart.js'
import {Stop} from '../../src/lib/sim/hart-env.js'
import {addi, boardWith, lrw, NOP} from './hart-encode.js'

const muldiv = fileURLToPath(new URL('../../guests/isa/build/muldiv.elf', import.meta.url))

t.test('save, run, restore, run gives identical state and memory', async (t) => {
  const board = new TestBoard()
  board.load(readElf(muldiv))
  board.hart.run(100)
  const saved = board.hart.saveState()
  const ramBefore = new Uint8Array(board.ram).slice()
  board.hart.run(300)
  const first = board.hart.saveState()
  const ramFirst = new Uint8Array(board.ram).slice()

  new Uint8Array(board.ram).set(ramBefore)
  board.hart.loadState(saved)
  t.equal(diffHartState(board.hart.saveState(), saved), undefined, 'restored exactly')
  board.hart.run(300)
  t.equal(diffHartState(board.hart.saveState(), first), undefined)
  t.same(board.hart.saveState(), first)
  t.equal(Buffer.compare(new Uint8Array(board.ram), ramFirst), 0, 'RAM identical')
  t.equal(decodeHartState(first).instret, 400)
})

t.test('the reservation, the WFI flag and the privilege are part of the state', async (t) => {
  const board = boardWith([lrw(10, 5), NOP])
  board.hart.setReg(5, 0x8000_0100)
  board.hart.run(1)
  const state = decodeHartState(board.hart.saveState())
  t.equal(state.reservationValid, true)
  t.equal(state.reservationAddr, 0x8000_0100)
  t.equal(state.priv, 3)
  t.equal(state.wfi, false)
  t.equal(state.x[5], 0x8000_0100)
})

t.test('diffHartState names the first differing field', async (t) => {
  const a = boardWith([addi(10, 0, 3), NOP])
  const b = boardWith([addi(10, 0, 4), NOP])
  a.hart.run(1)
  b.hart.run(1)
  t.equal(diffHartState(a.hart.saveState(), b.hart.saveState()), 'x10 0x00000003 != 0x00000004')
  b.hart.setReg(10, 3)
  t.equal(diffHartState(a.hart.saveState(), b.hart.saveState()), undefined)
  b.hart.run(1)
  t.equal(diffHartState(a.hart.saveState(), b.hart.saveState()), 'pc 0x80000004 != 0x80000008')
})

t.test('bad state bytes are refused with a reason', async (t) => {
  const board = boardWith([NOP])
  const good = board.hart.saveState()
  t.throws(() => board.hart.loadState(good.subarray(0, 10)), /hart state must be \d+ bytes, got 10/)
  const bad = good.slice()
  bad[0] ^= 1
  t.throws(() => board.hart.loadState(bad), /not a hart state \(bad magic\)/)
  const newer = good.slice()
  newer[4] = 9
  t.throws(() => decodeHartState(newer), /hart state version 9 is not supported/)
  const other = new Hart(1, board.ram, board)
  t.throws(() => other.loadState(good), /hart state belongs to hart 0, not hart 1/)
  t.throws(() => { board.hart.pc = 0x8000_0002 }, /pc must be a 4-byte-aligned 32-bit address/)
  t.throws(() => board.hart.getReg(32), /register index must be 0..31/)
  t.throws(() => new Hart(0, new ArrayBuffer(6), board), /multiple of 4 bytes/)
  t.throws(() => new Hart(0, new ArrayBuffer(1 << 24), board), /env.access must be a Uint8Array of at least 4096 entries/)
})

t.test('a loaded state clears a fatal stop', async (t) => {
  const board = boardWith([NOP, 0])
  const start = board.hart.saveState()
  t.equal(board.hart.run(5), Stop.Fatal)
  board.hart.loadState(start)
  t.equal(board.hart.fatal, undefined)
  t.equal(board.hart.run(1), Stop.Budget)
})
