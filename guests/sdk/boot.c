/* Start-up in C, the test device, traps, and the small runtime workloads share. */
#include "fdt.h"

struct boot_info boot;

extern char _end[];
static uintptr_t heap_next, heap_limit;
static spinlock_t heap_lock;

/* Runs on hart 0 only, before the other harts are released. */
void sdk_init(const void *fdt) {
  fdt_read(fdt, &boot);
  heap_next = ((uintptr_t)_end + 15) & ~(uintptr_t)15;
  heap_limit = RAM_BASE + boot.mem_size - FDT_RESERVE;
}

void *sdk_alloc(size_t size) {
  spin_lock(&heap_lock);
  uintptr_t p = heap_next;
  size = (size + 15) & ~(size_t)15;
  if (size > heap_limit - p) {
    spin_unlock(&heap_lock);
    sdk_panic("sdk_alloc: out of memory asking for %u bytes", (unsigned)size);
  }
  heap_next = p + size;
  spin_unlock(&heap_lock);
  return (void *)p;
}

static int is_space(char c) { return c == ' ' || c == '\t' || c == '\n'; }

uint32_t arg_uint(const char *key, uint32_t fallback) {
  size_t klen = strlen(key);
  const char *s = boot.bootargs;
  while (*s) {
    while (is_space(*s)) s++;
    const char *word = s;
    while (*s && !is_space(*s)) s++;
    if ((size_t)(s - word) <= klen || memcmp(word, key, klen) != 0 || word[klen] != '=') continue;
    const char *v = word + klen + 1;
    uint32_t base = 10, n = 0;
    if (v[0] == '0' && (v[1] == 'x' || v[1] == 'X')) base = 16, v += 2;
    for (; v < s; v++) {
      unsigned d;
      if (*v >= '0' && *v <= '9') d = (unsigned)(*v - '0');
      else if (base == 16 && *v >= 'a' && *v <= 'f') d = (unsigned)(*v - 'a' + 10);
      else if (base == 16 && *v >= 'A' && *v <= 'F') d = (unsigned)(*v - 'A' + 10);
      else sdk_panic("bootargs: %s is not a number", key);
      n = n * base + d;
    }
    return n;
  }
  return fallback;
}

#define TEST_PASS 0x5555u
#define TEST_FAIL 0x3333u

void sdk_poweroff(void) {
  *(volatile uint32_t *)TEST_DEVICE = TEST_PASS;
  for (;;) __asm__ volatile("wfi");
}

void sdk_fail(unsigned code) {
  *(volatile uint32_t *)TEST_DEVICE = (code << 16) | TEST_FAIL;
  for (;;) __asm__ volatile("wfi");
}

static volatile uint8_t in_trap[MAX_HARTS];

/*
 * The report bypasses the console lock: the trap may have hit while this hart
 * held it. A trap while reporting (say, a UART that faults) fails at once
 * rather than looping through the vector forever.
 */
void sdk_trap(uint32_t mcause, uint32_t mepc, uint32_t mtval, unsigned hartid) {
  if (in_trap[hartid]) sdk_fail(SDK_EXIT_NESTED_TRAP);
  in_trap[hartid] = 1;
  char line[96];
  snprintf(line, sizeof line, "trap: hart %u mcause=%08x mepc=%08x mtval=%08x\n", hartid, mcause, mepc, mtval);
  uart_puts(line);
  sdk_fail(SDK_EXIT_TRAP);
}

uint64_t sdk_mtime(void) {
  volatile uint32_t *mtime = (volatile uint32_t *)CLINT_MTIME;
  uint32_t hi, lo;
  /* The two halves are separate loads; retry if the low half wrapped between them. */
  do {
    hi = mtime[1];
    lo = mtime[0];
  } while (mtime[1] != hi);
  return ((uint64_t)hi << 32) | lo;
}

void barrier_wait(struct barrier *b) {
  unsigned h = sdk_hartid();
  uint32_t sense = b->local_sense[h] ^= 1;
  if (atomic_add(&b->arrived, 1) == boot.nharts - 1) {
    b->arrived = 0;
    atomic_store(&b->sense, sense);
  } else {
    while (atomic_load(&b->sense) != sense) {
    }
  }
}

uint32_t fnv1a(uint32_t h, const void *data, size_t len) {
  const uint8_t *p = data;
  while (len--) h = (h ^ *p++) * 0x01000193u;
  return h;
}

void *memset(void *d, int c, size_t n) {
  uint8_t *p = d;
  while (n--) *p++ = (uint8_t)c;
  return d;
}

void *memcpy(void *d, const void *s, size_t n) {
  uint8_t *dp = d;
  const uint8_t *sp = s;
  while (n--) *dp++ = *sp++;
  return d;
}

int memcmp(const void *a, const void *b, size_t n) {
  const uint8_t *x = a, *y = b;
  for (; n; n--, x++, y++)
    if (*x != *y) return *x - *y;
  return 0;
}

size_t strlen(const char *s) {
  size_t n = 0;
  while (s[n]) n++;
  return n;
}
