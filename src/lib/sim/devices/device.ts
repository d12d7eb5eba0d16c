// What every device on the bus offers, and what the machine offers devices.
// A device keeps all of its state in words of the machine's device-state
// array: in deterministic mode a plain buffer, saved by copying it; in
// parallel mode a SharedArrayBuffer that every hart's worker maps, each MMIO
// access made under the machine's device lock.

export interface Device {
  readonly base: number
  readonly size: number
  /** A load at `offset` within the device. undefined raises an access fault in the guest. */
  load(hart: number, offset: number, size: 1 | 2 | 4): number | undefined
  /** A store at `offset`. false raises an access fault in the guest. */
  store(hart: number, offset: number, size: 1 | 2 | 4, value: number): boolean
}

/** Where devices raise interrupt lines (the PLIC). */
export interface IrqSink {
  setLevel(irq: number, high: boolean): void
}

/** Wakes harts sleeping in WFI after a device raised one of their interrupt lines. */
export type WakeHarts = (hart: number | 'all') => void

/** Guest RAM as devices doing DMA see it, addressed physically. */
export interface GuestMemory {
  /** A view of `length` bytes at `addr`, or undefined if any of it lies outside RAM. */
  read(addr: number, length: number): Uint8Array | undefined
  /**
   * Copy `bytes` into RAM at `addr`, marking the pages dirty; false if outside
   * RAM. `external` says the bytes come from outside the guest (a received
   * frame), which a recording must log.
   */
  write(addr: number, bytes: Uint8Array, external: boolean): boolean
}
