// The contents of a virtio-blk disk: the raw image read into memory once,
// written only in memory, with a set of dirty 4 KiB blocks. The user's image
// file is never written, so a recording's first checkpoint can always name
// the disk as "the image, plus these blocks". In parallel mode the bytes and
// the dirty set live in SharedArrayBuffers that every hart worker maps.

import {openSync, readSync, closeSync, fstatSync} from 'node:fs'
import {ReseerError} from '../../cli/errors.js'

export const DISK_BLOCK = 4096
const SECTOR = 512
/** Disks are held in memory; beyond this a domain needs the Xen backend. */
export const MAX_DISK_BYTES = 1 << 30

export interface DiskBuffers {
  bytes: ArrayBuffer | SharedArrayBuffer
  dirty: ArrayBuffer | SharedArrayBuffer
}

/** A block's mark in DiskImage.dirty: the guest wrote into it (it is in the overlay). */
export const BLOCK_WRITTEN = 1
/** A block's mark in DiskImage.dirty: written since the last freshBlocks(). */
export const BLOCK_FRESH = 2

export class DiskImage {
  readonly bytes: Uint8Array
  /** One byte per DISK_BLOCK: BLOCK_WRITTEN once the guest wrote into it, with BLOCK_FRESH until freshBlocks() takes it. */
  readonly dirty: Uint8Array

  constructor(readonly path: string, readonly readonly: boolean, buffers: DiskBuffers) {
    this.bytes = new Uint8Array(buffers.bytes)
    this.dirty = new Uint8Array(buffers.dirty)
  }

  /** Read an image file into fresh buffers (shared ones for parallel mode). */
  static load(path: string, shared: boolean): DiskBuffers {
    let fd: number
    try {
      fd = openSync(path, 'r')
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code
      throw new ReseerError(`disk ${path}: ${code === 'ENOENT' ? 'no such file' : (error as Error).message}`, {code: 'ENODISK', cause: error})
    }
    try {
      const stat = fstatSync(fd)
      if (!stat.isFile()) throw new ReseerError(`disk ${path}: not a regular file`, {code: 'ENODISK'})
      if (stat.size > MAX_DISK_BYTES) {
        throw new ReseerError(`disk ${path}: ${stat.size} bytes; the sim machine holds disks of up to ${MAX_DISK_BYTES >> 20} MiB`, {code: 'EDISKSIZE'})
      }
      const size = Math.ceil(stat.size / SECTOR) * SECTOR
      const blocks = Math.ceil(size / DISK_BLOCK)
      const bytes = shared ? new SharedArrayBuffer(size) : new ArrayBuffer(size)
      const view = new Uint8Array(bytes)
      for (let at = 0; at < stat.size; ) {
        const n = readSync(fd, view, at, stat.size - at, at)
        if (n === 0) break
        at += n
      }
      return {bytes, dirty: shared ? new SharedArrayBuffer(blocks) : new ArrayBuffer(blocks)}
    } finally {
      closeSync(fd)
    }
  }

  get sectors(): number {
    return this.bytes.length / SECTOR
  }

  write(offset: number, data: Uint8Array): void {
    this.bytes.set(data, offset)
    const last = Math.floor((offset + data.length - 1) / DISK_BLOCK)
    for (let block = Math.floor(offset / DISK_BLOCK); block <= last; block++) this.dirty[block] = BLOCK_WRITTEN | BLOCK_FRESH
  }

  /**
   * The blocks written since the last call, in order; their fresh marks are
   * cleared. A recorder looks only at these at a checkpoint, not at every
   * block the guest ever wrote.
   */
  freshBlocks(): number[] {
    const out: number[] = []
    const dirty = this.dirty
    for (let i = 0; i < dirty.length; i++) {
      if ((dirty[i] & BLOCK_FRESH) !== 0) {
        out.push(i)
        dirty[i] = BLOCK_WRITTEN
      }
    }
    return out
  }

  dirtyBlocks(): number[] {
    const out: number[] = []
    for (let i = 0; i < this.dirty.length; i++) if (this.dirty[i]) out.push(i)
    return out
  }

  /** The dirty blocks and their contents, to checkpoint. */
  saveOverlay(): Map<number, Uint8Array> {
    const overlay = new Map<number, Uint8Array>()
    for (const block of this.dirtyBlocks()) overlay.set(block, this.block(block).slice())
    return overlay
  }

  /** Return to a saved overlay: its blocks as saved, every other block as in the image file. */
  restoreOverlay(overlay: ReadonlyMap<number, Uint8Array>): void {
    const original = this.dirtyBlocks().filter((block) => !overlay.has(block))
    if (original.length > 0) {
      const fd = openSync(this.path, 'r')
      try {
        for (const block of original) {
          const target = this.block(block)
          target.fill(0)
          readSync(fd, target, 0, target.length, block * DISK_BLOCK)
        }
      } finally {
        closeSync(fd)
      }
    }
    this.dirty.fill(0)
    for (const [block, bytes] of overlay) {
      this.block(block).set(bytes)
      this.dirty[block] = BLOCK_WRITTEN
    }
  }

  private block(block: number): Uint8Array {
    return this.bytes.subarray(block * DISK_BLOCK, Math.min(this.bytes.length, (block + 1) * DISK_BLOCK))
  }
}
