// A small board for testing the hart on its own: RAM at RAM_BASE, the 16550
// UART's transmit side, the test (poweroff) device and a CLINT whose mtime is
// the hart's retired count, so every run is reproducible. It mirrors the
// addresses of QEMU's virt board so the same ELFs run on both; the real
// devices of the machine live elsewhere.

import {readFileSync} from 'node:fs'
import {ACCESS_READ, ACCESS_WRITE, PAGE_SHIFT, RAM_BASE, type HartEnv, Stop} from '../../src/lib/sim/hart-env.js'
import {Hart} from '../../src/lib/sim/hart.js'
import {MIP_MSIP, MIP_MTIP} from '../../src/lib/sim/hart-csr.js'

export const UART_BASE = 0x1000_0000
export const TEST_DEVICE = 0x0010_0000
export const CLINT_BASE = 0x0200_0000
const CLINT_MTIMECMP = CLINT_BASE + 0x4000
const CLINT_MTIME = CLINT_BASE + 0xbff8
const POWEROFF = 0x5555

export interface LoadedElf {
  entry: number
  segments: {addr: number; bytes: Uint8Array}[]
}

/** The PT_LOAD segments of a 32-bit little-endian RISC-V executable. */
export function readElf(path: string): LoadedElf {
  const file = readFileSync(path)
  const view = new DataView(file.buffer, file.byteOffset, file.byteLength)
  if (file.length < 52 || view.getUint32(0, false) !== 0x7f454c46 || file[4] !== 1 || file[5] !== 1 || view.getUint16(18, true) !== 243) {
    throw new Error(`${path}: not a 32-bit little-endian RISC-V ELF`)
  }
  const phoff = view.getUint32(28, true)
  const phentsize = view.getUint16(42, true)
  const phnum = view.getUint16(44, true)
  const segments = []
  for (let i = 0; i < phnum; i++) {
    const at = phoff + i * phentsize
    if (view.getUint32(at, true) !== 1) continue
    const offset = view.getUint32(at + 4, true)
    const paddr = view.getUint32(at + 12, true)
    const filesz = view.getUint32(at + 16, true)
    const memsz = view.getUint32(at + 20, true)
    const bytes = new Uint8Array(memsz)
    bytes.set(file.subarray(offset, offset + filesz))
    segments.push({addr: paddr, bytes})
  }
  return {entry: view.getUint32(24, true), segments}
}

export class TestBoard implements HartEnv {
  readonly ram: ArrayBuffer | SharedArrayBuffer
  readonly access: Uint8Array
  readonly hart: Hart
  output = ''
  poweredOff = false
  mtimecmp = 0n
  msip = 0
  /** Overrides mtime as seen by time/cycle CSR reads (the lockstep test feeds QEMU's values). */
  timeSource: (() => bigint) | undefined
  /** Called on a clear access bit; defaults to allowing and setting the bit. */
  onPageFault: (page: number, write: boolean) => boolean

  constructor(ramBytes = 1 << 20, shared = false) {
    this.ram = shared ? new SharedArrayBuffer(ramBytes) : new ArrayBuffer(ramBytes)
    this.access = new Uint8Array(ramBytes >>> PAGE_SHIFT).fill(ACCESS_READ | ACCESS_WRITE)
    this.onPageFault = (page, write) => {
      this.access[page] |= write ? ACCESS_WRITE : ACCESS_READ
      return true
    }
    this.hart = new Hart(0, this.ram, this)
  }

  load(elf: LoadedElf): void {
    const bytes = new Uint8Array(this.ram)
    for (const segment of elf.segments) bytes.set(segment.bytes, segment.addr - RAM_BASE)
    this.hart.pc = elf.entry
    this.hart.setReg(10, this.hart.id)
  }

  /** Writes little-endian words into RAM at a guest address. */
  poke(addr: number, words: number[]): void {
    const view = new DataView(this.ram)
    words.forEach((word, i) => view.setUint32(addr - RAM_BASE + 4 * i, word >>> 0, true))
  }

  /** The word at a guest address, or 0 outside RAM. */
  peek(addr: number): number {
    const off = addr - RAM_BASE
    return off >= 0 && off + 4 <= this.ram.byteLength ? new DataView(this.ram).getUint32(off, true) : 0
  }

  pageFault(_hart: number, page: number, write: boolean): boolean {
    return this.onPageFault(page, write)
  }

  /** Ticks skipped while the hart slept in WFI, so a sleeping hart still reaches its timer. */
  idleTicks = 0n

  mtime(): bigint {
    return BigInt(this.hart.instret) + this.idleTicks
  }

  /**
   * Runs the hart until it powers off, stops for good, or retires
   * maxInstret instructions; a WFI sleep jumps time to the next timer event.
   */
  runToEnd(maxInstret = 10_000_000): Stop {
    for (;;) {
      const stop = this.hart.run(maxInstret - this.hart.instret, maxInstret)
      if (stop !== Stop.Wfi) return stop
      const now = this.mtime()
      if (this.mtimecmp <= now || this.mtimecmp === 0xffff_ffff_ffff_ffffn) return stop
      this.idleTicks += this.mtimecmp - now
    }
  }

  mmioLoad(_hart: number, addr: number, size: 1 | 2 | 4): number | undefined {
    if (addr >= UART_BASE && addr < UART_BASE + 8) return addr === UART_BASE + 5 ? 0x60 : 0
    if (addr === TEST_DEVICE) return 0
    if (addr >= CLINT_BASE && addr < CLINT_BASE + 0x10000 && size === 4) {
      if (addr === CLINT_BASE) return this.msip
      if (addr === CLINT_MTIMECMP) return Number(this.mtimecmp & 0xffff_ffffn)
      if (addr === CLINT_MTIMECMP + 4) return Number(this.mtimecmp >> 32n)
      if (addr === CLINT_MTIME) return Number(this.mtime() & 0xffff_ffffn)
      if (addr === CLINT_MTIME + 4) return Number(this.mtime() >> 32n)
      return 0
    }
    return undefined
  }

  mmioStore(_hart: number, addr: number, size: 1 | 2 | 4, value: number): boolean {
    if (addr === UART_BASE) {
      this.output += String.fromCharCode(value & 0xff)
      return true
    }
    if (addr > UART_BASE && addr < UART_BASE + 8) return true
    if (addr === TEST_DEVICE && size === 4) {
      if ((value & 0xffff) === POWEROFF) this.poweredOff = true
      return true
    }
    if (addr >= CLINT_BASE && addr < CLINT_BASE + 0x10000 && size === 4) {
      if (addr === CLINT_BASE) this.msip = value & 1
      if (addr === CLINT_MTIMECMP) this.mtimecmp = (this.mtimecmp & ~0xffff_ffffn) | BigInt(value >>> 0)
      if (addr === CLINT_MTIMECMP + 4) this.mtimecmp = (this.mtimecmp & 0xffff_ffffn) | (BigInt(value >>> 0) << 32n)
      return true
    }
    return false
  }

  readTime(_hart: number): bigint {
    return this.timeSource ? this.timeSource() : this.mtime()
  }

  poll(_hart: number): boolean {
    this.hart.mip = (this.mtime() >= this.mtimecmp ? MIP_MTIP : 0) | (this.msip ? MIP_MSIP : 0)
    return this.poweredOff
  }
}
