// The CREW protocol step by step, two harts' ends of it driven from one
// thread: who gets which right when, and which transfers are reported with
// which retired counts.
import t from 'tap'
import {ACCESS_READ, ACCESS_WRITE} from '../../src/lib/sim/hart-env.js'
import {type CrewTransfer, CrewPages, allocateCrew} from '../../src/lib/sim/parallel/crew-pages.js'
import {CONTROL_WORDS} from '../../src/lib/sim/parallel/shared.js'

const RW = ACCESS_READ | ACCESS_WRITE

function someHarts(n: number) {
  const shared = allocateCrew(n, 4)
  const control = new Int32Array(new SharedArrayBuffer(CONTROL_WORDS * 4))
  const reports: CrewTransfer[] = []
  const access = Array.from({length: n}, () => new Uint8Array(4))
  const harts = access.map((table, h) => new CrewPages(shared, h, table, control, (x) => reports.push(x)))
  return {harts, access, reports}
}

t.test('read sharing, an upgrade to write, and a hand-over', async (t) => {
  const {harts: [a, b], access, reports} = someHarts(2)
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

t.test('joining the readers of a page is ordered after its last writer', async (t) => {
  const {harts: [a, b, c], reports} = someHarts(3)
  t.ok(a.acquire(2, true, 5))
  t.notOk(b.acquire(2, false, 7))
  a.serve(6)
  t.ok(b.acquire(2, false, 7), 'a and b now share it for reading')
  reports.length = 0
  t.ok(c.acquire(2, false, 40), 'a third reader needs nobody to let go')
  t.same(reports, [{page: 2, from: 0, to: 2, rights: ACCESS_READ, fromInstret: 6, toInstret: 40}], 'but its reads come after the writes a made before count 6')
})

t.test('a cleared access table is refilled without a transfer', async (t) => {
  const {harts: [a], access, reports} = someHarts(2)
  t.ok(a.acquire(3, true, 1))
  access[0].fill(0)
  t.ok(a.acquire(3, true, 2), 'the protocol still says a owns it')
  t.same(reports, [])
})

t.test('a hart handed the page it stopped for keeps it until it has run the access', async (t) => {
  const {harts: [a, b], reports} = someHarts(2)
  t.ok(b.acquire(1, true, 10))
  t.notOk(a.acquire(1, true, 20), 'a must wait for b')
  b.serve(11)
  t.same(reports, [{page: 1, from: 1, to: 0, rights: RW, fromInstret: 11, toInstret: 20}], 'b hands it over')
  reports.length = 0
  t.notOk(b.acquire(1, false, 12), 'b wants it back at once')
  a.serve(20)
  t.same(reports, [], 'a has not run its store yet (still at count 20): it keeps the page')
  t.ok(a.acquire(1, true, 20), 'so the store goes ahead')
  a.serve(21)
  t.same(reports, [{page: 1, from: 0, to: 1, rights: ACCESS_READ, fromInstret: 21, toInstret: 12}], 'and b gets its read after it')
})

t.test('a hart waiting for a page gives up a page the other is waiting for', async (t) => {
  const {harts: [a, b], reports} = someHarts(2)
  t.ok(a.acquire(1, true, 5))
  t.ok(b.acquire(2, true, 7))
  t.notOk(a.acquire(2, true, 6), 'a waits for b\'s page')
  t.same(reports, [])
  t.notOk(b.acquire(1, true, 8), 'b waits for a\'s page, and in doing so gives its own up')
  t.same(reports, [{page: 2, from: 1, to: 0, rights: RW, fromInstret: 8, toInstret: 6}])
  t.ok(a.acquire(2, true, 6), 'a goes ahead without waiting for b to poll')
})
