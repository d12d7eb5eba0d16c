// The replay verb as a user types it: the verdict, inspection at a stop
// (registers, memory, the changes between two checkpoints) in text and
// --json, and one-line usage errors with exit status 2.
import t from 'tap'
import {LogReader} from '../../src/lib/log/reader.js'
import {cli} from '../helpers/cli.js'
import {counterAddress, consoleOf, crewRace, searchedRace} from './recordings.js'

const logDir = await crewRace(4)
const reader = LogReader.open(logDir)
const last = reader.checkpointCount - 1
const counts = Array.from({length: last + 1}, (_, k) => reader.checkpoint(k).vcpus.map((v) => Number(v.instret)))
const counterAt = (k: number): number => reader.pageAt(k, (counterAddress() - 0x8000_0000) >>> 12).readUInt32LE(counterAddress() & 0xfff)
t.teardown(() => reader.close())

function json(args: string[]): any {
  const run = cli(['replay', logDir, ...args, '--json'])
  if (run.status !== 0) throw new Error(`replay ${args.join(' ')}: exit ${run.status}: ${run.stderr}`)
  return JSON.parse(run.stdout)
}

t.test('replay prints the console as recorded, then the verdict', async (t) => {
  const run = cli(['replay', logDir])
  t.equal(run.status, 0, run.stderr)
  const verdict = `replayed ${last} checkpoint(s) (0 to ${last}) of ${logDir} along the CREW transfers: ${counts[last].join('/')} instructions per hart, all verified\n`
  t.equal(run.stdout, consoleOf(logDir) + verdict)
  t.equal(cli(['replay', logDir, '-q']).stdout, verdict)
})

t.test('--json: the report, with what ordered each interval', async (t) => {
  const report = json([])
  t.equal(report.mode, 'crew')
  t.equal(report.verifiedCheckpoints, last)
  t.same(report.instructions, counts[last])
  t.same(report.intervals.map((i: {order: string}) => i.order), new Array(last).fill('crew'))
})

t.test('--until HART:INSTRET prints every hart\'s registers there', async (t) => {
  const k = counts.findIndex((c, i) => i < last && counts[i + 1][1] - c[1] >= 2)
  const target = counts[k][1] + 1
  const report = json(['--until', `1:${target}`])
  t.match(report.stopped, {at: 'instret', hart: 1, instret: target, interval: k})
  t.equal(report.registers.length, 2)
  t.equal(report.registers[1].instret, target)
  t.same(report.registers[1].x.map((r: {abi: string}) => r.abi).slice(0, 4), ['zero', 'ra', 'sp', 'gp'])
  t.equal(report.registers[1].x[0].value, 0)
  t.ok(['M', 'U'].includes(report.registers[1].privilege))
  t.ok('mstatus' in report.registers[0].csrs && 'mepc' in report.registers[0].csrs)
  const text = cli(['replay', logDir, '-q', '--until', `1:${target}`])
  t.equal(text.status, 0, text.stderr)
  t.match(text.stdout, new RegExp(`^stopped in interval ${k} where hart 1 retired ${target} `))
  t.match(text.stdout, new RegExp(`hart 1  pc 0x[0-9a-f]{8}  priv [MU]  instret ${target}`))
  t.match(text.stdout, /x10\/a0 0x[0-9a-f]{8}/)
  t.match(text.stdout, /mstatus 0x[0-9a-f]{8}/)
})

t.test('--mem by symbol and by address, at a checkpoint, as bytes and words', async (t) => {
  const k = last - 1
  const report = json(['--until', String(k), '--mem', 'counter', '--mem', `0x${counterAddress().toString(16)}:8`])
  t.same(report.stopped, {at: 'checkpoint', checkpoint: k})
  t.notOk(report.registers, 'registers only when asked for, with --mem')
  t.match(report.memory[0], {spec: 'counter', symbol: 'counter', address: counterAddress(), length: 4, words: [counterAt(k)]})
  t.equal(report.memory[1].length, 8)
  t.equal(report.memory[1].words[0], counterAt(k))
  t.equal(report.memory[1].hex.slice(0, 8), Buffer.from(Uint32Array.of(counterAt(k)).buffer).toString('hex'))
  const text = cli(['replay', logDir, '-q', '--until', String(k), '--mem', 'counter', '--regs'])
  t.match(text.stdout, `memory counter (0x${counterAddress().toString(16)}, 4 bytes)`)
  t.match(text.stdout, `words 0x${counterAt(k).toString(16).padStart(8, '0')}`)
  t.match(text.stdout, /hart 0  pc /, '--regs as well')
})

t.test('--regs and --mem without --until inspect the end of the replay', async (t) => {
  const report = json(['--mem', 'counter'])
  t.same(report.stopped, {at: 'checkpoint', checkpoint: last})
  t.equal(report.memory[0].words[0], counterAt(last))
  t.match(cli(['replay', logDir, '-q']).stdout, consoleOf(logDir).length > 0 ? /all verified/ : /./)
})

t.test('--diff K:L: pages changed, by whom, and registers', async (t) => {
  const report = json(['--diff', `0:${last}`])
  t.equal(report.verifiedCheckpoints, last)
  const page = report.diff.pages.find((p: {address: number}) => p.address === ((counterAddress() & ~0xfff) >>> 0))
  t.ok(page, 'the counter\'s page changed')
  t.same(page.writers, [0, 1], 'both harts wrote it')
  t.equal(report.diff.harts.length, 2)
  t.equal(report.diff.harts[1].instructions, counts[last][1])
  t.ok(report.diff.harts[0].changed.some((c: {name: string}) => c.name === 'pc'))
  const text = cli(['replay', logDir, '-q', '--diff', `0:${last}`])
  t.match(text.stdout, new RegExp(`checkpoint 0 -> ${last}: \\d+ page\\(s\\) changed`))
  t.match(text.stdout, `page 0x${((counterAddress() & ~0xfff) >>> 0).toString(16)}`)
  t.match(text.stdout, 'written by hart 0, hart 1')
})

t.test('bad input: one line, exit status 2, nothing replayed', async (t) => {
  const cases: Array<[string[], RegExp]> = [
    [['--until', 'soon'], /--until 'soon': expected a checkpoint \(3\) or HART:INSTRET/],
    [['--until', '1:lots'], /--until '1:lots'/],
    [['--until', String(last + 1)], new RegExp(`--until ${last + 1}: the log has checkpoints 0 to ${last}`)],
    [['--until', '7:10'], /the log has harts 0 to 1/],
    [['--until', `0:${counts[last][0] + 1}`], /hart 0 retired \d+ instructions in the recording/],
    [['--mem', '0x1000'], /--mem '0x1000': 0x1000\.\.0x103f is not within guest RAM 0x80000000\.\.0x80ffffff/],
    [['--mem', `0x80fffff0:32`], /is not within guest RAM/],
    [['--mem', 'no_such_symbol'], /neither an address \(0x80001000\) nor a guest symbol/],
    [['--mem', 'counter:0'], /is not a positive count of bytes/],
    [['--diff', '3:1'], /--diff '3:1': the first checkpoint must come before the second/],
    [['--diff', '1-3'], /expected two checkpoints as K:L/],
    [['--diff', '0:1', '--until', '1'], /give it without --from, --to and --until/],
    [['--until', '1', '--to', '2'], /--until and --to both say where to stop/],
  ]
  for (const [args, message] of cases) {
    const run = cli(['replay', logDir, ...args])
    t.equal(run.status, 2, `${args.join(' ')}: ${run.stderr}`)
    t.equal(run.stdout, '', `${args.join(' ')}: nothing replayed`)
    t.match(run.stderr, message)
    t.match(run.stderr, /^reseer-xl: [^\n]*\n$/, 'one line')
  }
})

t.test('a ReSeer log replays along its found paths and stops inside an interval on its path', async (t) => {
  const searched = await searchedRace(3)
  const whole = cli(['replay', searched, '--json'])
  t.equal(whole.status, 0, whole.stderr)
  const report = JSON.parse(whole.stdout)
  t.equal(report.mode, 'reseer')
  t.ok(report.intervals.every((i: {order: string; verified: boolean}) => i.order === 'path' && i.verified))
  const stop = Math.floor(report.instructions[0] / 2)
  const first = cli(['replay', searched, '--until', `0:${stop}`, '--json'])
  const second = cli(['replay', searched, '--until', `0:${stop}`, '--json'])
  t.equal(first.status, 0, first.stderr)
  const stopped = JSON.parse(first.stdout)
  t.equal(stopped.registers[0].instret, stop)
  t.equal(second.stdout, first.stdout, 'the same stop twice: the same state')
})
