import {Args} from '@oclif/core'
import {ReseerCommand, dryRunFlag} from '../lib/cli/base-command.js'
import {changeDomain, xlForForeignDomain} from '../lib/domain/control.js'

export default class Pause extends ReseerCommand<typeof Pause> {
  static summary = 'Pause a domain: every vCPU stops at an instruction boundary.'
  static examples = ['<%= config.bin %> pause race', '<%= config.bin %> pause 3']
  static args = {domain: Args.string({description: 'Domain name or id.', required: true})}
  static flags = {'dry-run': dryRunFlag}

  async run(): Promise<{domain: string; domid: number; done: boolean} | {passedTo: 'xl'; exitStatus: number}> {
    const xl = await xlForForeignDomain(this.args.domain, [this.id ?? "", ...this.argv])
    if (xl !== undefined) {
      process.exitCode = xl
      return {passedTo: 'xl', exitStatus: xl}
    }
    const result = await changeDomain(this.args.domain, 'pause', this.flags['dry-run'])
    if (!result.done) this.say(result.message)
    this.detail(1, result.message)
    return result
  }
}
