/*
 * libxl-hooks: the hot loops of reseer-xl's Xen backend, in C.
 *
 * Called through koffi from src/lib/backend/xen/hooks.ts. Every function
 * returns a count (>= 0) or -1 with errno set, and leaves nothing acquired
 * behind on failure.
 */
#ifndef LIBXL_HOOKS_H
#define LIBXL_HOOKS_H

#include <stdint.h>
#include <xenctrl.h>
#include <xenforeignmemory.h>

/* The page size of the checkpoint store: guest pages are copied whole. */
#define LXH_PAGE_SIZE 4096

/*
 * Read the log-dirty bitmap of domid into bitmap (nr_pfns bits, LSB first),
 * clearing Xen's copy when clean is non-zero (the start of a new interval).
 * Returns the number of dirty pages.
 */
long lxh_logdirty_bitmap(xc_interface *xch, uint32_t domid, int clean,
                         uint8_t *bitmap, unsigned long nr_pfns);

/*
 * Copy up to batch of the pages whose bits are set in bitmap, starting at
 * pfn *cursor: map them read-only in one call, copy each into pages
 * (LXH_PAGE_SIZE bytes apart) with its pfn in pfns, unmap. Pages Xen cannot
 * map (holes in the guest's physical map) are skipped. *cursor moves past
 * the last pfn looked at; 0 returned with *cursor == nr_pfns means done.
 */
long lxh_copy_pages(xenforeignmemory_handle *fmem, uint32_t domid,
                    const uint8_t *bitmap, unsigned long nr_pfns,
                    unsigned long *cursor, uint32_t *pfns, uint8_t *pages,
                    unsigned int batch);

/* One (vCPU, page) pair that took write faults in the current interval. */
struct lxh_write_fault {
    uint64_t gfn;
    uint32_t vcpu;
    uint32_t writes;
};

/*
 * Caller-owned counts of what the vm_event ring delivered. entries is an
 * open-addressed hash table of capacity slots (a power of two; a slot with
 * writes == 0 is free).
 */
struct lxh_fault_table {
    struct lxh_write_fault *entries;
    uint32_t capacity;
    uint32_t used;
    uint64_t write_faults;   /* mem_access write faults seen */
    uint64_t other_faults;   /* mem_access faults without a write (read, exec) */
    uint64_t other_events;   /* requests of any other reason */
    uint64_t dropped;        /* write faults not counted: the table was full */
};

struct lxh_monitor;

/* Enable the vm_event monitor ring of domid and bind its event channel. */
int lxh_monitor_open(xc_interface *xch, uint32_t domid, struct lxh_monitor **out);

/* The event channel's file descriptor: readable when the ring has requests. */
int lxh_monitor_fd(const struct lxh_monitor *mon);

/*
 * Consume every request on the ring, count write faults per vCPU and page
 * into table, and answer each so the vCPU resumes (writes are emulated, so
 * the page stays protected and every later write is counted too).
 * Returns the number of requests handled.
 */
long lxh_monitor_drain(struct lxh_monitor *mon, struct lxh_fault_table *table);

/* Disable the ring and release everything; mon may be NULL. */
void lxh_monitor_close(struct lxh_monitor *mon);

#endif /* LIBXL_HOOKS_H */
