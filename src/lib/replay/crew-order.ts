// Replay of a CREW recording: the logged page transfers order the harts, so
// no search is needed. A transfer says that hart `to` may not execute its
// instruction number toInstret + 1 (it stands at toInstret retired) before
// hart `from` has retired fromInstret: `from` gave the page up at that
// boundary and `to` took it there. Every conflicting pair of accesses in the
// recording is separated by such an edge, so running each hart as far as its
// next unsatisfied edge, in turn, re-creates every conflict in its recorded
// order. Any other order of non-conflicting accesses gives the same state.
import {EventKind, decodeEvent} from '../log/events.js'
import type {LogReader} from '../log/reader.js'
import type {IntervalProblem, MachineLike, RunOutcome} from '../search/interval.js'
import {RAM_BASE, PAGE_SHIFT} from '../sim/hart-env.js'
import {type StopPoint, StopReached} from './stop-at.js'

/** One ordering edge from a CrewTransfer record. */
export interface CrewEdge {
  page: number
  from: number
  fromInstret: number
  to: number
  toInstret: number
  /** 'read' or 'write': the right `to` received. */
  rights: 'read' | 'write'
}

/** What orders the harts of one interval of a CREW log. */
export interface CrewOrder {
  /** The edges of the transfers logged in the interval, from every hart's stream, sorted by the receiver's count. */
  edges: CrewEdge[]
  /**
   * The guest's poweroff or reboot in the interval: the hart that did it and
   * its count after the instruction that did. Nothing orders that device
   * write against the other harts, yet no hart runs after it, so it comes
   * last.
   */
  halt?: {hart: number; instret: number}
}

export function crewOrder(reader: LogReader, k: number): CrewOrder {
  const order: CrewOrder = {edges: []}
  for (let hart = 0; hart < reader.header.vcpus; hart++) {
    for (const record of reader.intervalEvents(hart, k)) {
      if (record.kind === EventKind.Halt) order.halt = {hart, instret: Number(record.instret)}
      if (record.kind !== EventKind.CrewTransfer) continue
      const event = decodeEvent(record.kind, record.payload)
      if (!('instrets' in event)) continue
      order.edges.push({
        page: event.page,
        from: event.fromHart,
        fromInstret: Number(event.instrets[event.fromHart]),
        to: event.toHart,
        toInstret: Number(event.instrets[event.toHart]),
        rights: event.rights === 3 ? 'write' : 'read',
      })
    }
  }
  order.edges.sort((a, b) => a.toInstret - b.toInstret)
  return order
}

function describe(edge: CrewEdge): string {
  const address = '0x' + (RAM_BASE + edge.page * 2 ** PAGE_SHIFT).toString(16).padStart(8, '0')
  return `hart ${edge.to} waits at instruction ${edge.toInstret} for hart ${edge.from} to reach ${edge.fromInstret} (page ${address}, ${edge.rights})`
}

/**
 * Run the interval the machine stands at along the CREW edges. Harts take
 * turns in hart order, each running until its budget, its next edge whose
 * giver is not there yet, WFI, a halt or a divergence; the halting hart's
 * last instruction waits until every other hart is done. With `stop`, the
 * run ends (StopReached) the moment that hart has retired that many
 * instructions.
 */
export function runCrewOrder<S>(machine: MachineLike<S>, problem: IntervalProblem, order: CrewOrder, stop?: StopPoint): RunOutcome {
  const {edges, halt} = order
  const harts = machine.hartCount
  const start = Array.from({length: harts}, (_, h) => machine.retired(h))
  const end = start.map((n, h) => n + problem.budgets[h])
  // An edge whose receiver is already past it orders only what came before this interval.
  const waits = Array.from({length: harts}, (_, h) => edges.filter((e) => e.to === h && e.toInstret >= start[h] && e.toInstret < end[h]))
  const done = end.map((n, h) => machine.retired(h) >= n)
  let ended: RunOutcome['end'] = 'complete'
  let divergence: string | undefined

  const blockedAt = (h: number): CrewEdge | undefined => {
    const list = waits[h]
    while (list.length > 0 && machine.retired(list[0].from) >= list[0].fromInstret) list.shift()
    // Sorted by toInstret; a later edge may be unsatisfied while an earlier one is not yet reached.
    for (const edge of list) if (machine.retired(edge.from) < edge.fromInstret) return edge
    return undefined
  }

  run: for (;;) {
    let progress = false
    let runnable = false
    for (let h = 0; h < harts; h++) {
      if (done[h] || machine.isAsleep(h)) continue
      const edge = blockedAt(h)
      let until = Math.min(end[h], edge ? edge.toInstret : Infinity)
      if (stop && stop.hart === h) until = Math.min(until, stop.instret)
      if (halt && halt.hart === h && done.some((d, other) => !d && other !== h)) until = Math.min(until, halt.instret - 1)
      if (machine.retired(h) >= until) continue
      runnable = true
      const before = machine.retired(h)
      const result = machine.runHart(h, {untilRetired: until, stopAtPages: NO_PAGES, allowPending: false})
      if (machine.retired(h) > before) progress = true
      if (stop && stop.hart === h && machine.retired(h) >= stop.instret) throw new StopReached(stop)
      // A hart may reach its count as it goes to sleep in WFI: it is done all the same.
      if (machine.retired(h) >= end[h]) done[h] = true
      if (result.kind === 'halt') {
        break run
      } else if (result.kind === 'diverged') {
        ended = 'diverged'
        divergence = `hart ${h}: ${result.reason}`
        break run
      } else if (result.kind === 'decision') {
        // No pages are watched, so the machine never stops for one.
        ended = 'diverged'
        divergence = `hart ${h}: stopped at page ${result.page} though no page is watched`
        break run
      }
    }
    if (done.every(Boolean)) break
    if (!progress) {
      // Nobody moved: every hart left is asleep or waits for one that cannot reach its count.
      ended = 'stuck'
      const waiting = done.map((d, h) => (d ? undefined : blockedAt(h))).find((e) => e !== undefined)
      if (waiting && !runnable) divergence = `the CREW order cannot be met: ${describe(waiting)}`
      break
    }
  }

  let executed = 0
  let budget = 0
  let eventsMatched = 0
  let eventsTotal = 0
  for (let h = 0; h < harts; h++) {
    executed += Math.min(machine.retired(h) - start[h], problem.budgets[h])
    budget += problem.budgets[h]
    eventsMatched += Math.min(machine.eventsDelivered(h), problem.eventCounts[h])
    eventsTotal += problem.eventCounts[h]
  }
  return {taken: new Uint8Array(0), end: ended, divergence, executed, budget, eventsMatched, eventsTotal}
}

const NO_PAGES: ReadonlySet<number> = new Set()
