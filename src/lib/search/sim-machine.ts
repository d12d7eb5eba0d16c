// The embedded simulator behind MachineLike: what the interval runner needs of
// a DeterministicMachine, plus the bookkeeping the machine does not keep in
// its own snapshots (pages dirtied since the interval began, events taken,
// harts known to be asleep), so that a snapshot taken at a decision point
// restores everything the search looks at.

import {PAGE_SHIFT, PAGE_SIZE} from '../sim/hart-env.js'
import {decodeHartState, diffHartState, encodeHartState, HART_STATE_PC_OFFSET, type HartState} from '../sim/hart-state.js'
import {DeterministicMachine, type DeterministicCore, type DeterministicOptions} from '../sim/deterministic.js'
import type {MachineOptions} from '../sim/machine.js'
import type {HartStop, MachineLike, RunHartOptions} from './interval.js'
import {LoggedTime} from './logged-time.js'

/**
 * The first snapshot (the interval's start) holds the whole machine; every
 * later one only the pages written since then, beside the rest of the state,
 * so a snapshot costs what the run changed rather than all of RAM.
 */
export interface SimSnapshot {
  machine: DeterministicCore
  /** The start's RAM (the first snapshot), or the pages that differ from it. */
  ram: Uint8Array | Map<number, Uint8Array>
  dirty: readonly number[]
  delivered: Int32Array
  sleptAt: Float64Array
}

export class SimIntervalMachine implements MachineLike<SimSnapshot> {
  readonly machine: DeterministicMachine
  private dirtyBefore = new Set<number>()
  private delivered: Int32Array
  /** Total instructions retired when the hart last stopped in WFI; -1 while it is awake. */
  private sleptAt: Float64Array

  private readonly loggedTime: LoggedTime | undefined
  /** RAM as the first snapshot found it; later snapshots hold only the pages that differ. */
  private start?: Uint8Array
  readonly pcOffset = HART_STATE_PC_OFFSET
  /** Target hart states decoded, for breakpoints and matching. */
  private readonly decodedTargets = new WeakMap<Uint8Array, HartState>()
  private readonly targetRegs = new WeakMap<Uint8Array, Int32Array>()

  /**
   * A machine whose event deliveries the adapter can count; the caller's
   * observer still sees everything. With a LoggedTime as settings.time, time
   * reads count as events too, and one off its logged count ends the run.
   */
  constructor(options: MachineOptions, settings: DeterministicOptions = {}) {
    const outer = settings.observer
    this.loggedTime = settings.time instanceof LoggedTime ? settings.time : undefined
    this.delivered = new Int32Array(options.vcpus)
    this.sleptAt = new Float64Array(options.vcpus).fill(-1)
    this.machine = new DeterministicMachine(options, {
      ...settings,
      observer: {
        ...outer,
        input: (hart, instret, event) => {
          this.delivered[hart]++
          outer?.input?.(hart, instret, event)
        },
      },
    })
  }

  get hartCount(): number {
    return this.machine.hartCount
  }

  /**
   * The machine now stands at checkpoint k with the interval's events
   * injected: count dirty pages and delivered events from here.
   */
  beginInterval(): void {
    this.machine.clearDirty()
    this.dirtyBefore = new Set()
    this.delivered.fill(0)
    this.sleptAt.fill(-1)
  }

  retired(hart: number): number {
    return this.machine.harts[hart].instret
  }

  pc(hart: number): number {
    return this.machine.harts[hart].pc >>> 0
  }

  runHart(hart: number, options: RunHartOptions): HartStop {
    // The machine itself lets a held-back access through on the next run, which is what allowPending asks for.
    this.sleptAt[hart] = -1
    const remaining = options.untilRetired - this.retired(hart)
    if (remaining <= 0) return {kind: 'budget', passed: 0}
    const result = this.machine.runHart(hart, {
      budget: remaining,
      untilInstret: options.untilRetired,
      stopAtPages: options.stopAtPages,
      passStops: options.passStops,
      passBelowInstret: options.passBelowRetired,
      spinStops: options.spinStops,
      breakAt: options.breakAt,
      breakRegs: options.breakRegs,
      breakLoose: options.breakLoose,
    })
    const passed = result.passed
    const divergence = this.loggedTime?.divergence(hart)
    if (divergence) return {kind: 'diverged', reason: divergence, passed}
    switch (result.reason) {
      case 'budget':
      case 'instret':
        return {kind: 'budget', passed}
      case 'page':
        return result.spin
          ? {kind: 'decision', page: result.page!, write: result.write!, passed, spin: result.spin}
          : {kind: 'decision', page: result.page!, write: result.write!, passed}
      case 'break':
        return {kind: 'break', passed}
      case 'wfi':
        this.sleptAt[hart] = this.totalRetired()
        return {kind: 'asleep', passed}
      case 'halt':
        return {kind: 'halt', passed}
      case 'fatal':
        return {kind: 'diverged', reason: this.machine.harts[hart].fatal ?? 'fatal trap', passed}
    }
  }

  /**
   * Asleep while nothing has run since the hart stopped in WFI: only another
   * hart (an IPI, a device register) can wake it, and a hart that has run may
   * have, so it gets tried again.
   */
  isAsleep(hart: number): boolean {
    return this.sleptAt[hart] >= 0 && this.sleptAt[hart] === this.totalRetired()
  }

  eventsDelivered(hart: number): number {
    return this.delivered[hart] + (this.loggedTime?.matched(hart) ?? 0)
  }

  save(): SimSnapshot {
    const dirty = [...this.dirtyPages()]
    let ram: SimSnapshot['ram']
    if (!this.start) {
      ram = this.machine.ram.slice()
      this.start = ram
    } else {
      ram = new Map()
      for (const page of dirty) ram.set(page, this.page(page))
    }
    return {machine: this.machine.saveCore(), ram, dirty, delivered: this.delivered.slice(), sleptAt: this.sleptAt.slice()}
  }

  restore(snapshot: SimSnapshot): void {
    const start = this.start
    if (!start) throw new Error('restore before any save')
    const ram = this.machine.ram
    const pages = snapshot.ram instanceof Map ? snapshot.ram : undefined
    if (!pages && snapshot.ram !== start) throw new Error('a snapshot of another interval')
    // Pages the run wrote since the start go back to the start, then the snapshot's own pages on top.
    for (const page of this.dirtyPages()) {
      if (pages?.has(page)) continue
      const at = page << PAGE_SHIFT
      ram.set(start.subarray(at, at + PAGE_SIZE), at)
    }
    if (pages) for (const [page, bytes] of pages) ram.set(bytes, page << PAGE_SHIFT)
    this.machine.restoreCore(snapshot.machine)
    this.machine.clearDirty()
    this.dirtyBefore = new Set(snapshot.dirty)
    this.delivered = snapshot.delivered.slice()
    this.sleptAt = snapshot.sleptAt.slice()
  }

  snapshotBytes(snapshot: SimSnapshot): number {
    const state = snapshot.machine
    const ram = snapshot.ram instanceof Map ? snapshot.ram.size * PAGE_SIZE : snapshot.ram.byteLength
    return ram + state.devices.byteLength + state.harts.reduce((n, h) => n + h.byteLength, 0) + 8 * snapshot.dirty.length + 1024
  }

  hartState(hart: number): Uint8Array {
    return canonicalHartState(this.machine.harts[hart].saveState())
  }

  hartMatchesBut(hart: number, expected: Uint8Array, loose = 0): boolean {
    const running = this.machine.harts[hart]
    const want = this.decodedTarget(expected)
    if (running.pc !== want.pc) return false
    let differ = 0
    for (let i = 1; i < 32; i++) if (running.getReg(i) !== want.x[i] && ++differ > loose) return false
    const state = decodeHartState(this.hartState(hart))
    return equalBytes(encodeHartState({...state, x: want.x, instret: want.instret}), expected)
  }

  pcOf(state: Uint8Array): number {
    return this.decodedTarget(state).pc
  }

  regsOf(state: Uint8Array): Int32Array {
    let regs = this.targetRegs.get(state)
    if (!regs) {
      regs = Int32Array.from(this.decodedTarget(state).x, (v) => v | 0)
      this.targetRegs.set(state, regs)
    }
    return regs
  }

  forgetSpins(): void {
    this.machine.forgetSpins()
  }

  private decodedTarget(bytes: Uint8Array): HartState {
    let state = this.decodedTargets.get(bytes)
    if (!state) {
      state = decodeHartState(bytes)
      this.decodedTargets.set(bytes, state)
    }
    return state
  }

  describeHartDifference(actual: Uint8Array, expected: Uint8Array): string | undefined {
    return diffHartState(actual, expected)
  }

  devices(): ReadonlyMap<string, Uint8Array> {
    const state = this.machine.devices.state
    return new Map([['devices', new Uint8Array(state.buffer.slice(state.byteOffset, state.byteOffset + state.byteLength))]])
  }

  dirtyPages(): Iterable<number> {
    const pages = new Set(this.dirtyBefore)
    for (const page of this.machine.dirtyPages()) pages.add(page)
    return pages
  }

  page(page: number): Uint8Array {
    return this.machine.ram.slice(page << PAGE_SHIFT, (page << PAGE_SHIFT) + PAGE_SIZE)
  }

  private totalRetired(): number {
    let total = 0
    for (const hart of this.machine.harts) total += hart.instret
    return total
  }
}

/**
 * A hart's state without the scheduler's bookkeeping: whether the hart is held
 * at a page stop, and which accesses it was let through for its current
 * instruction, depend on when the machine happened to pause it, not on what
 * the guest computed. A checkpoint taken while a hart was held and a run that
 * ends with it not held are the same architectural state.
 */
export function canonicalHartState(bytes: Uint8Array): Uint8Array {
  const state = decodeHartState(bytes)
  if (!state.pendingValid && state.pendingPage === 0 && !state.pendingWrite && state.allowPages.length === 0 && state.allowPc === 0 && state.allowInstret === 0) return bytes
  return encodeHartState({
    ...state,
    pendingValid: false,
    pendingPage: 0,
    pendingWrite: false,
    allowPc: 0,
    allowInstret: 0,
    allowPages: [],
    allowWrites: [],
  })
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false
  return true
}
