/*
 * race: every hart increments one shared counter with a plain load, add and
 * store, m times. Truly parallel harts lose updates, so the final value varies
 * from run to run and is at most the expected value; that lost-update race is
 * what a replay has to reproduce.
 *
 * bootargs: m=<increments per hart> (default 200000)
 */
#include "sdk.h"

static volatile uint32_t counter;
static struct barrier start, done;

int main(unsigned hartid) {
  uint32_t m = arg_uint("m", 200000);
  if (hartid == 0) printf("race: harts=%u m=%u expected=%u\n", boot.nharts, m, boot.nharts * m);
  barrier_wait(&start);
  for (uint32_t i = 0; i < m; i++) counter = counter + 1;
  barrier_wait(&done);
  if (hartid == 0) {
    printf("race: counter=%u lost=%u\n", counter, boot.nharts * m - counter);
    sdk_poweroff();
  }
  return 0;
}
