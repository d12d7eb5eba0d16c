// The domain as every phase sees it: an xl.cfg file read, checked against
// xl's own rules and reduced to plain JSON-serialisable data. Keys reseer-xl
// does not use are kept, with their places, for the caller to report.
import {readFileSync} from 'node:fs'
import {dirname, isAbsolute, resolve} from 'node:path'
import {ReseerError} from '../cli/errors.js'
import {Position, configError} from './config-error.js'
import {DiskConfig, parseDiskSpec} from './disk-spec.js'
import {xenHypervisorPresent} from './hypervisor.js'
import {Backend, VifConfig, parseVifSpec} from './vif-spec.js'
import {CfgSetting, CfgValue, describeValueKind, effectiveSettings, parseXlCfg} from './xlcfg-parser.js'

export {logDirFor} from './log-dir.js'
export type {Backend, DiskConfig, VifConfig}

export const DOMAIN_TYPES = ['pv', 'pvh', 'hvm'] as const
export type DomainType = (typeof DOMAIN_TYPES)[number]
export const BACKENDS: readonly Backend[] = ['sim', 'xen']
export const DOMAIN_ACTIONS = ['destroy', 'restart', 'rename-restart', 'preserve', 'coredump-destroy', 'coredump-restart', 'soft-reset'] as const
export type DomainAction = (typeof DOMAIN_ACTIONS)[number]

/** A key in the file that reseer-xl leaves alone. */
export interface UnknownKey extends Position {
  key: string
}

/** Something legal but probably not meant, said the way xl says it. */
export interface ConfigWarning extends Position {
  message: string
}

export interface DomainConfig {
  name: string
  type: DomainType
  vcpus: number
  maxvcpus: number
  memoryMiB: number
  maxmemMiB: number
  /** Absolute paths. */
  kernel?: string
  ramdisk?: string
  /** cmdline, or root= and extra combined, as xl builds it. */
  cmdline?: string
  disks: DiskConfig[]
  vifs: VifConfig[]
  onPoweroff: DomainAction
  onReboot: DomainAction
  onCrash: DomainAction
  backend: Backend
  /** Absolute path of the file this came from. */
  configFile: string
  unknownKeys: UnknownKey[]
  warnings: ConfigWarning[]
}

export interface DomainConfigOptions {
  /** Overrides `reseer_backend` in the file (the CLI's --backend). */
  backend?: Backend
}

/** libxl's default when a config gives no memory. */
export const DEFAULT_MEMORY_MIB = 32
/** The sim machine's RAM starts at 0x8000_0000 and ends with the 32-bit address space. */
export const SIM_MAX_MEMORY_MIB = 2048
/** Hart ids the sim's CLINT can address. */
export const SIM_MAX_VCPUS = 4095

const KNOWN_KEYS = new Set([
  'name', 'type', 'builder', 'vcpus', 'maxvcpus', 'memory', 'maxmem', 'kernel', 'ramdisk', 'cmdline', 'extra', 'root',
  'disk', 'vif', 'on_poweroff', 'on_reboot', 'on_crash', 'reseer_backend',
])

/** Read and check a domain config file. `file` is shown in messages as given. */
export function loadDomainConfig(file: string, opts: DomainConfigOptions = {}): DomainConfig {
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory, expected a domain config file' : code === 'EACCES' ? 'permission denied' : (error as Error).message
    throw new ReseerError(`${file}: ${why}`, {code: 'ENOCONFIG', cause: error})
  }
  return parseDomainConfig(text, file, opts)
}

/** Check the text of a domain config; `file` locates relative paths and names the file in messages. */
export function parseDomainConfig(text: string, file: string, opts: DomainConfigOptions = {}): DomainConfig {
  const doc = parseXlCfg(text, file)
  const settings = effectiveSettings(doc)
  const read = new SettingReader(file, settings)
  const configFile = resolve(file)
  const baseDir = dirname(configFile)
  const warnings: ConfigWarning[] = []

  const name = read.string('name')
  if (name === undefined) throw new ReseerError(`${file}: no name = "..." setting`, {code: 'ECONFIG', hint: 'every domain needs a name'})
  checkName(read, name)

  const backend = chooseBackend(read, opts)
  const type = domainType(read, warnings)

  const vcpus = read.integer('vcpus', 1) ?? 1
  const maxvcpus = read.integer('maxvcpus', 1) ?? vcpus
  if (maxvcpus < vcpus) throw read.error('maxvcpus', `maxvcpus ${maxvcpus} is less than vcpus ${vcpus}`)
  if (backend === 'sim' && maxvcpus > SIM_MAX_VCPUS) throw read.error(settings.has('maxvcpus') ? 'maxvcpus' : 'vcpus', `the sim machine has at most ${SIM_MAX_VCPUS} harts, not ${maxvcpus}`)

  const memoryMiB = read.integer('memory', 1) ?? DEFAULT_MEMORY_MIB
  const maxmemMiB = read.integer('maxmem', 1) ?? memoryMiB
  if (maxmemMiB < memoryMiB) throw read.error('maxmem', `maxmem ${maxmemMiB} is less than memory ${memoryMiB}`)
  if (backend === 'sim' && maxmemMiB > SIM_MAX_MEMORY_MIB) {
    throw read.error(settings.has('maxmem') ? 'maxmem' : 'memory', `${maxmemMiB} MiB does not fit the sim machine's RAM (at most ${SIM_MAX_MEMORY_MIB} MiB from 0x80000000)`)
  }

  const kernel = read.path('kernel', baseDir)
  const ramdisk = read.path('ramdisk', baseDir)
  if (backend === 'sim' && !kernel) throw new ReseerError(`${file}: no kernel = "..." setting`, {code: 'ECONFIG', hint: 'the sim backend boots the guest ELF named by kernel'})
  const cmdline = commandLine(read, warnings)

  const disks = read.list('disk').map((item) => parseDiskSpec(read.specString('disk', item), file, baseDir))
  checkDisks(file, read, disks, backend)
  const vifs = read.list('vif').map((item, index) => parseVifSpec(read.specString('vif', item), file, index, name, backend))
  checkVifs(read, vifs)

  const config: DomainConfig = {
    name, type, vcpus, maxvcpus, memoryMiB, maxmemMiB,
    ...(kernel ? {kernel} : {}),
    ...(ramdisk ? {ramdisk} : {}),
    ...(cmdline === undefined ? {} : {cmdline}),
    disks, vifs,
    onPoweroff: read.action('on_poweroff', 'destroy'),
    onReboot: read.action('on_reboot', 'restart'),
    onCrash: read.action('on_crash', 'destroy'),
    backend,
    configFile,
    unknownKeys: [...settings.values()].filter((s) => !KNOWN_KEYS.has(s.key)).map((s) => ({key: s.key, line: s.line, column: s.column})),
    warnings,
  }
  return config
}

/**
 * xl itself accepts any string, but a name of digits only would be taken for
 * a domain id by every xl verb, Domain-0 is taken, and the name ends up in
 * file names and one-line messages.
 */
function checkName(read: SettingReader, name: string): void {
  const problem = name.trim() === '' ? 'the name is empty'
    : /^[0-9]+$/.test(name) ? `name '${name}' is all digits, which xl would read as a domain id`
    : /[/\\]/.test(name) ? `name '${name}' contains a path separator`
    : /[\x00-\x20\x7f]/.test(name) ? `name ${JSON.stringify(name)} contains a blank or control character`
    : name === '.' || name === '..' ? `name '${name}' is not a usable name`
    : name === 'Domain-0' ? "name 'Domain-0' belongs to the control domain"
    : undefined
  if (problem) throw read.error('name', problem, 'use letters, digits and -_.:+@')
}

function chooseBackend(read: SettingReader, opts: DomainConfigOptions): Backend {
  if (opts.backend !== undefined) {
    if (!BACKENDS.includes(opts.backend)) throw new ReseerError(`unknown backend '${opts.backend}'`, {code: 'EUSAGE', hint: `expected ${BACKENDS.join(' or ')}`})
    return opts.backend
  }
  return read.choice('reseer_backend', BACKENDS) ?? (xenHypervisorPresent() ? 'xen' : 'sim')
}

function domainType(read: SettingReader, warnings: ConfigWarning[]): DomainType {
  const type = read.choice('type', DOMAIN_TYPES)
  const builder = read.choice('builder', ['generic', 'hvm'] as const)
  if (type && builder) {
    warnings.push({...read.place('builder'), message: 'builder is ignored because type is given'})
  }
  // builder is xl's older spelling: "hvm" or "generic" (PV). PV is xl's default on x86.
  return type ?? (builder === 'hvm' ? 'hvm' : 'pv')
}

function commandLine(read: SettingReader, warnings: ConfigWarning[]): string | undefined {
  const cmdline = read.string('cmdline')
  const root = read.string('root')
  const extra = read.string('extra')
  if (cmdline !== undefined) {
    if (root !== undefined || extra !== undefined) {
      warnings.push({...read.place('cmdline'), message: 'root and extra are ignored in favour of cmdline'})
    }
    return cmdline
  }
  if (root !== undefined && extra !== undefined) return `root=${root} ${extra}`
  if (root !== undefined) return `root=${root}`
  return extra
}

function checkDisks(file: string, read: SettingReader, disks: DiskConfig[], backend: Backend): void {
  const seen = new Map<string, number>()
  disks.forEach((disk, i) => {
    const item = read.list('disk')[i]
    if (seen.has(disk.vdev)) throw configError(file, item, `vdev '${disk.vdev}' is used by disk ${seen.get(disk.vdev)! + 1} already`)
    seen.set(disk.vdev, i)
    if (backend !== 'sim') return
    if (disk.format !== 'raw') throw configError(file, item, `the sim backend reads raw images only, not ${disk.format}`)
    if (disk.script || disk.backendtype || disk.backend) throw configError(file, item, 'script, backendtype and backend need the xen backend')
  })
}

function checkVifs(read: SettingReader, vifs: VifConfig[]): void {
  const items = read.list('vif')
  for (let i = 0; i < vifs.length; i++) {
    for (let j = 0; j < i; j++) {
      if (vifs[i].devid === vifs[j].devid) throw configError(read.file, items[i], `devid ${vifs[i].devid} is used by vif ${j + 1} already`)
      if (vifs[i].mac === vifs[j].mac) throw configError(read.file, items[i], `mac ${vifs[i].mac} is used by vif ${j + 1} already`)
    }
  }
}

/** Typed access to the settings, with errors that point at the value. */
class SettingReader {
  constructor(readonly file: string, private readonly settings: Map<string, CfgSetting>) {}

  place(key: string): Position {
    const s = this.settings.get(key)!
    return {line: s.line, column: s.column}
  }

  error(key: string, message: string, hint?: string): Error {
    return configError(this.file, this.settings.get(key)!.value, message, hint)
  }

  private value(key: string, want: CfgValue['kind']): CfgValue | undefined {
    const s = this.settings.get(key)
    if (!s) return undefined
    if (s.value.kind !== want) {
      const wanted = want === 'list' ? 'a list' : want === 'string' ? 'a string (in quotes)' : 'a number'
      throw configError(this.file, s.value, `${key} must be ${wanted}, found ${describeValueKind(s.value)}`)
    }
    return s.value
  }

  string(key: string): string | undefined {
    const v = this.value(key, 'string')
    return v?.kind === 'string' ? v.value : undefined
  }

  integer(key: string, min: number): number | undefined {
    const v = this.value(key, 'number')
    if (v?.kind !== 'number') return undefined
    if (v.value < min) throw configError(this.file, v, `${key} must be at least ${min}, found ${v.text}`)
    return v.value
  }

  choice<T extends string>(key: string, allowed: readonly T[]): T | undefined {
    const v = this.string(key)
    if (v === undefined) return undefined
    if (!(allowed as readonly string[]).includes(v)) throw this.error(key, `${key} must be ${allowed.map((a) => `"${a}"`).join(', ')}; found "${v}"`)
    return v as T
  }

  action(key: string, fallback: DomainAction): DomainAction {
    return this.choice(key, DOMAIN_ACTIONS) ?? fallback
  }

  path(key: string, baseDir: string): string | undefined {
    const v = this.string(key)
    if (v === undefined) return undefined
    if (v === '') throw this.error(key, `${key} is empty`)
    return isAbsolute(v) ? v : resolve(baseDir, v)
  }

  list(key: string): CfgValue[] {
    const v = this.value(key, 'list')
    return v?.kind === 'list' ? v.items : []
  }

  specString(key: string, item: CfgValue): Extract<CfgValue, {kind: 'string'}> {
    if (item.kind !== 'string') throw configError(this.file, item, `each ${key} entry must be a spec string (in quotes), found ${describeValueKind(item)}`)
    return item
  }
}
