// The embedded simulator behind MachineLike: what the interval runner needs of
// a DeterministicMachine, plus the bookkeeping the machine does not keep in
// its own snapshots (pages dirtied since the interval began, events taken,
// harts known to be asleep), so that a snapshot taken at a decision point
// restores everything the search looks at.

import {PAGE_SHIFT, PAGE_SIZE} from '../sim/hart-env.js'
import {decodeHartState, diffHartState, encodeHartState} from '../sim/hart-state.js'
import {DeterministicMachine, type DeterministicOptions, type DeterministicState} from '../sim/deterministic.js'
import type {MachineOptions} from '../sim/machine.js'
import type {HartStop, MachineLike, RunHartOptions} from './interval.js'
import {LoggedTime} from './logged-time.js'

export interface SimSnapshot {
  machine: DeterministicState
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

  runHart(hart: number, options: RunHartOptions): HartStop {
    // The machine itself lets a held-back access through on the next run, which is what allowPending asks for.
    this.sleptAt[hart] = -1
    const remaining = options.untilRetired - this.retired(hart)
    if (remaining <= 0) return {kind: 'budget'}
    const result = this.machine.runHart(hart, {budget: remaining, untilInstret: options.untilRetired, stopAtPages: options.stopAtPages})
    const divergence = this.loggedTime?.divergence(hart)
    if (divergence) return {kind: 'diverged', reason: divergence}
    switch (result.reason) {
      case 'budget':
      case 'instret':
        return {kind: 'budget'}
      case 'page':
        return {kind: 'decision', page: result.page!, write: result.write!}
      case 'wfi':
        this.sleptAt[hart] = this.totalRetired()
        return {kind: 'asleep'}
      case 'halt':
        return {kind: 'halt'}
      case 'fatal':
        return {kind: 'diverged', reason: this.machine.harts[hart].fatal ?? 'fatal trap'}
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
    return {
      machine: this.machine.saveState(),
      dirty: [...this.dirtyPages()],
      delivered: this.delivered.slice(),
      sleptAt: this.sleptAt.slice(),
    }
  }

  restore(snapshot: SimSnapshot): void {
    this.machine.restoreState(snapshot.machine)
    this.machine.clearDirty()
    this.dirtyBefore = new Set(snapshot.dirty)
    this.delivered = snapshot.delivered.slice()
    this.sleptAt = snapshot.sleptAt.slice()
  }

  snapshotBytes(snapshot: SimSnapshot): number {
    const state = snapshot.machine
    return state.ram.byteLength + state.devices.byteLength + state.harts.reduce((n, h) => n + h.byteLength, 0) + 8 * snapshot.dirty.length + 1024
  }

  hartState(hart: number): Uint8Array {
    return canonicalHartState(this.machine.harts[hart].saveState())
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
