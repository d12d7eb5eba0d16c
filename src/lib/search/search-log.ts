// Search a whole recording: every interval (or a chosen period) that has no
// path yet, one after another, each found path written into the log as soon
// as it is found, so an interrupted search resumes where it stopped.
import {ReseerError} from '../cli/errors.js'
import {readFoundPath, writeFoundPath} from '../log/found-path.js'
import {LogReader} from '../log/reader.js'
import type {MachineOptions} from '../sim/machine.js'
import type {ProgressListener, SearchResult} from './ledger.js'
import {packPath} from './path.js'
import {runIntervalSearch} from './run.js'
import type {SearchSettingsInput} from './settings.js'

export interface LogSearchOptions {
  /** First and last checkpoint of the period: intervals from..to-1. */
  from?: number
  to?: number
  jobs?: number
  settings?: SearchSettingsInput
  /** Search again intervals that already have a path. */
  redo?: boolean
  /** Milliseconds from any origin, for wall times in the report. */
  clock: () => number
  onProgress?: (interval: number, progress: Parameters<ProgressListener>[0]) => void
  onInterval?: (report: IntervalReport) => void
}

export interface IntervalReport {
  interval: number
  found: boolean
  /** The log already had a path for it; nothing was searched. */
  skipped: boolean
  evaluations: number
  generations: number
  wallMs: number
  seed: number | string
  strategy: string
  fitness: number
  decisions: number
  stoppedBy?: string
  /** For an interval not found: the best candidate's first difference from the target. */
  firstDifference?: string
  divergence?: string
}

/** The machine a sim recording was made on, as its first checkpoint noted it. */
export function recordedMachine(reader: LogReader, logDir: string): MachineOptions {
  const machine = reader.checkpoint(0).meta.machine as MachineOptions | undefined
  if (!machine || typeof machine.vcpus !== 'number') {
    throw new ReseerError(`${logDir}: checkpoint 0 does not say which machine was recorded`, {code: 'ELOGMACHINE'})
  }
  return machine
}

/** The intervals of the period, checked against what the log holds. */
export function periodOf(reader: LogReader, logDir: string, from?: number, to?: number): {from: number; to: number} {
  const last = reader.checkpointCount - 1
  if (last < 1) throw new ReseerError(`${logDir} has ${reader.checkpointCount} checkpoint(s): nothing between two checkpoints to search`, {code: 'ENOINTERVAL'})
  const start = from ?? 0
  const end = to ?? last
  if (!Number.isInteger(start) || !Number.isInteger(end) || start < 0 || end > last) {
    throw new ReseerError(`period ${start}..${end} is not within the log's checkpoints 0..${last}`, {code: 'EUSAGE', exitCode: 2})
  }
  if (start >= end) {
    // --from and --to name checkpoints: interval k lies between checkpoints k and k+1.
    const hint = start < last ? `; interval ${start} is --from ${start} --to ${start + 1}` : ''
    throw new ReseerError(`period ${start}..${end} holds no interval: --to must be after --from${hint}`, {code: 'EUSAGE', exitCode: 2})
  }
  return {from: start, to: end}
}


const LOADER = new URL('./log-interval.js', import.meta.url).href

export async function searchLog(logDir: string, options: LogSearchOptions): Promise<IntervalReport[]> {
  const reader = LogReader.open(logDir)
  let machine: MachineOptions
  let period: {from: number; to: number}
  const have = new Set<number>()
  try {
    if (reader.header.backend !== 'sim') {
      throw new ReseerError(`${logDir} was recorded on Xen: searching needs per-vCPU instruction-exact event injection, which stock Xen lacks`, {code: 'ENOCAP', hint: "see 'reseer-xl info'"})
    }
    machine = recordedMachine(reader, logDir)
    period = periodOf(reader, logDir, options.from, options.to)
    for (const k of reader.pathIntervals()) have.add(k)
  } finally {
    reader.close()
  }
  const reports: IntervalReport[] = []
  for (let k = period.from; k < period.to; k++) {
    if (have.has(k) && !options.redo) {
      const path = readFoundPath(logDir, k)!
      const report: IntervalReport = {
        interval: k, found: true, skipped: true, evaluations: path.meta.evaluations, generations: Number(path.meta.generations ?? 0),
        wallMs: 0, seed: path.meta.seed, strategy: path.meta.strategy, fitness: path.meta.fitness, decisions: path.bits,
      }
      reports.push(report)
      options.onInterval?.(report)
      continue
    }
    const started = options.clock()
    const result: SearchResult = await runIntervalSearch({
      source: {module: LOADER, arg: {logDir, interval: k, machine}},
      jobs: options.jobs,
      settings: {...options.settings, clock: options.settings?.timeLimitMs ? options.clock : undefined},
      onProgress: (p) => options.onProgress?.(k, p),
    })
    const wallMs = options.clock() - started
    if (result.found) {
      writeFoundPath(logDir, {
        interval: k,
        path: packPath(result.path).bytes,
        bits: result.path.length,
        meta: {
          seed: result.seed, strategy: result.strategy, settings: {...options.settings, clock: undefined} as Record<string, unknown>,
          evaluations: result.evaluations, generations: result.generations, fitness: result.best.fitness, wallMs,
        },
      })
    }
    const report: IntervalReport = {
      interval: k, found: result.found, skipped: false, evaluations: result.evaluations, generations: result.generations, wallMs,
      seed: result.seed, strategy: result.strategy, fitness: result.best.fitness, decisions: result.path.length, stoppedBy: result.stoppedBy,
      ...(result.found ? {} : {firstDifference: result.best.firstDifference, divergence: result.best.divergence}),
    }
    reports.push(report)
    options.onInterval?.(report)
  }
  return reports
}
