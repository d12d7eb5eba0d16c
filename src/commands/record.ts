import {existsSync, statSync} from 'node:fs'

type Json = {[key: string]: unknown}
import {Args, Flags} from '@oclif/core'
import {ReseerCommand, dryRunFlag} from '../lib/cli/base-command.js'
import {parseDuration, parseInterval} from '../lib/cli/durations.js'
import {ReseerError} from '../lib/cli/errors.js'
import {packageVersion} from '../lib/cli/package-info.js'
import {progressLine} from '../lib/cli/progress.js'
import {loadDomainConfig, logDirFor} from '../lib/config/domain-config.js'
import {DEFAULT_INTERVAL_MS} from '../lib/record/settings.js'
import {recordXenDomain} from '../lib/backend/xen/recorder.js'
import {changeDomain} from '../lib/domain/control.js'
import {followRecording, recordFromConfig, recordLiveDomain, stopRecording, type RecordSummary} from '../lib/domain/record-domain.js'

export default class RecordVerb extends ReseerCommand<typeof RecordVerb> {
  static summary = "Record a domain: each vCPU's nondeterministic events and incremental checkpoints, while the vCPUs race freely."
  static description = `Given a config file, creates the domain and records from its first instruction; given the name of a running domain, records it from now on (a full checkpoint first). The log goes to NAME.reseer/ beside the domain's config file. Recording ends when the guest powers off, on Ctrl-C, after --for, or with 'record --stop NAME'; --detach leaves it running in the background.`
  static examples = [
    '<%= config.bin %> record examples/race.cfg',
    '<%= config.bin %> record examples/compress.cfg --interval 20ms --for 30s',
    '<%= config.bin %> record --detach race',
    '<%= config.bin %> record --stop race',
  ]
  static args = {domain: Args.string({description: 'A domain config file, or the name or id of a running domain.', required: true})}
  static flags = {
    'dry-run': dryRunFlag,
    interval: Flags.string({summary: `Checkpoint interval: a time (200ms, 1s) or guest instructions per hart (2M, 500k); default ${DEFAULT_INTERVAL_MS}ms.`}),
    mode: Flags.string({summary: 'reseer logs events only; crew also logs every page ownership transfer (the SMP-ReVirt baseline).', options: ['reseer', 'crew'], default: 'reseer'}),
    for: Flags.string({summary: 'End the recording after this long (10s, 2min).'}),
    detach: Flags.boolean({summary: 'Start the recording and return; it goes on in the domain\'s process.', default: false}),
    stop: Flags.boolean({summary: 'End the recording of a running domain (final checkpoint, log closed); the domain runs on.', default: false}),
    force: Flags.boolean({char: 'f', summary: 'Replace an existing log directory.', default: false}),
    log: Flags.string({summary: 'Write the log here instead of beside the config file.'}),
    backend: Flags.string({summary: 'Run the domain on this backend, whatever the config says.', options: ['sim', 'xen']}),
  }

  async run(): Promise<Json> {
    const {flags} = this
    const target = this.args.domain
    if (flags.stop) {
      if (flags['dry-run']) return this.dry(`would stop the recording of domain ${target}`)
      return this.report(await stopRecording(target))
    }
    const interval = flags.interval ?? `${DEFAULT_INTERVAL_MS}ms`
    parseInterval(interval)
    const durationMs = flags.for ? parseDuration(flags.for, '--for') : undefined
    const options = {interval, mode: flags.mode, durationMs, force: flags.force, logDir: flags.log}
    const isConfig = existsSync(target) && statSync(target).isFile()
    if (isConfig) {
      const config = loadDomainConfig(target, {backend: flags.backend as 'sim' | 'xen' | undefined})
      const logDir = flags.log ?? logDirFor(config.configFile)
      if (flags['dry-run']) return this.dry(`would create ${config.backend} domain ${config.name} and record it into ${logDir} every ${interval}`)
      if (config.backend === 'xen') return this.recordXen(config.name, logDir, config as unknown as Json, durationMs)
      const started = await recordFromConfig(config, options)
      return this.follow(started, true)
    }
    if (flags['dry-run']) return this.dry(`would record running domain ${target} every ${interval}`)
    const started = await recordLiveDomain(target, options)
    return this.follow(started, false)
  }

  private dry(message: string): Json {
    this.say(message)
    return {dryRun: true, message}
  }

  private async follow(started: {domain: string; logDir: string; domid: number}, created: boolean): Promise<Json> {
    if (this.flags.detach) {
      this.detail(0, `reseer-xl: recording ${started.domain} into ${started.logDir}; end it with 'reseer-xl record --stop ${started.domain}'`)
      return {...started, detached: true}
    }
    let ask!: () => void
    let interrupted = false
    const stop = new Promise<void>((resolve) => (ask = resolve))
    const onSignal = (): void => {
      interrupted = true
      ask()
    }
    process.once('SIGINT', onSignal)
    process.once('SIGTERM', onSignal)
    const line = progressLine(this.interactive)
    let summary: RecordSummary
    try {
      summary = await followRecording(started.domain, started.logDir, (p) => line.update(
        `recording ${started.domain}: ${(p.elapsedMs / 1000).toFixed(1)}s, ${p.instructions.map((n) => fmtCount(n)).join('/')} instructions, ${p.checkpoints} checkpoints, ${fmtBytes(p.eventBytes + p.checkpointBytes)}`,
      ), stop)
    } finally {
      line.done()
      process.off('SIGINT', onSignal)
      process.off('SIGTERM', onSignal)
    }
    // A domain that record created for itself does not outlive an interrupted recording.
    if (created && interrupted) await changeDomain(started.domain, 'destroy', false).catch(() => undefined)
    return this.report(summary)
  }

  private report(summary: RecordSummary): Json {
    const {log} = summary
    const instructions = log.perVcpu.map((v) => fmtCount(Number(v.instretLast ?? 0) - Number(v.instretFirst ?? 0)))
    const events = log.perVcpu.reduce((n, v) => n + Object.values(v.events).reduce((a, b) => a + b, 0), 0)
    this.say(`recorded ${summary.domain} into ${summary.logDir}: ${log.checkpoints} checkpoints, ${events} events, ${instructions.join('/')} instructions per vCPU, log ${fmtBytes(log.disk.eventBytes + log.disk.checkpointBytes + log.disk.packBytes)}`)
    return {domain: summary.domain, logDir: summary.logDir, end: summary.end, log}
  }

  private async recordXen(domain: string, logDir: string, config: Json, durationMs: number | undefined): Promise<Json> {
    const interval = parseInterval(this.flags.interval ?? `${DEFAULT_INTERVAL_MS}ms`)
    if (!('ms' in interval)) throw new ReseerError('on Xen the checkpoint interval is a time (stock Xen counts no guest instructions)', {code: 'EUSAGE', exitCode: 2})
    const abort = new AbortController()
    const onSignal = (): void => abort.abort()
    process.once('SIGINT', onSignal)
    const timer = durationMs ? setTimeout(onSignal, durationMs) : undefined
    try {
      const result = await recordXenDomain({domain, logDir, intervalMs: interval.ms, signal: abort.signal, config, creator: {tool: 'reseer-xl', version: packageVersion()}})
      this.say(`recorded Xen domain ${result.domain} into ${result.logDir}: ${result.checkpoints} checkpoints`)
      return {...result}
    } finally {
      if (timer) clearTimeout(timer)
      process.off('SIGINT', onSignal)
    }
  }
}

function fmtCount(n: number): string {
  return n >= 1e9 ? `${(n / 1e9).toFixed(2)}G` : n >= 1e6 ? `${(n / 1e6).toFixed(1)}M` : n >= 1e3 ? `${(n / 1e3).toFixed(1)}k` : String(n)
}

function fmtBytes(n: number): string {
  return n >= 1 << 20 ? `${(n / (1 << 20)).toFixed(1)} MiB` : n >= 1024 ? `${(n / 1024).toFixed(1)} KiB` : `${n} B`
}
