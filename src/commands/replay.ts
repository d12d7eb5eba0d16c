import {Args, Flags} from '@oclif/core'
import {ReseerCommand} from '../lib/cli/base-command.js'
import {locateLog} from '../lib/log/locate.js'
import {replayLog, type ReplayReport} from '../lib/replay/replay-log.js'
import {searchLog} from '../lib/search/search-log.js'

export default class Replay extends ReseerCommand<typeof Replay> {
  static summary = 'Re-execute a recording along its found paths, verifying every checkpoint byte for byte and the console output.'
  static description = 'Prints the guest\'s console output as the recording produced it, then a verdict. A mismatch stops the replay at the first differing event, register, page or console byte and names it. --from K --to L replays a period only, from checkpoint K\'s state.'
  static examples = [
    '<%= config.bin %> replay race',
    '<%= config.bin %> replay examples/race.reseer --from 1 --to 3',
    '<%= config.bin %> replay race --search --json',
  ]
  static args = {log: Args.string({description: 'Domain name, its config file, or the log directory.', required: true})}
  static flags = {
    from: Flags.integer({summary: 'Checkpoint to start from.', min: 0}),
    to: Flags.integer({summary: 'Checkpoint to stop at.', min: 1}),
    search: Flags.boolean({summary: 'Search an interval that has no path yet (--no-search: report it and stop).', allowNo: true, default: false}),
    seed: Flags.integer({summary: 'Seed for --search.', default: 1, min: 0}),
    quiet: Flags.boolean({char: 'q', summary: 'Do not print the console output.', default: false}),
  }

  async run(): Promise<ReplayReport> {
    const {flags} = this
    const logDir = locateLog(this.args.log)
    const report = await replayLog(logDir, {
      from: flags.from,
      to: flags.to,
      onConsole: (bytes) => {
        if (!flags.quiet && !this.jsonEnabled()) process.stdout.write(bytes)
      },
      onInterval: (r) => this.detail(1, `interval ${r.interval}: ${r.verified ? 'verified' : `MISMATCH: ${r.mismatch}`}`),
      missingPath: flags.search
        ? async (k) => {
          this.detail(0, `reseer-xl: interval ${k} has no path; searching it (seed ${flags.seed})`)
          const [searched] = await searchLog(logDir, {from: k, to: k + 1, clock: () => performance.now(), settings: {seed: flags.seed}})
          return searched.found
        }
        : undefined,
    })
    if (report.mismatch) {
      process.exitCode = 1
      this.say(`replay diverged in interval ${report.mismatch.interval}, before checkpoint ${report.mismatch.checkpoint}: ${report.mismatch.what}`)
      this.detail(0, `reseer-xl: replay of ${logDir} diverged before checkpoint ${report.mismatch.checkpoint}: ${report.mismatch.what}`)
    } else {
      this.say(`replayed checkpoints ${report.from} to ${report.to} of ${logDir}: ${report.verifiedCheckpoints} verified, ${report.instructions.join('/')} instructions per vCPU, all verified`)
    }
    return report
  }
}
