// Per-vCPU event streams: append-only files of framed records.
//
//   0     4  payload length P (u32)
//   4     2  kind (u16, see EventKind)
//   6     8  instret (u64): the vCPU's retired-instruction count at the event
//  14     P  payload
//  14+P   4  CRC-32C of bytes [0, 14+P)
//
// A crash can leave a stream ending in a partial or garbled frame. Such a
// *torn tail* is told apart from a *corrupt* middle by where the bad frame
// lies: a frame that runs past the end of the file, or fails its checksum
// and ends exactly at the end, is a torn tail (the last write did not finish);
// a bad frame with data after it is corruption. Either way nothing after the
// last good frame is ever handed out.
import {closeSync, constants, fstatSync, fsyncSync, ftruncateSync, openSync, readSync} from 'node:fs'
import {ReseerError} from '../cli/errors.js'
import {crc32c} from './crc32c.js'
import {writeAll} from './fsync.js'

export const FRAME_HEADER = 14
export const FRAME_OVERHEAD = FRAME_HEADER + 4
/** Largest payload a writer accepts; a DMA burst larger than this is split by the recorder. */
export const MAX_PAYLOAD = 16 * 1024 * 1024

export interface EventRecord {
  kind: number
  instret: bigint
  payload: Uint8Array
}

export interface StoredEventRecord extends EventRecord {
  /** Byte offset of the record's frame in its stream file. */
  offset: number
}

/** How a scan of a stream ended. */
export interface StreamEnd {
  status: 'ok' | 'torn' | 'corrupt'
  /** Byte offset just past the last good record: where a writer resumes. */
  goodBytes: number
  /** Records read (from the scan's start offset). */
  records: number
  /** Size of the file (or of the range scanned). */
  endBytes: number
  /** Where the bad frame starts, for torn and corrupt. */
  damageOffset?: number
  /** Why the frame at damageOffset is bad. */
  detail?: string
}

/** Frame one record into a fresh buffer (the writer frames in place instead). */
export function encodeRecord(record: EventRecord): Buffer {
  const out = Buffer.alloc(FRAME_OVERHEAD + record.payload.length)
  frameInto(out, 0, record.kind, record.instret, record.payload)
  return out
}

function frameInto(buf: Buffer, at: number, kind: number, instret: bigint, payload: Uint8Array): number {
  buf.writeUInt32LE(payload.length, at)
  buf.writeUInt16LE(kind, at + 4)
  buf.writeBigUInt64LE(instret, at + 6)
  buf.set(payload, at + FRAME_HEADER)
  const end = at + FRAME_HEADER + payload.length
  buf.writeUInt32LE(crc32c(buf, at, end), end)
  return end + 4
}

const CHUNK = 1 << 20

/**
 * Read the records of a stream file from byte `from` up to `to` (default: the
 * file's size now, so a reader running beside a writer stops at the last
 * complete record). The generator's return value says how the scan ended.
 * With `strictEnd`, `to` is known to fall on a record boundary (a
 * checkpoint's recorded stream length), so any bad frame before it is
 * corruption, not a torn tail.
 */
export function* readStream(file: string, options: {from?: number; to?: number; strictEnd?: boolean} = {}): Generator<StoredEventRecord, StreamEnd> {
  const fd = openSync(file, 'r')
  try {
    const size = fstatSync(fd).size
    const end = options.to === undefined ? size : Math.min(options.to, size)
    const strict = options.strictEnd === true || (options.to !== undefined && options.to > size)
    const start = options.from ?? 0
    if (start > size) {
      return {status: 'corrupt', goodBytes: size, records: 0, endBytes: size, damageOffset: size, detail: `stream ends at ${size} bytes, before offset ${start}`}
    }
    let buf = Buffer.alloc(CHUNK)
    let bufStart = start // file offset of buf[0]
    let have = 0
    let offset = bufStart
    let records = 0
    const fill = (need: number): number => {
      // Keep the unread part, then read until `need` bytes are buffered or the range ends.
      const keep = have - (offset - bufStart)
      if (need > buf.length) {
        const grown = Buffer.alloc(Math.max(need, buf.length * 2))
        buf.copy(grown, 0, offset - bufStart, have)
        buf = grown
      } else {
        buf.copy(buf, 0, offset - bufStart, have)
      }
      bufStart = offset
      have = keep
      while (have < need && bufStart + have < end) {
        const n = readSync(fd, buf, have, Math.min(buf.length - have, end - bufStart - have), bufStart + have)
        if (n === 0) break
        have += n
      }
      return have
    }
    const finish = (status: StreamEnd['status'], detail?: string): StreamEnd =>
      status === 'ok'
        ? {status, goodBytes: offset, records, endBytes: end}
        : {status: strict && status === 'torn' ? 'corrupt' : status, goodBytes: offset, records, endBytes: end, damageOffset: offset, detail}
    for (;;) {
      if (offset === end) return finish('ok')
      let at = offset - bufStart
      if (have - at < FRAME_HEADER) {
        fill(FRAME_HEADER)
        at = 0
        if (have < FRAME_HEADER) return finish('torn', `frame header cut short (${end - offset} bytes left)`)
      }
      const length = buf.readUInt32LE(at)
      const frame = FRAME_OVERHEAD + length
      if (length > MAX_PAYLOAD || offset + frame > end) {
        return finish(offset + frame > end ? 'torn' : 'corrupt',
          offset + frame > end ? `frame of ${frame} bytes runs past the end` : `implausible payload length ${length}`)
      }
      if (have - at < frame) {
        fill(frame)
        at = 0
      }
      const body = at + FRAME_HEADER + length
      if (crc32c(buf, at, body) !== buf.readUInt32LE(body)) {
        return finish(offset + frame === end ? 'torn' : 'corrupt', 'checksum mismatch')
      }
      records++
      const record: StoredEventRecord = {
        kind: buf.readUInt16LE(at + 4),
        instret: buf.readBigUInt64LE(at + 6),
        payload: Buffer.from(buf.subarray(at + FRAME_HEADER, body)), // a copy: the read buffer is reused
        offset,
      }
      offset += frame
      yield record
    }
  } finally {
    closeSync(fd)
  }
}

/** Scan a stream without keeping its records; returns how it ends. */
export function scanStream(file: string, options: {from?: number; to?: number; strictEnd?: boolean; onRecord?: (r: StoredEventRecord) => void} = {}): StreamEnd {
  const it = readStream(file, options)
  for (;;) {
    const step = it.next()
    if (step.done) return step.value
    options.onRecord?.(step.value)
  }
}

/**
 * The appending end of one vCPU's stream. Records are framed into a memory
 * buffer and written in large pieces; `sync()` makes everything appended so
 * far durable. Open it only under the log's writer lock.
 */
export class EventStreamWriter {
  private readonly fd: number
  private buf = Buffer.alloc(CHUNK)
  private used = 0
  private written: number
  private lastInstret: bigint

  /**
   * Open `file` to append at `resumeAt` (the end of its last good record);
   * anything past it, a torn tail, is cut off first.
   */
  constructor(readonly file: string, readonly vcpu: number, resumeAt: number, lastInstret: bigint) {
    // Not O_APPEND: writes go to explicit positions so the cut below holds.
    this.fd = openSync(file, constants.O_RDWR | constants.O_CREAT, 0o644)
    if (fstatSync(this.fd).size !== resumeAt) {
      ftruncateSync(this.fd, resumeAt)
      fsyncSync(this.fd)
    }
    this.written = resumeAt
    this.lastInstret = lastInstret
  }

  /** Bytes in the stream, including those still buffered. */
  get length(): number {
    return this.written + this.used
  }

  /** The instret of the last record appended (0 before any). */
  get instret(): bigint {
    return this.lastInstret
  }

  append(kind: number, instret: bigint, payload: Uint8Array): void {
    if (!Number.isInteger(kind) || kind < 0 || kind > 0xffff) throw new ReseerError(`event kind ${kind} is out of range 0..65535`, {code: 'ELOGEVENT'})
    if (payload.length > MAX_PAYLOAD) throw new ReseerError(`event payload of ${payload.length} bytes exceeds ${MAX_PAYLOAD}`, {code: 'ELOGEVENT'})
    if (instret < this.lastInstret || instret >= 1n << 64n) {
      throw new ReseerError(`event on vCPU ${this.vcpu} at instret ${instret} goes back before the previous event at ${this.lastInstret}`, {code: 'ELOGEVENT'})
    }
    const frame = FRAME_OVERHEAD + payload.length
    if (this.used + frame > this.buf.length) {
      this.flush()
      if (frame > this.buf.length) this.buf = Buffer.alloc(frame)
    }
    this.used = frameInto(this.buf, this.used, kind, instret, payload)
    this.lastInstret = instret
  }

  /** Refuse later events before `instret` (the vCPU's count at a checkpoint). */
  advanceTo(instret: bigint): void {
    if (instret > this.lastInstret) this.lastInstret = instret
  }

  /** Hand buffered records to the kernel (not yet durable). */
  flush(): void {
    if (this.used === 0) return
    writeAll(this.fd, this.buf.subarray(0, this.used), this.written)
    this.written += this.used
    this.used = 0
  }

  /** Flush and fsync: every record appended so far survives a crash. */
  sync(): void {
    this.flush()
    fsyncSync(this.fd)
  }

  close(): void {
    try {
      this.sync()
    } finally {
      closeSync(this.fd)
    }
  }
}
