/* Integer register-register and register-immediate operations, shifts, LUI
 * and AUIPC over values chosen to hit sign, carry and shift-amount edges. */
#include "isa.h"
  ISA_START
  li s0, 0x7fffffff
  li s1, 0x80000000
  li s2, -1
  li s3, 0x12345678
  li s4, 5
  add a0, s0, s4
  add a1, s1, s2
  sub a2, s1, s4
  sub a3, zero, s1
  and a4, s3, s2
  or a5, s3, s1
  xor a6, s3, s2
  slt a7, s1, s0
  slt a7, s0, s1
  sltu a7, s1, s0
  sltu a7, s0, s1
  sltu a7, zero, s2
  sll a0, s3, s4
  li t0, 36
  sll a1, s3, t0
  srl a2, s1, s4
  srl a3, s1, t0
  sra a4, s1, s4
  sra a5, s2, t0
  sra a6, s3, t0
  addi a0, s0, 1
  addi a1, s1, -1
  addi a2, zero, -2048
  addi a3, zero, 2047
  slti a4, s2, 0
  slti a5, s0, -1
  sltiu a6, s2, -1
  sltiu a7, zero, 1
  sltiu a7, s4, -2048
  xori a0, s3, -1
  ori a1, s3, -2048
  andi a2, s3, 0x7ff
  andi a3, s2, -16
  slli a4, s3, 31
  slli a5, s3, 0
  srli a6, s1, 31
  srli a7, s2, 1
  srai a0, s1, 31
  srai a1, s1, 1
  srai a2, s0, 30
  lui a3, 0xfffff
  lui a4, 0x80000
  lui a5, 0
  auipc a6, 0
  auipc a7, 0xfffff
  auipc a0, 0x7ffff
  /* writes to x0 are discarded */
  addi zero, s0, 1
  add zero, s1, s2
  lui zero, 0x12345
  mv a1, zero
  /* a little loop: sum of 1..100 */
  li t0, 0
  li t1, 100
1: add t0, t0, t1
  addi t1, t1, -1
  bnez t1, 1b
  PUTS ok
  EXIT
  TRAP_HANDLER
  .data
ok: .string "alu ok\n"
