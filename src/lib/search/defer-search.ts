// The defer search: a near miss whose shared words are right but one hart
// ends out of step with another, e.g. its last read of a counter came dozens
// of updates after the recording's, because the other hart, starved by the
// host at the end of the recorded interval, made its last increments after
// this one had stopped. The last j accesses a hart makes before its final
// turn are deferred: its last turns lose them and it makes them after the
// others, everything before staying as it was. The first differing word of
// the out-of-step hart's state (Evaluation.hartDelta) less the shared word's
// difference (sharedDelta) moves with j one step at a time, so a doubling and
// then a bisection on j find where it is zero. Which hart to defer is tried
// both ways.

import type {Evaluation, Handovers} from './evaluator.js'
import type {Ledger} from './ledger.js'
import {CONTINUE, YIELD, type Path} from './path.js'
import {TriedRuns, type SplitTried} from './split-search.js'

/** The first deferral tried for each hart, to see which way the word goes. */
const PROBE = 8

export interface DeferResult {
  /** Every run tried, with its evaluation. */
  tried: SplitTried[]
  /** The run whose words came nearest to the target's difference: where the swap search goes on from. */
  nearest?: Evaluation
}

/**
 * From `base` (a run whose first differing state is a hart's word), at most
 * `steps` runs.
 */
export async function searchDefer(ledger: Ledger, base: Pick<Evaluation, 'taken' | 'hartDelta'>, steps: number): Promise<DeferResult> {
  const runs = new TriedRuns(ledger, steps)
  let nearest: {evaluation: Evaluation; value: number} | undefined
  const done = (): DeferResult => ({tried: runs.tried, ...(nearest ? {nearest: nearest.evaluation} : {})})
  const first = base.hartDelta
  if (!first || first.delta === 0 || steps < 2 || ledger.stopReason()) return done()
  const [start] = await runs.run([{path: base.taken, handovers: true}])
  const handovers = start.handovers
  if (start.found || !handovers || start.hartDelta?.hart !== first.hart || start.hartDelta.delta !== first.delta) return done()
  // What the deferral moves: the hart's word against the shared word. Deferring another hart's last accesses
  // past this hart's end takes as many updates out of what this hart saw as it adds after it, and the lost
  // updates the deferred accesses had been part of with them; the swap search settles those afterwards, moving
  // both words alike.
  // (Runs scored before hartDeltas: a hart before this one that differs first leaves it unknown.)
  const hartWord = (evaluation: Evaluation): number | undefined => {
    if (evaluation.hartDelta === undefined) return 0
    if (evaluation.hartDeltas) return evaluation.hartDeltas[first.hart] ?? undefined
    return evaluation.hartDelta.hart > first.hart ? 0 : evaluation.hartDelta.hart === first.hart ? evaluation.hartDelta.delta : undefined
  }
  const valueOf = (evaluation: Evaluation): number | undefined => {
    if (evaluation.found) return 0
    const word = hartWord(evaluation)
    return word === undefined ? undefined : word - (evaluation.sharedDelta ?? 0)
  }
  const startValue = valueOf(start)
  if (startValue === undefined || startValue === 0) return done()
  const sign = Math.sign(startValue)
  const crossedAt = (value: number | undefined): boolean => value !== undefined && (value === 0 || Math.sign(value) !== sign)
  const keepIfNearest = (evaluation: Evaluation, value: number): void => {
    if (!nearest || Math.abs(value) < Math.abs(nearest.value)) nearest = {evaluation, value}
  }

  // A deferral that cuts a hart's turn between its read of a word and its write back loses every update the
  // others make meanwhile; one access more or less does not. Each count is run with the next, and the one whose
  // shared words are nearer their targets stands for it.
  const deferred = async (hart: number, count: number): Promise<Evaluation | undefined> => {
    const paths = [count, count + 1].map(n => withDeferred(start.taken, handovers, hart, n)).filter((path): path is Path => path !== undefined)
    if (paths.length === 0 || !runs.room()) return undefined
    const evaluations = await runs.run(paths.map(path => ({path})))
    const off = (evaluation: Evaluation): number => (evaluation.found ? -1 : Math.abs(evaluation.sharedDelta ?? 0))
    return evaluations.reduce((a, b) => (off(b) < off(a) ? b : a))
  }
  // Which hart: the one whose deferral brings the word nearer (or across).
  const harts = [...new Set([...handovers.hart, ...handovers.next])].sort((a, b) => a - b)
  let hart = -1
  let probe: number | undefined
  for (const candidate of harts) {
    const evaluation = await deferred(candidate, PROBE)
    if (ledger.found) return done()
    const value = evaluation && valueOf(evaluation)
    if (value !== undefined && (crossedAt(value) || Math.abs(value) < Math.abs(startValue))) {
      hart = candidate
      probe = value
      keepIfNearest(evaluation!, value)
      break
    }
  }
  if (hart < 0) return done()
  const values = new Map<number, number | undefined>([[0, startValue], [PROBE, probe]])
  const runAt = async (count: number): Promise<boolean> => {
    if (values.has(count)) return true
    const evaluation = await deferred(hart, count)
    if (!evaluation) return false
    const value = valueOf(evaluation)
    values.set(count, value)
    if (value !== undefined) keepIfNearest(evaluation, value)
    return true
  }
  // Doubling from the probe until the word crosses its target, then a bisection.
  let lo = 0
  let hi = -1
  for (let count = PROBE; runs.room(); count *= 2) {
    if (!(await runAt(count))) break
    if (crossedAt(values.get(count))) {
      hi = count
      break
    }
    if (values.get(count) !== undefined) lo = count
  }
  while (hi > lo + 1 && values.get(hi) !== 0 && runs.room()) {
    const mid = (lo + hi) >> 1
    await runAt(mid)
    if (crossedAt(values.get(mid))) hi = mid
    else lo = mid
  }

  return done()
}

/**
 * `path` with the last `count` accesses `hart` makes while another hart still
 * runs deferred until the others are done. Where the run ends in a turn of
 * that hart, the turn yields `count` decisions before its end (the others then
 * run on to theirs). Otherwise, and for what that turn has too few of, its
 * last turns lose them: the decisions before a turn's yield, and where those
 * are too few, the whole turn (its held-over first access with it), the turns
 * of the hart before and after it joined. Undefined where the hart's turns
 * hold fewer, or a turn to take out does not lie between two turns of one
 * hart.
 */
export function withDeferred(path: Path, handovers: Handovers, hart: number, count: number): Path | undefined {
  const {at} = handovers
  // Decisions [from, to) are taken out; `joined`: yields that become continues; `yieldAtEnd`: the path ends in a yield.
  const cuts: Array<{from: number; to: number}> = []
  const joined: number[] = []
  let yieldAtEnd = false
  let remaining = count
  const last = at.length - 1
  if (last >= 0 && handovers.next[last] === hart) {
    const start = at[last] + 1
    const own = path.length - start
    if (remaining <= own) {
      cuts.push({from: path.length - remaining, to: path.length})
      yieldAtEnd = true
      remaining = 0
    } else {
      // The other hart goes on where it yielded to this one, to its end: its yield and all after it go.
      cuts.push({from: at[last], to: path.length})
      remaining -= own + 1
    }
  }
  for (let k = last; k >= 0 && remaining > 0; k--) {
    if (handovers.hart[k] !== hart) continue
    const start = k === 0 ? 0 : at[k - 1] + 1
    const own = at[k] - start
    if (remaining <= own) {
      cuts.push({from: at[k] - remaining, to: at[k]})
      remaining = 0
      break
    }
    if (k === 0 || handovers.hart[k - 1] !== handovers.next[k]) return undefined
    cuts.push({from: start, to: at[k] + 1})
    joined.push(at[k - 1])
    remaining -= own + 1
  }
  if (remaining > 0) return undefined
  const out = Uint8Array.from(path)
  for (const yieldAt of joined) out[yieldAt] = CONTINUE
  cuts.sort((a, b) => a.from - b.from)
  const kept = new Uint8Array(path.length - cuts.reduce((n, cut) => n + cut.to - cut.from, 0) + (yieldAtEnd ? 1 : 0))
  let to = 0
  let from = 0
  for (const cut of cuts) {
    kept.set(out.subarray(from, cut.from), to)
    to += cut.from - from
    from = cut.to
  }
  kept.set(out.subarray(from), to)
  if (yieldAtEnd) kept[kept.length - 1] = YIELD
  return kept
}
