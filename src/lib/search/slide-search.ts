// The slide search: a run whose shared word is thousands of updates off,
// further than the swap search's single steps reach, brought onto it in
// exact steps all the same.
//
// A hart the host starved in the recording runs in short turns between the
// other hart's long ones. Which of the other hart's turns lose their updates
// depends on what the short-turn hart holds while they run: a read not yet
// written back (its turn made the read and stopped before the write) loses
// every update the other makes meanwhile; between its write and its next read
// nothing is lost. In real time the recording's starved hart held its read
// for longer or shorter than half its loop, so the recording lost more, or
// fewer, updates than any pace run, whose turns alternate the two.
//
// A slide moves the first accesses of the long-turn hart's next turn in front
// of the short turn: they now run while the short-turn hart holds what it held
// before its turn instead of what it holds after it. Where it held a read
// before (and none after), every read-modify-write moved loses one more
// update; where it held none before, one fewer. Every decision after the
// moved ones stays where it was, so slides at many hand-overs add up, and a
// doubling and then a bisection on the number of moved updates land on the
// word's target (race, recorded intervals: 1 to 1000 slides, one update each).
// Like the swap search, it knows nothing of the guest: the accesses' kinds
// come from the runner (Candidate.handovers), and every step is measured.

import type {Evaluation, Handovers} from './evaluator.js'
import type {Ledger} from './ledger.js'
import {CONTINUE, YIELD, type Path} from './path.js'
import type {SplitTried, TriedRuns} from './split-search.js'
import {countSearch, nearestMiss, spread, stepWord} from './swap-search.js'

/** Where a slide can go, and how far. */
export interface SlidePoint {
  /** The decision where the long-turn hart yields (a yield of the path). */
  at: number
  /** The decision where the short turn yields back to it. */
  end: number
  /** 1 when the long-turn hart held back a write at `at`, 0 a read. */
  held: number
  /** Updates this point can move: read-modify-writes among the continues that open the long-turn hart's next turn. */
  capacity: number
}

/**
 * From `base` (a run whose sharedDelta is not 0), at most `steps` runs, each
 * time from the nearest run so far, until a run reaches the target, the word
 * comes no nearer or the ledger says stop. Returns every run tried.
 */
export async function searchSlides(ledger: Ledger, base: Pick<Evaluation, 'taken' | 'sharedDelta'>, steps: number): Promise<SplitTried[]> {
  return stepWord(ledger, base, steps, async (start, handovers, runs) => {
    const lose = start.sharedDelta! > 0
    // Exact slides while they reach; past that, every slide point, whose first moved access can take a whole turn
    // with it (see slidePoints): the bisection steps over those jumps, and the next round's exact slides settle the rest.
    let points = slidePoints(start.taken, handovers, lose)
    if (capacityOf(points) < Math.abs(start.sharedDelta!)) points = slidePoints(start.taken, handovers, lose, false)
    return slideCounts(start, spread(points), lose, runs)
  })
}

/**
 * The first `total` updates of the points' capacities, taken a level at a
 * time (one update from every point that has one, in the points' order, then
 * a second, …), as slides: point and accesses moved.
 */
export function allot(points: readonly SlidePoint[], total: number, lose: boolean): Array<{point: SlidePoint; moved: number}> {
  const units = new Array<number>(points.length).fill(0)
  let left = total
  for (let level = 1; left > 0; level++) {
    let any = false
    for (let i = 0; i < points.length && left > 0; i++) {
      if (points[i].capacity >= level) {
        units[i]++
        left--
        any = true
      }
    }
    if (!any) break
  }
  const slides: Array<{point: SlidePoint; moved: number}> = []
  units.forEach((k, i) => {
    if (k > 0) slides.push({point: points[i], moved: accessesFor(points[i], k, lose)})
  })
  return slides
}

/** The capacity of all points together. */
function capacityOf(points: readonly SlidePoint[]): number {
  return points.reduce((sum, point) => sum + point.capacity, 0)
}

/**
 * Accesses moved for k updates: k read-modify-writes, and where the long-turn
 * hart held back a write, that write first. Moved in front of a held read
 * (lose), the write then goes before the short-turn hart's and is lost in its
 * place: no change, so it comes on top of the k. Moved in front of no held
 * read (keep), it lands before the short-turn hart's read and is no longer
 * lost: it is one of the k.
 */
function accessesFor(point: SlidePoint, k: number, lose: boolean): number {
  return 2 * k + (lose ? point.held : -point.held)
}

/**
 * Slides of as many updates as a doubling and then a bisection on their
 * number find, towards the word's target. Returns the nearest run, `start`
 * if none came nearer.
 */
async function slideCounts(start: Evaluation, points: SlidePoint[], lose: boolean, runs: TriedRuns): Promise<Evaluation> {
  const most = capacityOf(points)
  // The word moves about one update per update moved: start at half of it, and double from there while it falls short.
  const guess = Math.min(most, Math.abs(start.sharedDelta!))
  const tried = await countSearch(start, runs, {
    most,
    first: Math.max(1, Math.floor(guess / 2)),
    path: n => withSlides(start.taken, allot(points, n, lose)),
    // Interpolated between the bracket's ends, with the midpoint beside it.
    between: (lo, hi, deltaLo, deltaHi) => [Math.min(hi - 1, Math.max(lo + 1, lo + Math.round(((hi - lo) * deltaLo) / (deltaLo - deltaHi)))), (lo + hi) >> 1],
  })
  return nearestMiss(tried, start)!
}

/**
 * Where slides can go in `path`: hand-overs from a hart (the long-turn one) to
 * another that hands back to it, where the other held back a write before its
 * turn and a read after it (lose: slides there lose updates) or the reverse
 * (keep), and the long-turn hart's next turn opens with continues to move.
 */
export function slidePoints(path: Path, handovers: Handovers, lose: boolean, exact = true): SlidePoint[] {
  const [before, after] = lose ? [1, 0] : [0, 1]
  const points: SlidePoint[] = []
  const {at, hart, next, held, nextHeld} = handovers
  for (let i = 0; i + 1 < at.length; i++) {
    if (nextHeld[i] !== before || held[i + 1] !== after) continue
    if (hart[i + 1] !== next[i] || next[i + 1] !== hart[i] || path[at[i]] !== YIELD) continue
    // The turn the accesses join must lose its updates (lose), or the one they leave must have lost them (keep): the
    // long-turn hart ends it holding back a read, its write done, so that the short-turn hart's write lands after.
    // Ended holding a write, its write lands last instead and that turn keeps its updates whatever moves.
    // (`exact` false: those too. Sliding the long-turn hart's held write in front of the short turn's write then
    // loses every update of the turn it ended, or saves the next turn's: tens at once.)
    if (exact && (lose ? held[i] !== 0 : i + 2 >= at.length || hart[i + 2] !== hart[i] || held[i + 2] !== 0)) continue
    const end = at[i + 1]
    const limit = i + 2 < at.length ? at[i + 2] : path.length
    let continues = 0
    while (end + 1 + continues < limit && path[end + 1 + continues] === CONTINUE) continues++
    // The accesses moved are the held one and continues after the short turn; the last moved is held back after it.
    const capacity = Math.floor((continues - (lose ? held[i] : -held[i])) / 2)
    if (capacity > 0) points.push({at: at[i], end, held: held[i], capacity})
  }
  return points
}

/**
 * `path` with each slide made: the long-turn hart goes on with `moved`
 * accesses where it yielded (the one it held back and the next moved − 1),
 * yields before the next, and the short turn follows as it was, so that
 * decisions [at, end + moved] become `1^moved 0` and the short turn's.
 */
export function withSlides(path: Path, slides: ReadonlyArray<{point: SlidePoint; moved: number}>): Path {
  const out = Uint8Array.from(path)
  for (const {point, moved} of slides) {
    const {at, end} = point
    out.copyWithin(at + moved + 1, at + 1, end + 1)
    out.fill(CONTINUE, at, at + moved)
    out[at + moved] = YIELD
  }
  return out
}
