// The writer lock of a log directory: at most one process appends to a log.
// The lock file is created with O_EXCL and holds the writer's pid; a lock
// whose pid no longer runs is stale (its writer crashed) and is taken over.
// Readers, and search writing found paths, take no lock.
import {closeSync, openSync, readFileSync, renameSync, unlinkSync, writeSync} from 'node:fs'
import {join} from 'node:path'
import {ReseerError} from '../cli/errors.js'
import {LOCK_FILE} from './layout.js'

export interface WriterLock {
  readonly file: string
  release(): void
}

export function acquireWriterLock(dir: string): WriterLock {
  const file = join(dir, LOCK_FILE)
  // Two rounds: the second follows the removal of a stale lock.
  for (let round = 0; round < 2; round++) {
    try {
      const fd = openSync(file, 'wx', 0o644)
      try {
        writeSync(fd, `${process.pid}\n`)
      } finally {
        closeSync(fd)
      }
      let released = false
      return {
        file,
        release(): void {
          if (released) return
          released = true
          unlinkSync(file)
        },
      }
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
    }
    const holder = lockHolder(file)
    if (holder !== undefined && (holder === process.pid || isRunning(holder))) {
      throw new ReseerError(`log ${dir} is being written by process ${holder}`, {
        code: 'ELOGLOCKED',
        hint: holder === process.pid ? 'this process already has it open for writing' : `wait for it to finish, or stop process ${holder}`,
      })
    }
    takeOverStale(file, holder)
  }
  throw new ReseerError(`log ${dir}: could not take the writer lock ${file}; another writer keeps taking it`, {code: 'ELOGLOCKED'})
}

/** The pid of the process writing the log now, or undefined when none is (a stale lock counts as none). */
export function liveWriter(dir: string): number | undefined {
  const pid = lockHolder(join(dir, LOCK_FILE))
  return pid !== undefined && isRunning(pid) ? pid : undefined
}

/** The pid in a lock file, or undefined if it is unreadable (a writer crashed while creating it). */
function lockHolder(file: string): number | undefined {
  try {
    const pid = Number.parseInt(readFileSync(file, 'utf8'), 10)
    return Number.isInteger(pid) && pid > 0 ? pid : undefined
  } catch {
    return undefined
  }
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    // EPERM: it runs, under another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/**
 * Remove a stale lock. It is first renamed aside and checked, so that when
 * two processes find the same stale lock, the loser cannot delete the lock
 * the winner has just created.
 */
function takeOverStale(file: string, stalePid: number | undefined): void {
  const aside = `${file}.stale-${process.pid}`
  try {
    renameSync(file, aside)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return
    throw error
  }
  const moved = lockHolder(aside)
  if (moved !== stalePid && moved !== undefined && isRunning(moved)) {
    // Someone else's fresh lock: put it back.
    renameSync(aside, file)
    return
  }
  unlinkSync(aside)
}
