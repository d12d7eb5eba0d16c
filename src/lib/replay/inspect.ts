// Inspection of a replay where it stopped: every hart's registers, ranges of
// guest memory, and what changed between two checkpoints and which hart
// wrote it. Also the parsers of the places and ranges users name on the
// command line, each refusing bad input with one usage error.
import {EXIT_USAGE, ReseerError} from '../cli/errors.js'
import type {LogReader} from '../log/reader.js'
import {PAGE_SHIFT, PAGE_SIZE, RAM_BASE} from '../sim/hart-env.js'
import {PRIV_MACHINE, PRIV_USER, decodeHartState} from '../sim/hart-state.js'
import type {GuestSymbol} from './symbols.js'

function usage(message: string): ReseerError {
  return new ReseerError(message, {code: 'EUSAGE', exitCode: EXIT_USAGE})
}

/** Where a replay stops: at a checkpoint, or the moment a hart has retired a count of instructions. */
export type Until = {checkpoint: number} | {hart: number; instret: number}

/** A count as users write it: decimal, 0x hex, or with a k, M or G suffix (250k). */
function parseCount(text: string): number | undefined {
  const hex = /^0x([0-9a-f]+)$/i.exec(text)
  if (hex) return Number.parseInt(hex[1], 16)
  const match = /^(\d+(?:\.\d+)?)([kmg]?)$/i.exec(text)
  if (!match) return undefined
  const value = Number(match[1]) * {'': 1, k: 1e3, m: 1e6, g: 1e9}[match[2].toLowerCase()]!
  return Number.isSafeInteger(value) ? value : undefined
}

/** `K` (checkpoint K) or `H:N` (hart H has retired N instructions, N as in 250000, 250k or 0x3d090). */
export function parseUntil(text: string): Until {
  const bad = () => usage(`--until '${text}': expected a checkpoint (3) or HART:INSTRET, a hart and its retired-instruction count (1:250000, 1:250k)`)
  const at = /^\s*(\d+)\s*:\s*(\S+)\s*$/.exec(text)
  if (at) {
    const instret = parseCount(at[2])
    if (instret === undefined) throw bad()
    return {hart: Number(at[1]), instret}
  }
  if (/^\s*\d+\s*$/.test(text)) return {checkpoint: Number(text)}
  throw bad()
}

/** `K:L`, two checkpoints, K before L. */
export function parseCheckpointPair(text: string, flag = '--diff'): {from: number; to: number} {
  const match = /^\s*(\d+)\s*:\s*(\d+)\s*$/.exec(text)
  if (!match) throw usage(`${flag} '${text}': expected two checkpoints as K:L, e.g. 1:3`)
  const from = Number(match[1])
  const to = Number(match[2])
  if (from >= to) throw usage(`${flag} '${text}': the first checkpoint must come before the second`)
  return {from, to}
}

export interface MemRange {
  /** What the user wrote, for reports. */
  spec: string
  address: number
  length: number
  symbol?: string
}

export const DEFAULT_MEM_LENGTH = 64
export const MAX_MEM_LENGTH = 1 << 20

/**
 * `ADDR[:LEN]`: ADDR in hex (0x80001000) or decimal, or a symbol of the
 * guest's ELF (whose size is then the default length); LEN in bytes
 * (decimal, 0x hex, or 4k), 64 by default. The range must lie in guest RAM.
 */
export function parseMemRange(text: string, memoryBytes: number, symbols: ReadonlyMap<string, GuestSymbol>): MemRange {
  const match = /^\s*([^:\s]+)\s*(?::\s*(\S+))?\s*$/.exec(text)
  if (!match) throw usage(`--mem '${text}': expected ADDR[:LEN], e.g. 0x80001000:256 or a guest symbol such as counter`)
  let address = parseCount(match[1])
  let symbol: GuestSymbol | undefined
  if (address === undefined) {
    symbol = symbols.get(match[1])
    if (!symbol) {
      const hint = symbols.size > 0 ? 'the guest has no such symbol' : "the guest's kernel has no symbol table"
      throw usage(`--mem '${text}': '${match[1]}' is neither an address (0x80001000) nor a guest symbol (${hint})`)
    }
    address = symbol.address
  }
  let length = symbol && symbol.size > 0 ? symbol.size : DEFAULT_MEM_LENGTH
  if (match[2] !== undefined) {
    const given = parseCount(match[2])
    if (given === undefined || given < 1) throw usage(`--mem '${text}': the length '${match[2]}' is not a positive count of bytes`)
    length = given
  }
  if (length > MAX_MEM_LENGTH) throw usage(`--mem '${text}': at most ${MAX_MEM_LENGTH} bytes at a time`)
  const end = RAM_BASE + memoryBytes
  if (address < RAM_BASE || address + length > end) {
    throw usage(`--mem '${text}': 0x${address.toString(16)}..0x${(address + length - 1).toString(16)} is not within guest RAM 0x${RAM_BASE.toString(16)}..0x${(end - 1).toString(16)}`)
  }
  return {spec: text, address, length, ...(symbol ? {symbol: symbol.name} : {})}
}

export const ABI_NAMES = [
  'zero', 'ra', 'sp', 'gp', 'tp', 't0', 't1', 't2', 's0', 's1', 'a0', 'a1', 'a2', 'a3', 'a4', 'a5',
  'a6', 'a7', 's2', 's3', 's4', 's5', 's6', 's7', 's8', 's9', 's10', 's11', 't3', 't4', 't5', 't6',
] as const

const CSR_NAMES = ['mstatus', 'mie', 'mip', 'mtvec', 'mepc', 'mcause', 'mtval', 'mscratch', 'mcounteren'] as const

export interface HartRegisters {
  hart: number
  pc: number
  /** 'M' or 'U'. */
  privilege: string
  instret: number
  /** Asleep in WFI. */
  wfi: boolean
  /** x0..x31 by ABI name, in register order. */
  x: Array<{reg: string; abi: string; value: number}>
  csrs: Record<(typeof CSR_NAMES)[number], number>
}

/** A hart's registers from its saved state bytes (a checkpoint's, or the machine's now). */
export function hartRegisters(state: Uint8Array): HartRegisters {
  const s = decodeHartState(state)
  const csrs = Object.fromEntries(CSR_NAMES.map((name) => [name, s[name] >>> 0])) as HartRegisters['csrs']
  return {
    hart: s.hart,
    pc: s.pc >>> 0,
    privilege: s.priv === PRIV_MACHINE ? 'M' : s.priv === PRIV_USER ? 'U' : String(s.priv),
    instret: s.instret,
    wfi: s.wfi,
    x: s.x.map((value, i) => ({reg: `x${i}`, abi: ABI_NAMES[i], value: value >>> 0})),
    csrs,
  }
}

const hex32 = (n: number): string => '0x' + (n >>> 0).toString(16).padStart(8, '0')

export function formatRegisters(regs: HartRegisters): string[] {
  const lines = [`hart ${regs.hart}  pc ${hex32(regs.pc)}  priv ${regs.privilege}  instret ${regs.instret}${regs.wfi ? '  (in WFI)' : ''}`]
  for (let row = 0; row < 32; row += 4) {
    lines.push('  ' + regs.x.slice(row, row + 4).map((r) => `${`${r.reg}/${r.abi}`.padStart(8)} ${hex32(r.value)}`).join('  '))
  }
  const csrs = Object.entries(regs.csrs).map(([name, value]) => `${name} ${hex32(value)}`)
  lines.push('  ' + csrs.slice(0, 5).join('  '), '  ' + csrs.slice(5).join('  '))
  return lines
}

export interface MemDump {
  spec: string
  address: number
  length: number
  symbol?: string
  /** The bytes as hex, two digits each, no spaces. */
  hex: string
  /** Little-endian 32-bit words from `address`, as far as whole words go. */
  words: number[]
}

export function memDump(range: MemRange, bytes: Uint8Array): MemDump {
  const words: number[] = []
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  for (let at = 0; at + 4 <= bytes.length; at += 4) words.push(view.getUint32(at, true))
  return {spec: range.spec, address: range.address, length: range.length, ...(range.symbol ? {symbol: range.symbol} : {}), hex: Buffer.from(bytes).toString('hex'), words}
}

/** A hex dump, 16 bytes a line with their printable characters, then the same range as 32-bit words. */
export function formatMemDump(dump: MemDump): string[] {
  const bytes = Buffer.from(dump.hex, 'hex')
  const title = dump.symbol ? `${dump.symbol} (${hex32(dump.address)}, ${dump.length} bytes)` : `${hex32(dump.address)}, ${dump.length} bytes`
  const lines = [`memory ${title}`]
  for (let at = 0; at < bytes.length; at += 16) {
    const row = bytes.subarray(at, at + 16)
    const hexes = [...row].map((b) => b.toString(16).padStart(2, '0'))
    const text = [...row].map((b) => (b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '.')).join('')
    lines.push(`  ${hex32(dump.address + at)}  ${hexes.slice(0, 8).join(' ').padEnd(23)}  ${hexes.slice(8).join(' ').padEnd(23)}  |${text}|`)
  }
  for (let i = 0; i < dump.words.length; i += 4) {
    lines.push(`  ${hex32(dump.address + 4 * i)}  words ${dump.words.slice(i, i + 4).map(hex32).join(' ')}`)
  }
  return lines
}

export interface PageChange {
  address: number
  /** Bytes that differ between the two checkpoints. */
  bytesChanged: number
  /** Offset in the page of the first differing byte. */
  firstOffset: number
  /** Harts that wrote the page in the period, per the sharing summaries. */
  writers: number[]
}

export interface CheckpointDiff {
  from: number
  to: number
  /** Pages whose content differs. */
  pages: PageChange[]
  bytesChanged: number
  /** Pages written in the period that ended with the content they started with. */
  rewrittenUnchanged: number
  /** Per hart: retired instructions in the period and the registers that differ. */
  harts: Array<{hart: number; instructions: number; changed: Array<{name: string; from: number; to: number}>}>
  /** Bytes of device state that differ. */
  deviceBytesChanged: number
  /** Console output printed in the period. */
  consoleBytes: number
}

/** What differs between checkpoints `from` and `to` of a log, and which hart wrote each page. */
export function checkpointDiff(reader: LogReader, from: number, to: number): CheckpointDiff {
  const written = new Set<number>()
  for (let k = from + 1; k <= to; k++) for (const page of reader.dirtyPages(k)) written.add(page)
  const writers = new Map<number, Set<number>>()
  for (let k = from; k < to; k++) {
    reader.summary(k)?.vcpus.forEach((vcpu, hart) => {
      for (const page of vcpu.written) {
        if (!writers.has(page)) writers.set(page, new Set())
        writers.get(page)!.add(hart)
      }
    })
  }
  const pages: PageChange[] = []
  let rewrittenUnchanged = 0
  let bytesChanged = 0
  for (const page of [...written].sort((a, b) => a - b)) {
    if (reader.pageIdAt(from, page) === reader.pageIdAt(to, page)) {
      rewrittenUnchanged++
      continue
    }
    const before = reader.pageAt(from, page)
    const after = reader.pageAt(to, page)
    let count = 0
    let first = -1
    for (let i = 0; i < PAGE_SIZE; i++) {
      if (before[i] !== after[i]) {
        count++
        if (first < 0) first = i
      }
    }
    bytesChanged += count
    pages.push({address: RAM_BASE + page * 2 ** PAGE_SHIFT, bytesChanged: count, firstOffset: first, writers: [...(writers.get(page) ?? [])].sort()})
  }
  const a = reader.checkpoint(from)
  const b = reader.checkpoint(to)
  const harts = a.vcpus.map((vcpu, hart) => {
    const x = hartRegisters(vcpu.state)
    const y = hartRegisters(b.vcpus[hart].state)
    const changed: Array<{name: string; from: number; to: number}> = []
    if (x.pc !== y.pc) changed.push({name: 'pc', from: x.pc, to: y.pc})
    x.x.forEach((r, i) => {
      if (r.value !== y.x[i].value) changed.push({name: r.abi, from: r.value, to: y.x[i].value})
    })
    for (const name of CSR_NAMES) if (x.csrs[name] !== y.csrs[name]) changed.push({name, from: x.csrs[name], to: y.csrs[name]})
    return {hart, instructions: Number(b.vcpus[hart].instret - vcpu.instret), changed}
  })
  let deviceBytesChanged = 0
  for (let i = 0; i < Math.max(a.device.length, b.device.length); i++) if (a.device[i] !== b.device[i]) deviceBytesChanged++
  let consoleBytes = 0
  for (let k = from + 1; k <= to; k++) {
    const text = reader.checkpoint(k).meta.console
    if (typeof text === 'string') consoleBytes += Buffer.from(text, 'base64').length
  }
  return {from, to, pages, bytesChanged, rewrittenUnchanged, harts, deviceBytesChanged, consoleBytes}
}

export function formatCheckpointDiff(diff: CheckpointDiff): string[] {
  const lines = [
    `checkpoint ${diff.from} -> ${diff.to}: ${diff.pages.length} page(s) changed, ${diff.bytesChanged} byte(s); ${diff.rewrittenUnchanged} page(s) written back unchanged; ${diff.consoleBytes} console byte(s)`,
  ]
  for (const page of diff.pages) {
    const by = page.writers.length > 0 ? `written by hart ${page.writers.join(', hart ')}` : 'written by a device'
    lines.push(`  page ${hex32(page.address)}  ${String(page.bytesChanged).padStart(4)} byte(s) from +0x${page.firstOffset.toString(16)}  ${by}`)
  }
  for (const hart of diff.harts) {
    const regs = hart.changed.map((c) => `${c.name} ${hex32(c.from)}->${hex32(c.to)}`)
    lines.push(`  hart ${hart.hart}: ${hart.instructions} instructions${regs.length > 0 ? `; ${regs.join(', ')}` : '; no register changed'}`)
  }
  if (diff.deviceBytesChanged > 0) lines.push(`  devices: ${diff.deviceBytesChanged} byte(s) of state changed`)
  return lines
}
