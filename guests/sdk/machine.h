/* Memory map of QEMU's riscv virt board, which the simulator reproduces. */
#ifndef SDK_MACHINE_H
#define SDK_MACHINE_H

#define RAM_BASE 0x80000000u
/* QEMU puts the device tree in the last 2 MiB of RAM; the heap stops short of it. */
#define FDT_RESERVE (2u << 20)

#define CLINT_BASE 0x02000000u
#define CLINT_MTIME (CLINT_BASE + 0xbff8u)
#define MTIME_HZ 10000000u

#define UART_BASE 0x10000000u
#define TEST_DEVICE 0x00100000u

#define VIRTIO_MMIO_BASE 0x10001000u
#define VIRTIO_MMIO_STRIDE 0x1000u
#define VIRTIO_MMIO_SLOTS 8

#define MAX_HARTS 8
#define STACK_SIZE 16384

#endif
