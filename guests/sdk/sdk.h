/*
 * The guest SDK: what every workload may use. Harts enter main(hartid) after
 * hart 0 has parsed the device tree; a workload ends with sdk_poweroff() on
 * one hart (the others may return from main and park).
 */
#ifndef SDK_H
#define SDK_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "machine.h"

int main(unsigned hartid);

/* What the device tree said, filled in before any hart reaches main. */
struct boot_info {
  unsigned nharts;
  uint32_t mem_size;
  const char *bootargs;
};
extern struct boot_info boot;

static inline unsigned sdk_hartid(void) {
  unsigned id;
  __asm__ volatile("mv %0, tp" : "=r"(id));
  return id;
}

/* Workload parameters: "key=value" words in bootargs, decimal or 0x hex. */
uint32_t arg_uint(const char *key, uint32_t fallback);

/* A bump allocator over the RAM between the image and the device tree. */
void *sdk_alloc(size_t size);

/* Output. printf takes %d %u %x %s %c %%, with an optional 0 flag and width. */
void uart_putc(char c);
void uart_puts(const char *s);
int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int snprintf(char *buf, size_t size, const char *fmt, ...);
/* Writes the whole formatted text under one lock so harts never interleave. */
void printf(const char *fmt, ...);

/*
 * Leaving the machine through the sifive test device. The exit code tells a
 * host why: a workload's own check failed (panic), or an unexpected trap.
 */
#define SDK_EXIT_PANIC 1
#define SDK_EXIT_TRAP 2
#define SDK_EXIT_NESTED_TRAP 3
__attribute__((noreturn)) void sdk_poweroff(void);
__attribute__((noreturn)) void sdk_fail(unsigned code);
__attribute__((noreturn)) void sdk_panic(const char *fmt, ...);

uint64_t sdk_mtime(void);

/* Synchronisation on AMOs with explicit acquire/release ordering. */
typedef struct {
  volatile uint32_t held;
} spinlock_t;

static inline void spin_lock(spinlock_t *l) {
  uint32_t old;
  for (;;) {
    __asm__ volatile("amoswap.w.aq %0, %1, (%2)" : "=r"(old) : "r"(1), "r"(&l->held) : "memory");
    if (old == 0) return;
    while (l->held) {
    }
  }
}

static inline void spin_unlock(spinlock_t *l) {
  __asm__ volatile("amoswap.w.rl zero, zero, (%0)" : : "r"(&l->held) : "memory");
}

static inline uint32_t atomic_add(volatile uint32_t *p, uint32_t v) {
  uint32_t old;
  __asm__ volatile("amoadd.w.aqrl %0, %1, (%2)" : "=r"(old) : "r"(v), "r"(p) : "memory");
  return old;
}

static inline uint32_t atomic_or(volatile uint32_t *p, uint32_t v) {
  uint32_t old;
  __asm__ volatile("amoor.w.aqrl %0, %1, (%2)" : "=r"(old) : "r"(v), "r"(p) : "memory");
  return old;
}

static inline uint32_t atomic_load(volatile uint32_t *p) {
  uint32_t v = *p;
  __asm__ volatile("fence r, rw" ::: "memory");
  return v;
}

static inline void atomic_store(volatile uint32_t *p, uint32_t v) {
  __asm__ volatile("fence rw, w" ::: "memory");
  *p = v;
}

/* Sense-reversing barrier for all boot.nharts harts. */
struct barrier {
  volatile uint32_t arrived;
  volatile uint32_t sense;
  uint32_t local_sense[MAX_HARTS];
};
void barrier_wait(struct barrier *b);

/* Checksums and a PRNG that do not depend on the hart count. */
uint32_t fnv1a(uint32_t h, const void *data, size_t len);
#define FNV1A_INIT 0x811c9dc5u
static inline uint32_t xorshift32(uint32_t *s) {
  uint32_t x = *s;
  x ^= x << 13;
  x ^= x >> 17;
  x ^= x << 5;
  return *s = x;
}

void *memset(void *d, int c, size_t n);
void *memcpy(void *d, const void *s, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);

#endif
