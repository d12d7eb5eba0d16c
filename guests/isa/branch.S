/* Conditional branches taken and not taken in both directions over signed
 * and unsigned edges, JAL and JALR links, and JALR clearing bit 0. */
#include "isa.h"
  ISA_START
  li s0, -1
  li s1, 1
  li s2, 0x80000000
  li a0, 0
  beq s0, s0, 1f
  addi a0, a0, 1
1: bne s0, s0, 2f
  addi a0, a0, 2
2: blt s0, s1, 3f
  addi a0, a0, 4
3: blt s1, s0, 4f
  addi a0, a0, 8
4: bge s1, s0, 5f
  addi a0, a0, 16
5: bge s0, s0, 6f
  addi a0, a0, 32
6: bltu s1, s0, 7f
  addi a0, a0, 64
7: bltu s0, s1, 8f
  addi a0, a0, 128
8: bgeu s0, s2, 9f
  addi a0, a0, 256
9: bgeu s2, s0, 10f
  addi a0, a0, 512
10: blt s2, zero, 11f
  addi a0, a0, 1024
11: bge zero, s2, 12f
  addi a0, a0, 1000
12:
  /* backward branches: count down */
  li t0, 10
13: addi t0, t0, -1
  bgtz t0, 13b
  /* jal links and jalr through a register, with bit 0 set */
  jal ra, sub1
  la t1, sub2
  addi t1, t1, 1
  jalr ra, 0(t1)
  la t1, sub3
  jalr t2, 4(t1)
  jal zero, 14f
  addi a0, a0, 99
14: la t1, 15f
  jr t1
  addi a0, a0, 99
15: PUTS ok
  EXIT
sub1:
  addi a1, a1, 1
  ret
sub2:
  addi a2, a2, 7
  jr ra
sub3:
  addi a3, a3, 1
  addi a3, a3, 2
  jr t2
  TRAP_HANDLER
  .data
ok: .string "branch ok\n"
