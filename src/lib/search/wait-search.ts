// The wait search: a near miss in which a hart's work ends short of its
// target, or past it, because it spent another number of instructions in a
// wait than the recording did. race's first loop interval: in the recording
// hart 1 spun 4.5 million instructions at the start barrier while hart 0
// printed; the pace has the run's hart 1 spin a fraction of a percent longer,
// so it starts its loop later and, with the same budget, ends 4004 turns of
// it short. The swaps then settle the counter by losing fewer updates, and
// every shared word is right while hart 1's loop index is not. No flip or
// swap changes that: it takes the wait made shorter, with every decision
// after it kept, which leaves the hart its work at the end; the counter then
// comes out as many updates high, for the swaps and slides to lose again.

import type {Evaluation} from './evaluator.js'
import type {Ledger} from './ledger.js'
import {CONTINUE} from './path.js'
import {TriedRuns, type SplitTried} from './split-search.js'

/** A hart's longest turns the search tries as its wait, per hart that differs. */
const TURNS_PER_HART = 2

/** Decisions the first try at each aim takes out (fewer if its turns have fewer). */
const PROBE = 1024

/** A run whose word is still more than a quarter of its first distance off is not worth settling from. */
const NEAR_SHARE = 4

/** Decisions a step puts into a turn at most. */
const MAX_PUT_IN = 1 << 22

/**
 * Aims that run side by side, a run each per batch, in order (the hart's own
 * turns first): fixed, not the evaluator's concurrency, so that the search
 * gives the same result on any number of workers.
 */
const PER_BATCH = 2

/** Runs per aim, the first try among them, that aim the count at the word's target. */
const AIM_STEPS = 5

/**
 * A wait search: every run it made, and the runs to settle from: those that
 * brought a differing hart's word right, nearest in the shared word first
 * (the number that made it right and its neighbours may leave the hart a
 * decision off either way, so there can be several); without one, the run
 * whose word came nearest.
 */
export interface WaitResult {
  tried: SplitTried[]
  settleFrom: Evaluation[]
}

/**
 * From `base`, for each hart whose state differs, changes of the length of
 * turns (runs of a hart's own decisions up to its yield, in a run of
 * `base.taken` asked for its hand-overs) by a number of decisions taken out
 * or put in just before their yields, everything after them kept:
 * - each of the hart's own longest turns alone: a wait of another length.
 *   A spin's turns change nothing but the hart's count, so the hart's
 *   differing word (a loop index) moves in proportion to the number, and the
 *   hart's work left over at the end takes the place of the spin taken out;
 * - each other hart's turns before the hart's last yield, the latest first:
 *   the other hart's work moved past the hart's last turn, so that the hart
 *   ran its last turns earlier in the other's work. race with hart 1 stalled
 *   by the host holding its read of the counter while hart 0 ran most of its
 *   loop: hart 1's last read is 75 000 updates late in a run that paces the
 *   stall as a crawl.
 * A first try takes PROBE out, and then each step aims by the line through
 * the last two tries (the secant), watching the hart's differing word
 * (Candidate.watch) whatever else differs first, until it is right, at most
 * AIM_STEPS runs; then the numbers one either side of the one that made it
 * right. At most `steps` runs in all. Two aims at a time run side by side,
 * one run each per batch.
 */
export async function searchWaits(ledger: Ledger, base: Pick<Evaluation, 'taken' | 'hartDeltas' | 'hartWords'>, steps: number): Promise<WaitResult> {
  const runs = new TriedRuns(ledger, steps)
  const aligned: Evaluation[] = []
  let near: {evaluation: Evaluation; delta: number} | undefined
  const done = (): WaitResult => {
    const settleFrom = aligned.length > 0 ? aligned.sort((a, b) => distance(a) - distance(b)) : near ? [near.evaluation] : []
    return {tried: runs.tried, settleFrom}
  }
  const path = base.taken
  if (!base.hartDeltas || !base.hartWords || !runs.room()) return done()
  const [start] = await runs.run([{path, handovers: true}])
  const handovers = start.handovers
  if (start.found || !handovers) return done()
  const aims: Aim[] = []
  base.hartDeltas.forEach((delta, hart) => {
    const word = base.hartWords![hart]
    if (typeof delta !== 'number' || delta === 0 || word < 0) return
    const aim = (turns: Turn[]): Aim => ({hart, word, turns, capacity: capacityOf(turns), tries: [{out: 0, delta}], steps: 0})
    for (const turn of longestTurns(handovers.at, handovers.hart, hart, TURNS_PER_HART)) aims.push(aim([turn]))
    const last = lastYield(handovers.at, handovers.hart, hart)
    for (let other = 0; other < base.hartDeltas!.length; other++) {
      const before = other === hart ? [] : turnsBefore(handovers.at, handovers.hart, other, last)
      if (before.length > 0) aims.push(aim(before))
    }
  })
  for (;;) {
    for (let i = aims.length - 1; i >= 0; i--) if (nextOut(aims[i]) === undefined) aims.splice(i, 1)
    if (aims.length === 0 || !runs.room() || ledger.found) break
    const batch = aims.slice(0, Math.min(runs.left, PER_BATCH)).map(aim => ({aim, out: nextOut(aim)!}))
    const evaluations = await runs.run(batch.map(({aim, out}) => ({path: turnsChanged(path, aim.turns, out), watch: {hart: aim.hart, offset: aim.word}})))
    batch.forEach(({aim, out}, i) => {
      const evaluation = evaluations[i]
      const delta = evaluation.watched
      if (aim.neighbours) aim.neighbours.shift()
      else aim.steps++
      if (typeof delta !== 'number') {
        aim.steps = AIM_STEPS
        aim.neighbours = undefined
        return
      }
      aim.tries.push({out, delta})
      if (delta === 0) {
        aligned.push(evaluation)
        // Right in its word, and maybe a decision off in all else (a spin's turn and the loop's differ in length): the
        // numbers on either side too, once.
        aim.neighbours ??= [out - 1, out + 1].filter(n => n <= aim.capacity && !aim.tries.some(t => t.out === n))
        aim.steps = AIM_STEPS
      } else if (Math.abs(delta) * NEAR_SHARE <= Math.abs(aim.tries[0].delta) && (!near || Math.abs(delta) < near.delta)) {
        near = {evaluation, delta: Math.abs(delta)}
      }
    })
  }
  return done()
}

/** How far a run's shared word is off (0 when every shared word matches). */
function distance(run: Evaluation): number {
  return Math.abs(run.sharedDelta ?? 0)
}

/** A turn of a hart: the index of the yield that ends it, and the hart's decisions before that in the turn. */
export interface Turn {
  yieldAt: number
  decisions: number
}

/** What the search aims: the hart and the word it follows, the turns it changes (in the order it takes from them) and all they hold, and its tries. */
interface Aim {
  hart: number
  word: number
  turns: Turn[]
  capacity: number
  tries: Array<{out: number; delta: number}>
  steps: number
  /** Once the word is right: the numbers next to the one that made it so, still to try. */
  neighbours?: number[]
}

/**
 * The number of decisions to take out of the aim's turns next (negative:
 * put in), undefined when there is none to try: the neighbours once the
 * word is right; else, within AIM_STEPS, first PROBE (at most what the
 * turns hold), then the secant through the last two tries, which needs
 * their words to differ and the aim to be new and no more than the turns
 * hold.
 */
function nextOut(aim: Aim): number | undefined {
  const {tries} = aim
  if (aim.neighbours) return aim.neighbours[0]
  if (aim.steps >= AIM_STEPS) return undefined
  if (tries.length === 1) return Math.min(PROBE, aim.capacity) || undefined
  const [a, b] = tries.slice(-2)
  if (a.delta === b.delta) return undefined
  const out = Math.round(b.out - (b.delta * (b.out - a.out)) / (b.delta - a.delta))
  if (out > aim.capacity || out < -MAX_PUT_IN || tries.some(t => t.out === out)) return undefined
  return out
}

/** The turns of a run's hand-overs (`at`, `harts`: see Handovers) that `hart` ended with a yield, in the run's order; turns with no decisions before the yield are left out. */
function turnsOf(at: ArrayLike<number>, harts: ArrayLike<number>, hart: number): Turn[] {
  const turns: Turn[] = []
  for (let i = 0; i < at.length; i++) {
    if (harts[i] !== hart) continue
    const decisions = i === 0 ? at[0] : at[i] - at[i - 1] - 1
    if (decisions > 0) turns.push({yieldAt: at[i], decisions})
  }
  return turns
}

/** A hart's `count` longest turns in a run (see turnsOf), longest first. */
export function longestTurns(at: ArrayLike<number>, harts: ArrayLike<number>, hart: number, count: number): Turn[] {
  return turnsOf(at, harts, hart)
    .sort((a, b) => b.decisions - a.decisions || a.yieldAt - b.yieldAt)
    .slice(0, count)
}

/** A hart's turns (see turnsOf) that end before decision `before`, the latest first. */
export function turnsBefore(at: ArrayLike<number>, harts: ArrayLike<number>, hart: number, before: number): Turn[] {
  return turnsOf(at, harts, hart)
    .filter(turn => turn.yieldAt < before)
    .reverse()
}

/** The index of `hart`'s last yield in a run's hand-overs; -1 if it never yielded. */
function lastYield(at: ArrayLike<number>, harts: ArrayLike<number>, hart: number): number {
  for (let i = at.length - 1; i >= 0; i--) if (harts[i] === hart) return at[i]
  return -1
}

/** The most decisions turnsChanged takes out of `turns`. */
export function capacityOf(turns: readonly Turn[]): number {
  if (turns.length === 1) return turns[0].decisions
  return turns.reduce((n, turn) => n + turn.decisions - (turn.decisions % 2), 0)
}

/**
 * `path` with `out` decisions (at most capacityOf(turns)) taken out of `turns`, just before their
 * yields: from each in order as many as it holds, rounded down to an even
 * number (a hart that reads and writes back in turn keeps the access it
 * yields at), the last one the rest. Negative: that many continues put into
 * the first turn.
 */
export function turnsChanged(path: Uint8Array, turns: readonly Turn[], out: number): Uint8Array {
  const cuts = new Map<number, number>()
  if (out < 0) cuts.set(turns[0].yieldAt, out)
  let left = out
  for (const turn of turns) {
    if (left <= 0) break
    const take = left <= turn.decisions ? left : turn.decisions - (turn.decisions % 2)
    if (take > 0) cuts.set(turn.yieldAt, take)
    left -= take
  }
  const changed = new Uint8Array(path.length - out)
  let from = 0
  let to = 0
  for (const at of [...cuts.keys()].sort((a, b) => a - b)) {
    const cut = cuts.get(at)!
    const keep = cut >= 0 ? at - cut : at
    changed.set(path.subarray(from, keep), to)
    to += keep - from
    if (cut < 0) {
      changed.fill(CONTINUE, to, to - cut)
      to -= cut
    }
    from = at
  }
  changed.set(path.subarray(from), to)
  return changed
}
