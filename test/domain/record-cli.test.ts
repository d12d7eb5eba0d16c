import t from 'tap'
import {mkdtempSync, writeFileSync, mkdirSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {cli} from '../helpers/cli.js'

const rundir = mkdtempSync(join(tmpdir(), 'reseer-run-'))
const env = {RESEER_XL_RUNDIR: rundir}
const work = mkdtempSync(join(tmpdir(), 'reseer-rec-'))
const guests = join(process.cwd(), 'guests', 'build')

function config(name: string, kernel: string, extra = ''): string {
  const file = join(work, `${name}.cfg`)
  writeFileSync(file, `name = "${name}"\nkernel = "${join(guests, kernel)}"\nmemory = 16\nvcpus = 2\nextra = "${extra}"\n`)
  return file
}

t.test('record CFG records until poweroff into NAME.reseer beside the config', async (t) => {
  const file = config('pp', 'pingpong.elf')
  const r = cli(['record', file, '--interval', '5ms', '--json'], {env})
  t.equal(r.status, 0, r.stderr)
  const doc = JSON.parse(r.stdout)
  t.equal(doc.logDir, join(work, 'pp.reseer'))
  t.ok(doc.log.checkpoints >= 2, 'checkpoint 0 and the one at poweroff at least')
  t.equal(doc.log.perVcpu.length, 2)
  t.ok(doc.log.perVcpu.some((v: {events: Record<string, number>}) => v.events.Halt === 1), 'the poweroff is logged')
  const verify = cli(['log', 'verify', doc.logDir], {env})
  t.equal(verify.status, 0, verify.stdout)
  // A second recording does not overwrite the first without -f.
  const again = cli(['record', file], {env})
  t.equal(again.status, 1)
  t.match(again.stderr, /^reseer-xl: log directory .*pp\.reseer already exists and is not empty; remove it or record under another name\n$/)
  t.equal(cli(['record', file, '-f', '--interval', '1M'], {env}).status, 0)
})

t.test('record a live domain, checkpoint it on demand, stop, and the domain runs on', async (t) => {
  // Parked with -p, the guest cannot finish under the test's feet.
  const file = config('live', 'echo.elf')
  t.equal(cli(['create', '-p', file], {env}).status, 0)
  t.teardown(() => {
    cli(['destroy', 'live'], {env})
  })
  const started = cli(['record', 'live', '--detach', '--interval', '1s'], {env})
  t.equal(started.status, 0, started.stderr)
  t.match(started.stderr, /recording live into .*live\.reseer; end it with 'reseer-xl record --stop live'/)
  const listed = JSON.parse(cli(['list', 'live', '--json'], {env}).stdout)
  t.equal(listed.domains[0].recording, join(work, 'live.reseer'))
  const cp = JSON.parse(cli(['checkpoint', 'live', '--json'], {env}).stdout)
  t.ok(cp.checkpoint >= 1)
  const stopped = cli(['record', '--stop', 'live', '--json'], {env})
  t.equal(stopped.status, 0, stopped.stderr)
  t.ok(JSON.parse(stopped.stdout).log.checkpoints > cp.checkpoint)
  t.match(cli(['list', 'live'], {env}).stdout, /live\s+\d+\s+16\s+2\s+\S+/, 'the domain runs on')
  const none = cli(['checkpoint', 'live'], {env})
  t.equal(none.stderr, "reseer-xl: domain live is not being recorded; start with 'reseer-xl record live'\n")
  t.equal(cli(['log', 'verify', join(work, 'live.reseer')], {env}).status, 0)
})

t.test('bad arguments are refused before anything starts', async (t) => {
  const file = config('bad', 'race.elf')
  const interval = cli(['record', file, '--interval', 'often'], {env})
  t.equal(interval.status, 2)
  t.equal(interval.stderr, "reseer-xl: interval 'often': expected a time (50ms, 1s) or an instruction count (2M, 500k)\n")
  const duration = cli(['record', file, '--for', '-3'], {env})
  t.equal(duration.status, 2)
  const dry = cli(['record', '-N', file], {env})
  t.match(dry.stdout, /^would create sim domain bad and record it into .*bad\.reseer every 200ms/)
  t.notMatch(cli(['list'], {env}).stdout, /\bbad\b/)
  // A log directory that cannot be created: its parent is a file.
  writeFileSync(join(work, 'blocker'), 'x')
  mkdirSync(join(work, 'sub'), {recursive: true})
  const unwritable = cli(['record', file, '--log', join(work, 'blocker', 'x.reseer')], {env})
  t.equal(unwritable.status, 1)
  t.match(unwritable.stderr, /^reseer-xl: cannot create log directory .*blocker\/x\.reseer: /)
  t.equal(unwritable.stderr.split('\n').length, 2)
  t.notMatch(cli(['list'], {env}).stdout, /\bbad\b/, 'no domain is left behind')
})
