/* mret into user mode and back: a PMP entry opens memory to U-mode (QEMU
 * requires one), user code computes, loads and stores, uses atomics, and
 * traps on privileged instructions; its ecall (cause 8) returns to M-mode. */
#include "isa.h"
  ISA_START
  la t0, umode_handler
  csrw mtvec, t0
  li t0, -1
  csrw pmpaddr0, t0
  li t0, 0x1f
  csrw pmpcfg0, t0
  la t0, user_code
  csrw mepc, t0
  li t0, 0x1800
  csrc mstatus, t0
  li s0, 42
  mret
user_code:
  addi s0, s0, 1
  la s1, data
  sw s0, 0(s1)
  lw a0, 0(s1)
  amoadd.w a1, s0, (s1)
  lr.w a2, (s1)
  sc.w a3, s0, (s1)
  csrr a4, mstatus
  mv s2, t5
  csrw mscratch, s0
  mret
  mv s3, t5
  wfi
  mv s4, t5
  ebreak
  mv s5, t5
  ecall
back_in_m:
  mv s6, t5
  csrr a5, mstatus
  csrr a6, mepc
  PUTS ok
  EXIT
  .balign 4
umode_handler:
  csrr t5, mcause
  csrr t6, mtval
  li t3, 8
  beq t5, t3, 1f
  csrr t4, mepc
  addi t4, t4, 4
  csrw mepc, t4
  mret
1: la t4, back_in_m
  csrw mepc, t4
  li t3, 0x1800
  csrs mstatus, t3
  mret
  TRAP_HANDLER
  .data
ok: .string "umode ok\n"
  .balign 4
data: .word 0
