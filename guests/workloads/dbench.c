/*
 * dbench: the harts share one virtio-blk disk. Work items come off a shared
 * counter; item i owns `sectors` sectors at i * sectors. Three passes, with a
 * barrier between: write generation 1, read back and verify then overwrite
 * with generation 2, read back and verify generation 2. The checksum adds up
 * per-item hashes, so it does not depend on which hart did which item.
 *
 * bootargs: ops=<items> (default 64), sectors=<sectors per item> (default 8).
 * Needs a raw disk of at least ops * sectors * 512 bytes (the default fits 1 MiB).
 */
#include "virtio.h"

static struct barrier phase;
static volatile uint32_t next_item[3];
static volatile uint32_t checksum;
static uint32_t *buffers[MAX_HARTS];
static uint32_t ops, sectors, words;

static void fill(uint32_t *buf, uint32_t item, uint32_t generation) {
  uint32_t s = (item + 1) * 0x9e3779b9u ^ (generation << 24);
  if (s == 0) s = 1;
  for (uint32_t i = 0; i < words; i++) buf[i] = xorshift32(&s);
}

static void verify(const uint32_t *buf, uint32_t item, uint32_t generation) {
  uint32_t s = (item + 1) * 0x9e3779b9u ^ (generation << 24);
  if (s == 0) s = 1;
  for (uint32_t i = 0; i < words; i++)
    if (buf[i] != xorshift32(&s)) sdk_panic("dbench: item %u generation %u differs at word %u", item, generation, i);
}

static void run_pass(unsigned pass, uint32_t *buf) {
  for (;;) {
    uint32_t item = atomic_add(&next_item[pass], 1);
    if (item >= ops) return;
    uint32_t sector = item * sectors;
    if (pass == 0) {
      fill(buf, item, 1);
      blk_write(sector, buf, sectors);
    } else if (pass == 1) {
      blk_read(sector, buf, sectors);
      verify(buf, item, 1);
      fill(buf, item, 2);
      blk_write(sector, buf, sectors);
    } else {
      blk_read(sector, buf, sectors);
      verify(buf, item, 2);
      atomic_add(&checksum, fnv1a(FNV1A_INIT, buf, words * 4));
    }
  }
}

int main(unsigned hartid) {
  if (hartid == 0) {
    ops = arg_uint("ops", 64);
    sectors = arg_uint("sectors", 8);
    words = sectors * 512 / 4;
    if (!blk_init()) sdk_panic("dbench: no virtio-blk disk");
    if ((uint64_t)ops * sectors > blk_capacity())
      sdk_panic("dbench: %u items of %u sectors need a bigger disk than %u sectors", ops, sectors, blk_capacity());
    for (unsigned h = 0; h < boot.nharts; h++) buffers[h] = sdk_alloc(words * 4);
    printf("dbench: harts=%u ops=%u sectors=%u\n", boot.nharts, ops, sectors);
  }
  for (unsigned pass = 0; pass < 3; pass++) {
    barrier_wait(&phase);
    run_pass(pass, buffers[hartid]);
  }
  barrier_wait(&phase);
  if (hartid == 0) {
    printf("dbench: transferred=%u checksum=%08x\n", ops * sectors * 512 * 4, checksum);
    printf("dbench: ok\n");
    sdk_poweroff();
  }
  return 0;
}
