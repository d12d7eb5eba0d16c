// The memory map of QEMU 7.2's riscv `virt` board (rv32), which the sim
// machine reproduces so that the same guest ELF runs on both.

export {RAM_BASE, PAGE_SIZE, PAGE_SHIFT} from './hart-env.js'

/** The CLINT's registers count 8 harts; so does the guest SDK. */
export const MAX_HARTS = 8

export const TEST_DEVICE_BASE = 0x0010_0000
export const TEST_DEVICE_SIZE = 0x1000

export const CLINT_BASE = 0x0200_0000
export const CLINT_SIZE = 0x1_0000
/** mtime ticks per second, the board's timebase-frequency. */
export const TIMEBASE_HZ = 10_000_000

export const PLIC_BASE = 0x0c00_0000
/** Room for the contexts of MAX_HARTS harts (two each: M and S mode). */
export const PLIC_SIZE = 0x20_0000 + 0x1000 * 2 * MAX_HARTS
/** QEMU's VIRT_IRQCHIP_NUM_SOURCES: source 0 means "none", so 95 usable lines. */
export const PLIC_SOURCES = 96

export const UART_BASE = 0x1000_0000
export const UART_SIZE = 0x100
export const UART_IRQ = 10
/** The clock QEMU advertises for its 16550 (3.6864 MHz). */
export const UART_CLOCK_HZ = 0x38_4000

export const VIRTIO_BASE = 0x1000_1000
export const VIRTIO_STRIDE = 0x1000
export const VIRTIO_SLOTS = 8
export const VIRTIO_IRQ_BASE = 1

/** Bits of mip the devices drive. */
export const MIP_MSIP = 1 << 3
export const MIP_MTIP = 1 << 7
export const MIP_MEIP = 1 << 11

/** The ISA every hart implements, as the device tree advertises it. */
export const HART_ISA = 'rv32ima_zicsr_zifencei'

/** Guest RAM limits: QEMU's rv32 virt keeps RAM below 4 GiB; 1 MiB is the least a guest can boot in. */
export const MIN_MEMORY_MIB = 1
export const MAX_MEMORY_MIB = 2048
