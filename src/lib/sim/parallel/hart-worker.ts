// One hart of a parallel machine, in its own worker thread. It runs the same
// Hart as the deterministic machine over the shared RAM; devices are the same
// classes over the shared device state, touched only under the device lock.
// The main thread steers it through the control words (shared.ts).

import {parentPort, workerData} from 'node:worker_threads'
import {Hart} from '../hart.js'
import {ACCESS_READ, ACCESS_WRITE, PAGE_SHIFT, RAM_BASE, Stop} from '../hart-env.js'
import {type MachineDisk, type MachineVif, virtioSlots, vifMac} from '../machine.js'
import {DiskImage} from '../devices/disk-image.js'
import {VirtioBlk} from '../devices/virtio-blk.js'
import type {VirtioBackend} from '../devices/virtio-mmio.js'
import {NET_RX_QUEUE, receivedPacket, VirtioNet} from '../devices/virtio-net.js'
import {DEVICE_MIP, MachineDevices} from '../machine-devices.js'
import {InstretClock, type TimeSource} from '../machine-time.js'
import {Finish} from '../devices/test-device.js'
import {HostClock} from './host-clock.js'
import {Command, Control, lockDevices, RecordRing, RING_BYTES, type SharedMachine, unlockDevices, wakeHart} from './shared.js'
import {Observed, type WorkerMessage} from './worker-messages.js'
import {CrewPages, type CrewShared} from './crew-pages.js'

export interface HartWorkerData {
  hart: number
  harts: number
  shared: SharedMachine
  entry: number
  fdtAddr: number
  time: {kind: 'host'; epoch: bigint} | {kind: 'instret'}
  /** Whether to batch observer records for the main thread. */
  observe: boolean
  /** Whether the observer wants each page's first access too (the recorder does not: it reads the page sets). */
  observePages: boolean
  /** The CREW protocol's shared state, when the machine runs it. */
  crew?: CrewShared
  disks: MachineDisk[]
  vifs: MachineVif[]
}

/** Instructions per run() call; control words are still seen every POLL_INTERVAL. */
const SLICE = 1 << 22
/** Observer records kept before a flush, so the main thread sees them while the run goes on. */
const FLUSH_RECORDS = 4096
const RECORD_WORDS = 5
const NO_DEADLINE = 0xffff_ffff_ffff_ffffn
/** How often a running hart reports a pace mark. */
const PACE_MICROS = 1000
/**
 * Two looks at the clock this far apart mean the hart had no CPU (or slept)
 * in between: the gap gets a mark at its start too. A hart on the host clock
 * looks at every poll (1024 instructions), with the reading poll takes for
 * the timer anyway; on the instret clock, at every PACE_POLLS-th.
 */
const PACE_GAP_MICROS = 100
const PACE_POLLS = 4
/** Longest WFI sleep before looking again, in case a wake-up raced with going to sleep. */
const MAX_SLEEP_MS = 100

const data = workerData as HartWorkerData
const h = data.hart
const {shared} = data
const control = new Int32Array(shared.control)
const consoleOut = new Uint8Array(shared.consoleOut)
const consoleIn = new Uint8Array(shared.consoleIn)
const dirty = new Uint8Array(shared.dirty)
const access = new Uint8Array(shared.access[h])
const reads = new Uint8Array(shared.reads[h])
const writes = new Uint8Array(shared.writes[h])
const stateSlot = new Uint8Array(shared.states[h])
const hostClock = data.time.kind === 'host' ? new HostClock(data.time.epoch) : undefined
const clock: TimeSource = hostClock ?? new InstretClock(data.harts)

let records: number[] = []
/** The retired count of the last record: a hart's records never go back. */
let recordedInstret = 0
const record = (kind: Observed, instret: number, a = 0, b = 0, c = 0) => {
  records.push(kind, instret, a, b, c)
  recordedInstret = instret
  if (records.length >= FLUSH_RECORDS * RECORD_WORDS) flush()
}
/**
 * Send the batched records to the main thread. The batch is copied, never
 * transferred: transferring detaches its buffer, and the first detached
 * buffer in an isolate makes V8 give up its assumption that none ever is, so
 * every typed-array access in code optimized afterwards checks for it. The
 * hart is nothing but typed-array accesses: a recorded compress ran 15 %
 * slower from its first checkpoint's flush on. A batch is at most 160 KiB.
 */
const flush = () => {
  if (records.length === 0) return
  const batch = Float64Array.from(records)
  records = []
  post({type: 'observed', hart: h, records: batch})
}
/** Never with a transfer list (see flush). */
const post = (message: WorkerMessage) => parentPort!.postMessage(message)

const netOut = new RecordRing(shared.netOut, control, Control.NetOutHead, Control.NetOutTail)
const netIn = new RecordRing(shared.netIn, control, Control.NetInHead, Control.NetInTail)
const virtio: Array<VirtioBackend | undefined> = []
const slots = virtioSlots(data)
slots.disks.forEach((slot, i) => {
  virtio[slot] = new VirtioBlk(new DiskImage(data.disks[i].path, data.disks[i].readonly, shared.disks[i]))
})
slots.vifs.forEach((slot, i) => {
  // Called under the device lock; the main thread's socket sends what lands in the ring.
  virtio[slot] = new VirtioNet(vifMac(data.vifs[i], i), (frame) => {
    while (!netOut.put(i, frame)) netOut.waitForRoom()
  })
})
const ram = new Uint8Array(shared.ram)
/** DMA writes of outside bytes during one delivery, for the observer. */
let dma: Array<{addr: number; bytes: Uint8Array}> = []

const devices = new MachineDevices(new Int32Array(shared.devices), {
  harts: data.harts,
  time: (hart) => readTime(hart),
  wake: (target) => {
    if (target === 'all') for (let i = 0; i < data.harts; i++) wakeHart(control, i)
    else wakeHart(control, target)
  },
  // Called under the device lock, so bytes from all harts enter the ring in bus order.
  console: (byte) => {
    const head = Atomics.load(control, Control.OutHead)
    let tail = Atomics.load(control, Control.OutTail)
    while (((head - tail) | 0) >= RING_BYTES) {
      Atomics.wait(control, Control.OutTail, tail, 10)
      tail = Atomics.load(control, Control.OutTail)
    }
    consoleOut[(head >>> 0) % RING_BYTES] = byte
    Atomics.store(control, Control.OutHead, (head + 1) | 0)
  },
  externalRead: data.observe ? (hart, offset, value) => record(Observed.DeviceRead, hart_.instret, devices.uart.base + offset, 1, value) : undefined,
  memory: {
    read: (addr, length) => {
      const at = addr - RAM_BASE
      return at >= 0 && at + length <= ram.length ? ram.subarray(at, at + length) : undefined
    },
    write: (addr, bytes, external) => {
      const at = addr - RAM_BASE
      if (at < 0 || at + bytes.length > ram.length) return false
      ram.set(bytes, at)
      if (external && data.observe) dma.push({addr, bytes: bytes.slice()})
      for (let page = at >>> PAGE_SHIFT; page <= (at + bytes.length - 1) >>> PAGE_SHIFT; page++) dirty[page] = 1
      return true
    },
  },
  virtio,
})

const crew = data.crew && new CrewPages(data.crew, h, access, control, (t) => {
  const received = t.to === h
  if (data.observe) record(Observed.CrewTransfer, hart_.instret, t.page, (received ? t.from : t.to) | (t.rights << 8) | (received ? 1 << 16 : 0), received ? t.fromInstret : t.toInstret)
})

let lines = 0
const hart_ = new Hart(h, shared.ram, {
  access,
  pageFault(hart, page, write) {
    if (crew && !crew.acquire(page, write, hart_.instret)) return false
    if (write) {
      dirty[page] = 1
      writes[page] = 1
    } else {
      reads[page] = 1
    }
    access[page] |= write ? ACCESS_READ | ACCESS_WRITE : ACCESS_READ
    if (data.observePages) record(Observed.PageAccess, hart_.instret, page, write ? 1 : 0)
    return true
  },
  mmioLoad(hart, addr, size) {
    lockDevices(control)
    try {
      return devices.load(hart, addr, size)
    } finally {
      unlockDevices(control)
    }
  },
  mmioStore(hart, addr, size, value) {
    lockDevices(control)
    try {
      return devices.store(hart, addr, size, value)
    } finally {
      unlockDevices(control)
    }
  },
  readTime: (hart) => readTime(hart),
  poll,
})
hart_.pc = data.entry
hart_.setReg(10, h)
hart_.setReg(11, data.fdtAddr)

function readTime(hart: number): bigint {
  const value = clock.now(hart, hart_.instret)
  if (data.observe) record(Observed.TimeRead, hart_.instret, Number(value))
  return value
}

// Pace marks: host time in microseconds since the Unix epoch, the same origin in every worker.
let pacePolls = 0
let paceLogged = -Infinity
let paceSeenAt = -Infinity
let paceSeenInstret = 0

function hostMicros(): number {
  return (performance.timeOrigin + performance.now()) * 1000
}

/** Host microseconds at mtime 0: an mtime reading (10 MHz ticks of the same monotonic clock) as a pace time. */
const mtimeOrigin = hostClock ? hostMicros() - Number(hostClock.now()) / 10 : 0

/** An mtime reading of the host clock as a pace time. */
function paceTime(mtime: number): number {
  return mtimeOrigin + mtime / 10
}

/** Pace time now: from mtime on the host clock, so that every mark of the hart is on one timeline with poll's. */
function paceNow(): number {
  return hostClock ? paceTime(Number(hostClock.now())) : hostMicros()
}

/**
 * Report a pace mark every PACE_MICROS; after a gap between two looks (the
 * thread had no CPU, or slept), first report where the hart stood before it,
 * so the gap shows as time without progress rather than as a slow stretch.
 */
function paceMark(force: boolean, now = paceNow()): void {
  if (now - paceSeenAt > PACE_GAP_MICROS && paceSeenAt > paceLogged && paceSeenInstret >= recordedInstret) record(Observed.Pace, paceSeenInstret, paceSeenAt)
  if (force || now - paceLogged >= PACE_MICROS) {
    record(Observed.Pace, hart_.instret, now)
    paceLogged = now
  }
  paceSeenAt = now
  paceSeenInstret = hart_.instret
}

function poll(hart: number): boolean {
  const time = Number(clock.now(hart, hart_.instret))
  if (data.observe) {
    if (hostClock) {
      paceMark(false, paceTime(time))
    } else if (++pacePolls >= PACE_POLLS) {
      pacePolls = 0
      paceMark(false)
    }
  }
  if (Atomics.load(control, Control.Command) !== Command.Run) return true
  if (devices.test.finish !== Finish.Running) return true
  crew?.serve(hart_.instret)
  if (Atomics.load(control, Control.InHead) !== Atomics.load(control, Control.InTail)) takeInput()
  if (Atomics.load(control, Control.NetInHead) !== Atomics.load(control, Control.NetInTail)) takeFrames()
  const now = devices.interruptLines(hart, time)
  if (now !== lines) {
    lines = now
    hart_.mip = (hart_.mip & ~DEVICE_MIP) | now
    if (data.observe) record(Observed.InterruptLines, hart_.instret, now)
  }
  return false
}

/** Move console input into the UART as far as its FIFO has room; whichever hart polls first pins it to its instret. */
function takeInput(): void {
  lockDevices(control)
  try {
    const head = Atomics.load(control, Control.InHead)
    let tail = Atomics.load(control, Control.InTail)
    while (tail !== head && devices.uart.receiveRoom() > 0) {
      const byte = consoleIn[(tail >>> 0) % RING_BYTES]
      devices.uart.receive(byte)
      if (data.observe) record(Observed.ConsoleInput, hart_.instret, byte)
      tail = (tail + 1) | 0
    }
    Atomics.store(control, Control.InTail, tail)
  } finally {
    unlockDevices(control)
  }
}

/**
 * Deliver received frames while the driver has buffers posted; a frame with
 * no buffer waits at the head of the ring, as QEMU holds frames back.
 */
function takeFrames(): void {
  lockDevices(control)
  try {
    for (let record = netIn.peek(); record; record = netIn.peek()) {
      const transport = devices.virtio[slots.vifs[record.tag]]
      if (!transport.hasAvailable(NET_RX_QUEUE)) break
      transport.deliver(NET_RX_QUEUE, receivedPacket(record.body))
      netIn.take(record)
      if (data.observe) {
        flush()
        post({type: 'frame', hart: h, instret: hart_.instret, vif: record.tag, frame: record.body, dma})
        // A frame is a report too: a pace mark for an earlier look must not follow it.
        recordedInstret = hart_.instret
        dma = []
      }
    }
  } finally {
    unlockDevices(control)
  }
}

function saveToSlot(): void {
  stateSlot.set(hart_.saveState())
}

function park(): void {
  if (data.observe) paceMark(true)
  flush()
  saveToSlot()
  Atomics.add(control, Control.Paused, 1)
  Atomics.notify(control, Control.Paused)
  while (Atomics.load(control, Control.Command) === Command.Pause) Atomics.wait(control, Control.Command, Command.Pause)
  Atomics.sub(control, Control.Paused, 1)
  if (data.observe) paceMark(true)
}

function sleep(wakeSeen: number): void {
  const deadline = devices.clint.mtimecmp(h)
  const now = clock.now(h, hart_.instret)
  if (deadline !== NO_DEADLINE && now < deadline) {
    if (clock.sleepUntil(h, hart_.instret, deadline)) return
    Atomics.wait(control, Control.Wake + h, wakeSeen, Math.min(MAX_SLEEP_MS, hostClock!.millisecondsUntil(deadline)))
    return
  }
  Atomics.wait(control, Control.Wake + h, wakeSeen, MAX_SLEEP_MS)
}

for (;;) {
  const wakeSeen = Atomics.load(control, Control.Wake + h)
  const stop = hart_.run(SLICE)
  // A pause parks the hart, unless the guest has powered off: the power-off wins, and the hart ends.
  if (stop === Stop.Halt && Atomics.load(control, Control.Command) === Command.Pause && devices.test.finish === Finish.Running) {
    park()
    continue
  }
  if (stop === Stop.Halt || stop === Stop.Fatal) break
  if (stop === Stop.Wfi) sleep(wakeSeen)
}
flush()
saveToSlot()
post({type: 'exit', hart: h, fatal: hart_.fatal})
Atomics.add(control, Control.Exited, 1)
Atomics.notify(control, Control.Paused)
// Harts asleep in WFI must see the machine finish too.
for (let i = 0; i < data.harts; i++) wakeHart(control, i)
