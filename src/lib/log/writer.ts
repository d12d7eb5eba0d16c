// The recorder's side of a log directory: create it (or reopen it after a
// crash), append events to the per-vCPU streams, and take checkpoints.
//
// Crash-safety order at a checkpoint: event streams and the page pack are
// written and fsynced first; the manifest is then written under a temp name,
// fsynced, renamed into place and the directory fsynced. Only the rename
// makes the checkpoint visible, and everything it refers to is durable by then.
import {existsSync, mkdirSync, readdirSync, rmSync, statSync} from 'node:fs'
import {join} from 'node:path'
import {ReseerError} from '../cli/errors.js'
import {type CheckpointManifest, type VcpuCheckpoint, encodeManifest} from './checkpoint.js'
import {fsyncDir, writeFileAtomic} from './fsync.js'
import {type LogHeader, type LogHeaderInit, decodeHeader, encodeHeader} from './header.js'
import {CHECKPOINTS_DIR, EVENTS_DIR, HEADER_FILE, LOCK_FILE, PACK_LIMIT, PAGES_DIR, PAGE_SIZE, PATHS_DIR, SUMMARIES_DIR, checkpointFile, packFile, streamFile} from './layout.js'
import {type WriterLock, acquireWriterLock} from './lock.js'
import {PackWriter} from './pack.js'
import {LogReader} from './reader.js'
import {EventStreamWriter, scanStream} from './stream.js'
import {type SharingSummary, writeSummaryFile} from './summary.js'

/** Pages as (page number, 4096 bytes): a Map<number, Uint8Array> will do. */
export type PageList = Iterable<readonly [number, Uint8Array]>

export interface CheckpointInput {
  /** One entry per vCPU, in vCPU order. */
  vcpus: VcpuCheckpoint[]
  device: Uint8Array
  /**
   * Guest pages written since the previous checkpoint; for checkpoint 0 every
   * page that is not all zero (a page never listed reads as zero). A page
   * that became all zero must still be listed.
   */
  pages: PageList
  /** Disk blocks written since the previous checkpoint, per disk (blocks never listed read as in the disk image). */
  disks?: Record<string, PageList>
  /** The recorder's own data for this checkpoint, e.g. {consoleBytes: 1234}. */
  meta?: Record<string, unknown>
}

export interface WriterOptions {
  /** Start a new pack file once the current one passes this many bytes (default 256 MiB), for file systems with small file limits. */
  packLimit?: number
}

/** What reopening found and cut, for the recorder to report. */
export interface ResumeReport {
  checkpoints: number
  /** Per vCPU: bytes of torn tail cut from its event stream. */
  cutEventBytes: number[]
  /** Bytes of page data from an unfinished checkpoint that were dropped. */
  droppedPackBytes: number
}

export class LogWriter {
  private closed = false
  /** Bytes of manifests and summaries this writer has written. */
  private fileBytes = 0

  private constructor(
    readonly dir: string,
    readonly header: LogHeader,
    private readonly lock: WriterLock,
    private readonly streams: EventStreamWriter[],
    private readonly packs: PackWriter,
    private nextCheckpoint: number,
    /** Bytes outside the event streams when the writer took over: the header, and what a reopened log already held. */
    private readonly baseBytes: number,
  ) {}

  /** Create a new log directory (it must not exist, or be empty) and take its writer lock. */
  static create(dir: string, init: LogHeaderInit, options: WriterOptions = {}): LogWriter {
    const headerBytes = encodeHeader(init)
    const limit = packLimit(options)
    if (existsSync(dir) && readdirSync(dir).length > 0) {
      throw new ReseerError(`log directory ${dir} already exists and is not empty`, {code: 'ELOGEXISTS', hint: 'remove it or record under another name'})
    }
    mkdirSync(dir, {recursive: true})
    const lock = acquireWriterLock(dir)
    try {
      for (const sub of [EVENTS_DIR, CHECKPOINTS_DIR, PAGES_DIR, SUMMARIES_DIR, PATHS_DIR]) mkdirSync(join(dir, sub))
      const streams = Array.from({length: init.vcpus}, (_, v) => new EventStreamWriter(join(dir, streamFile(v)), v, 0, 0n))
      const packs = new PackWriter(dir, [], 0, 0, limit)
      for (const s of streams) s.sync()
      packs.commit()
      for (const sub of [EVENTS_DIR, PAGES_DIR]) fsyncDir(join(dir, sub))
      // The header goes last: a directory with a header is a complete, empty log.
      writeFileAtomic(join(dir, HEADER_FILE), headerBytes)
      fsyncDir(dir)
      return new LogWriter(dir, decodeHeader(headerBytes), lock, streams, packs, 0, headerBytes.length)
    } catch (error) {
      lock.release()
      throw error
    }
  }

  /**
   * Reopen an existing log to append to it, as after a crash of its writer:
   * cut each event stream's torn tail, drop page data of a checkpoint that
   * never became visible, and continue after the last visible checkpoint.
   * A stream damaged before its last checkpoint's length is refused, not cut.
   */
  static openForAppend(dir: string, options: WriterOptions = {}): {writer: LogWriter; resumed: ResumeReport} {
    const limit = packLimit(options)
    const lock = acquireWriterLock(dir)
    try {
      const reader = LogReader.open(dir)
      try {
        if (reader.damage.length > 0) {
          throw new ReseerError(`log ${dir} is damaged (${reader.damage[0]}), not appending to it`, {code: 'ELOGCORRUPT', hint: 'run reseer-xl log verify for a full report'})
        }
        const header = reader.header
        const last = reader.checkpointCount > 0 ? reader.manifest(reader.checkpointCount - 1) : undefined
        // Scan every stream before cutting any, so that a refusal changes nothing.
        const ends = Array.from({length: header.vcpus}, (_, v) => {
          const file = join(dir, streamFile(v))
          const from = last?.streamBytes[v] ?? 0
          // Events after the last checkpoint are held to its count, as when the log was first written.
          let instret = last?.vcpus[v].instret ?? 0n
          if (!existsSync(file) && from > 0) throw new ReseerError(`${streamFile(v)} is missing, not appending to ${dir}`, {code: 'ELOGCORRUPT'})
          const end = existsSync(file)
            ? scanStream(file, {from, onRecord: (r) => (instret = r.instret)})
            : {status: 'ok' as const, goodBytes: 0, endBytes: 0}
          if (end.status === 'corrupt') {
            throw new ReseerError(`${streamFile(v)} is corrupt at offset ${end.goodBytes}, not appending to it`, {code: 'ELOGCORRUPT', hint: 'run reseer-xl log verify for a full report'})
          }
          return {file, goodBytes: end.goodBytes, cut: end.endBytes - end.goodBytes, instret}
        })
        const streams = ends.map((e, v) => new EventStreamWriter(e.file, v, e.goodBytes, e.instret))
        // A stream file lost before any checkpoint counted on it was created afresh just now.
        fsyncDir(join(dir, EVENTS_DIR))
        const cutEventBytes = ends.map((e) => e.cut)
        const pack = last?.pack ?? 0
        const packBytes = last?.packBytes ?? 0
        const droppedPackBytes = dropUnfinishedPacks(dir, pack, packBytes)
        const packs = new PackWriter(dir, reader.contentLocations(), pack, packBytes, limit)
        const writer = new LogWriter(dir, header, lock, streams, packs, reader.checkpointCount, bytesOutside(dir, EVENTS_DIR))
        return {writer, resumed: {checkpoints: reader.checkpointCount, cutEventBytes, droppedPackBytes}}
      } finally {
        reader.close()
      }
    } catch (error) {
      lock.release()
      throw error
    }
  }

  /** Checkpoints taken so far (the index the next one gets). */
  get checkpoints(): number {
    return this.nextCheckpoint
  }

  /**
   * Bytes in the log: its event streams (buffered records included), and
   * everything else the writer has written or found on reopening. Kept as
   * it goes, so a long recording need not walk its directory to report it.
   */
  get bytes(): {events: number; other: number} {
    return {events: this.streams.reduce((n, s) => n + s.length, 0), other: this.baseBytes + this.packs.bytesWritten + this.fileBytes}
  }

  /** The instret of a vCPU's last event or checkpoint, whichever is later: where a resumed recording goes on from. */
  lastInstret(vcpu: number): bigint {
    const stream = this.streams[vcpu]
    if (stream === undefined) throw new ReseerError(`no vCPU ${vcpu} in this log (it has ${this.streams.length})`, {code: 'ELOGEVENT'})
    return stream.instret
  }

  /** Append an event to a vCPU's stream (buffered; durable at the next checkpoint or close). */
  append(vcpu: number, kind: number, instret: bigint, payload: Uint8Array): void {
    const stream = this.streams[vcpu]
    if (this.closed) this.assertOpen()
    if (stream === undefined) throw new ReseerError(`no vCPU ${vcpu} in this log (it has ${this.streams.length})`, {code: 'ELOGEVENT'})
    stream.append(kind, instret, payload)
  }

  /** Take the next checkpoint; returns its index once it is durable and visible. */
  checkpoint(input: CheckpointInput): number {
    this.assertOpen()
    const index = this.nextCheckpoint
    const {vcpus} = input
    if (vcpus.length !== this.header.vcpus) {
      throw new ReseerError(`checkpoint ${index} has state for ${vcpus.length} vCPUs, the log has ${this.header.vcpus}`, {code: 'ELOGCHECKPOINT'})
    }
    vcpus.forEach((v, i) => {
      const floor = this.streams[i].instret
      if (v.instret < floor) {
        throw new ReseerError(`checkpoint ${index}: vCPU ${i} is at instret ${v.instret}, before its last event or checkpoint at ${floor}`, {code: 'ELOGCHECKPOINT'})
      }
    })
    const pageLimit = this.header.memoryBytes / PAGE_SIZE
    const pages = this.storePages(input.pages, `checkpoint ${index} page`, index === 0, pageLimit)
    const disks = new Map<string, Map<number, number>>()
    for (const [name, blocks] of Object.entries(input.disks ?? {})) disks.set(name, this.storePages(blocks, `checkpoint ${index} disk ${name} block`, false, 2 ** 32))
    const stored = this.packs.commit()
    for (const s of this.streams) s.sync()
    const manifest: CheckpointManifest = {
      index,
      vcpus,
      device: input.device,
      streamBytes: this.streams.map((s) => s.length),
      firstContent: stored.firstId,
      contents: stored.contents,
      pages,
      disks,
      pack: stored.pack,
      packBytes: stored.packBytes,
      meta: input.meta ?? {},
    }
    const manifestBytes = encodeManifest(manifest)
    writeFileAtomic(join(this.dir, checkpointFile(index)), manifestBytes)
    this.fileBytes += manifestBytes.length
    this.nextCheckpoint++
    // Events after a checkpoint happen after it: hold them to its counts.
    vcpus.forEach((v, i) => this.streams[i].advanceTo(v.instret))
    return index
  }

  private storePages(list: PageList, what: string, skipZero: boolean, limit: number): Map<number, number> {
    const out = new Map<number, number>()
    for (const [n, data] of list) {
      if (!Number.isInteger(n) || n < 0 || n >= limit) throw new ReseerError(`${what} ${n} is outside 0..${limit - 1}`, {code: 'ELOGCHECKPOINT'})
      if (data.length !== PAGE_SIZE) throw new ReseerError(`${what} ${n} has ${data.length} bytes, not ${PAGE_SIZE}`, {code: 'ELOGCHECKPOINT'})
      const id = this.packs.store(data)
      if (id !== 0 || !skipZero) out.set(n, id)
    }
    return out
  }

  /** Write the sharing summary of interval k (checkpoint k to k+1), once checkpoint k+1 is taken. */
  writeSummary(summary: SharingSummary): void {
    this.assertOpen()
    if (summary.interval + 1 >= this.nextCheckpoint || summary.interval < 0) {
      throw new ReseerError(`summary of interval ${summary.interval} needs checkpoint ${summary.interval + 1}, and the log has ${this.nextCheckpoint}`, {code: 'ELOGSUMMARY'})
    }
    if (summary.vcpus.length !== this.header.vcpus) throw new ReseerError(`summary has ${summary.vcpus.length} vCPUs, the log has ${this.header.vcpus}`, {code: 'ELOGSUMMARY'})
    this.fileBytes += writeSummaryFile(this.dir, summary)
  }

  /** Make every event appended so far durable without a checkpoint. */
  sync(): void {
    this.assertOpen()
    for (const s of this.streams) s.sync()
  }

  /** Flush and fsync everything, and release the writer lock. */
  close(): void {
    if (this.closed) return
    this.closed = true
    try {
      for (const s of this.streams) s.close()
      this.packs.close()
    } finally {
      this.lock.release()
    }
  }

  private assertOpen(): void {
    if (this.closed) throw new ReseerError(`log ${this.dir} is closed`, {code: 'ELOGCLOSED'})
  }
}

function packLimit(options: WriterOptions): number {
  const limit = options.packLimit ?? PACK_LIMIT
  if (!Number.isSafeInteger(limit) || limit < PAGE_SIZE) throw new ReseerError(`pack limit ${limit} is too small (at least ${PAGE_SIZE} bytes)`, {code: 'ELOGOPTION'})
  return limit
}

/** Bytes of every file under `dir` except the writer lock and what lies in its subdirectory `skip`. */
function bytesOutside(dir: string, skip: string): number {
  let bytes = 0
  for (const entry of readdirSync(dir, {withFileTypes: true})) {
    const full = join(dir, entry.name)
    if (entry.isDirectory()) bytes += entry.name === skip ? 0 : bytesOutside(full, skip)
    else if (entry.name !== LOCK_FILE) bytes += statSync(full).size
  }
  return bytes
}

/** Cut the page store back to where the last visible checkpoint left it. */
function dropUnfinishedPacks(dir: string, pack: number, packBytes: number): number {
  let dropped = 0
  for (const name of readdirSync(join(dir, PAGES_DIR))) {
    const m = /^pack-(\d+)\.dat$/.exec(name)
    if (!m) continue
    const n = Number(m[1])
    const file = join(dir, PAGES_DIR, name)
    const size = statSync(file).size
    if (n > pack) {
      dropped += size
      rmSync(file)
    } else if (n === pack && size > packBytes) {
      dropped += size - packBytes
    }
  }
  if (!existsSync(join(dir, packFile(pack))) && packBytes > 0) {
    throw new ReseerError(`${packFile(pack)} is missing, not appending to ${dir}`, {code: 'ELOGCORRUPT'})
  }
  return dropped
}

