// A small deterministic multiprocessor for testing the search without the
// simulator: each toy hart runs a straight list of operations over a few
// shared 16-byte pages, so that the end state depends on how the harts
// interleave. It is a test fixture that really computes, not a stand-in that
// replays canned answers: the search has to find schedules that work.

import {IntervalRunner, type HartStop, type IntervalProblem, type IntervalTarget, type MachineLike, type RunHartOptions, type RunnerOptions} from '../../src/lib/search/interval.js'

export const TOY_PAGE_BYTES = 16

export type ToyOp =
  /** r[reg] = word 0 of page */
  | {op: 'load'; page: number; reg: number}
  /** word 0 of page = r[reg] */
  | {op: 'store'; page: number; reg: number}
  | {op: 'addi'; reg: number; imm: number}
  | {op: 'muli'; reg: number; imm: number}
  /** Jump back by `back` operations while r[reg] is zero: a spin-wait. */
  | {op: 'bz'; reg: number; back: number}
  /** r[reg] = the logged time value pinned to this instruction count. */
  | {op: 'time'; reg: number}
  /** Park for good, as a hart's WFI loop does: the hart is asleep from here on, and says so at once. */
  | {op: 'sleep'}

export interface ToyEvent {
  instret: number
  value: number
}

interface ToyState {
  memory: Uint8Array
  regs: Int32Array
  pcs: Int32Array
  retired: Float64Array
  delivered: Int32Array
  dirty: Set<number>
}

const REGS = 4

export class ToyMachine implements MachineLike<ToyState> {
  readonly hartCount: number
  private state: ToyState

  constructor(
    readonly programs: ToyOp[][],
    readonly pages: number,
    readonly events: ToyEvent[][] = programs.map(() => []),
  ) {
    this.hartCount = programs.length
    this.state = {
      memory: new Uint8Array(pages * TOY_PAGE_BYTES),
      regs: new Int32Array(this.hartCount * REGS),
      pcs: new Int32Array(this.hartCount),
      retired: new Float64Array(this.hartCount),
      delivered: new Int32Array(this.hartCount),
      dirty: new Set(),
    }
  }

  retired(hart: number): number {
    return this.state.retired[hart]
  }

  /** The index of the hart's next operation. */
  pcNow(hart: number): number {
    return this.state.pcs[hart]
  }

  isAsleep(hart: number): boolean {
    return this.state.pcs[hart] >= this.programs[hart].length
  }

  eventsDelivered(hart: number): number {
    return this.state.delivered[hart]
  }

  /** Per hart, the retired count of its last break: a break is taken once there, until a restore (as the simulator's Hart does). */
  private readonly breakSkip: number[] = []

  runHart(hart: number, options: RunHartOptions): HartStop {
    const s = this.state
    const program = this.programs[hart]
    const regs = (reg: number): number => hart * REGS + reg
    let allow = options.allowPending
    while (s.retired[hart] < options.untilRetired) {
      const pc = s.pcs[hart]
      if (pc >= program.length) return {kind: 'asleep'}
      if (pc === options.breakAt && this.breakSkip[hart] !== s.retired[hart] && this.regsMatch(hart, options.breakRegs, options.breakLoose ?? 0)) {
        this.breakSkip[hart] = s.retired[hart]
        return {kind: 'break'}
      }
      const op = program[pc]
      if ((op.op === 'load' || op.op === 'store') && options.stopAtPages.has(op.page) && !allow) {
        return {kind: 'decision', page: op.page, write: op.op === 'store'}
      }
      allow = false
      const view = new DataView(s.memory.buffer)
      let next = pc + 1
      switch (op.op) {
        case 'load':
          s.regs[regs(op.reg)] = view.getInt32(op.page * TOY_PAGE_BYTES, true)
          break
        case 'store':
          view.setInt32(op.page * TOY_PAGE_BYTES, s.regs[regs(op.reg)], true)
          s.dirty.add(op.page)
          break
        case 'addi':
          s.regs[regs(op.reg)] += op.imm
          break
        case 'muli':
          s.regs[regs(op.reg)] = Math.imul(s.regs[regs(op.reg)], op.imm)
          break
        case 'bz':
          if (s.regs[regs(op.reg)] === 0) next = pc - op.back
          break
        case 'sleep':
          s.pcs[hart] = program.length
          s.retired[hart]++
          return {kind: 'asleep'}
        case 'time': {
          const event = this.events[hart][s.delivered[hart]]
          if (!event || event.instret !== s.retired[hart]) {
            return {
              kind: 'diverged',
              reason: `time read at instruction ${s.retired[hart]}, but the log has ${event ? `it at ${event.instret}` : 'no more time reads'}`,
            }
          }
          s.regs[regs(op.reg)] = event.value
          s.delivered[hart]++
          break
        }
      }
      s.pcs[hart] = next
      s.retired[hart]++
    }
    return {kind: 'budget'}
  }

  /** Whether the hart's registers are `want` (all of them when undefined), but for `loose` of them. */
  protected regsMatch(hart: number, want: Int32Array | undefined, loose: number): boolean {
    if (!want) return true
    let differ = 0
    for (let reg = 0; reg < REGS; reg++) if (this.state.regs[hart * REGS + reg] !== want[reg] && ++differ > loose) return false
    return true
  }

  save(): ToyState {
    const s = this.state
    return {
      memory: s.memory.slice(),
      regs: s.regs.slice(),
      pcs: s.pcs.slice(),
      retired: s.retired.slice(),
      delivered: s.delivered.slice(),
      dirty: new Set(s.dirty),
    }
  }

  restore(snapshot: ToyState): void {
    this.breakSkip.length = 0
    this.state = {
      memory: snapshot.memory.slice(),
      regs: snapshot.regs.slice(),
      pcs: snapshot.pcs.slice(),
      retired: snapshot.retired.slice(),
      delivered: snapshot.delivered.slice(),
      dirty: new Set(snapshot.dirty),
    }
  }

  snapshotBytes(snapshot: ToyState): number {
    return snapshot.memory.byteLength + snapshot.regs.byteLength + 64
  }

  hartState(hart: number): Uint8Array {
    const bytes = new Uint8Array(4 * (REGS + 1))
    const view = new DataView(bytes.buffer)
    for (let reg = 0; reg < REGS; reg++) view.setInt32(reg * 4, this.state.regs[hart * REGS + reg], true)
    view.setInt32(REGS * 4, this.state.pcs[hart], true)
    return bytes
  }

  describeHartDifference(actual: Uint8Array, expected: Uint8Array): string | undefined {
    const a = new DataView(actual.buffer, actual.byteOffset, actual.byteLength)
    const e = new DataView(expected.buffer, expected.byteOffset, expected.byteLength)
    for (let reg = 0; reg <= REGS; reg++) {
      const x = a.getInt32(reg * 4, true)
      const y = e.getInt32(reg * 4, true)
      if (x !== y) return `${reg === REGS ? 'pc' : `r${reg}`} ${x} != ${y}`
    }
    return undefined
  }

  devices(): ReadonlyMap<string, Uint8Array> {
    return new Map()
  }

  dirtyPages(): Iterable<number> {
    return this.state.dirty
  }

  page(page: number): Uint8Array {
    return this.state.memory.slice(page * TOY_PAGE_BYTES, (page + 1) * TOY_PAGE_BYTES)
  }
}

/**
 * A toy machine that says where a hart state's pc and registers are, so that
 * elastic runs stop a hart at its target (RunHartOptions.breakAt) as they do
 * on the simulator.
 */
export class ToyMachineWithBreaks extends ToyMachine {
  /** The pc in a hartState (its last word). */
  pcOf(state: Uint8Array): number {
    return new DataView(state.buffer, state.byteOffset, state.byteLength).getInt32(REGS * 4, true)
  }

  /** The registers in a hartState. */
  regsOf(state: Uint8Array): Int32Array {
    const view = new DataView(state.buffer, state.byteOffset, state.byteLength)
    return Int32Array.from({length: REGS}, (_, reg) => view.getInt32(reg * 4, true))
  }

  hartMatchesBut(hart: number, expected: Uint8Array, loose = 0): boolean {
    return this.pcNow(hart) === this.pcOf(expected) && this.regsMatch(hart, this.regsOf(expected), loose)
  }
}

/** The machine's present state as a target checkpoint: what a recording would have stored at k+1. */
export function targetOf(machine: ToyMachine): IntervalTarget {
  const harts = Array.from({length: machine.hartCount}, (_, hart) => machine.hartState(hart))
  const pages = new Map<number, Uint8Array>()
  for (let page = 0; page < machine.pages; page++) pages.set(page, machine.page(page))
  return {
    harts,
    devices: new Map(),
    dirtyPages: new Set(machine.dirtyPages()),
    page: page => pages.get(page) ?? new Uint8Array(TOY_PAGE_BYTES),
  }
}

/** A problem whose target is left in `machine` by a run; budgets are what each hart retired in it. */
export function problemFrom(machine: ToyMachine, start: number[], target: IntervalTarget, sharedPages: Iterable<number>): IntervalProblem {
  return {
    interval: 0,
    budgets: start.map((retired, hart) => machine.retired(hart) - retired),
    eventCounts: machine.events.map(events => events.length),
    sharedPages: new Set(sharedPages),
    target,
  }
}

/**
 * Two harts racing on a shared counter (page 0) with a read-modify-write that
 * is not atomic, each also keeping a private tally (pages 1 and 2). Hart 0
 * adds, hart 1 doubles, so the final counter tells interleavings apart.
 */
export function counterRace(rounds: number): ToyOp[][] {
  const adder: ToyOp[] = []
  const doubler: ToyOp[] = []
  for (let i = 0; i < rounds; i++) {
    adder.push({op: 'load', page: 0, reg: 0}, {op: 'addi', reg: 0, imm: 3}, {op: 'store', page: 0, reg: 0}, {op: 'addi', reg: 1, imm: 1}, {op: 'store', page: 1, reg: 1})
    doubler.push({op: 'load', page: 0, reg: 0}, {op: 'muli', reg: 0, imm: 2}, {op: 'addi', reg: 0, imm: 1}, {op: 'store', page: 0, reg: 0}, {op: 'addi', reg: 1, imm: 1}, {op: 'store', page: 2, reg: 1})
  }
  return [adder, doubler]
}

/**
 * The counter race as an interval problem: the target is where the race ends
 * when run along `secret`, budgets are what each hart retired on the way.
 * `damage` changes one byte of the target's counter page, making it
 * unreachable as a corrupted checkpoint would.
 */
export function raceInterval(rounds: number, secret: Uint8Array, options: RunnerOptions & {damage?: boolean} = {}) {
  const programs = counterRace(rounds)
  const recorder = new ToyMachine(programs, 3)
  const placeholder: IntervalTarget = {harts: programs.map(() => new Uint8Array(0)), devices: new Map(), dirtyPages: new Set(), page: () => new Uint8Array(TOY_PAGE_BYTES)}
  const outcome = new IntervalRunner(recorder, {
    interval: 0,
    budgets: programs.map(program => program.length),
    eventCounts: programs.map(() => 0),
    sharedPages: new Set([0]),
    target: placeholder,
  }, {cacheBytes: 0}).run({path: secret})
  let target = targetOf(recorder)
  if (options.damage) {
    const page0 = target.page(0).slice()
    page0[1] ^= 0x40
    const original = target.page
    target = {...target, page: page => (page === 0 ? page0 : original(page))}
  }
  const problem = problemFrom(recorder, programs.map(() => 0), target, [0])
  const runner = new IntervalRunner(new ToyMachine(programs, 3), problem, options)
  return {runner, problem, secretTaken: outcome.taken}
}
