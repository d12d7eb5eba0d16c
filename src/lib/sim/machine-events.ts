// Events the machine delivers to a hart at an exact retired-instruction
// count: what search and replay inject from the log, and what parallel mode
// hands a hart's poll when input arrives from outside.

export type MachineEvent =
  /** From `at` on, the device-driven mip bits are `mip` (machines whose interrupts come from events). */
  | {kind: 'interrupts'; at: number; mip: number}
  /** A byte arrives in the UART's receive FIFO. */
  | {kind: 'console'; at: number; byte: number}
  /** An ethernet frame arrives at vif `vif` (dropped if the driver has no receive buffer posted). */
  | {kind: 'frame'; at: number; vif: number; frame: Uint8Array}

