// What the running hypervisor offers reseer-xl, and the refusals of what it
// does not. Stock Xen 4.17 gives log-dirty on every guest type, mem_access
// page protection and the vm_event ring on HVM guests with Intel EPT, but no
// way to stop a vCPU after an exact number of retired instructions and
// deliver an event there: search and replay need exactly that.
import {readFileSync} from 'node:fs'
import koffi from 'koffi'
import {ReseerError} from '../../cli/errors.js'
import type {Capabilities, Capability} from '../backend.js'
import type {XenHost} from './host.js'
import {XEN_SYSCTL_PHYSCAP, XcPhysinfo, xenctrl} from './xenctrl.js'

/** Why each capability is missing, in words for `info` and for refusals. */
export type CapabilityReasons = Partial<Record<Capability, string>>

export interface XenCapabilities {
  capabilities: Capabilities
  reasons: CapabilityReasons
}

/** What a hypervisor must add for search and replay; the docs say the same at length. */
export const EVENT_INJECTION_NEEDS =
  'a per-vCPU retired-instruction counter with a precise overflow exit, injection of interrupts and values at exact counts, and exits on time reads (RDTSC/RDTSCP/RDPMC)'

const STOCK_XEN_LACKS = `stock Xen has no per-vCPU instruction-exact event injection (it needs ${EVENT_INJECTION_NEEDS})`

/** Ask the hypervisor what it supports. */
export function xenCapabilities(host: XenHost): XenCapabilities {
  const physinfo = Buffer.alloc(koffi.sizeof(XcPhysinfo))
  if (xenctrl().xc_physinfo(host.xch, physinfo) !== 0) {
    throw new ReseerError('cannot read the host\'s physical information (xc_physinfo failed)', {code: 'EXENCALL'})
  }
  const caps = (koffi.decode(physinfo, XcPhysinfo) as {capabilities: number}).capabilities
  const vmEventVersion = xenctrl().xc_vm_event_get_version(host.xch) as number
  return capabilitiesFrom({
    hap: (caps & XEN_SYSCTL_PHYSCAP.hap) !== 0,
    hvm: (caps & XEN_SYSCTL_PHYSCAP.hvm) !== 0,
    intel: cpuVendor() === 'GenuineIntel',
    vmEventVersion,
  })
}

export interface HypervisorFacts {
  hvm: boolean
  hap: boolean
  intel: boolean
  /** VM_EVENT_INTERFACE_VERSION, or a negative value where the call failed. */
  vmEventVersion: number
}

/** The capability table from plain facts about the hypervisor and the CPU. */
export function capabilitiesFrom(facts: HypervisorFacts): XenCapabilities {
  const reasons: CapabilityReasons = {}
  const vmEvent = facts.vmEventVersion > 0
  if (!vmEvent) reasons.vmEvent = 'the hypervisor has no vm_event interface'
  // Xen 4.17 checks p2m_mem_access_sanity_check(): an HVM guest, VMX and HAP, i.e. Intel EPT.
  const memAccess = vmEvent && facts.hvm && facts.hap && facts.intel
  if (!memAccess) {
    reasons.memAccess = !facts.hvm ? 'the host cannot run HVM guests' : !facts.intel ? 'mem_access needs Intel VT-x with EPT; this CPU is not Intel' : !facts.hap ? 'mem_access needs hardware-assisted paging (EPT), which is off' : reasons.vmEvent!
  }
  reasons.eventInjection = STOCK_XEN_LACKS
  reasons.searchReplay = `search and replay of Xen recordings need per-vCPU instruction-exact event injection: ${EVENT_INJECTION_NEEDS}`
  return {
    capabilities: {logDirty: true, memAccess, vmEvent, eventInjection: false, searchReplay: false},
    reasons,
  }
}

const CAPABILITY_WORDS: Record<Capability, string> = {
  logDirty: 'log-dirty tracking',
  memAccess: 'mem_access page protection',
  vmEvent: 'the vm_event ring',
  eventInjection: 'per-vCPU instruction-exact event injection',
  searchReplay: 'search and replay',
}

/**
 * Refuse, in one precise line, what this backend cannot do. Search and replay
 * call this with the capabilities of the backend that recorded the log.
 */
export function requireCapability(cap: Capability, found: XenCapabilities = stockXenCapabilities(), backend = 'xen'): void {
  if (found.capabilities[cap]) return
  const why = found.reasons[cap] ?? 'the backend does not offer it'
  throw new ReseerError(`the ${backend} backend cannot provide ${CAPABILITY_WORDS[cap]}: ${why}`, {
    code: 'ENOCAP',
    hint: cap === 'searchReplay' || cap === 'eventInjection' ? 'record on the sim backend to search and replay, or run a hypervisor that provides it (see "Running on a Xen host")' : undefined,
  })
}

/**
 * The most stock Xen 4.17 offers (an Intel EPT host), for judging a Xen
 * recording where its hypervisor is not at hand to ask, as search does.
 */
export function stockXenCapabilities(): XenCapabilities {
  return capabilitiesFrom({hvm: true, hap: true, intel: true, vmEventVersion: 1})
}

function cpuVendor(): string | undefined {
  try {
    return /^vendor_id\s*:\s*(\S+)/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1]
  } catch {
    return undefined
  }
}
