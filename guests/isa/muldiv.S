/* The M extension, with the edge cases the ISA defines instead of trapping:
 * division by zero and the one signed overflow, and every MULH variant over
 * signs and extremes. */
#include "isa.h"
  ISA_START
  li s0, 0x80000000
  li s1, -1
  li s2, 0x7fffffff
  li s3, 12345
  li s4, -678
  li s5, 0xfffffffe
  mul a0, s3, s4
  mul a1, s0, s1
  mul a2, s2, s2
  mulh a3, s3, s4
  mulh a4, s0, s0
  mulh a5, s0, s2
  mulh a6, s1, s1
  mulh a7, s2, s2
  mulhu a0, s1, s1
  mulhu a1, s0, s5
  mulhu a2, s3, s4
  mulhu a3, s2, s0
  mulhsu a4, s1, s1
  mulhsu a5, s0, s1
  mulhsu a6, s2, s1
  mulhsu a7, s4, s3
  div a0, s3, s4
  div a1, s4, s3
  div a2, s0, s1
  div a3, s3, zero
  div a4, s0, zero
  divu a5, s1, s3
  divu a6, s3, zero
  divu a7, s0, s5
  rem a0, s3, s4
  rem a1, s4, s3
  rem a2, s0, s1
  rem a3, s3, zero
  rem a4, s4, zero
  remu a5, s1, s3
  remu a6, s4, zero
  remu a7, s0, s5
  mul zero, s3, s3
  div zero, s3, zero
  /* a chain of multiplies and divides over many values */
  li t0, 0x9e3779b9
  li t1, 1
  li t2, 64
1: mul t1, t1, t0
  mulh a0, t1, t0
  mulhu a1, t1, t0
  mulhsu a2, t1, t0
  addi t3, t2, -32
  div a3, t1, t3
  rem a4, t1, t3
  divu a5, t0, t2
  remu a6, t1, t2
  add t0, t0, a0
  xor t0, t0, a4
  addi t2, t2, -1
  bnez t2, 1b
  PUTS ok
  EXIT
  TRAP_HANDLER
  .data
ok: .string "muldiv ok\n"
