// The durable-write primitives the crash-safety rules rest on: data is
// fsynced before the name that makes it visible is renamed into place, and
// the directory is fsynced after the rename so the new name survives a crash.
import {closeSync, fsyncSync, openSync, renameSync, writeSync} from 'node:fs'
import {basename, dirname, join} from 'node:path'

export function fsyncDir(dir: string): void {
  const fd = openSync(dir, 'r')
  try {
    fsyncSync(fd)
  } finally {
    closeSync(fd)
  }
}

/**
 * Write a whole file so that a reader sees either the old file (or none) or
 * the complete new one, never a torn one: temp name, fsync, rename, fsync dir.
 * The temp name carries the pid so that concurrent writers never share one.
 */
export function writeFileAtomic(file: string, bytes: Uint8Array): void {
  const tmp = join(dirname(file), `.${basename(file)}.tmp-${process.pid}`)
  const fd = openSync(tmp, 'w', 0o644)
  try {
    let done = 0
    while (done < bytes.length) done += writeSync(fd, bytes, done, bytes.length - done)
    fsyncSync(fd)
  } finally {
    closeSync(fd)
  }
  renameSync(tmp, file)
  fsyncDir(dirname(file))
}

/** Write all of bytes at position (or the current end when position is null). */
export function writeAll(fd: number, bytes: Uint8Array, position: number | null = null): void {
  let done = 0
  while (done < bytes.length) {
    const n = writeSync(fd, bytes, done, bytes.length - done, position === null ? null : position + done)
    done += n
  }
}
