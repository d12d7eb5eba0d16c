// The SiFive PLIC of the virt board. Contexts follow QEMU 7.2: hart h's
// M-mode context is 2h, its S-mode context 2h+1 (harts here run M and U mode
// only, so odd contexts exist but drive no line).
//
//   0x000000 + 4*i          priority of source i (0..7)
//   0x001000 + 4*w          pending bits, sources 32w..32w+31 (read-only)
//   0x002000 + 0x80*c + 4*w enable bits of context c
//   0x200000 + 0x1000*c     priority threshold of context c
//   0x200004 + 0x1000*c     claim (read) / complete (write) of context c
//
// Sources are level-triggered: a line that is still high when its claim is
// completed becomes pending again, as a 16550 or virtio device expects.

import {MAX_HARTS, PLIC_SOURCES} from '../board.js'
import type {Device, IrqSink, WakeHarts} from './device.js'

const WORDS = PLIC_SOURCES / 32
const CONTEXTS = 2 * MAX_HARTS
const PRIORITY_MASK = 7

const PENDING = 0x1000
const ENABLE = 0x2000
const ENABLE_STRIDE = 0x80
const CONTEXT = 0x20_0000
const CONTEXT_STRIDE = 0x1000

// State layout, in words.
const S_PRIORITY = 0
const S_PENDING = S_PRIORITY + PLIC_SOURCES
const S_LEVEL = S_PENDING + WORDS
const S_CLAIMED = S_LEVEL + WORDS
const S_ENABLE = S_CLAIMED + WORDS
const S_THRESHOLD = S_ENABLE + CONTEXTS * WORDS
/** Per context: 1 when a source can be claimed, so a hart's poll reads one word. */
const S_OUTPUT = S_THRESHOLD + CONTEXTS

export class Plic implements Device, IrqSink {
  static readonly STATE_WORDS = S_OUTPUT + CONTEXTS

  readonly size: number

  constructor(
    readonly base: number,
    private readonly state: Int32Array,
    private readonly harts: number,
    private readonly wake: WakeHarts,
  ) {
    this.size = CONTEXT + CONTEXT_STRIDE * CONTEXTS
  }

  load(_hart: number, offset: number, size: 1 | 2 | 4): number | undefined {
    if (size !== 4) return undefined
    const s = this.state
    if (offset < PENDING) return offset >> 2 < PLIC_SOURCES ? s[S_PRIORITY + (offset >> 2)] : 0
    if (offset < ENABLE) return offset - PENDING < 4 * WORDS ? s[S_PENDING + ((offset - PENDING) >> 2)] : 0
    if (offset < CONTEXT) {
      const context = Math.floor((offset - ENABLE) / ENABLE_STRIDE)
      const word = ((offset - ENABLE) % ENABLE_STRIDE) >> 2
      return this.hasContext(context) && word < WORDS ? s[S_ENABLE + context * WORDS + word] : 0
    }
    const context = Math.floor((offset - CONTEXT) / CONTEXT_STRIDE)
    if (!this.hasContext(context)) return 0
    const register = (offset - CONTEXT) % CONTEXT_STRIDE
    if (register === 0) return s[S_THRESHOLD + context]
    if (register === 4) return this.claim(context)
    return 0
  }

  store(_hart: number, offset: number, size: 1 | 2 | 4, value: number): boolean {
    if (size !== 4) return false
    const s = this.state
    if (offset < PENDING) {
      const source = offset >> 2
      if (source > 0 && source < PLIC_SOURCES) s[S_PRIORITY + source] = value & PRIORITY_MASK
    } else if (offset < ENABLE) {
      // Pending bits are read-only, as in QEMU.
    } else if (offset < CONTEXT) {
      const context = Math.floor((offset - ENABLE) / ENABLE_STRIDE)
      const word = ((offset - ENABLE) % ENABLE_STRIDE) >> 2
      // Source 0 does not exist: its enable bit stays clear.
      if (this.hasContext(context) && word < WORDS) s[S_ENABLE + context * WORDS + word] = word === 0 ? value & ~1 : value
    } else {
      const context = Math.floor((offset - CONTEXT) / CONTEXT_STRIDE)
      const register = (offset - CONTEXT) % CONTEXT_STRIDE
      if (!this.hasContext(context)) return true
      if (register === 0) s[S_THRESHOLD + context] = value & PRIORITY_MASK
      else if (register === 4) this.complete(context, value >>> 0)
      else return true
    }
    this.update()
    return true
  }

  setLevel(irq: number, high: boolean): void {
    const s = this.state
    const word = irq >> 5
    const bit = 1 << (irq & 31)
    if (high) {
      s[S_LEVEL + word] |= bit
      if (!(s[S_CLAIMED + word] & bit)) s[S_PENDING + word] |= bit
    } else {
      s[S_LEVEL + word] &= ~bit
      s[S_PENDING + word] &= ~bit
    }
    this.update()
  }

  /** Whether the M-mode external interrupt line of `hart` is high. */
  meip(hart: number): boolean {
    return Atomics.load(this.state, S_OUTPUT + 2 * hart) !== 0
  }

  private hasContext(context: number): boolean {
    return context < 2 * this.harts
  }

  /** The best claimable source of a context: highest priority above threshold, lowest id on a tie. */
  private best(context: number): number {
    const s = this.state
    let best = 0
    let bestPriority = s[S_THRESHOLD + context]
    for (let word = 0; word < WORDS; word++) {
      let bits = s[S_PENDING + word] & s[S_ENABLE + context * WORDS + word]
      while (bits) {
        const low = 31 - Math.clz32(bits & -bits)
        bits &= bits - 1
        const source = word * 32 + low
        if (s[S_PRIORITY + source] > bestPriority) {
          best = source
          bestPriority = s[S_PRIORITY + source]
        }
      }
    }
    return best
  }

  private claim(context: number): number {
    const source = this.best(context)
    if (source === 0) return 0
    const bit = 1 << (source & 31)
    this.state[S_PENDING + (source >> 5)] &= ~bit
    this.state[S_CLAIMED + (source >> 5)] |= bit
    this.update()
    return source
  }

  private complete(context: number, source: number): void {
    if (source === 0 || source >= PLIC_SOURCES) return
    const s = this.state
    const word = source >> 5
    const bit = 1 << (source & 31)
    // QEMU ignores a completion for a source the context has not enabled.
    if (!(s[S_ENABLE + context * WORDS + word] & bit)) return
    s[S_CLAIMED + word] &= ~bit
    if (s[S_LEVEL + word] & bit) s[S_PENDING + word] |= bit
  }

  private update(): void {
    for (let context = 0; context < 2 * this.harts; context++) {
      const high = this.best(context) !== 0 ? 1 : 0
      if (Atomics.exchange(this.state, S_OUTPUT + context, high) !== high && high) this.wake(context >> 1)
    }
  }
}
