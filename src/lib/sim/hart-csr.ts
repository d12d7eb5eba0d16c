// Architectural constants of the hart's machine mode: trap causes, interrupt
// lines, mstatus fields and the ISA it reports, with the one-line names the
// fatal-stop message uses.

export const CAUSE_FETCH_MISALIGNED = 0
export const CAUSE_FETCH_ACCESS = 1
export const CAUSE_ILLEGAL = 2
export const CAUSE_BREAKPOINT = 3
export const CAUSE_LOAD_MISALIGNED = 4
export const CAUSE_LOAD_ACCESS = 5
export const CAUSE_STORE_MISALIGNED = 6
export const CAUSE_STORE_ACCESS = 7
export const CAUSE_ECALL_U = 8
export const CAUSE_ECALL_M = 11

/** Interrupt numbers, which are also their bit positions in mip and mie. */
export const IRQ_MACHINE_SOFTWARE = 3
export const IRQ_MACHINE_TIMER = 7
export const IRQ_MACHINE_EXTERNAL = 11
export const MIP_MSIP = 1 << IRQ_MACHINE_SOFTWARE
export const MIP_MTIP = 1 << IRQ_MACHINE_TIMER
export const MIP_MEIP = 1 << IRQ_MACHINE_EXTERNAL
/** With no supervisor mode, only the machine-level enables exist. */
export const MIE_WRITABLE = MIP_MSIP | MIP_MTIP | MIP_MEIP

export const MSTATUS_MIE = 1 << 3
export const MSTATUS_MPIE = 1 << 7
export const MSTATUS_MPP_SHIFT = 11
export const MSTATUS_MPP = 3 << MSTATUS_MPP_SHIFT

/** RV32 (MXL=1) with A, I, M and U. */
export const MISA = (1 << 30) | (1 << 0) | (1 << 8) | (1 << 12) | (1 << 20)

const EXCEPTION_NAMES: Record<number, string> = {
  [CAUSE_FETCH_MISALIGNED]: 'instruction address misaligned',
  [CAUSE_FETCH_ACCESS]: 'instruction access fault',
  [CAUSE_ILLEGAL]: 'illegal instruction',
  [CAUSE_BREAKPOINT]: 'breakpoint',
  [CAUSE_LOAD_MISALIGNED]: 'load address misaligned',
  [CAUSE_LOAD_ACCESS]: 'load access fault',
  [CAUSE_STORE_MISALIGNED]: 'store address misaligned',
  [CAUSE_STORE_ACCESS]: 'store access fault',
  [CAUSE_ECALL_U]: 'ecall from user mode',
  [CAUSE_ECALL_M]: 'ecall from machine mode',
}

const INTERRUPT_NAMES: Record<number, string> = {
  [IRQ_MACHINE_SOFTWARE]: 'machine software interrupt',
  [IRQ_MACHINE_TIMER]: 'machine timer interrupt',
  [IRQ_MACHINE_EXTERNAL]: 'machine external interrupt',
}

function hex32(value: number): string {
  return '0x' + (value >>> 0).toString(16).padStart(8, '0')
}

/** "illegal instruction 0x00000000", "load access fault at 0x04000000", "machine timer interrupt". */
export function describeTrap(cause: number, tval: number): string {
  if (cause < 0) return INTERRUPT_NAMES[cause & 0x7fff_ffff] ?? `interrupt ${cause & 0x7fff_ffff}`
  const name = EXCEPTION_NAMES[cause] ?? `exception ${cause}`
  if (cause === CAUSE_ILLEGAL) return `${name} ${hex32(tval)}`
  if (cause === CAUSE_BREAKPOINT || cause === CAUSE_ECALL_U || cause === CAUSE_ECALL_M) return name
  return `${name} at ${hex32(tval)}`
}
