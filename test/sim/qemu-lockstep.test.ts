// Differential test of the hart against QEMU 7.2: every ISA program is run on
// both, and after every retired instruction the pc, x1..x31 and the machine
// CSRs QEMU logs must agree. The timer program, whose interrupt timing
// legitimately differs, is compared by its console output instead.

import t from 'tap'
import {fileURLToPath} from 'node:url'
import {readElf, TestBoard} from '../helpers/hart-board.js'
import {qemuMissing, runQemu, type QemuStep} from '../helpers/qemu-trace.js'
import {Stop} from '../../src/lib/sim/hart-env.js'
import {MISA} from '../../src/lib/sim/hart-csr.js'

const BUILD = fileURLToPath(new URL('../../guests/isa/build/', import.meta.url))
const LOCKSTEP = ['alu', 'branch', 'mem', 'muldiv', 'atomic', 'csr', 'trap', 'umode']
// mstatus holds more fields in QEMU (S-mode, FS); these are the ones the hart has.
const MSTATUS_MASK = 0x1888
const CSR_MISA = 0x301
const COMPARED_CSRS = ['mstatus', 'mie', 'mtvec', 'mepc', 'mcause', 'mtval', 'mscratch']

const hex = (v: number) => '0x' + (v >>> 0).toString(16).padStart(8, '0')

/**
 * A read of a CSR whose value legitimately differs from QEMU's: the counters
 * (QEMU takes them from the host clock) and misa (QEMU's hart has S, C, F, D).
 */
function knownDifferentRead(raw: number): {csr: number; rd: number} | undefined {
  if ((raw & 0x7f) !== 0x73 || ((raw >>> 12) & 7) === 0) return undefined
  const csr = raw >>> 20
  const rd = (raw >>> 7) & 31
  const counter = ((csr & 0xf60) === 0xc00 || (csr & 0xf60) === 0xb00) && (csr & 0x1f) < 3
  return (counter || csr === CSR_MISA) && rd !== 0 ? {csr, rd} : undefined
}

/** The first difference between the hart and a QEMU step, or undefined. */
function difference(board: TestBoard, step: QemuStep): string | undefined {
  const state = board.hart.state()
  if (state.pc !== step.pc) return `pc ${hex(state.pc)} != QEMU ${hex(step.pc)}`
  for (let i = 1; i < 32; i++) {
    if (state.x[i] !== step.x[i]) return `x${i} ${hex(state.x[i])} != QEMU ${hex(step.x[i])}`
  }
  if (step.fetchFault) return undefined
  for (const name of COMPARED_CSRS) {
    const mask = name === 'mstatus' ? MSTATUS_MASK : 0xffff_ffff
    const ours = (state[name as keyof typeof state] as number) & mask
    const theirs = step.csr[name] & mask
    if (ours !== theirs) return `${name} ${hex(ours)} != QEMU ${hex(theirs)}`
  }
  return undefined
}

const missing = qemuMissing()

for (const name of LOCKSTEP) {
  t.test(`${name}: lockstep with QEMU`, {skip: missing}, async (t) => {
    const elfPath = BUILD + name + '.elf'
    const elf = readElf(elfPath)
    const qemu = runQemu(elfPath, elf.entry, true)
    const steps = qemu.steps
    const board = new TestBoard()
    board.load(elf)
    // Start from QEMU's register state at the entry point (its boot ROM leaves a1, a2, t0 set).
    for (let i = 1; i < 32; i++) board.hart.setReg(i, steps[0].x[i])

    let compared = 0
    let failure: string | undefined = difference(board, steps[0])
    let i = 0
    while (failure === undefined) {
      // Instructions that trapped did not retire: one hart step covers them
      // and the next instruction that does retire.
      let j = i
      while (j < steps.length && steps[j].trapped) j++
      const raw = board.peek(board.hart.pc)
      const stop = board.hart.run(1)
      if (stop === Stop.Fatal) {
        failure = `after instruction ${j}: the hart stopped: ${board.hart.fatal}`
        break
      }
      // The last instruction QEMU ran powered it off; there is no state after it to compare.
      if (j + 1 >= steps.length) break
      const read = knownDifferentRead(raw)
      if (read !== undefined) {
        const ours = board.hart.getReg(read.rd)
        const theirs = steps[j + 1].x[read.rd]
        if (read.csr === CSR_MISA && (ours !== MISA || (theirs & MISA) !== MISA)) {
          failure = `misa reads ${hex(ours)}, QEMU ${hex(theirs)}: expected ${hex(MISA)} and a superset of it`
          break
        }
        board.hart.setReg(read.rd, theirs)
      }
      const diff = difference(board, steps[j + 1])
      if (diff !== undefined) {
        failure = `first divergence after instruction ${j} at pc ${hex(steps[j].pc)} (${hex(raw)}): ${diff}`
      }
      compared++
      i = j + 1
    }
    t.equal(failure, undefined, failure ?? 'no divergence')
    t.ok(board.poweredOff, 'the hart reached the poweroff write')
    t.equal(board.output, qemu.output, 'console output matches QEMU')
    t.ok(compared > 100, `compared ${compared} instructions`)
  })
}

t.test('timer: same console output as QEMU', {skip: missing}, async (t) => {
  const elfPath = BUILD + 'timer.elf'
  const elf = readElf(elfPath)
  const qemu = runQemu(elfPath, elf.entry, false)
  const board = new TestBoard()
  board.load(elf)
  t.equal(board.runToEnd(), Stop.Halt)
  t.equal(board.output, 'timer ok\n')
  t.equal(board.output, qemu.output)
})
