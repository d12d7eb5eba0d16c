// The recording's pace as the search follows it: curves from pace marks, and
// the even-speed curve a log without marks gets.
import t from 'tap'
import {PaceModel} from '../../src/lib/search/pace.js'

t.test('without marks every hart runs at an even speed over the interval', async t => {
  const pace = new PaceModel([100, 0], [1000, 10])
  t.equal(pace.timeAt(0, 100), 0)
  t.equal(pace.timeAt(0, 600), 0.5)
  t.equal(pace.timeAt(1, 5), 0.5)
  t.equal(pace.retiredBy(0, 0.25), 350)
  t.equal(pace.retiredBy(1, 1), 10)
  t.equal(pace.retiredBy(1, 7), 10, 'never past the budget')
})

t.test('marks bend the curve: a hart that sat still goes on when its marks say', async t => {
  // Hart 0 waits from 0 to 800 us at instret 50, then runs 50 instructions by 1000 us;
  // hart 1 runs evenly from 0 to 1000 us.
  const pace = new PaceModel([50, 0], [50, 1000], [
    {instret: [50, 50, 100], micros: [1_000_000, 1_000_800, 1_001_000]},
    {instret: [0, 1000], micros: [1_000_000, 1_001_000]},
  ])
  t.equal(pace.timeAt(0, 50), 0.8, 'its next instruction comes after the wait')
  t.equal(pace.timeAt(0, 75), 0.9)
  t.equal(pace.retiredBy(0, 0.5), 50)
  t.equal(pace.retiredBy(1, 0.8), 800, 'the other hart runs 800 instructions in the meantime')
})

t.test('a hart without a mark at its end goes on at its last speed; the finisher comes last', async t => {
  const marks = [
    {instret: [0, 100], micros: [0, 100]},
    {instret: [0, 100], micros: [0, 100]},
  ]
  const pace = new PaceModel([0, 0], [200, 100], marks)
  t.equal(pace.timeAt(0, 150), 1.5, 'extrapolated past the last mark')
  const last = new PaceModel([0, 0], [100, 200], marks, 0)
  t.ok(last.timeAt(0, 99) > last.timeAt(1, 199), 'the hart that powered off runs its last stretch after the other')
})
