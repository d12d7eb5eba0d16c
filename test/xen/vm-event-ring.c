/*
 * The ring half of native/libxl-hooks/vm-event.c, driven without a
 * hypervisor: this program plays Xen's side of a vm_event ring in ordinary
 * memory, lets the helper consume it, and prints what came back for
 * test/xen/vm-event-ring.test.ts to check.
 */
#include <stdio.h>
#include <stdlib.h>

#include "vm-event.c"

static vm_event_front_ring_t front;

static void request(uint32_t version, uint32_t reason, uint32_t vcpu, uint64_t gfn, uint32_t access)
{
    vm_event_request_t req;

    memset(&req, 0, sizeof(req));
    req.version = version;
    req.reason = reason;
    req.vcpu_id = vcpu;
    req.flags = VM_EVENT_FLAG_VCPU_PAUSED;
    req.u.mem_access.gfn = gfn;
    req.u.mem_access.flags = access;
    *RING_GET_REQUEST(&front, front.req_prod_pvt) = req;
    front.req_prod_pvt++;
    RING_PUSH_REQUESTS(&front);
}

static void print_table(const char *name, const struct lxh_fault_table *t)
{
    uint32_t i;

    printf("%s used=%u write_faults=%llu other_faults=%llu other_events=%llu dropped=%llu\n",
           name, t->used, (unsigned long long)t->write_faults,
           (unsigned long long)t->other_faults, (unsigned long long)t->other_events,
           (unsigned long long)t->dropped);
    for (i = 0; i < t->capacity; i++)
        if (t->entries[i].writes)
            printf("%s entry vcpu=%u gfn=%llu writes=%u\n", name, t->entries[i].vcpu,
                   (unsigned long long)t->entries[i].gfn, t->entries[i].writes);
}

int main(void)
{
    static struct lxh_write_fault entries[64], small_entries[2];
    struct lxh_fault_table table = { entries, 64, 0, 0, 0, 0, 0 };
    struct lxh_fault_table small = { small_entries, 2, 0, 0, 0, 0, 0 };
    vm_event_back_ring_t back;
    vm_event_sring_t *sring = aligned_alloc(XC_PAGE_SIZE, XC_PAGE_SIZE);
    RING_IDX i;
    long n;

    SHARED_RING_INIT(sring);
    FRONT_RING_INIT(&front, sring, XC_PAGE_SIZE);
    BACK_RING_INIT(&back, sring, XC_PAGE_SIZE);

    request(VM_EVENT_INTERFACE_VERSION, VM_EVENT_REASON_MEM_ACCESS, 0, 5, MEM_ACCESS_R | MEM_ACCESS_W);
    request(VM_EVENT_INTERFACE_VERSION, VM_EVENT_REASON_MEM_ACCESS, 1, 5, MEM_ACCESS_W);
    request(VM_EVENT_INTERFACE_VERSION, VM_EVENT_REASON_MEM_ACCESS, 0, 5, MEM_ACCESS_W);
    request(VM_EVENT_INTERFACE_VERSION, VM_EVENT_REASON_MEM_ACCESS, 1, 9, MEM_ACCESS_R);
    request(VM_EVENT_INTERFACE_VERSION, VM_EVENT_REASON_SOFTWARE_BREAKPOINT, 1, 0, 0);
    n = consume_requests(&back, &table);
    printf("handled %ld\n", n);
    print_table("table", &table);

    printf("responses %d\n", RING_HAS_UNCONSUMED_RESPONSES(&front));
    for (i = front.rsp_cons; i != sring->rsp_prod; i++) {
        vm_event_response_t *rsp = RING_GET_RESPONSE(&front, i);
        printf("response vcpu=%u reason=%u paused=%d emulate=%d gfn=%llu\n", rsp->vcpu_id, rsp->reason,
               !!(rsp->flags & VM_EVENT_FLAG_VCPU_PAUSED), !!(rsp->flags & VM_EVENT_FLAG_EMULATE),
               (unsigned long long)rsp->u.mem_access.gfn);
    }
    front.rsp_cons = sring->rsp_prod;

    request(VM_EVENT_INTERFACE_VERSION, VM_EVENT_REASON_MEM_ACCESS, 0, 1, MEM_ACCESS_W);
    request(VM_EVENT_INTERFACE_VERSION, VM_EVENT_REASON_MEM_ACCESS, 0, 2, MEM_ACCESS_W);
    request(VM_EVENT_INTERFACE_VERSION, VM_EVENT_REASON_MEM_ACCESS, 0, 3, MEM_ACCESS_W);
    n = consume_requests(&back, &small);
    printf("handled %ld\n", n);
    print_table("small", &small);
    front.rsp_cons = sring->rsp_prod;

    request(VM_EVENT_INTERFACE_VERSION - 1, VM_EVENT_REASON_MEM_ACCESS, 0, 1, MEM_ACCESS_W);
    errno = 0;
    n = consume_requests(&back, &table);
    printf("old version %ld %s\n", n, errno == EPROTO ? "EPROTO" : "other");

    free(sring);
    return 0;
}
