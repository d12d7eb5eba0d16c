// Recording and checkpointing a Xen domain on a host without Xen: one clear
// line, a non-zero status, and no log directory left behind.
import t from 'tap'
import {existsSync, mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {ReseerError} from '../../src/lib/cli/errors.js'
import {PRIVCMD_DEVICE} from '../../src/lib/backend/xen/probe.js'
import {checkpointXenDomain, recordXenDomain} from '../../src/lib/backend/xen/recorder.js'
import {XenBackend} from '../../src/lib/backend/xen/xen-backend.js'

const noHypervisor = existsSync(PRIVCMD_DEVICE) ? 'this host runs under Xen' : false
const creator = {tool: 'reseer-xl', version: 'test'}

async function rejection(p: Promise<unknown>): Promise<ReseerError> {
  try {
    await p
  } catch (error) {
    return error as ReseerError
  }
  throw new Error('expected a failure')
}

t.test('record, checkpoint and the backend refuse in one line without Xen', {skip: noHypervisor}, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'reseer-xenrec-'))
  t.teardown(() => rmSync(dir, {recursive: true, force: true}))
  const logDir = join(dir, 'dom1.reseer')
  const expected = /^Xen is unavailable: no \/dev\/xen\/privcmd \(not running as dom0 of a Xen hypervisor\)/

  const record = await rejection(recordXenDomain({domain: 'dom1', logDir, intervalMs: 100, checkpoints: 2, creator}))
  t.type(record, ReseerError)
  t.equal(record.code, 'ENOXEN')
  t.match(record.message, expected)
  t.notMatch(record.message, /\n/)

  const checkpoint = await rejection(checkpointXenDomain({domain: 'dom1', logDir, exists: false, creator}))
  t.equal(checkpoint.code, 'ENOXEN')
  t.match(checkpoint.message, expected)

  t.throws(() => XenBackend.open(), {code: 'ENOXEN', message: expected})
  t.notOk(existsSync(logDir), 'no log directory is created')
})

t.test('a checkpoint interval must be positive', async (t) => {
  for (const intervalMs of [0, -5, Number.NaN]) {
    const error = await rejection(recordXenDomain({domain: 'dom1', logDir: 'unused', intervalMs, creator}))
    t.equal(error.code, 'EUSAGE')
    t.match(error.message, /^the checkpoint interval must be positive/)
  }
})
