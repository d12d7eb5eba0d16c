// The spin search: a near miss in which a hart ends a few instructions off
// inside its loop, every register but the pc right, because it spun another
// number of turns in its waits than the recording did, by a number no single
// wait's turns make up. race's first loop interval: hart 1 waits for the boot
// (a spin of 2 instructions a turn), then at the start barrier (3 a turn),
// then counts; the run has it end one instruction ahead. One turn more at the
// barrier and one fewer in the boot wait (3 - 2) puts it where the recording
// had it. A spin's turns change nothing but the hart's count, so such a trade
// leaves the other harts' work alone; what the hart did last may then have
// read or written another value (a counter a few updates off, a loaded value
// of another moment), which the settling searches take from there.
//
// The hand-overs say where a hart's spins are: its yields at one pc, each a
// whole number of one length of instructions after its yield before, with
// nothing else between (Handovers.pc and .retired).

import type {Evaluation, Handovers} from './evaluator.js'
import type {Ledger} from './ledger.js'
import {CONTINUE} from './path.js'
import {TriedRuns, type SplitTried} from './split-search.js'

/** A hart's waits the search trades between at most: those it spun longest in. */
const MAX_WAITS = 3

/** Turns a trade takes from or puts into one wait at most. */
const MAX_TURNS = 2

/** How far (in bytes) a hart's pc may be from its target's for the search to take it for a few instructions off. */
const NEAR_PC = 64

/** Runs that go side by side: fixed, so that the search gives the same result on any number of workers. */
const PER_BATCH = 2

/** A wait of a hart in a run: the spin's pc, its length in instructions, and its turns as the path holds them. */
export interface SpinWait {
  pc: number
  length: number
  /** The decision index of the yield ending each of its turns, and the spin's turns run before it (continues). */
  turns: Array<{yieldAt: number; continues: number}>
  /** The turns that hold no continue, ending in a yield right after another hart's yield: the hand-over index of each. */
  bare: number[]
  /** Every turn of the spin the hart ran in the wait. */
  spun: number
}

/**
 * What the search found: every run it made, and the runs to settle from
 * (those that brought the hart's state nearer): the hart right first, then
 * those right the furthest into its state (a loaded value off rather than a
 * loop index), then the fittest.
 */
export interface SpinResult {
  tried: SplitTried[]
  settleFrom: Evaluation[]
}

/**
 * From `base`, for each hart that ends a few instructions off while the
 * others are right (see fewOff) and spun in at least one wait of the run
 * (see spinWaits): trades of turns between its waits, a number of turns
 * put into or taken out of each, smallest change of its
 * instructions first (each change in both directions, and for each the
 * fewest turns), at most `steps` runs. Turns go in as continues before the
 * yield of the wait's longest turn and come out of its continues, else as
 * whole turns that held none (the other hart's yield before them becomes a
 * continue). Runs that leave the hart's state right further into it than
 * `base` are the ones to settle from.
 */
export async function searchSpins(ledger: Ledger, base: Pick<Evaluation, 'taken' | 'hartDeltas' | 'hartWords' | 'hartPcOff'>, steps: number): Promise<SpinResult> {
  const runs = new TriedRuns(ledger, steps)
  const nearer: Array<{run: Evaluation; word: number}> = []
  // The hart right first, then right the furthest into its state, then the fittest.
  const rank = (word: number): number => (word < 0 ? Infinity : word)
  const done = (): SpinResult => ({
    tried: runs.tried,
    settleFrom: nearer.sort((a, b) => rank(b.word) - rank(a.word) || b.run.fitness - a.run.fitness).map(n => n.run),
  })
  if (!base.hartWords || !runs.room()) return done()
  const differing = fewOff(base)
  if (differing.length === 0) return done()
  const [start] = await runs.run([{path: base.taken, handovers: true}])
  if (start.found || !start.handovers) return done()
  const candidates: Array<{hart: number; path: Uint8Array}> = []
  for (const hart of differing) {
    const waits = spinWaits(start.handovers, hart)
      .sort((a, b) => b.spun - a.spun)
      .slice(0, MAX_WAITS)
    for (const trade of trades(waits.map(w => w.length))) {
      const path = withTrade(start.taken, start.handovers, waits, trade)
      if (path) candidates.push({hart, path})
    }
  }
  while (candidates.length > 0 && runs.room() && !ledger.found) {
    const batch = candidates.splice(0, Math.min(PER_BATCH, runs.left))
    const evaluations = await runs.run(batch.map(c => ({path: c.path})))
    evaluations.forEach((run, i) => {
      const hart = batch[i].hart
      if (run.found) return
      const word = run.hartWords?.[hart] ?? -1
      if (run.end === 'complete' && (word < 0 || word > base.hartWords![hart])) nearer.push({run, word})
    })
  }
  return done()
}

/**
 * The harts of a run that end a few instructions off (their pc the first
 * word that differs, at most NEAR_PC bytes from the target's), where every
 * other hart is right: none where another is further off, which the trades
 * would not mend.
 */
export function fewOff(run: Pick<Evaluation, 'hartDeltas' | 'hartPcOff'>): number[] {
  const deltas = run.hartDeltas ?? []
  const few = (hart: number): boolean => run.hartPcOff?.[hart] === true && deltas[hart] !== null && Math.abs(deltas[hart]!) <= NEAR_PC
  if (deltas.some((delta, hart) => delta !== 0 && !few(hart))) return []
  return deltas.flatMap((_, hart) => (few(hart) ? [hart] : []))
}

/**
 * A hart's spin waits in a run: per pc where it yielded twice or more in a
 * row with only whole turns of one loop between (the retired count from one
 * such yield to the next a multiple of one length, that multiple the
 * continues before the yield plus one), the wait's turns. A pc where the
 * counts do not fit one length (a loop that does work between its accesses)
 * is no wait.
 */
export function spinWaits(handovers: Handovers, hart: number): SpinWait[] {
  const {at, pc, retired} = handovers
  const byPc = new Map<number, {lengths: Set<number>; turns: SpinWait['turns']; bare: number[]; spun: number; broken: boolean}>()
  let last = -1
  for (let i = 0; i < at.length; i++) {
    if (handovers.hart[i] !== hart) continue
    if (last >= 0 && pc[i] === pc[last] && pc[i] !== 0) {
      // Not the hart's first yield, so not the run's first hand-over either.
      const continues = at[i] - at[i - 1] - 1
      const turns = continues + 1
      const instructions = retired[i] - retired[last]
      let wait = byPc.get(pc[i])
      if (!wait) byPc.set(pc[i], (wait = {lengths: new Set(), turns: [], bare: [], spun: 0, broken: false}))
      if (instructions <= 0 || instructions % turns !== 0) wait.broken = true
      else {
        wait.lengths.add(instructions / turns)
        wait.turns.push({yieldAt: at[i], continues})
        wait.spun += turns
        if (continues === 0 && handovers.hart[i - 1] !== hart && handovers.next[i - 1] === hart && at[i] === at[i - 1] + 1) wait.bare.push(i)
      }
    }
    last = i
  }
  const waits: SpinWait[] = []
  for (const [at, wait] of byPc) {
    if (wait.broken || wait.lengths.size !== 1) continue
    const [length] = wait.lengths
    waits.push({pc: at, length, turns: wait.turns, bare: wait.bare, spun: wait.spun})
  }
  return waits
}

/**
 * The trades between waits of these lengths: turns put into (positive) or
 * taken out of (negative) each, at most MAX_TURNS a wait, ordered by the
 * change in the hart's spun instructions (smallest first, the hart made to
 * spin more before less), then by the turns they move; none that leaves the
 * hart's count as it was. Per change, only the
 * first two trades (one that makes it with fewer turns is likelier the
 * recording's).
 */
export function trades(lengths: readonly number[]): number[][] {
  const all: Array<{turns: number[]; change: number; moved: number}> = []
  const walk = (prefix: number[]): void => {
    if (prefix.length === lengths.length) {
      const moved = prefix.reduce((n, t) => n + Math.abs(t), 0)
      const change = prefix.reduce((n, t, i) => n + t * lengths[i], 0)
      if (change !== 0) all.push({turns: prefix, change, moved})
      return
    }
    for (let t = -MAX_TURNS; t <= MAX_TURNS; t++) walk([...prefix, t])
  }
  walk([])
  all.sort((a, b) => Math.abs(a.change) - Math.abs(b.change) || b.change - a.change || a.moved - b.moved)
  const perChange = new Map<number, number>()
  const out: number[][] = []
  for (const trade of all) {
    const seen = perChange.get(trade.change) ?? 0
    if (seen >= 2) continue
    perChange.set(trade.change, seen + 1)
    out.push(trade.turns)
  }
  return out
}

/**
 * `path` (the run that gave `handovers`) with `trade[w]` turns put into
 * (positive) or taken out of (negative) `waits[w]`: continues before the yield of
 * the wait's longest turn; taken from the continues of its turns, longest
 * first, then as whole bare turns (the latest first). Undefined where the
 * wait has not that many to give.
 */
export function withTrade(path: Uint8Array, handovers: Handovers, waits: readonly SpinWait[], trade: readonly number[]): Uint8Array | undefined {
  // Per decision index: continues to put in before it (positive), or -1 to drop it; and yields to make continues.
  const insert = new Map<number, number>()
  const drop = new Set<number>()
  const toContinue = new Set<number>()
  for (let w = 0; w < waits.length; w++) {
    const wait = waits[w]
    const n = trade[w]
    if (n === 0) continue
    const longest = [...wait.turns].sort((a, b) => b.continues - a.continues || a.yieldAt - b.yieldAt)
    if (n > 0) {
      insert.set(longest[0].yieldAt, (insert.get(longest[0].yieldAt) ?? 0) + n)
      continue
    }
    let left = -n
    for (const turn of longest) {
      if (left === 0 || turn.continues === 0) break
      const take = Math.min(left, turn.continues)
      for (let k = 1; k <= take; k++) drop.add(turn.yieldAt - k)
      left -= take
    }
    for (let b = wait.bare.length - 1; b >= 0 && left > 0; b--) {
      const i = wait.bare[b]
      drop.add(handovers.at[i])
      toContinue.add(handovers.at[i - 1])
      left--
    }
    if (left > 0) return undefined
  }
  const out: number[] = []
  for (let i = 0; i < path.length; i++) {
    const put = insert.get(i)
    if (put) for (let k = 0; k < put; k++) out.push(CONTINUE)
    if (drop.has(i)) continue
    out.push(toContinue.has(i) ? CONTINUE : path[i])
  }
  return Uint8Array.from(out)
}
