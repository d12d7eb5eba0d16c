/*
 * Just enough of a flattened device tree reader for boot_info: a linear walk
 * of the structure block tracking the path, never a tree in memory.
 */
#include "fdt.h"

#define FDT_MAGIC 0xd00dfeedu
#define FDT_BEGIN_NODE 1
#define FDT_END_NODE 2
#define FDT_PROP 3
#define FDT_NOP 4
#define FDT_END 9

static uint32_t be32(const void *p) {
  const uint8_t *b = p;
  return ((uint32_t)b[0] << 24) | ((uint32_t)b[1] << 16) | ((uint32_t)b[2] << 8) | b[3];
}

static int starts_with(const char *s, const char *prefix) {
  while (*prefix)
    if (*s++ != *prefix++) return 0;
  return 1;
}

static int streq(const char *a, const char *b) {
  while (*a && *a == *b) a++, b++;
  return *a == *b;
}

/* Reads a reg cell group; 32-bit guests only care about the low word. */
static uint32_t cells_low(const uint8_t *p, uint32_t cells) {
  return cells ? be32(p + 4 * (cells - 1)) : 0;
}

void fdt_read(const void *fdt, struct boot_info *out) {
  const uint8_t *base = fdt;
  if (be32(base) != FDT_MAGIC) sdk_panic("fdt: bad magic at %x", (unsigned)(uintptr_t)fdt);
  const uint8_t *p = base + be32(base + 8);
  const char *strings = (const char *)base + be32(base + 12);

  /* Root defaults from the devicetree specification. */
  uint32_t addr_cells = 2, size_cells = 1;
  unsigned depth = 0;
  /* Which depth-1 node we are inside, and whether depth 2 is a cpu@N node. */
  enum { OTHER, CPUS, CHOSEN, MEMORY } top = OTHER;
  out->nharts = 0;
  out->mem_size = 0;
  out->bootargs = "";

  for (;;) {
    uint32_t token = be32(p);
    p += 4;
    if (token == FDT_BEGIN_NODE) {
      const char *name = (const char *)p;
      size_t len = strlen(name);
      p += (len + 4) & ~3u;
      depth++;
      if (depth == 2) {
        if (streq(name, "cpus")) top = CPUS;
        else if (streq(name, "chosen")) top = CHOSEN;
        else if (starts_with(name, "memory@") || streq(name, "memory")) top = MEMORY;
        else top = OTHER;
      } else if (depth == 3 && top == CPUS && starts_with(name, "cpu@")) {
        out->nharts++;
      }
    } else if (token == FDT_END_NODE) {
      depth--;
      if (depth == 1) top = OTHER;
    } else if (token == FDT_PROP) {
      uint32_t len = be32(p);
      const char *pname = strings + be32(p + 4);
      const uint8_t *value = p + 8;
      p += 8 + ((len + 3) & ~3u);
      if (depth == 1 && streq(pname, "#address-cells")) addr_cells = be32(value);
      else if (depth == 1 && streq(pname, "#size-cells")) size_cells = be32(value);
      else if (depth == 2 && top == CHOSEN && streq(pname, "bootargs")) out->bootargs = (const char *)value;
      else if (depth == 2 && top == MEMORY && streq(pname, "reg") && out->mem_size == 0)
        out->mem_size = cells_low(value + 4 * addr_cells, size_cells);
    } else if (token == FDT_NOP) {
      continue;
    } else if (token == FDT_END) {
      break;
    } else {
      sdk_panic("fdt: bad token %x", token);
    }
  }
  if (out->nharts == 0) out->nharts = 1;
  if (out->nharts > MAX_HARTS) out->nharts = MAX_HARTS;
}
