// `reseer-xl run`: the whole pipeline on one config, create, record to the
// guest's power-off, search every interval, replay verified, on the bundled
// selftest workload in a fresh directory laid out as a clone is.
import {cpSync, existsSync, mkdtempSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import t from 'tap'
import {cli, repo} from '../helpers/cli.js'

const dir = mkdtempSync(join(tmpdir(), 'reseer-run-'))
cpSync(join(repo, 'examples/selftest.cfg'), join(dir, 'examples/selftest.cfg'))
cpSync(join(repo, 'guests/build'), join(dir, 'guests/build'), {recursive: true})

t.test('run records, searches and replays a workload, and ends with its three report lines', async t => {
  const run = cli(['run', 'examples/selftest.cfg', '--time-limit', '30s'], {cwd: dir, timeout: 300_000})
  t.equal(run.status, 0, `exit status; stderr: ${run.stderr}`)
  t.equal(run.stderr, '')
  const lines = run.stdout.trimEnd().split('\n')
  const [record, search, replay] = lines.slice(-3)
  t.match(record, /^record {2}[\d.]+s, \d+ checkpoints, log [\d.]+ KiB in .*selftest\.reseer$/)
  const counts = /^search {2}(\d+) of (\d+) intervals found in [\d.]+s \(seed 1\)$/.exec(search)
  t.ok(counts && counts[1] === counts[2] && Number(counts[2]) > 0, search)
  t.match(replay, /^replay {2}[\d.]+s, \d+ checkpoints? verified, console output identical$/)
  t.ok(lines.length > 4, 'the guest\'s console output comes before the report')
  t.ok(existsSync(join(dir, 'examples/selftest.reseer/paths')), 'the log stays beside the config')
})

t.test('run --json reports each phase, and a log already there is refused without -f', async t => {
  const again = cli(['run', 'examples/selftest.cfg'], {cwd: dir})
  t.not(again.status, 0)
  t.match(again.stderr, /^reseer-xl: .*selftest\.reseer/m)
  t.equal(again.stderr.trim().split('\n').length, 1, 'one error line')
  const run = cli(['run', 'examples/selftest.cfg', '-f', '--json', '--time-limit', '30s'], {cwd: dir, timeout: 300_000})
  t.equal(run.status, 0, run.stderr)
  const report = JSON.parse(run.stdout)
  t.ok(report.recordSeconds > 0 && report.searchSeconds >= 0 && report.replaySeconds > 0)
  t.ok(report.search.length > 0 && report.search.every((r: {found: boolean}) => r.found), `every interval found: ${JSON.stringify(report.search.filter((r: {found: boolean}) => !r.found))}`)
  t.equal(report.replay.verifiedCheckpoints, report.search.length)
})

t.test('run on a missing config says so in one line', async t => {
  const run = cli(['run', 'examples/nothing.cfg'], {cwd: dir})
  t.not(run.status, 0)
  t.match(run.stderr, /^reseer-xl: .*nothing\.cfg/)
  t.equal(run.stderr.trim().split('\n').length, 1)
})
