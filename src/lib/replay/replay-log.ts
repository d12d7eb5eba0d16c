// Replay a recording: from checkpoint `from`, re-execute each interval on the
// deterministic machine with the logged events, along its found path (a
// ReSeer log) or along the logged page transfers (a CREW log, which needs no
// search), and check the end of every interval against the next checkpoint
// byte for byte and the console output against what the recording printed.
// The first mismatch stops the replay and is reported by place, never
// skipped; so is a damaged log. With `until` the replay stops at a
// checkpoint or the moment a hart has retired a given count, and hands the
// state there to `onStop` for inspection.
import {EXIT_USAGE, ReseerError} from '../cli/errors.js'
import {readFoundPath} from '../log/found-path.js'
import {LogReader} from '../log/reader.js'
import type {Evaluation} from '../search/evaluator.js'
import {scoreRun} from '../search/fitness.js'
import {IntervalRunner} from '../search/interval.js'
import {loadLogInterval} from '../search/log-interval.js'
import {unpackPath} from '../search/path.js'
import {periodOf, recordedMachine} from '../search/search-log.js'
import type {SimIntervalMachine} from '../search/sim-machine.js'
import {PAGE_SHIFT, PAGE_SIZE, RAM_BASE} from '../sim/hart-env.js'
import {crewOrder, runCrewOrder} from './crew-order.js'
import {type CheckpointDiff, type MemRange, type Until, checkpointDiff, parseMemRange} from './inspect.js'
import {StopAtMachine, type StopPoint, StopReached} from './stop-at.js'
import {readSymbols} from './symbols.js'

export interface ReplayOptions {
  from?: number
  to?: number
  /** Stop at a checkpoint, or when a hart has retired a count, and call onStop there. */
  until?: Until
  /** Without `until`: call onStop at the last checkpoint replayed, for inspection there. */
  stopAtEnd?: boolean
  /** Called with each interval's console output as it is replayed. */
  onConsole?: (bytes: Uint8Array) => void
  onInterval?: (report: IntervalReplay) => void
  /** Called for an interval with no path; it may search and write one, and says whether it did. */
  missingPath?: (interval: number) => Promise<boolean>
  /** Called where `until` stopped the replay, with the state there (valid only during the call). */
  onStop?: (state: StoppedState) => void
}

export interface IntervalReplay {
  interval: number
  verified: boolean
  /** What ordered the harts: the interval's found path, or the CREW transfers. */
  order: 'path' | 'crew'
  instructions: number[]
  consoleBytes: number
  /** Where and how the replay left the recording, when it did. */
  mismatch?: string
}

/** Where a replay with `until` stopped. */
export type ReplayStop =
  | {at: 'checkpoint'; checkpoint: number}
  | {at: 'instret'; hart: number; instret: number; interval: number; instrets: number[]}

export interface ReplayReport {
  logDir: string
  mode: 'reseer' | 'crew'
  from: number
  to: number
  verifiedCheckpoints: number
  instructions: number[]
  intervals: IntervalReplay[]
  /** The first mismatch, if the replay stopped at one. */
  mismatch?: {interval: number; checkpoint: number; what: string}
  stopped?: ReplayStop
}

/** The machine where the replay stopped, as inspection reads it. */
export interface StoppedState {
  where: ReplayStop
  memoryBytes: number
  /** The guest's kernel, for its symbols. */
  kernel: string
  /** Each hart's state bytes (hart-state.ts). */
  harts(): Uint8Array[]
  /** Guest RAM from `address`; the range must lie in RAM. */
  read(address: number, length: number): Uint8Array
}

function recordedConsole(reader: LogReader, k: number): Buffer {
  const text = reader.checkpoint(k).meta.console
  return typeof text === 'string' ? Buffer.from(text, 'base64') : Buffer.alloc(0)
}

const hex2 = (n: number): string => '0x' + n.toString(16).padStart(2, '0')

/** Where the replayed console first differs from the recorded one; with `partial`, the replayed output need only be a prefix. */
function firstConsoleDifference(replayed: Uint8Array, recorded: Uint8Array, partial = false): string | undefined {
  const n = Math.min(replayed.length, recorded.length)
  for (let i = 0; i < n; i++) {
    if (replayed[i] !== recorded[i]) return `console byte ${i} of the interval: ${hex2(replayed[i])} != ${hex2(recorded[i])} (replay != recording)`
  }
  if (replayed.length > recorded.length || (!partial && replayed.length !== recorded.length)) {
    return `console output of the interval is ${replayed.length} bytes, the recording printed ${recorded.length}`
  }
  return undefined
}

/** The stop `until` asks for, in terms of the log: a checkpoint, or an interval and a point inside it. */
type Plan = {from: number; to: number; stop?: {checkpoint: number} | {interval: number; point: StopPoint}}

function usage(message: string): ReseerError {
  return new ReseerError(message, {code: 'EUSAGE', exitCode: EXIT_USAGE})
}

function plan(reader: LogReader, logDir: string, options: ReplayOptions): Plan {
  const {until} = options
  const last = reader.checkpointCount - 1
  if (!until) {
    const period = periodOf(reader, logDir, options.from, options.to)
    return options.stopAtEnd ? {...period, stop: {checkpoint: period.to}} : period
  }
  if (options.to !== undefined) throw usage('--until and --to both say where to stop; give one')
  const from = options.from ?? 0
  if (from > last) throw usage(`--from ${from}: the log has checkpoints 0 to ${last}`)
  if ('checkpoint' in until) {
    if (until.checkpoint > last) throw usage(`--until ${until.checkpoint}: the log has checkpoints 0 to ${last}`)
    if (until.checkpoint < from) throw usage(`--until ${until.checkpoint} comes before --from ${from}`)
    return {from, to: until.checkpoint, stop: {checkpoint: until.checkpoint}}
  }
  const {hart, instret} = until
  if (!(hart < reader.header.vcpus)) throw usage(`--until ${hart}:${instret}: the log has harts 0 to ${reader.header.vcpus - 1}`)
  const count = (k: number): number => Number(reader.checkpoint(k).vcpus[hart].instret)
  if (instret > count(last)) throw usage(`--until ${hart}:${instret}: hart ${hart} retired ${count(last)} instructions in the recording`)
  if (instret < count(from)) throw usage(`--until ${hart}:${instret}: hart ${hart} had already retired ${count(from)} at checkpoint ${from}`)
  // A count the hart had at a checkpoint stops there, at the first such checkpoint; any other inside the interval that reaches it.
  let k = from
  while (count(k) < instret) k++
  if (count(k) === instret) return {from, to: k, stop: {checkpoint: k}}
  return {from, to: k, stop: {interval: k - 1, point: {hart, instret}}}
}

function checkpointState(reader: LogReader, k: number, kernel: string): StoppedState {
  return {
    where: {at: 'checkpoint', checkpoint: k},
    memoryBytes: reader.header.memoryBytes,
    kernel,
    harts: () => reader.checkpoint(k).vcpus.map((v) => v.state),
    read: (address, length) => readPages(address, length, (page) => reader.pageAt(k, page)),
  }
}

function readPages(address: number, length: number, page: (n: number) => Uint8Array): Uint8Array {
  const out = new Uint8Array(length)
  for (let done = 0; done < length;) {
    const at = address - RAM_BASE + done
    const offset = at % PAGE_SIZE
    const n = Math.min(length - done, PAGE_SIZE - offset)
    out.set(page(at >>> PAGE_SHIFT).subarray(offset, offset + n), done)
    done += n
  }
  return out
}

/** A ReseerError from reading the log's own files, as opposed to one about the replay. */
function isLogDamage(error: unknown): error is ReseerError {
  return error instanceof ReseerError && error.code === 'ELOGCORRUPT'
}

export async function replayLog(logDir: string, options: ReplayOptions = {}): Promise<ReplayReport> {
  const reader = LogReader.open(logDir)
  try {
    if (reader.header.backend !== 'sim') {
      throw new ReseerError(`${logDir} was recorded on Xen: replay needs per-vCPU instruction-exact event injection, which stock Xen lacks`, {code: 'ENOCAP', hint: "see 'reseer-xl info'"})
    }
    const machine = recordedMachine(reader, logDir)
    const mode = reader.header.mode === 'crew' ? 'crew' : 'reseer'
    const {from, to, stop} = plan(reader, logDir, options)
    const report: ReplayReport = {logDir, mode, from, to, verifiedCheckpoints: 0, instructions: new Array<number>(machine.vcpus).fill(0), intervals: []}
    const last = stop && 'interval' in stop ? stop.interval : to - 1
    for (let k = from; k <= last; k++) {
      const point = stop && 'interval' in stop && stop.interval === k ? stop.point : undefined
      let path: Uint8Array | undefined
      if (mode === 'reseer') {
        let found = readFoundPath(logDir, k)
        // Searching writes the path into the log; read it back from there.
        if (!found && options.missingPath && (await options.missingPath(k))) found = readFoundPath(logDir, k)
        if (!found) {
          throw new ReseerError(`interval ${k} (checkpoints ${k} to ${k + 1}) of ${logDir} has no path`, {code: 'ENOPATH', hint: `run 'reseer-xl search ${logDir} --from ${k} --to ${k + 1}' or replay with --search`})
        }
        path = unpackPath({bytes: found.path, bitLength: found.bits})
      }
      const entry: IntervalReplay = {interval: k, verified: false, order: mode === 'crew' ? 'crew' : 'path', instructions: [], consoleBytes: 0}
      const fail = (checkpoint: number, what: string): ReplayReport => {
        entry.mismatch = what
        report.intervals.push(entry)
        options.onInterval?.(entry)
        report.mismatch = {interval: k, checkpoint, what}
        return report
      }

      let loaded: ReturnType<typeof loadLogInterval>
      try {
        loaded = loadLogInterval({logDir, interval: k, machine})
      } catch (error) {
        if (isLogDamage(error)) return fail(k, `the log is damaged at checkpoint ${k}: ${error.message}`)
        throw error
      }
      const {problem} = loaded
      const sim = loaded.machine as SimIntervalMachine
      const start = problem.budgets.map((_, h) => sim.retired(h))
      let evaluation: Evaluation
      try {
        if (mode === 'crew') {
          evaluation = scoreRun(sim, problem, runCrewOrder(sim, problem, crewOrder(reader, k), point))
        } else {
          const runner = new IntervalRunner(point ? new StopAtMachine(sim, point) : sim, problem, {cacheBytes: 0})
          evaluation = runner.evaluate({path: path!})
        }
      } catch (error) {
        if (error instanceof StopReached) {
          // Stopped inside the interval: what it printed so far must begin the recorded output.
          const console = sim.machine.console
          const instrets = problem.budgets.map((_, h) => sim.retired(h))
          entry.instructions = instrets.map((n, h) => n - start[h])
          entry.consoleBytes = console.length
          options.onConsole?.(console)
          const differs = firstConsoleDifference(console, recordedConsole(reader, k + 1), true)
          if (differs) return fail(k + 1, differs)
          report.intervals.push(entry)
          entry.instructions.forEach((n, h) => (report.instructions[h] += n))
          options.onInterval?.(entry)
          report.stopped = {at: 'instret', hart: error.stop.hart, instret: error.stop.instret, interval: k, instrets}
          options.onStop?.({
            where: report.stopped,
            memoryBytes: reader.header.memoryBytes,
            kernel: machine.kernel,
            harts: () => problem.budgets.map((_, h) => sim.hartState(h)),
            read: (address, length) => readPages(address, length, (page) => sim.page(page)),
          })
          return report
        }
        if (isLogDamage(error)) return fail(k + 1, `the log is damaged at checkpoint ${k + 1}: ${error.message}`)
        throw error
      }
      const console = sim.machine.console
      entry.instructions = [...problem.budgets]
      entry.consoleBytes = console.length
      let mismatch = evaluation.found ? undefined : (evaluation.divergence ?? evaluation.firstDifference ?? 'the end state differs from the checkpoint')
      if (!mismatch) mismatch = firstConsoleDifference(console, recordedConsole(reader, k + 1))
      options.onConsole?.(console)
      if (mismatch) return fail(k + 1, mismatch)
      entry.verified = true
      report.intervals.push(entry)
      report.verifiedCheckpoints++
      problem.budgets.forEach((n, h) => (report.instructions[h] += n))
      options.onInterval?.(entry)
    }
    if (stop && 'checkpoint' in stop) {
      report.stopped = {at: 'checkpoint', checkpoint: stop.checkpoint}
      options.onStop?.(checkpointState(reader, stop.checkpoint, machine.kernel))
    }
    return report
  } finally {
    reader.close()
  }
}

/** The memory ranges `specs` name (parseMemRange), checked against the log's guest before anything is replayed. */
export function memRangesOf(logDir: string, specs: readonly string[]): MemRange[] {
  if (specs.length === 0) return []
  const reader = LogReader.open(logDir)
  try {
    const symbols = readSymbols(recordedMachine(reader, logDir).kernel)
    return specs.map((spec) => parseMemRange(spec, reader.header.memoryBytes, symbols))
  } finally {
    reader.close()
  }
}

/** Checkpoints `from` and `to` of a log compared: pages and bytes changed, by which hart, and registers. */
export function diffCheckpoints(logDir: string, from: number, to: number): CheckpointDiff {
  const reader = LogReader.open(logDir)
  try {
    periodOf(reader, logDir, from, to)
    return checkpointDiff(reader, from, to)
  } finally {
    reader.close()
  }
}
