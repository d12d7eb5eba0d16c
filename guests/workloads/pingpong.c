/*
 * pingpong: the harts pass a token round a ring through one shared flag,
 * spinning until it is their turn; each holder folds its id into the token.
 * The order of turns is forced, so the result is deterministic.
 *
 * bootargs: k=<round trips> (default 1000)
 */
#include "sdk.h"

static volatile uint32_t turn;
static volatile uint32_t token = 1;

int main(unsigned hartid) {
  uint32_t k = arg_uint("k", 1000);
  unsigned n = boot.nharts;
  for (uint32_t round = 0; round < k; round++) {
    while (atomic_load(&turn) != hartid) {
    }
    token = token * 31 + hartid + round;
    atomic_store(&turn, (hartid + 1) % n);
  }
  if (hartid == 0) {
    /* Hart 0 starts each round, so the token has gone all the way round once it is back. */
    while (atomic_load(&turn) != 0) {
    }
    printf("pingpong: harts=%u rounds=%u token=%08x\n", n, k, token);
    printf("pingpong: ok\n");
    sdk_poweroff();
  }
  return 0;
}
