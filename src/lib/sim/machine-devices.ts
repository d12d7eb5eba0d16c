// The devices of the virt board on one bus, over one array of state words.
// Both machines build this: the deterministic one over a plain buffer, each
// parallel worker over the shared one (taking the device lock around every
// access it routes here).

import {
  CLINT_BASE, MIP_MEIP, MIP_MSIP, MIP_MTIP, PLIC_BASE, TEST_DEVICE_BASE, UART_BASE, UART_IRQ, VIRTIO_BASE,
  VIRTIO_IRQ_BASE, VIRTIO_SLOTS, VIRTIO_STRIDE,
} from './board.js'
import {Clint} from './devices/clint.js'
import type {Device, GuestMemory, WakeHarts} from './devices/device.js'
import {Plic} from './devices/plic.js'
import {TestDevice} from './devices/test-device.js'
import {type ConsoleSink, type ExternalRead, Uart} from './devices/uart.js'
import {type VirtioBackend, VirtioMmio} from './devices/virtio-mmio.js'

/** The mip bits devices drive; the rest of mip belongs to the hart. */
export const DEVICE_MIP = MIP_MSIP | MIP_MTIP | MIP_MEIP

export interface DeviceContext {
  harts: number
  /** mtime as `hart` sees it, for the CLINT register. */
  time(hart: number): bigint
  wake: WakeHarts
  console: ConsoleSink
  externalRead?: ExternalRead
  /** RAM for devices that do DMA. */
  memory: GuestMemory
  /** The device behind each virtio-mmio slot, slot 0 first; empty slots undefined. */
  virtio: ReadonlyArray<VirtioBackend | undefined>
}

const LAYOUT = (() => {
  let at = 0
  const take = (words: number) => {
    const start = at
    at += words
    return start
  }
  return {
    clint: take(Clint.STATE_WORDS),
    plic: take(Plic.STATE_WORDS),
    uart: take(Uart.STATE_WORDS),
    test: take(TestDevice.STATE_WORDS),
    virtio: take(VirtioMmio.STATE_WORDS * VIRTIO_SLOTS),
    words: at,
  }
})()

/** Words of device state a machine allocates. */
export const DEVICE_STATE_WORDS = LAYOUT.words

export class MachineDevices {
  readonly clint: Clint
  readonly plic: Plic
  readonly uart: Uart
  readonly test: TestDevice
  readonly virtio: VirtioMmio[] = []
  private readonly devices: Device[]

  constructor(readonly state: Int32Array, private readonly context: DeviceContext) {
    if (state.length !== LAYOUT.words) throw new Error(`device state of ${state.length} words, expected ${LAYOUT.words}`)
    const slice = (start: number, words: number) => state.subarray(start, start + words)
    this.plic = new Plic(PLIC_BASE, slice(LAYOUT.plic, Plic.STATE_WORDS), context.harts, context.wake)
    this.clint = new Clint(CLINT_BASE, slice(LAYOUT.clint, Clint.STATE_WORDS), context.harts, context.time, context.wake)
    this.uart = new Uart(UART_BASE, slice(LAYOUT.uart, Uart.STATE_WORDS), UART_IRQ, this.plic, context.console, context.externalRead)
    this.test = new TestDevice(TEST_DEVICE_BASE, slice(LAYOUT.test, TestDevice.STATE_WORDS))
    for (let slot = 0; slot < VIRTIO_SLOTS; slot++) {
      const words = VirtioMmio.STATE_WORDS
      this.virtio.push(new VirtioMmio(VIRTIO_BASE + slot * VIRTIO_STRIDE, slice(LAYOUT.virtio + slot * words, words),
        VIRTIO_IRQ_BASE + slot, this.plic, context.memory, context.virtio[slot]))
    }
    // Most frequent first: guests poll the UART and the CLINT far more than the rest.
    this.devices = [this.uart, this.clint, ...this.virtio, this.plic, this.test]
  }

  /** Power-on state of every device. */
  reset(): void {
    this.state.fill(0)
    this.clint.reset()
  }

  find(addr: number): Device | undefined {
    for (const device of this.devices) {
      if (addr >= device.base && addr < device.base + device.size) return device
    }
    return undefined
  }

  load(hart: number, addr: number, size: 1 | 2 | 4): number | undefined {
    const device = this.find(addr)
    return device?.load(hart, addr - device.base, size)
  }

  store(hart: number, addr: number, size: 1 | 2 | 4, value: number): boolean {
    const device = this.find(addr)
    return device ? device.store(hart, addr - device.base, size, value) : false
  }

  /** The device-driven mip bits of `hart` at mtime `now`. */
  interruptLines(hart: number, now: number): number {
    return (this.clint.msip(hart) ? MIP_MSIP : 0)
      | (this.clint.timerDue(hart, now) ? MIP_MTIP : 0)
      | (this.plic.meip(hart) ? MIP_MEIP : 0)
  }
}
