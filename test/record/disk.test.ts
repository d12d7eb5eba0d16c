// Recording a domain with a disk: the image file stays as it was (replay
// starts from it), and the checkpoints carry the blocks the guest wrote, so
// the last one rebuilds the disk exactly as the guest left it.
import t from 'tap'
import {createHash} from 'node:crypto'
import {mkdtempSync, readFileSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {LogReader} from '../../src/lib/log/reader.js'
import {verifyLog} from '../../src/lib/log/verify.js'
import {DISK_BLOCK} from '../../src/lib/sim/devices/disk-image.js'
import {expectedOf} from '../guests/workload.js'
import {RecordSession} from '../../src/lib/record/session.js'
import {creator, freshLogDir, record, workload} from './recording.js'

t.test('dbench', async (t) => {
  const image = join(mkdtempSync(join(tmpdir(), 'reseer-disk-')), 'dbench.img')
  writeFileSync(image, Buffer.alloc(1 << 20))
  const dir = freshLogDir('dbench')
  const {result, session} = await record(workload('dbench', {disks: [{path: image, readonly: false}]}), dir, {interval: {ms: 5}})
  t.same(result.end, {kind: 'halt', finish: {kind: 'poweroff', code: 0, hart: 0}})
  t.equal(new TextDecoder().decode(session.machine.console), expectedOf('dbench'))
  t.ok(verifyLog(dir).intact)
  t.same(readFileSync(image), Buffer.alloc(1 << 20), 'the image file is untouched')

  const reader = LogReader.open(dir)
  t.teardown(() => reader.close())
  const identity = (reader.manifest(0).meta.disks as Array<{name: string; sha256: string}>)[0]
  t.equal(identity.name, 'disk0')
  t.equal(identity.sha256, createHash('sha256').update(Buffer.alloc(1 << 20)).digest('hex'), 'checkpoint 0 names the image it starts from')
  const last = reader.checkpointCount - 1
  const blocks = reader.diskAt(last, 'disk0')
  t.ok(blocks.size > 0, 'the guest wrote blocks')
  const rebuilt = Buffer.alloc(1 << 20)
  for (const [block, bytes] of blocks) bytes.copy(rebuilt, block * DISK_BLOCK)
  t.ok(rebuilt.equals(Buffer.from(session.machine.disks[0].bytes)), 'image plus the logged blocks is the disk as the guest left it')
})

t.test('every checkpoint holds the disk as it was when the checkpoint was taken', async (t) => {
  const image = join(mkdtempSync(join(tmpdir(), 'reseer-disk-')), 'dbench.img')
  writeFileSync(image, Buffer.alloc(1 << 20))
  const dir = freshLogDir('dbench')
  const session = RecordSession.boot(workload('dbench', {cmdline: 'ops=128 sectors=8', disks: [{path: image, readonly: false}]}), dir, {creator, interval: {ms: 2}})
  // Each capture asks the disk for the blocks written since the last one, with the harts parked: the disk as it is then.
  const disk = session.machine.disks[0]
  const fresh = disk.freshBlocks.bind(disk)
  const asCaptured: Buffer[] = []
  disk.freshBlocks = () => {
    asCaptured.push(Buffer.from(disk.bytes))
    return fresh()
  }
  await session.run()
  const reader = LogReader.open(dir)
  t.teardown(() => reader.close())
  t.equal(asCaptured.length, reader.checkpointCount, 'one capture per checkpoint')
  t.ok(reader.checkpointCount >= 4, `checkpoints while the guest wrote (${reader.checkpointCount})`)
  let differing = 0
  for (let k = 0; k < reader.checkpointCount; k++) {
    const rebuilt = Buffer.alloc(1 << 20)
    for (const [block, bytes] of reader.diskAt(k, 'disk0')) bytes.copy(rebuilt, block * DISK_BLOCK)
    if (!rebuilt.equals(asCaptured[k])) differing++
  }
  t.equal(differing, 0, 'image plus the blocks logged up to each checkpoint is the disk at that checkpoint')
  const changes = Array.from({length: reader.checkpointCount - 1}, (_, k) => asCaptured[k + 1].equals(asCaptured[k]) ? 0 : 1).reduce((a: number, b) => a + b, 0)
  t.ok(changes >= 2, `the disk changed between several pairs of checkpoints (${changes})`)
})
