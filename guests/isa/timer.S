/* Interrupts through the CLINT: timer interrupts woken from WFI, a software
 * interrupt, and vectored delivery. Interrupt timing differs between QEMU and
 * the simulated hart, so this test checks itself and prints the result. */
#include "isa.h"
#define MTIMECMP 0x02004000
#define MTIME 0x0200bff8
#define MSIP 0x02000000
#define CHECK(reg, value) li t0, value; bne reg, t0, fail

  ISA_START
  la t0, irq_handler
  csrw mtvec, t0
  li s0, 0
  li s1, 0
  li s2, 0
  call arm_timer
  li t0, 0x80
  csrs mie, t0
  csrsi mstatus, 8
1: wfi
  li t0, 3
  blt s0, t0, 1b
  csrci mstatus, 8
  CHECK(s0, 3)
  /* a software interrupt is taken as soon as it is enabled */
  li t0, MSIP
  li t1, 1
  sw t1, 0(t0)
  li t0, 0x80
  csrc mie, t0
  li t0, 0x8
  csrs mie, t0
  csrsi mstatus, 8
  nop
  csrci mstatus, 8
  CHECK(s1, 1)
  /* vectored mode: the timer goes to entry 7 of the table */
  la t0, vectors
  ori t0, t0, 1
  csrw mtvec, t0
  li t0, 0x8
  csrc mie, t0
  call arm_timer
  li t0, 0x80
  csrs mie, t0
  csrsi mstatus, 8
2: beqz s2, 2b
  csrci mstatus, 8
  CHECK(s2, 1)
  PUTS ok
  EXIT
fail:
  PUTS bad
  EXIT

/* mtimecmp = mtime + 2000, written so it never passes through a smaller value */
arm_timer:
  li t0, MTIME
  lw t1, 0(t0)
  lw t2, 4(t0)
  li t3, 2000
  add t3, t1, t3
  sltu t4, t3, t1
  add t2, t2, t4
  li t0, MTIMECMP
  li t4, -1
  sw t4, 0(t0)
  sw t2, 4(t0)
  sw t3, 0(t0)
  ret

  .balign 4
irq_handler:
  csrr t5, mcause
  li t6, 0x80000007
  beq t5, t6, 1f
  li t6, 0x80000003
  beq t5, t6, 2f
  j fail
1: addi s0, s0, 1
  mv a7, ra
  call arm_timer
  mv ra, a7
  mret
2: addi s1, s1, 1
  li t0, MSIP
  sw zero, 0(t0)
  mret

  .balign 64
vectors:
  .rept 7
  j fail
  .endr
  j timer_vector
  .rept 4
  j fail
  .endr
timer_vector:
  addi s2, s2, 1
  li t0, MTIMECMP
  li t1, -1
  sw t1, 4(t0)
  mret
  TRAP_HANDLER
  .data
ok: .string "timer ok\n"
bad: .string "timer FAILED\n"
