// virtio-blk (virtio 1.1 section 5.2) over a DiskImage. Each request is a
// header (type, sector), data buffers and a one-byte status the device writes.

import type {GuestMemory} from './device.js'
import type {DiskImage} from './disk-image.js'
import type {Descriptor, VirtioBackend} from './virtio-mmio.js'

const ID_BLOCK = 2
const F_RO = 1 << 5
const T_IN = 0
const T_OUT = 1
const T_FLUSH = 4
const T_GET_ID = 8
const S_OK = 0
const S_IOERR = 1
const S_UNSUPP = 2
const SECTOR = 512
const ID_BYTES = 20

export class VirtioBlk implements VirtioBackend {
  readonly deviceId = ID_BLOCK
  readonly features: number

  constructor(private readonly disk: DiskImage) {
    this.features = disk.readonly ? F_RO : 0
  }

  /** capacity (le64, sectors) at 0, then nothing else the drivers here read. */
  config(offset: number): number {
    if (offset >= 8) return 0
    return Number((BigInt(this.disk.sectors) >> BigInt(8 * offset)) & 0xffn)
  }

  process(_queue: number, chain: Descriptor[], memory: GuestMemory): number {
    const header = chain[0]
    const status = chain[chain.length - 1]
    if (chain.length < 2 || header.length < 16 || header.writable || !status.writable || status.length < 1) return 0
    const bytes = memory.read(header.addr, 16)
    if (!bytes) return 0
    const view = new DataView(bytes.buffer, bytes.byteOffset, 16)
    const type = view.getUint32(0, true)
    const sector = Number(view.getBigUint64(8, true))
    const data = chain.slice(1, -1)
    const result = this.serve(type, sector, data, memory)
    memory.write(status.addr, Uint8Array.of(result.status), false)
    return result.written + 1
  }

  private serve(type: number, sector: number, data: Descriptor[], memory: GuestMemory): {status: number; written: number} {
    let offset = sector * SECTOR
    const total = data.reduce((n, d) => n + d.length, 0)
    switch (type) {
      case T_IN: {
        if (offset + total > this.disk.bytes.length || data.some((d) => !d.writable)) return {status: S_IOERR, written: 0}
        for (const d of data) {
          if (!memory.write(d.addr, this.disk.bytes.subarray(offset, offset + d.length), false)) return {status: S_IOERR, written: 0}
          offset += d.length
        }
        return {status: S_OK, written: total}
      }
      case T_OUT: {
        if (this.disk.readonly || offset + total > this.disk.bytes.length || data.some((d) => d.writable)) return {status: S_IOERR, written: 0}
        for (const d of data) {
          const bytes = memory.read(d.addr, d.length)
          if (!bytes) return {status: S_IOERR, written: 0}
          this.disk.write(offset, bytes)
          offset += d.length
        }
        return {status: S_OK, written: 0}
      }
      case T_FLUSH:
        return {status: S_OK, written: 0}
      case T_GET_ID: {
        const id = new Uint8Array(ID_BYTES)
        id.set(new TextEncoder().encode('reseer-sim-disk'))
        const d = data[0]
        if (!d?.writable) return {status: S_IOERR, written: 0}
        const n = Math.min(d.length, ID_BYTES)
        memory.write(d.addr, id.subarray(0, n), false)
        return {status: S_OK, written: n}
      }
      default:
        return {status: S_UNSUPP, written: 0}
    }
  }
}
