// Recording a running Xen domain into a log directory of the same format the
// sim backend writes: a full checkpoint (pause, copy every page, unpause),
// then at each interval the pages log-dirty mode saw written, and, where the
// hypervisor has mem_access, which vCPU wrote which page. Stock Xen exposes
// no per-vCPU instruction counter and no event stream, so vCPU instruction
// counts are recorded as 0 and the event streams stay empty; search and
// replay refuse such logs (requireCapability), log info and verify read them.
import {setTimeout as sleep} from 'node:timers/promises'
import {ReseerError} from '../../cli/errors.js'
import {PAGE_SIZE} from '../../log/layout.js'
import {LogWriter, type PageList} from '../../log/writer.js'
import type {DomainSummary, PageBatch, VcpuState} from '../backend.js'
import {xenCapabilities} from './capabilities.js'
import type {ToolLogSink} from './toollog.js'
import {type IntervalWrites, WriteTracker} from './write-tracker.js'
import {XenBackend, type XenCheckpointSource} from './xen-backend.js'

export interface XenRecordOptions {
  /** The domain, by name or id. */
  domain: string
  /** The log directory to create. */
  logDir: string
  /** Milliseconds between checkpoints. */
  intervalMs: number
  /** Stop after this many checkpoints in all; without it, record until signal aborts. */
  checkpoints?: number
  signal?: AbortSignal
  /** Track which vCPU writes which page (mem_access; HVM on Intel EPT only). */
  trackWrites?: boolean
  /** The domain configuration, as the config parser produced it, for the log header. */
  config?: Record<string, unknown>
  creator: {tool: string; version: string}
  log?: ToolLogSink
  onCheckpoint?: (taken: CheckpointTaken) => void
}

export interface CheckpointTaken {
  index: number
  pages: number
  /** How long the domain was paused for it. */
  pausedMs: number
}

export interface XenRecordResult {
  logDir: string
  domain: string
  domid: number
  checkpoints: number
  writeTracking: boolean
}

/** Record until the checkpoint count is reached or the signal aborts; the log is complete either way. */
export async function recordXenDomain(options: XenRecordOptions): Promise<XenRecordResult> {
  if (!(options.intervalMs > 0)) throw new ReseerError(`the checkpoint interval must be positive, not ${options.intervalMs} ms`, {code: 'EUSAGE'})
  const backend = XenBackend.open({log: options.log})
  try {
    const domain = await backend.findDomain(options.domain)
    const source = await backend.openCheckpointSource(domain.id)
    let tracker: WriteTracker | undefined
    let writer: LogWriter | undefined
    try {
      writer = createXenLog(options.logDir, domain, source.pageCount, options)
      if (options.trackWrites) {
        const caps = xenCapabilities(backend.host)
        if (!caps.capabilities.memAccess) {
          throw new ReseerError(`cannot track writes per vCPU on domain ${domain.name}: ${caps.reasons.memAccess}`, {code: 'ENOCAP'})
        }
        tracker = WriteTracker.open(backend.host, domain.id, source.pageCount, domain.vcpus)
      }
      options.onCheckpoint?.(await fullCheckpoint(backend, source, writer, domain.id))
      const limit = options.checkpoints ?? Infinity
      while (writer.checkpoints < limit && !options.signal?.aborted) {
        try {
          await sleep(options.intervalMs, undefined, {signal: options.signal})
        } catch {
          break
        }
        options.onCheckpoint?.(await dirtyCheckpoint(backend, source, writer, domain.id, tracker))
      }
      return {logDir: options.logDir, domain: domain.name, domid: domain.id, checkpoints: writer.checkpoints, writeTracking: tracker !== undefined}
    } finally {
      tracker?.close()
      writer?.close()
      await source.close()
    }
  } finally {
    await backend.close()
  }
}

/**
 * `reseer-xl checkpoint NAME` on a Xen domain: append one checkpoint to its
 * log (creating the log with this as checkpoint 0). Between two runs no
 * dirty tracking survives, so every page is copied; the store keeps each
 * distinct page content once, so unchanged pages cost a table entry only.
 */
export async function checkpointXenDomain(options: {domain: string; logDir: string; exists: boolean; config?: Record<string, unknown>; creator: {tool: string; version: string}; log?: ToolLogSink}): Promise<CheckpointTaken> {
  const backend = XenBackend.open({log: options.log})
  try {
    const domain = await backend.findDomain(options.domain)
    const source = await backend.openCheckpointSource(domain.id)
    let writer: LogWriter | undefined
    try {
      if (options.exists) {
        writer = LogWriter.openForAppend(options.logDir).writer
        if (writer.header.backend !== 'xen' || writer.header.vcpus !== domain.vcpus) {
          throw new ReseerError(`log ${options.logDir} was recorded from a ${writer.header.backend} domain with ${writer.header.vcpus} vCPUs, not from Xen domain ${domain.name} with ${domain.vcpus}`, {code: 'ELOGMISMATCH'})
        }
      } else {
        writer = createXenLog(options.logDir, domain, source.pageCount, options)
      }
      return await fullCheckpoint(backend, source, writer, domain.id)
    } finally {
      writer?.close()
      await source.close()
    }
  } finally {
    await backend.close()
  }
}

/** A new log for a Xen domain: its memory is every page up to the highest guest frame. */
export function createXenLog(logDir: string, domain: Pick<DomainSummary, 'name' | 'vcpus'>, pageCount: number, options: {config?: Record<string, unknown>; creator: {tool: string; version: string}}): LogWriter {
  return LogWriter.create(logDir, {
    backend: 'xen',
    domain: domain.name,
    vcpus: domain.vcpus,
    memoryBytes: pageCount * PAGE_SIZE,
    config: options.config ?? {},
    mode: 'reseer',
    creator: options.creator,
  })
}

/** Pause, copy every page straight into the log, unpause. */
async function fullCheckpoint(backend: XenBackend, source: XenCheckpointSource, writer: LogWriter, domid: number): Promise<CheckpointTaken> {
  const started = performance.now()
  await backend.pause(domid)
  let stored: {index: number; pages: number}
  try {
    stored = storeXenCheckpoint(writer, {kind: 'full', vcpus: await backend.vcpuStates(domid), batches: source.fullBatches()})
  } finally {
    await backend.unpause(domid)
  }
  return {...stored, pausedMs: performance.now() - started}
}

/** Pause, read and clear the dirty bitmap, copy those pages, unpause; then write. */
async function dirtyCheckpoint(backend: XenBackend, source: XenCheckpointSource, writer: LogWriter, domid: number, tracker: WriteTracker | undefined): Promise<CheckpointTaken> {
  const started = performance.now()
  await backend.pause(domid)
  let data: XenCheckpointData
  try {
    const batches = [...source.copy(source.readDirtyBitmap())]
    data = {kind: 'dirty', vcpus: await backend.vcpuStates(domid), batches, writes: tracker?.collect()}
  } finally {
    await backend.unpause(domid)
  }
  const pausedMs = performance.now() - started
  return {...storeXenCheckpoint(writer, data), pausedMs}
}

/** What one checkpoint of a Xen domain holds, as the backend read it. */
export interface XenCheckpointData {
  kind: 'full' | 'dirty'
  vcpus: VcpuState[]
  /** For a full checkpoint every page; for a dirty one the pages written since the last. */
  batches: Iterable<PageBatch>
  /** Per-vCPU writes of the interval that ends here, where mem_access tracked them. */
  writes?: IntervalWrites
}

/** Write one checkpoint (and its interval's sharing summary) into the log; returns its index and page count. */
export function storeXenCheckpoint(writer: LogWriter, data: XenCheckpointData): {index: number; pages: number} {
  let pages = 0
  const meta: Record<string, unknown> = {kind: data.kind}
  if (data.writes) meta.writeFaults = data.writes.writeFaults
  if (data.writes?.dropped) meta.writeFaultsDropped = data.writes.dropped
  const index = writer.checkpoint({
    // No retired-instruction counter on stock Xen: 0 says "not counted".
    vcpus: data.vcpus.map((v) => ({state: v.state, instret: v.instructions ?? 0n})),
    device: new Uint8Array(0),
    pages: countPages(pageList(data.batches), () => pages++),
    meta,
  })
  // Reads are not visible to write protection: the summary holds writes only,
  // and none at all when faults were dropped and the sets are incomplete.
  if (data.writes && data.writes.dropped === 0 && index > 0) {
    writer.writeSummary({interval: index - 1, vcpus: data.writes.written.map((written) => ({read: new Uint32Array(0), written}))})
  }
  return {index, pages}
}

function* pageList(batches: Iterable<PageBatch>): Generator<readonly [number, Uint8Array]> {
  for (const batch of batches) {
    for (let i = 0; i < batch.pfns.length; i++) yield [batch.pfns[i], batch.data.subarray(i * PAGE_SIZE, (i + 1) * PAGE_SIZE)] as const
  }
}

function* countPages(pages: PageList, count: () => void): Generator<readonly [number, Uint8Array]> {
  for (const page of pages) {
    count()
    yield page
  }
}
