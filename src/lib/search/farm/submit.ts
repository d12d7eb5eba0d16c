// The submitting side of a search farm: `reseer-xl search NAME --queue URL`.
// Each interval without a path becomes a job on the shared queue, its data
// put in the farm's blob store first; then the submitter waits, writing each
// path into the log directory as its job completes. Paths are written whole
// (renamed into place), so whatever stops the submitter — Ctrl-C, a lost
// Redis — leaves a log whose paths are all complete, and running the same
// search again resumes: intervals with paths are skipped, jobs finished
// meanwhile are collected, jobs still queued or running are waited for.

import {Job, Queue, QueueEvents} from 'bullmq'
import {ReseerError} from '../../cli/errors.js'
import {readFoundPath, writeFoundPath} from '../../log/found-path.js'
import {LogReader} from '../../log/reader.js'
import type {MachineOptions} from '../../sim/machine.js'
import {LogPages, readIntervalData} from '../log-interval.js'
import {type IntervalReport, type LogSearchOptions, periodOf, recordedMachine} from '../search-log.js'
import {BlobStore} from './blobs.js'
import {type IntervalBundle, putFile, putIntervalBundle} from './bundle.js'
import {type FarmJobData, JOB_FORMAT, JOB_NAME, KEEP_FINISHED_SECONDS, checkJobResult, jobId, portableSettings} from './jobs.js'
import {QUEUE_NAME, atMost, bullConnection, connectQueue, connectionLost, parseQueueUrl} from './redis.js'

/** How often the submitter looks at its jobs besides the queue's events (which a reconnect can miss). */
const POLL_MS = 2000

export interface FarmProgress {
  /** Intervals of the period without a path when the search started. */
  total: number
  done: number
  /** Jobs on the queue, and of them being searched now. */
  queued: number
  running: number
  /** Blobs and bytes sent to the store so far. */
  sentBlobs: number
  sentBytes: number
}

export interface FarmReport extends IntervalReport {
  /** A worker could not search the interval: why. */
  error?: string
}

export interface FarmSearchOptions extends LogSearchOptions {
  /** redis://HOST:PORT of the farm. */
  queue: string
  onFarmProgress?: (progress: FarmProgress) => void
  onInterval?: (report: FarmReport) => void
}

export async function farmSearchLog(logDir: string, options: FarmSearchOptions): Promise<FarmReport[]> {
  const address = parseQueueUrl(options.queue)
  const reader = LogReader.open(logDir)
  const reports: FarmReport[] = []
  try {
    if (reader.header.backend !== 'sim') {
      throw new ReseerError(`${logDir} was recorded on Xen: searching needs per-vCPU instruction-exact event injection, which stock Xen lacks`, {code: 'ENOCAP', hint: "see 'reseer-xl info'"})
    }
    const machine = recordedMachine(reader, logDir)
    const period = periodOf(reader, logDir, options.from, options.to)
    const have = new Set(reader.pathIntervals())
    const todo: number[] = []
    for (let k = period.from; k < period.to; k++) {
      if (have.has(k) && !options.redo) reports.push(skipped(logDir, k, options))
      else todo.push(k)
    }
    if (todo.length > 0) await submitAndWait(reader, logDir, machine, todo, options, address, reports)
  } finally {
    reader.close()
  }
  return reports.sort((a, b) => a.interval - b.interval)
}

function skipped(logDir: string, k: number, options: FarmSearchOptions): FarmReport {
  const path = readFoundPath(logDir, k)!
  const report: FarmReport = {
    interval: k, found: true, skipped: true, evaluations: path.meta.evaluations, generations: Number(path.meta.generations ?? 0),
    wallMs: 0, seed: path.meta.seed, strategy: path.meta.strategy, fitness: path.meta.fitness, decisions: path.bits,
  }
  options.onInterval?.(report)
  return report
}

async function submitAndWait(
  reader: LogReader, logDir: string, machine: MachineOptions, todo: number[], options: FarmSearchOptions,
  address: ReturnType<typeof parseQueueUrl>, reports: FarmReport[],
): Promise<void> {
  const redis = await connectQueue(address)
  const watch = connectionLost(redis, address)
  const queue = new Queue(QUEUE_NAME, {connection: bullConnection(address)})
  const events = new QueueEvents(QUEUE_NAME, {connection: bullConnection(address)})
  queue.on('error', () => {})
  events.on('error', () => {})
  const store = new BlobStore(redis)
  const settings = portableSettings(options.settings)
  /** Job id -> the interval and its job data, for jobs not collected yet. */
  const pending = new Map<string, FarmJobData>()
  const running = new Set<string>()
  let done = 0
  let wake: () => void = () => {}
  const lost = watch.lost
  const guard = <T>(work: Promise<T>): Promise<T> => Promise.race([work, lost])

  const progress = (): void => options.onFarmProgress?.({
    total: todo.length, done, queued: pending.size, running: running.size, sentBlobs: store.sentBlobs, sentBytes: store.sentBytes,
  })

  /** Write a finished job's path into the log, or report why it has none. */
  const collect = async (id: string): Promise<void> => {
    const data = pending.get(id)
    if (!data) return
    // The state first, then the job: a job read before it finishes keeps no
    // return value or failure reason even once its state says it has one.
    let state = await guard(queue.getJobState(id))
    const finished = state === 'completed' || state === 'failed'
    const job = finished ? await guard(Job.fromId(queue, id)) : undefined
    if (finished && !job) state = 'unknown'
    if (state === 'active') running.add(id)
    if (state !== 'completed' && state !== 'failed' && state !== 'unknown') return
    pending.delete(id)
    running.delete(id)
    done++
    const k = data.interval
    let report: FarmReport
    if (state !== 'completed') {
      const error = state === 'unknown'
        ? 'its job is gone from the queue (was Redis flushed or restarted?); run the same search again'
        : job!.failedReason || 'failed for an unknown reason'
      report = {
        interval: k, found: false, skipped: false, evaluations: 0, generations: 0, wallMs: 0, seed: settings.seed ?? 1,
        strategy: settings.strategy ?? 'ga', fitness: 0, decisions: 0, error,
      }
    } else {
      const result = checkJobResult(job!.returnvalue, data)
      if (result.found) {
        writeFoundPath(logDir, {
          interval: k,
          path: Buffer.from(result.path, 'hex'),
          bits: result.bits,
          meta: {
            seed: result.seed, strategy: result.strategy, settings: settings as Record<string, unknown>,
            evaluations: result.evaluations, generations: result.generations, fitness: result.fitness, wallMs: result.wallMs,
          },
        })
      }
      report = {
        interval: k, found: result.found, skipped: false, evaluations: result.evaluations, generations: result.generations,
        wallMs: result.wallMs, seed: result.seed, strategy: result.strategy, fitness: result.fitness, decisions: result.bits,
        stoppedBy: result.stoppedBy, ...(result.found ? {} : {firstDifference: result.firstDifference, divergence: result.divergence}),
      }
    }
    reports.push(report)
    options.onInterval?.(report)
    progress()
  }

  for (const finished of ['completed', 'failed'] as const) {
    events.on(finished, ({jobId: id}: {jobId: string}) => {
      running.delete(id)
      if (pending.has(id)) wake()
    })
  }
  events.on('active', ({jobId: id}) => {
    if (pending.has(id)) {
      running.add(id)
      progress()
    }
  })
  events.on('progress', ({jobId: id, data}) => {
    const job = pending.get(id)
    const p = data as {generation?: number; evaluations?: number; bestFitness?: number}
    if (job && typeof p?.generation === 'number') {
      options.onProgress?.(job.interval, {strategy: settings.strategy ?? 'ga', generation: p.generation, evaluations: p.evaluations ?? 0, bestFitness: p.bestFitness ?? 0})
    }
  })

  try {
    await guard(events.waitUntilReady())
    const files: IntervalBundle['files'] = {
      kernel: await guard(putFile(store, machine.kernel)),
      disks: [],
    }
    for (const disk of machine.disks) files.disks.push(await guard(putFile(store, disk.path)))
    for (const k of todo) {
      const pages = new LogPages(reader)
      const data = readIntervalData(reader, {logDir, interval: k, machine}, pages)
      const bundle = await guard(putIntervalBundle(store, data, pages, files))
      const id = jobId(bundle, settings)
      const job: FarmJobData = {format: JOB_FORMAT, domain: reader.header.domain, interval: k, bundle, settings}
      pending.set(id, job)
      await guard(queue.add(JOB_NAME, job, {
        jobId: id,
        removeOnComplete: {age: KEEP_FINISHED_SECONDS},
        removeOnFail: {age: KEEP_FINISHED_SECONDS},
      }))
      // The same search submitted before: a job that failed is tried again, one that finished is collected now.
      const existing = await guard(Job.fromId(queue, id))
      if (existing && (await guard(existing.getState())) === 'failed') await guard(existing.retry('failed'))
      else await collect(id)
      progress()
    }
    while (pending.size > 0) {
      await guard(new Promise<void>(resolve => {
        const timer = setTimeout(resolve, POLL_MS)
        wake = () => {
          clearTimeout(timer)
          resolve()
        }
      }))
      for (const id of [...pending.keys()]) await collect(id)
    }
  } catch (error) {
    const written = reports.filter(r => r.found).length
    const state = `${written} interval(s) of ${logDir} have paths, the log is intact; run the same search again to resume`
    if (error instanceof ReseerError && error.code === 'EQUEUE') throw new ReseerError(`${error.message}; ${state}`, {code: 'EQUEUE', cause: error})
    if (error instanceof ReseerError) throw error
    const lostQueue = watch.ifLost()
    if (lostQueue) throw new ReseerError(`${lostQueue.message}; ${state}`, {code: 'EQUEUE', cause: error})
    throw new ReseerError(`the search queue at ${address.url} failed: ${(error as Error).message}; ${state}`, {code: 'EQUEUE', cause: error})
  } finally {
    watch.dispose()
    await closeAll([queue.close(), events.close()])
    redis.disconnect()
  }
}

/** Close BullMQ's connections, without waiting on a Redis that is gone. */
async function closeAll(closing: Promise<unknown>[]): Promise<void> {
  await atMost(Promise.allSettled(closing), 2000)
}
