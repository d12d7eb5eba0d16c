// Which hart finished an interval, when the recording logged its power-off
// after the interval's closing checkpoint (recorders that let a pause win
// over a power-off did): the Halt event's count places it.
import {mkdtempSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import t from 'tap'
import {EventKind, encodeHalt} from '../../src/lib/log/events.js'
import {LogReader} from '../../src/lib/log/reader.js'
import {LogWriter} from '../../src/lib/log/writer.js'
import {haltedLate} from '../../src/lib/search/log-interval.js'
import {headerInit, page} from '../log/fixture.js'

/** Checkpoints at the given counts per hart; the Halt of `hart` at `at`, appended just before the last checkpoint. */
function logWithHalt(counts: Array<[bigint, bigint]>, hart: number, at: bigint): string {
  const dir = join(mkdtempSync(join(tmpdir(), 'reseer-halt-')), 'dom1.reseer')
  const w = LogWriter.create(dir, headerInit())
  counts.forEach(([a, b], k) => {
    if (k === counts.length - 1) w.append(hart, EventKind.Halt, at, encodeHalt('poweroff'))
    w.checkpoint({vcpus: [{state: Buffer.from('hart0'), instret: a}, {state: Buffer.from('hart1'), instret: b}], device: Buffer.from('dev'), pages: new Map([[0, page(k + 1)]])})
  })
  w.close()
  return dir
}

t.test('a Halt logged after checkpoint k+1 at a count inside interval k makes its hart the finisher of k', async t => {
  // Hart 1 powered off with its 181st instruction, the harts stopped for checkpoint 1 right then, and the final
  // checkpoint 2, with nothing run since, logged the Halt at that count.
  const reader = LogReader.open(logWithHalt([[0n, 0n], [100n, 181n], [100n, 181n]], 1, 181n))
  t.equal(haltedLate(reader, 0), 1)
  t.equal(haltedLate(reader, 1), undefined, 'the last interval has its own Halt')
  reader.close()
})

t.test('a Halt past checkpoint k+1 belongs to the next interval', async t => {
  const reader = LogReader.open(logWithHalt([[0n, 0n], [100n, 150n], [200n, 300n]], 1, 290n))
  t.equal(haltedLate(reader, 0), undefined)
  reader.close()
})
