// The recording does not serialise the harts: recorded runs of the race
// workload lose different numbers of updates.
import t from 'tap'
import {verifyLog} from '../../src/lib/log/verify.js'
import {freshLogDir, record, workload} from './recording.js'

t.test('recorded races end with different counters', async (t) => {
  const counters: number[] = []
  for (let run = 0; run < 4 && new Set(counters).size < 2; run++) {
    const dir = freshLogDir('race')
    const {result, session} = await record(workload('race', {cmdline: 'm=500000'}), dir)
    t.equal(result.end.kind, 'halt')
    t.ok(verifyLog(dir).intact)
    const match = /race: counter=(\d+)/.exec(new TextDecoder().decode(session.machine.console))
    t.ok(match, 'race printed its counter')
    counters.push(Number(match![1]))
  }
  t.ok(new Set(counters).size >= 2, `different final counters: ${counters.join(', ')}`)
})
