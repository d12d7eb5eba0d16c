// SMP-ReVirt's concurrent-read exclusive-write protocol over the harts'
// access tables, for the CREW baseline recorder. Every page is either
// shared-read by any harts or owned for writing by one. A hart that lacks the
// right it needs queues a request to the holders and stops before the
// instruction (Stop.Page); each holder gives the right up at its next poll,
// which is an instruction boundary, and reports the transfer with both harts'
// retired counts. Those transfers order every conflicting access, so a CREW
// log replays the interleaving exactly without any search.
//
// Owner (recorder): this file is the record engineer's addition to the
// parallel machine; hart-worker.ts and parallel-machine.ts only call into it.

import {ACCESS_READ, ACCESS_WRITE} from '../hart-env.js'
import {wakeHart} from './shared.js'

/** A request queue holds at most one request per other hart: a hart waits on one access at a time. */
const QUEUE = 16
const NOBODY = -1

/** The protocol's state, shared by every hart worker. */
export interface CrewShared {
  /** Per page: the hart that owns it for writing, or -1. */
  writer: SharedArrayBuffer
  /** Per page: bitmask of harts holding the read right. */
  readers: SharedArrayBuffer
  /** Per page: the hart that last gave up writing it, or -1, and its retired count then. */
  lastWriter: SharedArrayBuffer
  releasedAt: SharedArrayBuffer
  /** [lock, then per hart: queue head, queue tail, and a counter bumped at each grant to it or request of it]. */
  words: SharedArrayBuffer
  /** Per hart, QUEUE requests of (page, requester, write) and the requester's retired count. */
  queues: SharedArrayBuffer[]
  instrets: SharedArrayBuffer[]
}

export function allocateCrew(harts: number, pages: number): CrewShared {
  const shared: CrewShared = {
    writer: new SharedArrayBuffer(pages * 4),
    readers: new SharedArrayBuffer(pages * 4),
    lastWriter: new SharedArrayBuffer(pages * 4),
    releasedAt: new SharedArrayBuffer(pages * 8),
    words: new SharedArrayBuffer((1 + 3 * harts) * 4),
    queues: Array.from({length: harts}, () => new SharedArrayBuffer(QUEUE * 3 * 4)),
    instrets: Array.from({length: harts}, () => new SharedArrayBuffer(QUEUE * 8)),
  }
  new Int32Array(shared.writer).fill(NOBODY)
  new Int32Array(shared.lastWriter).fill(NOBODY)
  return shared
}

/** A transfer as a hart reports it: the page, who gave, who got what, and both retired counts. */
export interface CrewTransfer {
  page: number
  from: number
  to: number
  /** The rights `to` got: ACCESS_READ, or ACCESS_READ | ACCESS_WRITE. */
  rights: number
  fromInstret: number
  toInstret: number
}

/** One hart's end of the protocol, in its worker. */
export class CrewPages {
  private readonly writer: Int32Array
  private readonly readers: Int32Array
  private readonly lastWriter: Int32Array
  private readonly releasedAt: Float64Array
  private readonly words: Int32Array
  private readonly queue: Int32Array
  private readonly queueInstret: Float64Array
  private readonly queues: Int32Array[]
  private readonly queueInstrets: Float64Array[]
  /** The page this hart last stopped for, the right it asked, and its retired count then; -1 when none. */
  private waitingPage = NOBODY
  private waitingWrite = false
  private waitingInstret = 0

  constructor(
    shared: CrewShared,
    private readonly hart: number,
    private readonly access: Uint8Array,
    private readonly control: Int32Array,
    private readonly report: (transfer: CrewTransfer) => void,
  ) {
    this.writer = new Int32Array(shared.writer)
    this.readers = new Int32Array(shared.readers)
    this.lastWriter = new Int32Array(shared.lastWriter)
    this.releasedAt = new Float64Array(shared.releasedAt)
    this.words = new Int32Array(shared.words)
    this.queues = shared.queues.map((q) => new Int32Array(q))
    this.queueInstrets = shared.instrets.map((q) => new Float64Array(q))
    this.queue = this.queues[hart]
    this.queueInstret = this.queueInstrets[hart]
  }

  /**
   * The hart is about to access `page` without the access bit. True: it
   * holds the right now (the bits are set). False: the holders have been
   * asked; the hart must stop before the instruction and try again.
   */
  acquire(page: number, write: boolean, instret: number): boolean {
    const me = 1 << this.hart
    this.lock()
    try {
      const owner = this.writer[page]
      const readers = this.readers[page]
      let holders: number
      if (write) {
        if (owner === this.hart || (owner === NOBODY && (readers & ~me) === 0)) {
          if (owner !== this.hart) this.joinAfterLastWriter(page, ACCESS_READ | ACCESS_WRITE, instret)
          this.writer[page] = this.hart
          this.readers[page] = me
          this.access[page] = ACCESS_READ | ACCESS_WRITE
          if (page === this.waitingPage) this.waitingPage = NOBODY
          return true
        }
        holders = (owner === NOBODY ? 0 : 1 << owner) | (readers & ~me)
      } else {
        if (owner === this.hart || owner === NOBODY) {
          if (owner === NOBODY && (readers & me) === 0) this.joinAfterLastWriter(page, ACCESS_READ, instret)
          this.readers[page] = readers | me
          this.access[page] |= ACCESS_READ
          if (page === this.waitingPage) this.waitingPage = NOBODY
          return true
        }
        holders = 1 << owner
      }
      this.waitingPage = page
      this.waitingWrite = write
      this.waitingInstret = instret
      // Holders change while the hart waits (a reader may rejoin): ask whoever holds it now and has not been asked yet.
      for (let g = 0; g < this.queues.length; g++) {
        if ((holders & (1 << g)) === 0 || this.pending(g, page, write)) continue
        this.enqueue(g, page, write, instret)
        wakeHart(this.control, g)
      }
    } finally {
      this.unlock()
    }
    // Give the holders a moment to reach a boundary before the hart comes round again. The hart stands at one itself:
    // it gives up what others asked of it first, and a request that comes in meanwhile wakes it (see enqueue), or two
    // harts each waiting for the other's page would each wait out the whole timeout.
    const grants = 1 + 3 * this.hart + 2
    const seen = Atomics.load(this.words, grants)
    this.serve(instret)
    Atomics.wait(this.words, grants, seen, 1)
    return false
  }

  /**
   * At an instruction boundary: give up every right other harts asked for,
   * but for the one this hart stopped for and has just been handed, until it
   * has run the instruction that needed it. Without that, two harts that
   * both want a page hand it back and forth at every poll and neither ever
   * gets its access done: pingpong in CREW mode passed its page some three
   * thousand times per round.
   */
  serve(instret: number): void {
    const head = 1 + 3 * this.hart
    if (Atomics.load(this.words, head) === Atomics.load(this.words, head + 1)) return
    const me = 1 << this.hart
    this.lock()
    try {
      const held: Array<{page: number; to: number; write: boolean; toInstret: number}> = []
      for (let at = this.words[head]; at !== this.words[head + 1]; at = (at + 1) % QUEUE) {
        const page = this.queue[at * 3]
        const to = this.queue[at * 3 + 1]
        const write = this.queue[at * 3 + 2] !== 0
        const toInstret = this.queueInstret[at]
        if (page === this.waitingPage && instret === this.waitingInstret && this.granted(page)) {
          held.push({page, to, write, toInstret})
          continue
        }
        const wasWriter = this.writer[page] === this.hart
        if (wasWriter) {
          this.lastWriter[page] = this.hart
          this.releasedAt[page] = instret
        }
        if (write && (wasWriter || (this.readers[page] & me) !== 0)) {
          this.readers[page] &= ~me
          this.access[page] = 0
          // The last holder hands the page straight on, so no other hart can slip in between.
          if (wasWriter || (this.readers[page] & ~(1 << to)) === 0) {
            this.writer[page] = to
            this.readers[page] = 1 << to
          }
          this.report({page, from: this.hart, to, rights: ACCESS_READ | ACCESS_WRITE, fromInstret: instret, toInstret})
        } else if (!write && wasWriter) {
          this.writer[page] = NOBODY
          this.readers[page] |= me | (1 << to)
          this.access[page] &= ~ACCESS_WRITE
          this.report({page, from: this.hart, to, rights: ACCESS_READ, fromInstret: instret, toInstret})
        }
        Atomics.add(this.words, 1 + 3 * to + 2, 1)
        Atomics.notify(this.words, 1 + 3 * to + 2)
      }
      this.words[head] = this.words[head + 1]
      for (const r of held) this.push(this.hart, r.page, r.to, r.write, r.toInstret)
    } finally {
      this.unlock()
    }
  }

  /** Whether this hart now holds the right it last stopped for. */
  private granted(page: number): boolean {
    if (this.writer[page] === this.hart) return true
    return !this.waitingWrite && this.writer[page] === NOBODY && (this.readers[page] & (1 << this.hart)) !== 0
  }

  /**
   * Taking a right nobody holds: the page's last writer gave it up earlier,
   * and the hart's accesses must still come after that writer's.
   */
  private joinAfterLastWriter(page: number, rights: number, instret: number): void {
    const last = this.lastWriter[page]
    if (last === NOBODY || last === this.hart) return
    this.report({page, from: last, to: this.hart, rights, fromInstret: this.releasedAt[page], toInstret: instret})
  }

  /** Whether hart g's queue already holds this hart's request for the page. */
  private pending(g: number, page: number, write: boolean): boolean {
    const head = 1 + 3 * g
    const queue = this.queues[g]
    for (let at = this.words[head]; at !== this.words[head + 1]; at = (at + 1) % QUEUE) {
      if (queue[at * 3] === page && queue[at * 3 + 1] === this.hart && (queue[at * 3 + 2] !== 0) === write) return true
    }
    return false
  }

  /** Ask hart g for a right; g wakes if it is waiting for a right of its own. */
  private enqueue(g: number, page: number, write: boolean, instret: number): void {
    this.push(g, page, this.hart, write, instret)
    Atomics.add(this.words, 1 + 3 * g + 2, 1)
    Atomics.notify(this.words, 1 + 3 * g + 2)
  }

  /** Append to hart g's queue a request of `requester`; a full queue drops it (the requester asks again when it comes round). */
  private push(g: number, page: number, requester: number, write: boolean, instret: number): void {
    const head = 1 + 3 * g
    const tail = this.words[head + 1]
    if ((tail + 1) % QUEUE === this.words[head]) return
    const queue = this.queues[g]
    queue[tail * 3] = page
    queue[tail * 3 + 1] = requester
    queue[tail * 3 + 2] = write ? 1 : 0
    this.queueInstrets[g][tail] = instret
    Atomics.store(this.words, head + 1, (tail + 1) % QUEUE)
  }

  private lock(): void {
    while (Atomics.compareExchange(this.words, 0, 0, 1) !== 0) Atomics.wait(this.words, 0, 1, 1)
  }

  private unlock(): void {
    Atomics.store(this.words, 0, 0)
    Atomics.notify(this.words, 0, 1)
  }
}
