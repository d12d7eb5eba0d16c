/*
 * The vm_event monitor ring: mem_access write faults counted per vCPU and
 * page, each answered so the faulting vCPU resumes at once.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include <xenevtchn.h>
#include <xen/vm_event.h>

#include "libxl-hooks.h"

struct lxh_monitor {
    xc_interface *xch;
    uint32_t domid;
    void *ring_page;
    xenevtchn_handle *xce;
    evtchn_port_t port;      /* our end of the ring's event channel */
    int bound;
    vm_event_back_ring_t back_ring;
};

int lxh_monitor_open(xc_interface *xch, uint32_t domid, struct lxh_monitor **out)
{
    struct lxh_monitor *mon = NULL;
    uint32_t remote_port;
    xenevtchn_port_or_error_t local;
    int rc = -1, fd, flags, saved;

    if (!xch || !out) {
        errno = EINVAL;
        return -1;
    }
    *out = NULL;

    mon = calloc(1, sizeof(*mon));
    if (!mon)
        goto out;
    mon->xch = xch;
    mon->domid = domid;

    mon->ring_page = xc_monitor_enable(xch, domid, &remote_port);
    if (!mon->ring_page)
        goto out;

    mon->xce = xenevtchn_open(NULL, 0);
    if (!mon->xce)
        goto out;

    local = xenevtchn_bind_interdomain(mon->xce, domid, remote_port);
    if (local < 0)
        goto out;
    mon->port = local;
    mon->bound = 1;

    /* Draining must never block the caller's event loop. */
    fd = xenevtchn_fd(mon->xce);
    flags = fcntl(fd, F_GETFL);
    if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0)
        goto out;

    SHARED_RING_INIT((vm_event_sring_t *)mon->ring_page);
    BACK_RING_INIT(&mon->back_ring, (vm_event_sring_t *)mon->ring_page,
                   XC_PAGE_SIZE);

    *out = mon;
    mon = NULL;
    rc = 0;

 out:
    saved = errno;
    lxh_monitor_close(mon);
    errno = saved;
    return rc;
}

int lxh_monitor_fd(const struct lxh_monitor *mon)
{
    if (!mon) {
        errno = EINVAL;
        return -1;
    }
    return xenevtchn_fd(mon->xce);
}

static uint32_t slot_of(uint64_t gfn, uint32_t vcpu, uint32_t capacity)
{
    uint64_t h = (gfn * 0x9e3779b97f4a7c15ull) ^ ((uint64_t)vcpu << 32 | vcpu);

    return (uint32_t)(h >> 17) & (capacity - 1);
}

static void count_write(struct lxh_fault_table *table, uint64_t gfn, uint32_t vcpu)
{
    uint32_t i, slot = slot_of(gfn, vcpu, table->capacity);

    table->write_faults++;
    for (i = 0; i < table->capacity; i++) {
        struct lxh_write_fault *e = &table->entries[(slot + i) & (table->capacity - 1)];

        if (e->writes && (e->gfn != gfn || e->vcpu != vcpu))
            continue;
        if (!e->writes) {
            e->gfn = gfn;
            e->vcpu = vcpu;
            table->used++;
        }
        e->writes++;
        return;
    }
    table->dropped++;
}

/*
 * Answer every request on the ring and count it into table. Returns the
 * number handled, or -1 (EPROTO) at a request of another interface version.
 */
static long consume_requests(vm_event_back_ring_t *ring, struct lxh_fault_table *table)
{
    vm_event_request_t req;
    vm_event_response_t rsp;
    RING_IDX cons, prod;
    long handled = 0;

    prod = ring->sring->req_prod;
    xen_rmb();
    for (cons = ring->req_cons; cons != prod; cons++) {
        RING_COPY_REQUEST(ring, cons, &req);
        ring->req_cons = cons + 1;

        if (req.version != VM_EVENT_INTERFACE_VERSION) {
            errno = EPROTO;
            return -1;
        }

        memset(&rsp, 0, sizeof(rsp));
        rsp.version = VM_EVENT_INTERFACE_VERSION;
        rsp.vcpu_id = req.vcpu_id;
        rsp.reason = req.reason;
        rsp.flags = req.flags & VM_EVENT_FLAG_VCPU_PAUSED;

        if (req.reason == VM_EVENT_REASON_MEM_ACCESS) {
            rsp.u.mem_access = req.u.mem_access;
            if (req.u.mem_access.flags & MEM_ACCESS_W)
                count_write(table, req.u.mem_access.gfn, req.vcpu_id);
            else
                table->other_faults++;
            /* Let Xen carry the access out; the page stays protected. */
            rsp.flags |= VM_EVENT_FLAG_EMULATE;
        } else {
            table->other_events++;
        }

        *RING_GET_RESPONSE(ring, ring->rsp_prod_pvt) = rsp;
        ring->rsp_prod_pvt++;
        handled++;
    }

    if (handled)
        RING_PUSH_RESPONSES(ring);
    return handled;
}

static int valid_table(const struct lxh_fault_table *table)
{
    return table && table->entries && table->capacity &&
           !(table->capacity & (table->capacity - 1));
}

long lxh_monitor_drain(struct lxh_monitor *mon, struct lxh_fault_table *table)
{
    long rc = -1, handled;
    xenevtchn_port_or_error_t pending;

    if (!mon || !valid_table(table)) {
        errno = EINVAL;
        return -1;
    }

    pending = xenevtchn_pending(mon->xce);
    if (pending < 0 && errno != EAGAIN)
        goto out;
    if (pending >= 0 && xenevtchn_unmask(mon->xce, pending) < 0)
        goto out;

    handled = consume_requests(&mon->back_ring, table);
    if (handled < 0)
        goto out;
    if (handled && xenevtchn_notify(mon->xce, mon->port) < 0)
        goto out;
    rc = handled;

 out:
    return rc;
}

void lxh_monitor_close(struct lxh_monitor *mon)
{
    int saved = errno;

    if (!mon)
        return;
    if (mon->ring_page) {
        xc_monitor_disable(mon->xch, mon->domid);
        munmap(mon->ring_page, XC_PAGE_SIZE);
    }
    if (mon->bound)
        xenevtchn_unbind(mon->xce, mon->port);
    if (mon->xce)
        xenevtchn_close(mon->xce);
    free(mon);
    errno = saved;
}
