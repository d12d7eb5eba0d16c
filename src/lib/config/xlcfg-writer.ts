// A domain config written back as xl.cfg text: one `key = value` per line in
// the order xl.cfg(5) documents them, every default spelled out, paths
// absolute. Reading the text back gives the same DomainConfig.
import {DomainConfig} from './domain-config.js'
import {formatDiskSpec} from './disk-spec.js'
import {formatVifSpec} from './vif-spec.js'

/** A string literal xl reads back as `text`. */
export function quoteString(text: string, quote: '"' | "'" = '"'): string {
  let body = ''
  for (const ch of text) {
    const code = ch.codePointAt(0)!
    if (ch === '\\' || ch === quote) body += '\\' + ch
    else if (ch === '\n') body += '\\n'
    else if (ch === '\t') body += '\\t'
    else if (ch === '\r') body += '\\r'
    else if (code < 0x20 || code === 0x7f) body += '\\x' + code.toString(16).padStart(2, '0')
    else body += ch
  }
  return quote + body + quote
}

function specList(specs: string[]): string {
  if (specs.length === 0) return '[ ]'
  if (specs.length === 1) return `[ ${quoteString(specs[0], "'")} ]`
  return '[\n' + specs.map((s) => `    ${quoteString(s, "'")},\n`).join('') + ']'
}

export function formatDomainConfig(config: DomainConfig): string {
  const lines = [
    `name = ${quoteString(config.name)}`,
    `type = ${quoteString(config.type)}`,
    `reseer_backend = ${quoteString(config.backend)}`,
    `vcpus = ${config.vcpus}`,
    `maxvcpus = ${config.maxvcpus}`,
    `memory = ${config.memoryMiB}`,
    `maxmem = ${config.maxmemMiB}`,
  ]
  if (config.kernel !== undefined) lines.push(`kernel = ${quoteString(config.kernel)}`)
  if (config.ramdisk !== undefined) lines.push(`ramdisk = ${quoteString(config.ramdisk)}`)
  if (config.cmdline !== undefined) lines.push(`cmdline = ${quoteString(config.cmdline)}`)
  lines.push(
    `disk = ${specList(config.disks.map(formatDiskSpec))}`,
    `vif = ${specList(config.vifs.map(formatVifSpec))}`,
    `on_poweroff = ${quoteString(config.onPoweroff)}`,
    `on_reboot = ${quoteString(config.onReboot)}`,
    `on_crash = ${quoteString(config.onCrash)}`,
  )
  return lines.join('\n') + '\n'
}
