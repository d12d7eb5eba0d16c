// The reading side of a log directory, for search, replay, and log verify /
// info. A reader takes no lock and may run while the recorder appends: it
// sees the checkpoints whose manifests were visible when it opened, and the
// events up to the last complete record when it reads a stream.
import {readFileSync, readdirSync} from 'node:fs'
import {join} from 'node:path'
import {ReseerError} from '../cli/errors.js'
import {type CheckpointManifest, type VcpuCheckpoint, decodeManifest} from './checkpoint.js'
import {type FoundPath, pathIntervals, readFoundPath} from './found-path.js'
import {type LogHeader, readHeader} from './header.js'
import {CHECKPOINTS_DIR, PAGE_SIZE, checkpointFile, numberedFiles, streamFile} from './layout.js'
import {type ContentLocation, PackReader, ZERO_CONTENT} from './pack.js'
import {type StoredEventRecord, type StreamEnd, readStream} from './stream.js'
import {type SharingSummary, readSummaryFile} from './summary.js'

/** A checkpoint as search and replay use it. */
export interface Checkpoint {
  index: number
  vcpus: VcpuCheckpoint[]
  device: Uint8Array
  /** Byte length of each vCPU's event stream when the checkpoint was taken. */
  streamBytes: number[]
  meta: Record<string, unknown>
}

const CACHED_MAPS = 8
const CACHED_PAGES = 256
const ZERO_PAGE = Buffer.alloc(PAGE_SIZE)

export class LogReader {
  /** Problems that cut the checkpoint chain short (empty for a healthy log). */
  readonly damage: string[] = []
  private readonly manifests: CheckpointManifest[] = []
  private readonly locations: ContentLocation[] = []
  private readonly packs: PackReader
  /** Full page (or block) maps of recently asked-for checkpoints, oldest first, by "k" or "k/disk". */
  private readonly maps = new Map<string, Map<number, number>>()
  private readonly pages = new Map<number, Buffer>()

  private constructor(readonly dir: string, readonly header: LogHeader) {
    this.packs = new PackReader(dir)
  }

  static open(dir: string): LogReader {
    const reader = new LogReader(dir, readHeader(dir))
    reader.loadChain()
    return reader
  }

  /** Read manifests 0, 1, ... until the first missing or bad one. */
  private loadChain(): void {
    const present = numberedFiles(join(this.dir, CHECKPOINTS_DIR), '.ckpt')
    for (let k = 0; k < present.length; k++) {
      const file = checkpointFile(k)
      if (present[k] !== k) {
        this.damage.push(`${file} is missing, so checkpoints from ${k} on are unusable`)
        return
      }
      let manifest: CheckpointManifest
      try {
        manifest = decodeManifest(readFileSync(join(this.dir, file)), file)
        this.checkManifest(manifest, k, file)
      } catch (error) {
        if (!(error instanceof ReseerError)) throw error
        this.damage.push(`${error.message}, so checkpoints from ${k} on are unusable`)
        return
      }
      this.manifests.push(manifest)
      this.locations.push(...manifest.contents)
    }
  }

  private checkManifest(m: CheckpointManifest, k: number, file: string): void {
    const bad = (what: string): never => {
      throw new ReseerError(`${file} is inconsistent (${what})`, {code: 'ELOGCORRUPT'})
    }
    if (m.index !== k) bad(`it says it is checkpoint ${m.index}`)
    if (m.vcpus.length !== this.header.vcpus || m.streamBytes.length !== this.header.vcpus) bad(`it has ${m.vcpus.length} vCPUs, the log ${this.header.vcpus}`)
    if (m.firstContent !== this.locations.length + 1) bad(`its first new page is ${m.firstContent}, expected ${this.locations.length + 1}`)
    const known = this.locations.length + m.contents.length
    for (const maps of [m.pages, ...m.disks.values()]) {
      for (const id of maps.values()) if (id > known) bad(`it refers to page content ${id}, and only ${known} exist`)
    }
    for (const [page] of m.pages) if (page * PAGE_SIZE >= this.header.memoryBytes) bad(`page ${page} lies past guest memory`)
    const prev = this.manifests[k - 1]
    if (prev) {
      m.vcpus.forEach((v, i) => {
        if (v.instret < prev.vcpus[i].instret) bad(`vCPU ${i} goes back from instret ${prev.vcpus[i].instret} to ${v.instret}`)
        if (m.streamBytes[i] < prev.streamBytes[i]) bad(`vCPU ${i}'s event stream shrinks`)
      })
      if (m.pack < prev.pack || (m.pack === prev.pack && m.packBytes < prev.packBytes)) bad('the page store shrinks')
    }
  }

  get checkpointCount(): number {
    return this.manifests.length
  }

  /** The manifest of checkpoint k as stored: the changes since k-1. */
  manifest(k: number): CheckpointManifest {
    const m = this.manifests[k]
    if (m === undefined) {
      throw new ReseerError(`checkpoint ${k} does not exist in ${this.dir} (it has ${this.manifests.length})`, {code: 'ENOCHECKPOINT'})
    }
    return m
  }

  checkpoint(k: number): Checkpoint {
    const m = this.manifest(k)
    return {index: m.index, vcpus: m.vcpus, device: m.device, streamBytes: m.streamBytes, meta: m.meta}
  }

  /** Every stored content in id order (id i is element i-1). */
  contentLocations(): readonly ContentLocation[] {
    return this.locations
  }

  /** The 4096 bytes of a content id (0 is the zero page), as a fresh copy the caller may change. */
  content(id: number): Buffer {
    return Buffer.from(this.sharedContent(id))
  }

  /** A content from the cache, which callers must not change: it is handed out again. */
  private sharedContent(id: number): Buffer {
    if (id === ZERO_CONTENT) return ZERO_PAGE
    const cached = this.pages.get(id)
    if (cached) return cached
    const location = this.locations[id - 1]
    if (location === undefined) throw new ReseerError(`page content ${id} does not exist in ${this.dir}`, {code: 'ELOGCORRUPT'})
    const data = this.packs.read(location)
    this.pages.set(id, data)
    if (this.pages.size > CACHED_PAGES) this.pages.delete(this.pages.keys().next().value as number)
    return data
  }

  /** Every page of guest memory at checkpoint k that is not all zero: page number -> content id. */
  pageMap(k: number): ReadonlyMap<number, number> {
    this.manifest(k)
    return this.chainMap(k, undefined)
  }

  /** Guest page `page` as it was at checkpoint k. */
  pageAt(k: number, page: number): Buffer {
    return this.content(this.pageIdAt(k, page))
  }

  /** The whole of guest memory at checkpoint k, header.memoryBytes long. */
  memoryAt(k: number): Buffer {
    const memory = Buffer.alloc(this.header.memoryBytes)
    for (const [page, id] of this.pageMap(k)) {
      if (id !== ZERO_CONTENT) this.sharedContent(id).copy(memory, page * PAGE_SIZE)
    }
    return memory
  }

  /** Guest page `page` at checkpoint k as a content id (0: all zero); equal ids mean equal pages. */
  pageIdAt(k: number, page: number): number {
    return this.pageMap(k).get(page) ?? ZERO_CONTENT
  }

  /** Pages written between checkpoint k-1 and k (for k = 0, every page not all zero), ascending. */
  dirtyPages(k: number): number[] {
    return [...this.manifest(k).pages.keys()]
  }

  /** Names of the disks any checkpoint has blocks of. */
  disks(): string[] {
    return [...new Set(this.manifests.flatMap((m) => [...m.disks.keys()]))].sort()
  }

  /** The blocks of a disk written between the recording's start and checkpoint k; blocks not listed are as in the disk image. */
  diskAt(k: number, disk: string): Map<number, Buffer> {
    this.manifest(k)
    const out = new Map<number, Buffer>()
    for (const [block, id] of this.chainMap(k, disk)) out.set(block, this.content(id))
    return out
  }

  /** One disk block at checkpoint k, or undefined when it is as in the disk image. */
  diskBlockAt(k: number, disk: string, block: number): Buffer | undefined {
    this.manifest(k)
    const id = this.chainMap(k, disk).get(block)
    return id === undefined ? undefined : this.content(id)
  }

  /**
   * The full map at checkpoint k, built from the nearest cached earlier map
   * (or from checkpoint 0) by applying the manifests in between.
   */
  private chainMap(k: number, disk: string | undefined): Map<number, number> {
    const key = (i: number): string => (disk === undefined ? `${i}` : `${i}/${disk}`)
    const hit = this.maps.get(key(k))
    if (hit) {
      this.maps.delete(key(k))
      this.maps.set(key(k), hit)
      return hit
    }
    let from = -1
    for (let i = k - 1; i >= 0 && from < 0; i--) if (this.maps.has(key(i))) from = i
    const map = new Map(from >= 0 ? this.maps.get(key(from)) : undefined)
    for (let i = from + 1; i <= k; i++) {
      const changes = disk === undefined ? this.manifests[i].pages : this.manifests[i].disks.get(disk)
      if (changes) for (const [n, id] of changes) map.set(n, id)
    }
    this.maps.set(key(k), map)
    if (this.maps.size > CACHED_MAPS) this.maps.delete(this.maps.keys().next().value as string)
    return map
  }

  /**
   * The records of a vCPU's stream between byte offsets (default: all of it
   * that is complete now). The generator returns how the range ended.
   */
  events(vcpu: number, range: {from?: number; to?: number} = {}): Generator<StoredEventRecord, StreamEnd> {
    this.checkVcpu(vcpu)
    return readStream(join(this.dir, streamFile(vcpu)), {...range, strictEnd: range.to !== undefined})
  }

  /**
   * The events of vCPU `vcpu` in interval k: from checkpoint k up to
   * checkpoint k+1, or for the last checkpoint up to the last complete record.
   */
  intervalEvents(vcpu: number, k: number): Generator<StoredEventRecord, StreamEnd> {
    const from = this.manifest(k).streamBytes[vcpu]
    const to = this.manifests[k + 1]?.streamBytes[vcpu]
    return this.events(vcpu, {from, to})
  }

  private checkVcpu(vcpu: number): void {
    if (!Number.isInteger(vcpu) || vcpu < 0 || vcpu >= this.header.vcpus) {
      throw new ReseerError(`no vCPU ${vcpu} in ${this.dir} (it has ${this.header.vcpus})`, {code: 'ELOGEVENT'})
    }
  }

  /** The sharing summary of interval k, or undefined if the recorder wrote none. */
  summary(k: number): SharingSummary | undefined {
    return readSummaryFile(this.dir, k)
  }

  /** The found path of interval k, or undefined if search has not found one. */
  path(k: number): FoundPath | undefined {
    return readFoundPath(this.dir, k)
  }

  /** Intervals that have found paths, ascending. */
  pathIntervals(): number[] {
    return pathIntervals(this.dir)
  }

  close(): void {
    this.packs.close()
  }
}

/** Files in a log subdirectory, for reports; none if it is absent. */
export function listFiles(dir: string): string[] {
  try {
    return readdirSync(dir).sort()
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return []
    throw error
  }
}
