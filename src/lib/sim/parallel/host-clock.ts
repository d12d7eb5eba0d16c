// The host clock as mtime, for parallel mode only: the one real source of
// time nondeterminism that a recording logs. Every worker builds its own
// HostClock over the same epoch, so all harts read one timeline.

import type {TimeSource} from '../machine-time.js'

/** Nanoseconds per mtime tick at the board's 10 MHz timebase. */
const NS_PER_TICK = 100n

export class HostClock implements TimeSource {
  /** `epoch` is a process.hrtime.bigint() reading taken when the machine started. */
  constructor(private readonly epoch: bigint) {}

  static epochNow(): bigint {
    return process.hrtime.bigint()
  }

  now(): bigint {
    return (process.hrtime.bigint() - this.epoch) / NS_PER_TICK
  }

  /** Real time cannot jump: the caller sleeps. */
  sleepUntil(): boolean {
    return false
  }

  /** Nothing to save: the host clock carries no state of the machine's. */
  saveState(): Uint8Array {
    return new Uint8Array(0)
  }

  loadState(): void {}

  /** Milliseconds until mtime reaches `deadline`, for a sleeping worker's wait. */
  millisecondsUntil(deadline: bigint): number {
    const ticks = deadline - this.now()
    return ticks <= 0n ? 0 : Number(ticks / 10_000n) + 1
  }
}
