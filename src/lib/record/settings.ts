// What a recording is asked to do: how often to checkpoint, in which mode,
// for how long, and what the log's header says about its maker.
import {ReseerError} from '../cli/errors.js'
import type {RecordingMode} from '../log/header.js'

export interface RecordInterval {
  /**
   * Retired instructions per hart between checkpoints. Parallel harts can
   * only be paused from outside, so this is a target: the recorder schedules
   * each pause from the rate it measured in the previous interval.
   */
  instructions?: number
  /** Milliseconds of recording between checkpoints. */
  ms?: number
}

export interface RecordSettings {
  interval?: RecordInterval
  mode?: RecordingMode
  /** End the recording (final checkpoint, close) after this many milliseconds. */
  durationMs?: number
  /** Written into the log header. */
  creator: {tool: string; version: string}
  /** The domain's name for the header; defaults to the kernel's file name. */
  domain?: string
  /** The domain configuration as the config parser produced it, for the header. */
  config?: Record<string, unknown>
  /** Milliseconds from an arbitrary origin; the host's monotonic clock by default. */
  clock?: () => number
  /** Called after every checkpoint with the recording's progress. */
  onProgress?: (progress: RecordProgress) => void
}

export interface RecordProgress {
  elapsedMs: number
  /** Instructions each hart has retired since the recording began. */
  instructions: number[]
  checkpoints: number
  /** Bytes of the log directory: event streams, and everything else (checkpoints, pages, summaries). */
  eventBytes: number
  checkpointBytes: number
  events: number
  /** Time the harts spent parked for the interval's and on-demand checkpoints: what checkpointing costs the guest. */
  pausedMs: number
}

/**
 * 200 ms. A checkpoint parks both harts until each reaches its next poll,
 * which takes from 2 ms to tens of ms depending on the guest, then copies
 * state and dirty pages; at 200 ms that stayed under 5% of the recording on
 * every workload measured, while an interval stays at a few million
 * instructions per hart, small enough for the search. docs/record.md has
 * the measurements.
 */
export const DEFAULT_INTERVAL_MS = 200

/** The interval as the session uses it: exactly one of the two set. */
export type Interval = {kind: 'ms'; ms: number} | {kind: 'instructions'; instructions: number}

export function intervalOf(settings: RecordSettings): Interval {
  const {instructions, ms} = settings.interval ?? {}
  if (instructions !== undefined && ms !== undefined) {
    throw new ReseerError('give the checkpoint interval in instructions or in milliseconds, not both', {code: 'EINTERVAL', exitCode: 2})
  }
  if (instructions !== undefined) {
    if (!Number.isSafeInteger(instructions) || instructions < 1000) {
      throw new ReseerError(`interval of ${instructions} instructions: expected a whole number of at least 1000`, {code: 'EINTERVAL', exitCode: 2})
    }
    return {kind: 'instructions', instructions}
  }
  const value = ms ?? DEFAULT_INTERVAL_MS
  if (!Number.isFinite(value) || value < 1) {
    throw new ReseerError(`interval of ${value} ms: expected at least 1 ms`, {code: 'EINTERVAL', exitCode: 2})
  }
  return {kind: 'ms', ms: value}
}

export function checkDuration(durationMs: number | undefined): void {
  if (durationMs !== undefined && !(durationMs > 0)) {
    throw new ReseerError(`duration of ${durationMs} ms: expected a positive time`, {code: 'EDURATION', exitCode: 2})
  }
}
