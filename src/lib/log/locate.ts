// Finding a domain's log directory from what the user typed, the same way
// for every verb: a directory as it is; a config file's log beside it
// (/etc/xen/dom1.cfg -> /etc/xen/dom1.reseer); a bare domain name in the
// current directory, then beside the configs in /etc/xen.
import {statSync} from 'node:fs'
import {basename, dirname, extname, join, resolve} from 'node:path'
import {ReseerError} from '../cli/errors.js'
import {LOG_SUFFIX} from './layout.js'

/** Where xl keeps domain configs, and so where logs of bare domain names are looked for last. */
export const XEN_CONFIG_DIR = '/etc/xen'

/** The log directory that belongs beside a domain config file. */
export function logDirForConfig(configFile: string): string {
  const ext = extname(configFile)
  const stem = ext ? basename(configFile, ext) : basename(configFile)
  return join(dirname(configFile), stem + LOG_SUFFIX)
}

/**
 * Resolve NAME|DIR|CFG to an existing log directory, or fail with one line
 * saying where it looked. `cwd` and `configDir` are for tests.
 */
export function locateLog(target: string, options: {cwd?: string; configDir?: string} = {}): string {
  const cwd = options.cwd ?? process.cwd()
  const configDir = options.configDir ?? XEN_CONFIG_DIR
  if (target === '') throw new ReseerError('no log given: name a domain, its config file or a log directory', {code: 'ENOLOG'})
  const direct = resolve(cwd, target)
  if (isDir(direct)) return direct
  const looksLikePath = target.includes('/') || extname(target) !== ''
  if (looksLikePath) {
    if (isFile(direct)) {
      const beside = logDirForConfig(direct)
      if (isDir(beside)) return beside
      throw new ReseerError(`no log for config ${target}: ${beside} does not exist`, {code: 'ENOLOG', hint: 'record the domain first'})
    }
    throw new ReseerError(`no such log directory or config file: ${target}`, {code: 'ENOLOG'})
  }
  const candidates = [join(cwd, target + LOG_SUFFIX), join(configDir, target + LOG_SUFFIX)]
  const found = candidates.find(isDir)
  if (found) return found
  throw new ReseerError(`no log for domain ${target}: looked for ${candidates.join(' and ')}`, {code: 'ENOLOG', hint: 'record the domain first, or give the log directory'})
}

function isDir(p: string): boolean {
  return statSync(p, {throwIfNoEntry: false})?.isDirectory() ?? false
}

function isFile(p: string): boolean {
  return statSync(p, {throwIfNoEntry: false})?.isFile() ?? false
}
