// An interval of a recorded log as a search problem on the simulator: the
// machine at checkpoint k with the interval's logged events, and checkpoint
// k+1 as the target. Also the problem source a pool worker loads
// (`loadInterval`), so that only the log directory and the interval index
// cross threads.

import {ReseerError} from '../cli/errors.js'
import {EventKind, decodeEvent} from '../log/events.js'
import {LogReader} from '../log/reader.js'
import {diskName} from '../record/checkpointer.js'
import {SimEventKind, decodeConsoleInput, decodeInterruptLines} from '../record/record-events.js'
import type {DeterministicState} from '../sim/deterministic.js'
import type {MachineEvent} from '../sim/machine-events.js'
import type {MachineOptions} from '../sim/machine.js'
import type {IntervalProblem} from './interval.js'
import {LoggedTime, type LoggedTimeRead} from './logged-time.js'
import type {LoadedInterval} from './problem-source.js'
import {SimIntervalMachine, canonicalHartState} from './sim-machine.js'

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
  const {logDir, interval: k, machine: options} = arg
  const reader = LogReader.open(logDir)
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
  for (let hart = 0; hart < header.vcpus; hart++) {
    reads.push([])
    events.push([])
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
          // The guest powers the machine off by itself when the run gets there.
          break
        default:
          throw new ReseerError(`${logDir}: hart ${hart} logged a ${record.kind} event in interval ${k}, which the search cannot replay`, {code: 'ELOGEVENT'})
      }
    }
  }

  const time = new LoggedTime(reads)
  const sim = new SimIntervalMachine(options, {time, interrupts: 'events'})
  const device = new Int32Array(from.device.byteLength / 4)
  new Uint8Array(device.buffer).set(from.device)
  const start: DeterministicState = {
    harts: from.vcpus.map(vcpu => canonicalHartState(vcpu.state)),
    devices: device,
    clock: time.saveState(),
    ram: reader.memoryAt(k),
    events,
    pending: from.vcpus.map(() => undefined),
    consoleLength: 0,
    disks: options.disks.map((_, i) => reader.diskAt(k, diskName(i))),
  }
  sim.machine.restoreState(start)
  sim.beginInterval()

  const shared = new Set<number>()
  const touched = summary.vcpus.map(vcpu => new Set([...vcpu.read, ...vcpu.written]))
  summary.vcpus.forEach((vcpu, hart) => {
    for (const page of touched[hart]) {
      const others = touched.filter((pages, other) => other !== hart && pages.has(page))
      const written = vcpu.written.includes(page) || summary.vcpus.some((o, other) => other !== hart && o.written.includes(page))
      if (others.length > 0 && written) shared.add(page)
    }
  })

  const problem: IntervalProblem = {
    interval: k,
    budgets: from.vcpus.map((vcpu, hart) => Number(to.vcpus[hart].instret - vcpu.instret)),
    eventCounts: reads.map((hartReads, hart) => hartReads.length + events[hart].length),
    sharedPages: shared,
    target: {
      harts: to.vcpus.map(vcpu => canonicalHartState(vcpu.state)),
      devices: new Map([['devices', to.device]]),
      dirtyPages: new Set(reader.dirtyPages(k + 1)),
      page: page => reader.pageAt(k + 1, page),
    },
  }
  return {machine: sim, problem}
}
