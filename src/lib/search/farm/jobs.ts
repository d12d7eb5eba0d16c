// What a farm job carries and what a worker returns. A job names its
// interval by the hash of the interval's bundle and carries the search
// settings, seed included; its id is made of the two, so submitting the same
// search again finds the job already there (a restarted submitter resumes),
// and two recordings can share a queue: a result belongs to the content it
// was searched on, and the submitter checks that before writing it.

import {createHash} from 'node:crypto'
import {ReseerError} from '../../cli/errors.js'
import type {SearchSettingsInput} from '../settings.js'

export const JOB_FORMAT = 1
export const JOB_NAME = 'interval'
/** Finished jobs stay this long, so that a submitter that was stopped can still collect them. */
export const KEEP_FINISHED_SECONDS = 7 * 24 * 3600

export interface FarmJobData {
  format: typeof JOB_FORMAT
  /** The recording's domain name, for messages. */
  domain: string
  interval: number
  /** Hash of the interval's bundle in the blob store. */
  bundle: string
  /** JSON-safe search settings (no clock). */
  settings: SearchSettingsInput
}

export interface FarmJobResult {
  bundle: string
  interval: number
  found: boolean
  /** The path packed as the log stores it, hex. */
  path: string
  bits: number
  evaluations: number
  generations: number
  fitness: number
  seed: number
  strategy: string
  stoppedBy: string
  firstDifference?: string
  divergence?: string
  /** The worker's wall time for the search, fetching included. */
  wallMs: number
}

/** JSON with sorted keys, so that equal settings hash equal. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`
  if (value && typeof value === 'object') {
    return `{${Object.keys(value).sort().filter(key => (value as Record<string, unknown>)[key] !== undefined)
      .map(key => `${JSON.stringify(key)}:${canonical((value as Record<string, unknown>)[key])}`).join(',')}}`
  }
  return JSON.stringify(value) ?? 'null'
}

export function jobId(bundle: string, settings: SearchSettingsInput): string {
  return `${bundle}.${createHash('sha256').update(canonical(settings)).digest('hex').slice(0, 16)}`
}

/** Settings as they travel: no clock, nothing undefined. */
export function portableSettings(settings: SearchSettingsInput = {}): SearchSettingsInput {
  const {clock: _clock, ...rest} = settings
  return JSON.parse(JSON.stringify(rest)) as SearchSettingsInput
}

const HEX64 = /^[0-9a-f]{64}$/

export function checkJobData(data: unknown, id: string | undefined): FarmJobData {
  const job = data as FarmJobData
  if (!job || job.format !== JOB_FORMAT || !Number.isSafeInteger(job.interval) || job.interval < 0 ||
    typeof job.bundle !== 'string' || !HEX64.test(job.bundle) || !job.settings || typeof job.settings !== 'object') {
    throw new ReseerError(`job ${id ?? '?'} is not a format-${JOB_FORMAT} interval search job`, {code: 'EFARMJOB'})
  }
  return job
}

export function checkJobResult(value: unknown, job: FarmJobData): FarmJobResult {
  const result = value as FarmJobResult
  if (!result || result.bundle !== job.bundle || result.interval !== job.interval || typeof result.found !== 'boolean' ||
    typeof result.path !== 'string' || !/^([0-9a-f]{2})*$/.test(result.path) || !Number.isSafeInteger(result.bits) ||
    result.bits < 0 || result.bits > result.path.length * 4 || !Number.isSafeInteger(result.evaluations) || typeof result.fitness !== 'number') {
    throw new ReseerError(`the result of interval ${job.interval} from the search queue is malformed or belongs to another interval`, {code: 'EFARMJOB'})
  }
  return result
}
