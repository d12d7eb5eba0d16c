// The deterministic machine: one thread steps every hart under an explicit
// schedule. Its behaviour is a pure function of its state and the calls made
// on it: time comes from a TimeSource (by default each hart's own retired
// instructions), input only from injected events, never from a host clock,
// socket or terminal. Search and replay drive it through runHart, inject,
// saveState and restoreState.

import {ReseerError} from '../cli/errors.js'
import {PAGE_SHIFT} from './board.js'
import {Hart, NO_BREAK} from './hart.js'
import {ACCESS_COUNT_READ, ACCESS_COUNT_WRITE, ACCESS_READ, ACCESS_WRITE, type HartEnv, RAM_BASE, Stop} from './hart-env.js'
import {type BootImage, checkOptions, loadBootImage, type MachineOptions, virtioSlots, vifMac} from './machine.js'
import {DEVICE_MIP, DEVICE_STATE_WORDS, MachineDevices} from './machine-devices.js'
import type {MachineEvent} from './machine-events.js'
import type {MachineObserver} from './machine-observer.js'
import {InstretClock, type TimeSource} from './machine-time.js'
import {Finish} from './devices/test-device.js'
import type {GuestMemory} from './devices/device.js'
import {DiskImage} from './devices/disk-image.js'
import {VirtioBlk} from './devices/virtio-blk.js'
import type {VirtioBackend} from './devices/virtio-mmio.js'
import {NET_RX_QUEUE, receivedPacket, VirtioNet} from './devices/virtio-net.js'

/** The most passes a hart is given at once (Hart.passes is an int32). */
const COUNT_CHUNK = 0x4000_0000

export type StopReason = 'budget' | 'instret' | 'page' | 'wfi' | 'halt' | 'fatal' | 'break'

export interface RunRequest {
  /** Retire at most this many more instructions. */
  budget: number
  /** Stop when the hart's retired count reaches this. */
  untilInstret?: number
  /** Stop before the hart's next access to any of these RAM pages (page numbers RAM-relative). */
  stopAtPages?: ReadonlySet<number>
  /**
   * Let this many accesses to stopAtPages through before stopping at one
   * (default 0). Each counts in RunResult.passed; none returns to the caller.
   */
  passStops?: number
  /** Also let accesses to stopAtPages through while the hart's retired count is below this. */
  passBelowInstret?: number
  /**
   * Stop at an access to stopAtPages that begins one more turn of a spin
   * loop (see RunResult.spin) once passStops are spent, even below
   * passBelowInstret.
   */
  spinStops?: boolean
  /** Stop ('break') before the hart executes the instruction at this address. */
  breakAt?: number
  /** Only where the hart's registers are these, but for breakLoose of them (see Hart.breakRegs). */
  breakRegs?: Int32Array
  breakLoose?: number
}

export interface RunResult {
  reason: StopReason
  /** For 'page': the page about to be accessed and whether it is a write. */
  page?: number
  write?: boolean
  /** Accesses to stopAtPages let through by passStops or passBelowInstret in this call. */
  passed: number
  /**
   * For a 'page' stop under spinStops: the access is a read at the same pc,
   * with the same registers, as the hart's previous access to stopAtPages,
   * this many instructions ago. The loop between read the watched word and
   * changed nothing the hart holds: it spun, and running it again changes
   * only the retired count (stores to pages outside stopAtPages aside).
   */
  spin?: number
}

export interface MachineFinish {
  kind: 'poweroff' | 'reboot' | 'fail'
  code: number
  hart: number
}

export interface DeterministicOptions {
  /** Defaults to an InstretClock. */
  time?: TimeSource
  /**
   * 'devices' (default): the CLINT and PLIC drive each hart's interrupt lines.
   * 'events': only injected `interrupts` events do, as replay of a recording needs.
   */
  interrupts?: 'devices' | 'events'
  observer?: MachineObserver
  /** Receives every frame the guest transmits; without it frames are dropped. */
  network?: (vif: number, frame: Uint8Array, hart: number, instret: number) => void
}

/** A complete copy of the machine, to restore exactly. */
export interface DeterministicState extends DeterministicCore {
  readonly ram: Uint8Array
}

/** Everything of the machine but its RAM, for callers that keep the pages that matter themselves. */
export interface DeterministicCore {
  readonly harts: Uint8Array[]
  readonly devices: Int32Array
  readonly clock: Uint8Array
  readonly events: MachineEvent[][]
  readonly pending: Array<{page: number; write: boolean} | undefined>
  readonly consoleLength: number
  /** Per disk: the blocks written since boot and their contents. */
  readonly disks: ReadonlyArray<ReadonlyMap<number, Uint8Array>>
}

export class DeterministicMachine {
  readonly harts: Hart[] = []
  readonly boot: BootImage
  readonly ram: Uint8Array
  readonly pages: number
  readonly devices: MachineDevices
  /** The contents of each configured disk, in config order. */
  readonly disks: DiskImage[]
  private readonly time: TimeSource
  private readonly interruptsFromEvents: boolean
  private readonly observer?: MachineObserver
  private readonly access: Uint8Array[] = []
  private readonly events: MachineEvent[][] = []
  /** The access a 'page' stop held back, let through when the hart next runs. */
  private readonly pending: Array<{page: number; write: boolean} | undefined> = []
  private readonly lines: number[] = []
  private readonly consoleBytes: number[] = []
  // Page sets since clearDirty(): written by anyone, and read/written per hart.
  private readonly dirty: Uint8Array
  private readonly reads: Uint8Array[] = []
  private readonly writes: Uint8Array[] = []
  private watched?: ReadonlySet<number>
  // Pages written since the last saveState/restoreState, and the state that was, so restoring it copies only those.
  private readonly touched: Uint8Array
  private base?: DeterministicState
  /** The hart whose MMIO access is being served, to whom device DMA is attributed. */
  private mmioHart = 0
  /** The hart inside runHart, and whether an event was injected for it meanwhile (from a device callback). */
  private running = -1
  private rescheduled = false
  /** What the running call lets through of stopAtPages (see RunRequest.passStops), and how much it did. */
  private passLeft = 0
  private passBelow = 0
  private passed = 0
  /**
   * Whether passes may run in the hart's own code (Hart.passes): nothing
   * needs to see each one (spin detection, an observer of page accesses).
   * While a stretch of such passes runs, `counting` is the count it began
   * with, else 0; an endless stretch (passStops Infinity, or below
   * passBelowInstret) is given a new count when it runs out.
   */
  private mayCount = false
  private counting = 0
  private countEndless = false
  /** Under spinStops: per hart, the pc, retired count and registers at its last access to a watched page. */
  private spinWatch = false
  private spinLength = 0
  private readonly spinTrack: Array<{valid: boolean; pc: number; instret: number; regs: Int32Array}> = []
  /** The virtio slot of each vif. */
  private readonly netSlots: number[]

  constructor(readonly options: MachineOptions, settings: DeterministicOptions = {}) {
    checkOptions(options)
    const harts = options.vcpus
    this.time = settings.time ?? new InstretClock(harts)
    this.interruptsFromEvents = settings.interrupts === 'events'
    this.observer = settings.observer
    this.ram = new Uint8Array(options.memoryMiB << 20)
    this.pages = this.ram.length >>> PAGE_SHIFT
    this.boot = loadBootImage(options, this.ram)
    this.dirty = new Uint8Array(this.pages)
    this.touched = new Uint8Array(this.pages)
    this.disks = options.disks.map((disk) => new DiskImage(disk.path, disk.readonly, DiskImage.load(disk.path, false)))
    const virtio: Array<VirtioBackend | undefined> = []
    const slots = virtioSlots(options)
    this.netSlots = slots.vifs
    slots.disks.forEach((slot, i) => (virtio[slot] = new VirtioBlk(this.disks[i])))
    slots.vifs.forEach((slot, i) => {
      virtio[slot] = new VirtioNet(vifMac(options.vifs[i], i), (frame) =>
        settings.network?.(i, frame, this.mmioHart, this.harts[this.mmioHart].instret))
    })
    this.devices = new MachineDevices(new Int32Array(DEVICE_STATE_WORDS), {
      harts,
      time: (hart) => this.readTime(hart),
      // One thread: a sleeping hart is simply not run until its lines rise.
      wake: () => {},
      console: (byte) => this.consoleBytes.push(byte),
      externalRead: (hart, offset, value) =>
        this.observer?.deviceRead?.(hart, this.harts[hart].instret, this.devices.uart.base + offset, 1, value),
      memory: this.guestMemory(),
      virtio,
    })
    this.devices.reset()
    for (let h = 0; h < harts; h++) {
      this.access.push(new Uint8Array(this.pages))
      this.reads.push(new Uint8Array(this.pages))
      this.writes.push(new Uint8Array(this.pages))
      this.events.push([])
      this.pending.push(undefined)
      this.spinTrack.push({valid: false, pc: 0, instret: 0, regs: new Int32Array(32)})
      this.lines.push(0)
      const hart = new Hart(h, this.ram.buffer, this.env(h))
      hart.pc = this.boot.entry
      hart.setReg(10, h)
      hart.setReg(11, this.boot.fdtAddr)
      this.harts.push(hart)
    }
  }

  get hartCount(): number {
    return this.harts.length
  }

  /** How the guest ended the run, once it has. */
  get finish(): MachineFinish | undefined {
    const test = this.devices.test
    const kind = test.finish
    if (kind === Finish.Running) return undefined
    return {kind: kind === Finish.Poweroff ? 'poweroff' : kind === Finish.Reboot ? 'reboot' : 'fail', code: test.exitCode, hart: test.finishingHart}
  }

  /** Everything the guest wrote to the UART so far. */
  get console(): Uint8Array {
    return Uint8Array.from(this.consoleBytes)
  }

  /**
   * Run hart `h` until it has retired `budget` more instructions, reaches
   * `untilInstret`, is about to touch a page of `stopAtPages`, sleeps in WFI
   * with nothing to wake it, the guest halts the machine, or it traps fatally.
   * An access a previous 'page' stop held back goes through first.
   */
  runHart(h: number, request: RunRequest): RunResult {
    const hart = this.hartAt(h)
    if (!(request.budget >= 0)) throw new ReseerError(`budget ${request.budget}: expected a count of instructions`)
    if (this.finish) return {reason: 'halt', passed: 0}
    if (hart.fatal) return {reason: 'fatal', passed: 0}
    this.watch(request.stopAtPages)
    this.passLeft = request.passStops ?? 0
    this.passBelow = request.passBelowInstret ?? 0
    this.passed = 0
    this.spinWatch = request.spinStops === true
    this.spinLength = 0
    this.mayCount = !this.spinWatch && this.observer?.pageAccess === undefined
    hart.breakAt = request.breakAt === undefined ? NO_BREAK : request.breakAt | 0
    hart.breakRegs = request.breakRegs
    hart.breakLoose = request.breakLoose ?? 0
    const pending = this.pending[h]
    if (pending) {
      hart.allowPendingAccess()
      this.noteAccess(h, pending.page, pending.write)
      this.pending[h] = undefined
    }
    this.running = h
    try {
      const result = this.step(h, hart, request)
      result.passed = this.passed
      return result
    } finally {
      this.running = -1
      this.passLeft = 0
      this.passBelow = 0
      this.spinWatch = false
      this.counting = 0
      hart.passes = 0
      hart.breakAt = NO_BREAK
      hart.breakRegs = undefined
    }
  }

  /** The stop, with `passed` to fill in (one object per call: a search makes millions). */
  private step(h: number, hart: Hart, request: RunRequest): RunResult {
    const target = hart.instret + request.budget
    const limit = Math.min(target, request.untilInstret ?? Infinity)
    let slept = false
    for (;;) {
      this.deliverDue(h)
      const next = this.events[h][0]?.at ?? Infinity
      const before = hart.instret
      if (before >= limit) return {reason: before >= target ? 'budget' : 'instret', passed: 0}
      // Passes decided in advance run in the hart's own code: as many as passStops has left, or all up to passBelowInstret.
      let until = Math.min(limit, next)
      if (this.mayCount && this.passLeft > 0) {
        this.beginCount(hart, this.passLeft, this.passLeft === Infinity)
      } else if (this.mayCount && before < this.passBelow) {
        this.beginCount(hart, COUNT_CHUNK, true)
        until = Math.min(until, this.passBelow)
      }
      let stop: Stop
      try {
        stop = hart.run(target - before, until)
      } finally {
        this.endCount(hart)
      }
      switch (stop) {
        case Stop.Budget:
          return {reason: 'budget', passed: 0}
        case Stop.Instret:
          continue
        case Stop.Page: {
          const held = this.pending[h]!
          return this.spinLength > 0
            ? {reason: 'page', passed: 0, page: held.page, write: held.write, spin: this.spinLength}
            : {reason: 'page', passed: 0, page: held.page, write: held.write}
        }
        case Stop.Wfi:
          // A virtual clock lets a hart asleep on its timer skip ahead to it, once per call.
          if (!slept && !this.interruptsFromEvents && this.sleepOnTimer(h)) {
            slept = true
            continue
          }
          return {reason: 'wfi', passed: 0}
        case Stop.Halt:
          if (!this.finish && this.rescheduled) {
            this.rescheduled = false
            continue
          }
          return {reason: 'halt', passed: 0}
        case Stop.Fatal:
          return {reason: 'fatal', passed: 0}
        case Stop.Break:
          return {reason: 'break', passed: 0}
      }
    }
  }

  /**
   * Run the harts in turn, `quantum` instructions each, until the guest halts
   * the machine. A guest still running after `maxInstructions` in all, every
   * hart asleep with nothing to wake it, or a fatal trap is a ReseerError; the
   * machine is left as it stopped, for inspection.
   */
  runToHalt(quantum: number, maxInstructions: number): MachineFinish {
    let retired = 0
    for (;;) {
      let progress = false
      for (let h = 0; h < this.harts.length; h++) {
        const before = this.harts[h].instret
        const result = this.runHart(h, {budget: quantum})
        const after = this.harts[h].instret
        retired += after - before
        if (after > before) progress = true
        const finish = this.finish
        if (finish) return finish
        if (result.reason === 'fatal') throw new ReseerError(`hart ${h}: ${this.harts[h].fatal}`, {code: 'EGUESTFAULT'})
      }
      if (!progress && this.harts.every((_, h) => this.events[h].length === 0)) {
        throw new ReseerError('every hart sleeps in WFI with nothing left to wake it', {code: 'EGUESTHANG'})
      }
      if (retired >= maxInstructions) {
        throw new ReseerError(`the guest did not stop within ${maxInstructions} instructions`, {code: 'EGUESTHANG'})
      }
    }
  }

  /** Deliver `event` to hart `h` when it has retired exactly event.at instructions. */
  inject(h: number, event: MachineEvent): void {
    const hart = this.hartAt(h)
    if (event.kind === 'frame' && !(event.vif >= 0 && event.vif < this.netSlots.length)) {
      throw new ReseerError(`frame for vif ${event.vif}: this machine has ${this.netSlots.length} vifs`)
    }
    if (!Number.isInteger(event.at) || event.at < hart.instret) {
      throw new ReseerError(`event at ${event.at} for hart ${h}, which has already retired ${hart.instret} instructions`)
    }
    const queue = this.events[h]
    let i = queue.length
    while (i > 0 && queue[i - 1].at > event.at) i--
    queue.splice(i, 0, event)
    // Injected by a device callback while h runs: stop at the next poll to set the run's instret limit anew.
    if (h === this.running) this.rescheduled = true
  }

  /** RAM pages written since clearDirty(), by any hart or device, ascending. */
  dirtyPages(): number[] {
    return setBits(this.dirty)
  }

  /** The pages hart `h` read and wrote since clearDirty(). */
  pageAccesses(h: number): {read: number[]; written: number[]} {
    this.hartAt(h)
    return {read: setBits(this.reads[h]), written: setBits(this.writes[h])}
  }

  /** Start a new interval: forget every page set, and have every hart report its first access to each page again. */
  clearDirty(): void {
    this.dirty.fill(0)
    for (let h = 0; h < this.harts.length; h++) {
      this.access[h].fill(0)
      this.reads[h].fill(0)
      this.writes[h].fill(0)
    }
  }

  saveState(): DeterministicState {
    const state: DeterministicState = {...this.saveCore(), ram: this.ram.slice()}
    this.startTouchedSet(state)
    return state
  }

  /** The machine without its RAM: a caller that tracks the pages it changes can restore those and this. */
  saveCore(): DeterministicCore {
    return {
      harts: this.harts.map((hart) => hart.saveState()),
      devices: this.devices.state.slice(),
      clock: this.time.saveState(),
      events: this.events.map((queue) => queue.slice()),
      pending: this.pending.slice(),
      consoleLength: this.consoleBytes.length,
      disks: this.disks.map((disk) => disk.saveOverlay()),
    }
  }

  restoreState(state: DeterministicState): void {
    if (state.harts.length !== this.harts.length || state.ram.length !== this.ram.length) {
      throw new ReseerError(`a state of ${state.harts.length} harts and ${state.ram.length >> 20} MiB does not fit this machine`)
    }
    if (state === this.base) {
      for (const page of setBits(this.touched)) {
        const at = page << PAGE_SHIFT
        this.ram.set(state.ram.subarray(at, at + (1 << PAGE_SHIFT)), at)
      }
    } else {
      this.ram.set(state.ram)
    }
    this.loadCore(state)
    this.startTouchedSet(state)
  }

  /**
   * Restore all but RAM, which the caller has put back itself. A later
   * restoreState copies the whole RAM, since this machine no longer knows
   * which pages differ from the state it last saved.
   */
  restoreCore(core: DeterministicCore): void {
    if (core.harts.length !== this.harts.length) throw new ReseerError(`a state of ${core.harts.length} harts does not fit this machine`)
    this.loadCore(core)
    this.base = undefined
  }

  private loadCore(state: DeterministicCore): void {
    state.harts.forEach((bytes, h) => this.harts[h].loadState(bytes))
    this.devices.state.set(state.devices)
    this.time.loadState(state.clock)
    state.events.forEach((queue, h) => this.events[h].splice(0, this.events[h].length, ...queue))
    state.pending.forEach((p, h) => (this.pending[h] = p))
    this.consoleBytes.length = Math.min(this.consoleBytes.length, state.consoleLength)
    state.disks.forEach((overlay, i) => this.disks[i].restoreOverlay(overlay))
    for (let h = 0; h < this.harts.length; h++) this.lines[h] = this.harts[h].mip & DEVICE_MIP
    this.forgetSpins()
  }

  /** Start spin detection afresh: each hart's next watched access is compared with none. */
  forgetSpins(): void {
    for (const track of this.spinTrack) track.valid = false
  }

  /** Every hart faults on its next write to each page, so restoring `state` later copies only pages written from now on. */
  private startTouchedSet(state: DeterministicState): void {
    this.base = state
    this.touched.fill(0)
    for (const table of this.access) {
      for (let page = 0; page < table.length; page++) table[page] &= ~(ACCESS_WRITE | ACCESS_COUNT_WRITE)
    }
  }

  private hartAt(h: number): Hart {
    const hart = this.harts[h]
    if (!Number.isInteger(h) || !hart) throw new ReseerError(`hart ${h}: this machine has harts 0 to ${this.harts.length - 1}`)
    return hart
  }

  private watch(pages: ReadonlySet<number> | undefined): void {
    if (pages === this.watched) return
    // Pages no longer watched are no longer counted either.
    if (this.watched) for (const page of this.watched) for (const table of this.access) table[page] &= ~(ACCESS_COUNT_READ | ACCESS_COUNT_WRITE)
    this.watched = pages
    if (!pages) return
    for (const page of pages) {
      if (!(page >= 0 && page < this.pages)) throw new ReseerError(`page ${page} is outside this machine's RAM`)
      for (const table of this.access) table[page] = 0
    }
  }

  private env(h: number): HartEnv {
    return {
      access: this.access[h],
      pageFault: (hart, page, write) => this.pageFault(hart, page, write),
      mmioLoad: (hart, addr, size) => this.devices.load(hart, addr, size),
      mmioStore: (hart, addr, size, value) => {
        this.mmioHart = hart
        return this.devices.store(hart, addr, size, value)
      },
      readTime: (hart) => this.readTime(hart),
      poll: (hart) => this.poll(hart),
    }
  }

  private guestMemory(): GuestMemory {
    return {
      read: (addr, length) => {
        const at = addr - RAM_BASE
        return at >= 0 && at + length <= this.ram.length ? this.ram.subarray(at, at + length) : undefined
      },
      write: (addr, bytes, external) => {
        const at = addr - RAM_BASE
        if (at < 0 || at + bytes.length > this.ram.length) return false
        this.ram.set(bytes, at)
        for (let page = at >>> PAGE_SHIFT; page <= (at + bytes.length - 1) >>> PAGE_SHIFT; page++) {
          this.dirty[page] = 1
          this.touched[page] = 1
        }
        if (external) this.observer?.dmaWrite?.(this.mmioHart, this.harts[this.mmioHart].instret, addr, bytes.slice())
        return true
      },
    }
  }

  /** Let the hart pass up to `count` decision points in its own code; `endless`: give it more when they run out. */
  private beginCount(hart: Hart, count: number, endless: boolean): void {
    this.counting = Math.min(count, COUNT_CHUNK)
    this.countEndless = endless
    hart.passes = this.counting
  }

  /** Add what the hart passed to RunResult.passed (and take it from passStops). */
  private endCount(hart: Hart): void {
    if (this.counting === 0) return
    const used = this.counting - hart.passes
    this.passed += used
    this.passLeft = Math.max(0, this.passLeft - used)
    this.counting = 0
    hart.passes = 0
  }

  private pageFault(h: number, page: number, write: boolean): boolean {
    if (this.watched?.has(page)) {
      if (this.counting > 0) {
        // The hart's first access of this kind to the page, or its passes ran out.
        const hart = this.harts[h]
        if (hart.passes === 0 && this.countEndless) {
          this.endCount(hart)
          this.beginCount(hart, COUNT_CHUNK, true)
        }
        if (hart.passes > 0) {
          hart.passes--
          this.noteAccess(h, page, write)
          this.access[h][page] |= write ? ACCESS_COUNT_READ | ACCESS_COUNT_WRITE : ACCESS_COUNT_READ
          return true
        }
        this.pending[h] = {page, write}
        this.spinLength = 0
        return false
      }
      const spin = this.spinWatch ? this.spinTurn(h, write) : 0
      if (this.passLeft > 0 || (spin === 0 && this.harts[h].instret < this.passBelow)) {
        // A decision point the caller decided in advance to go on through: the access happens, and the next one to the page stops here again.
        if (this.passLeft > 0) this.passLeft--
        this.passed++
        this.noteAccess(h, page, write)
        return true
      }
      this.pending[h] = {page, write}
      this.spinLength = spin
      return false
    }
    this.noteAccess(h, page, write)
    this.access[h][page] |= write ? ACCESS_READ | ACCESS_WRITE : ACCESS_READ
    return true
  }

  /** The length of the spin loop this watched access closes (see RunResult.spin), or 0; remembers the access for the next. */
  private spinTurn(h: number, write: boolean): number {
    const hart = this.harts[h]
    const track = this.spinTrack[h]
    const pc = hart.pc
    const instret = hart.instret
    const spin = !write && track.valid && track.pc === pc && instret > track.instret && hart.sameRegs(track.regs) ? instret - track.instret : 0
    track.valid = !write
    track.pc = pc
    track.instret = instret
    hart.copyRegs(track.regs)
    return spin
  }

  private noteAccess(h: number, page: number, write: boolean): void {
    if (write) {
      this.dirty[page] = 1
      this.touched[page] = 1
      this.writes[h][page] = 1
    } else {
      this.reads[h][page] = 1
    }
    this.observer?.pageAccess?.(h, this.harts[h].instret, page, write)
  }

  private readTime(h: number): bigint {
    const value = this.time.now(h, this.harts[h].instret)
    this.observer?.timeRead?.(h, this.harts[h].instret, value)
    return value
  }

  private poll(h: number): boolean {
    if (this.devices.test.finish !== Finish.Running || this.rescheduled) return true
    if (!this.interruptsFromEvents) {
      const hart = this.harts[h]
      this.setLines(h, this.devices.interruptLines(h, Number(this.time.now(h, hart.instret))))
    }
    return false
  }

  private setLines(h: number, lines: number): void {
    const hart = this.harts[h]
    if (lines === this.lines[h]) return
    this.lines[h] = lines
    hart.mip = (hart.mip & ~DEVICE_MIP) | lines
    this.observer?.interruptLines?.(h, hart.instret, lines)
  }

  private deliverDue(h: number): void {
    const queue = this.events[h]
    const instret = this.harts[h].instret
    while (queue.length > 0 && queue[0].at <= instret) {
      const event = queue.shift()!
      switch (event.kind) {
        case 'interrupts':
          this.setLines(h, event.mip & DEVICE_MIP)
          break
        case 'console':
          this.devices.uart.receive(event.byte)
          break
        case 'frame':
          this.mmioHart = h
          this.devices.virtio[this.netSlots[event.vif]].deliver(NET_RX_QUEUE, receivedPacket(event.frame))
          break
      }
      this.observer?.input?.(h, instret, event)
    }
  }

  /** If hart h waits for its timer, move its clock there. */
  private sleepOnTimer(h: number): boolean {
    const deadline = this.devices.clint.mtimecmp(h)
    const hart = this.harts[h]
    if (deadline === 0xffff_ffff_ffff_ffffn || this.time.now(h, hart.instret) >= deadline) return false
    return this.time.sleepUntil(h, hart.instret, deadline)
  }
}

function setBits(bits: Uint8Array): number[] {
  const out: number[] = []
  for (let i = 0; i < bits.length; i++) if (bits[i]) out.push(i)
  return out
}
