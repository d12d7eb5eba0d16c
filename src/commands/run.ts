import {Args, Flags} from '@oclif/core'
import {ReseerCommand} from '../lib/cli/base-command.js'
import {parseDuration, parseInterval} from '../lib/cli/durations.js'
import {progressLine} from '../lib/cli/progress.js'
import {loadDomainConfig} from '../lib/config/domain-config.js'
import {followRecording, recordFromConfig} from '../lib/domain/record-domain.js'
import {replayLog} from '../lib/replay/replay-log.js'
import {searchLog} from '../lib/search/search-log.js'

export default class RunVerb extends ReseerCommand<typeof RunVerb> {
  static summary = 'The whole method in one command on the embedded machine: create, record until poweroff, search, replay and verify.'
  static description = 'Prints the replayed console output and a short report: recording time, log size, intervals found, search time, replay verdict. The log stays in NAME.reseer/ beside the config for further search and replay.'
  static examples = ['<%= config.bin %> run examples/race.cfg', '<%= config.bin %> run examples/pingpong.cfg --interval 2M --seed 3 --json']
  static args = {config: Args.string({description: 'The domain config file (xl.cfg(5)).', required: true})}
  static flags = {
    interval: Flags.string({summary: 'Checkpoint interval: a time (5ms) or guest instructions per hart (2M). Short intervals are quicker to search.', default: '5ms'}),
    for: Flags.string({summary: 'End the recording after this long if the guest has not powered off.'}),
    seed: Flags.integer({summary: 'Seed of the search.', default: 1, min: 0}),
    'time-limit': Flags.string({summary: 'Give up on an interval after this long (30s, 2min); the report counts it as not found.', default: '30s'}),
    jobs: Flags.integer({char: 'j', summary: 'Search worker threads (default: one per core).', min: 1}),
    force: Flags.boolean({char: 'f', summary: 'Replace an existing log directory.', default: false}),
  }

  async run(): Promise<{[key: string]: unknown}> {
    const {flags} = this
    parseInterval(flags.interval)
    const timeLimitMs = parseDuration(flags['time-limit'], '--time-limit')
    const config = loadDomainConfig(this.args.config, {backend: 'sim'})
    const line = progressLine(this.interactive)
    const t0 = performance.now()
    const started = await recordFromConfig(config, {interval: flags.interval, durationMs: flags.for ? parseDuration(flags.for, '--for') : undefined, force: flags.force})
    const recorded = await followRecording(started.domain, started.logDir, (p) => line.update(`recording ${started.domain}: ${(p.elapsedMs / 1000).toFixed(1)}s, ${p.checkpoints} checkpoints`), new Promise(() => {}))
    const t1 = performance.now()
    const searched = await searchLog(started.logDir, {
      jobs: flags.jobs,
      clock: () => performance.now(),
      settings: {seed: flags.seed, timeLimitMs},
      onProgress: (k, p) => line.update(`searching interval ${k} of ${recorded.log.intervals}: ${p.evaluations} runs, best fitness ${p.bestFitness.toFixed(4)}`),
    })
    const t2 = performance.now()
    line.done()
    // Replay as far as paths go: up to the first interval the search did not find.
    const missing = searched.find((r) => !r.found)?.interval
    const replayed = missing === 0 ? undefined : await replayLog(started.logDir, {
      ...(missing !== undefined ? {to: missing} : {}),
      onConsole: (bytes) => {
        if (!this.jsonEnabled()) process.stdout.write(bytes)
      },
    })
    const t3 = performance.now()
    const found = searched.filter((r) => r.found).length
    const logBytes = recorded.log.disk.eventBytes + recorded.log.disk.checkpointBytes + recorded.log.disk.packBytes
    const upTo = missing === undefined ? '' : `; interval ${missing} has no path, so replay stopped at checkpoint ${missing}`
    const verdict = !replayed
      ? `nothing replayed: interval 0 has no path`
      : replayed.mismatch
        ? `diverged before checkpoint ${replayed.mismatch.checkpoint}: ${replayed.mismatch.what}`
        : `${replayed.verifiedCheckpoints} checkpoint${replayed.verifiedCheckpoints === 1 ? '' : 's'} verified, console output identical${upTo}`
    this.say('')
    this.say(`record  ${((t1 - t0) / 1000).toFixed(2)}s, ${recorded.log.checkpoints} checkpoints, log ${(logBytes / 1024).toFixed(1)} KiB in ${started.logDir}`)
    this.say(`search  ${found} of ${searched.length} intervals found in ${((t2 - t1) / 1000).toFixed(2)}s (seed ${flags.seed})`)
    this.say(`replay  ${((t3 - t2) / 1000).toFixed(2)}s, ${verdict}`)
    if (!replayed || replayed.mismatch || found < searched.length) process.exitCode = 1
    return {logDir: started.logDir, recordSeconds: (t1 - t0) / 1000, searchSeconds: (t2 - t1) / 1000, replaySeconds: (t3 - t2) / 1000, log: recorded.log, search: searched, replay: replayed}
  }
}
