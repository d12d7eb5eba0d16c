// Recording and checkpointing a Xen domain: on a host without Xen one clear
// line and no log directory left behind; the log it writes is the common format.
import t from 'tap'
import {existsSync, mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {ReseerError} from '../../src/lib/cli/errors.js'
import {PRIVCMD_DEVICE} from '../../src/lib/backend/xen/probe.js'
import koffi from 'koffi'
import {checkpointXenDomain, createXenLog, recordXenDomain, storeXenCheckpoint} from '../../src/lib/backend/xen/recorder.js'
import {CpuUserRegs, VcpuGuestContext} from '../../src/lib/backend/xen/xenctrl.js'
import {logInfo} from '../../src/lib/log/info.js'
import {LogReader} from '../../src/lib/log/reader.js'
import {verifyLog} from '../../src/lib/log/verify.js'
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

// The storing half of the recorder runs without a hypervisor: what the Xen
// backend reads (x86_64 vCPU contexts, page batches, per-vCPU write sets)
// must make a log that the log library reads, verifies and summarises as it
// does a sim recording.
t.test('Xen checkpoints make a log that log info and log verify accept', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'reseer-xenlog-'))
  t.teardown(() => rmSync(dir, {recursive: true, force: true}))
  const logDir = join(dir, 'dom1.reseer')
  const pageCount = 64
  const writer = createXenLog(logDir, {name: 'dom1', vcpus: 2}, pageCount, {creator, config: {name: 'dom1'}})
  const context = (rip: number) => {
    const state = new Uint8Array(koffi.sizeof(VcpuGuestContext))
    new DataView(state.buffer).setBigUint64(koffi.offsetof(VcpuGuestContext, 'user_regs') + koffi.offsetof(CpuUserRegs, 'rip'), BigInt(rip), true)
    return state
  }
  const vcpus = (rip: number) => [0, 1].map((vcpu) => ({vcpu, arch: 'x86_64', pc: BigInt(rip), instructions: null, state: context(rip)}))
  const batch = (pfns: number[], fill: (pfn: number) => number) => {
    const data = new Uint8Array(pfns.length * 4096)
    pfns.forEach((pfn, i) => data.fill(fill(pfn), i * 4096, (i + 1) * 4096))
    return {pfns: Uint32Array.from(pfns), data}
  }
  try {
    // Checkpoint 0: every page, in two batches as the helper copies them; page 3 is a hole.
    const all = Array.from({length: pageCount}, (_, i) => i).filter((pfn) => pfn !== 3)
    const full = storeXenCheckpoint(writer, {kind: 'full', vcpus: vcpus(0x1000), batches: [batch(all.slice(0, 40), (p) => p % 7), batch(all.slice(40), (p) => p % 7)]})
    t.same(full, {index: 0, pages: 63})
    const dirty = storeXenCheckpoint(writer, {
      kind: 'dirty',
      vcpus: vcpus(0x2000),
      batches: [batch([5, 9], () => 0xab)],
      writes: {written: [Uint32Array.of(5), Uint32Array.of(5, 9)], writeFaults: 3, dropped: 0},
    })
    t.same(dirty, {index: 1, pages: 2})
  } finally {
    writer.close()
  }

  const report = verifyLog(logDir)
  t.equal(report.intact, true, report.files.filter((f) => f.status !== 'ok').map((f) => `${f.file}: ${f.detail}`).join('; '))
  t.equal(report.checkpoints, 2)
  const info = logInfo(logDir)
  t.equal(info.backend, 'xen')
  t.equal(info.vcpus, 2)
  t.equal(info.memoryBytes, pageCount * 4096)
  t.equal(info.intervalsWithSummaries, 1)

  const reader = LogReader.open(logDir)
  try {
    t.equal(reader.pageAt(0, 9)[0], 9 % 7)
    t.equal(reader.pageAt(1, 9)[0], 0xab)
    t.equal(reader.pageAt(1, 10)[0], 10 % 7, 'an unwritten page carries over')
    t.same(reader.dirtyPages(1), [5, 9])
    t.same(reader.checkpoint(1).meta, {kind: 'dirty', writeFaults: 3})
    t.equal(reader.checkpoint(1).vcpus[0].instret, 0n, 'stock Xen counts no instructions')
    const state = reader.checkpoint(1).vcpus[1].state
    t.equal(koffi.decode(Buffer.from(state), VcpuGuestContext).user_regs.rip, 0x2000)
    const summary = reader.summary(0)!
    t.same([...summary.vcpus[1].written], [5, 9])
    t.same([...summary.vcpus[0].read], [])
  } finally {
    reader.close()
  }
})
