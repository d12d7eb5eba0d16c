// Found paths: paths/NNNNNN.path holds the interleaving the search found for
// interval k (checkpoint k to k+1), as the search's bit string plus how it
// was found, so that the result can be reproduced from the log and the seed.
//
// Envelope (envelope.ts) with JSON {interval, bits, meta} and the path bytes
// as the body. Written by search into a log the recorder has finished, so it
// takes no writer lock: each file is written whole under a temp name and
// renamed into place, and a later search of the same interval replaces it.
import {join} from 'node:path'
import {ReseerError} from '../cli/errors.js'
import {damaged, openEnvelope, readIntervalFile, sealEnvelope} from './envelope.js'
import {writeFileAtomic} from './fsync.js'
import {MAGIC, PATHS_DIR, numberedFiles, pathFile} from './layout.js'

/** How a path was found. Search may add fields of its own. */
export interface PathMeta {
  seed: number | string
  /** "ga", "random", "exhaustive", ... */
  strategy: string
  settings: Record<string, unknown>
  /** Paths evaluated until this one was found. */
  evaluations: number
  /** Fitness of this path; an exact match is the search's maximum. */
  fitness: number
  [key: string]: unknown
}

export interface FoundPath {
  interval: number
  /** The path's bit string, bit i in byte i>>3 at bit (i & 7). */
  path: Uint8Array
  /** How many bits of `path` are meaningful. */
  bits: number
  meta: PathMeta
}

export function encodeFoundPath(found: FoundPath): Buffer {
  if (!Number.isSafeInteger(found.interval) || found.interval < 0) throw new ReseerError(`invalid interval ${found.interval} for a found path`, {code: 'ELOGPATH'})
  if (!Number.isSafeInteger(found.bits) || found.bits < 0 || found.bits > found.path.length * 8) {
    throw new ReseerError(`found path claims ${found.bits} bits but holds ${found.path.length * 8}`, {code: 'ELOGPATH'})
  }
  return sealEnvelope(MAGIC.path, {interval: found.interval, bits: found.bits, meta: found.meta}, found.path)
}

export function decodeFoundPath(bytes: Buffer, what: string): FoundPath {
  const {json, body} = openEnvelope(bytes, MAGIC.path, what, 'found path')
  const meta = json.meta as PathMeta | undefined
  if (!Number.isSafeInteger(json.interval) || !Number.isSafeInteger(json.bits) || (json.bits as number) > body.length * 8 ||
    !meta || typeof meta !== 'object' || typeof meta.strategy !== 'string') {
    throw damaged(`${what} is corrupt (interval, bits or meta)`)
  }
  return {interval: json.interval as number, path: Buffer.from(body), bits: json.bits as number, meta}
}

/** Write (or replace) the found path of an interval; safe beside readers and other searches. */
export function writeFoundPath(dir: string, found: FoundPath): void {
  writeFileAtomic(join(dir, pathFile(found.interval)), encodeFoundPath(found))
}

/** The found path of interval k, or undefined if none has been found. */
export function readFoundPath(dir: string, interval: number): FoundPath | undefined {
  return readIntervalFile(dir, pathFile(interval), interval, decodeFoundPath)
}

/** Intervals that have a found path, ascending. */
export function pathIntervals(dir: string): number[] {
  return numberedFiles(join(dir, PATHS_DIR), '.path')
}
