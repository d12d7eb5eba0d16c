// Turns a paused machine into the log's next checkpoint: every hart's state
// and retired count, the device state, the RAM pages dirtied since the
// previous checkpoint (all non-zero pages for the first), the console output
// since then, and the sharing summary of the interval that just ended.
import {createHash} from 'node:crypto'
import {readFileSync} from 'node:fs'
import {isZeroPage} from '../log/pack.js'
import type {VcpuSharing} from '../log/summary.js'
import type {CheckpointInput, LogWriter, PageList} from '../log/writer.js'
import {DISK_BLOCK} from '../sim/devices/disk-image.js'
import {PAGE_SHIFT, PAGE_SIZE} from '../sim/hart-env.js'
import {type HartState, encodeHartState} from '../sim/hart-state.js'

/** A disk as the guest has written it: the image's bytes with the guest's writes, and the blocks ever written. */
export interface RecordedDisk {
  readonly path: string
  readonly bytes: Uint8Array
  dirtyBlocks(): number[]
  /** The blocks written since the last call (clearing that mark). */
  freshBlocks(): number[]
}

/** What the recorder needs of a machine whose harts are parked (ParallelMachine has it). */
export interface PausedMachine {
  readonly hartCount: number
  readonly ram: Uint8Array
  readonly disks: readonly RecordedDisk[]
  readonly console: Uint8Array
  hartStates(): HartState[]
  deviceState(): Int32Array
  dirtyPages(): number[]
  /** Pages the hart read and wrote since the last clearDirty(), each list in increasing order. */
  pageAccesses(hart: number): {read: number[]; written: number[]}
  clearDirty(): void
}

export type CheckpointReason = 'start' | 'interval' | 'demand' | 'halt' | 'stop'

/** A checkpoint copied out of the machine, not yet written. */
export interface CapturedCheckpoint {
  input: CheckpointInput
  /** Pages each hart read and wrote in the interval the checkpoint ends; none for the first. */
  sharing?: VcpuSharing[]
  /** The recording's last checkpoint (reason halt or stop): no capture follows it. */
  final: boolean
}

/** RAM known to hold everything non-zero at boot, as [start, end) byte offsets (BootImage.loaded). */
export type BootRegions = ReadonlyArray<{start: number; end: number}>

export class Checkpointer {
  /** Retired counts of each hart at the last checkpoint, from the recording's start. */
  instret: number[] = []
  private started = false
  private consoleStart = 0
  private consoleTaken = 0
  /**
   * Per disk, each block as the last checkpoint stored it: a block written
   * since (fresh) is stored again only if its bytes differ.
   */
  private readonly diskBlocks: Array<Map<number, Uint8Array>> = []
  /** Where capture() copies the dirty pages, in chunks; reused, so a captured checkpoint's pages are valid until the next capture. */
  private pageCopies: Uint8Array[] = []
  /**
   * Room for twice the most dirty pages a checkpoint has had (at most all of
   * RAM; FIRST_COPIES before the first interval). A capture that outgrows
   * the buffer copies into fresh memory with the harts parked, at a page
   * fault per page: radix's dirty pages doubled from its first interval to
   * its second, and that capture took 49 ms against 4 ms into a kept buffer.
   */
  private copiesWanted = 0
  /**
   * Zeroed memory that new stored disk blocks are cut from, made ready while
   * the harts run: twice blocksExpected. A block allocated with the harts
   * parked cost a page fault, some 4 µs: dbench's captures of 16 000 blocks
   * parked the harts for 70 ms.
   */
  private spareBlocks = new Uint8Array(0)
  /** New blocks the next capture is expected to take: as many as the last one took, or a guess from the disk's size before the first. */
  private blocksExpected = 0
  /** Each disk image file's identity, when taken before the first capture (identifyDisks). */
  private diskIdentities?: DiskIdentity[]

  /**
   * `boot`: the machine is parked before its first instruction, and only
   * these regions (and pages dirtied since) can hold non-zero bytes; the
   * first checkpoint then reads just those pages. Reading all of a fresh
   * guest's RAM costs a page fault per 4 KiB (some 35 ms for 64 MiB), with
   * the harts waiting.
   */
  constructor(private readonly boot?: BootRegions) {}

  /**
   * Hash the disk image files now rather than in the first capture, with the
   * harts parked: dbench's 8 MiB image took 25 ms to read and hash. The
   * files do not change while the machine runs (the guest writes into an
   * overlay), so it may be done before the pause, while the harts load.
   */
  identifyDisks(paths: readonly string[]): void {
    this.diskIdentities = paths.map((path) => imageIdentity(path))
  }

  /**
   * Copy what the next checkpoint holds out of the paused machine and start
   * a new interval. Only this needs the harts parked: write() can run while
   * they go on. The first checkpoint holds every non-zero page and marks
   * where the console stood, so a recording attached to a running domain
   * logs only what follows. Write a captured checkpoint before capturing the
   * next: the page copies are reused.
   */
  capture(machine: PausedMachine, reason: CheckpointReason, meta: Record<string, unknown> = {}): CapturedCheckpoint {
    const first = !this.started
    this.started = true
    const states = machine.hartStates()
    const console = machine.console
    if (first) this.consoleStart = this.consoleTaken = console.length
    const disks: Record<string, PageList> = {}
    machine.disks.forEach((disk, i) => (disks[diskName(i)] = this.changedBlocks(disk, i)))
    const captured: CapturedCheckpoint = {
      final: reason === 'halt' || reason === 'stop',
      input: {
        vcpus: states.map((state) => ({state: encodeHartState(state), instret: BigInt(state.instret)})),
        device: bytesOf(machine.deviceState().slice()),
        pages: first ? this.firstPages(machine) : this.copyDirtyPages(machine),
        disks,
        meta: {
          ...meta,
          reason,
          // Replay starts from each image file as it is now plus checkpoint 0's blocks; the hash tells it the file is unchanged.
          ...(first ? {disks: machine.disks.map((disk, i) => ({name: diskName(i), ...(this.diskIdentities?.[i] ?? imageIdentity(disk.path))}))} : {}),
          // Console output since the previous checkpoint, and where it starts in the recording's output.
          consoleOffset: this.consoleTaken - this.consoleStart,
          console: Buffer.from(console.subarray(this.consoleTaken)).toString('base64'),
        },
      },
      sharing: first ? undefined : states.map((_, h) => {
        // The machine lists each set's pages once, in order: already a page set.
        const {read, written} = machine.pageAccesses(h)
        return {read: Uint32Array.from(read), written: Uint32Array.from(written)}
      }),
    }
    this.consoleTaken = console.length
    machine.clearDirty()
    this.instret = states.map((s) => s.instret)
    return captured
  }

  private firstPages(machine: PausedMachine): Array<[number, Uint8Array]> {
    this.copiesWanted = Math.min(machine.ram.length / 4, FIRST_COPIES)
    return nonZeroPages(machine.ram, this.boot && bootPages(this.boot, machine.dirtyPages()))
  }

  private copyDirtyPages(machine: PausedMachine): Array<[number, Uint8Array]> {
    const pages = machine.dirtyPages()
    this.copiesWanted = Math.min(machine.ram.length, Math.max(this.copiesWanted, 2 * pages.length * PAGE_SIZE))
    const copies: Array<[number, Uint8Array]> = []
    let at = 0
    for (const chunk of this.pageCopies) {
      if (at === pages.length) break
      const fit = Math.min(pages.length - at, chunk.length / PAGE_SIZE)
      copyPages(machine.ram, pages.slice(at, at + fit), chunk, copies)
      at += fit
    }
    // More than the kept copies hold: the rest into fresh memory of the exact size, still faster than a copy of each page on its own.
    if (at < pages.length) copyPages(machine.ram, pages.slice(at), new Uint8Array((pages.length - at) * PAGE_SIZE), copies)
    return copies
  }

  /** Make a captured checkpoint durable and visible, with the sharing summary of the interval it ends; returns its index. */
  write(writer: LogWriter, captured: CapturedCheckpoint): number {
    const index = writer.checkpoint(captured.input)
    if (captured.sharing) writer.writeSummary({interval: index - 1, vcpus: captured.sharing})
    // Grow the page copies ahead of need while the harts run, and fill them so the system maps their memory now: copying into
    // fresh memory measured 4.5 times as slow, and the next capture runs with the harts parked. After the last, none does.
    if (captured.final) {
      this.pageCopies = []
      this.spareBlocks = new Uint8Array(0)
    } else {
      // Grown by a chunk for what is missing: the chunks already there stay, touched.
      const kept = this.pageCopies.reduce((sum, chunk) => sum + chunk.length, 0)
      if (kept < this.copiesWanted) this.pageCopies.push(new Uint8Array(this.copiesWanted - kept).fill(0))
      const spare = 2 * this.blocksExpected * DISK_BLOCK
      if (this.spareBlocks.length < spare) this.spareBlocks = new Uint8Array(spare).fill(0)
    }
    this.blocksExpected = 0
    return index
  }

  /** The disk's blocks that differ from what the previous checkpoint stored (for the first: every block the guest wrote). */
  private changedBlocks(disk: RecordedDisk, i: number): Array<[number, Uint8Array]> {
    const first = this.diskBlocks[i] === undefined
    const stored = (this.diskBlocks[i] ??= new Map())
    const changed: Array<[number, Uint8Array]> = []
    const fresh = disk.freshBlocks()
    const bytes = Buffer.from(disk.bytes.buffer, disk.bytes.byteOffset, disk.bytes.length)
    // For the first interval, before any capture has said how many blocks one takes: an eighth of the disk, at most 16 MiB.
    if (first) this.blocksExpected = Math.max(this.blocksExpected, Math.min(disk.bytes.length / 8, 16 << 20) / 2 / DISK_BLOCK)
    // With the harts parked: compare in place, and copy only what changed. A block stored before is overwritten in
    // place (the last checkpoint is written by now); a new one is cut from blocks made ready while the harts ran.
    for (const block of first ? disk.dirtyBlocks() : fresh) {
      const start = block * DISK_BLOCK
      const end = Math.min(disk.bytes.length, start + DISK_BLOCK)
      const before = stored.get(block)
      if (before && bytes.compare(before, 0, end - start, start, end) === 0) continue
      // A disk need not end on a block boundary: the log stores whole blocks, the tail read as zeros.
      const now = before ?? this.newBlock()
      now.set(disk.bytes.subarray(start, end))
      stored.set(block, now)
      changed.push([block, now])
    }
    return changed
  }

  /** A zeroed block of the spare ones (a fresh one when they run out), kept from now on as a stored block. */
  private newBlock(): Uint8Array {
    this.blocksExpected++
    if (this.spareBlocks.length === 0) return new Uint8Array(DISK_BLOCK)
    const block = this.spareBlocks.subarray(0, DISK_BLOCK)
    this.spareBlocks = this.spareBlocks.subarray(DISK_BLOCK)
    return block
  }
}

export function diskName(index: number): string {
  return `disk${index}`
}

interface DiskIdentity {
  path: string
  bytes: number
  sha256: string
}

function imageIdentity(path: string): DiskIdentity {
  const bytes = readFileSync(path)
  return {path, bytes: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex')}
}

/** The page copies made ready for the first interval: a quarter of RAM, at most this. */
const FIRST_COPIES = 32 << 20

/** Pages looked at together by nonZeroPages: most of a fresh guest's RAM is zero, and one compare of 64 KiB is far cheaper than 16 of 4 KiB. */
const ZERO_SPAN_PAGES = 16
const ZERO_SPAN = Buffer.alloc(ZERO_SPAN_PAGES * PAGE_SIZE)

/** The pages of the boot regions and the dirty ones, in order. */
function bootPages(regions: BootRegions, dirty: number[]): number[] {
  const pages = new Set(dirty)
  for (const {start, end} of regions) {
    for (let page = start >>> PAGE_SHIFT; page < Math.ceil(end / PAGE_SIZE); page++) pages.add(page)
  }
  return [...pages].sort((a, b) => a - b)
}

/** The non-zero pages among `only` (default: all of RAM). */
function nonZeroPages(ram: Uint8Array, only?: number[]): Array<[number, Uint8Array]> {
  if (only) {
    return only.map((page): [number, Uint8Array] => [page, ram.subarray(page << PAGE_SHIFT, (page + 1) << PAGE_SHIFT)])
      .filter(([, bytes]) => !isZeroPage(bytes))
      .map(([page, bytes]) => [page, bytes.slice()])
  }
  const out: Array<[number, Uint8Array]> = []
  const pages = ram.length >>> PAGE_SHIFT
  for (let span = 0; span < pages; span += ZERO_SPAN_PAGES) {
    const end = Math.min(pages, span + ZERO_SPAN_PAGES)
    const bytes = Buffer.from(ram.buffer, ram.byteOffset + (span << PAGE_SHIFT), (end - span) << PAGE_SHIFT)
    if (bytes.length === ZERO_SPAN.length && bytes.equals(ZERO_SPAN)) continue
    for (let page = span; page < end; page++) {
      const one = ram.subarray(page << PAGE_SHIFT, (page + 1) << PAGE_SHIFT)
      if (!isZeroPage(one)) out.push([page, one.slice()])
    }
  }
  return out
}

/**
 * Copy `pages` into `copy` and append each with its copy to `out`. The
 * harts stay parked while this runs, so `copy` is memory the checkpointer
 * keeps from one checkpoint to the next: memory fresh from the system costs
 * a page fault per page on first touch, which made copying into new buffers
 * run at under 1 GB/s. A run of adjacent pages (a written array) is one copy.
 */
function copyPages(ram: Uint8Array, pages: number[], copy: Uint8Array, out: Array<[number, Uint8Array]>): void {
  for (let i = 0; i < pages.length;) {
    let end = i + 1
    while (end < pages.length && pages[end] === pages[end - 1] + 1) end++
    copy.set(ram.subarray(pages[i] << PAGE_SHIFT, (pages[end - 1] + 1) << PAGE_SHIFT), i * PAGE_SIZE)
    for (; i < end; i++) out.push([pages[i], copy.subarray(i * PAGE_SIZE, (i + 1) * PAGE_SIZE)])
  }
}

function bytesOf(words: Int32Array): Uint8Array {
  return new Uint8Array(words.buffer, words.byteOffset, words.byteLength)
}
