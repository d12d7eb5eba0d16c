/* Loads and stores of every width and sign, offsets both ways, x0 as a
 * destination, and misaligned loads and stores (QEMU 7.2 performs those on
 * RAM without trapping), including one that straddles a page boundary. */
#include "isa.h"
  ISA_START
  la s0, buf
  li t0, 0x8081f0ff
  sw t0, 0(s0)
  li t0, 0x7f017fff
  sw t0, 4(s0)
  lb a0, 0(s0)
  lb a1, 1(s0)
  lb a2, 2(s0)
  lb a3, 3(s0)
  lbu a4, 0(s0)
  lbu a5, 3(s0)
  lh a6, 0(s0)
  lh a7, 2(s0)
  lhu a0, 0(s0)
  lhu a1, 2(s0)
  lh a2, 4(s0)
  lh a3, 6(s0)
  lw a4, 0(s0)
  lw a5, 4(s0)
  addi s1, s0, 16
  lw a6, -16(s1)
  lw a7, -12(s1)
  sb a4, 8(s0)
  sb a5, 9(s0)
  sh a4, 10(s0)
  sw zero, 12(s0)
  sh a5, 12(s0)
  sb a4, 14(s0)
  lw a0, 8(s0)
  lw a1, 12(s0)
  lw zero, 0(s0)
  lbu zero, 1(s0)
  /* misaligned */
  lw a2, 1(s0)
  lw a3, 2(s0)
  lw a4, 3(s0)
  lh a5, 1(s0)
  lhu a6, 3(s0)
  li t0, 0x11223344
  sw t0, 17(s0)
  sh t0, 23(s0)
  lw a7, 16(s0)
  lw a0, 20(s0)
  lw a1, 24(s0)
  /* straddling a page boundary */
  la s2, page_end
  li t0, 0xa1b2c3d4
  sw t0, -2(s2)
  lw a2, -2(s2)
  lhu a3, -1(s2)
  lw a4, -4(s2)
  lw a5, 0(s2)
  PUTS ok
  EXIT
  TRAP_HANDLER
  .data
ok: .string "mem ok\n"
  .balign 64
buf: .space 64
  .balign 4096
  .space 4096
page_end:
  .space 16
