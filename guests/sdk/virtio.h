/*
 * virtio-mmio version 2 (modern) transport and split virtqueues, driven by
 * polling: workloads never enable interrupts.
 */
#ifndef SDK_VIRTIO_H
#define SDK_VIRTIO_H

#include "sdk.h"

#define VIRTIO_ID_NET 1
#define VIRTIO_ID_BLK 2

#define VIRTQ_SIZE 16
#define VIRTQ_DESC_F_NEXT 1
#define VIRTQ_DESC_F_WRITE 2

struct virtq_desc {
  uint64_t addr;
  uint32_t len;
  uint16_t flags;
  uint16_t next;
};

struct virtq_avail {
  uint16_t flags;
  uint16_t idx;
  uint16_t ring[VIRTQ_SIZE];
  uint16_t used_event;
};

struct virtq_used_elem {
  uint32_t id;
  uint32_t len;
};

struct virtq_used {
  uint16_t flags;
  uint16_t idx;
  struct virtq_used_elem ring[VIRTQ_SIZE];
  uint16_t avail_event;
};

struct virtq {
  struct virtq_desc desc[VIRTQ_SIZE] __attribute__((aligned(16)));
  struct virtq_avail avail __attribute__((aligned(2)));
  struct virtq_used used __attribute__((aligned(4)));
  uintptr_t mmio;
  unsigned index;
  uint16_t last_used;
};

/* The first slot holding device_id, scanning all slots: QEMU fills them from the top. */
uintptr_t virtio_find(uint32_t device_id);
/*
 * Resets the device and negotiates VIRTIO_F_VERSION_1 plus whichever of the
 * wanted low feature bits it offers; returns those.
 */
uint32_t virtio_begin(uintptr_t mmio, uint32_t wanted);
void virtq_init(struct virtq *q, uintptr_t mmio, unsigned index);
void virtio_driver_ok(uintptr_t mmio);
uint32_t virtio_config32(uintptr_t mmio, unsigned offset);
uint8_t virtio_config8(uintptr_t mmio, unsigned offset);

/* Makes descriptor chain `head` available and tells the device. */
void virtq_submit(struct virtq *q, uint16_t head);
/* The next used element, or 0 when the device has not finished anything new. */
int virtq_poll(struct virtq *q, struct virtq_used_elem *out);

/* virtio-blk: 512-byte sectors, one request in flight, serialised by a lock. */
int blk_init(void);
uint32_t blk_capacity(void);
void blk_read(uint32_t sector, void *buf, uint32_t count);
void blk_write(uint32_t sector, const void *buf, uint32_t count);

/* virtio-net: raw ethernet frames without the virtio header. */
#define NET_MTU_FRAME 1514
int net_init(void);
/* The device's MAC address, or a fixed locally administered one if it has none. */
const uint8_t *net_mac(void);
void net_send(const void *frame, uint32_t len);
/* Copies one received frame into buf and returns its length, or 0 if none waits. */
uint32_t net_recv(void *buf, uint32_t size);

#endif
