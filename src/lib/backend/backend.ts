// What record and checkpoint need from the machine that runs a domain. Both
// backends (the embedded sim machine and a real Xen host) implement it with
// plain data in and out, so a recorder written against it runs on either and
// writes the same log directory.

/** What a backend can do on this host, as `reseer-xl info` reports it. */
export interface Capabilities {
  /** Dirty-page tracking between checkpoints (Xen: shadow log-dirty mode). */
  logDirty: boolean
  /** Per-page write protection with a fault reported to the toolstack (Xen: mem_access on EPT). */
  memAccess: boolean
  /** A ring of synchronous events from the hypervisor (Xen: vm_event monitor ring). */
  vmEvent: boolean
  /** Per-vCPU instruction-exact event injection: a retired-instruction clock per vCPU,
   *  with interrupts and time reads delivered at exact counts. */
  eventInjection: boolean
  /** Search and replay of this backend's recordings (needs eventInjection). */
  searchReplay: boolean
}

export type Capability = keyof Capabilities

export type DomainState = 'running' | 'blocked' | 'paused' | 'shutdown' | 'dying' | 'idle'

export interface DomainSummary {
  id: number
  name: string
  vcpus: number
  memoryKiB: number
  state: DomainState
}

/** One vCPU (hart) at a pause: its architectural state as the backend saves it. */
export interface VcpuState {
  vcpu: number
  /** The architecture the state bytes are laid out for, e.g. "rv32" or "x86_64". */
  arch: string
  /** Program counter. */
  pc: bigint
  /** Retired instructions, where the backend can count them exactly; null where it cannot. */
  instructions: bigint | null
  /** The raw architectural state, restorable by the same backend. */
  state: Uint8Array
}

/** A batch of guest pages: data holds pfns.length pages back to back. */
export interface PageBatch {
  pfns: Uint32Array
  data: Uint8Array
}

/**
 * Guest memory as checkpoints see it. full() yields every page once; dirty()
 * yields the pages written since the previous full() or dirty() call and
 * starts a new interval. Callers pause the domain around either call when
 * they need a consistent image.
 */
export interface CheckpointSource {
  readonly pageSize: number
  readonly pageCount: number
  full(): AsyncIterable<PageBatch>
  dirty(): AsyncIterable<PageBatch>
  /** Stop dirty tracking and release mappings; the domain runs on untouched. */
  close(): Promise<void>
}

export interface Backend {
  readonly name: 'sim' | 'xen'
  capabilities(): Promise<Capabilities>
  listDomains(): Promise<DomainSummary[]>
  /** A domain by name or numeric id; throws a ReseerError when there is none. */
  findDomain(nameOrId: string): Promise<DomainSummary>
  pause(domid: number): Promise<void>
  unpause(domid: number): Promise<void>
  /** The state of every vCPU; the domain should be paused. */
  vcpuStates(domid: number): Promise<VcpuState[]>
  /** Start dirty tracking on a domain and give access to its pages. */
  openCheckpointSource(domid: number): Promise<CheckpointSource>
  close(): Promise<void>
}
