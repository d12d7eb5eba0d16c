// The facts `reseer-xl info` reports, gathered as xl info gathers them: from
// libxl where a hypervisor answers, and otherwise the sim backend with the
// reason Xen is not in use.
import {hostname} from 'node:os'
import koffi from 'koffi'
import {ReseerError} from '../../cli/errors.js'
import type {Capabilities} from '../backend.js'
import {type CapabilityReasons, xenCapabilities} from './capabilities.js'
import {XenHost} from './host.js'
import {probeXen, unavailableLine} from './probe.js'
import type {ToolLogSink} from './toollog.js'
import {LibxlPhysinfo, LibxlVersionInfo, libxlErrorNameOf, xenlight} from './xenlight.js'

export interface XenHostFacts {
  xenVersion: string
  xenCapabilities: string
  nrCpus: number
  threadsPerCore: number
  coresPerSocket: number
  nrNodes: number
  cpuMhz: number
  totalMemoryMiB: number
  freeMemoryMiB: number
  capabilities: Capabilities
  reasons: CapabilityReasons
}

export interface InfoReport {
  host: string
  backend: 'sim' | 'xen'
  version: string
  /** Present when the xen backend is active. */
  xen?: XenHostFacts
  /** Why the xen backend is not active, when it is not. */
  xenUnavailable?: string
}

/** Gather the report; a hypervisor that is present but refuses is an error, not a fallback. */
export function collectInfo(version: string, log?: ToolLogSink): InfoReport {
  const probe = probeXen()
  const base = {host: hostname(), version}
  if (!probe.available) return {...base, backend: 'sim', xenUnavailable: unavailableLine(probe)}
  const host = XenHost.open({probe, log})
  try {
    return {...base, backend: 'xen', xen: xenHostFacts(host)}
  } finally {
    host.close()
  }
}

export function xenHostFacts(host: XenHost): XenHostFacts {
  const xl = xenlight()
  const version = xl.libxl_get_version_info(host.ctx)
  if (!version) throw new ReseerError('cannot read the hypervisor version (libxl_get_version_info failed)', {code: 'ELIBXL'})
  const v = koffi.decode(version, LibxlVersionInfo) as {xen_version_major: number; xen_version_minor: number; xen_version_extra: string | null; capabilities: string | null}
  const physinfo = Buffer.alloc(koffi.sizeof(LibxlPhysinfo))
  xl.libxl_physinfo_init(physinfo)
  try {
    const rc = xl.libxl_get_physinfo(host.ctx, physinfo) as number
    if (rc !== 0) throw new ReseerError(`cannot read the host's physical information (libxl_get_physinfo: ${libxlErrorNameOf(rc)})`, {code: 'ELIBXL'})
    const p = koffi.decode(physinfo, LibxlPhysinfo) as Record<string, number | bigint>
    const pageMiB = (pages: number | bigint) => Number(BigInt(pages) * 4096n / (1024n * 1024n))
    const {capabilities, reasons} = xenCapabilities(host)
    return {
      xenVersion: `${v.xen_version_major}.${v.xen_version_minor}${v.xen_version_extra ?? ''}`,
      xenCapabilities: v.capabilities ?? '',
      nrCpus: Number(p.nr_cpus),
      threadsPerCore: Number(p.threads_per_core),
      coresPerSocket: Number(p.cores_per_socket),
      nrNodes: Number(p.nr_nodes),
      cpuMhz: Math.round(Number(p.cpu_khz) / 1000),
      totalMemoryMiB: pageMiB(p.total_pages),
      freeMemoryMiB: pageMiB(p.free_pages),
      capabilities,
      reasons,
    }
  } finally {
    xl.libxl_physinfo_dispose(physinfo)
  }
}

/** The report as `name : value` lines, in the manner of xl info. */
export function infoLines(report: InfoReport): string[] {
  const rows: Array<[string, string | number]> = [
    ['host', report.host],
    ['backend', report.backend],
    ['reseer_xl_version', report.version],
  ]
  if (report.xen) {
    const x = report.xen
    rows.push(
      ['xen_version', x.xenVersion],
      ['xen_caps', x.xenCapabilities],
      ['nr_cpus', x.nrCpus],
      ['nr_nodes', x.nrNodes],
      ['cores_per_socket', x.coresPerSocket],
      ['threads_per_core', x.threadsPerCore],
      ['cpu_mhz', x.cpuMhz],
      ['total_memory', x.totalMemoryMiB],
      ['free_memory', x.freeMemoryMiB],
    )
    const yesNo = (cap: keyof Capabilities) => (x.capabilities[cap] ? 'yes' : `no (${x.reasons[cap]})`)
    rows.push(
      ['cap_log_dirty', yesNo('logDirty')],
      ['cap_mem_access', yesNo('memAccess')],
      ['cap_vm_event', yesNo('vmEvent')],
      ['cap_event_injection', yesNo('eventInjection')],
      ['cap_search_replay', yesNo('searchReplay')],
    )
  } else {
    rows.push(['xen', report.xenUnavailable ?? ''])
  }
  return rows.map(([name, value]) => `${name.padEnd(23)}: ${value}`)
}
