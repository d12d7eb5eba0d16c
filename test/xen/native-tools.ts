// What the Xen tests need to know about the build host.
import {spawnSync} from 'node:child_process'

/** Whether cc finds the libxen-dev headers (xenctrl.h, libxl.h). */
export function headersPresent(): boolean {
  const probe = spawnSync('cc', ['-E', '-x', 'c', '-'], {input: '#include <xenctrl.h>\n#include <libxl.h>\n', stdio: ['pipe', 'ignore', 'ignore']})
  return probe.status === 0
}
