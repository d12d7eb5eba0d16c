// Recording inside a domain's process. The machine is built with a recorder
// tap; `record` connects a record session to it for as long as it runs, and
// the session pauses the harts for its checkpoints. When the guest stops,
// the session writes its final checkpoint before the process goes away.
import {ReseerError, errorLine} from '../cli/errors.js'
import {packageVersion} from '../cli/package-info.js'
import {parseInterval} from '../cli/durations.js'
import type {DomainConfig} from '../config/domain-config.js'
import {RecorderTap} from '../record/recorder-tap.js'
import {RecordSession, type RecordResult} from '../record/session.js'
import type {RecordingMode} from '../log/header.js'
import type {ParallelMachine, ParallelOutcome} from '../sim/parallel/parallel-machine.js'

export interface RecordRequest {
  logDir: string
  interval?: string
  mode?: string
  durationMs?: number
}

export class DomainRecorder {
  readonly tap = new RecorderTap()
  private session?: RecordSession
  private result?: Promise<RecordResult | undefined>
  private lastEnd?: Record<string, unknown>
  private failure?: unknown

  constructor(readonly config: DomainConfig) {}

  get active(): boolean {
    return this.session !== undefined
  }

  get logDir(): string | undefined {
    return this.session?.logDir
  }

  /** Summary of the recording in progress, or of the last one. */
  status(): Record<string, unknown> | undefined {
    if (this.session) return {logDir: this.session.logDir, ...this.session.progress}
    return this.lastEnd
  }

  /** Start recording the running machine; resolves once checkpoint 0 is in the log. */
  async start(machine: ParallelMachine, finished: Promise<ParallelOutcome>, req: RecordRequest): Promise<Record<string, unknown>> {
    if (this.session) throw new ReseerError(`domain ${this.config.name} is already being recorded into ${this.session.logDir}`, {code: 'ERECORDING'})
    this.failure = undefined
    let first!: () => void
    const started = new Promise<void>((resolve) => (first = resolve))
    const session = RecordSession.attach({machine, tap: this.tap, finished}, req.logDir, {
      interval: req.interval ? parseInterval(req.interval) : undefined,
      mode: (req.mode ?? 'reseer') as RecordingMode,
      durationMs: req.durationMs,
      creator: {tool: 'reseer-xl', version: packageVersion()},
      domain: this.config.name,
      config: this.config as unknown as Record<string, unknown>,
      onProgress: () => first(),
    })
    this.session = session
    const run = session.run()
    this.result = run.then((result) => {
      this.lastEnd = {logDir: result.logDir, end: result.end, ...result.progress}
      return result
    }, (error: Error) => {
      this.lastEnd = {logDir: req.logDir, error: error.message}
      this.failure = error
      process.stderr.write(errorLine(error) + '\n')
      return undefined
    }).finally(() => {
      if (this.session === session) this.session = undefined
      first()
    })
    await started
    if (!this.session) throw this.failure ?? new ReseerError(`recording of ${this.config.name} ended at once`, {code: 'ERECORD'})
    return {logDir: req.logDir, recording: true}
  }

  async checkpoint(): Promise<Record<string, unknown>> {
    if (!this.session) {
      throw new ReseerError(`domain ${this.config.name} is not being recorded`, {code: 'ENOTRECORDING', hint: `start with 'reseer-xl record ${this.config.name}'`})
    }
    const index = await this.session.checkpoint()
    return {checkpoint: index, logDir: this.session.logDir}
  }

  /** End the recording (final checkpoint, log closed); the domain runs on. */
  async stop(): Promise<Record<string, unknown>> {
    if (!this.session) throw new ReseerError(`domain ${this.config.name} is not being recorded`, {code: 'ENOTRECORDING'})
    await this.session.stop().catch(() => undefined)
    await this.result
    return {recording: false, ...this.lastEnd}
  }

  /** The machine has stopped: let a recording in progress write its last checkpoint. */
  async finish(): Promise<void> {
    await this.result
  }
}
