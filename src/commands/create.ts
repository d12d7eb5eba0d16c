import {Args, Flags} from '@oclif/core'
import {ReseerCommand, dryRunFlag} from '../lib/cli/base-command.js'
import {loadDomainConfig} from '../lib/config/domain-config.js'
import {attachConsole} from '../lib/domain/console.js'
import {createDomain} from '../lib/domain/create.js'
import {passthroughToXl} from '../lib/xl/passthrough.js'

export default class Create extends ReseerCommand<typeof Create> {
  static summary = 'Create a domain from an xl.cfg file and start it in the background.'
  static description = 'Sim domains run in a process of their own, controlled through a Unix socket only its owner can open. A config whose backend is xen is handed to xl create.'
  static examples = [
    '<%= config.bin %> create examples/race.cfg',
    '<%= config.bin %> create -c examples/pingpong.cfg',
    '<%= config.bin %> create -p -N examples/race.cfg',
  ]
  static args = {config: Args.string({description: 'The domain config file (xl.cfg(5)).', required: true})}
  static flags = {
    'dry-run': dryRunFlag,
    console: Flags.boolean({char: 'c', summary: 'Attach to the console at once (Ctrl-] detaches).', default: false}),
    paused: Flags.boolean({char: 'p', summary: 'Leave the domain paused after creating it.', default: false}),
    backend: Flags.string({summary: 'Run the domain on this backend, whatever the config says.', options: ['sim', 'xen']}),
  }

  async run(): Promise<Record<string, unknown>> {
    const config = loadDomainConfig(this.args.config, {backend: this.flags.backend as 'sim' | 'xen' | undefined})
    for (const unknown of config.unknownKeys) {
      this.detail(1, `reseer-xl: ${config.configFile}:${unknown.line}:${unknown.column}: key '${unknown.key}' is not used by reseer-xl`)
    }
    if (config.backend === 'xen') {
      const argv = ['create', ...(this.flags.paused ? ['-p'] : []), ...(this.flags.console ? ['-c'] : []), ...(this.flags['dry-run'] ? ['-N'] : []), config.configFile]
      process.exitCode = await passthroughToXl(argv)
      return {backend: 'xen', passedTo: 'xl', exitStatus: process.exitCode}
    }
    if (this.flags['dry-run']) {
      this.say(`would create sim domain ${config.name}: ${config.vcpus} vCPUs, ${config.memoryMiB} MiB, kernel ${config.kernel}${this.flags.paused ? ', paused' : ''}`)
      return {name: config.name, created: false, config}
    }
    const result = await createDomain(config, {paused: this.flags.paused})
    this.detail(1, `created ${result.name} (id ${result.domid}, process ${result.pid}, log ${result.logFile})`)
    if (this.flags.console && !this.jsonEnabled()) await attachConsole(result.name)
    return {...result, created: true}
  }
}
