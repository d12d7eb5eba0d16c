// Which vCPU wrote which page in an interval, on HVM guests on Intel EPT:
// every page is made read-execute with mem_access, each write faults to the
// vm_event ring, and native/libxl-hooks counts it per (vCPU, page) and lets
// Xen emulate the write, so the page stays protected for the next writer.
import koffi from 'koffi'
import {ReseerError} from '../../cli/errors.js'
import {LxhWriteFault, hooks} from './hooks.js'
import {type XenHost, callFailed} from './host.js'
import {XENMEM_ACCESS, xenctrl} from './xenctrl.js'

/** Distinct (vCPU, page) pairs counted per interval before faults are dropped (and reported). */
const TABLE_CAPACITY = 1 << 16

export interface IntervalWrites {
  /** Per vCPU, the pages it wrote, ascending. */
  written: Uint32Array[]
  writeFaults: number
  /** Faults not counted because the table filled: the sets are then incomplete. */
  dropped: number
}

interface FaultTable {
  entries: bigint
  capacity: number
  used: number
  write_faults: number | bigint
  other_faults: number | bigint
  other_events: number | bigint
  dropped: number | bigint
}

export class WriteTracker {
  private table: FaultTable
  private readonly entrySize = koffi.sizeof(LxhWriteFault)
  private readonly vcpuAt = koffi.offsetof(LxhWriteFault, 'vcpu')
  private readonly writesAt = koffi.offsetof(LxhWriteFault, 'writes')
  private readonly gfnAt = koffi.offsetof(LxhWriteFault, 'gfn')
  private poller: ReturnType<typeof koffi.node.poll> | undefined
  private failure: Error | undefined

  private constructor(private readonly host: XenHost, private readonly domid: number, private readonly pageCount: number, private readonly vcpus: number, private readonly monitor: unknown) {
    const entries = koffi.alloc(LxhWriteFault, TABLE_CAPACITY) as bigint
    this.table = {entries, capacity: TABLE_CAPACITY, used: 0, write_faults: 0, other_faults: 0, other_events: 0, dropped: 0}
    this.clearEntries()
  }

  /** Enable the ring, protect every page, and drain as faults arrive. */
  static open(host: XenHost, domid: number, pageCount: number, vcpus: number): WriteTracker {
    const out: unknown[] = [null]
    if (hooks().lxh_monitor_open(host.xch, domid, out) !== 0) throw failed(`enable the vm_event ring of domain ${domid}`, 'xc_monitor_enable')
    const tracker = new WriteTracker(host, domid, pageCount, vcpus, out[0])
    try {
      if (xenctrl().xc_set_mem_access(host.xch, domid, XENMEM_ACCESS.rx, 0n, pageCount) !== 0) throw failed(`write-protect the pages of domain ${domid}`, 'xc_set_mem_access')
      const fd = hooks().lxh_monitor_fd(out[0]) as number
      tracker.poller = koffi.node.poll(fd, {readable: true}, () => tracker.drainQuietly())
    } catch (error) {
      tracker.close()
      throw error
    }
    return tracker
  }

  /** The writes of the interval that ends now; counting starts afresh. */
  collect(): IntervalWrites {
    this.drain()
    if (this.failure) throw this.failure
    const sets = Array.from({length: this.vcpus}, () => new Set<number>())
    const view = new DataView(koffi.view(this.table.entries, TABLE_CAPACITY * this.entrySize))
    for (let i = 0; i < TABLE_CAPACITY; i++) {
      const at = i * this.entrySize
      if (view.getUint32(at + this.writesAt, true) === 0) continue
      const gfn = Number(view.getBigUint64(at + this.gfnAt, true))
      sets[view.getUint32(at + this.vcpuAt, true)]?.add(gfn)
    }
    const result = {
      written: sets.map((s) => Uint32Array.from(s).sort()),
      writeFaults: Number(this.table.write_faults),
      dropped: Number(this.table.dropped),
    }
    this.clearEntries()
    this.table = {...this.table, used: 0, write_faults: 0, other_faults: 0, other_events: 0, dropped: 0}
    return result
  }

  /** Stop draining, give the pages back their full access and disable the ring. */
  close(): void {
    this.poller?.close()
    this.poller = undefined
    xenctrl().xc_set_mem_access(this.host.xch, this.domid, XENMEM_ACCESS.rwx, 0n, this.pageCount)
    hooks().lxh_monitor_close(this.monitor)
    koffi.free(this.table.entries)
  }

  private drain(): void {
    // koffi copies the struct in and writes the counts back into this object.
    if (hooks().lxh_monitor_drain(this.monitor, this.table) < 0) throw failed(`drain the vm_event ring of domain ${this.domid}`, 'lxh_monitor_drain')
  }

  private drainQuietly(): void {
    try {
      this.drain()
    } catch (error) {
      // Kept for collect(): a poll callback has no caller to throw to.
      this.failure ??= error as Error
    }
  }

  private clearEntries(): void {
    new Uint8Array(koffi.view(this.table.entries, TABLE_CAPACITY * this.entrySize)).fill(0)
  }
}

const MEM_ACCESS_HINT = 'mem_access needs an HVM guest on Intel EPT'

function failed(doing: string, call: string): ReseerError {
  return callFailed(doing, call, undefined, MEM_ACCESS_HINT)
}
