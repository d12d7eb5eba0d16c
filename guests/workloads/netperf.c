/*
 * netperf: every hart sends n ethernet frames through the one virtio-net
 * device to an echo peer and takes back echoes, keeping at most w of its own
 * frames outstanding. Any hart may receive any echo; it checks the frame and
 * credits its sender. Frame sizes and contents depend only on (hart, seq), so
 * the counts and the checksum of all echoed payloads are deterministic.
 *
 * bootargs: n=<frames per hart> (default 64), w=<window per hart> (default 4),
 * timeout=<seconds of mtime without progress before failing> (default 10).
 */
#include "virtio.h"

#define ETHERTYPE 0x88b5 /* IEEE local experimental */
#define FRAME_MAGIC 0x4e505246u
#define HEADER 14
#define MAX_SEQ 4096

struct payload_header {
  uint32_t magic, hart, seq, len;
};

static struct barrier start, done;
static volatile uint32_t received[MAX_HARTS];
static volatile uint32_t bytes_echoed;
static volatile uint32_t payload_sum;
/* One bit per (hart, seq), so a duplicate echo is caught whichever hart dequeues it. */
static volatile uint32_t seen[MAX_HARTS][MAX_SEQ / 32];
static uint32_t n, window, timeout_ticks;

static uint32_t payload_len(unsigned hart, uint32_t seq) {
  return sizeof(struct payload_header) + 4 + (hart * 131 + seq * 37) % 1200;
}

static uint32_t build(uint8_t *frame, unsigned hart, uint32_t seq) {
  memset(frame, 0xff, 6);
  memcpy(frame + 6, net_mac(), 6);
  frame[12] = ETHERTYPE >> 8;
  frame[13] = ETHERTYPE & 0xff;
  uint32_t len = payload_len(hart, seq);
  struct payload_header h = {FRAME_MAGIC, hart, seq, len};
  uint8_t *p = frame + HEADER;
  memcpy(p, &h, sizeof h);
  uint32_t s = (hart << 16 | seq) * 0x9e3779b9u + 1;
  for (uint32_t i = sizeof h; i < len - 4; i++) p[i] = (uint8_t)xorshift32(&s);
  uint32_t sum = fnv1a(FNV1A_INIT, p, len - 4);
  memcpy(p + len - 4, &sum, 4);
  return HEADER + len;
}

static void take(const uint8_t *frame, uint32_t len) {
  struct payload_header h;
  if (len < HEADER + sizeof h + 4) sdk_panic("netperf: runt frame of %u bytes", len);
  const uint8_t *p = frame + HEADER;
  memcpy(&h, p, sizeof h);
  if (h.magic != FRAME_MAGIC || h.hart >= boot.nharts || h.seq >= n || h.len != payload_len(h.hart, h.seq) ||
      len != HEADER + h.len)
    sdk_panic("netperf: unexpected frame of %u bytes", len);
  uint32_t sum;
  memcpy(&sum, p + h.len - 4, 4);
  if (sum != fnv1a(FNV1A_INIT, p, h.len - 4)) sdk_panic("netperf: bad checksum hart %u seq %u", h.hart, h.seq);
  uint32_t bit = 1u << (h.seq % 32);
  if (atomic_or(&seen[h.hart][h.seq / 32], bit) & bit) sdk_panic("netperf: duplicate hart %u seq %u", h.hart, h.seq);
  atomic_add(&payload_sum, sum);
  atomic_add(&bytes_echoed, len);
  atomic_add(&received[h.hart], 1);
}

int main(unsigned hartid) {
  if (hartid == 0) {
    n = arg_uint("n", 64);
    window = arg_uint("w", 4);
    timeout_ticks = arg_uint("timeout", 10) * MTIME_HZ;
    if (n > MAX_SEQ) sdk_panic("netperf: n is at most %u", MAX_SEQ);
    if (window == 0) sdk_panic("netperf: w must be positive");
    if (!net_init()) sdk_panic("netperf: no virtio-net device");
    printf("netperf: harts=%u frames=%u window=%u\n", boot.nharts, n, window);
  }
  barrier_wait(&start);
  uint8_t frame[HEADER + 1300];
  uint32_t sent = 0;
  uint64_t last_progress = sdk_mtime();
  while (atomic_load(&received[hartid]) < n) {
    if (sent < n && sent - atomic_load(&received[hartid]) < window) {
      net_send(frame, build(frame, hartid, sent));
      sent++;
    }
    uint32_t len = net_recv(frame, sizeof frame);
    if (len) {
      take(frame, len);
      last_progress = sdk_mtime();
    } else if (sdk_mtime() - last_progress > timeout_ticks) {
      sdk_panic("netperf: hart %u timed out with %u of %u echoes", hartid, received[hartid], n);
    }
  }
  barrier_wait(&done);
  if (hartid == 0) {
    uint32_t total = 0;
    for (unsigned h = 0; h < boot.nharts; h++) total += received[h];
    printf("netperf: sent=%u received=%u bytes=%u checksum=%08x\n", boot.nharts * n, total, bytes_echoed, payload_sum);
    printf("netperf: ok\n");
    sdk_poweroff();
  }
  return 0;
}
