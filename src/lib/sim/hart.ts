// One RISC-V hart: RV32IMA + Zicsr + Zifencei, machine and user mode, over
// guest RAM held in a typed array. Everything outside RAM and everything that
// is not the hart's own business (devices, time, page protection, threads)
// goes through HartEnv. The hot loop in slice() keeps pc and the retired
// count in locals, runs hot code as compiled blocks (hart-compile.ts) and the
// rest by dispatching on pre-decoded instructions; every rare case (MMIO,
// misaligned or protected accesses, CSRs, traps, atomics) leaves it for a
// method, so the common path stays small enough for the JIT to keep tight.

import {ACCESS_COUNT_READ, ACCESS_COUNT_WRITE, ACCESS_READ, ACCESS_WRITE, PAGE_SHIFT, RAM_BASE, type HartEnv, Stop} from './hart-env.js'
import {
  CAUSE_BREAKPOINT, CAUSE_ECALL_M, CAUSE_ECALL_U, CAUSE_FETCH_ACCESS, CAUSE_FETCH_MISALIGNED, CAUSE_ILLEGAL,
  CAUSE_LOAD_ACCESS, CAUSE_LOAD_MISALIGNED, CAUSE_STORE_ACCESS, describeTrap,
  IRQ_MACHINE_EXTERNAL, IRQ_MACHINE_SOFTWARE, IRQ_MACHINE_TIMER, MIE_WRITABLE, MISA, MSTATUS_MIE, MSTATUS_MPIE,
  MSTATUS_MPP, MSTATUS_MPP_SHIFT,
} from './hart-csr.js'
import {compileBlock, type Block} from './hart-compile.js'
import {decodeInto, NEXT_PC, Op, PASSES, SINK} from './hart-decode.js'
import {decodeHartState, encodeHartState, PRIV_MACHINE, PRIV_USER, type HartState} from './hart-state.js'

export {decodeHartState, diffHartState, type HartState} from './hart-state.js'

/** The machine is polled (env.poll) whenever the retired count reaches a multiple of this. */
export const POLL_INTERVAL = 1024

if (new Uint8Array(new Uint16Array([1]).buffer)[0] !== 1) {
  // Guest RAM is little-endian and is read through host-endian typed arrays.
  throw new Error('the hart needs a little-endian host')
}

/** RAM_BASE as an int32: XOR with it turns a guest address into a RAM offset (negative = below RAM). */
const RAM_BASE_I32 = RAM_BASE | 0

/** slice() returns this when it ran to its limit or wants a poll (Hart.why) rather than stopping. */
const NO_STOP = -1
/** Hart.breakAt when no breakpoint is set: odd, so never a pc. */
export const NO_BREAK = 1

/** Why the inner loop handed control back to the outer one. */
const enum Why { Nothing = 0, Poll, InterruptCheck }

/** Results of the slow paths, read back by the hot loop from Hart.status. */
const enum Status { Ok = 0, Trapped, Stopped, MmioStored }

// The decoded-instruction cache is direct-mapped on the word address. An
// entry is valid when its raw word equals the word now in RAM, so code that
// is rewritten (by this hart, another thread, or the loader) is simply
// decoded again; decoding depends on the raw word alone, never on the pc.
const CACHE_BITS = 15
const CACHE_MASK = (1 << CACHE_BITS) - 1

/** Times the interpreter runs an instruction before compiling the block that starts there. */
const COMPILE_AFTER = 16

/**
 * Compiled blocks, direct-mapped on the word address like the decode cache
 * and shared by every hart in this thread: a block depends on nothing but the
 * code words it checks on entry, so the harts of an SMP guest, and a machine
 * rebuilt for another search evaluation, reuse what one of them compiled.
 */
const BLOCKS = {
  pc: new Int32Array(CACHE_MASK + 1),
  length: new Int32Array(CACHE_MASK + 1),
  hits: new Uint8Array(CACHE_MASK + 1),
  run: new Array<Block>(CACHE_MASK + 1),
}

const TWO_32 = 4294967296

function mulhs(a: number, b: number): number {
  // The double product is within 2^12 of the exact one; the exact low word
  // pins the high word down, and rounding absorbs the error.
  const lo = Math.imul(a, b) >>> 0
  return Math.round((a * b - lo) / TWO_32) | 0
}

/** An instruction count: a non-negative integer, or Infinity for no limit. */
function isCount(value: number): boolean {
  return value === Infinity || (Number.isInteger(value) && value >= 0)
}

function hex32(value: number): string {
  return '0x' + (value >>> 0).toString(16).padStart(8, '0')
}

export class Hart {
  readonly id: number
  readonly env: HartEnv
  /** Retired instructions since reset. Traps and interrupts do not retire. */
  instret = 0
  /** Pending interrupt lines (MSIP, MTIP, MEIP); the machine sets it, usually inside env.poll. */
  mip = 0
  /** Why the hart stopped for good (Stop.Fatal), in one line. */
  fatal: string | undefined
  /** Blocks of guest code this hart translated to JavaScript: a figure for benchmarks and diagnostics. */
  compiledBlocks = 0

  /** x0..x31, then the sink for writes to x0, the pc a compiled block continues at, and the pass count (see passes). */
  private readonly x = new Int32Array(35)
  private pcI = RAM_BASE_I32
  private priv = PRIV_MACHINE
  private mstatus = 0
  private mie = 0
  private mtvec = 0
  private mepc = 0
  private mcause = 0
  private mtval = 0
  private mscratch = 0
  private mcounteren = 0
  private instretOffset = 0n
  private readonly pmpcfg = new Uint8Array(16)
  private readonly pmpaddr = new Int32Array(16)
  private reservationValid = false
  private reservationAddr = 0
  private reservationValue = 0
  private wfi = false

  private pendingValid = false
  private pendingPage = 0
  private pendingWrite = false
  private allowPc = 0
  private allowInstret = 0
  private readonly allowPages = [0, 0]
  private readonly allowWrites = [false, false]
  private allowCount = 0

  private readonly u8: Uint8Array
  private readonly i8: Int8Array
  private readonly u16: Uint16Array
  private readonly i16: Int16Array
  private readonly i32: Int32Array
  private readonly ramSize: number
  private readonly cacheRaw = new Int32Array(CACHE_MASK + 1)
  private readonly cacheOp = new Int32Array(CACHE_MASK + 1)
  private readonly cacheImm = new Int32Array(CACHE_MASK + 1)

  /**
   * Stop (Stop.Break) before executing the instruction at this pc, as an
   * int32; NO_BREAK (odd, so no pc) when unset. The breakpoint does not fire
   * again at the retired count it last fired at, so a run resumed there goes
   * on. Not part of the saved state: the caller sets it per run.
   */
  breakAt = NO_BREAK
  /**
   * With breakAt: the general registers (x1..x31, indexed from x0) the
   * breakpoint waits for, of which at most breakLoose may differ; undefined:
   * it stops at every visit. Not part of the saved state either.
   */
  breakRegs: Int32Array | undefined = undefined
  breakLoose = 0
  private breakSkip = -1
  private interpretFirst = false

  private status = Status.Ok
  private why: Why = Why.Nothing
  private stopReason = Stop.Budget

  constructor(id: number, ram: ArrayBuffer | SharedArrayBuffer, env: HartEnv) {
    if (!Number.isInteger(id) || id < 0 || id > 0xffff) throw new RangeError(`hart id must be an integer 0..65535, got ${id}`)
    if (ram.byteLength === 0 || ram.byteLength % 4 !== 0 || ram.byteLength > 0x8000_0000) {
      throw new RangeError(`guest RAM must be a non-empty multiple of 4 bytes up to 2 GiB, got ${ram.byteLength}`)
    }
    const pages = Math.ceil(ram.byteLength / (1 << PAGE_SHIFT))
    if (!(env.access instanceof Uint8Array) || env.access.length < pages) {
      throw new RangeError(`env.access must be a Uint8Array of at least ${pages} entries (one per RAM page)`)
    }
    this.id = id
    this.env = env
    this.u8 = new Uint8Array(ram)
    this.i8 = new Int8Array(ram)
    this.u16 = new Uint16Array(ram)
    this.i16 = new Int16Array(ram)
    this.i32 = new Int32Array(ram)
    this.ramSize = ram.byteLength
  }

  get pc(): number {
    return this.pcI >>> 0
  }

  set pc(value: number) {
    if (!Number.isInteger(value) || value < 0 || value > 0xffff_ffff || (value & 3) !== 0) {
      throw new RangeError(`pc must be a 4-byte-aligned 32-bit address, got ${value}`)
    }
    this.pcI = value | 0
  }

  /** Register i (0..31) as an unsigned 32-bit number. */
  getReg(i: number): number {
    return i === 0 ? 0 : this.x[this.checkReg(i)] >>> 0
  }

  setReg(i: number, value: number): void {
    if (this.checkReg(i) !== 0) this.x[i] = value | 0
  }

  private checkReg(i: number): number {
    if (!Number.isInteger(i) || i < 0 || i > 31) throw new RangeError(`register index must be 0..31, got ${i}`)
    return i
  }

  /**
   * Accesses to counted pages (ACCESS_COUNT_READ, ACCESS_COUNT_WRITE) that
   * go through without pageFault before the hart stops at one; the machine
   * sets it before a run and reads what is left after.
   */
  get passes(): number {
    return this.x[PASSES]
  }

  set passes(count: number) {
    this.x[PASSES] = count
  }

  /** After a Stop.Page, lets exactly the access that stopped the hart go ahead when it is tried again. */
  allowPendingAccess(): void {
    if (!this.pendingValid) return
    // The held-back access is the next instruction: the interpreter runs it (a compiled block would count it as a pass).
    this.interpretFirst = true
    if (this.allowCount < this.allowPages.length) {
      this.allowPages[this.allowCount] = this.pendingPage
      this.allowWrites[this.allowCount] = this.pendingWrite
      this.allowCount++
    }
    this.pendingValid = false
  }

  /** Whether x1..x31 equal regs[1..31]. */
  sameRegs(regs: Int32Array): boolean {
    const x = this.x
    for (let i = 1; i < 32; i++) if (x[i] !== regs[i]) return false
    return true
  }

  /** Copies x0..x31 into regs. */
  copyRegs(regs: Int32Array): void {
    const x = this.x
    for (let i = 0; i < 32; i++) regs[i] = x[i]
  }

  /** Whether the registers are what breakRegs asks for (see there). */
  private breakWanted(): boolean {
    const want = this.breakRegs
    if (want === undefined) return true
    const x = this.x
    let differ = 0
    for (let i = 1; i < 32; i++) if (x[i] !== want[i] && ++differ > this.breakLoose) return false
    return true
  }

  /**
   * Runs until `budget` more instructions retire, the retired count reaches
   * `instretLimit`, or a stop condition. Interrupts are taken only at poll
   * points and right after an instruction that may enable them, so the same
   * sequence of run() calls and mip settings always gives the same execution.
   */
  run(budget: number, instretLimit = Infinity): Stop {
    if (!isCount(budget)) throw new RangeError(`budget must be a non-negative integer or Infinity, got ${budget}`)
    if (!isCount(instretLimit)) throw new RangeError(`instretLimit must be a non-negative integer or Infinity, got ${instretLimit}`)
    if (this.fatal !== undefined) return Stop.Fatal
    let end = this.instret + budget
    let endStop = Stop.Budget
    if (instretLimit <= end) {
      end = Math.max(instretLimit, this.instret)
      endStop = Stop.Instret
    }
    return this.execute(end, endStop)
  }

  private execute(end: number, endStop: Stop): Stop {
    const env = this.env
    let why: Why = Why.Poll
    let stop: Stop
    for (;;) {
      if (why !== Why.Nothing) {
        if (why === Why.Poll && env.poll(this.id)) {
          stop = Stop.Halt
          break
        }
        if ((this.mip & this.mie) !== 0) {
          this.wfi = false
          if (this.takeInterrupt() && this.status === Status.Stopped) {
            stop = this.stopReason
            break
          }
        }
        if (this.wfi) {
          stop = Stop.Wfi
          break
        }
      }
      const ir = this.instret
      if (ir >= end) {
        stop = endStop
        break
      }
      const boundary = ir - (ir % POLL_INTERVAL) + POLL_INTERVAL
      const sliceStop = this.slice(boundary < end ? boundary : end)
      if (sliceStop !== NO_STOP) {
        stop = sliceStop
        break
      }
      why = this.why
      if (why === Why.Nothing && this.instret === boundary && boundary < end) why = Why.Poll
    }
    this.status = Status.Ok
    return stop
  }

  /**
   * The hot loop: runs until the retired count reaches lim, an instruction
   * asks for a poll or an interrupt check (this.why), or the hart stops
   * (returned). A function of its own, entered once per poll interval, so
   * that V8 optimizes it again at the next entry after any deoptimization
   * instead of leaving a long run in unoptimized code.
   */
  private slice(lim: number): Stop | typeof NO_STOP {
    const x = this.x
    const i32 = this.i32
    const u16 = this.u16
    const i16 = this.i16
    const u8 = this.u8
    const i8 = this.i8
    const acc = this.env.access
    const ramSize = this.ramSize
    const cacheRaw = this.cacheRaw
    const cacheOp = this.cacheOp
    const cacheImm = this.cacheImm
    const blockPc = BLOCKS.pc
    const blockLength = BLOCKS.length
    const blockHits = BLOCKS.hits
    const blocks = BLOCKS.run
    const breakAt = this.breakAt
    // After a block stopped short, the interpreter runs the instruction it stopped at.
    let interpretNext = this.interpretFirst
    this.interpretFirst = false
    let pc = this.pcI
    let ir = this.instret
    let why: Why = Why.Nothing
    let stop: Stop | typeof NO_STOP = NO_STOP

    run: while (ir < lim) {
      if (pc === breakAt && ir !== this.breakSkip && this.breakWanted()) {
        this.breakSkip = ir
        stop = Stop.Break
        break run
      }
      const woff = pc ^ RAM_BASE_I32
      if (woff < 0 || woff >= ramSize) {
        this.pcI = pc
        this.instret = ir
        this.trap(CAUSE_FETCH_ACCESS, pc, pc)
        if (this.status === Status.Stopped) {
          stop = this.stopReason
          break run
        }
        pc = this.pcI
        continue
      }
      const k = (woff >> 2) & CACHE_MASK
      if (interpretNext) {
        interpretNext = false
      } else if (blockPc[k] === pc) {
        const length = blockLength[k]
        // A block containing the breakpoint would run past it: the interpreter takes that stretch.
        if (length !== 0 && ir + length <= lim && ((breakAt - pc) >>> 0) >= length << 2) {
          const n = blocks[k](x, i32, u16, i16, u8, i8, acc, ramSize, lim - ir)
          if (n >= 0) {
            ir += n
            pc = x[NEXT_PC]
            continue
          }
          if (n < -1) {
            ir += -2 - n
            pc = x[NEXT_PC]
            interpretNext = true
            continue
          }
          blockPc[k] = 0
          blockHits[k] = 0
        }
      } else if (++blockHits[k] === COMPILE_AFTER) {
        const block = compileBlock(i32, woff, ramSize)
        if (block.length !== 0) this.compiledBlocks++
        blockPc[k] = pc
        blockLength[k] = block.length
        blocks[k] = block.run
      }
      const raw = i32[woff >> 2]
      if (cacheRaw[k] !== raw) {
        decodeInto(raw, k, cacheOp, cacheImm)
        cacheRaw[k] = raw
      }
      const p = cacheOp[k]
      const imm = cacheImm[k]
      const rd = (p >> 8) & 0xff
      const rs1 = (p >> 16) & 0xff
      const rs2 = p >>> 24

      switch (p & 0xff) {
        case Op.Addi: x[rd] = (x[rs1] + imm) | 0; pc = (pc + 4) | 0; break
        case Op.Add: x[rd] = (x[rs1] + x[rs2]) | 0; pc = (pc + 4) | 0; break
        case Op.Lw: {
          const off = (x[rs1] + imm) ^ RAM_BASE_I32
          if (off >= 0 && off < ramSize && (off & 3) === 0 && (acc[off >>> PAGE_SHIFT] & ACCESS_READ) !== 0) {
            x[rd] = i32[off >> 2]
          } else {
            this.pcI = pc
            this.instret = ir
            const v = this.loadSlow((x[rs1] + imm) | 0, 4, true)
            if (this.status !== Status.Ok) {
              if (this.status === Status.Stopped) { stop = this.stopReason; break run }
              pc = this.pcI
              continue
            }
            x[rd] = v
          }
          pc = (pc + 4) | 0
          break
        }
        case Op.Sw: {
          const off = (x[rs1] + imm) ^ RAM_BASE_I32
          if (off >= 0 && off < ramSize && (off & 3) === 0 && (acc[off >>> PAGE_SHIFT] & ACCESS_WRITE) !== 0) {
            i32[off >> 2] = x[rs2]
          } else {
            this.pcI = pc
            this.instret = ir
            this.storeSlow((x[rs1] + imm) | 0, 4, x[rs2])
            if (this.status !== Status.Ok) {
              if (this.status === Status.Stopped) { stop = this.stopReason; break run }
              if (this.status === Status.Trapped) { pc = this.pcI; continue }
              why = Why.Poll
              lim = ir + 1
            }
          }
          pc = (pc + 4) | 0
          break
        }
        case Op.Beq: pc = x[rs1] === x[rs2] ? (pc + imm) | 0 : (pc + 4) | 0; break
        case Op.Bne: pc = x[rs1] !== x[rs2] ? (pc + imm) | 0 : (pc + 4) | 0; break
        case Op.Blt: pc = x[rs1] < x[rs2] ? (pc + imm) | 0 : (pc + 4) | 0; break
        case Op.Bge: pc = x[rs1] >= x[rs2] ? (pc + imm) | 0 : (pc + 4) | 0; break
        case Op.Bltu: pc = (x[rs1] >>> 0) < (x[rs2] >>> 0) ? (pc + imm) | 0 : (pc + 4) | 0; break
        case Op.Bgeu: pc = (x[rs1] >>> 0) >= (x[rs2] >>> 0) ? (pc + imm) | 0 : (pc + 4) | 0; break
        case Op.Lui: x[rd] = imm; pc = (pc + 4) | 0; break
        case Op.Auipc: x[rd] = (pc + imm) | 0; pc = (pc + 4) | 0; break
        case Op.Jal: {
          const target = (pc + imm) | 0
          if ((target & 3) !== 0) {
            this.pcI = pc
            this.instret = ir
            this.trap(CAUSE_FETCH_MISALIGNED, target, pc)
            if (this.status === Status.Stopped) { stop = this.stopReason; break run }
            pc = this.pcI
            continue
          }
          x[rd] = (pc + 4) | 0
          pc = target
          break
        }
        case Op.Jalr: {
          const target = ((x[rs1] + imm) & ~1) | 0
          if ((target & 3) !== 0) {
            this.pcI = pc
            this.instret = ir
            this.trap(CAUSE_FETCH_MISALIGNED, target, pc)
            if (this.status === Status.Stopped) { stop = this.stopReason; break run }
            pc = this.pcI
            continue
          }
          x[rd] = (pc + 4) | 0
          pc = target
          break
        }
        case Op.BranchOdd: {
          const a = x[rs1]
          const b = x[rs2]
          let taken: boolean
          switch (rd) {
            case 0: taken = a === b; break
            case 1: taken = a !== b; break
            case 4: taken = a < b; break
            case 5: taken = a >= b; break
            case 6: taken = (a >>> 0) < (b >>> 0); break
            default: taken = (a >>> 0) >= (b >>> 0); break
          }
          if (taken) {
            this.pcI = pc
            this.instret = ir
            this.trap(CAUSE_FETCH_MISALIGNED, (pc + imm) | 0, pc)
            if (this.status === Status.Stopped) { stop = this.stopReason; break run }
            pc = this.pcI
            continue
          }
          pc = (pc + 4) | 0
          break
        }
        case Op.Lb: case Op.Lh: case Op.Lbu: case Op.Lhu: {
          const op = p & 0xff
          const size = op === Op.Lb || op === Op.Lbu ? 1 : 2
          const off = (x[rs1] + imm) ^ RAM_BASE_I32
          if (off >= 0 && off < ramSize && (off & (size - 1)) === 0 && (acc[off >>> PAGE_SHIFT] & ACCESS_READ) !== 0) {
            x[rd] = op === Op.Lb ? i8[off] : op === Op.Lbu ? u8[off] : op === Op.Lh ? i16[off >> 1] : u16[off >> 1]
          } else {
            this.pcI = pc
            this.instret = ir
            const v = this.loadSlow((x[rs1] + imm) | 0, size, op === Op.Lb || op === Op.Lh)
            if (this.status !== Status.Ok) {
              if (this.status === Status.Stopped) { stop = this.stopReason; break run }
              pc = this.pcI
              continue
            }
            x[rd] = v
          }
          pc = (pc + 4) | 0
          break
        }
        case Op.Sb: case Op.Sh: {
          const size = (p & 0xff) === Op.Sb ? 1 : 2
          const off = (x[rs1] + imm) ^ RAM_BASE_I32
          if (off >= 0 && off < ramSize && (off & (size - 1)) === 0 && (acc[off >>> PAGE_SHIFT] & ACCESS_WRITE) !== 0) {
            if (size === 1) u8[off] = x[rs2]
            else u16[off >> 1] = x[rs2]
          } else {
            this.pcI = pc
            this.instret = ir
            this.storeSlow((x[rs1] + imm) | 0, size, x[rs2])
            if (this.status !== Status.Ok) {
              if (this.status === Status.Stopped) { stop = this.stopReason; break run }
              if (this.status === Status.Trapped) { pc = this.pcI; continue }
              why = Why.Poll
              lim = ir + 1
            }
          }
          pc = (pc + 4) | 0
          break
        }
        case Op.Slti: x[rd] = x[rs1] < imm ? 1 : 0; pc = (pc + 4) | 0; break
        case Op.Sltiu: x[rd] = (x[rs1] >>> 0) < (imm >>> 0) ? 1 : 0; pc = (pc + 4) | 0; break
        case Op.Xori: x[rd] = x[rs1] ^ imm; pc = (pc + 4) | 0; break
        case Op.Ori: x[rd] = x[rs1] | imm; pc = (pc + 4) | 0; break
        case Op.Andi: x[rd] = x[rs1] & imm; pc = (pc + 4) | 0; break
        case Op.Slli: x[rd] = x[rs1] << imm; pc = (pc + 4) | 0; break
        case Op.Srli: x[rd] = x[rs1] >>> imm; pc = (pc + 4) | 0; break
        case Op.Srai: x[rd] = x[rs1] >> imm; pc = (pc + 4) | 0; break
        case Op.Sub: x[rd] = (x[rs1] - x[rs2]) | 0; pc = (pc + 4) | 0; break
        case Op.Sll: x[rd] = x[rs1] << (x[rs2] & 31); pc = (pc + 4) | 0; break
        case Op.Slt: x[rd] = x[rs1] < x[rs2] ? 1 : 0; pc = (pc + 4) | 0; break
        case Op.Sltu: x[rd] = (x[rs1] >>> 0) < (x[rs2] >>> 0) ? 1 : 0; pc = (pc + 4) | 0; break
        case Op.Xor: x[rd] = x[rs1] ^ x[rs2]; pc = (pc + 4) | 0; break
        case Op.Srl: x[rd] = x[rs1] >>> (x[rs2] & 31); pc = (pc + 4) | 0; break
        case Op.Sra: x[rd] = x[rs1] >> (x[rs2] & 31); pc = (pc + 4) | 0; break
        case Op.Or: x[rd] = x[rs1] | x[rs2]; pc = (pc + 4) | 0; break
        case Op.And: x[rd] = x[rs1] & x[rs2]; pc = (pc + 4) | 0; break
        case Op.Mul: x[rd] = Math.imul(x[rs1], x[rs2]); pc = (pc + 4) | 0; break
        case Op.Mulh: x[rd] = mulhs(x[rs1], x[rs2]); pc = (pc + 4) | 0; break
        case Op.Mulhsu: x[rd] = mulhs(x[rs1], x[rs2] >>> 0); pc = (pc + 4) | 0; break
        case Op.Mulhu: x[rd] = mulhs(x[rs1] >>> 0, x[rs2] >>> 0); pc = (pc + 4) | 0; break
        case Op.Div: {
          const a = x[rs1]
          const b = x[rs2]
          x[rd] = b === 0 ? -1 : (a === -0x8000_0000 && b === -1) ? a : (a / b) | 0
          pc = (pc + 4) | 0
          break
        }
        case Op.Divu: {
          const b = x[rs2] >>> 0
          x[rd] = b === 0 ? -1 : ((x[rs1] >>> 0) / b) | 0
          pc = (pc + 4) | 0
          break
        }
        case Op.Rem: {
          const b = x[rs2]
          x[rd] = b === 0 ? x[rs1] : (x[rs1] % b) | 0
          pc = (pc + 4) | 0
          break
        }
        case Op.Remu: {
          const b = x[rs2] >>> 0
          x[rd] = b === 0 ? x[rs1] : ((x[rs1] >>> 0) % b) | 0
          pc = (pc + 4) | 0
          break
        }
        case Op.Fence: pc = (pc + 4) | 0; break
        case Op.Ecall: case Op.Ebreak: case Op.Illegal: {
          const op = p & 0xff
          this.pcI = pc
          this.instret = ir
          if (op === Op.Ecall) this.trap(this.priv === PRIV_USER ? CAUSE_ECALL_U : CAUSE_ECALL_M, 0, pc)
          else if (op === Op.Ebreak) this.trap(CAUSE_BREAKPOINT, 0, pc)
          else this.trap(CAUSE_ILLEGAL, raw, pc)
          if (this.status === Status.Stopped) { stop = this.stopReason; break run }
          pc = this.pcI
          continue
        }
        case Op.Mret: case Op.Wfi: {
          this.pcI = pc
          this.instret = ir
          if (this.priv !== PRIV_MACHINE) {
            this.trap(CAUSE_ILLEGAL, raw, pc)
            if (this.status === Status.Stopped) { stop = this.stopReason; break run }
            pc = this.pcI
            continue
          }
          if ((p & 0xff) === Op.Mret) {
            pc = this.returnFromTrap()
            why = Why.InterruptCheck
          } else {
            pc = (pc + 4) | 0
            if ((this.mip & this.mie) === 0) {
              this.wfi = true
              why = Why.Poll
            }
          }
          lim = ir + 1
          break
        }
        case Op.Csr: {
          this.pcI = pc
          this.instret = ir
          if (this.csrInstruction(raw)) why = Why.InterruptCheck
          if (this.status !== Status.Ok) {
            if (this.status === Status.Stopped) { stop = this.stopReason; break run }
            pc = this.pcI
            continue
          }
          if (why !== Why.Nothing) lim = ir + 1
          pc = (pc + 4) | 0
          break
        }
        case Op.Atomic: {
          this.pcI = pc
          this.instret = ir
          this.atomic(imm, rd, rs1, rs2)
          if (this.status !== Status.Ok) {
            if (this.status === Status.Stopped) { stop = this.stopReason; break run }
            pc = this.pcI
            continue
          }
          pc = (pc + 4) | 0
          break
        }
      }
      ir++
    }
    x[SINK] = 0
    this.pcI = pc
    this.instret = ir
    this.why = why
    return stop
  }

  /** Takes the highest-priority pending and enabled interrupt, if any; returns whether one was taken. */
  private takeInterrupt(): boolean {
    const pending = this.mip & this.mie
    if (pending === 0) return false
    if (this.priv === PRIV_MACHINE && (this.mstatus & MSTATUS_MIE) === 0) return false
    const irq = (pending & (1 << IRQ_MACHINE_EXTERNAL)) !== 0 ? IRQ_MACHINE_EXTERNAL
      : (pending & (1 << IRQ_MACHINE_SOFTWARE)) !== 0 ? IRQ_MACHINE_SOFTWARE
        : IRQ_MACHINE_TIMER
    this.trap((0x8000_0000 | irq) | 0, 0, this.pcI)
    return true
  }

  /**
   * Enters the trap handler for `cause` raised by the instruction at `pc`,
   * or stops the hart with Stop.Fatal when the guest has no handler.
   * Sets this.status (and this.pcI to the handler).
   */
  private trap(cause: number, tval: number, pc: number): void {
    const interrupt = cause < 0
    const base = this.mtvec & ~3
    const handler = interrupt && (this.mtvec & 1) !== 0 ? (base + 4 * (cause & 0x7fff_ffff)) | 0 : base
    const inRam = ((handler ^ RAM_BASE_I32) >= 0) && ((handler ^ RAM_BASE_I32) < this.ramSize)
    if (base === 0 || !inRam || (!interrupt && handler === pc)) {
      const why = base === 0 ? 'with no trap handler (mtvec=0)'
        : !inRam ? `with the trap handler outside RAM (mtvec=${hex32(this.mtvec)})`
          : 'in the trap handler itself, which would trap forever'
      this.fatal = `hart ${this.id}: ${describeTrap(cause, tval)} at pc ${hex32(pc)} ${why}`
      this.stopReason = Stop.Fatal
      this.status = Status.Stopped
      return
    }
    this.reservationValid = false
    this.mepc = pc
    this.mcause = cause
    this.mtval = tval
    const mie = (this.mstatus & MSTATUS_MIE) !== 0
    this.mstatus = (this.mstatus & ~(MSTATUS_MIE | MSTATUS_MPIE | MSTATUS_MPP)) |
      (mie ? MSTATUS_MPIE : 0) | (this.priv << MSTATUS_MPP_SHIFT)
    this.priv = PRIV_MACHINE
    this.pcI = handler
    this.status = Status.Trapped
  }

  private returnFromTrap(): number {
    const mpp = (this.mstatus & MSTATUS_MPP) >>> MSTATUS_MPP_SHIFT
    const mpie = (this.mstatus & MSTATUS_MPIE) !== 0
    // Like QEMU: MIE from MPIE, MPIE set, MPP back to the least-privileged mode.
    this.mstatus = (this.mstatus & ~(MSTATUS_MIE | MSTATUS_MPP)) | MSTATUS_MPIE | (mpie ? MSTATUS_MIE : 0)
    this.priv = mpp === PRIV_MACHINE ? PRIV_MACHINE : PRIV_USER
    return this.mepc
  }

  /**
   * Checks the access bit of one page on the slow path. Returns true when the
   * hart must stop before the instruction (Stop.Page).
   */
  private pageBlocked(page: number, write: boolean): boolean {
    const bit = write ? ACCESS_WRITE : ACCESS_READ
    const bits = this.env.access[page]
    if ((bits & bit) !== 0) return false
    const sameInstruction = this.allowPc === this.pcI && this.allowInstret === this.instret
    if (sameInstruction) {
      for (let i = 0; i < this.allowCount; i++) {
        if (this.allowPages[i] === page && this.allowWrites[i] === write) return false
      }
    }
    // After the let-through above: the access a stop held back is not one of the passes.
    if ((bits & (write ? ACCESS_COUNT_WRITE : ACCESS_COUNT_READ)) !== 0 && this.x[PASSES] > 0) {
      this.x[PASSES]--
      return false
    }
    if (this.env.pageFault(this.id, page, write)) return false
    if (!sameInstruction) {
      this.allowPc = this.pcI
      this.allowInstret = this.instret
      this.allowCount = 0
    }
    this.pendingValid = true
    this.pendingPage = page
    this.pendingWrite = write
    this.stopReason = Stop.Page
    this.status = Status.Stopped
    return true
  }

  /** The RAM offset of a `size`-byte access at addr, or -1 if it is not wholly inside RAM. */
  private ramOffset(addr: number, size: number): number {
    const off = addr ^ RAM_BASE_I32
    return off >= 0 && off + size <= this.ramSize ? off : -1
  }

  /** Loads that miss the fast path: misaligned, protected, or outside RAM. Sets this.status. */
  private loadSlow(addr: number, size: 1 | 2 | 4, signed: boolean): number {
    this.status = Status.Ok
    const off = this.ramOffset(addr, size)
    if (off < 0) {
      const value = (addr & (size - 1)) === 0 ? this.env.mmioLoad(this.id, addr >>> 0, size) : undefined
      if (value === undefined) {
        this.trap(CAUSE_LOAD_ACCESS, addr, this.pcI)
        return 0
      }
      if (size === 4) return value | 0
      const shift = 32 - 8 * size
      return signed ? (value << shift) >> shift : (value << shift) >>> shift
    }
    const first = off >>> PAGE_SHIFT
    const last = (off + size - 1) >>> PAGE_SHIFT
    if (this.pageBlocked(first, false) || (last !== first && this.pageBlocked(last, false))) return 0
    let value = 0
    for (let i = size - 1; i >= 0; i--) value = (value << 8) | this.u8[off + i]
    const shift = 32 - 8 * size
    return signed ? (value << shift) >> shift : size === 4 ? value | 0 : (value << shift) >>> shift
  }

  /** Stores that miss the fast path. Sets this.status (MmioStored after a device write). */
  private storeSlow(addr: number, size: 1 | 2 | 4, value: number): void {
    this.status = Status.Ok
    const off = this.ramOffset(addr, size)
    if (off < 0) {
      const mask = size === 4 ? 0xffff_ffff : (1 << (8 * size)) - 1
      const ok = (addr & (size - 1)) === 0 && this.env.mmioStore(this.id, addr >>> 0, size, (value & mask) >>> 0)
      if (!ok) this.trap(CAUSE_STORE_ACCESS, addr, this.pcI)
      else this.status = Status.MmioStored
      return
    }
    const first = off >>> PAGE_SHIFT
    const last = (off + size - 1) >>> PAGE_SHIFT
    if (this.pageBlocked(first, true) || (last !== first && this.pageBlocked(last, true))) return
    for (let i = 0; i < size; i++) this.u8[off + i] = value >>> (8 * i)
  }

  /**
   * LR, SC and the AMOs. Always through Atomics, which are atomic across
   * threads when RAM is a SharedArrayBuffer and plain operations otherwise.
   */
  private atomic(funct5: number, rd: number, rs1: number, rs2: number): void {
    this.status = Status.Ok
    const x = this.x
    const addr = x[rs1]
    const src = x[rs2]
    const target = rd === 0 ? SINK : rd
    const isLr = funct5 === 2
    const isSc = funct5 === 3
    if (isSc && !(this.reservationValid && this.reservationAddr === addr)) {
      // Like QEMU: an SC without a matching reservation fails without touching memory.
      this.reservationValid = false
      x[target] = 1
      x[SINK] = 0
      return
    }
    if ((addr & 3) !== 0) {
      // QEMU 7.2 reports a misaligned AMO as a misaligned load (cause 4), as it does LR.
      this.trap(CAUSE_LOAD_MISALIGNED, addr, this.pcI)
      return
    }
    const off = this.ramOffset(addr, 4)
    if (off < 0) {
      // Atomics work on RAM only; QEMU 7.2 reports an AMO outside it, too, as a load access fault.
      this.trap(CAUSE_LOAD_ACCESS, addr, this.pcI)
      return
    }
    if (this.pageBlocked(off >>> PAGE_SHIFT, !isLr)) return
    const i32 = this.i32
    const index = off >> 2
    let old: number
    switch (funct5) {
      case 2:
        old = Atomics.load(i32, index)
        this.reservationValid = true
        this.reservationAddr = addr
        this.reservationValue = old
        break
      case 3:
        // Succeeds if the word still holds the value LR read. Unlike a real
        // reservation this cannot see a write that restored the same value
        // (ABA); lock-free code built on LR/SC pairs tolerates that.
        old = Atomics.compareExchange(i32, index, this.reservationValue, src) === this.reservationValue ? 0 : 1
        this.reservationValid = false
        break
      case 1: old = Atomics.exchange(i32, index, src); break
      case 0: old = Atomics.add(i32, index, src); break
      case 4: old = Atomics.xor(i32, index, src); break
      case 12: old = Atomics.and(i32, index, src); break
      case 8: old = Atomics.or(i32, index, src); break
      default: {
        for (;;) {
          old = Atomics.load(i32, index)
          let next: number
          if (funct5 === 16) next = old < src ? old : src
          else if (funct5 === 20) next = old > src ? old : src
          else if (funct5 === 24) next = (old >>> 0) < (src >>> 0) ? old : src
          else next = (old >>> 0) > (src >>> 0) ? old : src
          if (Atomics.compareExchange(i32, index, old, next) === old) break
        }
      }
    }
    x[target] = old
    x[SINK] = 0
  }

  /**
   * Executes a CSR instruction. Returns true if it wrote mstatus or mie, after
   * which a newly enabled interrupt must be taken at once.
   */
  private csrInstruction(raw: number): boolean {
    this.status = Status.Ok
    const f3 = (raw >>> 12) & 7
    const csr = raw >>> 20
    const rs1 = (raw >>> 15) & 31
    const rd = (raw >>> 7) & 31
    const src = (f3 & 4) !== 0 ? rs1 : this.x[rs1]
    const kind = f3 & 3
    const writes = kind === 1 || rs1 !== 0
    // csrrw to x0 does not read, so it must not log a time read either.
    const reads = kind !== 1 || rd !== 0
    const illegal = () => { this.trap(CAUSE_ILLEGAL, raw, this.pcI); return false }
    if (((csr >>> 8) & 3) > this.priv) return illegal()
    if (writes && (csr >>> 10) === 3) return illegal()
    if (!this.csrExists(csr)) return illegal()
    let old = 0
    if (reads) {
      const value = this.readCsr(csr)
      if (value === undefined) return illegal()
      old = value
    }
    if (writes) {
      this.writeCsr(csr, kind === 1 ? src : kind === 2 ? old | src : old & ~src)
    }
    if (rd !== 0) this.x[rd] = old
    return writes && (csr === 0x300 || csr === 0x304)
  }

  private csrExists(csr: number): boolean {
    switch (csr) {
      case 0x300: case 0x301: case 0x304: case 0x305: case 0x306: case 0x310: case 0x320:
      case 0x340: case 0x341: case 0x342: case 0x343: case 0x344:
      case 0xf11: case 0xf12: case 0xf13: case 0xf14: case 0xf15:
        return true
    }
    return (csr >= 0x3a0 && csr <= 0x3a3) || (csr >= 0x3b0 && csr <= 0x3bf) ||
      (csr >= 0x323 && csr <= 0x33f) || (csr >= 0xb00 && csr <= 0xb1f && csr !== 0xb01) ||
      (csr >= 0xb80 && csr <= 0xb9f && csr !== 0xb81) || (csr >= 0xc00 && csr <= 0xc1f) || (csr >= 0xc80 && csr <= 0xc9f)
  }

  /** The CSR's value, or undefined where reading it is illegal in the current mode. */
  private readCsr(csr: number): number | undefined {
    switch (csr) {
      case 0x300: return this.mstatus
      case 0x301: return MISA
      case 0x304: return this.mie
      case 0x305: return this.mtvec
      case 0x306: return this.mcounteren
      case 0x340: return this.mscratch
      case 0x341: return this.mepc
      case 0x342: return this.mcause
      case 0x343: return this.mtval
      case 0x344: return this.mip
      case 0xf14: return this.id
    }
    if (csr >= 0x3a0 && csr <= 0x3a3) {
      const i = (csr - 0x3a0) * 4
      const c = this.pmpcfg
      return (c[i] | c[i + 1] << 8 | c[i + 2] << 16 | c[i + 3] << 24)
    }
    if (csr >= 0x3b0 && csr <= 0x3bf) return this.pmpaddr[csr - 0x3b0]
    const counter = csr & 0x1f
    if ((csr & 0xf60) === 0xc00 || (csr & 0xf60) === 0xb00) {
      if ((csr & 0xf00) === 0xc00 && this.priv === PRIV_USER && counter < 3 && ((this.mcounteren >>> counter) & 1) === 0) {
        return undefined
      }
      const high = (csr & 0x80) !== 0
      if (counter === 0 || counter === 1) {
        // cycle is time: the hart has no clock of its own, and every time read
        // must be an event the recorder can log.
        const now = this.env.readTime(this.id)
        return Number(BigInt.asUintN(32, high ? now >> 32n : now)) | 0
      }
      if (counter === 2) {
        const count = BigInt.asUintN(64, BigInt(this.instret) + this.instretOffset)
        return Number(BigInt.asUintN(32, high ? count >> 32n : count)) | 0
      }
    }
    return 0
  }

  private writeCsr(csr: number, value: number): void {
    switch (csr) {
      case 0x300: {
        const mpp = ((value & MSTATUS_MPP) >>> MSTATUS_MPP_SHIFT) === PRIV_MACHINE ? MSTATUS_MPP : 0
        this.mstatus = (value & (MSTATUS_MIE | MSTATUS_MPIE)) | mpp
        return
      }
      case 0x304: this.mie = value & MIE_WRITABLE; return
      case 0x305: if ((value & 3) < 2) this.mtvec = value; return
      case 0x306: this.mcounteren = value; return
      case 0x340: this.mscratch = value; return
      case 0x341: this.mepc = value & ~3; return
      case 0x342: this.mcause = value; return
      case 0x343: this.mtval = value; return
      case 0xb02: case 0xb82: {
        const now = BigInt(this.instret + 1)
        const current = BigInt.asUintN(64, now + this.instretOffset)
        const word = BigInt(value >>> 0)
        const next = csr === 0xb02 ? (current & 0xffff_ffff_0000_0000n) | word : (current & 0xffff_ffffn) | (word << 32n)
        this.instretOffset = BigInt.asUintN(64, next - now)
        return
      }
    }
    if (csr >= 0x3a0 && csr <= 0x3a3) {
      for (let b = 0; b < 4; b++) {
        const i = (csr - 0x3a0) * 4 + b
        if ((this.pmpcfg[i] & 0x80) === 0) this.pmpcfg[i] = value >>> (8 * b)
      }
      return
    }
    if (csr >= 0x3b0 && csr <= 0x3bf) {
      const i = csr - 0x3b0
      const locked = (this.pmpcfg[i] & 0x80) !== 0
      // A locked top-of-range entry also locks the address below it.
      const lockedTor = i < 15 && (this.pmpcfg[i + 1] & 0x98) === 0x88
      if (!locked && !lockedTor) this.pmpaddr[i] = value
    }
    // Everything else writable is read-only zero here (counters, events, mip, mstatush).
  }

  saveState(): Uint8Array {
    return encodeHartState(this.state())
  }

  /** The current state as a plain object (the same as decodeHartState(saveState())). */
  state(): HartState {
    const x = [0]
    for (let i = 1; i < 32; i++) x.push(this.x[i] >>> 0)
    const pmpcfg = []
    for (let i = 0; i < 4; i++) pmpcfg.push(this.readCsr(0x3a0 + i)! >>> 0)
    return {
      hart: this.id,
      pc: this.pc,
      x,
      priv: this.priv,
      instret: this.instret,
      mstatus: this.mstatus >>> 0,
      mie: this.mie >>> 0,
      mip: this.mip >>> 0,
      mtvec: this.mtvec >>> 0,
      mepc: this.mepc >>> 0,
      mcause: this.mcause >>> 0,
      mtval: this.mtval >>> 0,
      mscratch: this.mscratch >>> 0,
      mcounteren: this.mcounteren >>> 0,
      instretOffset: this.instretOffset,
      pmpcfg,
      pmpaddr: Array.from(this.pmpaddr, (v) => v >>> 0),
      reservationValid: this.reservationValid,
      reservationAddr: this.reservationAddr >>> 0,
      reservationValue: this.reservationValue >>> 0,
      wfi: this.wfi,
      pendingValid: this.pendingValid,
      pendingPage: this.pendingPage,
      pendingWrite: this.pendingWrite,
      allowPc: this.allowPc >>> 0,
      allowInstret: this.allowInstret,
      allowPages: this.allowPages.slice(0, this.allowCount),
      allowWrites: this.allowWrites.slice(0, this.allowCount),
    }
  }

  /** Restores a state saved by saveState() of a hart with the same id; clears any fatal stop. */
  loadState(bytes: Uint8Array): void {
    const s = decodeHartState(bytes)
    if (s.hart !== this.id) throw new RangeError(`hart state belongs to hart ${s.hart}, not hart ${this.id}`)
    if (s.priv !== PRIV_MACHINE && s.priv !== PRIV_USER) throw new RangeError(`hart state has unknown privilege ${s.priv}`)
    if ((s.pc & 3) !== 0) throw new RangeError(`hart state has misaligned pc ${hex32(s.pc)}`)
    this.pcI = s.pc | 0
    for (let i = 1; i < 32; i++) this.x[i] = s.x[i] | 0
    this.x[0] = 0
    this.x[SINK] = 0
    this.priv = s.priv
    this.instret = s.instret
    this.mstatus = s.mstatus | 0
    this.mie = s.mie | 0
    this.mip = s.mip | 0
    this.mtvec = s.mtvec | 0
    this.mepc = s.mepc | 0
    this.mcause = s.mcause | 0
    this.mtval = s.mtval | 0
    this.mscratch = s.mscratch | 0
    this.mcounteren = s.mcounteren | 0
    this.instretOffset = s.instretOffset
    for (let i = 0; i < 16; i++) this.pmpcfg[i] = s.pmpcfg[i >> 2] >>> (8 * (i & 3))
    for (let i = 0; i < 16; i++) this.pmpaddr[i] = s.pmpaddr[i] | 0
    this.reservationValid = s.reservationValid
    this.reservationAddr = s.reservationAddr | 0
    this.reservationValue = s.reservationValue | 0
    this.wfi = s.wfi
    this.pendingValid = s.pendingValid
    this.pendingPage = s.pendingPage
    this.pendingWrite = s.pendingWrite
    this.allowPc = s.allowPc | 0
    this.allowInstret = s.allowInstret
    this.allowCount = s.allowPages.length
    for (let i = 0; i < this.allowCount; i++) {
      this.allowPages[i] = s.allowPages[i]
      this.allowWrites[i] = s.allowWrites[i]
    }
    this.fatal = undefined
    // A restored hart has not stopped at any breakpoint yet.
    this.breakSkip = -1
  }
}
