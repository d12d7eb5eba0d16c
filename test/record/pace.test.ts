// Pace marks around the stretches a hart had no CPU: with more busy threads
// than cores, the host takes the harts' cores away now and then, and each
// such gap is marked at both ends, one poll (1024 instructions) apart, so the
// search knows to within a poll where the hart stood while it waited.
import t from 'tap'
import {availableParallelism} from 'node:os'
import {Worker} from 'node:worker_threads'
import {LogReader} from '../../src/lib/log/reader.js'
import {SimEventKind, decodePace} from '../../src/lib/record/record-events.js'
import {POLL_INTERVAL} from '../../src/lib/sim/hart.js'
import {freshLogDir, record, workload} from './recording.js'

t.test('a gap in a hart\'s progress is marked at both ends, one poll apart', async (t) => {
  // Busy threads, one more than the cores, so the harts' threads are preempted.
  const spinners = Array.from({length: availableParallelism() + 1}, () => new Worker('for (;;) {}', {eval: true}))
  t.teardown(() => Promise.all(spinners.map((w) => w.terminate())))
  const dir = freshLogDir('race')
  await record(workload('race', {memoryMiB: 16, cmdline: 'm=20000000'}), dir, {interval: {ms: 50}})
  const reader = LogReader.open(dir)
  t.teardown(() => reader.close())
  let gaps = 0
  const wide: string[] = []
  const end = reader.manifest(reader.checkpointCount - 1).vcpus.map((v) => v.instret)
  for (let h = 0; h < reader.header.vcpus; h++) {
    let last: {instret: bigint; micros: number} | undefined
    for (const e of reader.events(h)) {
      // While the harts race: in the final printout a hart may wait inside one instruction for room in the console ring.
      if (e.kind !== SimEventKind.Pace || e.instret > end[h] - 100_000n) continue
      const mark = {instret: e.instret, micros: decodePace(e.payload)}
      // Over a millisecond with almost no progress: the hart had no CPU (a slow stretch would have retired far more).
      if (last && mark.micros - last.micros > 1000 && mark.instret - last.instret <= 4n * BigInt(POLL_INTERVAL)) {
        gaps++
        if (mark.instret - last.instret > BigInt(POLL_INTERVAL)) wide.push(`hart ${h}: ${last.instret}..${mark.instret} over ${((mark.micros - last.micros) / 1000).toFixed(1)} ms`)
      }
      last = mark
    }
  }
  t.ok(gaps > 0, `the harts were preempted (${gaps} gaps)`)
  t.same(wide, [], 'each gap\'s marks are at most one poll apart')
})
