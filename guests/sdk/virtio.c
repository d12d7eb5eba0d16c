/* virtio-mmio transport and split virtqueues (virtio 1.1, sections 2.6 and 4.2). */
#include "virtio.h"

#define MMIO_MAGIC 0x000
#define MMIO_VERSION 0x004
#define MMIO_DEVICE_ID 0x008
#define MMIO_DEVICE_FEATURES 0x010
#define MMIO_DEVICE_FEATURES_SEL 0x014
#define MMIO_DRIVER_FEATURES 0x020
#define MMIO_DRIVER_FEATURES_SEL 0x024
#define MMIO_QUEUE_SEL 0x030
#define MMIO_QUEUE_NUM_MAX 0x034
#define MMIO_QUEUE_NUM 0x038
#define MMIO_QUEUE_READY 0x044
#define MMIO_QUEUE_NOTIFY 0x050
#define MMIO_STATUS 0x070
#define MMIO_QUEUE_DESC_LOW 0x080
#define MMIO_QUEUE_DESC_HIGH 0x084
#define MMIO_QUEUE_DRIVER_LOW 0x090
#define MMIO_QUEUE_DRIVER_HIGH 0x094
#define MMIO_QUEUE_DEVICE_LOW 0x0a0
#define MMIO_QUEUE_DEVICE_HIGH 0x0a4
#define MMIO_CONFIG 0x100

#define MAGIC 0x74726976u
#define STATUS_ACKNOWLEDGE 1
#define STATUS_DRIVER 2
#define STATUS_DRIVER_OK 4
#define STATUS_FEATURES_OK 8
#define F_VERSION_1_HIGH 1u /* bit 32 */
#define VIRTQ_AVAIL_F_NO_INTERRUPT 1

static volatile uint32_t *reg(uintptr_t mmio, unsigned off) { return (volatile uint32_t *)(mmio + off); }

uintptr_t virtio_find(uint32_t device_id) {
  for (unsigned i = 0; i < VIRTIO_MMIO_SLOTS; i++) {
    uintptr_t mmio = VIRTIO_MMIO_BASE + i * VIRTIO_MMIO_STRIDE;
    if (*reg(mmio, MMIO_MAGIC) == MAGIC && *reg(mmio, MMIO_DEVICE_ID) == device_id) return mmio;
  }
  return 0;
}

uint32_t virtio_begin(uintptr_t mmio, uint32_t wanted) {
  if (*reg(mmio, MMIO_VERSION) != 2)
    sdk_panic("virtio: device at %x is legacy; run QEMU with -global virtio-mmio.force-legacy=false",
              (unsigned)mmio);
  *reg(mmio, MMIO_STATUS) = 0;
  *reg(mmio, MMIO_STATUS) = STATUS_ACKNOWLEDGE;
  *reg(mmio, MMIO_STATUS) = STATUS_ACKNOWLEDGE | STATUS_DRIVER;
  *reg(mmio, MMIO_DEVICE_FEATURES_SEL) = 1;
  if (!(*reg(mmio, MMIO_DEVICE_FEATURES) & F_VERSION_1_HIGH)) sdk_panic("virtio: no VERSION_1 at %x", (unsigned)mmio);
  *reg(mmio, MMIO_DEVICE_FEATURES_SEL) = 0;
  uint32_t features = *reg(mmio, MMIO_DEVICE_FEATURES) & wanted;
  *reg(mmio, MMIO_DRIVER_FEATURES_SEL) = 0;
  *reg(mmio, MMIO_DRIVER_FEATURES) = features;
  *reg(mmio, MMIO_DRIVER_FEATURES_SEL) = 1;
  *reg(mmio, MMIO_DRIVER_FEATURES) = F_VERSION_1_HIGH;
  *reg(mmio, MMIO_STATUS) = STATUS_ACKNOWLEDGE | STATUS_DRIVER | STATUS_FEATURES_OK;
  if (!(*reg(mmio, MMIO_STATUS) & STATUS_FEATURES_OK)) sdk_panic("virtio: features refused at %x", (unsigned)mmio);
  return features;
}

void virtq_init(struct virtq *q, uintptr_t mmio, unsigned index) {
  memset(q, 0, sizeof *q);
  q->mmio = mmio;
  q->index = index;
  q->avail.flags = VIRTQ_AVAIL_F_NO_INTERRUPT;
  *reg(mmio, MMIO_QUEUE_SEL) = index;
  if (*reg(mmio, MMIO_QUEUE_READY)) sdk_panic("virtio: queue %u already live at %x", index, (unsigned)mmio);
  if (*reg(mmio, MMIO_QUEUE_NUM_MAX) < VIRTQ_SIZE) sdk_panic("virtio: queue %u too small at %x", index, (unsigned)mmio);
  *reg(mmio, MMIO_QUEUE_NUM) = VIRTQ_SIZE;
  *reg(mmio, MMIO_QUEUE_DESC_LOW) = (uint32_t)(uintptr_t)q->desc;
  *reg(mmio, MMIO_QUEUE_DESC_HIGH) = 0;
  *reg(mmio, MMIO_QUEUE_DRIVER_LOW) = (uint32_t)(uintptr_t)&q->avail;
  *reg(mmio, MMIO_QUEUE_DRIVER_HIGH) = 0;
  *reg(mmio, MMIO_QUEUE_DEVICE_LOW) = (uint32_t)(uintptr_t)&q->used;
  *reg(mmio, MMIO_QUEUE_DEVICE_HIGH) = 0;
  *reg(mmio, MMIO_QUEUE_READY) = 1;
}

void virtio_driver_ok(uintptr_t mmio) {
  *reg(mmio, MMIO_STATUS) = STATUS_ACKNOWLEDGE | STATUS_DRIVER | STATUS_FEATURES_OK | STATUS_DRIVER_OK;
}

uint32_t virtio_config32(uintptr_t mmio, unsigned offset) { return *reg(mmio, MMIO_CONFIG + offset); }

uint8_t virtio_config8(uintptr_t mmio, unsigned offset) { return *(volatile uint8_t *)(mmio + MMIO_CONFIG + offset); }

void virtq_submit(struct virtq *q, uint16_t head) {
  volatile struct virtq_avail *avail = &q->avail;
  avail->ring[avail->idx % VIRTQ_SIZE] = head;
  /* The device must see the ring entry and descriptors before the new index. */
  __asm__ volatile("fence w, w" ::: "memory");
  avail->idx = avail->idx + 1;
  __asm__ volatile("fence w, o" ::: "memory");
  *reg(q->mmio, MMIO_QUEUE_NOTIFY) = q->index;
}

int virtq_poll(struct virtq *q, struct virtq_used_elem *out) {
  volatile struct virtq_used *used = &q->used;
  if (used->idx == q->last_used) return 0;
  /* Read the element only after seeing the index that published it. */
  __asm__ volatile("fence r, r" ::: "memory");
  out->id = used->ring[q->last_used % VIRTQ_SIZE].id;
  out->len = used->ring[q->last_used % VIRTQ_SIZE].len;
  q->last_used++;
  return 1;
}
