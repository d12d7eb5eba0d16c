// The CREW protocol step by step, two harts' ends of it driven from one
// thread: who gets which right when, and which transfers are reported with
// which retired counts.
import t from 'tap'
import {ACCESS_READ, ACCESS_WRITE} from '../../src/lib/sim/hart-env.js'
import {type CrewTransfer, CrewPages, allocateCrew} from '../../src/lib/sim/parallel/crew-pages.js'
import {CONTROL_WORDS} from '../../src/lib/sim/parallel/shared.js'

const RW = ACCESS_READ | ACCESS_WRITE

function twoHarts() {
  const shared = allocateCrew(2, 4)
  const control = new Int32Array(new SharedArrayBuffer(CONTROL_WORDS * 4))
  const reports: CrewTransfer[] = []
  const access = [new Uint8Array(4), new Uint8Array(4)]
  const harts = access.map((table, h) => new CrewPages(shared, h, table, control, (x) => reports.push(x)))
  return {harts, access, reports}
}

t.test('read sharing, an upgrade to write, and a hand-over', async (t) => {
  const {harts: [a, b], access, reports} = twoHarts()
  t.ok(a.acquire(1, true, 10), 'a free page is taken for writing at once')
  t.equal(access[0][1], RW)
  t.same(reports, [], 'nobody to order it after')

  t.notOk(b.acquire(1, false, 20), 'a read of a page another hart writes waits')
  t.notOk(b.acquire(1, false, 20), 'and asks only once')
  a.serve(15)
  t.same(reports, [{page: 1, from: 0, to: 1, rights: ACCESS_READ, fromInstret: 15, toInstret: 20}], 'the writer gives read at its boundary')
  t.equal(access[0][1], ACCESS_READ, 'and keeps read itself')
  t.ok(b.acquire(1, false, 20), 'now the reader goes ahead')
  t.ok(a.acquire(1, false, 16), 'both read')

  reports.length = 0
  t.notOk(b.acquire(1, true, 30), 'writing needs the other reader to let go')
  a.serve(17)
  t.same(reports, [{page: 1, from: 0, to: 1, rights: RW, fromInstret: 17, toInstret: 30}])
  t.equal(access[0][1], 0, 'the giver keeps nothing')
  t.ok(b.acquire(1, true, 30), 'the page was handed straight over')
  t.equal(access[1][1], RW)
})

t.test('taking a page nobody holds is still ordered after its last writer', async (t) => {
  const {harts: [a, b], reports} = twoHarts()
  t.ok(a.acquire(2, true, 5))
  t.notOk(b.acquire(2, false, 7))
  a.serve(6)
  t.ok(b.acquire(2, false, 7))
  // b upgrades to write, then a wants to read again: b downgrades at its boundary.
  t.notOk(b.acquire(2, true, 8))
  a.serve(9)
  t.ok(b.acquire(2, true, 8))
  reports.length = 0
  t.notOk(a.acquire(2, false, 11))
  b.serve(12)
  t.same(reports, [{page: 2, from: 1, to: 0, rights: ACCESS_READ, fromInstret: 12, toInstret: 11}])
  t.ok(a.acquire(2, false, 11))
})

t.test('a cleared access table is refilled without a transfer', async (t) => {
  const {harts: [a], access, reports} = twoHarts()
  t.ok(a.acquire(3, true, 1))
  access[0].fill(0)
  t.ok(a.acquire(3, true, 2), 'the protocol still says a owns it')
  t.same(reports, [])
})
