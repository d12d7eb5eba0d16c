// The SiFive test device ("sifive,test0") at 0x100000 through which a guest
// powers the machine off: write 0x5555 to pass, 0x7777 to reboot, or
// (code << 16) | 0x3333 to fail with an exit code.

import type {Device} from './device.js'

const FINISHER_FAIL = 0x3333
const FINISHER_PASS = 0x5555
const FINISHER_RESET = 0x7777

export const enum Finish {
  Running = 0,
  Poweroff = 1,
  Reboot = 2,
  Fail = 3,
}

// State: [finish, exit code, hart that finished].
export class TestDevice implements Device {
  static readonly STATE_WORDS = 3

  readonly size = 0x1000

  constructor(readonly base: number, private readonly state: Int32Array) {}

  load(): number {
    return 0
  }

  store(hart: number, offset: number, size: 1 | 2 | 4, value: number): boolean {
    if (offset !== 0 || size === 1) return true
    if (Atomics.load(this.state, 0) !== Finish.Running) return true
    const status = value & 0xffff
    const finish = status === FINISHER_PASS ? Finish.Poweroff
      : status === FINISHER_RESET ? Finish.Reboot
      : status === FINISHER_FAIL ? Finish.Fail
      : Finish.Running
    if (finish === Finish.Running) return true
    Atomics.store(this.state, 1, finish === Finish.Fail ? value >>> 16 : 0)
    Atomics.store(this.state, 2, hart)
    Atomics.store(this.state, 0, finish)
    return true
  }

  get finish(): Finish {
    return Atomics.load(this.state, 0)
  }

  get exitCode(): number {
    return Atomics.load(this.state, 1)
  }

  get finishingHart(): number {
    return Atomics.load(this.state, 2)
  }
}
