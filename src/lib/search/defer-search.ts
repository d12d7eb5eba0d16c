// The defer search: a near miss whose shared words are right but one hart
// ends out of step with another, e.g. its last read of a counter came dozens
// of updates after the recording's, because the other hart, starved by the
// host at the end of the recorded interval, made its last increments after
// this one had stopped. The last j accesses a hart makes before its final
// turn are deferred: its last turns lose them and it makes them after the
// others, everything before staying as it was. The first differing word of
// the out-of-step hart's state (Evaluation.hartDelta) less the shared word's
// difference (sharedDelta) moves with j about one step per update, so a
// search along that line finds where it is zero. Which hart to defer is
// tried both ways.
//
// A held deferral is the other shape a stall at the end leaves: the other
// hart lost its core holding a read, the out-of-step hart ran its last
// updates meanwhile, and the holder's write back threw them away (race: a
// hart's last read thousands above the counter). Deferring the out-of-step
// hart's last j accesses and then the holder's last one to three (which of
// them leaves it holding a read depends on the loop) puts those j accesses
// inside the hold.

import type {Evaluation, Handovers} from './evaluator.js'
import type {Ledger} from './ledger.js'
import {CONTINUE, YIELD, type Path} from './path.js'
import {TriedRuns, type SplitTried} from './split-search.js'

/**
 * The first deferral tried, to see which move brings the word nearest: as
 * many accesses as the word is off (at least MIN_PROBE), since each update
 * deferred moves it by one, and a loop makes one or more accesses per update.
 * Deeper ones, PROBE_GROWTH times each, while none moves it, up to MAX_PROBE.
 */
const MIN_PROBE = 8
const PROBE_GROWTH = 8
const MAX_PROBE = 2 ** 24
/** How much deeper than the deepest count so far one step of the search goes at most. */
const MAX_STRETCH = 16
/** How much further past the target than it started a probe may go and still bracket it (see the probe). */
const MAX_OVERSHOOT = 4
/** The holder's last accesses a held deferral defers: 1 to this many. */
const MAX_HELD = 3

export interface DeferResult {
  /** Every run tried, with its evaluation. */
  tried: SplitTried[]
  /** The run whose words came nearest to the target's difference: where the swap search goes on from. */
  nearest?: Evaluation
}

/**
 * One way to defer, by a count: `hart`'s last `count` accesses past the
 * others' end (plain); that, and then the `holder`'s last `held` accesses
 * after them (held); or `hart`'s last `held` accesses past `count` of the
 * other hart's, where the run ends in a turn of `hart` (partial: its last
 * read of a counter comes that many of the other's accesses later, short of
 * the other's end).
 */
type Move =
  | {kind: 'plain'; hart: number}
  | {kind: 'held'; hart: number; holder: number; held: number}
  | {kind: 'partial'; hart: number; held: number}

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
  // The nearest run is one nearer than the start.
  const keepIfNearest = (evaluation: Evaluation, value: number): void => {
    if (Math.abs(value) < Math.abs(nearest?.value ?? startValue)) nearest = {evaluation, value}
  }

  // A deferral that cuts a hart's turn between its read of a word and its write back loses every update the
  // others make meanwhile; one access more or less does not. Each count is run with the next, and the one whose
  // shared words are nearer their targets stands for it. A held deferral goes on from the run that stood for its
  // count: the holder's last turn there is the run's last, and it yields `held` decisions before its end.
  // The run that stood for each (path kind, hart, count): a held deferral starts from its plain one.
  const standing = new Map<string, Evaluation | undefined>()
  const pathsFor = (move: Move, count: number): Path[] => {
    const paths = move.kind === 'partial'
      ? [count, count + 1].map(n => withPartialDeferral(start.taken, handovers.hart[0], move.hart, move.held, n))
      : [count, count + 1].map(n => withDeferred(start.taken, handovers, move.hart, n))
    return paths.filter((path): path is Path => path !== undefined)
  }
  const deferred = async (move: Move, count: number): Promise<Evaluation | undefined> => {
    const key = move.kind === 'partial' ? `partial ${move.held}:${move.hart}:${count}` : `plain:${move.hart}:${count}`
    if (!standing.has(key)) {
      const paths = pathsFor(move, count)
      if (paths.length === 0 || !runs.room()) return undefined
      const evaluations = await runs.run(paths.map(path => ({path})))
      const off = (evaluation: Evaluation): number => (evaluation.found ? -1 : Math.abs(evaluation.sharedDelta ?? 0))
      standing.set(key, evaluations.reduce((a, b) => (off(b) < off(a) ? b : a)))
    }
    const plain = standing.get(key)
    if (move.kind !== 'held' || !plain || plain.found) return plain
    const path = withHeldEnd(plain.taken, handovers.hart[0], move.holder, move.held)
    if (!path || !runs.room()) return undefined
    return (await runs.run([{path}]))[0]
  }
  const harts = [...new Set([...handovers.hart, ...handovers.next])].sort((a, b) => a - b)
  const moves: Move[] = harts.map(hart => ({kind: 'plain', hart}))
  // Which hart runs a turn follows from the yields before it only where two harts take turns.
  if (harts.length === 2) {
    const holder = harts.find(hart => hart !== first.hart)!
    for (let held = 1; held <= MAX_HELD; held++) moves.push({kind: 'held', hart: first.hart, holder, held})
    for (let held = 1; held <= MAX_HELD; held++) moves.push({kind: 'partial', hart: first.hart, held})
  }

  // Which move: at a probe count, the one that brings the word nearest (or across). A hart whose last accesses
  // ran after the others had stopped anyway changes nothing when they are deferred, so while no move changes
  // the word the probe is made again PROBE_GROWTH times as deep. (The probe is not the smallest count: deferring
  // a few accesses moves the word by a few whichever move it is.)
  let chosen: {move: Move; count: number; value: number} | undefined
  for (let probe = Math.max(MIN_PROBE, Math.abs(startValue)); !chosen && probe <= MAX_PROBE && runs.room(); probe *= PROBE_GROWTH) {
    let moved = false
    // A move that goes past the target, further than it started, but within MAX_OVERSHOOT times: it brackets the
    // target between no deferral and the probe, where the count search finds it (taken when no move comes nearer).
    let overshot: {move: Move; count: number; value: number} | undefined
    for (const move of moves) {
      const evaluation = await deferred(move, probe)
      if (ledger.found) return done()
      const value = evaluation && valueOf(evaluation)
      if (value === undefined) continue
      if (value !== startValue) moved = true
      keepIfNearest(evaluation!, value)
      const better = crossedAt(value) ? Math.abs(value) <= Math.abs(startValue) : Math.abs(value) < Math.abs(startValue)
      if (better && (!chosen || Math.abs(value) < Math.abs(chosen.value))) chosen = {move, count: probe, value}
      else if (!better && crossedAt(value) && Math.abs(value) <= MAX_OVERSHOOT * Math.abs(startValue) && (!overshot || Math.abs(value) < Math.abs(overshot.value))) {
        overshot = {move, count: probe, value}
      }
    }
    chosen ??= overshot
    if (moved && !chosen) break
  }
  if (!chosen) return done()
  await searchCount(chosen)
  return done()

  /**
   * Each deferred access moves the value by about as much as the last ones did: from the deepest count tried,
   * on along the line through the two deepest (at least twice as deep, at most MAX_STRETCH times) until the
   * value crosses zero, then regula falsi (Illinois) between the counts on either side of it.
   */
  async function searchCount({move, count, value}: {move: Move; count: number; value: number}): Promise<void> {
    const values = new Map<number, number | undefined>([[0, startValue], [count, value]])
    const runAt = async (n: number): Promise<boolean> => {
      if (values.has(n)) return true
      const evaluation = await deferred(move, n)
      if (!evaluation) return false
      const v = valueOf(evaluation)
      values.set(n, v)
      if (v !== undefined) keepIfNearest(evaluation, v)
      return !ledger.found
    }
    const known = (): Array<[number, number]> => [...values].filter((e): e is [number, number] => e[1] !== undefined).sort((x, y) => x[0] - y[0])
    let hi = -1
    for (;;) {
      const points = known()
      const crossed = points.find(([, v]) => crossedAt(v))
      if (crossed) {
        hi = crossed[0]
        break
      }
      if (!runs.room()) return
      const [c0, v0] = points[points.length - 2]
      const [c1, v1] = points[points.length - 1]
      const reach = v0 !== v1 ? c1 + Math.ceil(((c1 - c0) * v1) / (v0 - v1)) : Infinity
      const next = Math.min(c1 * MAX_STRETCH, Math.max(c1 * 2, reach))
      if (values.has(next) || !(await runAt(next))) return
    }
    let lo = Math.max(0, ...known().filter(([n]) => n < hi).map(([n]) => n))
    // Illinois: an end that stays put twice running has its value halved for the line.
    let fLo = values.get(lo)
    let fHi = values.get(hi)
    let kept: 'lo' | 'hi' | undefined
    while (hi > lo + 1 && values.get(hi) !== 0 && runs.room()) {
      const line = fLo !== undefined && fHi !== undefined && fLo !== fHi ? Math.round(lo + ((hi - lo) * fLo) / (fLo - fHi)) : (lo + hi) >> 1
      const mid = Math.min(hi - 1, Math.max(lo + 1, line))
      if (!(await runAt(mid))) return
      const v = values.get(mid)
      if (crossedAt(v)) {
        hi = mid
        fHi = v
        if (kept === 'lo' && fLo !== undefined) fLo /= 2
        kept = 'lo'
      } else {
        lo = mid
        fLo = v
        if (kept === 'hi' && fHi !== undefined) fHi /= 2
        kept = 'hi'
      }
    }
  }
}

/**
 * `path` (a run of two harts taking turns, `firstOwner` running the first,
 * the last turn `hart`'s) with `hart`'s last `held` accesses deferred past
 * `past` accesses of the other hart, short of the other's end. Where the last
 * turn holds at least `held` decisions, it yields `held` decisions before its
 * end, the other hart makes `past` accesses and yields, and `hart` goes on.
 * Where it holds `held - 1` (the access it held back when it last yielded
 * counts too), the other hart's turn before it makes `past` more accesses
 * before its yield. Undefined otherwise, and for more accesses past than the
 * path has decisions.
 */
export function withPartialDeferral(path: Path, firstOwner: number, hart: number, held: number, past: number): Path | undefined {
  if (!ownsLastTurn(path, firstOwner, hart) || past > path.length) return undefined
  const lastYield = path.lastIndexOf(YIELD)
  const own = path.length - lastYield - 1
  if (own >= held) {
    const out = new Uint8Array(path.length - held + past + 2).fill(CONTINUE)
    out.set(path.subarray(0, path.length - held))
    out[path.length - held] = YIELD
    out[out.length - 1] = YIELD
    return out
  }
  if (own !== held - 1 || lastYield < 0) return undefined
  const out = new Uint8Array(path.length + past).fill(CONTINUE)
  out.set(path.subarray(0, lastYield))
  out[lastYield + past] = YIELD
  out.set(path.subarray(lastYield + 1), lastYield + past + 1)
  return out
}

/** Whether `hart` runs the last turn of `path`, two harts taking turns and `firstOwner` running the first. */
function ownsLastTurn(path: Path, firstOwner: number, hart: number): boolean {
  let yields = 0
  for (const bit of path) if (bit === YIELD) yields++
  return (yields % 2 === 0) === (hart === firstOwner)
}

/**
 * `path` (a run of two harts taking turns, `firstOwner` running the first)
 * with the last `held` decisions of its last turn deferred: where that turn
 * is `holder`'s, it yields `held` decisions before its end, the other hart
 * runs to its end, and the holder makes those accesses last. Undefined where
 * the last turn is the other hart's or holds fewer than `held` decisions.
 */
export function withHeldEnd(path: Path, firstOwner: number, holder: number, held: number): Path | undefined {
  if (!ownsLastTurn(path, firstOwner, holder) || path.length - path.lastIndexOf(YIELD) - 1 < held) return undefined
  const out = Uint8Array.from(path.subarray(0, path.length - held + 1))
  out[out.length - 1] = YIELD
  return out
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
