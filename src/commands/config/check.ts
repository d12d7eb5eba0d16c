import {Args, Flags} from '@oclif/core'
import {ReseerCommand} from '../../lib/cli/base-command.js'
import {BACKENDS, DomainConfig, loadDomainConfig} from '../../lib/config/domain-config.js'
import {formatDomainConfig} from '../../lib/config/xlcfg-writer.js'

export default class ConfigCheck extends ReseerCommand<typeof ConfigCheck> {
  static summary = 'Check a domain config file and print the domain as reseer-xl reads it.'
  static description = 'Reads an xl.cfg(5) file, checks every setting reseer-xl uses, and prints the domain with all defaults filled in and paths made absolute. Keys reseer-xl does not use are listed with -v.'
  static examples = [
    '<%= config.bin %> config check /etc/xen/dom1.cfg',
    '<%= config.bin %> config check --backend sim -v dom1.cfg',
    '<%= config.bin %> config check --json dom1.cfg',
  ]

  static args = {
    file: Args.string({description: 'Domain config file (xl.cfg syntax).', required: true}),
  }

  static flags = {
    backend: Flags.string({summary: 'Backend to check against; overrides reseer_backend in the file.', options: [...BACKENDS]}),
  }

  async run(): Promise<DomainConfig> {
    const backend = this.flags.backend as DomainConfig['backend'] | undefined
    const config = loadDomainConfig(this.args.file, {backend})
    for (const w of config.warnings) process.stderr.write(`reseer-xl: ${this.args.file}:${w.line}:${w.column}: warning: ${w.message}\n`)
    for (const u of config.unknownKeys) this.detail(1, `reseer-xl: ${this.args.file}:${u.line}:${u.column}: key '${u.key}' is not used by reseer-xl`)
    this.say(formatDomainConfig(config).trimEnd())
    return config
  }
}
