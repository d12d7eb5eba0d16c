/* CSR instructions (register and immediate forms, with and without a read or
 * a write) over the machine CSRs bare-metal code uses, their WARL behaviour,
 * PMP registers read back, counters, and the illegal accesses that trap. */
#include "isa.h"
  ISA_START
  csrr a0, mhartid
  csrr a1, misa
  li t0, 0x40101101
  and a1, a1, t0
  csrr a2, mvendorid
  csrr a3, mstatush
  li s0, 0x12345678
  li s1, 0x0000ffff
  li s2, 0xf0f0f0f0
  li s3, 0x000000ff
  csrw mscratch, s0
  csrrw a3, mscratch, s1
  csrrs a4, mscratch, s2
  csrrc a5, mscratch, s3
  csrrwi a6, mscratch, 31
  csrrsi a7, mscratch, 0x10
  csrrci a0, mscratch, 1
  csrrs a1, mscratch, zero
  csrrci a2, mscratch, 0
  csrrw zero, mscratch, s0
  csrr a3, mscratch
  /* mtvec: direct and vectored modes stick, reserved modes are ignored */
  csrr s4, mtvec
  la t0, trap_handler
  ori t1, t0, 1
  csrw mtvec, t1
  csrr a4, mtvec
  ori t1, t0, 2
  csrw mtvec, t1
  csrr a5, mtvec
  csrw mtvec, s4
  csrr a6, mtvec
  /* mepc, mcause, mtval */
  li t0, 0x80001234
  csrw mepc, t0
  csrr a7, mepc
  li t0, 0x8000000b
  csrw mcause, t0
  csrr a0, mcause
  csrw mtval, s2
  csrr a1, mtval
  /* mie keeps the machine-level enables */
  li t0, 0x888
  csrw mie, t0
  csrr a2, mie
  csrw mie, zero
  csrr a3, mie
  /* mstatus: MIE, MPIE, MPP */
  csrsi mstatus, 8
  csrr a4, mstatus
  csrci mstatus, 8
  li t0, 0x80
  csrs mstatus, t0
  csrr a5, mstatus
  li t0, 0x1800
  csrc mstatus, t0
  csrr a6, mstatus
  csrs mstatus, t0
  csrr a7, mstatus
  li t0, 0x1880
  csrc mstatus, t0
  csrr a0, mstatus
  /* mcounteren */
  csrwi mcounteren, 7
  csrr a1, mcounteren
  csrwi mcounteren, 0
  /* PMP registers are stored and read back */
  li t0, 0x0d0b0f19
  csrw pmpcfg0, t0
  li t0, 0x00090b0d
  csrw pmpcfg1, t0
  csrr a2, pmpcfg0
  csrr a3, pmpcfg1
  li t0, 0x20000fff
  csrw pmpaddr0, t0
  li t0, 0x20001000
  csrw pmpaddr1, t0
  li t0, 0x3fffffff
  csrw pmpaddr7, t0
  csrr a4, pmpaddr0
  csrr a5, pmpaddr1
  csrr a6, pmpaddr7
  csrw pmpcfg0, zero
  csrw pmpcfg1, zero
  csrr a7, pmpcfg0
  /* counters: the lockstep test takes their values from QEMU */
  csrr a0, cycle
  csrr a1, time
  csrr a2, instret
  csrr a3, mcycle
  csrr a4, minstret
  csrr a5, cycleh
  csrr a6, timeh
  csrr a7, instreth
  /* mip: the timer line is up, because mtimecmp is 0 after reset */
  csrr a0, mip
  /* illegal accesses trap with the instruction in mtval */
  csrr a1, 0x7c0
  csrw mvendorid, zero
  csrw mhartid, t0
  csrwi cycle, 1
  csrs time, t0
  PUTS ok
  EXIT
  TRAP_HANDLER
  .data
ok: .string "csr ok\n"
