// Replay a recording: from checkpoint `from`, re-execute each interval on the
// deterministic machine along its found path with the logged events, and
// check the end of every interval against the next checkpoint byte for byte
// and the console output against what the recording printed. The first
// mismatch stops the replay and is reported by place, never skipped.
import {ReseerError} from '../cli/errors.js'
import {readFoundPath} from '../log/found-path.js'
import {LogReader} from '../log/reader.js'
import {IntervalRunner} from '../search/interval.js'
import {loadLogInterval} from '../search/log-interval.js'
import {unpackPath} from '../search/path.js'
import {periodOf, recordedMachine} from '../search/search-log.js'
import type {SimIntervalMachine} from '../search/sim-machine.js'

export interface ReplayOptions {
  from?: number
  to?: number
  /** Called with each interval's console output as it is replayed. */
  onConsole?: (bytes: Uint8Array) => void
  onInterval?: (report: IntervalReplay) => void
  /** Called for an interval with no path; it may search and write one, and says whether it did. */
  missingPath?: (interval: number) => Promise<boolean>
}

export interface IntervalReplay {
  interval: number
  verified: boolean
  instructions: number[]
  consoleBytes: number
  /** Where and how the replay left the recording, when it did. */
  mismatch?: string
}

export interface ReplayReport {
  logDir: string
  from: number
  to: number
  verifiedCheckpoints: number
  instructions: number[]
  intervals: IntervalReplay[]
  /** The first mismatch, if the replay stopped at one. */
  mismatch?: {interval: number; checkpoint: number; what: string}
}

function recordedConsole(reader: LogReader, k: number): Buffer {
  const text = reader.checkpoint(k).meta.console
  return typeof text === 'string' ? Buffer.from(text, 'base64') : Buffer.alloc(0)
}

function firstConsoleDifference(replayed: Uint8Array, recorded: Uint8Array): string | undefined {
  const n = Math.min(replayed.length, recorded.length)
  for (let i = 0; i < n; i++) {
    if (replayed[i] !== recorded[i]) return `console byte ${i} of the interval: 0x${replayed[i].toString(16).padStart(2, '0')} != 0x${recorded[i].toString(16).padStart(2, '0')} (replay != recording)`
  }
  if (replayed.length !== recorded.length) return `console output of the interval is ${replayed.length} bytes, the recording printed ${recorded.length}`
  return undefined
}

export async function replayLog(logDir: string, options: ReplayOptions = {}): Promise<ReplayReport> {
  const reader = LogReader.open(logDir)
  try {
    if (reader.header.backend !== 'sim') {
      throw new ReseerError(`${logDir} was recorded on Xen: replay needs per-vCPU instruction-exact event injection, which stock Xen lacks`, {code: 'ENOCAP', hint: "see 'reseer-xl info'"})
    }
    const machine = recordedMachine(reader, logDir)
    const period = periodOf(reader, logDir, options.from, options.to)
    const report: ReplayReport = {logDir, ...period, verifiedCheckpoints: 0, instructions: new Array<number>(machine.vcpus).fill(0), intervals: []}
    for (let k = period.from; k < period.to; k++) {
      let found = readFoundPath(logDir, k)
      // Searching writes the path into the log; read it back from there.
      if (!found && options.missingPath && (await options.missingPath(k))) found = readFoundPath(logDir, k)
      if (!found) {
        throw new ReseerError(`interval ${k} (checkpoints ${k} to ${k + 1}) of ${logDir} has no path`, {code: 'ENOPATH', hint: `run 'reseer-xl search ${logDir} --from ${k} --to ${k + 1}' or replay with --search`})
      }
      const {machine: sim, problem} = loadLogInterval({logDir, interval: k, machine})
      const runner = new IntervalRunner(sim, problem, {cacheBytes: 0})
      const path = unpackPath({bytes: found.path, bitLength: found.bits})
      const evaluation = runner.evaluate({path})
      const console = (sim as SimIntervalMachine).machine.console
      const entry: IntervalReplay = {interval: k, verified: evaluation.found, instructions: [...problem.budgets], consoleBytes: console.length}
      let mismatch = evaluation.found ? undefined : (evaluation.divergence ?? evaluation.firstDifference ?? 'the end state differs from the checkpoint')
      if (!mismatch) mismatch = firstConsoleDifference(console, recordedConsole(reader, k + 1))
      options.onConsole?.(console)
      if (mismatch) {
        entry.verified = false
        entry.mismatch = mismatch
        report.intervals.push(entry)
        options.onInterval?.(entry)
        report.mismatch = {interval: k, checkpoint: k + 1, what: mismatch}
        return report
      }
      report.intervals.push(entry)
      report.verifiedCheckpoints++
      problem.budgets.forEach((n, h) => (report.instructions[h] += n))
      options.onInterval?.(entry)
    }
    return report
  } finally {
    reader.close()
  }
}
