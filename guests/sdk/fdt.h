#ifndef SDK_FDT_H
#define SDK_FDT_H

#include "sdk.h"

/* Fills boot from the flattened device tree QEMU passes in a1. */
void fdt_read(const void *fdt, struct boot_info *out);

#endif
