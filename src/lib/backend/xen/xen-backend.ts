// The Backend interface on a real Xen host: domains through libxl, control
// and vCPU state through libxenctrl, memory through foreign mappings and
// log-dirty mode, the copying done by native/libxl-hooks.
import koffi from 'koffi'
import {ReseerError} from '../../cli/errors.js'
import type {Backend, Capabilities, CheckpointSource, DomainState, DomainSummary, PageBatch, VcpuState} from '../backend.js'
import {xenCapabilities} from './capabilities.js'
import {LXH_PAGE_SIZE, hooks} from './hooks.js'
import {XenHost, type XenHostOptions, callFailed} from './host.js'
import {SHADOW_OP, VcpuGuestContext, xenctrl} from './xenctrl.js'
import {LibxlDominfo, libxlErrorNameOf, xenlight} from './xenlight.js'

const LIBXL_ERROR_DOMAIN_NOTFOUND = -21

/** Pages copied per mapping: 1 MiB, few hypercalls without a large buffer. */
const BATCH_PAGES = 256

interface Dominfo {
  domid: number
  running: boolean
  blocked: boolean
  paused: boolean
  shutdown: boolean
  dying: boolean
  current_memkb: bigint | number
  vcpu_online: number
  vcpu_max_id: number
}

export class XenBackend implements Backend {
  readonly name = 'xen' as const

  private constructor(readonly host: XenHost) {}

  /** Connect to the hypervisor, or throw the one line that says what is missing. */
  static open(options: XenHostOptions = {}): XenBackend {
    return new XenBackend(XenHost.open(options))
  }

  async capabilities(): Promise<Capabilities> {
    return xenCapabilities(this.host).capabilities
  }

  async listDomains(): Promise<DomainSummary[]> {
    const xl = xenlight()
    const count = [0]
    const list = xl.libxl_list_domain(this.host.ctx, count)
    if (!list) throw new ReseerError('cannot list domains (libxl_list_domain failed)', {code: 'ELIBXL', hint: '-v shows what libxl said'})
    try {
      const infos = (count[0] > 0 ? koffi.decode(list, LibxlDominfo, count[0]) : []) as Dominfo[]
      return infos.map((info) => this.summary(info))
    } finally {
      xl.libxl_dominfo_list_free(list, count[0])
    }
  }

  async findDomain(nameOrId: string): Promise<DomainSummary> {
    const xl = xenlight()
    let domid: number
    if (/^\d+$/.test(nameOrId)) {
      domid = Number(nameOrId)
    } else {
      const out = [0]
      if (xl.libxl_name_to_domid(this.host.ctx, nameOrId, out) !== 0) throw noSuchDomain(nameOrId)
      domid = out[0]
    }
    // libxl owns the strings it puts in the struct, so it stays in C layout
    // until libxl_dominfo_dispose has freed them.
    const info = Buffer.alloc(koffi.sizeof(LibxlDominfo))
    xl.libxl_dominfo_init(info)
    try {
      const rc = xl.libxl_domain_info(this.host.ctx, info, domid) as number
      if (rc !== 0) throw rc === LIBXL_ERROR_DOMAIN_NOTFOUND ? noSuchDomain(nameOrId) : new ReseerError(`cannot read domain ${nameOrId} (libxl_domain_info: ${libxlErrorNameOf(rc)})`, {code: 'ELIBXL'})
      return this.summary(koffi.decode(info, LibxlDominfo) as Dominfo)
    } finally {
      xl.libxl_dominfo_dispose(info)
    }
  }

  async pause(domid: number): Promise<void> {
    if (xenctrl().xc_domain_pause(this.host.xch, domid) !== 0) throw callFailed(`pause domain ${domid}`, 'xc_domain_pause', 'it runs on as before')
  }

  async unpause(domid: number): Promise<void> {
    if (xenctrl().xc_domain_unpause(this.host.xch, domid) !== 0) throw callFailed(`unpause domain ${domid}`, 'xc_domain_unpause', 'it stays paused; reseer-xl unpause or xl unpause resumes it')
  }

  async vcpuStates(domid: number): Promise<VcpuState[]> {
    const domain = await this.findDomain(String(domid))
    const states: VcpuState[] = []
    const size = koffi.sizeof(VcpuGuestContext)
    for (let vcpu = 0; vcpu < domain.vcpus; vcpu++) {
      const buffer = Buffer.alloc(size)
      if (xenctrl().xc_vcpu_getcontext(this.host.xch, domid, vcpu, buffer) !== 0) throw callFailed(`read vCPU ${vcpu} of domain ${domid}`, 'xc_vcpu_getcontext')
      const context = koffi.decode(buffer, VcpuGuestContext) as {user_regs: {rip: bigint | number}}
      // Stock Xen counts no retired instructions per vCPU.
      states.push({vcpu, arch: 'x86_64', pc: BigInt(context.user_regs.rip), instructions: null, state: new Uint8Array(buffer)})
    }
    return states
  }

  async openCheckpointSource(domid: number): Promise<XenCheckpointSource> {
    return XenCheckpointSource.open(this.host, domid)
  }

  async close(): Promise<void> {
    this.host.close()
  }

  private summary(info: Dominfo): DomainSummary {
    const xl = xenlight()
    const namePtr = xl.libxl_domid_to_name(this.host.ctx, info.domid)
    let name = `domain-${info.domid}`
    if (namePtr) {
      name = koffi.decode.string(namePtr)
      xl.free(namePtr)
    }
    return {id: info.domid, name, vcpus: info.vcpu_max_id + 1, memoryKiB: Number(info.current_memkb), state: domainState(info)}
  }
}

/**
 * A domain's memory under log-dirty mode. Pages are copied by the C helper
 * in batches of mapped pages; each batch is fresh memory the caller may keep.
 */
export class XenCheckpointSource implements CheckpointSource {
  readonly pageSize = LXH_PAGE_SIZE
  private closed = false

  private constructor(private readonly host: XenHost, readonly domid: number, readonly pageCount: number) {}

  static open(host: XenHost, domid: number): XenCheckpointSource {
    const gpfns = [0n]
    if (xenctrl().xc_domain_maximum_gpfn(host.xch, domid, gpfns) !== 0) throw callFailed(`size the memory of domain ${domid}`, 'xc_domain_maximum_gpfn')
    hooks()
    if (xenctrl().xc_shadow_control(host.xch, domid, SHADOW_OP.enableLogdirty, null, 0) !== 0) {
      throw callFailed(`enable log-dirty mode on domain ${domid}`, 'xc_shadow_control', 'it may be migrating or saving; nothing was changed')
    }
    return new XenCheckpointSource(host, domid, Number(gpfns[0]) + 1)
  }

  async *full(): AsyncIterable<PageBatch> {
    yield* this.fullBatches()
  }

  async *dirty(): AsyncIterable<PageBatch> {
    yield* this.copy(this.readDirtyBitmap())
  }

  /** Every page, after clearing the dirty bitmap so that the next interval starts here. */
  fullBatches(): Generator<PageBatch> {
    this.readDirtyBitmap()
    return this.copy(Buffer.alloc(Math.ceil(this.pageCount / 8), 0xff))
  }

  /** Read and clear the log-dirty bitmap: the pages written since the last call. */
  readDirtyBitmap(): Buffer {
    const bitmap = Buffer.alloc(Math.ceil(this.pageCount / 8))
    if (hooks().lxh_logdirty_bitmap(this.host.xch, this.domid, 1, bitmap, this.pageCount) < 0) {
      throw callFailed(`read the dirty pages of domain ${this.domid}`, 'xc_logdirty_control')
    }
    return bitmap
  }

  /** The pages set in bitmap, a mapped batch at a time. */
  *copy(bitmap: Buffer): Generator<PageBatch> {
    const cursor = new BigUint64Array(1)
    while (cursor[0] < BigInt(this.pageCount)) {
      const pfns = new Uint32Array(BATCH_PAGES)
      const data = new Uint8Array(BATCH_PAGES * LXH_PAGE_SIZE)
      const n = hooks().lxh_copy_pages(this.host.fmem, this.domid, bitmap, this.pageCount, cursor, pfns, data, BATCH_PAGES) as number
      if (n < 0) throw callFailed(`copy pages of domain ${this.domid}`, 'xenforeignmemory_map')
      if (n > 0) yield {pfns: pfns.subarray(0, n), data: data.subarray(0, n * LXH_PAGE_SIZE)}
    }
  }

  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    if (xenctrl().xc_shadow_control(this.host.xch, this.domid, SHADOW_OP.off, null, 0) !== 0) {
      throw callFailed(`leave log-dirty mode on domain ${this.domid}`, 'xc_shadow_control', 'the domain runs on with log-dirty tracking still enabled')
    }
  }
}

export function domainState(info: {running: boolean; blocked: boolean; paused: boolean; shutdown: boolean; dying: boolean}): DomainState {
  if (info.dying) return 'dying'
  if (info.shutdown) return 'shutdown'
  if (info.paused) return 'paused'
  if (info.running) return 'running'
  if (info.blocked) return 'blocked'
  return 'idle'
}

function noSuchDomain(nameOrId: string): ReseerError {
  return new ReseerError(`no Xen domain '${nameOrId}'`, {code: 'ENODOMAIN', hint: 'see xl list'})
}
