import {Args, Flags} from '@oclif/core'
import {ReseerCommand, dryRunFlag} from '../lib/cli/base-command.js'
import {packageVersion} from '../lib/cli/package-info.js'
import {checkpointXenDomain} from '../lib/backend/xen/recorder.js'
import {xenHypervisorPresent} from '../lib/config/hypervisor.js'
import {logDirForConfig} from '../lib/log/locate.js'
import {checkpointDomain} from '../lib/domain/record-domain.js'
import {findRecord} from '../lib/domain/rundir.js'
import {existsSync} from 'node:fs'
import {join} from 'node:path'

export default class Checkpoint extends ReseerCommand<typeof Checkpoint> {
  static summary = 'Take a checkpoint now in the recording of a domain.'
  static description = 'On a sim domain being recorded, adds a checkpoint between the interval\'s. On a Xen domain, pauses it, copies its memory into its log (creating the log with a full checkpoint if there is none) and unpauses it.'
  static examples = ['<%= config.bin %> checkpoint race', '<%= config.bin %> checkpoint --json race']
  static args = {domain: Args.string({description: 'Domain name or id.', required: true})}
  static flags = {
    'dry-run': dryRunFlag,
    log: Flags.string({summary: 'Xen domains: the log directory (default /etc/xen/NAME.reseer).'}),
  }

  async run(): Promise<{[key: string]: unknown}> {
    const target = this.args.domain
    const sim = findRecord(target)
    if (sim || !xenHypervisorPresent()) {
      if (this.flags['dry-run']) {
        this.say(`would take a checkpoint of domain ${target}`)
        return {dryRun: true}
      }
      const taken = await checkpointDomain(target)
      this.say(`checkpoint ${taken.checkpoint} of ${taken.domain} in ${taken.logDir}`)
      return taken
    }
    const logDir = this.flags.log ?? logDirForConfig(join('/etc/xen', `${target}.cfg`))
    if (this.flags['dry-run']) {
      this.say(`would pause Xen domain ${target}, copy its memory into ${logDir} and unpause it`)
      return {dryRun: true}
    }
    const taken = await checkpointXenDomain({domain: target, logDir, exists: existsSync(logDir), creator: {tool: 'reseer-xl', version: packageVersion()}})
    this.say(`checkpoint ${taken.index} of ${target} in ${logDir}: ${taken.pages} pages, paused ${taken.pausedMs.toFixed(0)} ms`)
    return {domain: target, logDir, ...taken}
  }
}
