// A recording of a running parallel machine into a log directory. The harts
// race freely; the session logs each hart's nondeterministic events as they
// report them and, every interval, pauses all harts at an instruction
// boundary to take an incremental checkpoint. Nothing about the order of
// shared-memory accesses is recorded: search recovers it later.
//
// A session either boots a machine of its own (`record CFG`: checkpoint 0 is
// taken before the first instruction) or attaches to one a domain process
// runs (`record NAME`: pause, full checkpoint, resume). It ends on the
// guest's halt, stop(), its duration limit or an error; in every case the
// log is closed consistent up to its last complete checkpoint.
import {ReseerError} from '../cli/errors.js'
import {EventKind, encodeHalt} from '../log/events.js'
import {LogWriter} from '../log/writer.js'
import type {MachineFinish} from '../sim/deterministic.js'
import type {MachineOptions} from '../sim/machine.js'
import {ParallelMachine, type ParallelOutcome} from '../sim/parallel/parallel-machine.js'
import {type CheckpointReason, Checkpointer} from './checkpointer.js'
import {EventRecorder} from './event-recorder.js'
import {RecorderTap} from './recorder-tap.js'
import {type Interval, type RecordProgress, type RecordSettings, checkDuration, intervalOf} from './settings.js'

/** A machine someone else started, with the tap it was built with. */
export interface LiveMachine {
  machine: ParallelMachine
  tap: RecorderTap
  /** The promise machine.start() returned. */
  finished: Promise<ParallelOutcome>
}

export type RecordEnd =
  /** The guest powered off, rebooted or reported failure through the test device. */
  | {kind: 'halt'; finish: MachineFinish}
  /** A hart took a trap the guest cannot handle. */
  | {kind: 'fatal'; hart: number; message: string}
  /** stop() was called, or the machine was stopped from outside. */
  | {kind: 'stopped'}
  /** The duration limit was reached. */
  | {kind: 'duration'}

export interface RecordResult {
  end: RecordEnd
  logDir: string
  progress: RecordProgress
}

/** How long an instruction interval may stretch while every hart sleeps and the rate cannot be measured. */
const MAX_SCHEDULE_MS = 1000
/** The first pause of an instruction interval, to measure the rate from. */
const PROBE_MS = 10

export class RecordSession {
  private writer?: LogWriter
  private readonly recorder: EventRecorder
  private readonly checkpointer: Checkpointer
  private readonly interval: Interval
  private readonly clock: () => number
  private startedAt = 0
  private pausedMs = 0
  private lastCheckpointAt = 0
  private nextDelay: number
  private end?: RecordEnd
  private finished?: ParallelOutcome
  private failure?: unknown
  private demands: Array<{resolve: (index: number) => void; reject: (error: unknown) => void}> = []
  private wakeUp?: () => void
  private running?: Promise<RecordResult>
  private last: RecordProgress

  private constructor(
    private readonly live: LiveMachine,
    private readonly ownsMachine: boolean,
    readonly logDir: string,
    private readonly settings: RecordSettings,
  ) {
    const {machine} = live
    this.interval = intervalOf(settings)
    checkDuration(settings.durationMs)
    if (settings.mode === 'crew' && !ownsMachine && !machine.runsCrew) {
      throw new ReseerError('a running domain cannot be recorded in CREW mode: the protocol must hold from the first instruction', {code: 'ENOTSUP', hint: 'record the domain from its config with --mode crew'})
    }
    this.clock = settings.clock ?? (() => performance.now())
    this.nextDelay = this.interval.kind === 'ms' ? this.interval.ms : PROBE_MS
    if (live.tap.connected) throw new ReseerError('the domain is already being recorded', {code: 'EBUSY', hint: 'stop that recording first'})
    // A machine of our own is parked before its first instruction: its RAM is still the boot image.
    this.checkpointer = new Checkpointer(ownsMachine ? machine.boot.loaded : undefined)
    this.recorder = new EventRecorder(machine.hartCount, (error) => this.fail(error))
    live.tap.connect(this.recorder)
    this.last = {elapsedMs: 0, instructions: new Array<number>(machine.hartCount).fill(0), checkpoints: 0, eventBytes: 0, checkpointBytes: 0, events: 0, pausedMs: 0}
  }

  /**
   * Boot a new machine and record it from its first instruction. The machine
   * is checked and built before the log directory is created, so a domain
   * the machine refuses leaves no log behind; the log is created while the
   * hart workers load.
   */
  static boot(options: MachineOptions, logDir: string, settings: RecordSettings & {console?: (bytes: Uint8Array) => void}): RecordSession {
    const tap = new RecorderTap()
    const machine = new ParallelMachine(options, {observer: tap, console: settings.console, crew: settings.mode === 'crew'})
    // The machine starts when run() does: the promise stands in until then.
    return new RecordSession({machine, tap, finished: new Promise(() => {})}, true, logDir, settings)
  }

  /** Record a machine that is already running, from a full checkpoint taken now. */
  static attach(live: LiveMachine, logDir: string, settings: RecordSettings): RecordSession {
    return new RecordSession(live, false, logDir, settings)
  }

  get machine(): ParallelMachine {
    return this.live.machine
  }

  /** Progress as of the last checkpoint, with the events and time since. */
  get progress(): RecordProgress {
    return {
      ...this.last,
      elapsedMs: this.running ? this.clock() - this.startedAt : 0,
      events: this.recorder.events,
      instructions: this.last.instructions.map((n, h) => Math.max(n, this.recorder.instret[h])),
    }
  }

  /** Start recording; the promise settles when the recording has ended and the log is closed. */
  run(): Promise<RecordResult> {
    this.running ??= this.record()
    return this.running
  }

  /** Take a checkpoint now, between the interval's; resolves with its index. */
  checkpoint(): Promise<number> {
    if (!this.running || this.end || this.failure !== undefined) {
      return Promise.reject(new ReseerError('the recording is not running', {code: 'ENOTRECORDING'}))
    }
    return new Promise((resolve, reject) => {
      this.demands.push({resolve, reject})
      this.wakeUp?.()
    })
  }

  /** End the recording with a final checkpoint; resolves when the log is closed. */
  stop(): Promise<RecordResult> {
    this.end ??= {kind: 'stopped'}
    this.wakeUp?.()
    return this.run()
  }

  private async record(): Promise<RecordResult> {
    const {machine} = this.live
    this.startedAt = this.clock()
    try {
      if (this.ownsMachine) this.live.finished = machine.start()
      this.live.finished.then((outcome) => {
        this.finished = outcome
        this.wakeUp?.()
      }, (error: unknown) => this.fail(error))
      // Our own machine: asked before any worker has loaded, the pause parks every hart at its first instruction, and
      // the log is made while they load. A running domain is paused once its log is there.
      const parking = this.ownsMachine ? this.pauseMachine() : undefined
      parking?.catch(() => {})
      this.writer = createLog(this.logDir, machine.options, this.settings)
      this.checkpointer.identifyDisks(machine.disks.map((disk) => disk.path))
      await (parking ?? this.pauseMachine())
      this.recorder.open(this.writer)
      this.takeCheckpoint('start', {meta: {machine: machine.options}, resume: true})
      await this.loop()
      return await this.finish()
    } catch (error) {
      this.failure ??= error
      return await this.abandon()
    }
  }

  private async loop(): Promise<void> {
    for (;;) {
      if (this.failure !== undefined) throw this.failure
      if (this.finished || this.end) return
      const now = this.clock()
      if (this.settings.durationMs !== undefined && now - this.startedAt >= this.settings.durationMs) {
        this.end = {kind: 'duration'}
        return
      }
      const due = this.lastCheckpointAt + this.nextDelay
      if (this.demands.length > 0 || now >= due) {
        const demands = this.demands.splice(0)
        const pausedAt = this.clock()
        await this.pauseMachine()
        if (this.failure !== undefined) {
          for (const d of demands) d.reject(this.failure)
          throw this.failure
        }
        if (this.live.machine.hartsExited > 0) {
          // The guest powered off as the harts were stopping: the machine is ending, and the checkpoint to take is
          // its final one, after the Halt event (an interval checkpoint now would put the power-off before it and
          // its event after). The parked harts go on to see the power-off; a demand gets the final checkpoint.
          this.demands.unshift(...demands)
          this.live.machine.resume()
          await this.live.finished.catch(() => {})
          continue
        }
        let index: number
        try {
          index = this.takeCheckpoint(demands.length > 0 ? 'demand' : 'interval', {resume: true, pausedAt})
        } catch (error) {
          for (const d of demands) d.reject(error)
          throw error
        }
        for (const d of demands) d.resolve(index)
        continue
      }
      let wait = due - now
      if (this.settings.durationMs !== undefined) wait = Math.min(wait, this.startedAt + this.settings.durationMs - now)
      await this.sleep(wait)
    }
  }

  /** The recording ends normally: a final checkpoint where the harts stand, and the log closed. */
  private async finish(): Promise<RecordResult> {
    const {machine, tap} = this.live
    const outcome = this.finished
    let last: number
    if (outcome) {
      // Every hart has exited and flushed its reports.
      await drainReports()
      if (this.failure !== undefined) throw this.failure
      const states = machine.hartStates()
      if (outcome.kind === 'poweroff' || outcome.kind === 'reboot' || outcome.kind === 'fail') {
        this.writer!.append(outcome.hart, EventKind.Halt, BigInt(states[outcome.hart].instret), encodeHalt(outcome.kind === 'reboot' ? 'reboot' : 'poweroff', outcome.code))
      }
      last = this.takeCheckpoint(outcome.kind === 'stopped' ? 'stop' : 'halt')
      this.end = endOf(outcome)
    } else {
      await this.pauseMachine()
      if (this.failure !== undefined) throw this.failure
      last = this.takeCheckpoint('stop')
    }
    for (const d of this.demands.splice(0)) d.resolve(last)
    tap.disconnect(this.recorder)
    this.writer!.close()
    await this.release()
    return {end: this.end!, logDir: this.logDir, progress: this.progress}
  }

  /**
   * Something failed: the log keeps what its last complete checkpoint holds,
   * the machine is left running (a live domain) or stopped (our own), and the
   * error says which checkpoint the log reaches.
   */
  private async abandon(): Promise<never> {
    const cause = this.failure
    this.live.tap.disconnect(this.recorder)
    try {
      this.writer?.close()
    } catch {
      // The log is already consistent up to its last visible checkpoint; a close that cannot flush loses only what followed it.
    }
    for (const d of this.demands.splice(0)) d.reject(cause)
    await this.release().catch(() => {})
    // A log that could not be created has nothing to say about checkpoints.
    if (!this.writer) throw cause
    const reached = this.writer.checkpoints
    const state = reached > 0 ? `the log in ${this.logDir} is complete up to checkpoint ${reached - 1}` : `the log in ${this.logDir} has no checkpoint`
    const message = cause instanceof Error ? cause.message : String(cause)
    throw new ReseerError(`recording stopped: ${message}; ${state}`, {
      code: cause instanceof ReseerError ? cause.code : (cause as NodeJS.ErrnoException)?.code ?? 'ERECORD',
      cause,
    })
  }

  /** A machine of our own stops with the recording; a live domain goes on running. */
  private async release(): Promise<void> {
    const {machine} = this.live
    if (this.finished) return
    if (this.ownsMachine) await machine.stop()
    else machine.resume()
  }

  /** Park every hart; a hart worker that dies on the way ends the wait with its error. */
  private async pauseMachine(): Promise<void> {
    const failed = new Promise<void>((_, reject) => {
      this.live.finished.catch(reject)
    })
    await Promise.race([this.live.machine.pause(), failed])
    await drainReports()
  }

  /**
   * Checkpoint the paused machine. With `resume`, the harts go on as soon as
   * the checkpoint is copied out, and it is written while they run; that
   * keeps fsync latency out of the guest's time. Nothing can append an event
   * between the resume and the write: both happen in one turn of the loop.
   */
  private takeCheckpoint(reason: CheckpointReason, options: {meta?: Record<string, unknown>; resume?: boolean; pausedAt?: number} = {}): number {
    const previous = this.checkpointer.instret
    const captured = this.checkpointer.capture(this.live.machine, reason, options.meta)
    if (options.resume) this.live.machine.resume()
    if (options.pausedAt !== undefined) this.pausedMs += this.clock() - options.pausedAt
    const index = this.checkpointer.write(this.writer!, captured)
    const now = this.clock()
    if (this.interval.kind === 'instructions' && index > 0) this.nextDelay = this.scheduleFor(previous, now - this.lastCheckpointAt)
    this.lastCheckpointAt = now
    this.last = {
      elapsedMs: now - this.startedAt,
      instructions: this.checkpointer.instret.slice(),
      checkpoints: index + 1,
      events: this.recorder.events,
      pausedMs: this.pausedMs,
      eventBytes: this.writer!.bytes.events,
      checkpointBytes: this.writer!.bytes.other,
    }
    this.settings.onProgress?.(this.last)
    return index
  }

  /** Milliseconds until the busiest hart retires the interval's instructions, at the rate it just ran. */
  private scheduleFor(previous: number[], elapsed: number): number {
    if (this.interval.kind !== 'instructions') return this.nextDelay
    const retired = Math.max(0, ...this.checkpointer.instret.map((n, h) => n - (previous[h] ?? 0)))
    if (retired === 0 || elapsed <= 0) return MAX_SCHEDULE_MS
    return Math.min(MAX_SCHEDULE_MS, Math.max(1, (this.interval.instructions * elapsed) / retired))
  }

  private fail(error: unknown): void {
    this.failure ??= error
    this.wakeUp?.()
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, Math.max(0, ms))
      function done(): void {
        clearTimeout(timer)
        resolve()
      }
      this.wakeUp = () => {
        this.wakeUp = undefined
        done()
      }
    })
  }
}

function createLog(dir: string, options: MachineOptions, settings: RecordSettings): LogWriter {
  try {
    return LogWriter.create(dir, {
      backend: 'sim',
      domain: settings.domain ?? options.kernel.replace(/^.*\//, '').replace(/\.elf$/, ''),
      vcpus: options.vcpus,
      memoryBytes: options.memoryMiB << 20,
      config: settings.config ?? {},
      mode: settings.mode ?? 'reseer',
      creator: settings.creator,
    })
  } catch (error) {
    if (error instanceof ReseerError) throw error
    throw new ReseerError(`cannot create log directory ${dir}: ${(error as Error).message}`, {code: (error as NodeJS.ErrnoException).code ?? 'ELOGCREATE', cause: error})
  }
}

/**
 * Hart reports travel as worker messages, posted before a hart parks or
 * exits. The main loop's next poll phase delivers what was posted before it,
 * so one turn past it (setImmediate runs after poll) sees every report.
 */
async function drainReports(): Promise<void> {
  await new Promise((resolve) => setImmediate(resolve))
  await new Promise((resolve) => setImmediate(resolve))
}

function endOf(outcome: ParallelOutcome): RecordEnd {
  switch (outcome.kind) {
    case 'fatal':
      return {kind: 'fatal', hart: outcome.hart, message: outcome.message}
    case 'stopped':
      return {kind: 'stopped'}
    default:
      return {kind: 'halt', finish: outcome}
  }
}
