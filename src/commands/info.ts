import {ReseerCommand} from '../lib/cli/base-command.js'
import {packageVersion} from '../lib/cli/package-info.js'
import {type InfoReport, collectInfo, infoLines} from '../lib/backend/xen/info.js'
import {formatToolLog} from '../lib/backend/xen/toollog.js'

export default class Info extends ReseerCommand<typeof Info> {
  static summary = 'Report the active backend and, on a Xen host, the hypervisor and its capabilities.'
  static description =
    'In the manner of xl info. On a Xen dom0 the xen backend is active and the report shows the hypervisor version, CPUs, memory and which of log-dirty, mem_access, vm_event and per-vCPU instruction-exact event injection it offers. Elsewhere the embedded sim backend is active and the report says why Xen is not in use.'
  static examples = ['<%= config.bin %> info', '<%= config.bin %> info --json']

  async run(): Promise<InfoReport> {
    const report = collectInfo(packageVersion(), (m) => this.detail(1, formatToolLog(m)))
    for (const line of infoLines(report)) this.say(line)
    return report
  }
}
