// The split share of a seed (PaceTail.split), searched for. Truly parallel
// harts incrementing a shared counter without a lock lose a few updates: a
// hart reads the word, the other writes it, the first writes back. A paced
// run switches harts at shared accesses, and a switch that falls between a
// hart's read and its write back loses every update the other hart makes
// meanwhile, so a run that splits every such read-modify-write its pace
// reaches loses far more updates than the recording did (race: 12 % against
// under 1 %), and one that splits none loses none. The share of splits moves
// the counter between the two nearly monotonically, and the run's end state
// says which way to go: the first differing word of a shared page, run minus
// target (Evaluation.sharedDelta). So when the two ends of the share leave
// that word on either side of its target, a bracketing search on the share
// (regula falsi, Illinois variant, with a bisection beside it) finds the
// share where it lands.

import type {Candidate, ElasticTail, Evaluation, PaceTail} from './evaluator.js'
import type {Ledger} from './ledger.js'
import {CONTINUE, YIELD} from './path.js'

export interface SplitTried {
  candidate: Candidate
  evaluation: Evaluation
}

/** The runs of one of the searches that follow the GA's seeds, counted against its budget and kept with their evaluations. */
export class TriedRuns {
  readonly tried: SplitTried[] = []

  constructor(
    private readonly ledger: Ledger,
    private budget: number,
  ) {}

  /** Runs left in the budget, and the ledger not saying stop. */
  room(): boolean {
    return this.budget > 0 && !this.ledger.stopReason()
  }

  get left(): number {
    return this.budget
  }

  async run(candidates: Candidate[]): Promise<Evaluation[]> {
    this.budget -= candidates.length
    const evaluations = await this.ledger.evaluate(candidates)
    evaluations.forEach((evaluation, i) => this.tried.push({candidate: candidates[i], evaluation}))
    return evaluations
  }
}

/**
 * Candidates each round of these searches runs side by side. Fixed, not the
 * evaluator's concurrency, so that a search gives the same result on any
 * number of workers; two keeps both cores of a small machine busy.
 */
const POINTS_PER_ROUND = 2

/** Shares closer than this are the same schedule for any interval this search meets (the draws are 32-bit). */
const MIN_WIDTH = 2 ** -30

/**
 * Runs `candidates`, adds each with its evaluation to `tried`, and returns
 * their shared deltas. A run whose shared pages all match has nothing left
 * for these searches to do: it counts as on target, 0.
 */
async function runDeltas(ledger: Ledger, candidates: Candidate[], tried: SplitTried[]): Promise<number[]> {
  const evaluations = await ledger.evaluate(candidates)
  evaluations.forEach((evaluation, i) => tried.push({candidate: candidates[i], evaluation}))
  return evaluations.map(evaluation => (evaluation.found ? 0 : evaluation.sharedDelta ?? 0))
}

/**
 * Runs `seed`'s tail (a pace or elastic tail on an empty path) at other split
 * shares, at most `steps` of them, until one reaches the target, the bracket
 * closes or the ledger says stop. Returns every candidate tried with its
 * evaluation, best or not.
 */
export async function searchSplit(ledger: Ledger, seed: SplitTried, steps: number): Promise<SplitTried[]> {
  const tried: SplitTried[] = []
  const tail = seed.candidate.tail as PaceTail | ElasticTail
  const run = (shares: number[]): Promise<number[]> =>
    runDeltas(ledger, shares.map(split => ({path: new Uint8Array(0), tail: {...tail, split}})), tried)
  const split = tail.split ?? 1
  const known = seed.evaluation.sharedDelta
  if (known === undefined || known === 0 || steps <= 0 || ledger.stopReason()) return tried
  // The other end of the share from the seed's.
  const other = split >= 0.5 ? 0 : 1
  const [otherDelta] = await run([other])
  if (otherDelta === 0 || Math.sign(otherDelta) === Math.sign(known)) return tried

  let lo = Math.min(split, other)
  let hi = Math.max(split, other)
  let fLo = split < other ? known : otherDelta
  let fHi = split < other ? otherDelta : known
  // Illinois: the end kept twice in a row has its value halved, so the next interpolation moves off it.
  let kept: 'lo' | 'hi' | undefined
  for (let step = 1; step < steps && hi - lo > MIN_WIDTH && !ledger.stopReason(); ) {
    const shares = [lo + (hi - lo) * (fLo / (fLo - fHi))]
    shares.push((lo + hi) / 2)
    const deltas = await run(shares)
    step += shares.length
    if (deltas.some(delta => delta === 0)) break
    // The tightest bracket the new points give.
    const points = [
      {share: lo, delta: fLo},
      {share: hi, delta: fHi},
      ...shares.map((share, i) => ({share, delta: deltas[i]})),
    ].sort((a, b) => a.share - b.share)
    let next: {lo: number; fLo: number; hi: number; fHi: number} | undefined
    for (let i = 0; i + 1 < points.length && !next; i++) {
      if (Math.sign(points[i].delta) !== Math.sign(points[i + 1].delta)) {
        next = {lo: points[i].share, fLo: points[i].delta, hi: points[i + 1].share, fHi: points[i + 1].delta}
      }
    }
    if (!next) break
    const movedLo = next.lo !== lo
    const movedHi = next.hi !== hi
    ;({lo, fLo, hi, fHi} = next)
    if (movedLo && !movedHi) {
      if (kept === 'hi') fHi /= 2
      kept = 'hi'
    } else if (movedHi && !movedLo) {
      if (kept === 'lo') fLo /= 2
      kept = 'lo'
    } else {
      kept = undefined
    }
  }
  return tried
}

/**
 * Settles a counter the split share left just off its target. `over` is a
 * run that lost too many updates or too few (its sharedDelta has one sign),
 * `under` the share's other end, whose delta has the other. A run that takes
 * the first c decisions of `over` and then goes on with `under`'s tail makes
 * the updates `over` lost up to there and, after, what that tail makes, so
 * its delta goes from `under`'s (c = 0) to `over`'s (all of them) in steps of
 * one split each. A bisection on c finds the split where it crosses. The
 * other hart's turn after that split is then cut short by a bisection on its
 * length, and from the nearest run short of the target single splits of short
 * turns further on make up the rest.
 */
export async function searchCut(ledger: Ledger, over: SplitTried, under: SplitTried, steps: number): Promise<SplitTried[]> {
  const tried: SplitTried[] = []
  const path = over.evaluation.elasticDecisions ?? over.evaluation.taken
  const tail = under.candidate.tail
  const overDelta = over.evaluation.sharedDelta
  const underDelta = under.evaluation.sharedDelta
  if (!tail || overDelta === undefined || underDelta === undefined || Math.sign(overDelta) === Math.sign(underDelta)) return tried
  const sign = Math.sign(underDelta)
  let budget = steps
  const run = (candidates: Candidate[]): Promise<number[]> => {
    budget -= candidates.length
    return runDeltas(ledger, candidates, tried)
  }
  const room = (): number => (ledger.stopReason() ? 0 : budget)
  // The runs at each number of decisions kept; none kept is the under run itself.
  const kept = new Map<number, SplitTried>([[0, under]])
  const cut = await narrow(0, path.length, sign, room, async points => {
    const deltas = await run(points.map(c => ({path: path.slice(0, c), tail})))
    points.forEach((c, i) => kept.set(c, tried[tried.length - points.length + i]))
    return deltas
  })
  if (!cut || cut.hi - cut.lo !== 1) return tried
  const {lo, hi} = cut
  // The split at decision lo loses more updates than are missing: all the other hart makes in the turn it runs
  // then. Cut that turn short: the other hart yields after j of its decision points, and the updates the split
  // loses grow with j one at a time, so a bisection on j looks for the turn that loses just enough. (Not strictly:
  // the other hart yielding between its own read and write loses updates too, and then the bisection can miss.)
  let base = kept.get(lo)
  let from = lo + 1
  const turn = kept.get(hi)
  const crossing = turn && (turn.evaluation.elasticDecisions ?? turn.evaluation.taken)
  if (crossing && crossing[lo] === YIELD) {
    let end = lo + 1
    while (end < crossing.length && crossing[end] === CONTINUE) end++
    // j = 0: the other hart yields at its first decision point; j = end - lo - 1: the turn as it was.
    const shortened = await narrow(0, end - lo - 1, sign, room, async points => {
      const deltas = await run(points.map(j => ({path: Uint8Array.from(crossing.subarray(0, lo + 2 + j)).fill(YIELD, lo + 1 + j), tail})))
      // The nearest run on the under side so far is where the single splits below go on from.
      const crossed = deltas.findIndex(delta => Math.sign(delta) !== sign)
      const last = crossed < 0 ? points.length - 1 : crossed - 1
      if (last >= 0) {
        base = tried[tried.length - points.length + last]
        from = lo + 2 + points[last]
      }
      return deltas
    })
    if (!shortened) return tried
  }
  // Then split single turns of the base's tail, which splits nothing: a yield moved one decision point earlier,
  // onto the write it came just after. That loses what the other hart does in the one turn it then runs, often a
  // single update. Each round tries the next few such yields and keeps the one that comes closest without going
  // past. After SINGLE_MISSES rounds in a row with none nearer, the swap search (settle.ts) is the better tool
  // for what is left: it moves the word an update at a time from anywhere in the run.
  let delta = base?.evaluation.sharedDelta
  let misses = 0
  while (base && delta !== undefined && room() > 0 && misses < SINGLE_MISSES) {
    const decisions = base.evaluation.elasticDecisions ?? base.evaluation.taken
    const positions: number[] = []
    for (let p = Math.max(1, from); p < decisions.length && positions.length < Math.min(2 * POINTS_PER_ROUND, budget); p++) {
      if (decisions[p] === YIELD && decisions[p - 1] === CONTINUE) positions.push(p)
    }
    if (positions.length === 0) break
    const deltas = await run(positions.map(p => ({path: Uint8Array.from(decisions.subarray(0, p)).fill(YIELD, p - 1), tail})))
    if (deltas.some(d => d === 0)) break
    const start = tried.length - positions.length
    let best = -1
    deltas.forEach((d, i) => {
      if (Math.sign(d) === Math.sign(delta!) && Math.abs(d) < Math.abs(delta!) && (best < 0 || Math.abs(d) < Math.abs(deltas[best]))) best = i
    })
    from = best < 0 ? positions.at(-1)! + 1 : positions[best] + 1
    if (best < 0) {
      misses++
      continue
    }
    misses = 0
    base = tried[start + best]
    delta = deltas[best]
  }
  return tried
}

/** Rounds of single splits in a row that come no nearer before they stop. */
const SINGLE_MISSES = 4

/**
 * Narrows a bracket [lo, hi] whose lo end lies on the `sign` side of the
 * target and whose hi end does not: each round runs `round` at up to
 * POINTS_PER_ROUND points between, as many as `room` allows, and the first
 * point that left the `sign` side closes the bracket from above. Returns the
 * bracket, or undefined when a run reached the target (delta 0).
 */
async function narrow(
  lo: number,
  hi: number,
  sign: number,
  room: () => number,
  round: (points: number[]) => Promise<number[]>,
): Promise<{lo: number; hi: number} | undefined> {
  for (let left = room(); hi - lo > 1 && left > 0; left = room()) {
    const count = Math.min(POINTS_PER_ROUND, hi - lo - 1, left)
    const points = Array.from({length: count}, (_, i) => lo + Math.round(((i + 1) * (hi - lo)) / (count + 1)))
    const deltas = await round(points)
    if (deltas.some(delta => delta === 0)) return undefined
    const crossed = deltas.findIndex(delta => Math.sign(delta) !== sign)
    if (crossed < 0) lo = points[count - 1]
    else {
      hi = points[crossed]
      if (crossed > 0) lo = points[crossed - 1]
    }
  }
  return {lo, hi}
}
