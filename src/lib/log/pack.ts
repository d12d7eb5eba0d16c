// Page content storage: every distinct page (or disk block) is stored once,
// in append-only pack files, and named by a content id that checkpoint
// manifests refer to. Content id 0 is the all-zero page, which is never stored.
//
// A pack is a sequence of frames:
//
//   0     4  stored length S (u32)
//   4     1  codec: 0 raw, 1 raw deflate (RFC 1951)
//   5     3  zero
//   8    32  SHA-256 of the page's 4096 bytes as the guest sees them
//  40     S  stored bytes
//  40+S   4  CRC-32C of bytes [0, 40+S)
//
// Compression: raw deflate at level 1 shrinks typical guest pages (code,
// zero-padded data, page tables, text) to a third or less; on pages it cannot
// shrink by at least an eighth the page is stored raw, as it costs more to
// inflate than it saves in reading. Level 1 is as small as level 6 on pages
// this short and measured no slower, so the fast setting is used. Deflate
// is tried only on pages whose bytes are skewed enough to pay: on dense
// data (sorted keys, random numbers) it costs some 100 µs per page, a
// quarter of a core at 10 MB/s of checkpoints, to save an eighth at best.
// Byte entropy (order 0, a few µs per page) tells the two apart.
import crypto, {createHash} from 'node:crypto'
import {closeSync, constants, existsSync, fstatSync, fsyncSync, ftruncateSync, openSync, readSync} from 'node:fs'
import {join} from 'node:path'
import {deflateRawSync, inflateRawSync} from 'node:zlib'
import {crc32c} from './crc32c.js'
import {damaged} from './envelope.js'
import {fsyncDir, writeAll} from './fsync.js'
import {PACK_LIMIT, PAGES_DIR, PAGE_SIZE, packFile} from './layout.js'

export const PACK_FRAME_HEADER = 40
export const CODEC_RAW = 0
export const CODEC_DEFLATE_RAW = 1
export const ZERO_CONTENT = 0
export const HASH_BYTES = 32

const ZERO_PAGE = Buffer.alloc(PAGE_SIZE)

/** Where one distinct content is stored. */
export interface ContentLocation {
  pack: number
  offset: number
  /** Whole frame, header and checksum included. */
  frameBytes: number
  /** SHA-256 of the uncompressed page. */
  hash: Buffer
}

export function isZeroPage(data: Uint8Array): boolean {
  return Buffer.from(data.buffer, data.byteOffset, data.byteLength).equals(ZERO_PAGE)
}

/** crypto.hash (Node 20.12 and later): one call, a fifth cheaper per page than a Hash object. */
const oneShot = (crypto as {hash?: (algorithm: string, data: Uint8Array, encoding: 'buffer') => Buffer}).hash

export function pageHash(data: Uint8Array): Buffer {
  return oneShot ? oneShot('sha256', data, 'buffer') : createHash('sha256').update(data).digest()
}

/**
 * Below this many bits per byte of order-0 entropy a page is worth handing
 * to deflate. Measured on the bundled workloads' checkpoints: pages below it
 * (code, compress's text, sparse data) shrank to a third for 45 µs each.
 * radix's sorted keys, at 5.5 to 6 bits, shrank only to 78 % for 68 µs, the
 * most of what a radix recording cost the main thread (8 M keys: 1.5 s of
 * deflate in a 3 s recording); above 6 bits a page shrinks by a tenth at best.
 */
export const DEFLATE_BELOW_BITS = 5

/** n·log2(n) for every count a byte histogram of a page can hold. */
const N_LOG_N = Float64Array.from({length: PAGE_SIZE + 1}, (_, n) => (n === 0 ? 0 : n * Math.log2(n)))
/** Four byte histograms side by side: consecutive bytes count into different ones, so equal bytes do not wait on each other's increment. */
const histograms = new Int32Array(4 * 256)
/**
 * byteEntropy looks at one 4-byte word in every SAMPLE_STRIDE bytes: a
 * quarter of the page estimates it to within a quarter of a bit (on the
 * bundled workloads, the same choice as the whole page on all but one page
 * in 6000; noise reads 7.8 rather than 8).
 */
const SAMPLE_STRIDE = 16
const SAMPLES = PAGE_SIZE / SAMPLE_STRIDE * 4

/** Order-0 entropy of a page's bytes, estimated from a sample, in bits per byte (0 for one repeated byte, about 8 for noise). */
export function byteEntropy(page: Uint8Array): number {
  if (page.length !== PAGE_SIZE) throw new RangeError(`a page is ${PAGE_SIZE} bytes, got ${page.length}`)
  const h = histograms
  h.fill(0)
  for (let i = 0; i < PAGE_SIZE; i += SAMPLE_STRIDE) {
    h[page[i]]++
    h[256 + page[i + 1]]++
    h[512 + page[i + 2]]++
    h[768 + page[i + 3]]++
  }
  let sum = 0
  for (let b = 0; b < 256; b++) sum += N_LOG_N[h[b] + h[256 + b] + h[512 + b] + h[768 + b]]
  return Math.log2(SAMPLES) - sum / SAMPLES
}

/** The largest frame: a page stored raw. */
export const MAX_FRAME_BYTES = PACK_FRAME_HEADER + PAGE_SIZE + 4

/** Frame one page for a pack: compressed when that pays. */
export function encodePackFrame(data: Uint8Array, hash: Buffer): Buffer {
  const frame = Buffer.alloc(MAX_FRAME_BYTES)
  return Buffer.from(frame.subarray(0, encodePackFrameInto(frame, 0, data, hash)))
}

/** Frame one page into `target` at `at` (room for MAX_FRAME_BYTES); returns the frame's length. */
function encodePackFrameInto(target: Buffer, at: number, data: Uint8Array, hash: Buffer): number {
  const packed = byteEntropy(data) < DEFLATE_BELOW_BITS ? deflateRawSync(data, {level: 1}) : undefined
  const useDeflate = packed !== undefined && packed.length <= PAGE_SIZE - PAGE_SIZE / 8
  const stored = useDeflate ? packed! : data
  target.writeUInt32LE(stored.length, at)
  target.writeUInt32LE(useDeflate ? CODEC_DEFLATE_RAW : CODEC_RAW, at + 4)
  hash.copy(target, at + 8)
  target.set(stored, at + PACK_FRAME_HEADER)
  const end = at + PACK_FRAME_HEADER + stored.length
  target.writeUInt32LE(crc32c(target, at, end), end)
  return end + 4 - at
}

/**
 * Check and unpack one frame; `what` names the place in errors
 * ("pages/pack-0000.dat at offset 8192"). With `checkHash`, the page's
 * SHA-256 is recomputed too (log verify does; readers trust the CRC).
 */
export function decodePackFrame(frame: Buffer, what: string, checkHash: boolean): {data: Buffer; hash: Buffer} {
  if (frame.length < PACK_FRAME_HEADER + 4) throw damaged(`${what}: page frame cut short`)
  const stored = frame.readUInt32LE(0)
  if (PACK_FRAME_HEADER + stored + 4 !== frame.length) throw damaged(`${what}: page frame length ${stored} does not match its index entry`)
  if (crc32c(frame, 0, PACK_FRAME_HEADER + stored) !== frame.readUInt32LE(PACK_FRAME_HEADER + stored)) throw damaged(`${what}: page frame checksum mismatch`)
  const codec = frame[4]
  const body = frame.subarray(PACK_FRAME_HEADER, PACK_FRAME_HEADER + stored)
  let data: Buffer
  if (codec === CODEC_RAW) {
    data = Buffer.from(body)
  } else if (codec === CODEC_DEFLATE_RAW) {
    try {
      data = inflateRawSync(body)
    } catch {
      throw damaged(`${what}: compressed page does not inflate`)
    }
  } else {
    throw damaged(`${what}: unknown page codec ${codec}`)
  }
  if (data.length !== PAGE_SIZE) throw damaged(`${what}: page holds ${data.length} bytes, not ${PAGE_SIZE}`)
  const hash = frame.subarray(8, 8 + HASH_BYTES)
  if (checkHash && !pageHash(data).equals(hash)) throw damaged(`${what}: page content does not match its SHA-256`)
  return {data, hash: Buffer.from(hash)}
}

/**
 * Frames go to the pack file whenever this many are pending; fsync waits for
 * the commit. A small buffer, used over and over, stays mapped: fresh memory
 * costs a page fault per 4 KiB on first touch, more than the framing.
 */
const PENDING_WRITE = 1 << 20

/**
 * The writing end of the page store. Pages are deduplicated by SHA-256
 * against everything stored before (including by earlier writers of the same
 * log), framed in place into one pending buffer and written to the current
 * pack a megabyte at a time; commit() makes them durable. (A buffer per
 * frame, joined at the commit, cost more in allocation, copying and garbage
 * collection than the hashing.) Bytes written past the last commit belong
 * to no checkpoint until the next one, and a reopening writer cuts them.
 */
export class PackWriter {
  private readonly byHash = new Map<string, number>()
  private fd = -1
  private pack: number
  private packBytes: number
  private nextId: number
  /** Frames stored since the last write, in [0, pendingBytes). */
  private readonly pending = Buffer.allocUnsafeSlow(PENDING_WRITE + MAX_FRAME_BYTES)
  private pendingBytes = 0
  /** Bytes this writer has appended to pack files. */
  bytesWritten = 0
  private readonly fresh: ContentLocation[] = []
  private readonly touched = new Set<number>()
  /** A pack file was created since the last commit: its directory entry must be made durable too. */
  private created = false

  /**
   * Resume after the contents `known` (ids 1..known.length, from the
   * manifests); `pack`/`packBytes` is where the last checkpoint left the
   * store. Pack bytes past that point are from a checkpoint that never
   * became visible and are cut off; later packs are removed by the caller.
   */
  constructor(private readonly dir: string, known: readonly ContentLocation[], pack: number, packBytes: number, private readonly limit = PACK_LIMIT) {
    known.forEach((loc, i) => this.byHash.set(loc.hash.toString('latin1'), i + 1))
    this.nextId = known.length + 1
    this.pack = pack
    this.packBytes = packBytes
    this.openPack(packBytes)
  }

  private openPack(resumeAt: number): void {
    const file = join(this.dir, packFile(this.pack))
    if (!existsSync(file)) this.created = true
    this.fd = openSync(file, constants.O_RDWR | constants.O_CREAT, 0o644)
    if (fstatSync(this.fd).size !== resumeAt) {
      ftruncateSync(this.fd, resumeAt)
      fsyncSync(this.fd)
    }
  }

  /** Store a page (unless an equal one is stored already); returns its content id. */
  store(data: Uint8Array): number {
    if (data.length !== PAGE_SIZE) throw new RangeError(`a page is ${PAGE_SIZE} bytes, got ${data.length}`)
    if (isZeroPage(data)) return ZERO_CONTENT
    const hash = pageHash(data)
    const key = hash.toString('latin1')
    const known = this.byHash.get(key)
    if (known !== undefined) return known
    if (this.pendingBytes >= PENDING_WRITE) this.writePending()
    let at = this.pendingBytes
    const frameBytes = encodePackFrameInto(this.pending, at, data, hash)
    if (this.packBytes + at + frameBytes > this.limit && this.packBytes + at > 0) {
      // The frame opens the next pack; the frames before it end this one.
      this.nextPack()
      this.pending.copyWithin(0, at, at + frameBytes)
      at = 0
    }
    const id = this.nextId++
    this.fresh.push({pack: this.pack, offset: this.packBytes + at, frameBytes, hash})
    this.pendingBytes = at + frameBytes
    this.byHash.set(key, id)
    return id
  }

  private writePending(): void {
    if (this.pendingBytes === 0) return
    writeAll(this.fd, this.pending.subarray(0, this.pendingBytes), this.packBytes)
    this.packBytes += this.pendingBytes
    this.bytesWritten += this.pendingBytes
    this.touched.add(this.fd)
    this.pendingBytes = 0
  }

  private nextPack(): void {
    this.writePending()
    this.touched.delete(this.fd)
    fsyncSync(this.fd)
    closeSync(this.fd)
    this.pack++
    this.packBytes = 0
    this.openPack(0)
  }

  /**
   * Write and fsync everything stored since the last commit; returns the new
   * contents in id order and where the store ends now, for the manifest.
   */
  commit(): {firstId: number; contents: ContentLocation[]; pack: number; packBytes: number} {
    this.writePending()
    for (const fd of this.touched) fsyncSync(fd)
    this.touched.clear()
    if (this.created) fsyncDir(join(this.dir, PAGES_DIR))
    this.created = false
    const contents = this.fresh.splice(0)
    return {firstId: this.nextId - contents.length, contents, pack: this.pack, packBytes: this.packBytes}
  }

  close(): void {
    closeSync(this.fd)
  }
}

/** Random-access reads of stored pages, with the pack files kept open. */
export class PackReader {
  private readonly fds = new Map<number, number>()

  constructor(private readonly dir: string) {}

  read(location: ContentLocation, checkHash = false): Buffer {
    const frame = Buffer.alloc(location.frameBytes)
    const what = `${packFile(location.pack)} at offset ${location.offset}`
    let fd = this.fds.get(location.pack)
    if (fd === undefined) {
      try {
        fd = openSync(join(this.dir, packFile(location.pack)), 'r')
      } catch {
        throw damaged(`${packFile(location.pack)} is missing`)
      }
      this.fds.set(location.pack, fd)
    }
    let got = 0
    while (got < frame.length) {
      const n = readSync(fd, frame, got, frame.length - got, location.offset + got)
      if (n === 0) throw damaged(`${what}: page frame cut short (file ends)`)
      got += n
    }
    const {data, hash} = decodePackFrame(frame, what, checkHash)
    if (!hash.equals(location.hash)) throw damaged(`${what}: page frame holds another page than its index entry says`)
    return data
  }

  close(): void {
    for (const fd of this.fds.values()) closeSync(fd)
    this.fds.clear()
  }
}
