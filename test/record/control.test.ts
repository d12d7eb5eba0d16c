// How a recording is steered: checkpoints when the injected clock says the
// interval has passed, on demand, a duration limit, stop(), attaching to a
// machine that already runs, and the event kinds beyond UART status reads
// (time, interrupt lines, console input).
import t from 'tap'
import {fileURLToPath} from 'node:url'
import {EventKind} from '../../src/lib/log/events.js'
import {LogReader} from '../../src/lib/log/reader.js'
import {verifyLog} from '../../src/lib/log/verify.js'
import {decodeConsoleInput, SimEventKind} from '../../src/lib/record/record-events.js'
import {RecorderTap} from '../../src/lib/record/recorder-tap.js'
import {RecordSession} from '../../src/lib/record/session.js'
import type {RecordProgress} from '../../src/lib/record/settings.js'
import {ParallelMachine} from '../../src/lib/sim/parallel/parallel-machine.js'
import {creator, freshLogDir, kindCounts, reasons, record, workload} from './recording.js'

/** A race long enough that the tests below, not the guest, end the recording. */
const endless = () => workload('race', {cmdline: 'm=1000000000'})

function progressWaiter() {
  const seen: RecordProgress[] = []
  let wake: (() => void) | undefined
  return {
    seen,
    onProgress(p: RecordProgress) {
      seen.push(p)
      wake?.()
    },
    async until(checkpoints: number) {
      while (seen.length < checkpoints) await new Promise<void>((resolve) => (wake = resolve))
    },
  }
}

t.test('checkpoints follow the injected clock: one per interval that passes', async (t) => {
  let now = 0
  const progress = progressWaiter()
  const dir = freshLogDir('race')
  const session = RecordSession.boot(endless(), dir, {creator, interval: {ms: 1000}, clock: () => now, onProgress: progress.onProgress})
  const done = session.run()
  await progress.until(1)
  for (let k = 1; k <= 3; k++) {
    now += 1000
    await progress.until(k + 1)
    t.equal(progress.seen.length, k + 1, `after ${k} intervals, ${k + 1} checkpoints`)
  }
  t.equal(progress.seen[3].elapsedMs, 3000, 'elapsed time is the injected clock\'s')
  const result = await session.stop()
  t.same(result.end, {kind: 'stopped'})
  const reader = LogReader.open(dir)
  t.teardown(() => reader.close())
  t.same(reasons(reader), ['start', 'interval', 'interval', 'interval', 'stop'])
  t.ok(verifyLog(dir).intact)
  const instret = result.progress.instructions
  t.ok(instret.every((n) => n > 0), `both harts ran: ${instret.join(', ')}`)
})

t.test('an on-demand checkpoint and a duration limit', async (t) => {
  let now = 0
  const progress = progressWaiter()
  const dir = freshLogDir('race')
  const session = RecordSession.boot(endless(), dir, {creator, interval: {ms: 1000}, durationMs: 5000, clock: () => now, onProgress: progress.onProgress})
  const done = session.run()
  await progress.until(1)
  t.equal(await session.checkpoint(), 1, 'the demand is checkpoint 1')
  now = 5000
  const result = await done
  t.same(result.end, {kind: 'duration'})
  const reader = LogReader.open(dir)
  t.teardown(() => reader.close())
  t.same(reasons(reader), ['start', 'demand', 'stop'])
  await t.rejects(session.checkpoint(), /not running/)
})

t.test('attach to a running machine: full checkpoint, log from there, the machine goes on', async (t) => {
  const tap = new RecorderTap()
  const machine = new ParallelMachine(endless(), {observer: tap})
  const finished = machine.start()
  // Let the guest run unrecorded until both harts have retired instructions.
  for (;;) {
    await machine.pause()
    const ran = machine.hartStates().every((s) => s.instret > 0)
    machine.resume()
    if (ran) break
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
  const dir = freshLogDir('race')
  const session = RecordSession.attach({machine, tap, finished}, dir, {creator, interval: {ms: 20}})
  const run = session.run()
  t.throws(() => RecordSession.attach({machine, tap, finished}, freshLogDir('race'), {creator}), {code: 'EBUSY'}, 'one recording at a time')
  await session.checkpoint()
  const result = await session.stop()
  t.same(result.end, {kind: 'stopped'})
  t.notOk(tap.connected, 'the recording let go of the tap')
  const reader = LogReader.open(dir)
  t.teardown(() => reader.close())
  const first = reader.manifest(0)
  t.ok(first.vcpus.every((v) => v.instret > 0n), 'checkpoint 0 is where the harts stood when the recording attached')
  t.ok(first.pages.size > 0, 'checkpoint 0 is full')
  t.ok(verifyLog(dir).intact)
  // The domain still runs: pause it to see, then end it.
  await machine.pause()
  const after = machine.hartStates()
  t.ok(after.every((s, h) => BigInt(s.instret) >= reader.manifest(reader.checkpointCount - 1).vcpus[h].instret))
  machine.resume()
  t.same(await machine.stop(), {kind: 'stopped'})
  await run
})

t.test('console input is logged where a hart took it into the UART', async (t) => {
  const dir = freshLogDir('race')
  const session = RecordSession.boot(endless(), dir, {creator, interval: {ms: 20}})
  const run = session.run()
  session.machine.sendConsole(new TextEncoder().encode('hi'))
  // The harts take input when they poll; wait until both bytes are logged.
  while (session.progress.events < 2) await new Promise((resolve) => setTimeout(resolve, 10))
  await session.stop()
  await run
  const reader = LogReader.open(dir)
  t.teardown(() => reader.close())
  const bytes: number[] = []
  for (let h = 0; h < 2; h++) {
    for (const e of reader.events(h)) if (e.kind === SimEventKind.ConsoleInput) bytes.push(decodeConsoleInput(e.payload))
  }
  t.same(bytes.sort(), [...'hi'].map((c) => c.charCodeAt(0)).sort())
})

t.test('time reads and interrupt lines', async (t) => {
  const selftest = freshLogDir('selftest')
  await record(workload('selftest'), selftest)
  t.ok((kindCounts(selftest).get(EventKind.TimeRead) ?? 0) >= 2, 'selftest reads mtime twice (or more, for the high word)')

  const timer = freshLogDir('timer')
  const elf = fileURLToPath(new URL('../../guests/isa/build/timer.elf', import.meta.url))
  const {result} = await record({...workload('race'), vcpus: 1, kernel: elf, cmdline: ''}, timer)
  t.equal(result.end.kind, 'halt')
  const kinds = kindCounts(timer)
  t.ok((kinds.get(SimEventKind.InterruptLines) ?? 0) >= 2, 'timer and software interrupt lines rise and fall')
  t.ok((kinds.get(EventKind.TimeRead) ?? 0) > 0)
  t.ok(verifyLog(timer).intact)
})

t.test('an interval in instructions is scheduled from the rate the harts ran at', async (t) => {
  const dir = freshLogDir('race')
  const {result} = await record(workload('race', {cmdline: 'm=500000'}), dir, {interval: {instructions: 200_000}})
  t.equal(result.end.kind, 'halt')
  const reader = LogReader.open(dir)
  t.teardown(() => reader.close())
  const busiest = Math.max(...result.progress.instructions)
  t.ok(reader.checkpointCount >= 3, `${reader.checkpointCount} checkpoints over ${busiest} instructions`)
  t.ok(verifyLog(dir).intact)
})

t.test('settings are checked before anything starts', async (t) => {
  const dir = freshLogDir('race')
  t.throws(() => RecordSession.boot(endless(), dir, {creator, interval: {ms: 10, instructions: 10_000}}), {code: 'EINTERVAL'})
  t.throws(() => RecordSession.boot(endless(), dir, {creator, interval: {instructions: 10}}), {code: 'EINTERVAL'})
  t.throws(() => RecordSession.boot(endless(), dir, {creator, interval: {ms: 0}}), {code: 'EINTERVAL'})
  t.throws(() => RecordSession.boot(endless(), dir, {creator, durationMs: -1}), {code: 'EDURATION'})
  t.throws(() => verifyLog(dir), {code: 'ENOLOG'}, 'no log was created')
})
