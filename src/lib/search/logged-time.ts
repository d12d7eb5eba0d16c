// Time for a search or replay run: each hart's reads of mtime return the
// values the recording logged, in order, and each read must come at the
// instruction count it was logged at. A read anywhere else means the run has
// left the recorded execution; the first such read of each hart is kept so
// that the run can end there and say why.

import type {TimeSource} from '../sim/machine-time.js'

export interface LoggedTimeRead {
  instret: number
  value: bigint
}

export class LoggedTime implements TimeSource {
  private next: Int32Array
  private readonly divergences: (string | undefined)[]

  /** `reads[h]`: hart h's logged time reads of the interval, by instruction count. */
  constructor(private readonly reads: readonly (readonly LoggedTimeRead[])[]) {
    this.next = new Int32Array(reads.length)
    this.divergences = reads.map(() => undefined)
  }

  now(hart: number, instret: number): bigint {
    const reads = this.reads[hart]
    const read = reads[this.next[hart]]
    if (read && read.instret === instret) {
      this.next[hart]++
      return read.value
    }
    this.divergences[hart] ??= read
      ? `time read at instruction ${instret}, but the log has the next one at ${read.instret}`
      : `time read at instruction ${instret}, but the log has no more time reads`
    // The run is already lost; a time that never goes backwards keeps the guest sane until it stops.
    return reads[this.next[hart] - 1]?.value ?? 0n
  }

  /** Logged times pass only when the guest reads them: a sleeping hart cannot skip ahead. */
  sleepUntil(): boolean {
    return false
  }

  /** How many of the hart's logged reads it has made where the log says. */
  matched(hart: number): number {
    return this.next[hart]
  }

  /** The first read of `hart` that did not line up, if any. */
  divergence(hart: number): string | undefined {
    return this.divergences[hart]
  }

  saveState(): Uint8Array {
    const bytes = new TextEncoder().encode(JSON.stringify({next: [...this.next], divergences: this.divergences}))
    return bytes
  }

  loadState(bytes: Uint8Array): void {
    const state = JSON.parse(new TextDecoder().decode(bytes)) as {next: number[]; divergences: (string | null)[]}
    this.next = Int32Array.from(state.next)
    state.divergences.forEach((text, hart) => (this.divergences[hart] = text ?? undefined))
  }
}
