/* 16550 UART output and a small printf. */
#include "sdk.h"

#define UART_THR 0
#define UART_LSR 5
#define UART_LSR_THRE 0x20

static spinlock_t console_lock;

void uart_putc(char c) {
  volatile uint8_t *uart = (volatile uint8_t *)UART_BASE;
  while (!(uart[UART_LSR] & UART_LSR_THRE)) {
  }
  uart[UART_THR] = (uint8_t)c;
}

void uart_puts(const char *s) {
  while (*s) uart_putc(*s++);
}

struct sink {
  char *buf;
  size_t size, len;
};

static void put(struct sink *s, char c) {
  if (s->len + 1 < s->size) s->buf[s->len] = c;
  s->len++;
}

static void put_number(struct sink *s, uint32_t v, unsigned base, int negative, unsigned width, char pad) {
  char digits[12];
  unsigned n = 0;
  do {
    unsigned d = v % base;
    digits[n++] = (char)(d < 10 ? '0' + d : 'a' + d - 10);
    v /= base;
  } while (v);
  if (negative) {
    if (pad == '0') put(s, '-');
    width = width ? width - 1 : 0;
  }
  for (unsigned i = n; i < width; i++) put(s, pad);
  if (negative && pad != '0') put(s, '-');
  while (n) put(s, digits[--n]);
}

int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap) {
  struct sink s = {buf, size, 0};
  for (; *fmt; fmt++) {
    if (*fmt != '%') {
      put(&s, *fmt);
      continue;
    }
    fmt++;
    char pad = ' ';
    unsigned width = 0;
    if (*fmt == '0') pad = '0', fmt++;
    while (*fmt >= '0' && *fmt <= '9') width = width * 10 + (unsigned)(*fmt++ - '0');
    switch (*fmt) {
      case 'd': {
        int v = va_arg(ap, int);
        put_number(&s, v < 0 ? -(uint32_t)v : (uint32_t)v, 10, v < 0, width, pad);
        break;
      }
      case 'u': put_number(&s, va_arg(ap, unsigned), 10, 0, width, pad); break;
      case 'x': put_number(&s, va_arg(ap, unsigned), 16, 0, width, pad); break;
      case 'c': put(&s, (char)va_arg(ap, int)); break;
      case 's': {
        const char *str = va_arg(ap, const char *);
        size_t len = strlen(str);
        for (size_t i = len; i < width; i++) put(&s, ' ');
        while (*str) put(&s, *str++);
        break;
      }
      case '%': put(&s, '%'); break;
      case '\0': fmt--; break;
      default: put(&s, '%'), put(&s, *fmt); break;
    }
  }
  if (size) buf[s.len < size ? s.len : size - 1] = '\0';
  return (int)s.len;
}

int snprintf(char *buf, size_t size, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(buf, size, fmt, ap);
  va_end(ap);
  return n;
}

/* `end` goes out under the same lock, so a panic's newline stays with its message. */
static void print_locked(const char *fmt, va_list ap, const char *end) {
  char line[256];
  vsnprintf(line, sizeof line, fmt, ap);
  spin_lock(&console_lock);
  uart_puts(line);
  uart_puts(end);
  spin_unlock(&console_lock);
}

void printf(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  print_locked(fmt, ap, "");
  va_end(ap);
}

/*
 * The panicking hart keeps the console lock until the machine stops: a hart
 * that panics or prints a moment later waits, so the output ends with the
 * first panic's whole line instead of a fragment of the next one's.
 */
void sdk_panic(const char *fmt, ...) {
  char line[256];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(line, sizeof line, fmt, ap);
  va_end(ap);
  spin_lock(&console_lock);
  uart_puts(line);
  uart_puts("\n");
  sdk_fail(SDK_EXIT_PANIC);
}
