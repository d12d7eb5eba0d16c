// The saved architectural state of one hart, as bytes. Checkpoints store it,
// replay compares it, and a mismatch must name the first differing register,
// so encoding, decoding and comparison share one field order here and cannot
// drift apart.

/** "RVH1" read as a little-endian u32: refuses a blob that is not a hart state. */
const MAGIC = 0x3148_5652
const VERSION = 1

export const PRIV_USER = 0
export const PRIV_MACHINE = 3

/** Everything a hart must carry across save and restore to run on identically. */
export interface HartState {
  hart: number
  pc: number
  /** x0..x31 as unsigned 32-bit values; x[0] is always 0. */
  x: number[]
  /** PRIV_MACHINE or PRIV_USER. */
  priv: number
  /** Retired instructions since reset: the clock events are pinned to. */
  instret: number
  mstatus: number
  mie: number
  mip: number
  mtvec: number
  mepc: number
  mcause: number
  mtval: number
  mscratch: number
  mcounteren: number
  /** minstret reads instret + this (mod 2^64); guest writes to minstret move it. */
  instretOffset: bigint
  pmpcfg: number[]
  pmpaddr: number[]
  reservationValid: boolean
  reservationAddr: number
  reservationValue: number
  wfi: boolean
  /** The access a Stop.Page stopped at, and those allowed through for that instruction. */
  pendingValid: boolean
  pendingPage: number
  pendingWrite: boolean
  allowPc: number
  allowInstret: number
  /** Pages (and whether as writes) allowed through for that instruction; at most two. */
  allowPages: number[]
  allowWrites: boolean[]
}

const PMPCFG_COUNT = 4
const PMPADDR_COUNT = 16
const ALLOW_SLOTS = 2

// Fields in the order they are stored and compared: [name, words]. Registers
// come first because a replay mismatch is most useful when it names one.
type Field = [name: string, words: 1 | 2]

function fieldOrder(): Field[] {
  const fields: Field[] = [['pc', 1]]
  for (let i = 1; i < 32; i++) fields.push([`x${i}`, 1])
  fields.push(['priv', 1], ['instret', 2])
  for (const name of ['mstatus', 'mie', 'mip', 'mtvec', 'mepc', 'mcause', 'mtval', 'mscratch', 'mcounteren']) {
    fields.push([name, 1])
  }
  fields.push(['instretOffset', 2])
  for (let i = 0; i < PMPCFG_COUNT; i++) fields.push([`pmpcfg${i}`, 1])
  for (let i = 0; i < PMPADDR_COUNT; i++) fields.push([`pmpaddr${i}`, 1])
  fields.push(['reservationValid', 1], ['reservationAddr', 1], ['reservationValue', 1], ['wfi', 1])
  fields.push(['pendingValid', 1], ['pendingPage', 1], ['pendingWrite', 1], ['allowPc', 1], ['allowInstret', 2], ['allowCount', 1])
  for (let i = 0; i < ALLOW_SLOTS; i++) fields.push([`allowPage${i}`, 1], [`allowWrite${i}`, 1])
  return fields
}

const FIELDS = fieldOrder()
const HEADER_WORDS = 3
const BODY_WORDS = FIELDS.reduce((n, [, words]) => n + words, 0)
export const HART_STATE_BYTES = (HEADER_WORDS + BODY_WORDS) * 4
/** The byte offset of the pc in an encoded hart state: the first field after the header. */
export const HART_STATE_PC_OFFSET = HEADER_WORDS * 4

function flatten(state: HartState): Map<string, bigint> {
  const values = new Map<string, bigint>()
  const u32 = (v: number) => BigInt(v >>> 0)
  values.set('pc', u32(state.pc))
  for (let i = 1; i < 32; i++) values.set(`x${i}`, u32(state.x[i]))
  values.set('priv', u32(state.priv))
  values.set('instret', BigInt(state.instret))
  for (const name of ['mstatus', 'mie', 'mip', 'mtvec', 'mepc', 'mcause', 'mtval', 'mscratch', 'mcounteren'] as const) {
    values.set(name, u32(state[name]))
  }
  values.set('instretOffset', BigInt.asUintN(64, state.instretOffset))
  for (let i = 0; i < PMPCFG_COUNT; i++) values.set(`pmpcfg${i}`, u32(state.pmpcfg[i]))
  for (let i = 0; i < PMPADDR_COUNT; i++) values.set(`pmpaddr${i}`, u32(state.pmpaddr[i]))
  values.set('reservationValid', state.reservationValid ? 1n : 0n)
  values.set('reservationAddr', u32(state.reservationAddr))
  values.set('reservationValue', u32(state.reservationValue))
  values.set('wfi', state.wfi ? 1n : 0n)
  values.set('pendingValid', state.pendingValid ? 1n : 0n)
  values.set('pendingPage', u32(state.pendingPage))
  values.set('pendingWrite', state.pendingWrite ? 1n : 0n)
  values.set('allowPc', u32(state.allowPc))
  values.set('allowInstret', BigInt(state.allowInstret))
  values.set('allowCount', BigInt(state.allowPages.length))
  for (let i = 0; i < ALLOW_SLOTS; i++) {
    values.set(`allowPage${i}`, u32(state.allowPages[i] ?? 0))
    values.set(`allowWrite${i}`, state.allowWrites[i] ? 1n : 0n)
  }
  return values
}

export function encodeHartState(state: HartState): Uint8Array {
  const bytes = new Uint8Array(HART_STATE_BYTES)
  const view = new DataView(bytes.buffer)
  view.setUint32(0, MAGIC, true)
  view.setUint32(4, VERSION, true)
  view.setUint32(8, state.hart >>> 0, true)
  const values = flatten(state)
  let at = HEADER_WORDS * 4
  for (const [name, words] of FIELDS) {
    const value = values.get(name)!
    if (words === 2) {
      view.setBigUint64(at, value, true)
    } else {
      view.setUint32(at, Number(value), true)
    }
    at += words * 4
  }
  return bytes
}

function readFields(bytes: Uint8Array): {hart: number; values: Map<string, bigint>} {
  if (!(bytes instanceof Uint8Array) || bytes.byteLength !== HART_STATE_BYTES) {
    throw new RangeError(`hart state must be ${HART_STATE_BYTES} bytes, got ${bytes?.byteLength ?? typeof bytes}`)
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  if (view.getUint32(0, true) !== MAGIC) throw new RangeError('not a hart state (bad magic)')
  const version = view.getUint32(4, true)
  if (version !== VERSION) throw new RangeError(`hart state version ${version} is not supported (this build reads ${VERSION})`)
  const values = new Map<string, bigint>()
  let at = HEADER_WORDS * 4
  for (const [name, words] of FIELDS) {
    values.set(name, words === 2 ? view.getBigUint64(at, true) : BigInt(view.getUint32(at, true)))
    at += words * 4
  }
  return {hart: view.getUint32(8, true), values}
}

/** The saved state as a plain object, for inspection and for Hart.loadState. */
export function decodeHartState(bytes: Uint8Array): HartState {
  const {hart, values} = readFields(bytes)
  const n = (name: string) => Number(values.get(name)!)
  const flag = (name: string) => values.get(name)! !== 0n
  const x = [0]
  for (let i = 1; i < 32; i++) x.push(n(`x${i}`))
  const list = (prefix: string, count: number) => Array.from({length: count}, (_, i) => n(`${prefix}${i}`))
  return {
    hart,
    pc: n('pc'),
    x,
    priv: n('priv'),
    instret: n('instret'),
    mstatus: n('mstatus'),
    mie: n('mie'),
    mip: n('mip'),
    mtvec: n('mtvec'),
    mepc: n('mepc'),
    mcause: n('mcause'),
    mtval: n('mtval'),
    mscratch: n('mscratch'),
    mcounteren: n('mcounteren'),
    instretOffset: values.get('instretOffset')!,
    pmpcfg: list('pmpcfg', PMPCFG_COUNT),
    pmpaddr: list('pmpaddr', PMPADDR_COUNT),
    reservationValid: flag('reservationValid'),
    reservationAddr: n('reservationAddr'),
    reservationValue: n('reservationValue'),
    wfi: flag('wfi'),
    pendingValid: flag('pendingValid'),
    pendingPage: n('pendingPage'),
    pendingWrite: flag('pendingWrite'),
    allowPc: n('allowPc'),
    allowInstret: n('allowInstret'),
    allowPages: list('allowPage', Math.min(n('allowCount'), ALLOW_SLOTS)),
    allowWrites: Array.from({length: Math.min(n('allowCount'), ALLOW_SLOTS)}, (_, i) => flag(`allowWrite${i}`)),
  }
}

function hex(value: bigint, words: 1 | 2): string {
  return '0x' + value.toString(16).padStart(words * 8, '0')
}

/**
 * The first field in which two saved states differ, as "x10 0x00000003 !=
 * 0x00000004", or undefined when they are identical.
 */
export function diffHartState(a: Uint8Array, b: Uint8Array): string | undefined {
  const left = readFields(a)
  const right = readFields(b)
  if (left.hart !== right.hart) return `hart ${left.hart} != ${right.hart}`
  for (const [name, words] of FIELDS) {
    const l = left.values.get(name)!
    const r = right.values.get(name)!
    if (l !== r) return `${name} ${hex(l, words)} != ${hex(r, words)}`
  }
  return undefined
}
