/*
 * radix: a SPLASH-2 style parallel radix sort of 32-bit keys, 8 bits a pass.
 * Each pass: every hart histograms its slice, hart 0 turns the histograms
 * into per-hart scatter offsets, every hart scatters its slice stably.
 * Barriers separate the steps. Keys are a function of their index, so the
 * sorted result, and its checksum, do not depend on the hart count.
 *
 * bootargs: n=<keys> (default 16384).
 */
#include "sdk.h"

#define RADIX_BITS 8
#define BUCKETS (1u << RADIX_BITS)

static struct barrier step;
static uint32_t *keys, *spare;
static uint32_t hist[MAX_HARTS][BUCKETS];
static uint32_t key_sum[MAX_HARTS], key_xor[MAX_HARTS];
static uint32_t n;

static uint32_t key_of(uint32_t i) {
  uint32_t x = i * 0x9e3779b9u + 0x7f4a7c15u;
  x ^= x >> 16;
  x *= 0x85ebca6bu;
  x ^= x >> 13;
  x *= 0xc2b2ae35u;
  return x ^ (x >> 16);
}

int main(unsigned hartid) {
  if (hartid == 0) {
    n = arg_uint("n", 16384);
    keys = sdk_alloc(n * 4);
    spare = sdk_alloc(n * 4);
    printf("radix: harts=%u keys=%u\n", boot.nharts, n);
  }
  barrier_wait(&step);
  unsigned harts = boot.nharts;
  uint32_t lo = (uint32_t)((uint64_t)n * hartid / harts), hi = (uint32_t)((uint64_t)n * (hartid + 1) / harts);
  for (uint32_t i = lo; i < hi; i++) {
    keys[i] = key_of(i);
    key_sum[hartid] += keys[i];
    key_xor[hartid] ^= keys[i];
  }

  uint32_t *src = keys, *dst = spare;
  for (unsigned shift = 0; shift < 32; shift += RADIX_BITS) {
    uint32_t *mine = hist[hartid];
    memset(mine, 0, sizeof hist[0]);
    for (uint32_t i = lo; i < hi; i++) mine[(src[i] >> shift) & (BUCKETS - 1)]++;
    barrier_wait(&step);
    if (hartid == 0) {
      /* Digit-major, hart-minor: a stable sort keeps each hart's keys after lower harts'. */
      uint32_t offset = 0;
      for (unsigned d = 0; d < BUCKETS; d++)
        for (unsigned h = 0; h < harts; h++) {
          uint32_t count = hist[h][d];
          hist[h][d] = offset;
          offset += count;
        }
    }
    barrier_wait(&step);
    for (uint32_t i = lo; i < hi; i++) dst[mine[(src[i] >> shift) & (BUCKETS - 1)]++] = src[i];
    barrier_wait(&step);
    uint32_t *t = src;
    src = dst;
    dst = t;
  }

  if (hartid == 0) {
    uint32_t sum = 0, x = 0, hash = FNV1A_INIT;
    for (unsigned h = 0; h < harts; h++) sum += key_sum[h], x ^= key_xor[h];
    for (uint32_t i = 0; i < n; i++) {
      if (i && src[i - 1] > src[i]) sdk_panic("radix: keys %u and %u out of order", i - 1, i);
      sum -= src[i];
      x ^= src[i];
    }
    if (sum || x) sdk_panic("radix: sorted keys are not a permutation of the input");
    hash = fnv1a(hash, src, n * 4);
    printf("radix: min=%08x max=%08x checksum=%08x\n", n ? src[0] : 0, n ? src[n - 1] : 0, hash);
    printf("radix: ok\n");
    sdk_poweroff();
  }
  return 0;
}
