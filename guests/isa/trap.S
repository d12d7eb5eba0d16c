/* Synchronous traps in machine mode: ecall, ebreak, illegal instructions,
 * load, store and fetch access faults, each with the cause, mtval and mepc
 * QEMU sets, and exceptions in vectored mode going to the base. */
#include "isa.h"
  ISA_START
  li a0, 1
  ecall
  mv a1, t5
  ebreak
  mv a2, t5
  .word 0x00000000
  mv a3, t6
  .word 0xffffffff
  mv a4, t6
  .word 0x0000000b
  mv a5, t6
  .word 0x00002067
  mv a6, t6
  .word 0x0000b063
  mv a7, t6
  fence
  fence.i
  fence rw, w
  li s0, 0x04000000
  lw a0, 0(s0)
  mv a1, t6
  sw a0, 4(s0)
  mv a2, t6
  lbu a3, 0(s0)
  /* UART status reads through MMIO */
  li s1, UART_LSR
  lbu a4, 0(s1)
  /* a fetch fault: the handler comes back to ra */
  jalr ra, 0(s0)
  mv a5, t5
  mv a6, t6
  /* exceptions in vectored mode still go to the base */
  la t0, trap_handler
  ori t0, t0, 1
  csrw mtvec, t0
  ecall
  mv a7, t5
  csrr s2, mepc
  PUTS ok
  EXIT
  TRAP_HANDLER
  .data
ok: .string "trap ok\n"
