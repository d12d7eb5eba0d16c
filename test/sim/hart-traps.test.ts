// Traps, interrupts and WFI: what retires, where the hart goes, and that
// interrupt delivery depends only on the run() calls and mip settings.

import t from 'tap'
import {Stop} from '../../src/lib/sim/hart-env.js'
import {MIP_MSIP, MIP_MTIP} from '../../src/lib/sim/hart-csr.js'
import {POLL_INTERVAL} from '../../src/lib/sim/hart.js'
import {add, addi, boardWith, CSR, csrrs, csrrw, ECALL, jal, li, lw, MRET, NOP, sw, WFI} from './hart-encode.js'

const HANDLER = 0x8000_0100

/** A board whose trap handler at HANDLER counts traps in x20 and resumes after the trapping instruction. */
function withHandler(words: number[]) {
  const board = boardWith([...li(5, HANDLER), csrrw(0, CSR.mtvec, 5), ...words])
  board.poke(HANDLER, [addi(20, 20, 1), csrrs(21, CSR.mepc, 0), addi(21, 21, 4), csrrw(0, CSR.mepc, 21), MRET])
  return board
}

t.test('a trap with no handler stops the hart with one clear line', async (t) => {
  const board = boardWith([NOP, 0])
  t.equal(board.hart.run(10), Stop.Fatal)
  t.equal(board.hart.fatal, 'hart 0: illegal instruction 0x00000000 at pc 0x80000004 with no trap handler (mtvec=0)')
  t.equal(board.hart.pc, 0x8000_0004, 'the pc stays at the trapping instruction')
  t.equal(board.hart.instret, 1)
  t.equal(board.hart.run(10), Stop.Fatal, 'and stays stopped')

  const outside = boardWith([...li(5, 0x1000), csrrw(0, CSR.mtvec, 5), ECALL])
  t.equal(outside.hart.run(10), Stop.Fatal)
  t.equal(outside.hart.fatal, 'hart 0: ecall from machine mode at pc 0x8000000c with the trap handler outside RAM (mtvec=0x00001000)')

  const loop = boardWith([...li(5, 0x8000_0010), csrrw(0, CSR.mtvec, 5), NOP, 0])
  t.equal(loop.hart.run(10), Stop.Fatal)
  t.match(loop.hart.fatal, /illegal instruction 0x00000000 at pc 0x80000010 in the trap handler itself/)

  const load = boardWith([...li(5, 0x0400_0000), lw(6, 5, 0)])
  t.equal(load.hart.run(10), Stop.Fatal)
  t.equal(load.hart.fatal, 'hart 0: load access fault at 0x04000000 at pc 0x80000008 with no trap handler (mtvec=0)')
})

t.test('traps do not retire; the handler sees cause, mtval and mepc', async (t) => {
  const board = withHandler([ECALL, 0xffff_ffff, ...li(6, 0x0400_0000), sw(0, 6, 4), WFI])
  t.equal(board.hart.run(1000), Stop.Wfi)
  t.equal(board.hart.getReg(20), 3, 'three traps handled')
  const state = board.hart.state()
  t.equal(state.mcause, 7, 'store access fault')
  t.equal(state.mtval, 0x0400_0004)
  // 3 set-up + 5 own instructions retire (ecall, the illegal word and the faulting store do not) + 3 * 5 in the handler.
  t.equal(board.hart.instret, 3 + 3 + 15)
})

t.test('mret to user mode; ecall from U is cause 8, M-only CSRs and WFI are illegal there', async (t) => {
  const user = 0x8000_0080
  const board = withHandler([...li(5, user), csrrw(0, CSR.mepc, 5), MRET])
  board.poke(user, [csrrs(10, CSR.mstatus, 0), ECALL, WFI, jal(0, 0)])
  // The handler appends each cause as a hex digit to x22.
  board.poke(HANDLER, [csrrs(23, CSR.mcause, 0), add(22, 22, 22), add(22, 22, 22), add(22, 22, 22), add(22, 22, 22),
    add(22, 22, 23), csrrs(21, CSR.mepc, 0), addi(21, 21, 4), csrrw(0, CSR.mepc, 21), MRET])
  t.equal(board.hart.run(100), Stop.Budget)
  t.equal(board.hart.getReg(22), 0x282, 'illegal, ecall from U, illegal')
  t.equal(board.hart.pc, user + 12, 'still running in user mode')
  t.equal(board.hart.state().priv, 0)
})

t.test('interrupts are taken at poll points only, and identically for identical runs', async (t) => {
  const program = [...li(5, HANDLER), csrrw(0, CSR.mtvec, 5), ...li(6, MIP_MSIP), csrrw(0, CSR.mie, 6),
    addi(7, 0, 8), csrrs(0, CSR.mstatus, 7), addi(10, 10, 1), jal(0, -4)]
  const traces = []
  for (let round = 0; round < 2; round++) {
    const board = boardWith(program)
    board.poke(HANDLER, [addi(20, 20, 1), csrrs(11, CSR.mepc, 0), ...li(12, 0x0200_0000), sw(0, 12, 0), MRET])
    let polls = 0
    board.poll = () => {
      polls++
      board.hart.mip = polls === 3 ? MIP_MSIP : board.msip ? MIP_MSIP : 0
      return false
    }
    board.hart.run(3 * POLL_INTERVAL + 17)
    traces.push(board.hart.saveState())
    t.equal(board.hart.getReg(20), 1, 'one software interrupt')
    t.equal(board.hart.getReg(11) % 8, 0, 'taken at a loop boundary')
    t.equal(polls, 5, 'polled at entry, at each of three multiples of POLL_INTERVAL, and once after the MMIO store')
  }
  t.same(traces[0], traces[1])
})

t.test('an interrupt enabled by a CSR write is taken right after it', async (t) => {
  const board = boardWith([...li(5, HANDLER), csrrw(0, CSR.mtvec, 5), ...li(6, MIP_MTIP), csrrw(0, CSR.mie, 6),
    addi(7, 0, 8), csrrs(0, CSR.mstatus, 7), NOP, NOP])
  board.poke(HANDLER, [jal(0, 0)])
  board.mtimecmp = 0n
  board.hart.run(100)
  const state = board.hart.state()
  t.equal(state.mcause, 0x8000_0007)
  t.equal(state.mepc, 0x8000_0020, 'the instruction after the enabling csrrs')
  t.equal(state.mstatus & 0x1888, 0x1880, 'MPP=M, MPIE set, MIE clear')
})

t.test('vectored mode sends interrupts to base + 4 * cause', async (t) => {
  const board = boardWith([...li(5, HANDLER | 1), csrrw(0, CSR.mtvec, 5), ...li(6, MIP_MTIP), csrrw(0, CSR.mie, 6),
    addi(7, 0, 8), csrrs(0, CSR.mstatus, 7), NOP])
  board.poke(HANDLER + 28, [jal(0, 0)])
  board.hart.run(100)
  t.equal(board.hart.pc, HANDLER + 28)
})

t.test('WFI sleeps until mip & mie, then resumes at the next instruction', async (t) => {
  const board = boardWith([...li(6, MIP_MTIP), csrrw(0, CSR.mie, 6), WFI, addi(10, 0, 1), WFI, jal(0, 0)])
  board.mtimecmp = 0xffff_ffff_ffff_ffffn
  t.equal(board.hart.run(100), Stop.Wfi)
  t.equal(board.hart.pc, 0x8000_0010)
  t.equal(board.hart.instret, 4)
  t.equal(board.hart.run(100), Stop.Wfi, 'still asleep')
  t.equal(board.hart.instret, 4)
  board.mtimecmp = 0n
  t.equal(board.hart.run(100), Stop.Budget, 'woke without a trap (MIE is clear) and ran on')
  t.equal(board.hart.getReg(10), 1)
  t.equal(board.hart.pc, 0x8000_0018, 'the second WFI does not sleep while MTIP & MTIE')
})

t.test('run() stops at the instret limit and at the budget', async (t) => {
  const board = boardWith([addi(10, 10, 1), jal(0, -4)])
  t.equal(board.hart.run(1000, 25), 5)
  t.equal(board.hart.instret, 25)
  t.equal(board.hart.run(10), 0)
  t.equal(board.hart.instret, 35)
  t.equal(board.hart.getReg(10), 18)
  t.throws(() => board.hart.run(-1), /budget must be a non-negative integer or Infinity, got -1/)
  t.throws(() => board.hart.run(1.5), /budget must be a non-negative integer/)
  t.throws(() => board.hart.run(1, NaN), /instretLimit must be a non-negative integer or Infinity, got NaN/)
})

t.test('a poweroff write halts the hart at that instruction', async (t) => {
  const board = boardWith([...li(5, 0x10_0000), ...li(6, 0x5555), sw(6, 5, 0), NOP])
  t.equal(board.hart.run(100), 3)
  t.equal(board.hart.instret, 5)
  t.equal(board.hart.pc, 0x8000_0014)
})
