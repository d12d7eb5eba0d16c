/*
 * Log-dirty bitmaps and the copying of the pages they name.
 */
#include <errno.h>
#include <string.h>
#include <sys/mman.h>

#include "libxl-hooks.h"

/* Pages mapped per xenforeignmemory_map call at most. */
#define LXH_MAX_BATCH 1024

static int bit_set(const uint8_t *bitmap, unsigned long pfn)
{
    return (bitmap[pfn / 8] >> (pfn % 8)) & 1;
}

long lxh_logdirty_bitmap(xc_interface *xch, uint32_t domid, int clean,
                         uint8_t *bitmap, unsigned long nr_pfns)
{
    DECLARE_HYPERCALL_BUFFER(uint8_t, hbuf);
    long rc = -1;
    long long got;
    unsigned long bytes = (nr_pfns + 7) / 8, i;
    int saved;

    if (!xch || !bitmap || !nr_pfns) {
        errno = EINVAL;
        return -1;
    }

    hbuf = xc_hypercall_buffer_alloc_pages(xch, hbuf,
                                           (bytes + XC_PAGE_SIZE - 1) / XC_PAGE_SIZE);
    if (!hbuf)
        goto out;

    got = xc_logdirty_control(xch, domid,
                              clean ? XEN_DOMCTL_SHADOW_OP_CLEAN
                                    : XEN_DOMCTL_SHADOW_OP_PEEK,
                              HYPERCALL_BUFFER(hbuf), nr_pfns, 0, NULL);
    if (got < 0)
        goto out;

    memcpy(bitmap, hbuf, bytes);
    /* Bits past nr_pfns in the last byte are not pages: keep them clear. */
    if (nr_pfns % 8)
        bitmap[bytes - 1] &= (uint8_t)((1u << (nr_pfns % 8)) - 1);

    rc = 0;
    for (i = 0; i < bytes; i++)
        rc += __builtin_popcount(bitmap[i]);

 out:
    saved = errno;
    if (hbuf)
        xc_hypercall_buffer_free_pages(xch, hbuf,
                                       (bytes + XC_PAGE_SIZE - 1) / XC_PAGE_SIZE);
    errno = saved;
    return rc;
}

long lxh_copy_pages(xenforeignmemory_handle *fmem, uint32_t domid,
                    const uint8_t *bitmap, unsigned long nr_pfns,
                    unsigned long *cursor, uint32_t *pfns, uint8_t *pages,
                    unsigned int batch)
{
    xen_pfn_t arr[LXH_MAX_BATCH];
    int err[LXH_MAX_BATCH];
    uint8_t *mapped = NULL;
    long rc = -1;
    unsigned long pfn;
    unsigned int n = 0, i, copied = 0;
    int saved;

    if (!fmem || !bitmap || !cursor || !pfns || !pages || !batch) {
        errno = EINVAL;
        return -1;
    }
    if (batch > LXH_MAX_BATCH)
        batch = LXH_MAX_BATCH;

    for (pfn = *cursor; pfn < nr_pfns && n < batch; pfn++)
        if (bit_set(bitmap, pfn))
            arr[n++] = pfn;

    if (!n) {
        *cursor = pfn;
        rc = 0;
        goto out;
    }

    mapped = xenforeignmemory_map(fmem, domid, PROT_READ, n, arr, err);
    if (!mapped)
        goto out;

    for (i = 0; i < n; i++) {
        if (err[i])
            continue;
        pfns[copied] = (uint32_t)arr[i];
        memcpy(pages + (size_t)copied * LXH_PAGE_SIZE,
               mapped + (size_t)i * XC_PAGE_SIZE, LXH_PAGE_SIZE);
        copied++;
    }

    *cursor = pfn;
    rc = copied;

 out:
    saved = errno;
    if (mapped)
        xenforeignmemory_unmap(fmem, mapped, n);
    errno = saved;
    return rc;
}
