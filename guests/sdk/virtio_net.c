/*
 * virtio-net without offloads. Every receive buffer is posted once at start
 * and reposted as soon as its frame is copied out; transmit keeps one frame in
 * flight. One lock serialises both queues so any hart may send or receive.
 */
#include "virtio.h"

#define RX_QUEUE 0
#define TX_QUEUE 1
/* With VIRTIO_F_VERSION_1 the header always carries num_buffers: 12 bytes. */
#define NET_HDR 12
#define BUF_SIZE (NET_HDR + NET_MTU_FRAME)
#define VIRTIO_NET_F_MAC (1u << 5)

static struct virtq rxq __attribute__((aligned(16)));
static struct virtq txq __attribute__((aligned(16)));
static uint8_t rx_buf[VIRTQ_SIZE][BUF_SIZE] __attribute__((aligned(4)));
static uint8_t tx_buf[BUF_SIZE] __attribute__((aligned(4)));
static spinlock_t lock;
/* QEMU's default, used when the device does not say. */
static uint8_t mac[6] = {0x52, 0x54, 0x00, 0x12, 0x34, 0x56};

static void post_rx(uint16_t i) {
  rxq.desc[i] = (struct virtq_desc){(uintptr_t)rx_buf[i], BUF_SIZE, VIRTQ_DESC_F_WRITE, 0};
  virtq_submit(&rxq, i);
}

int net_init(void) {
  uintptr_t mmio = virtio_find(VIRTIO_ID_NET);
  if (!mmio) return 0;
  if (virtio_begin(mmio, VIRTIO_NET_F_MAC) & VIRTIO_NET_F_MAC)
    for (unsigned i = 0; i < sizeof mac; i++) mac[i] = virtio_config8(mmio, i);
  virtq_init(&rxq, mmio, RX_QUEUE);
  virtq_init(&txq, mmio, TX_QUEUE);
  virtio_driver_ok(mmio);
  for (uint16_t i = 0; i < VIRTQ_SIZE; i++) post_rx(i);
  return 1;
}

const uint8_t *net_mac(void) { return mac; }

void net_send(const void *frame, uint32_t len) {
  if (len > NET_MTU_FRAME) sdk_panic("net: frame of %u bytes is too long", len);
  spin_lock(&lock);
  memset(tx_buf, 0, NET_HDR);
  memcpy(tx_buf + NET_HDR, frame, len);
  txq.desc[0] = (struct virtq_desc){(uintptr_t)tx_buf, NET_HDR + len, 0, 0};
  virtq_submit(&txq, 0);
  struct virtq_used_elem done;
  while (!virtq_poll(&txq, &done)) {
  }
  spin_unlock(&lock);
}

uint32_t net_recv(void *buf, uint32_t size) {
  struct virtq_used_elem got;
  spin_lock(&lock);
  if (!virtq_poll(&rxq, &got)) {
    spin_unlock(&lock);
    return 0;
  }
  uint32_t len = got.len > NET_HDR ? got.len - NET_HDR : 0;
  if (len > size) len = size;
  memcpy(buf, rx_buf[got.id] + NET_HDR, len);
  post_rx((uint16_t)got.id);
  spin_unlock(&lock);
  return len;
}
