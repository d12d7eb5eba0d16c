// The content-addressed store of a search farm, in the farm's Redis: each
// blob (a memory page, a page-table chunk, an interval's data, a piece of a
// kernel or disk image) under the hex SHA-256 of its bytes, written with
// SET NX so that a page shared by many intervals travels once. Blobs are
// deflated when that pays and expire a while after the last search that used
// them. Whatever comes back is checked against its name, so a damaged blob is
// an error, never a wrong page.

import {createHash} from 'node:crypto'
import {deflateRawSync, inflateRawSync} from 'node:zlib'
import type {Redis} from 'ioredis'
import {ReseerError} from '../../cli/errors.js'
import {BLOB_PREFIX} from './redis.js'

/** A blob lives this long after the last search that named it. */
export const BLOB_TTL_SECONDS = 7 * 24 * 3600
const BATCH = 256
const RAW = 0
const DEFLATED = 1

export function blobHash(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex')
}

export function encodeBlob(bytes: Uint8Array): Buffer {
  const packed = deflateRawSync(bytes, {level: 1})
  return packed.length < bytes.length - bytes.length / 8
    ? Buffer.concat([Buffer.of(DEFLATED), packed])
    : Buffer.concat([Buffer.of(RAW), bytes])
}

/** The bytes of a stored blob, checked against the hash it is stored under. */
export function decodeBlob(stored: Buffer, hash: string): Buffer {
  let bytes: Buffer
  try {
    if (stored[0] === RAW) bytes = stored.subarray(1)
    else if (stored[0] === DEFLATED) bytes = inflateRawSync(stored.subarray(1))
    else throw new Error(`unknown encoding ${stored[0]}`)
  } catch (error) {
    throw new ReseerError(`blob ${hash} in the search queue is corrupt: ${(error as Error).message}`, {code: 'EFARMDATA', cause: error})
  }
  if (blobHash(bytes) !== hash) throw new ReseerError(`blob ${hash} in the search queue is corrupt: its content has another hash`, {code: 'EFARMDATA'})
  return bytes
}

export class BlobStore {
  /** Blobs this process has stored or seen stored, so it does not ask again. */
  private readonly known = new Set<string>()
  /** Bytes of blobs this process has sent, for reports and the benchmark. */
  sentBytes = 0
  sentBlobs = 0

  constructor(private readonly redis: Redis) {}

  /**
   * Store the blobs not stored yet. `content` is asked only for the missing
   * ones; a blob already there has its expiry renewed.
   */
  async put(hashes: Iterable<string>, content: (hash: string) => Uint8Array): Promise<void> {
    const wanted = [...new Set(hashes)].filter(hash => !this.known.has(hash))
    for (let at = 0; at < wanted.length; at += BATCH) {
      const batch = wanted.slice(at, at + BATCH)
      const renew = this.redis.pipeline()
      for (const hash of batch) renew.expire(BLOB_PREFIX + hash, BLOB_TTL_SECONDS)
      const renewed = await renew.exec()
      const missing = batch.filter((_, i) => renewed?.[i]?.[1] !== 1)
      if (missing.length > 0) {
        const store = this.redis.pipeline()
        for (const hash of missing) {
          const bytes = content(hash)
          if (blobHash(bytes) !== hash) throw new ReseerError(`blob ${hash} to store has other content`, {code: 'EFARMDATA'})
          const stored = encodeBlob(bytes)
          this.sentBytes += stored.length
          this.sentBlobs++
          store.set(BLOB_PREFIX + hash, stored, 'EX', BLOB_TTL_SECONDS, 'NX')
        }
        const results = await store.exec()
        const failed = results?.find(([error]) => error)
        if (failed) throw failed[0]!
      }
      for (const hash of batch) this.known.add(hash)
    }
  }

  /** The blobs' bytes, checked; a blob that is not there is an error naming it. */
  async get(hashes: readonly string[]): Promise<Map<string, Buffer>> {
    const out = new Map<string, Buffer>()
    const wanted = [...new Set(hashes)]
    for (let at = 0; at < wanted.length; at += BATCH) {
      const batch = wanted.slice(at, at + BATCH)
      const stored = await this.redis.mgetBuffer(...batch.map(hash => BLOB_PREFIX + hash))
      batch.forEach((hash, i) => {
        const value = stored[i]
        if (!value) throw new ReseerError(`blob ${hash} is not in the search queue (expired or flushed)`, {code: 'EFARMDATA', hint: 'submit the search again'})
        out.set(hash, decodeBlob(value, hash))
      })
    }
    return out
  }
}
