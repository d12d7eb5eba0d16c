// Whether this host runs under Xen with a control domain we can drive: the
// signs the xl toolstack itself relies on.
import {existsSync, readFileSync} from 'node:fs'

const CAPABILITIES = '/proc/xen/capabilities'
const PRIVCMD = '/dev/xen/privcmd'

/** True in a Xen control domain (dom0): /proc/xen/capabilities says control_d, or privcmd exists. */
export function xenHypervisorPresent(): boolean {
  try {
    if (readFileSync(CAPABILITIES, 'utf8').includes('control_d')) return true
  } catch {
    // No xenfs mounted: fall through to the device node.
  }
  return existsSync(PRIVCMD)
}
