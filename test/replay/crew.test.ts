// Replay of a CREW recording: race on two harts, truly in parallel, replayed
// along its logged page transfers with no search, verified at every
// checkpoint, its console (and so its run-dependent counter) reproduced.
import t from 'tap'
import {LogReader} from '../../src/lib/log/reader.js'
import {hartRegisters} from '../../src/lib/replay/inspect.js'
import type {StoppedState} from '../../src/lib/replay/replay-log.js'
import {checkpoints, counterAddress, consoleOf, crewRace, damageFrame, forgePage, newPageAt, replayed} from './recordings.js'

const logDir = await crewRace(4)
const reader = LogReader.open(logDir)
const last = reader.checkpointCount - 1
const counts = Array.from({length: last + 1}, (_, k) => reader.checkpoint(k).vcpus.map((v) => Number(v.instret)))
reader.close()

t.test('every checkpoint verifies and the console is the recording\'s, counter and all', async (t) => {
  const {report, console} = await replayed(logDir)
  t.notOk(report.mismatch, report.mismatch?.what)
  t.equal(report.mode, 'crew')
  t.equal(report.verifiedCheckpoints, last)
  t.ok(report.intervals.every((i) => i.verified && i.order === 'crew'))
  t.same(report.instructions, counts[last], 'every instruction of every hart replayed')
  t.equal(console, consoleOf(logDir))
  t.match(console, /race: counter=\d+ lost=\d+/)
})

t.test('replaying twice gives the same report and console', async (t) => {
  const first = await replayed(logDir)
  const second = await replayed(logDir)
  t.same(second.report, first.report)
  t.equal(second.console, first.console)
})

t.test('a middle period replays from its first checkpoint\'s state and verifies', async (t) => {
  const {report, console} = await replayed(logDir, {from: 1, to: last - 1})
  t.notOk(report.mismatch, report.mismatch?.what)
  t.equal(report.verifiedCheckpoints, last - 2)
  t.same(report.intervals.map((i) => i.interval), Array.from({length: last - 2}, (_, i) => i + 1))
  t.same(report.instructions, counts[last - 1].map((n, h) => n - counts[1][h]))
  const reader = LogReader.open(logDir)
  const expected = Array.from({length: last - 2}, (_, i) => Buffer.from(String(reader.checkpoint(i + 2).meta.console ?? ''), 'base64').toString('latin1')).join('')
  reader.close()
  t.equal(console, expected)
})

t.test('the counter in memory at the last checkpoint is the one the guest printed', async (t) => {
  let state: StoppedState | undefined
  let counter = -1
  const {report, console} = await replayed(logDir, {until: {checkpoint: last}, onStop: (s) => {
    state = s
    counter = Buffer.from(s.read(counterAddress(), 4)).readUInt32LE(0)
  }})
  t.same(report.stopped, {at: 'checkpoint', checkpoint: last})
  t.ok(state)
  t.equal(counter, Number(/counter=(\d+)/.exec(console)?.[1]))
})

t.test('at checkpoint 0 every hart stands at the ELF entry with its hart id in a0', async (t) => {
  let regs: ReturnType<typeof hartRegisters>[] = []
  const {report} = await replayed(logDir, {until: {checkpoint: 0}, onStop: (s) => (regs = s.harts().map((b) => hartRegisters(b)))})
  t.equal(report.verifiedCheckpoints, 0)
  t.same(regs.map((r) => [r.hart, r.pc, r.x[10].abi, r.x[10].value, r.privilege, r.instret]), [[0, 0x8000_0000, 'a0', 0, 'M', 0], [1, 0x8000_0000, 'a0', 1, 'M', 0]])
})

t.test('--until HART:INSTRET stops inside an interval with that hart exactly there', async (t) => {
  // Hart 1 in the middle of the first interval where it ran at least two instructions.
  const k = counts.findIndex((c, i) => i < last && counts[i + 1][1] - c[1] >= 2)
  const target = Math.floor((counts[k][1] + counts[k + 1][1]) / 2)
  let regs: ReturnType<typeof hartRegisters>[] = []
  const first = await replayed(logDir, {until: {hart: 1, instret: target}, onStop: (s) => (regs = s.harts().map((b) => hartRegisters(b)))})
  t.notOk(first.report.mismatch)
  t.match(first.report.stopped, {at: 'instret', hart: 1, instret: target, interval: k})
  t.equal(regs[1].instret, target)
  t.ok(regs[0].instret >= counts[k][0] && regs[0].instret <= counts[k + 1][0], 'hart 0 within the interval')
  t.equal(first.report.verifiedCheckpoints, k)
  // The same stop again: the same machine state.
  let again: ReturnType<typeof hartRegisters>[] = []
  await replayed(logDir, {until: {hart: 1, instret: target}, onStop: (s) => (again = s.harts().map((b) => hartRegisters(b)))})
  t.same(again, regs)
  // A count a checkpoint has stops at that checkpoint.
  const atCheckpoint = await replayed(logDir, {until: {hart: 1, instret: counts[k + 1][1]}})
  t.same(atCheckpoint.report.stopped, {at: 'checkpoint', checkpoint: counts.findIndex((c) => c[1] === counts[k + 1][1])})
})

t.test('bad stops are refused before anything runs', async (t) => {
  await t.rejects(replayed(logDir, {until: {checkpoint: last + 1}}), {code: 'EUSAGE', exitCode: 2, message: new RegExp(`the log has checkpoints 0 to ${last}`)})
  await t.rejects(replayed(logDir, {until: {hart: 2, instret: 1}}), {code: 'EUSAGE', message: /harts 0 to 1/})
  await t.rejects(replayed(logDir, {until: {hart: 0, instret: counts[last][0] + 1}}), {code: 'EUSAGE', message: /retired \d+ instructions in the recording/})
  await t.rejects(replayed(logDir, {from: 2, until: {checkpoint: 1}}), {code: 'EUSAGE', message: /comes before --from 2/})
  await t.rejects(replayed(logDir, {to: 2, until: {checkpoint: 1}}), {code: 'EUSAGE'})
})

t.test('a page stored wrongly is caught at its checkpoint, naming the byte', async (t) => {
  const copy = await crewRace(4)
  // The first checkpoint after 0 that stores new content for a page its interval dirtied.
  let k = 1
  while (k < checkpoints(copy) - 1 && !newPageAt(copy, k)) k++
  const [page] = newPageAt(copy, k)!
  const {was, now} = forgePage(copy, k, page, 0x123)
  const {report} = await replayed(copy)
  t.ok(report.mismatch, 'the replay does not pass')
  t.equal(report.mismatch?.checkpoint, k)
  t.equal(report.verifiedCheckpoints, k - 1)
  const address = (0x8000_0000 + page * 4096).toString(16).padStart(8, '0')
  const hex = (n: number) => '0x' + n.toString(16).padStart(2, '0')
  t.equal(report.mismatch?.what, `page 0x${address} byte +0x123: ${hex(was)} != ${hex(now)} (run != checkpoint)`)
})

t.test('a page frame whose checksum fails stops the replay at the checkpoint that needs it', async (t) => {
  const copy = await crewRace(4)
  let k = 1
  while (k < checkpoints(copy) - 1 && !newPageAt(copy, k)) k++
  const [, id] = newPageAt(copy, k)!
  const {file, offset} = damageFrame(copy, id)
  const {report} = await replayed(copy)
  t.equal(report.mismatch?.checkpoint, k)
  t.match(report.mismatch?.what, `the log is damaged at checkpoint ${k}: ${file} at offset ${offset}: page frame checksum mismatch`)
})
