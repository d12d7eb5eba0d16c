/*
 * echo: a long-running interactive domain. Hart 0 sleeps in WFI until the
 * UART has input (receive interrupt through the PLIC), answers each line
 * with "echo: <line>", and powers off on "quit". The other harts sleep in
 * WFI with no interrupt enabled, so they cost nothing while the domain idles.
 * The console input is what a recording of it must log.
 *
 * bootargs: none
 */
#include "sdk.h"

#define UART_RBR 0
#define UART_IER 1
#define UART_LSR 5
#define UART_LSR_DR 0x01
#define UART_IRQ 10
#define PLIC_BASE 0x0c000000u
#define PLIC_PRIORITY(irq) (PLIC_BASE + 4u * (irq))
#define PLIC_ENABLE(ctx) (PLIC_BASE + 0x2000u + 0x80u * (ctx))
#define PLIC_THRESHOLD(ctx) (PLIC_BASE + 0x200000u + 0x1000u * (ctx))
#define PLIC_CLAIM(ctx) (PLIC_THRESHOLD(ctx) + 4u)
#define MIE_MEIE (1u << 11)

static inline void mmio_write(uint32_t addr, uint32_t value) {
  *(volatile uint32_t *)addr = value;
}

static inline uint32_t mmio_read(uint32_t addr) {
  return *(volatile uint32_t *)addr;
}

static void sleep_forever(void) {
  for (;;) __asm__ volatile("wfi");
}

int main(unsigned hartid) {
  if (hartid != 0) sleep_forever();
  volatile uint8_t *uart = (volatile uint8_t *)UART_BASE;
  /* Hart 0's machine-mode context is 0 on the virt board's PLIC. */
  mmio_write(PLIC_PRIORITY(UART_IRQ), 1);
  mmio_write(PLIC_ENABLE(0), 1u << UART_IRQ);
  mmio_write(PLIC_THRESHOLD(0), 0);
  uart[UART_IER] = 1;
  /* MEIE without mstatus.MIE: WFI wakes on the interrupt, no trap is taken. */
  __asm__ volatile("csrs mie, %0" ::"r"(MIE_MEIE));
  printf("echo: ready\n");
  char line[128];
  unsigned len = 0, lines = 0;
  for (;;) {
    while (uart[UART_LSR] & UART_LSR_DR) {
      char c = (char)uart[UART_RBR];
      if (c == '\r' || c == '\n') {
        if (len == 0) continue;
        line[len] = 0;
        lines++;
        if (len == 4 && line[0] == 'q' && line[1] == 'u' && line[2] == 'i' && line[3] == 't') {
          printf("echo: bye after %u lines\n", lines);
          sdk_poweroff();
        }
        printf("echo: %s\n", line);
        len = 0;
      } else if (len < sizeof line - 1) {
        line[len++] = c;
      }
    }
    uint32_t irq = mmio_read(PLIC_CLAIM(0));
    if (irq) mmio_write(PLIC_CLAIM(0), irq);
    if (!(uart[UART_LSR] & UART_LSR_DR)) __asm__ volatile("wfi");
  }
}
