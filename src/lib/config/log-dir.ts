// Where a domain's recording lives: beside its config file, named after it,
// so /etc/xen/dom1.cfg records into /etc/xen/dom1.reseer/.
import {basename, dirname, join, resolve} from 'node:path'

export const LOG_DIR_SUFFIX = '.reseer'

export function logDirFor(configFile: string): string {
  const absolute = resolve(configFile)
  const name = basename(absolute).replace(/\.cfg$/, '')
  return join(dirname(absolute), name + LOG_DIR_SUFFIX)
}
