// The Redis a search farm meets at: parsing `--queue redis://HOST:PORT[/DB]`,
// and connections that fail fast. A submitter or worker that cannot reach
// Redis at start says so at once; one that loses it later retries for a few
// seconds (a restart, a blip) and then gives up, so that the farm stops with
// one clear line instead of hanging.

import type {ConnectionOptions} from 'bullmq'
import {Redis, type RedisOptions} from 'ioredis'
import {ReseerError, EXIT_USAGE} from '../../cli/errors.js'

/** How long a lost connection is retried before the farm stops. */
export const RECONNECT_PATIENCE_MS = 5000
const RECONNECT_STEP_MS = 250

/** BullMQ's queue that every submitter and worker of a Redis shares; jobs of different recordings are told apart by their ids. */
export const QUEUE_NAME = 'reseer-xl-search'
/** Keys of the content-addressed store beside the queue. */
export const BLOB_PREFIX = 'reseer-xl:blob:'

export interface QueueAddress {
  /** The URL as given, without a password, for messages. */
  url: string
  options: RedisOptions
}

export function parseQueueUrl(text: string): QueueAddress {
  let url: URL
  try {
    url = new URL(text)
  } catch {
    throw new ReseerError(`--queue ${text} is not a URL; expected redis://HOST:PORT`, {code: 'EUSAGE', exitCode: EXIT_USAGE})
  }
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') {
    throw new ReseerError(`--queue ${text}: expected a redis:// URL`, {code: 'EUSAGE', exitCode: EXIT_USAGE})
  }
  const db = url.pathname.replace(/^\//, '')
  if (db !== '' && !/^\d+$/.test(db)) {
    throw new ReseerError(`--queue ${text}: the path must be a database number (redis://HOST:PORT/0)`, {code: 'EUSAGE', exitCode: EXIT_USAGE})
  }
  const options: RedisOptions = {
    host: url.hostname.replace(/^\[|\]$/g, '') || '127.0.0.1',
    port: url.port ? Number(url.port) : 6379,
    ...(db ? {db: Number(db)} : {}),
    ...(url.username ? {username: decodeURIComponent(url.username)} : {}),
    ...(url.password ? {password: decodeURIComponent(url.password)} : {}),
    ...(url.protocol === 'rediss:' ? {tls: {}} : {}),
    // BullMQ's blocking connections need commands to wait for a reconnect rather than fail.
    maxRetriesPerRequest: null,
    retryStrategy: (times: number) => (times * RECONNECT_STEP_MS > RECONNECT_PATIENCE_MS ? null : RECONNECT_STEP_MS),
  }
  const shown = new URL(url.href)
  shown.password = ''
  return {url: shown.href.replace(/\/$/, ''), options}
}

/** The connection options as BullMQ takes them (its own type for the same ioredis options). */
export function bullConnection(address: QueueAddress): ConnectionOptions {
  return address.options as ConnectionOptions
}

/**
 * Wait for `promise`, but no longer than `ms`. The timer is not unref'd:
 * while the connections close, it may be all that keeps the process alive,
 * and an unref'd one would let the process exit with status 0 before the
 * error that follows is reported.
 */
export async function atMost(promise: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined
  await Promise.race([promise, new Promise(resolve => (timer = setTimeout(resolve, ms)))])
  clearTimeout(timer)
}

/** A plain connection, connected and answering, or one clear error. */
export async function connectQueue(address: QueueAddress): Promise<Redis> {
  let ready = false
  const redis = new Redis({
    ...address.options,
    lazyConnect: true,
    // Before the first answer a refusal is final; after it, the patience above.
    retryStrategy: (times: number) => (ready ? address.options.retryStrategy!(times) : null),
  })
  // Errors are reported through the commands that fail and the 'end' event, not as unhandled events;
  // the first one says why a connection never came up ("Connection is closed" does not).
  let first: Error | undefined
  redis.on('error', (error: Error) => (first ??= error))
  try {
    await redis.connect()
    await redis.ping()
  } catch (error) {
    redis.disconnect()
    throw unreachable(address, first ?? error)
  }
  ready = true
  return redis
}

export function unreachable(address: QueueAddress, error: unknown): ReseerError {
  const reason = (error as Error)?.message ?? String(error)
  return new ReseerError(`cannot reach the search queue at ${address.url}: ${reason}`, {code: 'EQUEUE', cause: error})
}

/**
 * A promise that rejects when the connection has given up reconnecting, for
 * racing every wait of a submitter or worker against; and, for a command that
 * failed first (ioredis rejects what is queued before it ends), the same
 * error once the connection is down.
 */
export function connectionLost(redis: Redis, address: QueueAddress): {lost: Promise<never>; ifLost: () => ReseerError | undefined; dispose: () => void} {
  let lastError = 'connection closed'
  let reject!: (error: Error) => void
  const lost = new Promise<never>((_, no) => (reject = no))
  lost.catch(() => {})
  const onError = (error: Error): void => {
    lastError = error.message
  }
  const error = (): ReseerError => new ReseerError(`lost the search queue at ${address.url}: ${lastError}`, {code: 'EQUEUE'})
  const ifLost = (): ReseerError | undefined => (redis.status === 'ready' ? undefined : error())
  const onEnd = (): void => reject(error())
  redis.on('error', onError)
  redis.on('end', onEnd)
  return {lost, ifLost, dispose: () => {
    redis.off('error', onError)
    redis.off('end', onEnd)
  }}
}
