// An interval of a sim recording as plain data: everything the search needs
// to start from checkpoint k and to judge a run against checkpoint k+1, with
// page contents referred to by their SHA-256 instead of held. The data can
// be structured-cloned or serialised as it is, so it can travel to a search
// worker on another machine; the pages it names come from a PageSource (the
// log directory, or a content-addressed store both sides reach), and a page
// shared by many intervals is named many times but stored once.
//
// buildInterval turns the data back into the machine at checkpoint k and the
// IntervalProblem. log-interval.ts reads the data out of a log directory.

import {PAGE_SIZE} from '../log/layout.js'
import type {DeterministicState} from '../sim/deterministic.js'
import type {MachineEvent} from '../sim/machine-events.js'
import type {MachineOptions} from '../sim/machine.js'
import type {IntervalProblem} from './interval.js'
import type {PaceMarks} from './pace.js'
import {LoggedTime, type LoggedTimeRead} from './logged-time.js'
import type {LoadedInterval} from './problem-source.js'
import {SimIntervalMachine} from './sim-machine.js'

/** Bytes of a page hash (SHA-256). */
export const PAGE_HASH_BYTES = 32

/** A page's SHA-256; all zero bytes stand for the all-zero page, which is never stored. */
export type PageHash = Uint8Array

export interface IntervalData {
  /** k: from checkpoint k to k+1. */
  interval: number
  /** The domain as the sim machine runs it; its RAM is replaced by checkpoint k's. */
  machine: MachineOptions
  memoryBytes: number
  /** Checkpoint k. */
  start: {
    /** Each hart's state bytes, without the recorder's page-stop bookkeeping. */
    harts: Uint8Array[]
    device: Uint8Array
    /** The hash of every guest page at checkpoint k: page p at bytes p*32 .. p*32+31. */
    memory: Uint8Array
    /** Per configured disk: the blocks written since the recording began, block -> hash. */
    disks: Array<Array<[number, PageHash]>>
  }
  /** Per hart: the logged time reads of the interval. */
  reads: LoggedTimeRead[][]
  /** Per hart: the other logged events the machine is given (interrupt lines, console input). */
  events: MachineEvent[][]
  /** Instructions each hart retired in the interval. */
  budgets: number[]
  /** Per hart: the recording's pace marks in the interval (none in logs recorded before they existed). */
  pace?: PaceMarks[]
  /** The hart that logged the guest's power-off in the interval, if one did. */
  finisher?: number
  /** Pages at least two harts touched and at least one wrote, ascending. */
  sharedPages: number[]
  /** Checkpoint k+1. */
  target: {
    harts: Uint8Array[]
    device: Uint8Array
    /** The pages written between checkpoint k and k+1, page -> hash at k+1, ascending. */
    pages: Array<[number, PageHash]>
  }
}

/** Page contents by hash. */
export interface PageSource {
  /** The 4096 bytes whose SHA-256 is `hash` (never the zero hash), as a copy the caller may change. */
  page(hash: PageHash): Uint8Array
}

export function isZeroHash(hash: PageHash): boolean {
  for (let i = 0; i < hash.length; i++) if (hash[i] !== 0) return false
  return true
}

export function hashHex(hash: PageHash): string {
  return Buffer.from(hash.buffer, hash.byteOffset, hash.byteLength).toString('hex')
}

/** Every distinct non-zero page hash the interval names: checkpoint k's memory and disks, and checkpoint k+1's new pages. */
export function intervalPageHashes(data: IntervalData): PageHash[] {
  const seen = new Map<string, PageHash>()
  const add = (hash: PageHash): void => {
    if (!isZeroHash(hash)) seen.set(hashHex(hash), hash)
  }
  for (let at = 0; at < data.start.memory.length; at += PAGE_HASH_BYTES) add(data.start.memory.subarray(at, at + PAGE_HASH_BYTES))
  for (const disk of data.start.disks) for (const [, hash] of disk) add(hash)
  for (const [, hash] of data.target.pages) add(hash)
  return [...seen.values()]
}

/** The machine at checkpoint k with the interval's events loaded, and the problem with checkpoint k+1 as target. */
export function buildInterval(data: IntervalData, pages: PageSource): LoadedInterval {
  const content = (hash: PageHash): Uint8Array => (isZeroHash(hash) ? new Uint8Array(PAGE_SIZE) : pages.page(hash))
  const startHash = (page: number): PageHash => data.start.memory.subarray(page * PAGE_HASH_BYTES, (page + 1) * PAGE_HASH_BYTES)

  const ram = Buffer.alloc(data.memoryBytes)
  for (let page = 0; page * PAGE_SIZE < data.memoryBytes; page++) {
    const hash = startHash(page)
    if (!isZeroHash(hash)) ram.set(pages.page(hash), page * PAGE_SIZE)
  }

  const time = new LoggedTime(data.reads)
  const sim = new SimIntervalMachine(data.machine, {time, interrupts: 'events'})
  const device = new Int32Array(data.start.device.byteLength / 4)
  new Uint8Array(device.buffer).set(data.start.device)
  const start: DeterministicState = {
    harts: data.start.harts,
    devices: device,
    clock: time.saveState(),
    ram,
    events: data.events,
    pending: data.start.harts.map(() => undefined),
    consoleLength: 0,
    disks: data.start.disks.map(blocks => new Map(blocks.map(([block, hash]) => [block, content(hash)]))),
  }
  sim.machine.restoreState(start)
  sim.beginInterval()

  const written = new Map(data.target.pages)
  const problem: IntervalProblem = {
    interval: data.interval,
    budgets: [...data.budgets],
    eventCounts: data.reads.map((hartReads, hart) => hartReads.length + data.events[hart].length),
    sharedPages: new Set(data.sharedPages),
    ...(data.pace ? {pace: data.pace} : {}),
    ...(data.finisher !== undefined ? {finisher: data.finisher} : {}),
    target: {
      harts: data.target.harts,
      devices: new Map([['devices', data.target.device]]),
      dirtyPages: new Set(written.keys()),
      page: page => content(written.get(page) ?? startHash(page)),
    },
  }
  return {machine: sim, problem}
}
