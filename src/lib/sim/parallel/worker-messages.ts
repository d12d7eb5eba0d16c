// Messages from hart workers to the main thread.

/** Kinds of observer record, as the first of each record's five numbers: kind, instret, then up to three values. */
export const enum Observed {
  TimeRead = 0,
  InterruptLines = 1,
  DeviceRead = 2,
  ConsoleInput = 3,
  PageAccess = 4,
  /** A CREW transfer the hart took part in (crew-pages.ts): page, other hart | rights << 8 | (1 << 16 if this hart received), the other's instret. */
  CrewTransfer = 5,
  /** A pace mark: the hart had retired `instret` instructions at host time a (microseconds since the Unix epoch). */
  Pace = 6,
}

export type WorkerMessage =
  | {type: 'observed'; hart: number; records: Float64Array}
  /** A received frame a hart's poll delivered, and the DMA writes that put it in guest RAM (in order with the records). */
  | {type: 'frame'; hart: number; instret: number; vif: number; frame: Uint8Array; dma: Array<{addr: number; bytes: Uint8Array}>}
  | {type: 'exit'; hart: number; fatal: string | undefined}
