// How close a run came to checkpoint k+1. Exactly 1 means found: every hart's
// state bytes, every device's state bytes and every page that the recording
// or this run dirtied equal the checkpoint's, the run completed and every
// logged event lined up. Anything short of that scores below 1 so that no
// near miss can pass for a success; the score mixes how much of the compared
// state matches with how far the run got, to give the GA a slope to climb.

import {PAGE_SHIFT, RAM_BASE} from '../sim/hart-env.js'
import type {Evaluation} from './evaluator.js'
import type {IntervalProblem, MachineLike, RunOutcome} from './interval.js'

/** Weights of the parts of an inexact score; they sum to 1. */
const STATE_WEIGHT = 0.6
const PROGRESS_WEIGHT = 0.25
const EVENTS_WEIGHT = 0.15
/** The best an inexact run can score, kept well clear of 1 so rounding can never turn it into a find. */
const INEXACT_CEILING = 0.999

interface Tally {
  bits: number
  matchingBits: number
  units: number
  matchingUnits: number
  first: string | undefined
}

/** A 32-bit word of RAM: its page and its byte offset there. */
export interface SharedWord {
  page: number
  offset: number
}

/** Words that end an interval holding a value this far above RAM_BASE are pointers into the machine's RAM, not counts. */
const POINTER_SPAN = 2 ** 30

/**
 * The word of the interval's shared pages that the recording changed most
 * (as a signed 32-bit difference), from checkpoint k (`start`, a page's
 * content there) to k+1: where harts lose updates to a counter, the counter.
 * A lock or a barrier flag changes by one; a counter by every update that was
 * not lost. A word that comes to point into RAM is left out: a heap pointer
 * set at boot changes by more than any count (race's first loop interval,
 * where hart 0 sets up its heap and then counts). Undefined where the
 * recording changed no shared word.
 */
export function busiestSharedWord(problem: IntervalProblem, start: (page: number) => Uint8Array): SharedWord | undefined {
  let best: {word: SharedWord; change: number} | undefined
  for (const page of [...problem.sharedPages].sort((a, b) => a - b)) {
    if (!problem.target.dirtyPages.has(page)) continue
    const before = start(page)
    const after = problem.target.page(page)
    for (let offset = 0; offset + 4 <= Math.min(before.length, after.length); offset += 4) {
      const value = wordAt(after, offset)
      if (value >= RAM_BASE && value < RAM_BASE + POINTER_SPAN) continue
      const change = Math.abs((value - wordAt(before, offset)) | 0)
      if (change > 0 && (!best || change > best.change)) best = {word: {page, offset}, change}
    }
  }
  return best?.word
}

/**
 * Scores a run's end state against the target. `tracked`: the shared word
 * whose difference is the run's sharedDelta when it differs (see
 * busiestSharedWord); otherwise, and without it, the first differing word
 * of a shared page is.
 */
export function scoreRun<S>(machine: MachineLike<S>, problem: IntervalProblem, outcome: RunOutcome, tracked?: SharedWord): Evaluation {
  const tally: Tally = {bits: 0, matchingBits: 0, units: 0, matchingUnits: 0, first: undefined}
  const {target} = problem

  let hartDelta: Evaluation['hartDelta']
  const hartDeltas: Array<number | null> = []
  const hartWords: number[] = []
  const hartPcOff: boolean[] = []
  for (let hart = 0; hart < machine.hartCount; hart++) {
    const actual = machine.hartState(hart)
    const expected = target.harts[hart]
    const differs = compare(tally, actual, expected, offset => {
      // States of different sizes are not the same kind of state: name the size, not a register.
      const named = actual.length === expected.length ? machine.describeHartDifference?.(actual, expected) : undefined
      return `hart ${hart}: ${named ?? byteDifference('state', offset, actual, expected)}`
    })
    const delta = differs >= 0 ? wordDelta(actual, expected, differs) : 0
    hartDeltas.push(delta ?? null)
    hartWords.push(differs >= 0 ? differs & ~3 : -1)
    hartPcOff.push(differs >= 0 && (differs & ~3) === machine.pcOffset)
    if (differs >= 0 && !hartDelta && delta !== undefined) hartDelta = {hart, delta}
  }

  const actualDevices = machine.devices()
  const deviceNames = [...new Set([...target.devices.keys(), ...actualDevices.keys()])].sort()
  for (const name of deviceNames) {
    const actual = actualDevices.get(name) ?? new Uint8Array(0)
    const expected = target.devices.get(name) ?? new Uint8Array(0)
    compare(tally, actual, expected, offset => `device ${name}: ${byteDifference('state', offset, actual, expected)}`)
  }

  const pages = new Set(target.dirtyPages)
  for (const page of machine.dirtyPages()) pages.add(page)
  let sharedDelta: number | undefined
  let trackedDelta: number | undefined
  for (const page of [...pages].sort((a, b) => a - b)) {
    const actual = machine.page(page)
    const expected = target.page(page)
    const address = '0x' + (RAM_BASE + page * 2 ** PAGE_SHIFT).toString(16).padStart(8, '0')
    const differs = compare(tally, actual, expected, offset => `page ${address} ${byteDifference('byte', offset, actual, expected)}`)
    if (differs >= 0 && problem.sharedPages.has(page)) {
      const word = tracked?.page === page ? wordDelta(actual, expected, tracked.offset) : undefined
      if (word !== undefined && word !== 0) trackedDelta = word
      else if (sharedDelta === undefined) sharedDelta = wordDelta(actual, expected, differs)
    }
  }
  // The busiest word right and another shared word off (a lock held at the checkpoint): said, for the searches that go by the busiest word.
  const sharedElsewhere = sharedDelta !== undefined && trackedDelta === undefined && tracked !== undefined
  if (trackedDelta !== undefined) sharedDelta = trackedDelta

  const stateExact = tally.matchingUnits === tally.units
  const eventsExact = outcome.eventsMatched === outcome.eventsTotal
  const found = stateExact && eventsExact && outcome.end === 'complete'
  let firstDifference = tally.first
  if (!firstDifference && !found) {
    firstDifference =
      outcome.divergence ??
      (outcome.end === 'stuck'
        ? `run stuck after ${outcome.executed} of ${outcome.budget} instructions: every hart left is asleep`
        : `${outcome.eventsMatched} of ${outcome.eventsTotal} logged events delivered`)
  }

  let fitness = 1
  if (!found) {
    const bitsShare = tally.bits === 0 ? 1 : tally.matchingBits / tally.bits
    const unitsShare = tally.units === 0 ? 1 : tally.matchingUnits / tally.units
    const progress = outcome.budget === 0 ? 1 : outcome.executed / outcome.budget
    const events = outcome.eventsTotal === 0 ? 1 : outcome.eventsMatched / outcome.eventsTotal
    const mix = STATE_WEIGHT * (bitsShare + unitsShare) / 2 + PROGRESS_WEIGHT * progress + EVENTS_WEIGHT * events
    fitness = INEXACT_CEILING * mix
  }

  return {
    fitness,
    found,
    taken: outcome.taken,
    executed: outcome.executed,
    budget: outcome.budget,
    eventsMatched: outcome.eventsMatched,
    eventsTotal: outcome.eventsTotal,
    end: outcome.end,
    ...(outcome.divergence ? {divergence: outcome.divergence} : {}),
    ...(firstDifference ? {firstDifference} : {}),
    ...(sharedDelta !== undefined ? {sharedDelta} : {}),
    ...(sharedElsewhere ? {sharedElsewhere} : {}),
    ...(hartDelta ? {hartDelta, hartDeltas, hartWords, ...(machine.pcOffset !== undefined ? {hartPcOff} : {})} : {}),
    ...(outcome.handovers ? {handovers: outcome.handovers} : {}),
  }
}

/** A word of a hart's state at the end of a run, run minus target (unsigned words); null where the offset holds no word. */
export function hartWordDelta<S>(machine: MachineLike<S>, problem: IntervalProblem, hart: number, offset: number): number | null {
  return wordDelta(machine.hartState(hart), problem.target.harts[hart], offset) ?? null
}

/** The signed difference, actual minus expected, of the aligned little-endian 32-bit words holding byte `offset`. */
function wordDelta(actual: Uint8Array, expected: Uint8Array, offset: number): number | undefined {
  const at = offset & ~3
  if (at + 4 > actual.length || at + 4 > expected.length) return undefined
  return wordAt(actual, at) - wordAt(expected, at)
}

function wordAt(bytes: Uint8Array, at: number): number {
  return (bytes[at] | (bytes[at + 1] << 8) | (bytes[at + 2] << 16) | (bytes[at + 3] << 24)) >>> 0
}

/** Tallies one unit of state; returns the offset of its first differing byte, -1 if it matches. */
function compare(tally: Tally, actual: Uint8Array, expected: Uint8Array, describe: (offset: number) => string): number {
  const length = Math.max(actual.length, expected.length)
  const shared = Math.min(actual.length, expected.length)
  let differingBits = 0
  let firstOffset = -1
  for (let i = 0; i < shared; i++) {
    if (actual[i] === expected[i]) continue
    if (firstOffset < 0) firstOffset = i
    // A differing aligned 32-bit word counts as many wrong bits as its arithmetic difference has, not as many as
    // differ. Guest state is mostly counters, indices and pointers: 0x1909 is farther from 0x1901 than 0x18ff is
    // from 0x1900, though it differs in one bit and the other in nine. Counted in bits, a run 8 or 16 updates off
    // held the GA's best for thousands of evaluations.
    const delta = wordDelta(actual, expected, i)
    if (delta === undefined) {
      differingBits += BITS_SET[actual[i] ^ expected[i]]
      continue
    }
    differingBits += 32 - Math.clz32(Math.abs(delta))
    i = (i & ~3) + 3
  }
  if (firstOffset < 0 && actual.length !== expected.length) firstOffset = shared
  tally.bits += 8 * length
  tally.matchingBits += 8 * shared - differingBits
  tally.units++
  if (firstOffset < 0) tally.matchingUnits++
  else if (tally.first === undefined) tally.first = describe(firstOffset)
  return firstOffset
}

/** Set bits of each byte value, for the bytes of a unit's tail that fill no whole word. */
const BITS_SET = Uint8Array.from({length: 256}, (_, byte) => {
  let count = 0
  for (let b = byte; b; b >>= 1) count += b & 1
  return count
})

function byteDifference(what: string, offset: number, actual: Uint8Array, expected: Uint8Array): string {
  const show = (bytes: Uint8Array): string => (offset < bytes.length ? '0x' + bytes[offset].toString(16).padStart(2, '0') : 'nothing')
  return `${what} +0x${offset.toString(16)}: ${show(actual)} != ${show(expected)} (run != checkpoint)`
}
