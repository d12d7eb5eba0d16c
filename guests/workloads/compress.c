/*
 * compress: hart 0 generates a text-like buffer; the harts then take chunks
 * off a lock-protected work queue, compress each with a small LZSS coder,
 * decompress it again and check the round trip. Per-chunk sizes and hashes
 * are stored by chunk index and folded in order at the end, so the output
 * does not depend on which hart did which chunk.
 *
 * LZSS format: a flag byte announces up to 8 items, low bit first; a clear
 * bit is one literal byte, a set bit a two-byte match: 12 bits of distance-1
 * then 4 bits of length-3 (lengths 3..18, distances 1..4096).
 *
 * bootargs: n=<bytes> (default 32768), chunk=<bytes per chunk> (default 4096).
 */
#include "sdk.h"

#define HASH_BITS 12
#define MIN_MATCH 3
#define MAX_MATCH 18
#define WINDOW 4096

struct scratch {
  uint16_t *head; /* last position+1 seen for each hash of 3 bytes */
  uint8_t *packed;
  uint8_t *unpacked;
};

static struct barrier start, done;
static spinlock_t queue_lock;
static uint32_t next_chunk;
static uint8_t *input;
static uint32_t *chunk_size, *chunk_hash;
static struct scratch scratch[MAX_HARTS];
static uint32_t n, chunk, chunks;

static void generate(uint8_t *out, uint32_t len) {
  static const char *const words[] = {"replay", "search", "hart",   "memory", "order", "race",   "the",   "of",
                                      "record", "vcpu",   "schedule", "event", "log",  "shared", "a",     "interval"};
  uint32_t s = 0x2545f491u;
  uint32_t i = 0;
  while (i < len) {
    uint32_t r = xorshift32(&s);
    char number[12];
    const char *w = words[r % 16];
    if ((r >> 8) % 8 == 0) {
      snprintf(number, sizeof number, "%u", (r >> 12) % 10000);
      w = number;
    }
    while (*w && i < len) out[i++] = (uint8_t)*w++;
    if (i < len) out[i++] = (r >> 20) % 12 == 0 ? '\n' : ' ';
  }
}

static uint32_t hash3(const uint8_t *p) {
  return ((uint32_t)p[0] << 16 | (uint32_t)p[1] << 8 | p[2]) * 2654435761u >> (32 - HASH_BITS);
}

static uint32_t lzss_pack(const uint8_t *in, uint32_t len, uint8_t *out, uint16_t *head) {
  memset(head, 0, sizeof(uint16_t) << HASH_BITS);
  uint32_t o = 0, i = 0;
  while (i < len) {
    uint32_t flag_at = o++;
    uint8_t flags = 0;
    for (unsigned bit = 0; bit < 8 && i < len; bit++) {
      uint32_t best = 0, distance = 0;
      if (i + MIN_MATCH <= len) {
        uint32_t h = hash3(in + i);
        uint32_t cand = head[h];
        head[h] = (uint16_t)(i + 1);
        if (cand && i - (cand - 1) <= WINDOW) {
          const uint8_t *c = in + cand - 1;
          uint32_t limit = len - i < MAX_MATCH ? len - i : MAX_MATCH;
          while (best < limit && c[best] == in[i + best]) best++;
          distance = i - (cand - 1);
        }
      }
      if (best >= MIN_MATCH) {
        uint32_t code = (distance - 1) << 4 | (best - MIN_MATCH);
        out[o++] = (uint8_t)(code >> 8);
        out[o++] = (uint8_t)code;
        flags |= (uint8_t)(1u << bit);
        /* Index the skipped positions so later matches can find them. */
        for (uint32_t k = i + 1; k < i + best && k + MIN_MATCH <= len; k++) head[hash3(in + k)] = (uint16_t)(k + 1);
        i += best;
      } else {
        out[o++] = in[i++];
      }
    }
    out[flag_at] = flags;
  }
  return o;
}

static uint32_t lzss_unpack(const uint8_t *in, uint32_t len, uint8_t *out, uint32_t cap) {
  uint32_t i = 0, o = 0;
  while (i < len) {
    uint8_t flags = in[i++];
    for (unsigned bit = 0; bit < 8 && i < len; bit++) {
      if (flags & (1u << bit)) {
        uint32_t code = (uint32_t)in[i] << 8 | in[i + 1];
        i += 2;
        uint32_t distance = (code >> 4) + 1, count = (code & 15) + MIN_MATCH;
        if (distance > o || o + count > cap) sdk_panic("compress: corrupt match at %u", i);
        for (uint32_t k = 0; k < count; k++, o++) out[o] = out[o - distance];
      } else {
        if (o >= cap) sdk_panic("compress: output overflow at %u", i);
        out[o++] = in[i++];
      }
    }
  }
  return o;
}

static int take_chunk(uint32_t *c) {
  spin_lock(&queue_lock);
  *c = next_chunk;
  int got = next_chunk < chunks;
  if (got) next_chunk++;
  spin_unlock(&queue_lock);
  return got;
}

int main(unsigned hartid) {
  if (hartid == 0) {
    n = arg_uint("n", 32768);
    chunk = arg_uint("chunk", 4096);
    if (chunk == 0 || chunk > 65535) sdk_panic("compress: chunk must be 1..65535");
    chunks = (n + chunk - 1) / chunk;
    input = sdk_alloc(n);
    chunk_size = sdk_alloc(chunks * 4);
    chunk_hash = sdk_alloc(chunks * 4);
    for (unsigned h = 0; h < boot.nharts; h++) {
      scratch[h].head = sdk_alloc(sizeof(uint16_t) << HASH_BITS);
      scratch[h].packed = sdk_alloc(chunk + chunk / 8 + 1);
      scratch[h].unpacked = sdk_alloc(chunk);
    }
    generate(input, n);
    printf("compress: harts=%u bytes=%u chunks=%u\n", boot.nharts, n, chunks);
  }
  barrier_wait(&start);
  struct scratch *s = &scratch[hartid];
  uint32_t c;
  while (take_chunk(&c)) {
    const uint8_t *in = input + c * chunk;
    uint32_t len = c == chunks - 1 ? n - c * chunk : chunk;
    uint32_t packed = lzss_pack(in, len, s->packed, s->head);
    if (lzss_unpack(s->packed, packed, s->unpacked, chunk) != len || memcmp(s->unpacked, in, len) != 0)
      sdk_panic("compress: chunk %u does not round-trip", c);
    chunk_size[c] = packed;
    chunk_hash[c] = fnv1a(FNV1A_INIT, s->packed, packed);
  }
  barrier_wait(&done);
  if (hartid == 0) {
    uint32_t total = 0, hash = FNV1A_INIT;
    for (c = 0; c < chunks; c++) {
      total += chunk_size[c];
      hash = fnv1a(hash, &chunk_hash[c], 4);
    }
    printf("compress: compressed=%u checksum=%08x\n", total, hash);
    printf("compress: ok\n");
    sdk_poweroff();
  }
  return 0;
}
