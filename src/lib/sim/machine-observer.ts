// The recorder's hooks into a running machine. Each call is about one hart
// and carries that hart's retired-instruction count, the clock every logged
// event is pinned to. In parallel mode the hooks run on the main thread from
// per-hart batches the workers flush at poll, pause and exit, in each hart's
// own order; across harts there is no order, as on real hardware.

import type {MachineEvent} from './machine-events.js'

export interface MachineObserver {
  /** The guest read mtime (time CSR or the CLINT register) and got `value`. */
  timeRead?(hart: number, instret: number, value: bigint): void
  /**
   * The interrupt lines (mip's MSIP, MTIP and MEIP bits) the devices drive
   * for `hart` changed to `mip`, effective from this instruction: an
   * interrupt the hart can take is taken here. Replay re-injects these as
   * `interrupts` events.
   */
  interruptLines?(hart: number, instret: number, mip: number): void
  /** The guest read a device register whose value comes from outside the guest (UART RBR or LSR). */
  deviceRead?(hart: number, instret: number, addr: number, size: number, value: number): void
  /** Input from outside (a console byte, a received frame) entered a device during this hart's poll. */
  input?(hart: number, instret: number, event: MachineEvent): void
  /** A device wrote guest RAM with bytes that do not follow from guest state (a received frame). */
  dmaWrite?(hart: number, instret: number, addr: number, bytes: Uint8Array): void
  /**
   * A pace mark: `hart` had retired `instret` instructions at host time
   * `micros` (microseconds since the Unix epoch). Parallel harts report one
   * about every PACE_MICROS while they run, and around any gap (a sleep, a
   * pause, a stretch without a CPU), so the search can follow how fast each
   * hart went. Nothing about the order of memory accesses is in it.
   */
  pace?(hart: number, instret: number, micros: number): void
  /** First access of `hart` to a RAM page since the access tables were last cleared. */
  pageAccess?(hart: number, instret: number, page: number, write: boolean): void
  /**
   * CREW mode only (parallel machine with `crew`): hart `to` got `rights`
   * (ACCESS_READ, or with ACCESS_WRITE) on `page` from hart `from`. `to`
   * must not pass `toInstret` before `from` has retired `fromInstret`.
   * Reported by `hart`, the one of the two whose worker saw it.
   */
  crewTransfer?(hart: number, instret: number, transfer: {page: number; from: number; to: number; rights: number; fromInstret: number; toInstret: number}): void
}
