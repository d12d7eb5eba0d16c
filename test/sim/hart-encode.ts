// Encodes the few RV32 instructions the hart unit tests build programs from,
// so the tests need no cross assembler.

import {RAM_BASE} from '../../src/lib/sim/hart-env.js'
import {TestBoard} from '../helpers/hart-board.js'

const r = (f7: number, rs2: number, rs1: number, f3: number, rd: number, op: number) =>
  ((f7 << 25) | (rs2 << 20) | (rs1 << 15) | (f3 << 12) | (rd << 7) | op) >>> 0
const i = (imm: number, rs1: number, f3: number, rd: number, op: number) =>
  (((imm & 0xfff) << 20) | (rs1 << 15) | (f3 << 12) | (rd << 7) | op) >>> 0
const s = (imm: number, rs2: number, rs1: number, f3: number) =>
  ((((imm >> 5) & 0x7f) << 25) | (rs2 << 20) | (rs1 << 15) | (f3 << 12) | ((imm & 31) << 7) | 0x23) >>> 0

export const addi = (rd: number, rs1: number, imm: number) => i(imm, rs1, 0, rd, 0x13)
export const add = (rd: number, rs1: number, rs2: number) => r(0, rs2, rs1, 0, rd, 0x33)
export const lui = (rd: number, upper: number) => (((upper & 0xfffff) << 12) | (rd << 7) | 0x37) >>> 0
export const lw = (rd: number, rs1: number, imm: number) => i(imm, rs1, 2, rd, 0x03)
export const lbu = (rd: number, rs1: number, imm: number) => i(imm, rs1, 4, rd, 0x03)
export const sw = (rs2: number, rs1: number, imm: number) => s(imm, rs2, rs1, 2)
export const sb = (rs2: number, rs1: number, imm: number) => s(imm, rs2, rs1, 0)
export const csrrw = (rd: number, csr: number, rs1: number) => i(csr, rs1, 1, rd, 0x73)
export const csrrs = (rd: number, csr: number, rs1: number) => i(csr, rs1, 2, rd, 0x73)
export const amoadd = (rd: number, rs1: number, rs2: number) => r(0, rs2, rs1, 2, rd, 0x2f)
export const lrw = (rd: number, rs1: number) => r(2 << 2, 0, rs1, 2, rd, 0x2f)
export const scw = (rd: number, rs1: number, rs2: number) => r(3 << 2, rs2, rs1, 2, rd, 0x2f)
export const mulh = (rd: number, rs1: number, rs2: number) => r(1, rs2, rs1, 1, rd, 0x33)
export const mulhsu = (rd: number, rs1: number, rs2: number) => r(1, rs2, rs1, 2, rd, 0x33)
export const mulhu = (rd: number, rs1: number, rs2: number) => r(1, rs2, rs1, 3, rd, 0x33)
export const div = (rd: number, rs1: number, rs2: number) => r(1, rs2, rs1, 4, rd, 0x33)
export const divu = (rd: number, rs1: number, rs2: number) => r(1, rs2, rs1, 5, rd, 0x33)
export const rem = (rd: number, rs1: number, rs2: number) => r(1, rs2, rs1, 6, rd, 0x33)
export const remu = (rd: number, rs1: number, rs2: number) => r(1, rs2, rs1, 7, rd, 0x33)

export function bne(rs1: number, rs2: number, offset: number): number {
  const imm = offset & 0x1fff
  return ((((imm >> 12) & 1) << 31) | (((imm >> 5) & 0x3f) << 25) | (rs2 << 20) | (rs1 << 15) | (1 << 12) |
    (((imm >> 1) & 0xf) << 8) | (((imm >> 11) & 1) << 7) | 0x63) >>> 0
}

export function jal(rd: number, offset: number): number {
  const imm = offset & 0x1fffff
  return ((((imm >> 20) & 1) << 31) | (((imm >> 1) & 0x3ff) << 21) | (((imm >> 11) & 1) << 20) |
    (((imm >> 12) & 0xff) << 12) | (rd << 7) | 0x6f) >>> 0
}

/** lui + addi loading any 32-bit value. */
export function li(rd: number, value: number): number[] {
  const low = (value << 20) >> 20
  return [lui(rd, ((value - low) >>> 12) & 0xfffff), addi(rd, rd, low)]
}

export const ECALL = 0x00000073
export const EBREAK = 0x00100073
export const MRET = 0x30200073
export const WFI = 0x10500073
export const NOP = 0x00000013

export const CSR = {mstatus: 0x300, mie: 0x304, mtvec: 0x305, mcounteren: 0x306, mscratch: 0x340, mepc: 0x341,
  mcause: 0x342, mtval: 0x343, mip: 0x344, time: 0xc01, timeh: 0xc81, cycle: 0xc00, instret: 0xc02, minstret: 0xb02,
  minstreth: 0xb82, marchid: 0xf12, mimpid: 0xf13, mstatush: 0x310, satp: 0x180}

/** A board with `words` at the start of RAM and the hart about to run them. */
export function boardWith(words: number[], ramBytes = 1 << 16): TestBoard {
  const board = new TestBoard(ramBytes)
  board.poke(RAM_BASE, words)
  board.hart.pc = RAM_BASE
  return board
}
