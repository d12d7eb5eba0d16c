/* The speed benchmark: 4000 rounds of a sieve of Eratosthenes over 16 KiB,
 * a mix of word and byte stores, byte loads, branches, adds and multiplies
 * that keeps one hart busy for about 600 million instructions. The count
 * of primes folds into a checksum printed at the end as eight hex digits. */
#include "isa.h"
#define SIZE 16384
#define ROUNDS 4000
  ISA_START
  li s0, ROUNDS
  li s4, 0
  li s5, SIZE
round:
  la s1, sieve
  /* every byte starts as 1 */
  li t0, 0x01010101
  mv t1, s1
  add t2, s1, s5
1: sw t0, 0(t1)
  sw t0, 4(t1)
  addi t1, t1, 8
  bltu t1, t2, 1b
  li t0, 2
outer:
  mul t1, t0, t0
  bge t1, s5, count
  add t2, s1, t0
  lbu t2, 0(t2)
  beqz t2, next
inner:
  add t3, s1, t1
  sb zero, 0(t3)
  add t1, t1, t0
  blt t1, s5, inner
next:
  addi t0, t0, 1
  j outer
count:
  li t0, 2
  li t3, 0
2: add t1, s1, t0
  lbu t2, 0(t1)
  add t3, t3, t2
  addi t0, t0, 1
  blt t0, s5, 2b
  li t4, 31
  mul s4, s4, t4
  add s4, s4, t3
  addi s0, s0, -1
  bnez s0, round
  /* print the checksum in hex */
  li t1, UART_THR
  li t0, 8
3: srli t2, s4, 28
  slli s4, s4, 4
  li t3, 10
  blt t2, t3, 4f
  addi t2, t2, 'a' - 10
  j 5f
4: addi t2, t2, '0'
5: sb t2, 0(t1)
  addi t0, t0, -1
  bnez t0, 3b
  li t2, '\n'
  sb t2, 0(t1)
  EXIT
  TRAP_HANDLER
  .bss
  /* its own pages: QEMU re-translates code whenever a page holding code is written */
  .balign 4096
sieve: .space SIZE
