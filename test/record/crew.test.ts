// The CREW baseline: the same machine under the concurrent-read
// exclusive-write protocol, every page transfer logged with the retired
// counts of the two harts it orders.
import t from 'tap'
import {EventKind, CrewRights, decodeEvent} from '../../src/lib/log/events.js'
import {LogReader} from '../../src/lib/log/reader.js'
import {verifyLog} from '../../src/lib/log/verify.js'
import {RecorderTap} from '../../src/lib/record/recorder-tap.js'
import {RecordSession} from '../../src/lib/record/session.js'
import {ParallelMachine} from '../../src/lib/sim/parallel/parallel-machine.js'
import {expectedOf} from '../guests/workload.js'
import {creator, freshLogDir, record, workload} from './recording.js'

type Transfer = {page: number; fromHart: number; toHart: number; rights: CrewRights; instrets: bigint[]}

function transfers(dir: string): Array<Transfer & {hart: number; instret: bigint}> {
  const reader = LogReader.open(dir)
  try {
    const out: Array<Transfer & {hart: number; instret: bigint}> = []
    for (let h = 0; h < reader.header.vcpus; h++) {
      for (const e of reader.events(h)) {
        if (e.kind === EventKind.CrewTransfer) out.push({...(decodeEvent(e.kind, e.payload) as Transfer), hart: h, instret: e.instret})
      }
    }
    return out
  } finally {
    reader.close()
  }
}

for (const name of ['race', 'pingpong']) {
  t.test(`${name} in CREW mode`, async (t) => {
    const dir = freshLogDir(name)
    const options = name === 'race' ? workload(name, {cmdline: 'm=100000'}) : workload(name)
    const {result, session} = await record(options, dir, {mode: 'crew'})
    t.same(result.end, {kind: 'halt', finish: {kind: 'poweroff', code: 0, hart: 0}})
    if (name !== 'race') t.equal(new TextDecoder().decode(session.machine.console), expectedOf(name))
    t.ok(verifyLog(dir).intact)
    const reader = LogReader.open(dir)
    t.equal(reader.header.mode, 'crew')
    reader.close()

    const all = transfers(dir)
    t.ok(all.length > 0, `${all.length} page transfers between the harts`)
    const bad = all.filter((x) =>
      x.fromHart === x.toHart || x.fromHart > 1 || x.toHart > 1 ||
      (x.rights !== CrewRights.Read && x.rights !== CrewRights.ReadWrite) ||
      x.instrets.length !== 2 || x.instrets[x.hart] !== x.instret)
    t.same(bad, [], 'each transfer names two harts, the rights, and the reporting hart\'s count as its own')
    t.ok(all.some((x) => x.rights === CrewRights.ReadWrite) && all.some((x) => x.rights === CrewRights.Read), 'both exclusive and shared transfers')
    if (name === 'pingpong') {
      // Each of the 1000 rounds moves the flags' page a few times; harts that handed it back and forth before using it
      // made thousands of transfers a round.
      t.ok(all.length < 20 * 1000, `${all.length} transfers for 1000 rounds: no hand-back without the access done`)
    }
  })
}

t.test('a running domain cannot switch to CREW', async (t) => {
  const tap = new RecorderTap()
  const machine = new ParallelMachine(workload('race', {cmdline: 'm=1000000000'}), {observer: tap})
  const finished = machine.start()
  t.throws(() => RecordSession.attach({machine, tap, finished}, freshLogDir('race'), {creator, mode: 'crew'}), {code: 'ENOTSUP'})
  t.same(await machine.stop(), {kind: 'stopped'})
})
