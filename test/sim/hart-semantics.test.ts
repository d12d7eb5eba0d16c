// Instruction semantics the ISA programs cannot pin down exhaustively:
// multiply-high and division over random operands against BigInt, counters,
// CSR values we define ourselves, and code rewritten while it runs.

import t from 'tap'
import fc from 'fast-check'
import {Stop} from '../../src/lib/sim/hart-env.js'
import {MISA} from '../../src/lib/sim/hart-csr.js'
import {
  add, boardWith, CSR, csrrs, csrrw, div, divu, EBREAK, jal, li, mulh, mulhsu, mulhu, NOP, rem, remu, sw, WFI,
} from './hart-encode.js'

const s32 = (v: number) => BigInt(v | 0)
const u32 = (v: number) => BigInt(v >>> 0)
const low32 = (v: bigint) => Number(BigInt.asUintN(32, v))

const scratch = boardWith([NOP])

/** Runs one R-type instruction over a and b and returns rd as unsigned. */
function execute(instruction: number, a: number, b: number): number {
  const board = scratch
  board.poke(0x8000_0000, [instruction])
  board.hart.pc = 0x8000_0000
  board.hart.setReg(5, a)
  board.hart.setReg(6, b)
  board.hart.run(1)
  return board.hart.getReg(7)
}

t.test('multiply-high and division agree with exact arithmetic', async (t) => {
  const edge = fc.oneof(fc.integer({min: -0x8000_0000, max: 0x7fff_ffff}),
    fc.constantFrom(0, 1, -1, 0x7fff_ffff, -0x8000_0000, 0xffff, -0x10000))
  const agree = (name: string, got: number, want: number | bigint) => {
    if (got !== Number(want)) throw new Error(`${name}: got 0x${got.toString(16)}, want 0x${want.toString(16)}`)
  }
  fc.assert(fc.property(edge, edge, (a, b) => {
    agree('mulh', execute(mulh(7, 5, 6), a, b), low32((s32(a) * s32(b)) >> 32n))
    agree('mulhu', execute(mulhu(7, 5, 6), a, b), low32((u32(a) * u32(b)) >> 32n))
    agree('mulhsu', execute(mulhsu(7, 5, 6), a, b), low32((s32(a) * u32(b)) >> 32n))
    const overflow = a === -0x8000_0000 && b === -1
    agree('div', execute(div(7, 5, 6), a, b), b === 0 ? 0xffff_ffff : overflow ? 0x8000_0000 : low32(s32(a) / s32(b)))
    agree('rem', execute(rem(7, 5, 6), a, b), b === 0 ? a >>> 0 : overflow ? 0 : low32(s32(a) % s32(b)))
    agree('divu', execute(divu(7, 5, 6), a, b), b === 0 ? 0xffff_ffff : low32(u32(a) / u32(b)))
    agree('remu', execute(remu(7, 5, 6), a, b), b === 0 ? a >>> 0 : low32(u32(a) % u32(b)))
  }), {seed: 42, numRuns: 2000})
  t.pass('2000 random operand pairs agree')
})

t.test('time and cycle read env.readTime; instret counts retired instructions exactly', async (t) => {
  const board = boardWith([NOP, NOP, csrrs(10, CSR.time, 0), csrrs(11, CSR.timeh, 0), csrrs(12, CSR.cycle, 0),
    csrrs(13, CSR.instret, 0), csrrs(14, CSR.minstret, 0), WFI])
  let reads = 0
  board.timeSource = () => {
    reads++
    return 0x1_2345_6789n + BigInt(reads)
  }
  t.equal(board.hart.run(100), Stop.Wfi)
  t.equal(board.hart.getReg(10), 0x2345_678a)
  t.equal(board.hart.getReg(11), 1)
  t.equal(board.hart.getReg(12), 0x2345_678c)
  t.equal(reads, 3, 'every time read asks the environment once')
  t.equal(board.hart.getReg(13), 5, 'instret before the reading instruction retires')
  t.equal(board.hart.getReg(14), 6)
  t.equal(board.hart.instret, 8, 'WFI retires')
})

t.test('csrrw to x0 does not read, so a counter write-only access is not a time event', async (t) => {
  const board = boardWith([csrrw(0, CSR.mscratch, 5), csrrs(10, CSR.mscratch, 0), WFI])
  board.hart.setReg(5, 77)
  board.hart.run(10)
  t.equal(board.hart.getReg(10), 77)
})

t.test('writing minstret moves the counter without touching the retired count', async (t) => {
  const board = boardWith([...li(5, 1000), csrrw(0, CSR.minstret, 5), csrrw(0, CSR.minstreth, 0), NOP,
    csrrs(10, CSR.minstret, 0), WFI])
  board.hart.run(100)
  t.equal(board.hart.getReg(10), 1002, 'the value written plus the two instructions retired since')
  t.equal(board.hart.instret, 7)
})

t.test('CSRs the hart defines for itself', async (t) => {
  const board = boardWith([csrrs(10, 0x301, 0), csrrs(11, CSR.marchid, 0), csrrs(12, CSR.mimpid, 0),
    csrrs(13, CSR.mstatush, 0), WFI])
  board.hart.run(10)
  t.equal(board.hart.getReg(10), MISA)
  t.equal(MISA, 0x4010_1101, 'RV32 with A, I, M, U')
  t.equal(board.hart.getReg(11), 0)
  t.equal(board.hart.getReg(12), 0)
  t.equal(board.hart.getReg(13), 0)
})

t.test('supervisor CSRs do not exist: reading satp is an illegal instruction', async (t) => {
  const board = boardWith([csrrs(10, CSR.satp, 0)])
  t.equal(board.hart.run(10), Stop.Fatal)
  t.match(board.hart.fatal, /illegal instruction 0x18002573 at pc 0x80000000/)
})

t.test('code rewritten in RAM runs in its new form', async (t) => {
  const board = boardWith([add(10, 10, 11), jal(0, 0)])
  board.hart.setReg(11, 5)
  board.hart.run(1)
  t.equal(board.hart.getReg(10), 5)
  board.poke(0x8000_0000, [add(10, 10, 10)])
  board.hart.pc = 0x8000_0000
  board.hart.run(1)
  t.equal(board.hart.getReg(10), 10, 'a store by the host is seen')
  // The program stores a new instruction over the one it runs next.
  const smc = boardWith([...li(5, add(12, 11, 11)), ...li(6, 0x8000_0014), sw(5, 6, 0), NOP, EBREAK])
  smc.hart.setReg(11, 21)
  smc.hart.run(5)
  t.equal(smc.peek(0x8000_0014), add(12, 11, 11))
  smc.hart.run(1)
  t.equal(smc.hart.getReg(12), 42, 'the hart executed the instruction it had just written')
})
