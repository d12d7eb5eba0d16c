// Whether this host can drive Xen, and if not, exactly what is missing. Every
// Xen path asks here first, so a host without a hypervisor gets one line that
// names the missing piece instead of a library's errno.
import {existsSync} from 'node:fs'
import {ReseerError} from '../../cli/errors.js'
import {xenLibrary, type XenLibraryName} from './libraries.js'

/** The device through which libxencall issues hypercalls from dom0. */
export const PRIVCMD_DEVICE = '/dev/xen/privcmd'
const LEGACY_PRIVCMD = '/proc/xen/privcmd'

export interface XenProbe {
  available: boolean
  /** What is missing, most fundamental first; empty when available. */
  missing: string[]
}

export interface ProbeHost {
  platform: string
  exists(path: string): boolean
  uid: number | undefined
  /** Whether the library loads: undefined when it does, the loader's complaint when not. */
  canLoad(soname: XenLibraryName): string | undefined
}

const thisHost: ProbeHost = {
  platform: process.platform,
  exists: existsSync,
  uid: process.getuid?.(),
  canLoad(soname) {
    try {
      xenLibrary(soname)
      return undefined
    } catch (error) {
      return (error as Error).message
    }
  },
}

/** Look at the host without touching the hypervisor: device, libraries, privilege. */
export function probeXen(host: ProbeHost = thisHost): XenProbe {
  const missing: string[] = []
  if (host.platform !== 'linux') {
    missing.push(`not a Linux dom0 (platform ${host.platform})`)
    return {available: false, missing}
  }
  if (!host.exists(PRIVCMD_DEVICE) && !host.exists(LEGACY_PRIVCMD)) {
    missing.push(`no ${PRIVCMD_DEVICE} (not running as dom0 of a Xen hypervisor)`)
  }
  for (const soname of ['libxenctrl.so.4.17', 'libxenforeignmemory.so.1', 'libxenlight.so.4.17'] as const) {
    if (host.canLoad(soname)) missing.push(`no ${soname}`)
  }
  if (host.uid !== undefined && host.uid !== 0) missing.push('not root')
  return {available: missing.length === 0, missing}
}

/** The one line that says why Xen cannot be used here. */
export function unavailableLine(probe: XenProbe): string {
  return `Xen is unavailable: ${probe.missing.join(', ')}`
}

/** Throw the one-line ReseerError when Xen cannot be driven from here. */
export function requireXen(probe: XenProbe = probeXen()): void {
  if (probe.available) return
  throw new ReseerError(unavailableLine(probe), {code: 'ENOXEN', hint: hintFor(probe)})
}

function hintFor(probe: XenProbe): string | undefined {
  if (probe.missing.some((m) => m.startsWith('no lib'))) return 'install libxen-dev (or libxenmisc4.17 and libxenforeignmemory1)'
  if (probe.missing.some((m) => m.startsWith('no /'))) return 'boot the host under Xen and run reseer-xl in dom0, or use the sim backend'
  if (probe.missing.includes('not root')) return 'run reseer-xl as root'
  return undefined
}
