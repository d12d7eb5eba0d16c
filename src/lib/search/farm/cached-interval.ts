// The problem source of a farm worker's pool threads: an interval built from
// the worker's blob cache, which fetchBundle has filled, so that only the
// cache directory and the bundle's hash cross threads.

import {PAGE_SIZE} from '../../log/layout.js'
import {PAGE_HASH_BYTES, type PageHash, type PageSource, buildInterval, hashHex} from '../interval-data.js'
import type {LoadedInterval} from '../problem-source.js'
import {BlobCache, decodeBundle} from './bundle.js'

export interface CachedIntervalArg {
  cache: string
  bundle: string
}

export function loadInterval(arg: unknown): LoadedInterval {
  const {cache: dir, bundle: hash} = arg as CachedIntervalArg
  const cache = new BlobCache(dir)
  const bundle = decodeBundle(cache.read(hash), hash)
  const memory = new Uint8Array(bundle.memoryTable.length > 0 ? (bundle.data.memoryBytes / PAGE_SIZE) * PAGE_HASH_BYTES : 0)
  let at = 0
  for (const chunk of bundle.memoryTable) {
    const hashes = cache.read(chunk)
    memory.set(hashes, at)
    at += hashes.length
  }
  const data = bundle.data
  const pages: PageSource = {page: (page: PageHash) => Uint8Array.from(cache.read(hashHex(page)))}
  return buildInterval({
    ...data,
    machine: {
      ...data.machine,
      kernel: cache.filePath(bundle.files.kernel),
      disks: data.machine.disks.map((disk, i) => ({...disk, path: cache.filePath(bundle.files.disks[i])})),
    },
    start: {...data.start, memory},
  }, pages)
}
