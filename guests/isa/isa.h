/* Shared start-up, trap handler, console output and exit for the ISA tests.
 * Every test runs on one hart, from _start, and ends by powering off through
 * the test device, so QEMU and the simulated hart both stop on their own. */

#define UART_THR 0x10000000
#define UART_LSR 0x10000005
#define TEST_DEVICE 0x00100000
#define POWEROFF 0x5555

/* Start-up: a stack and the common trap handler. */
.macro ISA_START
  .section .text.start
  .globl _start
_start:
  la sp, stack_top
  la t0, trap_handler
  csrw mtvec, t0
.endm

/* Prints the zero-terminated string at label \msg. */
.macro PUTS msg
  la a0, \msg
  call puts
.endm

.macro EXIT
  li t0, POWEROFF
  li t1, TEST_DEVICE
  sw t0, 0(t1)
1: j 1b
.endm

/* The common handler: t5 = mcause, t6 = mtval, then resume after the
 * trapping instruction, or at ra when the fetch itself failed (cause 0/1). */
.macro TRAP_HANDLER
  .balign 4
trap_handler:
  csrr t5, mcause
  csrr t6, mtval
  csrr t4, mepc
  li t3, 2
  bltu t5, t3, 1f
  addi t4, t4, 4
  j 2f
1: mv t4, ra
2: csrw mepc, t4
  mret

puts:
  li t1, UART_LSR
  li t2, UART_THR
3: lbu t0, 0(a0)
  beqz t0, 5f
4: lbu t3, 0(t1)
  andi t3, t3, 0x20
  beqz t3, 4b
  sb t0, 0(t2)
  addi a0, a0, 1
  j 3b
5: ret
.endm
