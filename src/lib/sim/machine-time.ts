// Where mtime comes from. The machine never reads a host clock itself: it asks
// a TimeSource, so that deterministic runs derive time from retired
// instructions, replay returns the recorded values, and only parallel mode
// plugs in the host clock (parallel/host-clock.ts).

export interface TimeSource {
  /** mtime (10 MHz ticks) as seen by `hart` after retiring `instret` instructions. */
  now(hart: number, instret: number): bigint
  /**
   * `hart` sleeps in WFI until mtime reaches `deadline`. A virtual clock jumps
   * that hart's time there and returns true; a clock that passes only in real
   * time returns false and the caller waits.
   */
  sleepUntil(hart: number, instret: number, deadline: bigint): boolean
  saveState(): Uint8Array
  loadState(bytes: Uint8Array): void
}

/**
 * Time as a function of each hart's own progress: one tick per retired
 * instruction plus the ticks the hart skipped while asleep. It depends on no
 * other hart, so every interleaving of the harts sees the same times.
 */
export class InstretClock implements TimeSource {
  private readonly skipped: BigInt64Array

  constructor(harts: number) {
    this.skipped = new BigInt64Array(harts)
  }

  now(hart: number, instret: number): bigint {
    return BigInt(instret) + this.skipped[hart]
  }

  sleepUntil(hart: number, instret: number, deadline: bigint): boolean {
    const now = this.now(hart, instret)
    if (deadline > now) this.skipped[hart] += deadline - now
    return true
  }

  saveState(): Uint8Array {
    return new Uint8Array(this.skipped.buffer.slice(0))
  }

  loadState(bytes: Uint8Array): void {
    if (bytes.length !== this.skipped.byteLength) throw new Error(`clock state of ${bytes.length} bytes, expected ${this.skipped.byteLength}`)
    new Uint8Array(this.skipped.buffer).set(bytes)
  }
}
