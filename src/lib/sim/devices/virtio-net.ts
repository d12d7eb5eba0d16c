// virtio-net (virtio 1.1 section 5.1) without offloads: queue 0 receives,
// queue 1 transmits. Every frame carries the 12-byte virtio_net_hdr that
// VIRTIO_F_VERSION_1 implies. Transmitted frames go to a sink the machine
// chooses (a UDP socket in parallel mode, a callback in deterministic mode);
// received frames come in through the transport's deliver().

import type {GuestMemory} from './device.js'
import type {Descriptor, VirtioBackend} from './virtio-mmio.js'

const ID_NET = 1
const F_MAC = 1 << 5
export const NET_RX_QUEUE = 0
const NET_TX_QUEUE = 1
export const NET_HEADER_BYTES = 12
/** The largest frame a driver without offloads sends or receives: 1514 bytes plus a VLAN tag. */
export const NET_MAX_FRAME = 1518

/** QEMU's default MAC for the first NIC; further NICs count up from it. */
export function defaultMac(index: number): Uint8Array {
  return Uint8Array.of(0x52, 0x54, 0x00, 0x12, 0x34, 0x56 + index)
}

export class VirtioNet implements VirtioBackend {
  readonly deviceId = ID_NET
  readonly features = F_MAC
  readonly passiveQueue = NET_RX_QUEUE

  constructor(private readonly mac: Uint8Array, private readonly transmit: (frame: Uint8Array) => void) {}

  /** The MAC address at offset 0. */
  config(offset: number): number {
    return offset < 6 ? this.mac[offset] : 0
  }

  process(queue: number, chain: Descriptor[], memory: GuestMemory): number {
    if (queue !== NET_TX_QUEUE) return 0
    const parts: Uint8Array[] = []
    for (const d of chain) {
      if (d.writable) continue
      const bytes = memory.read(d.addr, d.length)
      if (!bytes) return 0
      parts.push(bytes)
    }
    const packet = Buffer.concat(parts)
    if (packet.length > NET_HEADER_BYTES && packet.length - NET_HEADER_BYTES <= NET_MAX_FRAME) {
      this.transmit(Uint8Array.prototype.slice.call(packet, NET_HEADER_BYTES))
    }
    return 0
  }
}

/** A received frame as the driver reads it: a zero header saying one buffer, then the frame. */
export function receivedPacket(frame: Uint8Array): Uint8Array {
  const packet = new Uint8Array(NET_HEADER_BYTES + frame.length)
  packet[10] = 1
  packet.set(frame, NET_HEADER_BYTES)
  return packet
}

/** Parse "aa:bb:cc:dd:ee:ff". */
export function parseMac(text: string): Uint8Array | undefined {
  const parts = text.split(':')
  if (parts.length !== 6 || parts.some((p) => !/^[0-9a-fA-F]{2}$/.test(p))) return undefined
  return Uint8Array.from(parts.map((p) => parseInt(p, 16)))
}
