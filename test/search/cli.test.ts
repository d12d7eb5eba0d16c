// The search verb on a real recording, as a user runs it: per-interval JSON,
// the same seed giving the same paths, a period searched first and the rest
// resumed without redoing it, and found paths that replay verified.
import {mkdtempSync, readFileSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import t from 'tap'
import {LogReader} from '../../src/lib/log/reader.js'
import {cli, repo} from '../helpers/cli.js'

const work = mkdtempSync(join(tmpdir(), 'reseer-search-cli-'))
writeFileSync(join(work, 'pingpong.cfg'), readFileSync(join(repo, 'examples/pingpong.cfg'), 'utf8').replace('../guests/', join(repo, 'guests') + '/').replace(/^extra = .*$/m, 'extra = "k=300"'))
const recorded = cli(['record', 'pingpong.cfg', '--interval', '2ms'], {cwd: work})
const logDir = join(work, 'pingpong.reseer')
const small = ['--max-evaluations', '6', '--population', '4', '--seed', '3', '-j', '1']

function search(args: string[]): {status: number | null; report: any; stderr: string} {
  const run = cli(['search', logDir, ...args, '--json'], {timeout: 600_000})
  return {status: run.status, report: JSON.parse(run.stdout || 'null'), stderr: run.stderr}
}

t.test('the recording has pace marks for every hart', async t => {
  t.equal(recorded.status, 0, recorded.stderr)
  const info = cli(['log', 'info', logDir])
  t.equal(info.status, 0, info.stderr)
  t.match(info.stdout, /vCPU 0 .*Pace \d+/)
  t.match(info.stdout, /vCPU 1 .*Pace \d+/)
})

t.test('a period first, then the rest: finished intervals are not searched again', async t => {
  const reader = LogReader.open(logDir)
  const intervals = reader.checkpointCount - 1
  reader.close()
  t.ok(intervals >= 2, `${intervals} intervals`)
  const first = search(['--from', '0', '--to', '1', ...small])
  t.equal(first.report.intervals.length, 1)
  const one = first.report.intervals[0]
  t.equal(one.interval, 0)
  t.equal(one.seed, 3)
  t.ok(one.evaluations >= 1 && one.evaluations <= 6, `${one.evaluations} evaluations`)
  t.equal(first.status, one.found ? 0 : 1, 'exit status 1 when an interval is not found')
  if (!one.found) t.ok(one.firstDifference || one.divergence, 'a miss names the first difference')

  const all = search(small)
  t.equal(all.report.intervals.length, intervals)
  t.equal(all.report.intervals[0].skipped, one.found, 'a found interval is skipped; a missed one is searched again')
  t.equal(all.report.found + all.report.notFound, intervals)
})

t.test('a period that holds no interval, or lies outside the log, is one clear usage error', async t => {
  const empty = cli(['search', logDir, '--from', '1', '--to', '1'])
  t.equal(empty.status, 2)
  t.equal(empty.stderr, 'reseer-xl: period 1..1 holds no interval: --to must be after --from; interval 1 is --from 1 --to 2\n')
  const beyond = cli(['search', logDir, '--from', '0', '--to', '999'])
  t.equal(beyond.status, 2)
  t.match(beyond.stderr, /^reseer-xl: period 0\.\.999 is not within the log's checkpoints 0\.\.\d+\n$/)
})

t.test('the same seed finds the same paths', async t => {
  const again = search(['--redo', ...small])
  const reader = LogReader.open(logDir)
  const stored = reader.pathIntervals().map(k => Buffer.from(reader.path(k)!.path).toString('hex'))
  reader.close()
  const third = search(['--redo', ...small])
  const reader2 = LogReader.open(logDir)
  const storedAgain = reader2.pathIntervals().map(k => Buffer.from(reader2.path(k)!.path).toString('hex'))
  reader2.close()
  t.same(third.report.intervals.map((i: any) => [i.found, i.evaluations, i.decisions]), again.report.intervals.map((i: any) => [i.found, i.evaluations, i.decisions]))
  t.same(storedAgain, stored)
})

t.test('every found path replays verified against its checkpoint', async t => {
  const reader = LogReader.open(logDir)
  const found = reader.pathIntervals()
  reader.close()
  t.ok(found.length >= 1, `intervals found: ${found.join(' ')}`)
  for (const k of found) {
    const run = cli(['replay', logDir, '--from', String(k), '--to', String(k + 1), '-q', '--json'])
    t.equal(run.status, 0, run.stderr)
    t.equal(JSON.parse(run.stdout).verifiedCheckpoints, 1, `interval ${k}`)
  }
})

t.test('with the default seeds every interval is found, and the whole recording replays verified', async t => {
  // Pingpong ends every interval inside a token wait: the elastic runs find each one however long the recording spun.
  const all = search(['--redo', '--time-limit', '120s', '-j', '1'])
  t.equal(all.status, 0, all.stderr)
  const missed = all.report.intervals.filter((i: any) => !i.found)
  t.same(missed.map((i: any) => `${i.interval}: ${i.firstDifference ?? i.divergence}`), [], 'no interval missed')
  const run = cli(['replay', logDir, '-q', '--json'])
  t.equal(run.status, 0, run.stderr)
  t.equal(JSON.parse(run.stdout).verifiedCheckpoints, all.report.intervals.length)
})
