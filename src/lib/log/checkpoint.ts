// Checkpoint manifests: checkpoints/NNNNNN.ckpt, one envelope (see
// envelope.ts) per checkpoint. The JSON part:
//
//   {index, vcpus: [{instret: "<u64 decimal>", stateBytes}], deviceBytes,
//    streamBytes: [<bytes of each vCPU's event stream at the checkpoint>],
//    contents: {first, count}, memoryPages, disks: [{name, blocks}],
//    packs: {pack, bytes}, meta}
//
// The binary body, in order: the vCPU states, the device state, `count`
// content locations (48 bytes each: u32 pack, u32 frame bytes, u64 offset,
// 32-byte SHA-256) for content ids first..first+count-1, then `memoryPages`
// (u32 page, u32 content id) pairs sorted by page, then each disk's
// `blocks` (u32 block, u32 content id) pairs sorted by block.
import {damaged, openEnvelope, sealEnvelope} from './envelope.js'
import {MAGIC} from './layout.js'
import {type ContentLocation, HASH_BYTES} from './pack.js'

const LOCATION_BYTES = 16 + HASH_BYTES

export interface VcpuCheckpoint {
  /** The backend's architectural state of the vCPU, opaque to the log. */
  state: Uint8Array
  /** Instructions the vCPU has retired since the recording began. */
  instret: bigint
}

/** A manifest as stored: the changes since the previous checkpoint. */
export interface CheckpointManifest {
  index: number
  vcpus: VcpuCheckpoint[]
  /** The backend's device state, opaque to the log. */
  device: Uint8Array
  /** Length in bytes of each vCPU's event stream when the checkpoint was taken. */
  streamBytes: number[]
  /** Content ids first.. stored since the previous checkpoint, with where they lie. */
  firstContent: number
  contents: ContentLocation[]
  /** Guest pages written since the previous checkpoint: page number -> content id (0: all zero). */
  pages: Map<number, number>
  /** Disk blocks written since the previous checkpoint, per disk name. */
  disks: Map<string, Map<number, number>>
  /** Where the page store ended when the checkpoint was taken. */
  pack: number
  packBytes: number
  /** The recorder's own per-checkpoint data (console offset and the like). */
  meta: Record<string, unknown>
}

export function encodeManifest(m: CheckpointManifest): Buffer {
  const pages = sortedPairs(m.pages)
  const disks = [...m.disks].map(([name, blocks]) => ({name, pairs: sortedPairs(blocks)}))
  const states = m.vcpus.reduce((n, v) => n + v.state.length, 0)
  const body = Buffer.alloc(states + m.device.length + m.contents.length * LOCATION_BYTES +
    8 * pages.length / 2 + disks.reduce((n, d) => n + 8 * d.pairs.length / 2, 0))
  let at = 0
  for (const v of m.vcpus) {
    body.set(v.state, at)
    at += v.state.length
  }
  body.set(m.device, at)
  at += m.device.length
  for (const c of m.contents) {
    body.writeUInt32LE(c.pack, at)
    body.writeUInt32LE(c.frameBytes, at + 4)
    body.writeBigUInt64LE(BigInt(c.offset), at + 8)
    c.hash.copy(body, at + 16)
    at += LOCATION_BYTES
  }
  for (const pairs of [pages, ...disks.map((d) => d.pairs)]) {
    for (const n of pairs) {
      body.writeUInt32LE(n, at)
      at += 4
    }
  }
  return sealEnvelope(MAGIC.checkpoint, {
    index: m.index,
    vcpus: m.vcpus.map((v) => ({instret: v.instret.toString(), stateBytes: v.state.length})),
    deviceBytes: m.device.length,
    streamBytes: m.streamBytes,
    contents: {first: m.firstContent, count: m.contents.length},
    memoryPages: pages.length / 2,
    disks: disks.map((d) => ({name: d.name, blocks: d.pairs.length / 2})),
    packs: {pack: m.pack, bytes: m.packBytes},
    meta: m.meta,
  }, body)
}

function sortedPairs(map: ReadonlyMap<number, number>): number[] {
  const keys = [...map.keys()].sort((a, b) => a - b)
  const out: number[] = []
  for (const k of keys) out.push(k, map.get(k)!)
  return out
}

export function decodeManifest(bytes: Buffer, what: string): CheckpointManifest {
  const {json, body} = openEnvelope(bytes, MAGIC.checkpoint, what, 'checkpoint manifest')
  const bad = (field: string): never => {
    throw damaged(`${what} is corrupt (${field})`)
  }
  const count = (v: unknown, field: string): number => (Number.isSafeInteger(v) && (v as number) >= 0 ? (v as number) : bad(field))
  const index = count(json.index, 'index')
  if (!Array.isArray(json.vcpus)) bad('vcpus')
  const vcpuJson = json.vcpus as {instret?: unknown; stateBytes?: unknown}[]
  const streamBytes = Array.isArray(json.streamBytes) ? (json.streamBytes as unknown[]).map((n) => count(n, 'streamBytes')) : bad('streamBytes')
  const contentsJson = (json.contents ?? {}) as {first?: unknown; count?: unknown}
  const packsJson = (json.packs ?? {}) as {pack?: unknown; bytes?: unknown}
  const disksJson = Array.isArray(json.disks) ? (json.disks as {name?: unknown; blocks?: unknown}[]) : bad('disks')
  const meta = json.meta && typeof json.meta === 'object' && !Array.isArray(json.meta) ? (json.meta as Record<string, unknown>) : bad('meta')
  let at = 0
  const take = (n: number, field: string): Buffer => {
    if (at + n > body.length) bad(`${field} runs past the end`)
    at += n
    return body.subarray(at - n, at)
  }
  const vcpus = vcpuJson.map((v, i) => {
    if (typeof v?.instret !== 'string' || !/^\d+$/.test(v.instret)) bad(`vcpus[${i}].instret`)
    return {instret: BigInt(v.instret as string), state: Buffer.from(take(count(v.stateBytes, `vcpus[${i}].stateBytes`), 'vCPU state'))}
  })
  const device = Buffer.from(take(count(json.deviceBytes, 'deviceBytes'), 'device state'))
  const firstContent = count(contentsJson.first, 'contents.first')
  const table = take(count(contentsJson.count, 'contents.count') * LOCATION_BYTES, 'content table')
  const contents: ContentLocation[] = []
  for (let p = 0; p < table.length; p += LOCATION_BYTES) {
    contents.push({
      pack: table.readUInt32LE(p),
      frameBytes: table.readUInt32LE(p + 4),
      offset: Number(table.readBigUInt64LE(p + 8)),
      hash: Buffer.from(table.subarray(p + 16, p + LOCATION_BYTES)),
    })
  }
  const pairs = (n: number, field: string): Map<number, number> => {
    const raw = take(n * 8, field)
    const map = new Map<number, number>()
    let last = -1
    for (let p = 0; p < raw.length; p += 8) {
      const key = raw.readUInt32LE(p)
      if (key <= last) bad(`${field} not sorted`)
      last = key
      map.set(key, raw.readUInt32LE(p + 4))
    }
    return map
  }
  const pages = pairs(count(json.memoryPages, 'memoryPages'), 'page map')
  const disks = new Map<string, Map<number, number>>()
  disksJson.forEach((d, i) => {
    if (typeof d?.name !== 'string') bad(`disks[${i}].name`)
    disks.set(d.name as string, pairs(count(d.blocks, `disks[${i}].blocks`), `disk ${String(d.name)} block map`))
  })
  if (at !== body.length) bad(`${body.length - at} stray bytes after the block maps`)
  return {
    index, vcpus, device, streamBytes, firstContent, contents, pages, disks,
    pack: count(packsJson.pack, 'packs.pack'), packBytes: count(packsJson.bytes, 'packs.bytes'), meta,
  }
}
