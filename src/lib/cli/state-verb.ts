// pause, unpause and destroy are one verb shape: a domain in, a state change
// out (or, on a Xen host, xl's for a Xen domain). One class, three settings.
import {Args} from '@oclif/core'
import {ReseerCommand, dryRunFlag} from './base-command.js'
import {changeDomain, xlForForeignDomain} from '../domain/control.js'

type Op = 'pause' | 'unpause' | 'destroy'
type Result = {domain: string; domid: number; done: boolean} | {passedTo: 'xl'; exitStatus: number}

export function stateVerb(op: Op, summary: string, examples: string[]) {
  return class StateVerb extends ReseerCommand<typeof StateVerb> {
    static summary = summary
    static examples = examples
    static args = {domain: Args.string({description: 'Domain name or id.', required: true})}
    static flags = {'dry-run': dryRunFlag}

    async run(): Promise<Result> {
      const xl = await xlForForeignDomain(this.args.domain, [op, ...this.argv])
      if (xl !== undefined) {
        process.exitCode = xl
        return {passedTo: 'xl', exitStatus: xl}
      }
      const result = await changeDomain(this.args.domain, op, this.flags['dry-run'])
      if (!result.done) this.say(result.message)
      this.detail(1, result.message)
      return result
    }
  }
}
