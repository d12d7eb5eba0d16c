import {Args, Flags} from '@oclif/core'
import {ReseerCommand, dryRunFlag} from '../lib/cli/base-command.js'
import {parseDuration} from '../lib/cli/durations.js'
import {progressLine} from '../lib/cli/progress.js'
import {locateLog} from '../lib/log/locate.js'
import {LogReader} from '../lib/log/reader.js'
import {periodOf, searchLog, type IntervalReport} from '../lib/search/search-log.js'
import {farmSearchLog, type FarmReport} from '../lib/search/farm/submit.js'
import {STRATEGIES, type Strategy} from '../lib/search/settings.js'

export default class Search extends ReseerCommand<typeof Search> {
  static summary = 'Find, for each interval of a recording, an interleaving of the vCPUs that leads from one checkpoint to the next.'
  static description = 'Searches every interval that has no path yet (or the period --from K --to L), writing each path into the log as it is found, so an interrupted search resumes where it stopped. Same log, same seed: same paths.'
  static examples = [
    '<%= config.bin %> search race',
    '<%= config.bin %> search examples/race.reseer --from 2 --to 4 --seed 7',
    '<%= config.bin %> search race --strategy random --max-evaluations 5000 --json',
    '<%= config.bin %> search race --queue redis://10.0.0.5:6379',
  ]
  static args = {log: Args.string({description: 'Domain name, its config file, or the log directory.', required: true})}
  static flags = {
    'dry-run': dryRunFlag,
    from: Flags.integer({summary: 'First checkpoint of the period to search.', min: 0}),
    to: Flags.integer({summary: 'Last checkpoint of the period to search.', min: 1}),
    strategy: Flags.string({summary: 'ga (the method), or the random and exhaustive baselines.', options: [...STRATEGIES], default: 'ga'}),
    seed: Flags.integer({summary: 'Seed of every random choice.', default: 1, min: 0}),
    jobs: Flags.integer({char: 'j', summary: 'Worker threads evaluating candidates (default: one per core).', min: 1}),
    'max-evaluations': Flags.integer({summary: 'Give up on an interval after this many runs.', min: 1}),
    'max-generations': Flags.integer({summary: 'Give up on an interval after this many generations.', min: 1}),
    'time-limit': Flags.string({summary: 'Give up on an interval after this long (30s, 2min).'}),
    population: Flags.integer({summary: 'GA population size.', min: 2}),
    redo: Flags.boolean({summary: 'Search again intervals that already have a path.', default: false}),
    queue: Flags.string({summary: 'Search on a farm: put the intervals on this Redis queue, redis://HOST:PORT, for `reseer-xl worker` processes, and wait for their paths.', helpValue: 'URL'}),
  }

  async run(): Promise<{log: string; intervals: IntervalReport[]; found: number; notFound: number}> {
    const {flags} = this
    const logDir = locateLog(this.args.log)
    const timeLimitMs = flags['time-limit'] ? parseDuration(flags['time-limit'], '--time-limit') : undefined
    if (flags['dry-run']) {
      const reader = LogReader.open(logDir)
      const period = periodOf(reader, logDir, flags.from, flags.to)
      const done = new Set(reader.pathIntervals())
      reader.close()
      const todo = Array.from({length: period.to - period.from}, (_, i) => period.from + i).filter((k) => flags.redo || !done.has(k))
      this.say(`would search ${todo.length} interval(s) of ${logDir} with ${flags.strategy}, seed ${flags.seed}: ${todo.join(' ') || 'none'}`)
      return {log: logDir, intervals: [], found: 0, notFound: 0}
    }
    const line = progressLine(this.interactive)
    const started = Date.now()
    let evaluationsBefore = 0
    let farm = ''
    const search = flags.queue
      ? (options: Parameters<typeof searchLog>[1]) => farmSearchLog(logDir, {...options, queue: flags.queue!, onFarmProgress: (p) => {
        farm = `${p.done}/${p.total} intervals done, ${p.running} searching, ${p.queued - p.running} waiting`
        line.update(farm)
      }})
      : (options: Parameters<typeof searchLog>[1]) => searchLog(logDir, options)
    const reports: FarmReport[] = await search({
      from: flags.from,
      to: flags.to,
      jobs: flags.jobs,
      redo: flags.redo,
      clock: () => performance.now(),
      settings: {
        strategy: flags.strategy as Strategy,
        seed: flags.seed,
        ...(flags['max-evaluations'] ? {maxEvaluations: flags['max-evaluations']} : {}),
        ...(flags['max-generations'] ? {maxGenerations: flags['max-generations']} : {}),
        ...(timeLimitMs ? {timeLimitMs} : {}),
        ...(flags.population ? {ga: {populationSize: flags.population}} : {}),
      },
      onProgress: (k, p) => {
        const seconds = (Date.now() - started) / 1000
        if (farm) line.update(`${farm}; interval ${k}: generation ${p.generation}, ${p.evaluations} runs, best fitness ${p.bestFitness.toFixed(4)}`)
        else line.update(`interval ${k}: generation ${p.generation}, ${p.evaluations} runs, best fitness ${p.bestFitness.toFixed(4)}, ${((evaluationsBefore + p.evaluations) / Math.max(seconds, 1e-3)).toFixed(0)} runs/s`)
      },
      onInterval: (r) => {
        evaluationsBefore += r.evaluations
        line.done()
        if (r.skipped) this.detail(1, `interval ${r.interval}: already has a path`)
        else if ((r as FarmReport).error) this.say(`interval ${r.interval}: NOT searched: ${(r as FarmReport).error}`)
        else if (r.found) this.say(`interval ${r.interval}: found after ${r.evaluations} runs (${r.generations} generations, ${(r.wallMs / 1000).toFixed(2)}s, ${r.decisions} decisions)`)
        else this.say(`interval ${r.interval}: NOT found after ${r.evaluations} runs (${r.stoppedBy}); best fitness ${r.fitness.toFixed(4)}, first difference: ${r.firstDifference ?? r.divergence ?? 'none reported'}`)
      },
    })
    line.done()
    const found = reports.filter((r) => r.found).length
    const notFound = reports.length - found
    this.say(`${found} of ${reports.length} interval(s) have a path${notFound ? `; ${notFound} not found` : ''}`)
    if (notFound > 0) process.exitCode = 1
    return {log: logDir, intervals: reports, found, notFound}
  }
}
