// The summary of a log directory that `log info` shows: what was recorded,
// how far, how many events of each kind, which intervals have found paths,
// and what it all takes on disk.
import {existsSync, statSync} from 'node:fs'
import {join} from 'node:path'
import {eventKindName} from './events.js'
import type {LogHeader} from './header.js'
import {CHECKPOINTS_DIR, PAGES_DIR, PAGE_SIZE, SUMMARIES_DIR, streamFile} from './layout.js'
import {ZERO_CONTENT} from './pack.js'
import {LogReader, listFiles} from './reader.js'
import {type StreamEnd, scanStream} from './stream.js'

export interface VcpuInfo {
  vcpu: number
  /** Retired instructions at the first and the last checkpoint (decimal strings: u64). */
  instretFirst: string | null
  instretLast: string | null
  /** Events by kind name. */
  events: Record<string, number>
  streamBytes: number
  /** How the stream ends: "ok", or "torn"/"corrupt" at an offset. */
  streamEnd: StreamEnd['status']
}

export interface LogInfo {
  dir: string
  backend: LogHeader['backend']
  domain: string
  vcpus: number
  memoryBytes: number
  mode: LogHeader['mode']
  formatVersion: number
  creator: LogHeader['creator']
  features: LogHeader['features']
  checkpoints: number
  /** Intervals between checkpoints (checkpoints - 1, or 0). */
  intervals: number
  intervalsWithPaths: number[]
  intervalsWithSummaries: number
  perVcpu: VcpuInfo[]
  disk: {
    eventBytes: number
    checkpointBytes: number
    packBytes: number
    /** Distinct non-zero pages (and disk blocks) stored. */
    distinctPages: number
    /** Non-zero page and block entries over all checkpoints: what storing every dirty page would have kept. */
    pageReferences: number
    /** pageReferences / distinctPages; 1 when nothing was shared. */
    dedupRatio: number
    /** Bytes the distinct pages take uncompressed, over bytes in packs. */
    compressionRatio: number
  }
  /** Problems found on the way; `log verify` gives the full report. */
  damage: string[]
}

export function logInfo(dir: string): LogInfo {
  const reader = LogReader.open(dir)
  try {
    const {header} = reader
    const count = reader.checkpointCount
    const damage = [...reader.damage]
    const perVcpu: VcpuInfo[] = []
    for (let v = 0; v < header.vcpus; v++) {
      const events: Record<string, number> = {}
      const file = join(dir, streamFile(v))
      const end: StreamEnd = existsSync(file)
        ? scanStream(file, {onRecord: (r) => {
          const name = eventKindName(r.kind)
          events[name] = (events[name] ?? 0) + 1
        }})
        : {status: 'corrupt', goodBytes: 0, records: 0, endBytes: 0, damageOffset: 0, detail: 'missing'}
      if (end.status !== 'ok') damage.push(`${streamFile(v)}: ${end.detail === 'missing' ? 'missing' : `${end.status} at offset ${end.damageOffset}`}`)
      perVcpu.push({
        vcpu: v,
        instretFirst: count > 0 ? reader.manifest(0).vcpus[v].instret.toString() : null,
        instretLast: count > 0 ? reader.manifest(count - 1).vcpus[v].instret.toString() : null,
        events,
        streamBytes: end.endBytes,
        streamEnd: end.status,
      })
    }
    let pageReferences = 0
    for (let k = 0; k < count; k++) {
      const m = reader.manifest(k)
      for (const map of [m.pages, ...m.disks.values()]) for (const id of map.values()) if (id !== ZERO_CONTENT) pageReferences++
    }
    const distinctPages = reader.contentLocations().length
    const packBytes = sizeOf(dir, PAGES_DIR)
    const paths = reader.pathIntervals()
    return {
      dir,
      backend: header.backend,
      domain: header.domain,
      vcpus: header.vcpus,
      memoryBytes: header.memoryBytes,
      mode: header.mode,
      formatVersion: header.formatVersion,
      creator: header.creator,
      features: header.features,
      checkpoints: count,
      intervals: Math.max(0, count - 1),
      intervalsWithPaths: paths,
      intervalsWithSummaries: listFiles(join(dir, SUMMARIES_DIR)).filter((n) => n.endsWith('.sum')).length,
      perVcpu,
      disk: {
        eventBytes: perVcpu.reduce((n, v) => n + v.streamBytes, 0),
        checkpointBytes: sizeOf(dir, CHECKPOINTS_DIR),
        packBytes,
        distinctPages,
        pageReferences,
        dedupRatio: distinctPages === 0 ? 1 : round(pageReferences / distinctPages),
        compressionRatio: packBytes === 0 ? 1 : round((distinctPages * PAGE_SIZE) / packBytes),
      },
      damage,
    }
  } finally {
    reader.close()
  }
}

function sizeOf(dir: string, sub: string): number {
  return listFiles(join(dir, sub)).reduce((n, name) => n + (statSync(join(dir, sub, name), {throwIfNoEntry: false})?.size ?? 0), 0)
}

function round(x: number): number {
  return Math.round(x * 100) / 100
}
