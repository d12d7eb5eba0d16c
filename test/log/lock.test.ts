import t from 'tap'
import {spawnSync} from 'node:child_process'
import {existsSync, readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {acquireWriterLock} from '../../src/lib/log/lock.js'
import {LogReader} from '../../src/lib/log/reader.js'
import {verifyLog} from '../../src/lib/log/verify.js'
import {LogWriter} from '../../src/lib/log/writer.js'
import {headerInit} from './fixture.js'

/** The pid of a process that has already exited. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], {encoding: 'utf8'})
  return Number(child.stdout)
}

t.test('a second writer is refused while the first holds the log', async (t) => {
  const dir = join(t.testdir(), 'dom1.reseer')
  const first = LogWriter.create(dir, headerInit())
  t.equal(readFileSync(join(dir, 'lock'), 'utf8'), `${process.pid}\n`)
  t.throws(() => LogWriter.openForAppend(dir), {message: `log ${dir} is being written by process ${process.pid}`, code: 'ELOGLOCKED'})
  // Readers take no lock.
  const reader = LogReader.open(dir)
  t.equal(reader.checkpointCount, 0)
  reader.close()
  t.equal(verifyLog(dir).writer, process.pid, 'log verify says who is writing')
  first.close()
  t.equal(verifyLog(dir).writer, undefined)
  t.notOk(existsSync(join(dir, 'lock')), 'closing releases the lock')
  const second = LogWriter.openForAppend(dir).writer
  second.close()
})

t.test('a lock held by another live process is refused with its pid', async (t) => {
  const dir = t.testdir()
  // pid 1 always runs.
  writeFileSync(join(dir, 'lock'), '1\n')
  t.throws(() => acquireWriterLock(dir), {message: `log ${dir} is being written by process 1`})
})

t.test('a stale lock from a dead process is taken over', async (t) => {
  const dir = join(t.testdir(), 'dom1.reseer')
  LogWriter.create(dir, headerInit()).close()
  const pid = deadPid()
  writeFileSync(join(dir, 'lock'), `${pid}\n`)
  const {writer} = LogWriter.openForAppend(dir)
  t.equal(readFileSync(join(dir, 'lock'), 'utf8'), `${process.pid}\n`)
  writer.close()
  // A lock file left empty by a writer that died while creating it is stale too.
  writeFileSync(join(dir, 'lock'), '')
  const lock = acquireWriterLock(dir)
  lock.release()
  t.notOk(existsSync(join(dir, 'lock')))
})

t.test('creating over an existing log is refused', async (t) => {
  const dir = join(t.testdir(), 'dom1.reseer')
  LogWriter.create(dir, headerInit()).close()
  t.throws(() => LogWriter.create(dir, headerInit()), {message: `log directory ${dir} already exists and is not empty`, code: 'ELOGEXISTS'})
})
