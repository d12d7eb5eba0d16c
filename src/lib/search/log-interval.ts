// An interval of a recorded log as a search problem on the simulator: the
// machine at checkpoint k with the interval's logged events, and checkpoint
// k+1 as the target. Also the problem source a pool worker loads
// (`loadInterval`), so that only the log directory and the interval index
// cross threads.
//
// Reading is split from building: readIntervalData takes what the interval
// needs out of the log as plain data with pages named by hash
// (interval-data.ts), and buildInterval makes the machine and the problem of
// it, here with the log directory as the source of the pages.

import {ReseerError} from '../cli/errors.js'
import {EventKind, decodeEvent} from '../log/events.js'
import {pageHash} from '../log/pack.js'
import {LogReader} from '../log/reader.js'
import {diskName} from '../record/checkpointer.js'
import {SimEventKind, decodePace, decodeConsoleInput, decodeInterruptLines} from '../record/record-events.js'
import type {MachineEvent} from '../sim/machine-events.js'
import type {MachineOptions} from '../sim/machine.js'
import {type IntervalData, PAGE_HASH_BYTES, type PageHash, type PageSource, buildInterval, hashHex} from './interval-data.js'
import type {PaceMarks} from './pace.js'
import type {LoggedTimeRead} from './logged-time.js'
import type {LoadedInterval} from './problem-source.js'
import {canonicalHartState} from './sim-machine.js'

export interface LogIntervalArg {
  logDir: string
  /** k: search from checkpoint k to k+1. */
  interval: number
  /** The domain as the sim machine runs it; its RAM is replaced by checkpoint k's. */
  machine: MachineOptions
}

export function loadInterval(arg: unknown): LoadedInterval {
  return loadLogInterval(arg as LogIntervalArg)
}

export function loadLogInterval(arg: LogIntervalArg): LoadedInterval {
  const reader = LogReader.open(arg.logDir)
  const pages = new LogPages(reader)
  return buildInterval(readIntervalData(reader, arg, pages), pages)
}

/**
 * The pages of a log by hash, for the hashes readIntervalData handed out
 * through it. Reads go to the log when asked, so the reader stays open.
 */
export class LogPages implements PageSource {
  private readonly ids = new Map<string, number>()
  private readonly blocks = new Map<string, Uint8Array>()

  constructor(readonly reader: LogReader) {}

  /** The hash of a stored content id (0, the zero page: all zero). */
  hashOf(id: number): PageHash {
    if (id === 0) return new Uint8Array(PAGE_HASH_BYTES)
    const location = this.reader.contentLocations()[id - 1]
    if (location === undefined) throw new ReseerError(`page content ${id} does not exist in ${this.reader.dir}`, {code: 'ELOGCORRUPT'})
    this.ids.set(location.hash.toString('hex'), id)
    return location.hash
  }

  /** The hash of a disk block's content, read already. */
  hashOfBlock(data: Uint8Array): PageHash {
    const hash = pageHash(data)
    this.blocks.set(hash.toString('hex'), data)
    return hash
  }

  page(hash: PageHash): Uint8Array {
    const key = hashHex(hash)
    const id = this.ids.get(key)
    if (id !== undefined) return this.reader.content(id)
    const block = this.blocks.get(key)
    if (block) return Uint8Array.from(block)
    throw new ReseerError(`${this.reader.dir}: no page with hash ${key} was read from the log`, {code: 'ELOGCORRUPT'})
  }
}

/** Interval k of a sim recording as plain data, refused clearly when the search cannot use it. */
export function readIntervalData(reader: LogReader, arg: LogIntervalArg, pages = new LogPages(reader)): IntervalData {
  const {logDir, interval: k, machine: options} = arg
  const {header} = reader
  if (header.backend !== 'sim') {
    throw new ReseerError(`${logDir} was recorded on the ${header.backend} backend; the search runs sim recordings`, {code: 'EBACKEND'})
  }
  if (!Number.isInteger(k) || k < 0 || k + 1 >= reader.checkpointCount) {
    throw new ReseerError(`${logDir} has no interval ${k}: it holds checkpoints 0 to ${reader.checkpointCount - 1}`, {code: 'ENOINTERVAL'})
  }
  if (options.vcpus !== header.vcpus || options.memoryMiB * 2 ** 20 !== header.memoryBytes) {
    throw new ReseerError(
      `${logDir} was recorded with ${header.vcpus} vCPUs and ${header.memoryBytes / 2 ** 20} MiB, the domain has ${options.vcpus} and ${options.memoryMiB} MiB`,
      {code: 'ELOGMISMATCH'},
    )
  }
  const summary = reader.summary(k)
  if (!summary) throw new ReseerError(`${logDir}: interval ${k} has no sharing summary`, {code: 'ENOSUMMARY', hint: 'record again with sharing summaries'})

  const from = reader.checkpoint(k)
  const to = reader.checkpoint(k + 1)
  const reads: LoggedTimeRead[][] = []
  const events: MachineEvent[][] = []
  const pace: PaceMarks[] = []
  let finisher: number | undefined
  for (let hart = 0; hart < header.vcpus; hart++) {
    reads.push([])
    events.push([])
    pace.push({instret: [], micros: []})
    for (const record of reader.intervalEvents(hart, k)) {
      const at = Number(record.instret)
      switch (record.kind) {
        case EventKind.TimeRead: {
          const event = decodeEvent(record.kind, record.payload)
          if ('value' in event) reads[hart].push({instret: at, value: event.value})
          break
        }
        case SimEventKind.InterruptLines:
          events[hart].push({kind: 'interrupts', at, mip: decodeInterruptLines(record.payload)})
          break
        case SimEventKind.ConsoleInput:
          events[hart].push({kind: 'console', at, byte: decodeConsoleInput(record.payload)})
          break
        case EventKind.DeviceRead:
          // What a device register gave follows from the console input the machine is given.
          break
        case EventKind.Halt:
          // The guest powers the machine off by itself when the run gets there; the pace seeds let this hart finish last.
          finisher = hart
          break
        case SimEventKind.Pace:
          // How fast the hart went: the search's pace seeds follow it; the machine is given nothing.
          pace[hart].instret.push(at)
          pace[hart].micros.push(decodePace(record.payload))
          break
        case EventKind.CrewTransfer:
          // A CREW log's page transfers order the harts; replay schedules by them (src/lib/replay/crew-order.ts), the machine never takes them.
          break
        default:
          throw new ReseerError(`${logDir}: hart ${hart} logged a ${record.kind} event in interval ${k}, which the search cannot replay`, {code: 'ELOGEVENT'})
      }
    }
  }

  finisher ??= haltedLate(reader, k)

  const memory = new Uint8Array((header.memoryBytes / header.pageSize) * PAGE_HASH_BYTES)
  for (const [page, id] of reader.pageMap(k)) memory.set(pages.hashOf(id), page * PAGE_HASH_BYTES)
  const disks = options.disks.map((_, i) =>
    [...reader.diskAt(k, diskName(i))].sort((a, b) => a[0] - b[0]).map(([block, data]): [number, PageHash] => [block, pages.hashOfBlock(data)]))

  const shared = new Set<number>()
  const touched = summary.vcpus.map(vcpu => new Set([...vcpu.read, ...vcpu.written]))
  summary.vcpus.forEach((vcpu, hart) => {
    for (const page of touched[hart]) {
      const others = touched.filter((pages, other) => other !== hart && pages.has(page))
      const written = vcpu.written.includes(page) || summary.vcpus.some((o, other) => other !== hart && o.written.includes(page))
      if (others.length > 0 && written) shared.add(page)
    }
  })

  const targetPages = reader.manifest(k + 1).pages
  return {
    interval: k,
    machine: options,
    memoryBytes: header.memoryBytes,
    start: {
      harts: from.vcpus.map(vcpu => canonicalHartState(vcpu.state)),
      device: from.device,
      memory,
      disks,
    },
    reads,
    events,
    budgets: from.vcpus.map((vcpu, hart) => Number(to.vcpus[hart].instret - vcpu.instret)),
    ...(pace.some(marks => marks.instret.length > 0) ? {pace} : {}),
    ...(finisher !== undefined ? {finisher} : {}),
    sharedPages: [...shared].sort((a, b) => a - b),
    target: {
      harts: to.vcpus.map(vcpu => canonicalHartState(vcpu.state)),
      device: to.device,
      pages: [...targetPages.keys()].sort((a, b) => a - b).map((page): [number, PageHash] => [page, pages.hashOf(targetPages.get(page)!)]),
    },
  }
}

/**
 * The hart that powered the machine off within interval k although its Halt
 * event follows checkpoint k+1 in the stream: recorders before the one that
 * lets a power-off win over a pause could stop the harts for a checkpoint
 * just after the guest powered off, and log the Halt with the final
 * checkpoint. Its count tells the interval it belongs to.
 */
export function haltedLate(reader: LogReader, k: number): number | undefined {
  if (k + 2 >= reader.checkpointCount) return undefined
  const to = reader.checkpoint(k + 1)
  for (let hart = 0; hart < reader.header.vcpus; hart++) {
    for (const record of reader.intervalEvents(hart, k + 1)) {
      if (record.kind === EventKind.Halt && record.instret <= to.vcpus[hart].instret) return hart
    }
  }
  return undefined
}
