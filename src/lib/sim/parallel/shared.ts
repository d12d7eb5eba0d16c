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
  /** One word per hart, bumped to wake that hart from WFI. */
  Wake = 8,
}

export const enum Command {
  Run = 0,
  Pause = 1,
  Stop = 2,
}

export const CONTROL_WORDS = Control.Wake + 8
export const RING_BYTES = 1 << 16

/** Everything shared, as it travels to a worker in workerData. */
export interface SharedMachine {
  ram: SharedArrayBuffer
  devices: SharedArrayBuffer
  control: SharedArrayBuffer
  consoleOut: SharedArrayBuffer
  consoleIn: SharedArrayBuffer
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
