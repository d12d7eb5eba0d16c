// The parallel machine: every hart in its own worker thread over one
// SharedArrayBuffer of RAM, truly concurrent, so guests race as on real SMP
// hardware. This is how a domain runs free and is recorded. The main thread
// starts, pauses, inspects, resumes and stops the harts; the guest powering
// off ends the run.

import dgram from 'node:dgram'
import {existsSync} from 'node:fs'
import {Worker} from 'node:worker_threads'
import {ReseerError} from '../../cli/errors.js'
import {decodeHartState, type HartState} from '../hart-state.js'
import {checkOptions, loadBootImage, parseHostPort, type BootImage, type MachineOptions} from '../machine.js'
import {NET_MAX_FRAME} from '../devices/virtio-net.js'
import {DEVICE_STATE_WORDS, MachineDevices} from '../machine-devices.js'
import type {MachineObserver} from '../machine-observer.js'
import type {MachineFinish} from '../deterministic.js'
import {Finish} from '../devices/test-device.js'
import {DiskImage} from '../devices/disk-image.js'
import {HostClock} from './host-clock.js'
import type {HartWorkerData} from './hart-worker.js'
import {allocateCrew, type CrewShared} from './crew-pages.js'
import {allocateShared, Command, Control, RecordRing, RING_BYTES, type SharedMachine, wakeHart} from './shared.js'
import {Observed, type WorkerMessage} from './worker-messages.js'

export interface ParallelOptions {
  /** Run the CREW protocol over the harts' pages (crew-pages.ts), for the CREW baseline recorder. */
  crew?: boolean
  /** 'host' (default): mtime is the host clock at 10 MHz. 'instret': each hart's own retired instructions, as in deterministic mode. */
  time?: 'host' | 'instret'
  observer?: MachineObserver
  /** Receives console output as the guest writes it. */
  console?: (bytes: Uint8Array) => void
}

export type ParallelOutcome =
  | MachineFinish
  | {kind: 'fatal'; hart: number; message: string}
  | {kind: 'stopped'}

/** How often the main thread drains console output. */
const MAIN_TICK_MS = 5
/** Longest wait for a notification from parking harts before looking again. */
const PAUSE_WAIT_MS = 10

/** Atomics.waitAsync (ES2024, in Node since 16); the project's lib is ES2022. */
const waitAsync = (Atomics as unknown as {
  waitAsync(array: Int32Array, index: number, value: number, timeout: number): {async: false; value: string} | {async: true; value: Promise<string>}
}).waitAsync

export class ParallelMachine {
  readonly boot: BootImage
  /** Guest RAM; consistent only while the harts are paused or finished. */
  readonly ram: Uint8Array
  /** Each configured disk as the guest has written it; consistent only while paused or finished. */
  readonly disks: DiskImage[]
  private readonly shared: SharedMachine
  private readonly crew?: CrewShared
  private readonly control: Int32Array
  private readonly devices: MachineDevices
  private readonly workers: Worker[] = []
  private readonly consoleChunks: Buffer[] = []
  private fatal?: {hart: number; message: string}
  private failure?: Error
  private running?: Promise<ParallelOutcome>
  private paused = false
  private ended = false
  private drainTimer?: NodeJS.Timeout
  private readonly sockets: Array<{socket: dgram.Socket; peer: {host: string; port: number}}> = []
  private readonly netIn: RecordRing
  private readonly netOut: RecordRing

  constructor(readonly options: MachineOptions, private readonly settings: ParallelOptions = {}) {
    checkOptions(options)
    const disks = options.disks.map((disk) => DiskImage.load(disk.path, true))
    this.shared = allocateShared(options.vcpus, options.memoryMiB << 20, DEVICE_STATE_WORDS, disks)
    this.crew = settings.crew ? allocateCrew(options.vcpus, (options.memoryMiB << 20) >>> 12) : undefined
    this.disks = options.disks.map((disk, i) => new DiskImage(disk.path, disk.readonly, disks[i]))
    this.ram = new Uint8Array(this.shared.ram)
    this.boot = loadBootImage(options, this.ram)
    this.control = new Int32Array(this.shared.control)
    this.netIn = new RecordRing(this.shared.netIn, this.control, Control.NetInHead, Control.NetInTail)
    this.netOut = new RecordRing(this.shared.netOut, this.control, Control.NetOutHead, Control.NetOutTail)
    // The main thread touches devices only to reset them and read how the guest finished.
    this.devices = new MachineDevices(new Int32Array(this.shared.devices), {
      harts: options.vcpus,
      time: () => 0n,
      wake: () => {},
      console: () => {},
      memory: {read: () => undefined, write: () => false},
      virtio: [],
    })
    this.devices.reset()
  }

  /** Whether the harts run the CREW protocol (built with `crew`), which then holds from their first instruction. */
  get runsCrew(): boolean {
    return this.crew !== undefined
  }

  get hartCount(): number {
    return this.options.vcpus
  }

  /** Start every hart; the promise settles when the run ends. */
  start(): Promise<ParallelOutcome> {
    if (this.running) throw new ReseerError('the machine is already running')
    this.running = this.openNetwork().then(() => this.runHarts())
    return this.running
  }

  /** One UDP socket per vif, bound before any hart can transmit. */
  private async openNetwork(): Promise<void> {
    for (const [i, vif] of this.options.vifs.entries()) {
      const local = vif.local === undefined ? {host: '127.0.0.1', port: 0} : parseHostPort(vif.local, `vif ${i} local address`)
      const peer = parseHostPort(vif.peer, `vif ${i} peer`)
      const socket = dgram.createSocket('udp4')
      await new Promise<void>((resolve, reject) => {
        socket.once('error', (error) => reject(new ReseerError(`vif ${i}: cannot listen on ${local.host}:${local.port}: ${error.message}`, {code: 'EVIF', cause: error})))
        socket.bind(local.port, local.host, () => resolve())
      })
      socket.on('error', (error) => {
        this.failure ??= error
        this.requestStop()
      })
      // A datagram is one frame; what does not fit the ring now is lost, as on a congested link.
      socket.on('message', (frame) => {
        if (frame.length <= NET_MAX_FRAME) this.netIn.put(i, frame)
      })
      this.sockets.push({socket, peer})
    }
  }

  private runHarts(): Promise<ParallelOutcome> {
    const epoch = HostClock.epochNow()
    const workerFile = compiledWorker()
    const exits: Array<Promise<void>> = []
    for (let h = 0; h < this.hartCount; h++) {
      const workerData: HartWorkerData = {
        hart: h,
        harts: this.hartCount,
        shared: this.shared,
        entry: this.boot.entry,
        fdtAddr: this.boot.fdtAddr,
        time: this.settings.time === 'instret' ? {kind: 'instret'} : {kind: 'host', epoch},
        observe: this.settings.observer !== undefined,
        observePages: this.settings.observer?.pageAccess !== undefined,
        crew: this.crew,
        disks: this.options.disks,
        vifs: this.options.vifs,
      }
      // No inherited loaders or instrumentation: a hart is hot code.
      const worker = new Worker(workerFile, {workerData, execArgv: []})
      worker.on('message', (message: WorkerMessage) => this.onMessage(message))
      exits.push(new Promise((resolve) => {
        worker.on('error', (error) => {
          this.failure ??= error
          this.requestStop()
        })
        worker.on('exit', () => resolve())
      }))
      this.workers.push(worker)
    }
    this.drainTimer = setInterval(() => this.drain(), MAIN_TICK_MS)
    return Promise.all(exits).then(async () => {
      clearInterval(this.drainTimer)
      this.ended = true
      this.drain()
      await Promise.all(this.sockets.map(({socket}) => new Promise<void>((resolve) => socket.close(() => resolve()))))
      if (this.failure) throw new ReseerError(`a hart worker failed: ${this.failure.message}`, {cause: this.failure})
      return this.outcome()
    })
  }

  /** Local UDP endpoints of the vifs, once the machine has started. */
  vifAddresses(): Array<{host: string; port: number}> {
    return this.sockets.map(({socket}) => ({host: socket.address().address, port: socket.address().port}))
  }

  /**
   * Park every hart at an instruction boundary; resolves once all are parked
   * (or finished). Harts notify the Paused word as they park or exit, so the
   * main thread wakes as soon as the last one has: the guest stays parked
   * for no timer's granularity. The timeout covers a hart that exits between
   * the two loads and the wait.
   */
  async pause(): Promise<void> {
    this.mustRun()
    Atomics.store(this.control, Control.Command, Command.Pause)
    for (let h = 0; h < this.hartCount; h++) wakeHart(this.control, h)
    for (;;) {
      const paused = Atomics.load(this.control, Control.Paused)
      if (paused + Atomics.load(this.control, Control.Exited) >= this.hartCount) break
      const wait = waitAsync(this.control, Control.Paused, paused, PAUSE_WAIT_MS)
      if (wait.async) await wait.value
    }
    this.paused = true
  }

  /** Harts whose worker has ended: the guest powered off (or a hart failed), so the machine is ending. */
  get hartsExited(): number {
    return Atomics.load(this.control, Control.Exited)
  }

  resume(): void {
    this.mustRun()
    this.paused = false
    Atomics.store(this.control, Control.Command, Command.Run)
    Atomics.notify(this.control, Control.Command)
  }

  /** End the run wherever the harts are. */
  async stop(): Promise<ParallelOutcome> {
    this.mustRun()
    this.requestStop()
    return this.running!
  }

  /** Each hart's state as it parked or finished; call while paused or after the run. */
  hartStates(): HartState[] {
    this.mustBeStill()
    return this.shared.states.map((slot) => decodeHartState(new Uint8Array(slot).slice()))
  }

  dirtyPages(): number[] {
    this.mustBeStill()
    return setBits(new Uint8Array(this.shared.dirty))
  }

  pageAccesses(h: number): {read: number[]; written: number[]} {
    this.mustBeStill()
    return {read: setBits(new Uint8Array(this.shared.reads[h])), written: setBits(new Uint8Array(this.shared.writes[h]))}
  }

  /** Start a new interval of page sets; the harts report each page's first access again. */
  clearDirty(): void {
    this.mustBeStill()
    new Uint8Array(this.shared.dirty).fill(0)
    for (let h = 0; h < this.hartCount; h++) {
      new Uint8Array(this.shared.access[h]).fill(0)
      new Uint8Array(this.shared.reads[h]).fill(0)
      new Uint8Array(this.shared.writes[h]).fill(0)
    }
  }

  /** The device state words, to checkpoint; call while paused or after the run. */
  deviceState(): Int32Array {
    this.mustBeStill()
    return new Int32Array(this.shared.devices).slice()
  }

  /** Everything the guest wrote to the UART so far. */
  get console(): Uint8Array {
    this.drainConsole()
    return Buffer.concat(this.consoleChunks)
  }

  /** Queue console input; a hart's poll moves it into the UART as the FIFO has room. */
  sendConsole(bytes: Uint8Array): void {
    const input = new Uint8Array(this.shared.consoleIn)
    let head = Atomics.load(this.control, Control.InHead)
    for (const byte of bytes) {
      if (((head - Atomics.load(this.control, Control.InTail)) | 0) >= RING_BYTES) {
        throw new ReseerError('console input overflows: the guest is not reading its UART')
      }
      input[(head >>> 0) % RING_BYTES] = byte
      head = (head + 1) | 0
    }
    Atomics.store(this.control, Control.InHead, head)
  }

  private requestStop(): void {
    Atomics.store(this.control, Control.Command, Command.Stop)
    Atomics.notify(this.control, Control.Command)
    for (let h = 0; h < this.hartCount; h++) wakeHart(this.control, h)
  }

  private outcome(): ParallelOutcome {
    const test = this.devices.test
    switch (test.finish) {
      case Finish.Poweroff:
        return {kind: 'poweroff', code: 0, hart: test.finishingHart}
      case Finish.Reboot:
        return {kind: 'reboot', code: 0, hart: test.finishingHart}
      case Finish.Fail:
        return {kind: 'fail', code: test.exitCode, hart: test.finishingHart}
    }
    if (this.fatal) return {kind: 'fatal', ...this.fatal}
    return {kind: 'stopped'}
  }

  private onMessage(message: WorkerMessage): void {
    if (message.type === 'frame') {
      const observer = this.settings.observer!
      observer.input?.(message.hart, message.instret, {kind: 'frame', at: message.instret, vif: message.vif, frame: message.frame})
      for (const {addr, bytes} of message.dma) observer.dmaWrite?.(message.hart, message.instret, addr, bytes)
      return
    }
    if (message.type === 'exit') {
      if (message.fatal !== undefined && !this.fatal) {
        this.fatal = {hart: message.hart, message: message.fatal}
        // One hart cannot go on: stop the others so the machine stays as the fault left it.
        this.requestStop()
      }
      return
    }
    const observer = this.settings.observer!
    const {hart, records} = message
    for (let i = 0; i < records.length; i += 5) {
      const instret = records[i + 1]
      const [a, b, c] = [records[i + 2], records[i + 3], records[i + 4]]
      switch (records[i] as Observed) {
        case Observed.TimeRead:
          observer.timeRead?.(hart, instret, BigInt(a))
          break
        case Observed.InterruptLines:
          observer.interruptLines?.(hart, instret, a)
          break
        case Observed.DeviceRead:
          observer.deviceRead?.(hart, instret, a, b, c)
          break
        case Observed.ConsoleInput:
          observer.input?.(hart, instret, {kind: 'console', at: instret, byte: a})
          break
        case Observed.PageAccess:
          observer.pageAccess?.(hart, instret, a, b !== 0)
          break
        case Observed.Pace:
          observer.pace?.(hart, instret, a)
          break
        case Observed.CrewTransfer: {
          const other = b & 0xff
          const received = (b & (1 << 16)) !== 0
          observer.crewTransfer?.(hart, instret, {
            page: a, rights: (b >>> 8) & 0xff,
            from: received ? other : hart, to: received ? hart : other,
            fromInstret: received ? c : instret, toInstret: received ? instret : c,
          })
          break
        }
      }
    }
  }

  private drain(): void {
    this.drainConsole()
    for (let record = this.netOut.peek(); record; record = this.netOut.peek()) {
      this.netOut.take(record)
      const {socket, peer} = this.sockets[record.tag]
      socket.send(record.body, peer.port, peer.host)
    }
  }

  private drainConsole(): void {
    const head = Atomics.load(this.control, Control.OutHead)
    let tail = Atomics.load(this.control, Control.OutTail)
    if (head === tail) return
    const ring = new Uint8Array(this.shared.consoleOut)
    const bytes = Buffer.alloc((head - tail) | 0)
    for (let i = 0; i < bytes.length; i++, tail = (tail + 1) | 0) bytes[i] = ring[(tail >>> 0) % RING_BYTES]
    Atomics.store(this.control, Control.OutTail, tail)
    Atomics.notify(this.control, Control.OutTail)
    this.consoleChunks.push(bytes)
    this.settings.console?.(bytes)
  }

  private mustRun(): void {
    if (!this.running) throw new ReseerError('the machine has not been started')
  }

  private mustBeStill(): void {
    if (this.running && !this.paused && !this.ended) throw new ReseerError('pause the machine first: its harts are running')
  }
}

/**
 * The worker runs as compiled JavaScript even when this file runs from source
 * under a TypeScript loader: loading the loader into every worker costs
 * seconds per hart. From src/, that is the build's copy in dist/.
 */
function compiledWorker(): URL {
  const here = new URL(import.meta.url)
  const fromSource = here.pathname.endsWith('.ts')
  const worker = fromSource
    ? new URL(here.href.replace(/\/src\/lib\/sim\/parallel\/[^/]+\.ts$/, '/dist/lib/sim/parallel/hart-worker.js'))
    : new URL('./hart-worker.js', here)
  if (!existsSync(worker)) {
    throw new ReseerError('the parallel machine needs the compiled hart worker', {code: 'ENOBUILD', hint: 'run `npm run build` first'})
  }
  return worker
}

function setBits(bits: Uint8Array): number[] {
  const out: number[] = []
  for (let i = 0; i < bits.length; i++) if (bits[i]) out.push(i)
  return out
}
