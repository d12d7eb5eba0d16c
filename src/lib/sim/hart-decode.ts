// Instruction decoding, shared by the interpreter loop in hart.ts and the
// block compiler in hart-compile.ts so that both read an instruction the same
// way.

/**
 * Decoded operations. A const enum, so that the TypeScript compiler inlines
 * them as literals: V8 builds a jump table only for a switch over literal
 * cases.
 */
export const enum Op {
  Illegal = 0, Lui, Auipc, Jal, Jalr,
  Beq, Bne, Blt, Bge, Bltu, Bgeu, BranchOdd,
  Lb, Lh, Lw, Lbu, Lhu, Sb, Sh, Sw,
  Addi, Slti, Sltiu, Xori, Ori, Andi, Slli, Srli, Srai,
  Add, Sub, Sll, Slt, Sltu, Xor, Srl, Sra, Or, And,
  Mul, Mulh, Mulhsu, Mulhu, Div, Divu, Rem, Remu,
  Fence, Ecall, Ebreak, Mret, Wfi, Csr, Atomic,
}

/** Register index that writes to x0 are decoded to, so no instruction has to test rd !== 0. */
export const SINK = 32

/** Register-file slot where a compiled block leaves the pc to continue at. */
export const NEXT_PC = 33

/** Register-file slot of the hart's pass count (see ACCESS_COUNT_READ), which compiled blocks take from. */
export const PASSES = 34

function pack(op: Op, rd: number, rs1: number, rs2: number): number {
  return op | (rd === 0 ? SINK : rd) << 8 | rs1 << 16 | rs2 << 24
}

const ALU_REG: Record<number, Op> = {
  0x000: Op.Add, 0x100: Op.Sub, 0x001: Op.Sll, 0x002: Op.Slt, 0x003: Op.Sltu, 0x004: Op.Xor,
  0x005: Op.Srl, 0x105: Op.Sra, 0x006: Op.Or, 0x007: Op.And,
  0x008: Op.Mul, 0x009: Op.Mulh, 0x00a: Op.Mulhsu, 0x00b: Op.Mulhu,
  0x00c: Op.Div, 0x00d: Op.Divu, 0x00e: Op.Rem, 0x00f: Op.Remu,
}

/**
 * Decodes one instruction word into slot k: ops[k] packs the operation with
 * rd (SINK for x0) << 8, rs1 << 16 and rs2 << 24; imms[k] is the immediate.
 */
export function decodeInto(raw: number, k: number, ops: Int32Array, imms: Int32Array): void {
  const opcode = raw & 0x7f
  const rd = (raw >>> 7) & 31
  const f3 = (raw >>> 12) & 7
  const rs1 = (raw >>> 15) & 31
  const rs2 = (raw >>> 20) & 31
  const f7 = raw >>> 25
  const immI = raw >> 20
  let op = Op.Illegal
  let imm = 0
  let packed = -1
  switch (opcode) {
    case 0x37: op = Op.Lui; imm = raw & 0xfffff000; break
    case 0x17: op = Op.Auipc; imm = raw & 0xfffff000; break
    case 0x6f:
      op = Op.Jal
      imm = ((raw >> 31) << 20) | (((raw >>> 12) & 0xff) << 12) | (((raw >>> 20) & 1) << 11) | (((raw >>> 21) & 0x3ff) << 1)
      break
    case 0x67: if (f3 === 0) { op = Op.Jalr; imm = immI } break
    case 0x63:
      if (f3 !== 2 && f3 !== 3) {
        imm = ((raw >> 31) << 12) | (((raw >>> 7) & 1) << 11) | (((raw >>> 25) & 0x3f) << 5) | (((raw >>> 8) & 0xf) << 1)
        // A target off the 4-byte grid traps when taken; keep that test out of the common branches.
        if ((imm & 2) !== 0) packed = Op.BranchOdd | f3 << 8 | rs1 << 16 | rs2 << 24
        else op = [Op.Beq, Op.Bne, 0, 0, Op.Blt, Op.Bge, Op.Bltu, Op.Bgeu][f3]
      }
      break
    case 0x03: op = [Op.Lb, Op.Lh, Op.Lw, 0, Op.Lbu, Op.Lhu, 0, 0][f3]; imm = immI; break
    case 0x23: op = [Op.Sb, Op.Sh, Op.Sw, 0, 0, 0, 0, 0][f3]; imm = (immI & ~31) | rd; packed = op === Op.Illegal ? -1 : op | rs1 << 16 | rs2 << 24; break
    case 0x13:
      imm = immI
      switch (f3) {
        case 0: op = Op.Addi; break
        case 2: op = Op.Slti; break
        case 3: op = Op.Sltiu; break
        case 4: op = Op.Xori; break
        case 6: op = Op.Ori; break
        case 7: op = Op.Andi; break
        case 1: if (f7 === 0) { op = Op.Slli; imm = rs2 } break
        case 5: if (f7 === 0) op = Op.Srli; else if (f7 === 0x20) op = Op.Srai; imm = rs2; break
      }
      break
    case 0x33:
      if (f7 === 0 || f7 === 0x20 || f7 === 1) op = ALU_REG[(f7 === 0x20 ? 0x100 : f7 === 1 ? 8 : 0) + f3] ?? Op.Illegal
      break
    case 0x0f: if (f3 === 0 || f3 === 1) op = Op.Fence; break
    case 0x73:
      if (f3 === 0) {
        if (raw === 0x00000073) op = Op.Ecall
        else if (raw === 0x00100073) op = Op.Ebreak
        else if (raw === 0x30200073) op = Op.Mret
        else if (raw === 0x10500073) op = Op.Wfi
      } else if (f3 !== 4) {
        op = Op.Csr
        imm = raw >>> 20
        packed = Op.Csr | f3 << 8 | rs1 << 16 | rd << 24
      }
      break
    case 0x2f:
      if (f3 === 2) {
        const f5 = raw >>> 27
        const known = f5 === 0 || f5 === 1 || f5 === 2 || f5 === 3 || f5 === 4 || f5 === 8 || f5 === 12 ||
          f5 === 16 || f5 === 20 || f5 === 24 || f5 === 28
        if (known && !(f5 === 2 && rs2 !== 0)) {
          op = Op.Atomic
          imm = f5
          packed = Op.Atomic | rd << 8 | rs1 << 16 | rs2 << 24
        }
      }
      break
  }
  ops[k] = op === Op.Illegal && packed === -1 ? Op.Illegal : packed !== -1 ? packed : pack(op, rd, rs1, rs2)
  imms[k] = imm
}
