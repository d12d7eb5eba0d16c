// How fast each hart went through an interval of the recording, as the pace
// seeds of the search follow it. The recorder logs pace marks (a hart's
// retired count at a host time, about every millisecond and around every
// gap); between two marks a hart is taken to have run at an even speed.
// Without marks (or with too few) each hart is taken to have run at an even
// speed over the whole interval, which is what its budget alone says.
//
// Times are shares of the interval: 0 when the first hart resumed at
// checkpoint k, 1 when the last one stopped for checkpoint k+1.

/** One hart's pace marks in the interval: retired counts (from boot) and host times in microseconds, in time order. */
export interface PaceMarks {
  instret: number[]
  micros: number[]
}

interface Curve {
  instret: Float64Array
  time: Float64Array
}

export class PaceModel {
  private readonly curves: Curve[]

  /**
   * `finisher`: the hart that powered the machine off at the end of the
   * interval. In the recording the others went on until they saw it; in a
   * run nothing runs after the power-off, so the finisher's last stretch is
   * put after everyone else's.
   */
  constructor(starts: readonly number[], budgets: readonly number[], marks?: ReadonlyArray<PaceMarks | undefined>, finisher?: number) {
    this.curves = PaceModel.curves(starts, budgets, marks)
    if (finisher !== undefined && this.curves[finisher]) {
      const latest = Math.max(...this.curves.map(c => c.time[c.time.length - 1]))
      const {time} = this.curves[finisher]
      time[time.length - 1] = latest + 1
    }
  }

  private static curves(starts: readonly number[], budgets: readonly number[], marks?: ReadonlyArray<PaceMarks | undefined>): Curve[] {
    const usable = marks !== undefined && marks.length === starts.length && marks.every(m => m !== undefined && m.instret.length >= 1)
    let t0 = Infinity
    let t1 = -Infinity
    if (usable) {
      for (const m of marks as PaceMarks[]) {
        t0 = Math.min(t0, m.micros[0])
        t1 = Math.max(t1, m.micros[m.micros.length - 1])
      }
    }
    if (!usable || !(t1 > t0)) {
      return starts.map((start, h) => curve([start, start + budgets[h]], [0, 1]))
    }
    const span = t1 - t0
    return starts.map((start, h) => {
      const m = (marks as PaceMarks[])[h]
      const end = start + budgets[h]
      const instret: number[] = []
      const time: number[] = []
      const add = (i: number, t: number): void => {
        // Marks of one hart never go back; a clipped or repeated one adds nothing.
        const at = Math.min(end, Math.max(start, i, instret.length > 0 ? instret[instret.length - 1] : start))
        const when = Math.max(0, t, time.length > 0 ? time[time.length - 1] : 0)
        instret.push(at)
        time.push(when)
      }
      if (m.instret[0] > start) add(start, 0)
      for (let i = 0; i < m.instret.length; i++) add(m.instret[i], (m.micros[i] - t0) / span)
      if (instret[instret.length - 1] < end) {
        // No mark at the end (the guest powered off, say): go on at the hart's last speed, or reach it at the end.
        const n = instret.length
        const speed = n >= 2 && time[n - 1] > time[n - 2] ? (instret[n - 1] - instret[n - 2]) / (time[n - 1] - time[n - 2]) : 0
        add(end, speed > 0 ? time[n - 1] + (end - instret[n - 1]) / speed : 1)
      }
      return curve(instret, time)
    })
  }

  /** When hart h, having retired `retired` instructions, retires its next one. */
  timeAt(h: number, retired: number): number {
    const {instret, time} = this.curves[h]
    const n = instret.length
    if (retired < instret[0]) return time[0]
    // The last mark at or below `retired`: after a stretch without progress, the time the hart went on.
    const lo = lastAtOrBelow(instret, retired)
    if (lo === n - 1) return time[lo]
    return time[lo] + ((retired - instret[lo]) / (instret[lo + 1] - instret[lo])) * (time[lo + 1] - time[lo])
  }

  /** How many instructions hart h had retired (from boot) at time `at`. */
  retiredBy(h: number, at: number): number {
    const {instret, time} = this.curves[h]
    const n = instret.length
    if (at < time[0]) return instret[0]
    const lo = lastAtOrBelow(time, at)
    if (lo === n - 1 || time[lo + 1] === time[lo]) return instret[lo]
    return instret[lo] + Math.floor(((at - time[lo]) / (time[lo + 1] - time[lo])) * (instret[lo + 1] - instret[lo]))
  }
}

/** The index of the last of the ascending `values` at or below `x`; `values[0] <= x`. */
function lastAtOrBelow(values: Float64Array, x: number): number {
  let lo = 0
  let hi = values.length - 1
  while (lo < hi) {
    const mid = (lo + hi + 1) >>> 1
    if (values[mid] <= x) lo = mid
    else hi = mid - 1
  }
  return lo
}

function curve(instret: number[], time: number[]): Curve {
  return {instret: Float64Array.from(instret), time: Float64Array.from(time)}
}
