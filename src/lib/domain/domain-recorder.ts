// Recording inside a domain's process. The machine's observer is fixed when
// the machine is built, so the domain always hands the machine this
// recorder's observer, which forwards to a record session only while one is
// active.
import {ReseerError} from '../cli/errors.js'
import type {DomainConfig} from '../config/domain-config.js'
import type {MachineObserver} from '../sim/machine-observer.js'
import type {ParallelMachine, ParallelOutcome} from '../sim/parallel/parallel-machine.js'

export class DomainRecorder {
  logDir?: string
  private session?: MachineObserver
  readonly observer: MachineObserver

  constructor(readonly config: DomainConfig) {
    const forward = <K extends keyof MachineObserver>(key: K) =>
      ((...args: unknown[]) => (this.session?.[key] as ((...a: unknown[]) => void) | undefined)?.(...args)) as NonNullable<MachineObserver[K]>
    this.observer = {
      timeRead: forward('timeRead'),
      interruptLines: forward('interruptLines'),
      deviceRead: forward('deviceRead'),
      input: forward('input'),
      dmaWrite: forward('dmaWrite'),
      pageAccess: forward('pageAccess'),
    }
  }

  get active(): boolean {
    return this.session !== undefined
  }

  async start(_machine: ParallelMachine, _req: {logDir: string; interval?: string; mode?: string}): Promise<Record<string, unknown>> {
    throw new ReseerError(`recording a running sim domain is not available in this build`, {code: 'ENOTSUP'})
  }

  async checkpoint(_machine: ParallelMachine): Promise<Record<string, unknown>> {
    if (!this.session) throw new ReseerError(`domain ${this.config.name} is not being recorded`, {code: 'ENOTRECORDING', hint: `start with 'reseer-xl record ${this.config.name}'`})
    return {}
  }

  async stop(_machine: ParallelMachine, _why: string): Promise<Record<string, unknown>> {
    if (!this.session) return {recording: false}
    this.session = undefined
    return {recording: false}
  }

  async finish(_machine: ParallelMachine, _outcome: ParallelOutcome): Promise<void> {
    this.session = undefined
  }
}
