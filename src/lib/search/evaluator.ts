// What a search strategy sees of the interval: it hands over candidate paths
// in batches and gets back, in the same order, how good each one was. Whether
// the batch runs in this thread or on a pool of workers is the evaluator's
// business; a strategy never depends on the order in which results complete.

import type {Path} from './path.js'

/**
 * What the run does at decision points beyond the candidate's own bits.
 * 'continue' is the documented default of a path (see path.ts). 'pace' follows
 * the recording's own pace: the running hart yields when it is further ahead
 * of its instruction budget than the least advanced other runnable hart by
 * more than `slack` (a share of the interval's time: see pace.ts). The run records the bits it
 * took either way, so a pace run turns into an ordinary path.
 */
export type TailPolicy = {kind: 'continue'} | PaceTail | ElasticTail

/**
 * `skew`: hart h is taken to have run skew * h (a share of the interval's time) later than its pace marks say.
 * `split`: the share of the pace's yields due just before a write to a shared page that are taken there (1 when
 * omitted). The rest run the write first and yield at the hart's next decision point. A yield between a hart's
 * read of a shared word and its write back lets the other harts' updates in between be lost; truly parallel harts
 * rarely split a read-modify-write that way, and how often the recording did shows only in its end state.
 */
export type PaceTail = {kind: 'pace'; slack: number; skew?: number; split?: number}

/**
 * An elastic run (see IntervalRunner.elasticPath): after the candidate's own
 * bits, spin loops are cut to one turn and other decision points follow the
 * pace with `slack`; each hart stops where its state is the target's, and
 * the budget it has left there goes back into its last spins. `loose`: a
 * hart stops at its target's pc when at most that many of its registers
 * differ from the target's (0 when omitted): a register loaded from a shared
 * word that the run has not yet got right (a counter that lost another number
 * of updates) would otherwise keep the hart from stopping where the recording
 * left it, and it would spend its spin turns as work.
 */
export type ElasticTail = {kind: 'elastic'; slack: number; split?: number; loose?: number; charge?: boolean}

export interface Candidate {
  path: Path
  tail?: TailPolicy
  /** Report the run's hand-overs (Evaluation.handovers); the run starts from the checkpoint, not from a cached prefix. */
  handovers?: boolean
  /** Report the difference of this word of a hart's state (Evaluation.watched); a run with an elastic tail reports none. */
  watch?: {hart: number; offset: number}
}

/**
 * The run's hand-overs between harts, for a candidate that asked for them: at
 * decision `at[i]` (an index into Evaluation.taken, a yield) hart `hart[i]`
 * held back its next access to a shared page, a write when `held[i]` is 1 (a
 * read when 0), and the hart that ran next, `next[i]`, went on with the
 * access it had held back when it last yielded: a write (1), a read (0), or
 * unknown (2: it had not yielded in this run). The yielding hart had then
 * retired `retired[i]` instructions since the interval's start and stood at
 * `pc[i]` (0 where the machine cannot say): a hart's yields at one pc a loop's
 * length apart are the turns of a spin.
 */
export interface Handovers {
  at: Uint32Array
  hart: Uint8Array
  next: Uint8Array
  held: Uint8Array
  nextHeld: Uint8Array
  retired: Uint32Array
  pc: Uint32Array
}

/** How a run of an interval ended. */
export type RunEnd =
  /** Every hart spent its budget (or the guest powered off). */
  | 'complete'
  /** Harts are left that can never run again: asleep in WFI with nothing to wake them. */
  | 'stuck'
  /** A logged event did not line up with what the hart did, or a hart hit a fatal trap. */
  | 'diverged'

export interface Evaluation {
  /** 1 exactly when the end state equals the target checkpoint and every event lined up; below 1 otherwise. */
  fitness: number
  found: boolean
  /** Every decision the run took, the candidate's bits and then its tail policy's: a path that reproduces this run. */
  taken: Path
  /** Instructions the harts retired in the run, and what the budgets asked for. */
  executed: number
  budget: number
  eventsMatched: number
  eventsTotal: number
  end: RunEnd
  /** Why the run diverged, when it did. */
  divergence?: string
  /** The first difference from the target, e.g. "page 0x80012000 byte +0x1a4: 0x03 != 0x04". */
  firstDifference?: string
  /**
   * Where a shared page differs: the difference of one 32-bit word there,
   * its value in the run minus the target's (unsigned words). A counter that
   * lost more updates in the run than in the recording shows as a negative
   * number. The word is the shared word the recording changed most in the
   * interval, when it differs, and otherwise the first differing one
   * (fitness.ts, busiestSharedWord).
   */
  sharedDelta?: number
  /**
   * True when sharedDelta is not the busiest shared word's: that word is
   * right, and another shared word differs (a lock a hart holds at the
   * checkpoint, a barrier's flag).
   */
  sharedElsewhere?: boolean
  /**
   * Where a hart's state differs: the first such hart, and its first
   * differing 32-bit word, run minus target (unsigned words), e.g. the last
   * value the hart read from a counter. The defer search goes by it, less
   * sharedDelta.
   */
  hartDelta?: {hart: number; delta: number}
  /**
   * With hartDelta: every hart's first differing word, run minus target, 0
   * where the hart's state matches, null where it differs in a word that
   * cannot be read as one. The defer search follows one hart's word by it
   * when a deferral makes an earlier hart differ first.
   */
  hartDeltas?: Array<number | null>
  /**
   * With hartDelta: per hart, the offset in its state of the word that
   * hartDeltas gives (its first differing one), -1 where the hart's state
   * matches. A search that moves one word by its delta tells by it whether
   * that word came right or another one now differs first.
   */
  hartWords?: number[]
  /**
   * With hartDelta, where the machine can say (MachineLike.pcOffset): per hart,
   * whether its pc is the word it differs in first, i.e. it ends elsewhere
   * in its code.
   */
  hartPcOff?: boolean[]
  /** For a candidate that named a word to watch: that word, run minus target (unsigned words), null where it is not one. */
  watched?: number | null
  /**
   * For an elastic run: the decisions of the elastic pass itself, before the
   * extra spin turns went in (see IntervalRunner.elasticPath). A prefix of
   * these with the same tail replays the pass up to there; a prefix of
   * `taken` would run the spins the pass stood for twice.
   */
  elasticDecisions?: Path
  /** When the candidate asked for them (Candidate.handovers). */
  handovers?: Handovers
}

export interface Evaluator {
  /** How many candidates it runs at once (1 when omitted): a batch of that size costs no more wall time than one candidate. */
  readonly concurrency?: number
  evaluate(batch: readonly Candidate[]): Promise<Evaluation[]>
  close?(): Promise<void>
}
