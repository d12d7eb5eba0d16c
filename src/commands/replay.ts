import {Args, Flags} from '@oclif/core'
import {ReseerCommand} from '../lib/cli/base-command.js'
import {EXIT_USAGE, ReseerError} from '../lib/cli/errors.js'
import {locateLog} from '../lib/log/locate.js'
import {
  type CheckpointDiff, type HartRegisters, type MemDump,
  formatCheckpointDiff, formatMemDump, formatRegisters, hartRegisters, memDump, parseCheckpointPair, parseUntil,
} from '../lib/replay/inspect.js'
import {type ReplayReport, diffCheckpoints, memRangesOf, replayLog} from '../lib/replay/replay-log.js'
import {searchLog} from '../lib/search/search-log.js'

export default class Replay extends ReseerCommand<typeof Replay> {
  static summary = 'Re-execute a recording along its found paths (or a CREW log along its page transfers), verifying every checkpoint byte for byte and the console output.'
  static description = 'Prints the guest\'s console output as the recording produced it, then a verdict. A mismatch stops the replay at the first differing event, register, page or console byte and names it (exit status 1). --from K --to L replays a period only, from checkpoint K\'s state. --until stops at a checkpoint (--until 3) or when a hart has retired a count of instructions (--until 1:250000, hart 1); there, and at the end of the replay with --regs or --mem, it prints every hart\'s registers and the memory ranges asked for. --diff K:L replays from K to L and prints what changed between the two checkpoints: pages and bytes, the harts that wrote them, registers.'
  static examples = [
    '<%= config.bin %> replay race',
    '<%= config.bin %> replay examples/race.reseer --from 1 --to 3',
    '<%= config.bin %> replay race --search --json',
    '<%= config.bin %> replay race --until 1:250k',
    '<%= config.bin %> replay race --until 2 --mem counter --mem 0x80001000:64',
    '<%= config.bin %> replay race --diff 1:2',
  ]
  static args = {log: Args.string({description: 'Domain name, its config file, or the log directory.', required: true})}
  static flags = {
    from: Flags.integer({summary: 'Checkpoint to start from.', min: 0}),
    to: Flags.integer({summary: 'Checkpoint to stop at.', min: 1}),
    search: Flags.boolean({summary: 'Search an interval that has no path yet (--no-search: report it and stop).', allowNo: true, default: false}),
    seed: Flags.integer({summary: 'Seed for --search.', default: 1, min: 0}),
    quiet: Flags.boolean({char: 'q', summary: 'Do not print the console output.', default: false}),
    until: Flags.string({summary: 'Stop at checkpoint K, or at HART:INSTRET, the moment that hart has retired that many instructions (1:250000, 1:250k), and print the registers there.', helpValue: 'K|HART:INSTRET'}),
    regs: Flags.boolean({summary: 'Print every hart\'s registers (pc, x0-x31, CSRs, privilege) where the replay stops.', default: false}),
    mem: Flags.string({summary: 'Print guest memory where the replay stops, as hex and 32-bit words: an address (0x80001000) or a guest symbol, and a length in bytes (default 64, or the symbol\'s size). Repeatable.', helpValue: 'ADDR[:LEN]', multiple: true}),
    diff: Flags.string({summary: 'Replay from checkpoint K to L and print what changed between them: pages and bytes, which hart wrote them, registers.', helpValue: 'K:L'}),
  }

  async run(): Promise<ReplayReport & {registers?: HartRegisters[]; memory?: MemDump[]; diff?: CheckpointDiff}> {
    const {flags} = this
    const until = flags.until === undefined ? undefined : parseUntil(flags.until)
    const diff = flags.diff === undefined ? undefined : parseCheckpointPair(flags.diff)
    if (diff && (until || flags.from !== undefined || flags.to !== undefined)) {
      throw new ReseerError('--diff K:L replays from K to L; give it without --from, --to and --until', {code: 'EUSAGE', exitCode: EXIT_USAGE})
    }
    const logDir = locateLog(this.args.log)
    const ranges = memRangesOf(logDir, flags.mem ?? [])
    const showRegs = flags.regs || (until !== undefined && ranges.length === 0)
    let registers: HartRegisters[] | undefined
    let memory: MemDump[] | undefined
    const report = await replayLog(logDir, {
      from: diff?.from ?? flags.from,
      to: diff?.to ?? flags.to,
      until,
      stopAtEnd: showRegs || ranges.length > 0,
      onConsole: (bytes) => {
        if (!flags.quiet && !this.jsonEnabled()) process.stdout.write(bytes)
      },
      onInterval: (r) => this.detail(1, `interval ${r.interval}: ${r.mismatch ? `MISMATCH: ${r.mismatch}` : r.verified ? `verified (${r.order === 'crew' ? 'CREW order' : 'found path'})` : 'stopped inside'}`),
      onStop: (state) => {
        if (showRegs) registers = state.harts().map((bytes) => hartRegisters(bytes))
        memory = ranges.map((range) => memDump(range, state.read(range.address, range.length)))
      },
      missingPath: flags.search
        ? async (k) => {
          this.detail(0, `reseer-xl: interval ${k} has no path; searching it (seed ${flags.seed})`)
          const [searched] = await searchLog(logDir, {from: k, to: k + 1, clock: () => performance.now(), settings: {seed: flags.seed}})
          return searched.found
        }
        : undefined,
    })
    const order = report.mode === 'crew' ? 'the CREW transfers' : 'the found paths'
    const perHart = `${report.instructions.join('/')} instructions per hart`
    if (report.mismatch) {
      process.exitCode = 1
      this.say(`replay diverged in interval ${report.mismatch.interval}, before checkpoint ${report.mismatch.checkpoint}: ${report.mismatch.what}`)
      this.detail(0, `reseer-xl: replay of ${logDir} diverged before checkpoint ${report.mismatch.checkpoint}: ${report.mismatch.what}`)
      return report
    }
    const stopped = report.stopped
    if (stopped?.at === 'instret') {
      this.say(`stopped in interval ${stopped.interval} where hart ${stopped.hart} retired ${stopped.instret} (harts at ${stopped.instrets.join('/')}), after ${report.verifiedCheckpoints} verified checkpoint(s) of ${logDir} along ${order}: ${perHart}`)
    } else {
      this.say(`replayed ${report.verifiedCheckpoints} checkpoint(s) (${report.from} to ${report.to}) of ${logDir} along ${order}: ${perHart}, all verified`)
    }
    for (const regs of registers ?? []) for (const line of formatRegisters(regs)) this.say(line)
    for (const dump of memory ?? []) for (const line of formatMemDump(dump)) this.say(line)
    const changes = diff ? diffCheckpoints(logDir, diff.from, diff.to) : undefined
    if (changes) for (const line of formatCheckpointDiff(changes)) this.say(line)
    return {...report, ...(registers ? {registers} : {}), ...(memory && memory.length > 0 ? {memory} : {}), ...(changes ? {diff: changes} : {})}
  }
}
