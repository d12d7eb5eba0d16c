// A virtio-mmio transport, version 2 (virtio 1.1 section 4.2.2), with split
// virtqueues (section 2.6). The virt board has eight slots; an empty slot
// answers with device ID 0, as QEMU's do. Requests are served synchronously
// when the guest notifies a queue, so the device's work happens at that exact
// instruction of the notifying hart, in both machines.
//
//   0x000 MagicValue   0x004 Version      0x008 DeviceID      0x00c VendorID
//   0x010 DeviceFeatures / 0x014 DeviceFeaturesSel
//   0x020 DriverFeatures / 0x024 DriverFeaturesSel
//   0x030 QueueSel     0x034 QueueNumMax  0x038 QueueNum      0x044 QueueReady
//   0x050 QueueNotify  0x060 InterruptStatus / 0x064 InterruptACK
//   0x070 Status       0x080/0x084 QueueDesc  0x090/0x094 QueueDriver  0x0a0/0x0a4 QueueDevice
//   0x0fc ConfigGeneration   0x100.. device configuration

import type {Device, GuestMemory, IrqSink} from './device.js'

const MAGIC = 0x7472_6976
const VENDOR_QEMU = 0x554d_4551
/** VIRTIO_F_VERSION_1, bit 32: the only feature of the high word. */
const FEATURES_HIGH = 1
export const QUEUE_MAX = 256
const DESC_F_NEXT = 1
const DESC_F_WRITE = 2
const STATUS_DEVICE_NEEDS_RESET = 0x40
const MAX_QUEUES = 2

// State layout, in words.
const S_DEVICE_FEATURES_SEL = 0
const S_DRIVER_FEATURES_SEL = 1
const S_DRIVER_FEATURES = 2 // two words
const S_QUEUE_SEL = 4
const S_STATUS = 5
const S_INTERRUPT = 6
const S_QUEUES = 7
// Per queue: num, ready, desc, driver (avail), device (used), next avail index, used index.
const Q_NUM = 0
const Q_READY = 1
const Q_DESC = 2
const Q_DRIVER = 3
const Q_DEVICE = 4
const Q_LAST_AVAIL = 5
const Q_USED = 6
const Q_WORDS = 7

export interface Descriptor {
  addr: number
  length: number
  /** Whether the device writes this buffer (else it reads it). */
  writable: boolean
}

/** What a device type (block, network) adds to the transport. */
export interface VirtioBackend {
  readonly deviceId: number
  /** Feature bits 0..31 the device offers. */
  readonly features: number
  /** A byte of the device configuration space. */
  config(offset: number): number
  /** Serve one request from `queue`; returns how many bytes it wrote into the chain. */
  process(queue: number, chain: Descriptor[], memory: GuestMemory): number
  /** A queue whose buffers wait for the device to fill them (virtio-net receive): notifying it serves nothing. */
  readonly passiveQueue?: number
}

export class VirtioMmio implements Device {
  static readonly STATE_WORDS = S_QUEUES + MAX_QUEUES * Q_WORDS

  readonly size = 0x1000

  constructor(
    readonly base: number,
    private readonly state: Int32Array,
    private readonly irq: number,
    private readonly irqs: IrqSink,
    private readonly memory: GuestMemory,
    private readonly backend?: VirtioBackend,
  ) {}

  load(_hart: number, offset: number, size: 1 | 2 | 4): number | undefined {
    const s = this.state
    if (offset >= 0x100) {
      if (!this.backend) return 0
      let value = 0
      for (let i = size - 1; i >= 0; i--) value = (value << 8) | this.backend.config(offset - 0x100 + i)
      return value
    }
    if (size !== 4) return undefined
    switch (offset) {
      case 0x000: return MAGIC
      case 0x004: return 2
      case 0x008: return this.backend?.deviceId ?? 0
      case 0x00c: return VENDOR_QEMU
      case 0x010: return s[S_DEVICE_FEATURES_SEL] === 0 ? this.backend?.features ?? 0 : s[S_DEVICE_FEATURES_SEL] === 1 ? FEATURES_HIGH : 0
      case 0x034: return this.queue() >= 0 ? QUEUE_MAX : 0
      case 0x044: return this.queue() >= 0 ? s[this.q(Q_READY)] : 0
      case 0x060: return s[S_INTERRUPT]
      case 0x070: return s[S_STATUS]
      case 0x0fc: return 0
      default: return 0
    }
  }

  store(_hart: number, offset: number, size: 1 | 2 | 4, value: number): boolean {
    if (size !== 4) return offset >= 0x100
    const s = this.state
    const q = this.queue()
    switch (offset) {
      case 0x014: s[S_DEVICE_FEATURES_SEL] = value; break
      case 0x020: if (s[S_DRIVER_FEATURES_SEL] < 2) s[S_DRIVER_FEATURES + s[S_DRIVER_FEATURES_SEL]] = value; break
      case 0x024: s[S_DRIVER_FEATURES_SEL] = value; break
      case 0x030: s[S_QUEUE_SEL] = value; break
      case 0x038: if (q >= 0) s[this.q(Q_NUM)] = value; break
      case 0x044: if (q >= 0) s[this.q(Q_READY)] = value & 1; break
      case 0x050: this.notify(value); break
      case 0x064:
        s[S_INTERRUPT] &= ~value
        this.irqs.setLevel(this.irq, s[S_INTERRUPT] !== 0)
        break
      case 0x070:
        if (value === 0) this.reset()
        else s[S_STATUS] = value
        break
      case 0x080: if (q >= 0) s[this.q(Q_DESC)] = value; break
      case 0x090: if (q >= 0) s[this.q(Q_DRIVER)] = value; break
      case 0x0a0: if (q >= 0) s[this.q(Q_DEVICE)] = value; break
    }
    // High halves of queue addresses must be zero on rv32: RAM lies below 4 GiB.
    return true
  }

  /** The next request the driver made available on `queue`, if any. */
  nextAvailable(queue: number): {head: number; chain: Descriptor[]} | undefined {
    const s = this.state
    const base = S_QUEUES + queue * Q_WORDS
    if (!s[base + Q_READY]) return undefined
    const num = s[base + Q_NUM]
    const avail = this.memory.read(s[base + Q_DRIVER] >>> 0, 4 + 2 * num)
    if (!avail || num <= 0 || num > QUEUE_MAX) return this.fail()
    const view = new DataView(avail.buffer, avail.byteOffset, avail.byteLength)
    const last = s[base + Q_LAST_AVAIL]
    if (view.getUint16(2, true) === last) return undefined
    const head = view.getUint16(4 + 2 * (last % num), true)
    s[base + Q_LAST_AVAIL] = (last + 1) & 0xffff
    const table = this.memory.read(s[base + Q_DESC] >>> 0, 16 * num)
    if (!table) return this.fail()
    const descriptors = new DataView(table.buffer, table.byteOffset, table.byteLength)
    const chain: Descriptor[] = []
    for (let i = head; chain.length <= num; ) {
      if (i >= num) return this.fail()
      const at = 16 * i
      const flags = descriptors.getUint16(at + 12, true)
      chain.push({addr: descriptors.getUint32(at, true), length: descriptors.getUint32(at + 8, true), writable: (flags & DESC_F_WRITE) !== 0})
      if (!(flags & DESC_F_NEXT)) return {head, chain}
      i = descriptors.getUint16(at + 14, true)
    }
    // A chain longer than the queue loops.
    return this.fail()
  }

  /** Hand a finished request back to the driver and raise the interrupt. */
  putUsed(queue: number, head: number, written: number): void {
    const s = this.state
    const base = S_QUEUES + queue * Q_WORDS
    const num = s[base + Q_NUM]
    const usedAddr = s[base + Q_DEVICE] >>> 0
    const index = s[base + Q_USED]
    const element = new Uint8Array(8)
    const view = new DataView(element.buffer)
    view.setUint32(0, head, true)
    view.setUint32(4, written, true)
    const idx = new Uint8Array(2)
    new DataView(idx.buffer).setUint16(0, (index + 1) & 0xffff, true)
    if (!this.memory.write(usedAddr + 4 + 8 * (index % num), element, false) || !this.memory.write(usedAddr + 2, idx, false)) {
      this.fail()
      return
    }
    s[base + Q_USED] = (index + 1) & 0xffff
    s[S_INTERRUPT] |= 1
    this.irqs.setLevel(this.irq, true)
  }

  /** Whether the driver has a buffer waiting on `queue`. */
  hasAvailable(queue: number): boolean {
    const s = this.state
    const base = S_QUEUES + queue * Q_WORDS
    if (!s[base + Q_READY]) return false
    const idx = this.memory.read((s[base + Q_DRIVER] >>> 0) + 2, 2)
    return idx !== undefined && (idx[0] | (idx[1] << 8)) !== s[base + Q_LAST_AVAIL]
  }

  /**
   * Fill the next buffer of a passive queue with bytes from outside the guest
   * (a received frame). false when the driver has no buffer waiting.
   */
  deliver(queue: number, bytes: Uint8Array): boolean {
    const request = this.nextAvailable(queue)
    if (!request) return false
    let offset = 0
    for (const d of request.chain) {
      if (!d.writable || offset >= bytes.length) continue
      const n = Math.min(d.length, bytes.length - offset)
      if (!this.memory.write(d.addr, bytes.subarray(offset, offset + n), true)) {
        this.fail()
        return false
      }
      offset += n
    }
    this.putUsed(queue, request.head, offset)
    return true
  }

  private notify(queue: number): void {
    if (!this.backend || queue < 0 || queue >= MAX_QUEUES || queue === this.backend.passiveQueue) return
    for (let request = this.nextAvailable(queue); request; request = this.nextAvailable(queue)) {
      this.putUsed(queue, request.head, this.backend.process(queue, request.chain, this.memory))
    }
  }

  private reset(): void {
    this.state.fill(0)
    this.irqs.setLevel(this.irq, false)
  }

  /** A driver bug (a buffer outside RAM, a looping chain): stop serving until reset, as the spec allows. */
  private fail(): undefined {
    const s = this.state
    s[S_STATUS] |= STATUS_DEVICE_NEEDS_RESET
    for (let q = 0; q < MAX_QUEUES; q++) s[S_QUEUES + q * Q_WORDS + Q_READY] = 0
    return undefined
  }

  private queue(): number {
    const q = this.state[S_QUEUE_SEL]
    return this.backend && q >= 0 && q < MAX_QUEUES ? q : -1
  }

  private q(word: number): number {
    return S_QUEUES + this.queue() * Q_WORDS + word
  }
}
