// A farm worker: takes interval jobs off the shared queue, fetches what each
// names into its local cache, searches it on a pool of threads and returns
// the path. The search runs on the pool even with one thread so that this
// thread stays free to renew the job's lock: a worker that dies stops
// renewing, and after the lock runs out BullMQ hands the job to another
// worker. Asked to stop, a worker hands its jobs back at the next batch
// boundary instead of finishing them.

import {hostname} from 'node:os'
import {performance} from 'node:perf_hooks'
import {UnrecoverableError, WaitingError, Worker, type Job} from 'bullmq'
import {ReseerError, errorLine} from '../../cli/errors.js'
import type {Candidate, Evaluation, Evaluator} from '../evaluator.js'
import {packPath} from '../path.js'
import {PoolEvaluator} from '../pool.js'
import {searchInterval} from '../search.js'
import {BlobStore} from './blobs.js'
import {BlobCache, fetchBundle} from './bundle.js'
import type {CachedIntervalArg} from './cached-interval.js'
import {type FarmJobData, type FarmJobResult, checkJobData} from './jobs.js'
import {QUEUE_NAME, RECONNECT_PATIENCE_MS, atMost, bullConnection, connectQueue, connectionLost, parseQueueUrl} from './redis.js'

const LOADER = new URL('./cached-interval.js', import.meta.url).href
/** A worker's lock on its job; renewed every half of it while the worker lives. */
export const LOCK_MS = 10_000
/** How often workers look for jobs whose worker died. */
export const STALLED_CHECK_MS = 5_000
/** A job whose workers die this many times fails instead of going back again. */
const MAX_STALLS = 5
const PROGRESS_EVERY_MS = 1000

export interface FarmWorkerOptions {
  queue: string
  /** Local cache of blobs fetched from the queue. */
  cache: string
  /** Threads searching one job. */
  jobs: number
  /** Jobs searched at once. */
  concurrency: number
  /** One line per finished, failed or handed-back job. */
  onJob?: (line: string) => void
  /** A line when a job starts. */
  onStart?: (line: string) => void
  /** Resolves when the worker is to stop: it hands its jobs back and returns. */
  stop: Promise<unknown>
}

export interface FarmWorkerReport {
  queue: string
  /** The name jobs record as processedBy: host and process id. */
  name: string
  searched: number
  failed: number
  handedBack: number
}

class HandBack extends Error {}

/** Run until told to stop; rejects with one clear error when the queue is lost. */
export async function runFarmWorker(options: FarmWorkerOptions): Promise<FarmWorkerReport> {
  const address = parseQueueUrl(options.queue)
  const redis = await connectQueue(address)
  const watch = connectionLost(redis, address)
  const store = new BlobStore(redis)
  const cache = new BlobCache(options.cache)
  const report: FarmWorkerReport = {queue: address.url, name: `${hostname()}:${process.pid}`, searched: 0, failed: 0, handedBack: 0}
  let stopping = false

  const search = async (job: Job, token?: string): Promise<FarmJobResult> => {
    let data: FarmJobData
    try {
      data = checkJobData(job.data, job.id)
    } catch (error) {
      throw new UnrecoverableError((error as Error).message)
    }
    const started = performance.now()
    const name = `${data.domain} interval ${data.interval}`
    options.onStart?.(`${name}: searching (job ${job.id})`)
    const {bundle, fetchedBytes} = await fetchBundle(store, cache, data.bundle).catch((error: unknown) => {
      throw new UnrecoverableError(`${name}: ${errorLine(error).replace(/^reseer-xl: /, '')}`)
    })
    if (bundle.data.interval !== data.interval) throw new UnrecoverableError(`${name}: its bundle holds interval ${bundle.data.interval}`)
    const arg: CachedIntervalArg = {cache: cache.dir, bundle: data.bundle}
    const pool = new PoolEvaluator({source: {module: LOADER, arg}, jobs: options.jobs})
    const evaluator: Evaluator = {
      evaluate: async (batch: readonly Candidate[]): Promise<Evaluation[]> => {
        if (stopping) throw new HandBack()
        return pool.evaluate(batch)
      },
    }
    let lastProgress = 0
    try {
      const result = await searchInterval(evaluator, {...data.settings, clock: data.settings.timeLimitMs ? () => performance.now() : undefined}, (p) => {
        const now = performance.now()
        if (now - lastProgress < PROGRESS_EVERY_MS) return
        lastProgress = now
        job.updateProgress({generation: p.generation, evaluations: p.evaluations, bestFitness: p.bestFitness}).catch(() => {})
      })
      const wallMs = performance.now() - started
      report.searched++
      options.onJob?.(`${name}: ${result.found ? 'found' : 'NOT found'} after ${result.evaluations} runs in ${(wallMs / 1000).toFixed(2)}s` +
        `${fetchedBytes > 0 ? `, fetched ${(fetchedBytes / 1024).toFixed(1)} KiB` : ''}`)
      return {
        bundle: data.bundle,
        interval: data.interval,
        found: result.found,
        path: Buffer.from(packPath(result.path).bytes).toString('hex'),
        bits: result.path.length,
        evaluations: result.evaluations,
        generations: result.generations,
        fitness: result.best.fitness,
        seed: result.seed,
        strategy: result.strategy,
        stoppedBy: result.stoppedBy,
        ...(result.found ? {} : {firstDifference: result.best.firstDifference, divergence: result.best.divergence}),
        wallMs,
      }
    } catch (error) {
      if (error instanceof HandBack) {
        await job.moveToWait(token)
        report.handedBack++
        options.onJob?.(`${name}: handed back to the queue`)
        throw new WaitingError()
      }
      report.failed++
      const line = errorLine(error).replace(/^reseer-xl: /, '')
      options.onJob?.(`${name}: failed: ${line}`)
      // A job that cannot be searched here cannot be searched elsewhere either.
      throw new UnrecoverableError(line)
    } finally {
      await pool.close()
    }
  }

  const worker = new Worker(QUEUE_NAME, search, {
    connection: bullConnection(address),
    name: report.name,
    concurrency: options.concurrency,
    lockDuration: LOCK_MS,
    stalledInterval: STALLED_CHECK_MS,
    maxStalledCount: MAX_STALLS,
  })
  // Connection trouble shows up as the watch connection's end; a job's own failure is reported above.
  worker.on('error', () => {})
  try {
    await Promise.race([options.stop, watch.lost, worker.waitUntilReady()])
    await Promise.race([options.stop, watch.lost])
    stopping = true
    await Promise.race([worker.close(), watch.lost])
  } catch (error) {
    stopping = true
    // BullMQ's own wait for its connections can fail first, with ioredis's bare "Connection is closed.": when the
    // watch connection gives up too (within its patience), that was the lost queue, and is said so.
    const lost = error instanceof ReseerError ? error : await lostWithin(watch, RECONNECT_PATIENCE_MS + 1000)
    await forceClose(worker)
    if (lost) throw new ReseerError(`${lost.message}; this worker stops`, {code: lost.code})
    throw error
  } finally {
    watch.dispose()
    redis.disconnect()
  }
  return report
}

/** The watch connection's lost-queue error if it gives up within `ms`, else undefined. */
async function lostWithin(watch: {lost: Promise<never>}, ms: number): Promise<ReseerError | undefined> {
  let timer: NodeJS.Timeout | undefined
  const late = new Promise<undefined>(resolve => (timer = setTimeout(() => resolve(undefined), ms)))
  try {
    return await Promise.race([watch.lost.catch((error: unknown) => (error instanceof ReseerError ? error : undefined)), late])
  } finally {
    clearTimeout(timer)
  }
}

async function forceClose(worker: Worker): Promise<void> {
  await atMost(worker.close(true).catch(() => {}), 1000)
  await worker.disconnect().catch(() => {})
}
