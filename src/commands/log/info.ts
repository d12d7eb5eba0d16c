import {Args} from '@oclif/core'
import {ReseerCommand} from '../../lib/cli/base-command.js'
import {type LogInfo, logInfo} from '../../lib/log/info.js'
import {locateLog} from '../../lib/log/locate.js'

export default class LogInfoCommand extends ReseerCommand<typeof LogInfoCommand> {
  static summary = 'Summarise a log directory: domain, checkpoints, events, found paths, space on disk.'
  static examples = [
    '<%= config.bin %> log info dom1',
    '<%= config.bin %> log info --json /etc/xen/dom1.reseer',
  ]

  static args = {
    log: Args.string({description: 'Domain name, its config file, or the log directory.', required: true}),
  }

  async run(): Promise<LogInfo> {
    const info = logInfo(locateLog(this.args.log))
    const d = info.disk
    this.say(`log          ${info.dir}`)
    this.say(`domain       ${info.domain} (backend ${info.backend}, mode ${info.mode}, ${info.vcpus} vCPU${info.vcpus === 1 ? '' : 's'}, ${bytes(info.memoryBytes)})`)
    this.say(`format       version ${info.formatVersion}, created by ${info.creator.tool} ${info.creator.version}`)
    this.say(`checkpoints  ${info.checkpoints} (${info.intervals} interval${info.intervals === 1 ? '' : 's'}, ${info.intervalsWithSummaries} with summaries, ${info.intervalsWithPaths.length} with paths${info.intervalsWithPaths.length ? `: ${ranges(info.intervalsWithPaths)}` : ''})`)
    for (const v of info.perVcpu) {
      const total = Object.values(v.events).reduce((n, c) => n + c, 0)
      const kinds = Object.entries(v.events).map(([k, n]) => `${k} ${n}`).join(', ')
      const span = v.instretFirst === null ? 'no checkpoints' : `instret ${v.instretFirst}..${v.instretLast}`
      this.say(`vCPU ${String(v.vcpu).padEnd(8)}${span}, ${total} event${total === 1 ? '' : 's'}${kinds ? ` (${kinds})` : ''}`)
    }
    this.say(`on disk      events ${bytes(d.eventBytes)}, manifests ${bytes(d.checkpointBytes)}, page packs ${bytes(d.packBytes)}`)
    this.say(`pages        ${d.distinctPages} distinct of ${d.pageReferences} stored, dedup ${d.dedupRatio}x, compression ${d.compressionRatio}x`)
    for (const problem of info.damage) process.stderr.write(`reseer-xl: warning: ${problem}; run reseer-xl log verify\n`)
    return info
  }
}

function bytes(n: number): string {
  const units = ['bytes', 'KiB', 'MiB', 'GiB', 'TiB']
  let i = 0
  let x = n
  while (x >= 1024 && i < units.length - 1) {
    x /= 1024
    i++
  }
  return i === 0 ? `${n} bytes` : `${x.toFixed(1)} ${units[i]}`
}

/** [0,1,2,5,7,8] -> "0-2, 5, 7-8" */
function ranges(list: number[]): string {
  const parts: string[] = []
  for (let i = 0; i < list.length;) {
    let j = i
    while (j + 1 < list.length && list[j + 1] === list[j] + 1) j++
    parts.push(j === i ? `${list[i]}` : `${list[i]}-${list[j]}`)
    i = j + 1
  }
  return parts.join(', ')
}
