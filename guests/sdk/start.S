/*
 * Entry for every hart, as QEMU's virt board starts them with -bios none:
 * a0 = hartid, a1 = device tree. Hart 0 clears .bss and runs sdk_init while
 * the others wait on boot_released, which lives in .data so the clearing
 * cannot touch it.
 */
#include "machine.h"

  /* Without it the assembler names the symbol table entry after a random temporary file. */
  .file "start.S"

  .section .text.start, "ax"
  .globl _start
_start:
  csrw mie, zero
  la t0, trap_entry
  csrw mtvec, t0
  mv tp, a0
  li t0, MAX_HARTS
  bgeu a0, t0, park
  /* Stacks grow down from __stacks_end, hart 0's stack highest. */
  la sp, __stacks_end
  li t0, STACK_SIZE
  mul t0, t0, a0
  sub sp, sp, t0
  bnez a0, wait_release

  la t0, __bss_start
  la t1, __bss_end
clear_bss:
  bgeu t0, t1, bss_done
  sw zero, 0(t0)
  addi t0, t0, 4
  j clear_bss
bss_done:
  mv a0, a1
  call sdk_init
  fence rw, rw
  la t0, boot_released
  li t1, 1
  amoswap.w.rl zero, t1, (t0)
  j run_main

wait_release:
  la t0, boot_released
1:
  lw t1, 0(t0)
  beqz t1, 1b
  fence r, rw

run_main:
  mv a0, tp
  call main
park:
  wfi
  j park

  /*
   * No workload takes interrupts, so any trap is a guest bug. sp may be what
   * broke, and sdk_trap never returns, so restart from this hart's stack top.
   */
  .align 2
trap_entry:
  csrr a0, mcause
  csrr a1, mepc
  csrr a2, mtval
  mv a3, tp
  la sp, __stacks_end
  li t0, STACK_SIZE
  mul t0, t0, tp
  sub sp, sp, t0
  call sdk_trap

  .data
  .align 2
  .globl boot_released
boot_released:
  .word 0
