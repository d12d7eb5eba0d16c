/* The A extension on one hart: every AMO with its old value in rd, LR/SC
 * success and the ways an SC fails (no reservation, another address, a
 * changed value), and the traps for misaligned and non-RAM addresses. */
#include "isa.h"
  ISA_START
  la s0, word
  li t0, 10
  sw t0, 0(s0)
  li t1, 5
  amoadd.w a0, t1, (s0)
  amoswap.w a1, t1, (s0)
  li t1, 0x0ff0
  amoor.w a2, t1, (s0)
  li t1, 0x00f3
  amoand.w a3, t1, (s0)
  li t1, 0x5a5a
  amoxor.w a4, t1, (s0)
  li t1, -3
  amomin.w a5, t1, (s0)
  amomin.w a6, t1, (s0)
  li t1, 7
  amomax.w a7, t1, (s0)
  amomax.w a0, t1, (s0)
  li t1, -1
  amominu.w a1, t1, (s0)
  li t1, 2
  amominu.w a2, t1, (s0)
  li t1, 0x80000000
  amomaxu.w a3, t1, (s0)
  amomaxu.w a4, zero, (s0)
  lw a5, 0(s0)
  amoadd.w zero, t1, (s0)
  lw a6, 0(s0)
  /* LR/SC */
  lr.w a0, (s0)
  addi a0, a0, 1
  sc.w a1, a0, (s0)
  sc.w a2, a0, (s0)
  addi s1, s0, 4
  lr.w a0, (s0)
  sc.w a3, a0, (s1)
  sc.w a4, a0, (s0)
  lr.w a0, (s0)
  addi t0, a0, 9
  sw t0, 0(s0)
  sc.w a5, a0, (s0)
  lr.w a0, (s0)
  sw a0, 0(s0)
  sc.w a6, t1, (s0)
  lw a7, 0(s0)
  /* an increment loop, as a lock-free counter would do it */
  li t2, 20
1: lr.w t0, (s1)
  addi t0, t0, 3
  sc.w t3, t0, (s1)
  bnez t3, 1b
  addi t2, t2, -1
  bnez t2, 1b
  lw a0, 0(s1)
  /* misaligned and non-RAM addresses trap */
  addi s2, s0, 2
  amoadd.w a1, t1, (s2)
  lr.w a2, (s2)
  sc.w a3, t1, (s2)
  li s3, 0x04000000
  amoswap.w a4, t1, (s3)
  lr.w a5, (s3)
  PUTS ok
  EXIT
  TRAP_HANDLER
  .data
ok: .string "atomic ok\n"
  .balign 16
word: .space 16
