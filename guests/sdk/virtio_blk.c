/*
 * virtio-blk with one request in flight. Harts share the one queue: a hart
 * takes the lock, submits, polls the used ring and releases, so requests from
 * different harts are ordered by who wins the lock.
 */
#include "virtio.h"

#define BLK_T_IN 0
#define BLK_T_OUT 1
#define SECTOR 512

struct blk_req_header {
  uint32_t type;
  uint32_t reserved;
  uint64_t sector;
};

static struct virtq queue __attribute__((aligned(16)));
static struct blk_req_header header;
static volatile uint8_t status;
static spinlock_t lock;
static uint32_t capacity;

int blk_init(void) {
  uintptr_t mmio = virtio_find(VIRTIO_ID_BLK);
  if (!mmio) return 0;
  virtio_begin(mmio, 0);
  virtq_init(&queue, mmio, 0);
  virtio_driver_ok(mmio);
  /* Capacity is a 64-bit sector count; guests here only address 2 TiB. */
  capacity = virtio_config32(mmio, 0);
  return 1;
}

uint32_t blk_capacity(void) { return capacity; }

static void blk_request(uint32_t type, uint32_t sector, void *buf, uint32_t count) {
  if (sector + count > capacity || sector + count < sector)
    sdk_panic("blk: sectors %u+%u beyond capacity %u", sector, count, capacity);
  spin_lock(&lock);
  header.type = type;
  header.reserved = 0;
  header.sector = sector;
  status = 0xff;
  queue.desc[0] = (struct virtq_desc){(uintptr_t)&header, sizeof header, VIRTQ_DESC_F_NEXT, 1};
  queue.desc[1] = (struct virtq_desc){(uintptr_t)buf, count * SECTOR,
                                      (uint16_t)(VIRTQ_DESC_F_NEXT | (type == BLK_T_IN ? VIRTQ_DESC_F_WRITE : 0)), 2};
  queue.desc[2] = (struct virtq_desc){(uintptr_t)&status, 1, VIRTQ_DESC_F_WRITE, 0};
  virtq_submit(&queue, 0);
  struct virtq_used_elem done;
  while (!virtq_poll(&queue, &done)) {
  }
  uint8_t result = status;
  spin_unlock(&lock);
  if (result != 0) sdk_panic("blk: %s of sector %u failed with status %u", type == BLK_T_IN ? "read" : "write", sector, result);
}

void blk_read(uint32_t sector, void *buf, uint32_t count) { blk_request(BLK_T_IN, sector, buf, count); }

void blk_write(uint32_t sector, const void *buf, uint32_t count) {
  blk_request(BLK_T_OUT, sector, (void *)buf, count);
}
