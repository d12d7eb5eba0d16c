// The SiFive CLINT of the virt board: per-hart software interrupt (msip) and
// timer compare (mtimecmp) registers and the shared mtime counter.
//
//   0x0000 + 4*h   msip[h]      bit 0 drives mip.MSIP of hart h
//   0x4000 + 8*h   mtimecmp[h]  64-bit; mip.MTIP of hart h = mtime >= mtimecmp[h]
//   0xbff8         mtime        64-bit, read-only here: time comes from the TimeSource

import {MAX_HARTS} from '../board.js'
import type {Device, WakeHarts} from './device.js'

const MSIP = 0x0000
const MTIMECMP = 0x4000
const MTIME = 0xbff8

// State words: msip[MAX_HARTS], then mtimecmp as (lo, hi) pairs.
const CMP_WORD = MAX_HARTS

export class Clint implements Device {
  static readonly STATE_WORDS = MAX_HARTS * 3

  readonly size = 0x1_0000

  /** Where readCmp() leaves the two words. */
  private readonly cmpWords = new Uint32Array(2)

  constructor(
    readonly base: number,
    private readonly state: Int32Array,
    private readonly harts: number,
    private readonly time: (hart: number) => bigint,
    private readonly wake: WakeHarts,
  ) {}

  /** Power-on values: no IPI pending, and a compare value no clock reaches. */
  reset(): void {
    for (let h = 0; h < MAX_HARTS; h++) {
      Atomics.store(this.state, h, 0)
      Atomics.store(this.state, CMP_WORD + 2 * h, -1)
      Atomics.store(this.state, CMP_WORD + 2 * h + 1, -1)
    }
  }

  load(hart: number, offset: number, size: 1 | 2 | 4): number | undefined {
    if (size !== 4) return undefined
    if (offset < MSIP + 4 * this.harts) return Atomics.load(this.state, offset >> 2)
    if (offset >= MTIMECMP && offset < MTIMECMP + 8 * this.harts) return Atomics.load(this.state, CMP_WORD + ((offset - MTIMECMP) >> 2))
    if (offset === MTIME || offset === MTIME + 4) {
      const now = this.time(hart)
      return Number(offset === MTIME ? now & 0xffff_ffffn : (now >> 32n) & 0xffff_ffffn) | 0
    }
    return 0
  }

  store(_hart: number, offset: number, size: 1 | 2 | 4, value: number): boolean {
    if (size !== 4) return false
    if (offset < MSIP + 4 * this.harts) {
      Atomics.store(this.state, offset >> 2, value & 1)
      this.wake(offset >> 2)
    } else if (offset >= MTIMECMP && offset < MTIMECMP + 8 * this.harts) {
      Atomics.store(this.state, CMP_WORD + ((offset - MTIMECMP) >> 2), value)
      this.wake((offset - MTIMECMP) >> 3)
    }
    // mtime is not writable: the time source owns it, so that time stays a pure function of the log.
    return true
  }

  msip(hart: number): boolean {
    return Atomics.load(this.state, hart) !== 0
  }

  /** mtimecmp of a hart. */
  mtimecmp(hart: number): bigint {
    const words = this.readCmp(hart)
    return (BigInt(words[1]) << 32n) | BigInt(words[0])
  }

  /**
   * Whether mtime `now` (a number of ticks, below 2^53: 28 years at 10 MHz)
   * has reached the hart's mtimecmp: the timer line, asked at every poll of
   * a parallel hart, without the BigInt mtimecmp() makes. A deadline of
   * 2^53 or more rounds to a double that is still above any such `now`.
   */
  timerDue(hart: number, now: number): boolean {
    const words = this.readCmp(hart)
    return now >= words[1] * 4294967296 + words[0]
  }

  /** mtimecmp's [lo, hi] words, read hi-lo-hi so that a concurrent two-word store is never seen torn; valid until the next call. */
  private readCmp(hart: number): Uint32Array {
    const words = this.cmpWords
    do {
      words[1] = Atomics.load(this.state, CMP_WORD + 2 * hart + 1)
      words[0] = Atomics.load(this.state, CMP_WORD + 2 * hart)
    } while (words[1] !== Atomics.load(this.state, CMP_WORD + 2 * hart + 1) >>> 0)
    return words
  }
}
