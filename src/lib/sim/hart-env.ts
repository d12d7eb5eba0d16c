// The contract between a hart (src/lib/sim/hart.ts) and the machine around it.
// The hart knows nothing of devices, logs or threads: it executes over guest
// RAM and calls out through HartEnv for everything else. The same hart code
// runs in parallel mode (one worker thread per hart, RAM in a
// SharedArrayBuffer) and in deterministic mode (one thread steps every hart).

/** RISC-V pages are 4 KiB; page numbers below are RAM-relative (addr - RAM_BASE) >>> 12. */
export const PAGE_SHIFT = 12
export const PAGE_SIZE = 1 << PAGE_SHIFT
export const RAM_BASE = 0x8000_0000

/** Bits of a hart's per-page access table (HartEnv.access). */
export const ACCESS_READ = 1
export const ACCESS_WRITE = 2
/**
 * A page whose every access the machine wants to see (a search's decision
 * points), that this hart has read (written) already: the access goes
 * through without pageFault while the hart's pass count (Hart.passes) is
 * above 0, and takes one from it. The machine sets these bits and the count.
 */
export const ACCESS_COUNT_READ = 4
export const ACCESS_COUNT_WRITE = 8

/** Why Hart.run returned. */
export const enum Stop {
  /** The instruction budget given to run() is spent. */
  Budget = 0,
  /** The next instruction would access a page whose access bit is clear and env.pageFault said stop. */
  Page = 1,
  /** WFI with no interrupt pending: the hart sleeps until mip & mie. */
  Wfi = 2,
  /** A device asked the machine to stop (poweroff, reboot, a replay mismatch); see env. */
  Halt = 3,
  /** A trap the guest cannot handle (mtvec is 0 or points outside RAM); see Hart.fatal. */
  Fatal = 4,
  /** run() reached the instret limit it was given. */
  Instret = 5,
  /** The hart is about to execute the instruction at its breakpoint (see Hart.breakAt). */
  Break = 6,
}

export interface HartEnv {
  /**
   * Per-page access bits of this hart (ACCESS_READ | ACCESS_WRITE), indexed by
   * RAM page number. A load from a page without ACCESS_READ, or a store/AMO to
   * a page without ACCESS_WRITE, calls pageFault before the access happens.
   * This one table serves dirty tracking, sharing summaries, CREW ownership and
   * the search's decision points, the way page protection does on hardware.
   */
  access: Uint8Array

  /**
   * A load or store of `hart` to RAM page `page` found its access bit clear.
   * Return true to let the access go ahead (set the bit in `access` to stop
   * being asked for this page); return false to make run() stop *before* the
   * instruction, with Stop.Page, retired count unchanged. After such a stop the
   * machine may call hart.allowPendingAccess() to let exactly that one access
   * through on the next run().
   */
  pageFault(hart: number, page: number, write: boolean): boolean

  /** A load from outside RAM. Return the value, or undefined for an access fault. */
  mmioLoad(hart: number, addr: number, size: 1 | 2 | 4): number | undefined
  /**
   * A store outside RAM. Return false for an access fault. After every MMIO
   * store the hart calls poll() at once, so that an IPI, a poweroff or a
   * mtimecmp write takes effect at that exact instruction.
   */
  mmioStore(hart: number, addr: number, size: 1 | 2 | 4, value: number): boolean

  /**
   * The value of mtime (10 MHz ticks) for a read of the time/cycle CSRs by
   * `hart`. Recording logs it; replay returns the logged value.
   */
  readTime(hart: number): bigint

  /**
   * Polled at every run() entry and every POLL_INTERVAL retired instructions
   * and on WFI: the machine updates hart.mip (timer, software, external
   * interrupt lines) here. Returns true if run() must stop now (Stop.Halt).
   */
  poll(hart: number): boolean
}
