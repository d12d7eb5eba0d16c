import {Args} from '@oclif/core'
import {ReseerCommand} from '../lib/cli/base-command.js'
import {attachConsole} from '../lib/domain/console.js'
import {xlForForeignDomain} from '../lib/domain/control.js'

export default class Console extends ReseerCommand<typeof Console> {
  static summary = "Attach to a domain's console (its UART); Ctrl-] detaches."
  static description = 'Without a terminal, standard input goes to the guest as it is, and the command ends when the domain does.'
  static examples = ['<%= config.bin %> console race']
  static args = {domain: Args.string({description: 'Domain name or id.', required: true})}
  static enableJsonFlag = false

  async run(): Promise<void> {
    const xl = await xlForForeignDomain(this.args.domain, [this.id ?? "", ...this.argv])
    if (xl !== undefined) {
      process.exitCode = xl
      return
    }
    const how = await attachConsole(this.args.domain)
    this.detail(1, `console ${how}`)
  }
}
