// What the Xen tests need to know about the build host.
import {spawnSync} from 'node:child_process'
import {fileURLToPath} from 'node:url'

/** native/libxl-hooks, the C helper library's sources. */
export const hooksSource = fileURLToPath(new URL('../../native/libxl-hooks', import.meta.url))

/** Whether cc finds the libxen-dev headers (xenctrl.h, libxl.h). */
export function headersPresent(): boolean {
  const probe = spawnSync('cc', ['-E', '-x', 'c', '-'], {input: '#include <xenctrl.h>\n#include <libxl.h>\n', stdio: ['pipe', 'ignore', 'ignore']})
  return probe.status === 0
}
