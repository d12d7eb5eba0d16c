// One entry of `disk = [...]`, in the syntax of xl-disk-configuration(5):
// positional `target,format,vdev,access`, named `key=value` settings and
// flags in any mix, `target=` last because a target may contain commas, and
// the deprecated `phy:`/`raw:`-style target prefixes and `hdc:cdrom` vdevs.
import {isAbsolute, resolve} from 'node:path'
import {StringValue} from './xlcfg-parser.js'
import {SpecContext, SpecItem, splitSpec} from './spec-string.js'

export const DISK_FORMATS = ['raw', 'qcow', 'qcow2', 'vhd', 'qed'] as const
export type DiskFormat = (typeof DISK_FORMATS)[number]
export const DISK_BACKEND_TYPES = ['phy', 'qdisk', 'tap', 'standalone'] as const
export type DiskBackendType = (typeof DISK_BACKEND_TYPES)[number]
export type DiskAccess = 'rw' | 'ro'
export type DiskDevtype = 'disk' | 'cdrom'

export interface DiskConfig {
  /** Absolute path (or, with a script, the script's own argument); absent for an empty cdrom drive. */
  target?: string
  format: DiskFormat
  /** The name the guest sees, e.g. xvda, hdc, sda1. */
  vdev: string
  access: DiskAccess
  readonly: boolean
  devtype: DiskDevtype
  backendtype?: DiskBackendType
  /** The domain that serves the disk, by name or id. */
  backend?: string
  script?: string
  /** Whether discard requests pass through; absent means the backend decides. */
  discard?: boolean
  directIoSafe: boolean
}

const POSITIONAL = ['target', 'format', 'vdev', 'access'] as const
type Positional = (typeof POSITIONAL)[number]
const NAMED = new Set<string>([...POSITIONAL, 'devtype', 'backend', 'backendtype', 'script'])
const FLAGS = new Set(['cdrom', 'discard', 'no-discard', 'direct-io-safe'])
const VDEV_SHAPE = /^(?:(?:xvd|hd|sd)[a-z]+[0-9]*|d[0-9]+(?:p[0-9]+)?)$/

// Prefixes of the old `format:target` syntax, and what each one says.
const TARGET_PREFIXES: Record<string, {format?: DiskFormat; backendtype?: DiskBackendType}> = {
  'phy:': {format: 'raw', backendtype: 'phy'},
  'file:': {format: 'raw'},
  'aio:': {format: 'raw'},
  'tap:': {backendtype: 'tap'},
  'tap2:': {backendtype: 'tap'},
  'raw:': {format: 'raw'},
  'qcow:': {format: 'qcow'},
  'qcow2:': {format: 'qcow2'},
  'vhd:': {format: 'vhd'},
  'qed:': {format: 'qed'},
}

interface Given {
  value: string
  offset: number
}

/**
 * Read one disk spec. Relative targets resolve against `baseDir`, the
 * directory of the config file, as xl does.
 */
export function parseDiskSpec(spec: StringValue, file: string, baseDir: string): DiskConfig {
  const ctx = new SpecContext(file, spec, `disk '${spec.value}'`)
  const given = new Map<string, Given>()
  const flags = new Map<string, number>()
  let prefixed: {format?: DiskFormat; backendtype?: DiskBackendType} | undefined

  const take = (name: string, value: string, offset: number): void => {
    if (given.has(name)) throw ctx.error(offset, `'${name}' is given twice`)
    given.set(name, {value, offset})
  }

  for (const item of splitSpec(spec.value, 'target')) {
    if (item.key !== undefined) {
      const name = item.key.toLowerCase()
      if (!NAMED.has(name)) throw ctx.error(item.start, `unknown setting '${item.key}'`, `expected one of ${[...NAMED].join(', ')} or a flag (${[...FLAGS].join(', ')})`)
      take(name, item.value!, item.valueStart!)
      continue
    }
    if (FLAGS.has(item.text.toLowerCase())) {
      const flag = item.text.toLowerCase()
      if (flags.has(flag)) throw ctx.error(item.start, `'${flag}' is given twice`)
      flags.set(flag, item.start)
      continue
    }
    const slot = nextPositional(given, prefixed !== undefined)
    if (!slot && item.text === '') continue
    if (!slot) throw ctx.error(item.start, `unexpected '${item.text}' after target, format, vdev and access`)
    if (slot === 'target') prefixed = stripPrefixes(item, ctx)
    take(slot, item.text, item.start)
  }

  return buildDisk(ctx, given, flags, prefixed, baseDir)
}

function nextPositional(given: Map<string, Given>, hadPrefix: boolean): Positional | undefined {
  // A deprecated prefix already said the format, so xl moves straight on to vdev.
  return POSITIONAL.find((slot) => !given.has(slot) && !(hadPrefix && slot === 'format'))
}

/** Strip `phy:`-style prefixes off a positional target, in place. */
function stripPrefixes(item: SpecItem, ctx: SpecContext): {format?: DiskFormat; backendtype?: DiskBackendType} | undefined {
  let found: {format?: DiskFormat; backendtype?: DiskBackendType} | undefined
  for (;;) {
    const prefix = Object.keys(TARGET_PREFIXES).find((p) => item.text.startsWith(p))
    if (!prefix) return found
    found = {...found, ...TARGET_PREFIXES[prefix]}
    item.text = item.text.slice(prefix.length)
    item.start += prefix.length
    if (item.text === '') throw ctx.error(item.start, `expected a target after '${prefix}'`)
  }
}

function buildDisk(ctx: SpecContext, given: Map<string, Given>, flags: Map<string, number>,
  prefixed: {format?: DiskFormat; backendtype?: DiskBackendType} | undefined, baseDir: string): DiskConfig {
  const value = (name: string): Given | undefined => {
    const g = given.get(name)
    return g && g.value !== '' ? g : undefined
  }

  let devtype: DiskDevtype = flags.has('cdrom') ? 'cdrom' : 'disk'
  let vdev = value('vdev')
  if (vdev) {
    // The old `hdc:cdrom` form names the device type after the vdev.
    const colon = vdev.value.indexOf(':')
    if (colon !== -1) {
      const suffix = vdev.value.slice(colon + 1)
      if (suffix !== 'cdrom' && suffix !== 'disk') throw ctx.error(vdev.offset + colon + 1, `expected 'cdrom' or 'disk' after ':' in vdev, found '${suffix}'`)
      if (suffix === 'cdrom') devtype = 'cdrom'
      vdev = {value: vdev.value.slice(0, colon), offset: vdev.offset}
    }
  }
  const devtypeGiven = value('devtype')
  if (devtypeGiven) {
    if (devtypeGiven.value !== 'cdrom' && devtypeGiven.value !== 'disk') throw ctx.error(devtypeGiven.offset, `devtype must be 'cdrom' or 'disk', found '${devtypeGiven.value}'`)
    if (flags.has('cdrom') && devtypeGiven.value === 'disk') throw ctx.error(devtypeGiven.offset, `devtype=disk contradicts the cdrom flag`)
    devtype = devtypeGiven.value
  }

  if (!vdev) throw ctx.error(0, 'no vdev given', "name the guest's device, e.g. 'vdev=xvda'")
  if (!VDEV_SHAPE.test(vdev.value)) throw ctx.error(vdev.offset, `bad vdev '${vdev.value}'`, 'expected a name such as xvda, hdc, sda1 or d0p1')

  const formatGiven = value('format')
  let format: DiskFormat = prefixed?.format ?? 'raw'
  if (formatGiven) {
    if (!(DISK_FORMATS as readonly string[]).includes(formatGiven.value)) throw ctx.error(formatGiven.offset, `unknown format '${formatGiven.value}'`, `expected one of ${DISK_FORMATS.join(', ')}`)
    format = formatGiven.value as DiskFormat
  }

  const accessGiven = value('access')
  let access: DiskAccess = devtype === 'cdrom' ? 'ro' : 'rw'
  if (accessGiven) {
    const a = accessGiven.value.toLowerCase()
    if (a === 'r' || a === 'ro') access = 'ro'
    else if (a === 'w' || a === 'rw') access = 'rw'
    else throw ctx.error(accessGiven.offset, `bad access '${accessGiven.value}'`, "expected 'ro' (or 'r') or 'rw' (or 'w')")
    if (devtype === 'cdrom' && access === 'rw') throw ctx.error(accessGiven.offset, 'a cdrom is read-only, access=rw is not possible')
  }

  let backendtype = prefixed?.backendtype
  const backendtypeGiven = value('backendtype')
  if (backendtypeGiven) {
    if (!(DISK_BACKEND_TYPES as readonly string[]).includes(backendtypeGiven.value)) throw ctx.error(backendtypeGiven.offset, `unknown backendtype '${backendtypeGiven.value}'`, `expected one of ${DISK_BACKEND_TYPES.join(', ')}`)
    backendtype = backendtypeGiven.value as DiskBackendType
  }

  const script = value('script')?.value
  const targetGiven = value('target')
  if (!targetGiven && devtype !== 'cdrom') throw ctx.error(0, 'no target given', 'name the image or device, e.g. target=disk.img (only a cdrom drive may be empty)')
  // With a script, the target is the script's argument, not necessarily a path.
  const target = targetGiven && !script && !isAbsolute(targetGiven.value) ? resolve(baseDir, targetGiven.value) : targetGiven?.value

  if (flags.has('discard') && flags.has('no-discard')) throw ctx.error(flags.get('no-discard')!, "'discard' and 'no-discard' contradict each other")

  const disk: DiskConfig = {
    ...(target === undefined ? {} : {target}),
    format,
    vdev: vdev.value,
    access,
    readonly: access === 'ro',
    devtype,
    directIoSafe: flags.has('direct-io-safe'),
  }
  if (backendtype) disk.backendtype = backendtype
  const backend = value('backend')?.value
  if (backend) disk.backend = backend
  if (script) disk.script = script
  if (flags.has('discard')) disk.discard = true
  if (flags.has('no-discard')) disk.discard = false
  return disk
}

/** The spec in xl's canonical named form, `target=` last. */
export function formatDiskSpec(disk: DiskConfig): string {
  const parts = [`format=${disk.format}`, `vdev=${disk.vdev}`, `access=${disk.access}`]
  if (disk.devtype === 'cdrom') parts.push('devtype=cdrom')
  if (disk.backendtype) parts.push(`backendtype=${disk.backendtype}`)
  if (disk.backend) parts.push(`backend=${disk.backend}`)
  if (disk.script) parts.push(`script=${disk.script}`)
  if (disk.discard !== undefined) parts.push(disk.discard ? 'discard' : 'no-discard')
  if (disk.directIoSafe) parts.push('direct-io-safe')
  if (disk.target !== undefined) parts.push(`target=${disk.target}`)
  return parts.join(', ')
}
