import {Args} from '@oclif/core'
import {ReseerCommand} from '../lib/cli/base-command.js'
import {xenHypervisorPresent} from '../lib/config/hypervisor.js'
import {listDomains, type DomainSummary} from '../lib/domain/control.js'
import {passthroughToXl} from '../lib/xl/passthrough.js'

export default class List extends ReseerCommand<typeof List> {
  static summary = "List sim domains in xl's columns: name, id, memory, vCPUs, state, CPU time."
  static description = 'A domain whose process died is shown once with state c (crashed) and cleaned up. On a Xen host, xl list runs first for the Xen domains.'
  static examples = ['<%= config.bin %> list', '<%= config.bin %> list race --json']
  static args = {domain: Args.string({description: 'Only this domain (name or id).'})}

  async run(): Promise<{domains: DomainSummary[]}> {
    if (xenHypervisorPresent() && !this.jsonEnabled()) {
      const status = await passthroughToXl(['list'])
      if (status !== 0) process.exitCode = status
    }
    let domains = await listDomains()
    const only = this.args.domain
    if (only) domains = domains.filter((d) => d.name === only || String(d.domid) === only)
    this.say(`${'Name'.padEnd(40)} ${'ID'.padStart(5)} ${'Mem'.padStart(5)} ${'VCPUs'.padStart(5)}\t${'State'}\t${'Time(s)'.padStart(9)}`)
    for (const d of domains) {
      this.say(`${d.name.padEnd(40)} ${String(d.domid).padStart(5)} ${String(d.memoryMiB).padStart(5)} ${String(d.vcpus).padStart(5)}\t${d.state}\t${d.cpuSeconds.toFixed(1).padStart(9)}`)
      if (!d.alive) this.detail(0, `reseer-xl: domain '${d.name}' had died (process ${d.pid}); cleaned up`)
    }
    return {domains}
  }
}
