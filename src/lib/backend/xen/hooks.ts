// Bindings to native/libxl-hooks, the project's own C helpers for the hot
// loops (copying dirty pages, draining the vm_event ring). Built by
// native/libxl-hooks/build.sh where libxen-dev is present.
import {existsSync} from 'node:fs'
import {fileURLToPath} from 'node:url'
import koffi from 'koffi'
import {ReseerError} from '../../cli/errors.js'
import {libraryAt} from './libraries.js'
// The prototypes below name these libraries' handle types.
import './foreignmemory.js'
import './xenctrl.js'

/** Where build.sh leaves the library, from the package root. */
export const HOOKS_LIBRARY = fileURLToPath(new URL('../../../../native/libxl-hooks/build/libxl-hooks.so', import.meta.url))

/** LXH_PAGE_SIZE: pages are copied whole, as the checkpoint store keeps them. */
export const LXH_PAGE_SIZE = 4096

export const LxhWriteFault = koffi.struct('lxh_write_fault', {
  gfn: 'uint64_t',
  vcpu: 'uint32_t',
  writes: 'uint32_t',
})

export const LxhFaultTable = koffi.struct('lxh_fault_table', {
  entries: 'void *',
  capacity: 'uint32_t',
  used: 'uint32_t',
  write_faults: 'uint64_t',
  other_faults: 'uint64_t',
  other_events: 'uint64_t',
  dropped: 'uint64_t',
})

export const LxhMonitor = koffi.opaque('lxh_monitor')

type Bindings = Record<'lxh_logdirty_bitmap' | 'lxh_copy_pages' | 'lxh_monitor_open' | 'lxh_monitor_fd' | 'lxh_monitor_drain' | 'lxh_monitor_close', (...args: any[]) => any>
let bound: Bindings | undefined

export function hooks(): Bindings {
  if (bound) return bound
  if (!existsSync(HOOKS_LIBRARY)) {
    throw new ReseerError('the Xen backend\'s C helpers are not built (native/libxl-hooks/build/libxl-hooks.so is missing)', {
      code: 'ENOHOOKS',
      hint: 'install libxen-dev and run native/libxl-hooks/build.sh',
    })
  }
  const lib = libraryAt(HOOKS_LIBRARY, 'the Xen backend\'s C helpers', 'rebuild them with native/libxl-hooks/build.sh')
  bound = {
    lxh_logdirty_bitmap: lib.func('long lxh_logdirty_bitmap(xc_interface *xch, uint32_t domid, int clean, uint8_t *bitmap, unsigned long nr_pfns)'),
    lxh_copy_pages: lib.func('long lxh_copy_pages(xenforeignmemory_handle *fmem, uint32_t domid, const uint8_t *bitmap, unsigned long nr_pfns, uint64_t *cursor, uint32_t *pfns, uint8_t *pages, unsigned int batch)'),
    lxh_monitor_open: lib.func('int lxh_monitor_open(xc_interface *xch, uint32_t domid, _Out_ lxh_monitor **out)'),
    lxh_monitor_fd: lib.func('int lxh_monitor_fd(const lxh_monitor *mon)'),
    lxh_monitor_drain: lib.func('long lxh_monitor_drain(lxh_monitor *mon, _Inout_ lxh_fault_table *table)'),
    lxh_monitor_close: lib.func('void lxh_monitor_close(lxh_monitor *mon)'),
  }
  return bound
}
