import {homedir} from 'node:os'
import {join} from 'node:path'
import {Flags} from '@oclif/core'
import {ReseerCommand} from '../lib/cli/base-command.js'
import {defaultJobs} from '../lib/search/pool.js'
import {type FarmWorkerReport, runFarmWorker} from '../lib/search/farm/worker.js'

export default class Worker extends ReseerCommand<typeof Worker> {
  static summary = 'Search intervals for a search farm: take jobs from a Redis queue that `search --queue` fills, and return their paths.'
  static description = 'Runs until SIGINT or SIGTERM, on any number of machines. A worker needs no access to the log directory: each job names the interval\'s data in the queue\'s content-addressed store, and the worker keeps what it fetched in a local cache. Stopped, a worker hands the jobs it holds back to the queue; killed, its jobs go back when their locks run out, and another worker finishes them.'
  static examples = [
    '<%= config.bin %> worker --queue redis://10.0.0.5:6379',
    '<%= config.bin %> worker --queue redis://10.0.0.5:6379 --jobs 4 --concurrency 2 -v',
  ]
  static flags = {
    queue: Flags.string({summary: 'The farm\'s Redis, redis://HOST:PORT[/DB].', required: true, helpValue: 'URL'}),
    jobs: Flags.integer({char: 'j', summary: 'Threads searching each job (default: the cores, shared among --concurrency jobs).', min: 1}),
    concurrency: Flags.integer({summary: 'Jobs searched at once.', default: 1, min: 1}),
    cache: Flags.string({summary: 'Directory of pages and files fetched from the queue (default ~/.cache/reseer-xl/farm).', helpValue: 'DIR'}),
  }

  async run(): Promise<FarmWorkerReport> {
    const {flags} = this
    let ask!: () => void
    const stop = new Promise<void>((resolve) => (ask = resolve))
    let signals = 0
    const onSignal = (): void => {
      // The first signal hands the jobs back and stops; a second one does not wait for that.
      if (++signals > 1) process.exit(130)
      this.detail(1, 'stopping: handing jobs back to the queue')
      ask()
    }
    process.on('SIGINT', onSignal)
    process.on('SIGTERM', onSignal)
    const jobs = flags.jobs ?? Math.max(1, Math.floor(defaultJobs() / flags.concurrency))
    const cache = flags.cache ?? join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'reseer-xl', 'farm')
    try {
      this.detail(1, `worker ${process.pid}: ${flags.concurrency} job(s) at a time, ${jobs} thread(s) each, cache ${cache}`)
      const report = await runFarmWorker({queue: flags.queue, cache, jobs, concurrency: flags.concurrency, stop, onJob: (line) => this.detail(1, line), onStart: (line) => this.detail(2, line)})
      this.say(`worker stopped: ${report.searched} interval(s) searched, ${report.failed} failed, ${report.handedBack} handed back`)
      return report
    } finally {
      process.off('SIGINT', onSignal)
      process.off('SIGTERM', onSignal)
    }
  }
}
