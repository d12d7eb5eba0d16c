import {ReseerCommand} from '../lib/cli/base-command.js'
import {packageVersion} from '../lib/cli/package-info.js'

export default class Version extends ReseerCommand<typeof Version> {
  static summary = 'Print the version of reseer-xl and of the log format it writes.'
  static examples = ['<%= config.bin %> version', '<%= config.bin %> version --json']

  async run(): Promise<{version: string; node: string}> {
    const result = {version: packageVersion(), node: process.version}
    this.say(`reseer-xl ${result.version} (node ${result.node})`)
    return result
  }
}
