/*
 * selftest: checks the SDK and the board rather than measuring anything. It
 * prints what the device tree said, exercises printf, lets every hart check
 * in through a barrier, and on request leaves through a trap or a failure
 * code so tests can see that path as well.
 *
 * bootargs: trap=1 executes ecall (an unexpected trap for the SDK);
 * exit=<code> fails through the test device with that code.
 */
#include "sdk.h"

static struct barrier all;
static volatile uint32_t arrived;

int main(unsigned hartid) {
  if (hartid == 0) {
    printf("selftest: harts=%u memory=%uMiB bootargs=\"%s\"\n", boot.nharts, boot.mem_size >> 20, boot.bootargs);
    printf("selftest: printf %d %u %x %08x [%5s] %c %%\n", -42, 42u, 0x2au, 0x2au, "abc", 'z');
  }
  atomic_add(&arrived, 1);
  barrier_wait(&all);
  if (hartid != 0) return 0;

  printf("selftest: arrived=%u\n", atomic_load(&arrived));
  uint64_t before = sdk_mtime(), after = sdk_mtime();
  if (after < before) sdk_panic("selftest: mtime went backwards");
  if (arg_uint("trap", 0)) __asm__ volatile("ecall");
  uint32_t code = arg_uint("exit", 0);
  if (code) sdk_fail(code);
  printf("selftest: ok\n");
  sdk_poweroff();
}
