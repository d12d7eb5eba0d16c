// Every bundled workload that the sim machine can run records into a log the
// verifier accepts, with checkpoints at the interval, the sharing summary of
// every interval, the guest's console and its halt.
import t from 'tap'
import {EventKind} from '../../src/lib/log/events.js'
import {LogReader} from '../../src/lib/log/reader.js'
import {verifyLog} from '../../src/lib/log/verify.js'
import {expectedOf} from '../guests/workload.js'
import {freshLogDir, kindCounts, loggedConsole, reasons, record, workload} from './recording.js'

for (const name of ['race', 'pingpong', 'compress', 'radix']) {
  t.test(name, async (t) => {
    const dir = freshLogDir(name)
    const {result, session} = await record(workload(name), dir, {interval: {ms: 5}})
    t.same(result.end, {kind: 'halt', finish: {kind: 'poweroff', code: 0, hart: 0}})

    const report = verifyLog(dir)
    t.ok(report.intact, `log verify: ${JSON.stringify(report.files.filter((f) => f.status !== 'ok'))}`)
    t.equal(report.checkpoints, result.progress.checkpoints)

    const reader = LogReader.open(dir)
    t.teardown(() => reader.close())
    t.equal(reader.header.mode, 'reseer')
    const why = reasons(reader)
    t.equal(why[0], 'start')
    t.equal(why.at(-1), 'halt')
    t.ok(why.slice(1, -1).every((r) => r === 'interval'), 'checkpoints between are the interval\'s')
    t.ok(why.length >= 3, `${why.length} checkpoints: at least one at the interval`)

    const first = reader.manifest(0)
    t.same(first.vcpus.map((v) => v.instret), [0n, 0n], 'checkpoint 0 is before the first instruction')
    t.ok(first.pages.size > 0, 'checkpoint 0 holds the boot image')
    const backwards: string[] = []
    const unsummed: number[] = []
    for (let k = 1; k < reader.checkpointCount; k++) {
      const [before, after] = [reader.manifest(k - 1), reader.manifest(k)]
      after.vcpus.forEach((v, h) => v.instret < before.vcpus[h].instret && backwards.push(`checkpoint ${k} hart ${h}`))
      if (!reader.summary(k - 1)) unsummed.push(k - 1)
    }
    t.same(backwards, [], 'instret only grows from checkpoint to checkpoint')
    t.same(unsummed, [], 'every interval has a sharing summary')
    const last = reader.manifest(reader.checkpointCount - 1)
    t.same(last.vcpus.map((v) => Number(v.instret)), result.progress.instructions)

    // Both harts work on shared data: some interval has a page one writes and the other touches.
    let shared = 0
    for (let k = 0; k + 1 < reader.checkpointCount; k++) {
      const [a, b] = reader.summary(k)!.vcpus
      const touched = (v: typeof a) => new Set([...v.read, ...v.written])
      const [ta, tb] = [touched(a), touched(b)]
      for (const p of a.written) if (tb.has(p)) shared++
      for (const p of b.written) if (ta.has(p)) shared++
    }
    t.ok(shared > 0, `${shared} shared page accesses over the intervals`)

    const kinds = kindCounts(dir)
    t.ok((kinds.get(EventKind.DeviceRead) ?? 0) > 0, 'UART status reads are logged')
    t.equal(kinds.get(EventKind.Halt), 1, 'one halt event')
    const console = new TextDecoder('latin1').decode(session.machine.console)
    t.equal(loggedConsole(reader), console, 'the checkpoints carry the console output')
    if (name !== 'race') t.equal(console, expectedOf(name))
  })
}
