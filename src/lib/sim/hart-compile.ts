// Translation of hot straight-line code into JavaScript functions, which V8
// then compiles to machine code: the step from an interpreter's hundred-odd
// MIPS towards QEMU's. A block is the run of simple instructions from one pc
// up to and including the first jump; a conditional branch on the way is a
// side exit when taken, and the block goes on along the fall-through path. It
// does exactly what the
// interpreter would, or stops short and says how far it got: every rare case
// (a protected, misaligned or device access, a misaligned jump target, a
// store into the block itself) ends the block before that instruction, and
// the interpreter executes it. A block checks its instruction words on entry,
// so rewritten code is never run in its old form. A block that ends in a jump
// back to its own start loops inside itself while the budget allows: the
// tight loops that dominate guest time then never return to the dispatcher.
// (Code another hart rewrites is seen at the next entry, as the ISA allows:
// the looping hart has executed no FENCE.I.)

import {decodeInto, NEXT_PC, Op, PASSES, SINK} from './hart-decode.js'
import {ACCESS_COUNT_READ, ACCESS_COUNT_WRITE, ACCESS_READ, ACCESS_WRITE, PAGE_SHIFT, RAM_BASE} from './hart-env.js'

/**
 * Runs a block over the register file and RAM views, with the pc to continue
 * at left in x[NEXT_PC]. Returns the number of instructions retired (at least
 * one); or -2 - retired when it stopped short at an instruction only the
 * interpreter may run; or -1 if the code in RAM is no longer the code the
 * block was made from.
 */
export type Block = (x: Int32Array, i32: Int32Array, u16: Uint16Array, i16: Int16Array, u8: Uint8Array,
  i8: Int8Array, access: Uint8Array, ramSize: number, budget: number) => number

export interface CompiledBlock {
  run: Block
  length: number
}

const MAX_BLOCK = 48
const RAM_BASE_I32 = RAM_BASE | 0

/** The access test of a load or store at `off`: its bit, or a counted page while passes last (and one is taken). */
function allowed(bit: number, counted: number): string {
  return `((access[off >>> ${PAGE_SHIFT}] & ${bit}) !== 0 || ((access[off >>> ${PAGE_SHIFT}] & ${counted}) !== 0 && x[${PASSES}] > 0 && (x[${PASSES}] = x[${PASSES}] - 1) >= 0))`
}

const LOADS: Partial<Record<Op, [size: number, view: string, shift: number]>> = {
  [Op.Lw]: [4, 'i32', 2], [Op.Lh]: [2, 'i16', 1], [Op.Lhu]: [2, 'u16', 1], [Op.Lb]: [1, 'i8', 0], [Op.Lbu]: [1, 'u8', 0],
}
const STORES: Partial<Record<Op, [size: number, view: string, shift: number]>> = {
  [Op.Sw]: [4, 'i32', 2], [Op.Sh]: [2, 'u16', 1], [Op.Sb]: [1, 'u8', 0],
}
const BRANCHES: Partial<Record<Op, string>> = {
  [Op.Beq]: 'a === b', [Op.Bne]: 'a !== b', [Op.Blt]: 'a < b', [Op.Bge]: 'a >= b',
  [Op.Bltu]: '(a >>> 0) < (b >>> 0)', [Op.Bgeu]: '(a >>> 0) >= (b >>> 0)',
}

/** The statement for one ALU instruction, or undefined if op is not one. */
function alu(op: Op, rd: number, rs1: number, rs2: number, imm: number, pc: number): string | undefined {
  const d = `x[${rd}]`
  const a = `x[${rs1}]`
  const b = `x[${rs2}]`
  switch (op) {
    case Op.Lui: return `${d} = ${imm};`
    case Op.Auipc: return `${d} = ${(pc + imm) | 0};`
    case Op.Addi: return `${d} = (${a} + ${imm}) | 0;`
    case Op.Slti: return `${d} = ${a} < ${imm} ? 1 : 0;`
    case Op.Sltiu: return `${d} = (${a} >>> 0) < ${imm >>> 0} ? 1 : 0;`
    case Op.Xori: return `${d} = ${a} ^ ${imm};`
    case Op.Ori: return `${d} = ${a} | ${imm};`
    case Op.Andi: return `${d} = ${a} & ${imm};`
    case Op.Slli: return `${d} = ${a} << ${imm};`
    // Locals are not an Int32Array: an unsigned result must be brought back to int32 here.
    case Op.Srli: return `${d} = (${a} >>> ${imm}) | 0;`
    case Op.Srai: return `${d} = ${a} >> ${imm};`
    case Op.Add: return `${d} = (${a} + ${b}) | 0;`
    case Op.Sub: return `${d} = (${a} - ${b}) | 0;`
    case Op.Sll: return `${d} = ${a} << (${b} & 31);`
    case Op.Slt: return `${d} = ${a} < ${b} ? 1 : 0;`
    case Op.Sltu: return `${d} = (${a} >>> 0) < (${b} >>> 0) ? 1 : 0;`
    case Op.Xor: return `${d} = ${a} ^ ${b};`
    case Op.Srl: return `${d} = (${a} >>> (${b} & 31)) | 0;`
    case Op.Sra: return `${d} = ${a} >> (${b} & 31);`
    case Op.Or: return `${d} = ${a} | ${b};`
    case Op.And: return `${d} = ${a} & ${b};`
    case Op.Mul: return `${d} = Math.imul(${a}, ${b});`
    // The high word from the double product, corrected by the exact low word (see mulhs in hart.ts).
    case Op.Mulh: return `{ const a = ${a}, b = ${b}; ${d} = Math.round((a * b - (Math.imul(a, b) >>> 0)) / 4294967296) | 0; }`
    case Op.Mulhsu: return `{ const a = ${a}, b = ${b} >>> 0; ${d} = Math.round((a * b - (Math.imul(a, b) >>> 0)) / 4294967296) | 0; }`
    case Op.Mulhu: return `{ const a = ${a} >>> 0, b = ${b} >>> 0; ${d} = Math.round((a * b - (Math.imul(a, b) >>> 0)) / 4294967296) | 0; }`
    case Op.Div: return `{ const a = ${a}, b = ${b}; ${d} = b === 0 ? -1 : (a === -2147483648 && b === -1) ? a : (a / b) | 0; }`
    case Op.Divu: return `{ const b = ${b} >>> 0; ${d} = b === 0 ? -1 : ((${a} >>> 0) / b) | 0; }`
    case Op.Rem: return `{ const b = ${b}; ${d} = b === 0 ? ${a} : (${a} % b) | 0; }`
    case Op.Remu: return `{ const b = ${b} >>> 0; ${d} = b === 0 ? ${a} : ((${a} >>> 0) % b) | 0; }`
    case Op.Fence: return ''
  }
  return undefined
}

/**
 * Rewrites block code from the register file to locals: V8 cannot keep a
 * typed-array element in a machine register across a store to another typed
 * array, but it can a local. The registers the block uses are loaded on
 * entry, and those it writes are stored back before every return; a register
 * not yet written at some exit still holds its entry value, so writing the
 * whole set back is always right. Writes to x0 go to a local never stored.
 */
function inLocals(code: string): string {
  const used = new Set<number>()
  const written = new Set<number>()
  let body = code.replace(/x\[(\d+)\]( = (?!=))?/g, (match, index: string, assignment: string | undefined) => {
    const i = Number(index)
    if (i === NEXT_PC || i === PASSES) return match
    if (i === 0) return '0'
    used.add(i)
    if (assignment && i !== SINK) written.add(i)
    return `r${i}${assignment ?? ''}`
  })
  const store = [...written].map((i) => `x[${i}] = r${i}; `).join('')
  body = body.replace(/return /g, `${store}return `)
  const load = [...used].map((i) => (i === SINK ? `let r${i} = 0;` : `let r${i} = x[${i}];`)).join(' ')
  return `${load}\n    ${body}`
}

/**
 * Compiles the block starting at RAM offset `start`, or returns a block of
 * length 0 when its first instruction is one only the interpreter runs.
 */
export function compileBlock(i32: Int32Array, start: number, ramSize: number): CompiledBlock {
  const ops = new Int32Array(1)
  const imms = new Int32Array(1)
  const checks: string[] = []
  const body: string[] = []
  let length = 0
  let ended = false
  let loops = false
  for (let off = start; !ended && length < MAX_BLOCK && off < ramSize; off += 4) {
    const raw = i32[off >> 2]
    decodeInto(raw, 0, ops, imms)
    const p = ops[0]
    const op = (p & 0xff) as Op
    const rd = (p >> 8) & 0xff
    const rs1 = (p >> 16) & 0xff
    const rs2 = p >>> 24
    const imm = imms[0]
    const pc = off ^ RAM_BASE_I32
    const k = length
    const startPc = start ^ RAM_BASE_I32
    const exitHere = `{ x[${NEXT_PC}] = ${pc}; return -2 - (DONE${k}); }`
    let code = alu(op, rd, rs1, rs2, imm, pc)
    if (code !== undefined) {
      if (rd === SINK) code = ''
    } else if (LOADS[op]) {
      const [size, view, shift] = LOADS[op]!
      code = `{ const off = (x[${rs1}] + ${imm}) ^ ${RAM_BASE_I32};
        if (off >= 0 && off < ramSize && (off & ${size - 1}) === 0 && ${allowed(ACCESS_READ, ACCESS_COUNT_READ)}) x[${rd}] = ${view}[off >> ${shift}];
        else ${exitHere} }`
    } else if (STORES[op]) {
      const [size, view, shift] = STORES[op]!
      // A store into this very block must end it: the interpreter then fetches what was written.
      code = `{ const off = (x[${rs1}] + ${imm}) ^ ${RAM_BASE_I32};
        if (off >= 0 && off < ramSize && (off & ${size - 1}) === 0 && ${allowed(ACCESS_WRITE, ACCESS_COUNT_WRITE)}) {
          ${view}[off >> ${shift}] = x[${rs2}];
          if (((off - ${start}) >>> 0) < BLOCK_BYTES) { x[${NEXT_PC}] = ${(pc + 4) | 0}; return DONE${k + 1}; }
        } else ${exitHere} }`
    } else if (BRANCHES[op]) {
      if (((pc + imm) | 0) === startPc) {
        loops = true
        code = `{ const a = x[${rs1}], b = x[${rs2}];
        if (${BRANCHES[op]}) { done += ${k + 1}; if (done + ${k + 1} > budget) { x[${NEXT_PC}] = ${startPc}; return done; } }
        else { x[${NEXT_PC}] = ${(pc + 4) | 0}; return done + ${k + 1}; } }`
        ended = true
      } else if (length + 1 < MAX_BLOCK) {
        // A side exit: the block goes on along the fall-through path.
        code = `{ const a = x[${rs1}], b = x[${rs2}]; if (${BRANCHES[op]}) { x[${NEXT_PC}] = ${(pc + imm) | 0}; return DONE${k + 1}; } }`
      } else {
        code = `{ const a = x[${rs1}], b = x[${rs2}]; x[${NEXT_PC}] = ${BRANCHES[op]} ? ${(pc + imm) | 0} : ${(pc + 4) | 0}; return DONE${k + 1}; }`
        ended = true
      }
    } else if (op === Op.Jal && ((pc + imm) & 3) === 0) {
      if (((pc + imm) | 0) === startPc) {
        loops = true
        code = `x[${rd}] = ${(pc + 4) | 0}; done += ${k + 1}; if (done + ${k + 1} > budget) { x[${NEXT_PC}] = ${startPc}; return done; }`
      } else {
        code = `x[${rd}] = ${(pc + 4) | 0}; x[${NEXT_PC}] = ${(pc + imm) | 0}; return DONE${k + 1};`
      }
      ended = true
    } else if (op === Op.Jalr) {
      code = `{ const target = (x[${rs1}] + ${imm}) & -2;
        if ((target & 3) !== 0) ${exitHere}
        x[${rd}] = ${(pc + 4) | 0}; x[${NEXT_PC}] = target; return ${k + 1}; }`
      ended = true
    } else {
      break
    }
    checks.push(`i32[${off >> 2}] !== ${raw}`)
    body.push(code)
    length++
  }
  if (length === 0) return {run: () => 0, length: 0}
  const fallThrough = ended ? '' : `x[${NEXT_PC}] = ${(start + 4 * length) ^ RAM_BASE_I32}; return ${length};`
  const code = body.join('\n    ').replace(/DONE/g, loops ? 'done + ' : '')
  const source = `'use strict';
    const BLOCK_BYTES = ${4 * length};
    if (${checks.join(' || ')}) return -1;
    ${inLocals(`${loops ? `let done = 0;\n    for (;;) {\n    ${code}\n    }` : code}\n    ${fallThrough}`)}`
  const run = new Function('x', 'i32', 'u16', 'i16', 'u8', 'i8', 'access', 'ramSize', 'budget', source) as Block
  return {run, length}
}
