// A recording that cannot write stops with one clear error and leaves a log
// consistent up to its last complete checkpoint.
import t from 'tap'
import {execFileSync} from 'node:child_process'
import {mkdirSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {ReseerError} from '../../src/lib/cli/errors.js'
import {LogReader} from '../../src/lib/log/reader.js'
import {verifyLog} from '../../src/lib/log/verify.js'
import {RecordSession} from '../../src/lib/record/session.js'
import {creator, record, workload} from './recording.js'

t.test('a log directory that cannot be created', async (t) => {
  const root = mkdtempSync(join(tmpdir(), 'reseer-record-'))
  const file = join(root, 'not-a-directory')
  writeFileSync(file, '')
  const session = RecordSession.boot(workload('race'), join(file, 'race.reseer'), {creator})
  const error = await session.run().then(() => undefined, (e: unknown) => e) as ReseerError
  t.type(error, ReseerError)
  t.equal(error.code, 'ENOTDIR')
  t.match(error.message, /^cannot create log directory .*not-a-directory\/race\.reseer: ENOTDIR/)
  t.equal(session.machine.hartStates().length, 2, 'the machine it booted is stopped')
})

t.test('a domain the machine refuses leaves no log behind', async (t) => {
  const root = mkdtempSync(join(tmpdir(), 'reseer-record-'))
  const dir = join(root, 'race.reseer')
  t.throws(() => RecordSession.boot(workload('race', {vcpus: 99}), dir, {creator}), {code: 'EVCPUS'})
  t.throws(() => verifyLog(dir), {code: 'ENOLOG'})
})

/** A tiny filesystem of its own, so that filling it harms nothing else; undefined where mounting is not allowed. */
function smallFilesystem(kib: number): string | undefined {
  const mountpoint = mkdtempSync(join(tmpdir(), 'reseer-full-'))
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${kib}k`, 'tmpfs', mountpoint], {stdio: 'ignore'})
    return mountpoint
  } catch {
    rmSync(mountpoint, {recursive: true})
    return undefined
  }
}

const full = smallFilesystem(192)
t.test('a full disk', {skip: full ? false : 'cannot mount a small tmpfs here (not root?)'}, async (t) => {
  t.teardown(() => {
    execFileSync('umount', [full!])
    rmSync(full!, {recursive: true})
  })
  const dir = join(full!, 'radix.reseer')
  mkdirSync(dir)
  const error = await record(workload('radix'), dir, {interval: {ms: 5}}).then(() => undefined, (e: unknown) => e)
  t.type(error, ReseerError, 'the recording fails')
  const {code, message} = error as ReseerError
  t.equal(code, 'ENOSPC')
  const match = /^recording stopped: .*no space left on device.*; the log in .* is complete up to checkpoint (\d+)$/.exec(message)
  t.ok(match, message)
  const report = verifyLog(dir)
  t.same(report.files.filter((f) => f.status === 'corrupt' || f.status === 'missing'), [], 'nothing corrupt or missing')
  t.equal(report.checkpoints, Number(match![1]) + 1, 'every checkpoint the error names is there')
  const reader = LogReader.open(dir)
  t.same(reader.damage, [])
  t.equal(reader.memoryAt(reader.checkpointCount - 1).length, 64 << 20)
  reader.close()
})
