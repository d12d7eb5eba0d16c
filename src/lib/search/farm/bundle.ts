// An interval as it travels to a farm worker: a bundle blob holding the
// interval's data (interval-data.ts) with its memory page table cut into
// chunk blobs of 128 page hashes, and the kernel and disk images as files of
// page-sized pieces, every part a blob in the farm's content-addressed store.
// Adjacent intervals share most chunks and pages, and every interval of a
// recording shares its kernel, so a submitter sends little per interval, and
// a worker fetches only what its local cache lacks.
//
// The submitting side puts bundles (putIntervalBundle); the worker side
// fetches a bundle and everything it names into a cache directory
// (fetchBundle), from which a pool thread builds the interval
// (cached-interval.ts) without Redis and without the log directory.

import {mkdirSync, readFileSync, renameSync, statSync, writeFileSync} from 'node:fs'
import {basename, join} from 'node:path'
import {deserialize, serialize} from 'node:v8'
import {ReseerError} from '../../cli/errors.js'
import {PAGE_SIZE} from '../../log/layout.js'
import {type IntervalData, PAGE_HASH_BYTES, hashHex, intervalPageHashes, isZeroHash} from '../interval-data.js'
import type {LogPages} from '../log-interval.js'
import {type BlobStore, blobHash} from './blobs.js'

const BUNDLE_FORMAT = 1
/** Page hashes per chunk of the memory page table (128: one 4 KiB blob per 512 KiB of guest memory). */
const TABLE_CHUNK_BYTES = 4096

/** A file (kernel, disk image) in the store: a blob listing the hashes of its page-sized pieces. */
export interface FileRef {
  hash: string
  bytes: number
  /** The file's own name, for messages. */
  name: string
}

export interface IntervalBundle {
  format: typeof BUNDLE_FORMAT
  /** The interval's data; start.memory is empty (see memoryTable), machine file paths are blank (see files). */
  data: IntervalData
  /** Hashes of the chunks of start.memory, in order. */
  memoryTable: string[]
  files: {kernel: FileRef; disks: FileRef[]}
}

/** Store a file as page-sized pieces and a list of their hashes. */
export async function putFile(store: BlobStore, path: string): Promise<FileRef> {
  const bytes = readFileSync(path)
  const pieces = new Map<string, Uint8Array>()
  const list = Buffer.alloc(Math.ceil(bytes.length / PAGE_SIZE) * PAGE_HASH_BYTES)
  for (let at = 0, i = 0; at < bytes.length; at += PAGE_SIZE, i++) {
    const piece = bytes.subarray(at, at + PAGE_SIZE)
    const hash = blobHash(piece)
    pieces.set(hash, piece)
    list.write(hash, i * PAGE_HASH_BYTES, 'hex')
  }
  await store.put(pieces.keys(), hash => pieces.get(hash)!)
  const hash = blobHash(list)
  await store.put([hash], () => list)
  return {hash, bytes: bytes.length, name: basename(path)}
}

/** Store an interval's bundle and every blob it names; the bundle's hash names the job. */
export async function putIntervalBundle(store: BlobStore, data: IntervalData, pages: LogPages, files: IntervalBundle['files']): Promise<string> {
  const chunks = new Map<string, Uint8Array>()
  const memoryTable: string[] = []
  for (let at = 0; at < data.start.memory.length; at += TABLE_CHUNK_BYTES) {
    const chunk = data.start.memory.subarray(at, at + TABLE_CHUNK_BYTES)
    const hash = blobHash(chunk)
    chunks.set(hash, chunk)
    memoryTable.push(hash)
  }
  const pageHashes = new Map(intervalPageHashes(data).map(hash => [hashHex(hash), hash]))
  await store.put(pageHashes.keys(), hex => pages.page(pageHashes.get(hex)!))
  await store.put(chunks.keys(), hash => chunks.get(hash)!)
  const bundle: IntervalBundle = {
    format: BUNDLE_FORMAT,
    data: {
      ...data,
      machine: {...data.machine, kernel: '', disks: data.machine.disks.map(disk => ({...disk, path: ''}))},
      start: {...data.start, memory: new Uint8Array(0)},
    },
    memoryTable,
    files,
  }
  const bytes = serialize(bundle)
  const hash = blobHash(bytes)
  await store.put([hash], () => bytes)
  return hash
}

/** A worker's local copy of blobs, by hash, and of the files assembled from them. */
export class BlobCache {
  constructor(readonly dir: string) {
    mkdirSync(join(dir, 'blobs'), {recursive: true})
    mkdirSync(join(dir, 'files'), {recursive: true})
  }

  blobPath(hash: string): string {
    return join(this.dir, 'blobs', hash.slice(0, 2), hash)
  }

  filePath(ref: FileRef): string {
    return join(this.dir, 'files', ref.hash)
  }

  has(hash: string): boolean {
    try {
      return statSync(this.blobPath(hash)).isFile()
    } catch {
      return false
    }
  }

  read(hash: string): Buffer {
    try {
      return readFileSync(this.blobPath(hash))
    } catch (error) {
      throw new ReseerError(`the worker's cache lacks blob ${hash}: ${(error as Error).message}`, {code: 'EFARMDATA', cause: error})
    }
  }

  write(hash: string, bytes: Uint8Array): void {
    const path = this.blobPath(hash)
    mkdirSync(join(this.dir, 'blobs', hash.slice(0, 2)), {recursive: true})
    writeWhole(path, bytes)
  }
}

/** Write a file under a temporary name and rename it into place, so that a reader never sees half of it. */
function writeWhole(path: string, bytes: Uint8Array): void {
  const temp = `${path}.${process.pid}.${Math.floor(Math.random() * 1e9)}.tmp`
  writeFileSync(temp, bytes)
  renameSync(temp, path)
}

export function decodeBundle(bytes: Buffer, hash: string): IntervalBundle {
  let bundle: IntervalBundle
  try {
    bundle = deserialize(bytes) as IntervalBundle
  } catch (error) {
    throw new ReseerError(`interval bundle ${hash} cannot be read: ${(error as Error).message}`, {code: 'EFARMDATA', cause: error})
  }
  const data = bundle?.data
  if (bundle?.format !== BUNDLE_FORMAT || !data || !Array.isArray(bundle.memoryTable) || !bundle.files?.kernel ||
    !Number.isInteger(data.interval) || !Array.isArray(data.budgets) || !data.start || !data.target || !data.machine) {
    throw new ReseerError(`interval bundle ${hash} is not a format-${BUNDLE_FORMAT} interval bundle`, {code: 'EFARMDATA'})
  }
  return bundle
}

/** Fetch what the cache lacks of a list of blobs. */
async function fetchMissing(store: BlobStore, cache: BlobCache, hashes: Iterable<string>): Promise<number> {
  const missing = [...new Set(hashes)].filter(hash => !cache.has(hash))
  if (missing.length === 0) return 0
  const got = await store.get(missing)
  let bytes = 0
  for (const [hash, content] of got) {
    cache.write(hash, content)
    bytes += content.length
  }
  return bytes
}

function hashesIn(list: Uint8Array): string[] {
  const out: string[] = []
  for (let at = 0; at < list.length; at += PAGE_HASH_BYTES) {
    const hash = list.subarray(at, at + PAGE_HASH_BYTES)
    if (!isZeroHash(hash)) out.push(hashHex(hash))
  }
  return out
}

/**
 * Make the cache hold the bundle and everything it names, with its files
 * assembled; returns the bundle and the bytes fetched.
 */
export async function fetchBundle(store: BlobStore, cache: BlobCache, hash: string): Promise<{bundle: IntervalBundle; fetchedBytes: number}> {
  let fetchedBytes = await fetchMissing(store, cache, [hash])
  const bundle = decodeBundle(cache.read(hash), hash)
  fetchedBytes += await fetchMissing(store, cache, bundle.memoryTable)
  const memory = bundle.memoryTable.flatMap(chunk => hashesIn(cache.read(chunk)))
  const data = bundle.data
  const others = [...data.start.disks.flatMap(disk => disk.map(([, h]) => h)), ...data.target.pages.map(([, h]) => h)]
  fetchedBytes += await fetchMissing(store, cache, [...memory, ...others.filter(h => !isZeroHash(h)).map(hashHex)])
  for (const file of [bundle.files.kernel, ...bundle.files.disks]) {
    if (fileReady(cache, file)) continue
    fetchedBytes += await fetchMissing(store, cache, [file.hash])
    const pieces = hashesIn(cache.read(file.hash))
    fetchedBytes += await fetchMissing(store, cache, pieces)
    const whole = Buffer.concat(pieces.map(piece => cache.read(piece)))
    if (whole.length !== file.bytes) {
      throw new ReseerError(`${file.name} from the search queue is ${whole.length} bytes, expected ${file.bytes}`, {code: 'EFARMDATA'})
    }
    writeWhole(cache.filePath(file), whole)
  }
  return {bundle, fetchedBytes}
}

function fileReady(cache: BlobCache, file: FileRef): boolean {
  try {
    return statSync(cache.filePath(file)).size === file.bytes
  } catch {
    return false
  }
}
