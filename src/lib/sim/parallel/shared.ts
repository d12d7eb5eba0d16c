// The memory a parallel machine's main thread and hart workers share, beside
// guest RAM: one control array of Int32 words, the device state, the console
// rings, and each hart's access table, page sets and saved state.

import {HART_STATE_BYTES} from '../hart-state.js'
import type {DiskBuffers} from '../devices/disk-image.js'

/** Words of the control array. */
export const enum Control {
  /** The device lock: 0 free, 1 held. */
  Lock = 0,
  /** What the main thread asks of the harts (Command). */
  Command = 1,
  /** How many harts are parked for a pause. */
  Paused = 2,
  /** Console output ring: bytes written (by harts under the device lock) and read (by the main thread). */
  OutHead = 3,
  OutTail = 4,
  /** Console input ring: bytes written by the main thread and taken by the harts' polls. */
  InHead = 5,
  InTail = 6,
  /** How many harts have finished their run loop. */
  Exited = 7,
  /** Frame rings: transmitted by harts (under the device lock), received by the main thread's sockets. */
  NetOutHead = 8,
  NetOutTail = 9,
  NetInHead = 10,
  NetInTail = 11,
  /** One word per hart, bumped to wake that hart from WFI. */
  Wake = 12,
}

export const enum Command {
  Run = 0,
  Pause = 1,
  Stop = 2,
}

export const CONTROL_WORDS = Control.Wake + 8
export const RING_BYTES = 1 << 16
/** Room for a few hundred full-size frames each way. */
export const NET_RING_BYTES = 1 << 20

/** Everything shared, as it travels to a worker in workerData. */
export interface SharedMachine {
  ram: SharedArrayBuffer
  devices: SharedArrayBuffer
  control: SharedArrayBuffer
  consoleOut: SharedArrayBuffer
  consoleIn: SharedArrayBuffer
  /** Frames as records: u32 length, vif index byte, frame bytes. */
  netOut: SharedArrayBuffer
  netIn: SharedArrayBuffer
  /** Written by any hart: one byte per RAM page. */
  dirty: SharedArrayBuffer
  /** Per hart: access table, pages read, pages written (one byte per page each). */
  access: SharedArrayBuffer[]
  reads: SharedArrayBuffer[]
  writes: SharedArrayBuffer[]
  /** Per hart: the state it saved when it last parked or finished. */
  states: SharedArrayBuffer[]
  /** Each configured disk's contents and dirty blocks, in config order. */
  disks: DiskBuffers[]
}

export function allocateShared(harts: number, ramBytes: number, deviceWords: number, disks: DiskBuffers[]): SharedMachine {
  const pages = ramBytes >>> 12
  const perHart = (bytes: number) => Array.from({length: harts}, () => new SharedArrayBuffer(bytes))
  return {
    ram: new SharedArrayBuffer(ramBytes),
    devices: new SharedArrayBuffer(deviceWords * 4),
    control: new SharedArrayBuffer(CONTROL_WORDS * 4),
    consoleOut: new SharedArrayBuffer(RING_BYTES),
    consoleIn: new SharedArrayBuffer(RING_BYTES),
    netOut: new SharedArrayBuffer(NET_RING_BYTES),
    netIn: new SharedArrayBuffer(NET_RING_BYTES),
    dirty: new SharedArrayBuffer(pages),
    access: perHart(pages),
    reads: perHart(pages),
    writes: perHart(pages),
    states: perHart(HART_STATE_BYTES),
    disks,
  }
}

/**
 * The device lock. MMIO is rare next to RAM traffic, so a compare-and-swap
 * with a short futex wait is enough; the timeout covers a notify that races
 * with the wait.
 */
export function lockDevices(control: Int32Array): void {
  while (Atomics.compareExchange(control, Control.Lock, 0, 1) !== 0) Atomics.wait(control, Control.Lock, 1, 1)
}

export function unlockDevices(control: Int32Array): void {
  Atomics.store(control, Control.Lock, 0)
  Atomics.notify(control, Control.Lock, 1)
}

export function wakeHart(control: Int32Array, hart: number): void {
  Atomics.add(control, Control.Wake + hart, 1)
  Atomics.notify(control, Control.Wake + hart)
}

/**
 * A ring of length-prefixed records in shared memory, with one writer and
 * one reader at a time (writers of netOut hold the device lock; readers of
 * netIn too). Head and tail are byte counts kept in the control array.
 */
export class RecordRing {
  private readonly bytes: Uint8Array

  constructor(buffer: SharedArrayBuffer, private readonly control: Int32Array, private readonly head: Control, private readonly tail: Control) {
    this.bytes = new Uint8Array(buffer)
  }

  /** Append a record of a tag byte and a body; false if it does not fit now. */
  put(tag: number, body: Uint8Array): boolean {
    const size = this.bytes.length
    const head = Atomics.load(this.control, this.head)
    const used = (head - Atomics.load(this.control, this.tail)) | 0
    const length = 1 + body.length
    if (used + 4 + length > size) return false
    let at = head >>> 0
    const put = (byte: number) => (this.bytes[at++ % size] = byte)
    for (let i = 0; i < 4; i++) put((length >>> (8 * i)) & 0xff)
    put(tag)
    for (const byte of body) put(byte)
    Atomics.store(this.control, this.head, (head + 4 + length) | 0)
    return true
  }

  /** The oldest record, without taking it. */
  peek(): {tag: number; body: Uint8Array} | undefined {
    const size = this.bytes.length
    const tail = Atomics.load(this.control, this.tail)
    if (tail === Atomics.load(this.control, this.head)) return undefined
    let at = tail >>> 0
    let length = 0
    for (let i = 0; i < 4; i++) length |= this.bytes[at++ % size] << (8 * i)
    const tag = this.bytes[at++ % size]
    const body = new Uint8Array(length - 1)
    for (let i = 0; i < body.length; i++) body[i] = this.bytes[at++ % size]
    return {tag, body}
  }

  /** Take the record peek() returned. */
  take(record: {body: Uint8Array}): void {
    Atomics.store(this.control, this.tail, (Atomics.load(this.control, this.tail) + 5 + record.body.length) | 0)
    Atomics.notify(this.control, this.tail)
  }

  /** Wait a little for the reader to make room. */
  waitForRoom(): void {
    Atomics.wait(this.control, this.tail, Atomics.load(this.control, this.tail), 10)
  }
}
