// The process that owns one live sim domain, as a device model owns an HVM
// guest under Xen: it runs the machine, answers the verbs on the domain's
// socket, and applies on_poweroff/on_reboot/on_crash when the guest stops.
// Started by launch.ts; its first stdout line tells the starter how it went.
import {ReseerError, errorLine} from '../cli/errors.js'
import {loadDomainConfig, type DomainConfig} from '../config/domain-config.js'
import {machineOptionsFor} from '../backend/sim/machine-options.js'
import {ParallelMachine, type ParallelOutcome} from '../sim/parallel/parallel-machine.js'
import type {LaunchOptions} from './launch.js'
import {claimDomain, removeRecord, socketPath, writeRecord} from './rundir.js'
import {ControlServer, type DomainHost} from './server.js'
import {DomainRecorder, type RecordRequest} from './domain-recorder.js'
import {PauseArbiter} from './pause-arbiter.js'

type RunState = 'running' | 'paused' | 'shutdown'

class SimDomain implements DomainHost {
  private machine!: ParallelMachine
  private run!: Promise<ParallelOutcome>
  private arbiter!: PauseArbiter
  private state: RunState = 'running'
  private readonly recorder: DomainRecorder
  server!: ControlServer
  /** Set when the process should end; resolves main(). */
  ended!: Promise<number>
  private end!: (status: number) => void

  constructor(readonly config: DomainConfig, readonly domid: number) {
    this.ended = new Promise((resolve) => (this.end = resolve))
    this.recorder = new DomainRecorder(config)
  }

  /**
   * Build and start the machine. With `park` every hart is parked before its
   * first instruction (asked before any worker has loaded, the pause takes
   * effect there): for -p, and to record from the very start. With `crew`
   * the harts run the CREW protocol from that first instruction, so a CREW
   * recording can attach to them.
   */
  async boot(park: boolean, crew = false): Promise<void> {
    this.machine = new ParallelMachine(machineOptionsFor(this.config), {
      console: (bytes) => this.server.consoleOutput(bytes),
      observer: this.recorder.tap,
      crew,
    })
    this.arbiter = new PauseArbiter(this.machine)
    this.run = this.machine.start()
    this.run.then((outcome) => this.onFinish(outcome), (error: Error) => this.onCrash(error.message))
    this.state = 'running'
    if (park) await this.pause()
  }

  status(): Record<string, unknown> {
    const usage = process.cpuUsage()
    const flags = {running: 'r-----', paused: '--p---', shutdown: '---s--'}[this.state]
    return {
      name: this.config.name,
      domid: this.domid,
      state: flags,
      runState: this.state,
      cpuSeconds: (usage.user + usage.system) / 1e6,
      ...(this.recorder.active ? {recording: this.recorder.logDir} : {}),
      ...(this.recorder.status() ? {record: this.recorder.status()} : {}),
    }
  }

  async pause(): Promise<void> {
    if (this.state !== 'running') throw new ReseerError(`domain ${this.config.name} is ${this.state}, not running`)
    await this.arbiter.pauseForUser()
    this.state = 'paused'
  }

  async unpause(): Promise<void> {
    if (this.state !== 'paused') throw new ReseerError(`domain ${this.config.name} is ${this.state}, not paused`)
    this.arbiter.resumeForUser()
    this.state = 'running'
  }

  async destroy(): Promise<void> {
    if (this.recorder.active) await this.recorder.stop()
    if (this.state !== 'shutdown') await this.machine.stop().catch(() => undefined)
    this.end(0)
  }

  consoleInput(bytes: Uint8Array): void {
    if (this.state !== 'shutdown') this.machine.sendConsole(bytes)
  }

  checkpoint(): Promise<Record<string, unknown>> {
    return this.recorder.checkpoint()
  }

  /** Record from now on; a paused domain stays paused, its checkpoints taken where it stands. */
  async recordStart(req: RecordRequest): Promise<Record<string, unknown>> {
    if (this.state === 'shutdown') throw new ReseerError(`domain ${this.config.name} has shut down; nothing to record`)
    return this.recorder.start(this.arbiter.forRecorder(), this.run, req)
  }

  recordStop(): Promise<Record<string, unknown>> {
    return this.recorder.stop()
  }

  private async onFinish(outcome: ParallelOutcome): Promise<void> {
    await this.recorder.finish()
    if (outcome.kind === 'stopped') return
    const action = outcome.kind === 'poweroff' ? this.config.onPoweroff : outcome.kind === 'reboot' ? this.config.onReboot : this.config.onCrash
    process.stderr.write(`domain ${this.config.name}: ${describe(outcome)}; on_${outcome.kind === 'poweroff' ? 'poweroff' : outcome.kind === 'reboot' ? 'reboot' : 'crash'}=${action}\n`)
    if (action === 'restart' || action === 'rename-restart' || action === 'coredump-restart' || action === 'soft-reset') {
      await this.boot(false)
      return
    }
    if (action === 'preserve') {
      this.state = 'shutdown'
      return
    }
    this.end(outcome.kind === 'poweroff' || outcome.kind === 'reboot' ? 0 : 1)
  }

  private onCrash(message: string): void {
    process.stderr.write(`domain ${this.config.name}: machine failed: ${message}\n`)
    this.end(1)
  }
}

function describe(outcome: ParallelOutcome): string {
  switch (outcome.kind) {
    case 'fatal':
      return `crashed: ${outcome.message}`
    case 'fail':
      return `guest reported failure (exit code ${outcome.code})`
    default:
      return outcome.kind === 'stopped' ? 'stopped' : `guest ${outcome.kind === 'poweroff' ? 'powered off' : 'rebooted'}`
  }
}

async function main(): Promise<number> {
  const options = JSON.parse(process.argv[2] ?? '{}') as LaunchOptions
  let claim: {domid: number; release: () => void} | undefined
  let domain: SimDomain | undefined
  try {
    const config = loadDomainConfig(options.configFile, {backend: options.backend})
    claim = claimDomain(config.name)
    domain = new SimDomain(config, claim.domid)
    domain.server = new ControlServer(domain, socketPath(config.name))
    await domain.server.listen()
    await domain.boot(Boolean(options.paused) || Boolean(options.record), options.record?.mode === 'crew')
    if (options.record) {
      await domain.recordStart(options.record)
      if (!options.paused) await domain.unpause()
    }
    writeRecord({
      name: config.name, domid: claim.domid, pid: process.pid, configFile: config.configFile,
      socket: socketPath(config.name), vcpus: config.vcpus, memoryMiB: config.memoryMiB, created: Date.now(),
    })
    process.stdout.write(JSON.stringify({ok: true, domid: claim.domid}) + '\n')
  } catch (error) {
    const line = errorLine(error).replace(/^reseer-xl: /, '')
    process.stdout.write(JSON.stringify({ok: false, error: line, code: (error as ReseerError).code}) + '\n')
    process.stderr.write(errorLine(error) + '\n')
    await domain?.server?.close().catch(() => undefined)
    claim?.release()
    return 1
  }
  const status = await domain.ended
  await domain.server.close()
  removeRecord(domain.config.name)
  claim.release()
  return status
}

process.on('SIGTERM', () => process.exit(143))
main().then((status) => process.exit(status), (error: unknown) => {
  process.stderr.write(errorLine(error) + '\n')
  process.exit(1)
})
