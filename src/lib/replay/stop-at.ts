// Stopping a replay inside an interval: the moment one hart has retired a
// given number of instructions, whatever the schedule (a found path or the
// CREW order) is doing. The search's runner drives harts by budget and knows
// nothing of stops, so for a path the machine it drives is wrapped: the
// wrapper lowers that hart's budget to the stop and, when the hart gets
// there, ends the run by throwing StopReached. The machine is left exactly
// there, every other hart where the schedule had brought it.
import type {HartStop, MachineLike, RunHartOptions} from '../search/interval.js'

/** Hart `hart` has retired `instret` instructions (counted from boot, as the log counts them). */
export interface StopPoint {
  hart: number
  instret: number
}

export class StopReached extends Error {
  constructor(readonly stop: StopPoint) {
    super(`hart ${stop.hart} reached instruction ${stop.instret}`)
    this.name = 'StopReached'
  }
}

/** A machine that ends the run (StopReached) when `stop.hart` reaches `stop.instret`. */
export class StopAtMachine<S> implements MachineLike<S> {
  constructor(private readonly inner: MachineLike<S>, private readonly stop: StopPoint) {}

  get hartCount(): number {
    return this.inner.hartCount
  }

  runHart(hart: number, options: RunHartOptions): HartStop {
    if (hart !== this.stop.hart) return this.inner.runHart(hart, options)
    const result = this.inner.runHart(hart, {...options, untilRetired: Math.min(options.untilRetired, this.stop.instret)})
    if (this.inner.retired(hart) >= this.stop.instret) throw new StopReached(this.stop)
    return result
  }

  retired(hart: number): number {
    return this.inner.retired(hart)
  }

  isAsleep(hart: number): boolean {
    return this.inner.isAsleep(hart)
  }

  eventsDelivered(hart: number): number {
    return this.inner.eventsDelivered(hart)
  }

  save(): S {
    return this.inner.save()
  }

  restore(snapshot: S): void {
    this.inner.restore(snapshot)
  }

  snapshotBytes(snapshot: S): number {
    return this.inner.snapshotBytes(snapshot)
  }

  hartState(hart: number): Uint8Array {
    return this.inner.hartState(hart)
  }

  describeHartDifference(actual: Uint8Array, expected: Uint8Array): string | undefined {
    return this.inner.describeHartDifference?.(actual, expected)
  }

  devices(): ReadonlyMap<string, Uint8Array> {
    return this.inner.devices()
  }

  dirtyPages(): Iterable<number> {
    return this.inner.dirtyPages()
  }

  page(page: number): Uint8Array {
    return this.inner.page(page)
  }
}
