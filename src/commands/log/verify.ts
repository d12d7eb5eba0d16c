import {Args} from '@oclif/core'
import {ReseerCommand} from '../../lib/cli/base-command.js'
import {EXIT_FAILURE} from '../../lib/cli/errors.js'
import {locateLog} from '../../lib/log/locate.js'
import {type VerifyReport, describeFile, verifyLog} from '../../lib/log/verify.js'

export default class LogVerify extends ReseerCommand<typeof LogVerify> {
  static summary = 'Check every file of a log directory and report what is intact and what is damaged.'
  static description = 'Checks the header, every event record\'s checksum, the checkpoint chain, every stored page\'s checksum, compression and hash, the sharing summaries and the found paths. Prints one line per file. Exits 0 when the log is intact and 1 when anything is damaged; it never changes the log. See reseer-log(5).'
  static examples = [
    '<%= config.bin %> log verify dom1',
    '<%= config.bin %> log verify /etc/xen/dom1.cfg',
    '<%= config.bin %> log verify --json ./dom1.reseer',
  ]

  static args = {
    log: Args.string({description: 'Domain name, its config file, or the log directory.', required: true}),
  }

  async run(): Promise<VerifyReport> {
    const report = verifyLog(locateLog(this.args.log))
    this.say(`log ${report.dir}: ${report.checkpoints} checkpoint${report.checkpoints === 1 ? '' : 's'} usable`)
    if (report.writer !== undefined) this.say(`being written by process ${report.writer}: a torn tail may be a record still being written`)
    // Numbered files that are fine are counted per directory, unless -v asks for each.
    const okCounts = new Map<string, number>()
    for (const file of report.files) {
      const group = /^(checkpoints|pages|summaries|paths)\//.exec(file.file)?.[1]
      if (file.status === 'ok' && group && this.verbosity === 0) okCounts.set(group, (okCounts.get(group) ?? 0) + 1)
      else this.say(describeFile(file))
    }
    for (const [group, n] of okCounts) this.say(`${group}/: ${n} file${n === 1 ? '' : 's'} OK`)
    const okFiles = report.files.filter((f) => f.status === 'ok').length
    this.say(report.intact ? `intact: all ${okFiles} files OK` : `damaged: ${report.files.length - okFiles} of ${report.files.length} files`)
    if (!report.intact) {
      process.stderr.write(`reseer-xl: log ${report.dir} is damaged\n`)
      process.exitCode = EXIT_FAILURE
    }
    return report
  }
}
