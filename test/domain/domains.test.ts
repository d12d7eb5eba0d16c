import t from 'tap'
import {mkdtempSync, writeFileSync, readFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {cli} from '../helpers/cli.js'

// Each test run gets its own runtime directory, so domains of other runs
// (and of the user) are never touched.
const rundir = mkdtempSync(join(tmpdir(), 'reseer-run-'))
const env = {RESEER_XL_RUNDIR: rundir}
const work = mkdtempSync(join(tmpdir(), 'reseer-dom-'))
const guests = join(process.cwd(), 'guests', 'build')

function config(name: string, kernel: string, extra = '', more = ''): string {
  const file = join(work, `${name}.cfg`)
  writeFileSync(file, `name = "${name}"\nkernel = "${join(guests, kernel)}"\nmemory = 16\nvcpus = 2\nextra = "${extra}"\n${more}`)
  return file
}

t.test('create -c shows the console until the guest powers off, then the domain is gone', async (t) => {
  const r = cli(['create', '-c', config('pp', 'pingpong.elf')], {env})
  t.equal(r.status, 0, r.stderr)
  t.equal(r.stdout, readFileSync('guests/expected/pingpong.out', 'utf8'))
  const list = JSON.parse(cli(['list', '--json'], {env}).stdout)
  t.same(list.domains.filter((d: {name: string}) => d.name === 'pp'), [])
})

t.test('a paused domain is listed paused, refuses a second create, and can be destroyed', async (t) => {
  const file = config('held', 'echo.elf')
  t.equal(cli(['create', '-p', file], {env}).status, 0)
  const listed = cli(['list'], {env}).stdout
  t.match(listed, /^Name\s+ID\s+Mem\s+VCPUs\s+State\s+Time\(s\)$/m)
  t.match(listed, /^held\s+\d+\s+16\s+2\s+--p---/m)
  const again = cli(['create', file], {env})
  t.equal(again.status, 1)
  t.equal(again.stderr, `reseer-xl: domain 'held' already exists (id ${JSON.parse(cli(['list', 'held', '--json'], {env}).stdout).domains[0].domid}); destroy it first or choose another name\n`)
  t.equal(cli(['unpause', 'held'], {env}).status, 0)
  t.match(cli(['list', 'held'], {env}).stdout, /held\s+\d+\s+16\s+2\s+r-----/)
  t.equal(cli(['pause', 'held'], {env}).status, 0)
  const dry = cli(['destroy', '-N', 'held'], {env})
  t.match(dry.stdout, /^would destroy domain held \(id \d+\)/)
  t.match(cli(['list', 'held'], {env}).stdout, /held/)
  t.equal(cli(['destroy', 'held'], {env}).status, 0)
  t.notMatch(cli(['list'], {env}).stdout, /held/)
})

t.test('a domain whose process died is reported once and cleaned up', async (t) => {
  t.equal(cli(['create', '-p', config('doomed', 'race.elf')], {env}).status, 0)
  const [record] = JSON.parse(cli(['list', 'doomed', '--json'], {env}).stdout).domains
  process.kill(record.pid, 'SIGKILL')
  await new Promise((resolve) => setTimeout(resolve, 200))
  const first = cli(['list', '--json'], {env})
  const dead = JSON.parse(first.stdout).domains.find((d: {name: string}) => d.name === 'doomed')
  t.equal(dead.alive, false)
  t.equal(dead.state, '----c-')
  t.same(JSON.parse(cli(['list', '--json'], {env}).stdout).domains.filter((d: {name: string}) => d.name === 'doomed'), [])
  // The name is free again.
  t.equal(cli(['create', '-p', config('doomed', 'race.elf')], {env}).status, 0)
  t.equal(cli(['destroy', 'doomed'], {env}).status, 0)
})

t.test('bad input ends in one line and a non-zero status', async (t) => {
  const missing = cli(['create', join(work, 'nope.cfg')], {env})
  t.equal(missing.status, 1)
  t.match(missing.stderr, /^reseer-xl: .*nope\.cfg: no such file\n$/)
  const badKernel = cli(['create', config('badk', 'no-such.elf')], {env})
  t.equal(badKernel.status, 1)
  t.equal(badKernel.stderr.split('\n').length, 2)
  t.match(badKernel.stderr, /^reseer-xl: .*no-such\.elf/)
  const nobody = cli(['pause', 'nobody'], {env})
  t.equal(nobody.stderr, "reseer-xl: no sim domain 'nobody'; see 'reseer-xl list'\n")
  t.equal(nobody.status, 1)
  const dry = cli(['create', '-N', config('dry', 'race.elf')], {env})
  t.match(dry.stdout, /^would create sim domain dry: 2 vCPUs, 16 MiB/)
  t.notMatch(cli(['list'], {env}).stdout, /dry/)
})

t.test('console forwards input to the guest and shows what it printed before', async (t) => {
  t.equal(cli(['create', config('talk', 'echo.elf')], {env}).status, 0)
  // The console shows the output the guest wrote before anyone attached, then the answers.
  await new Promise((resolve) => setTimeout(resolve, 500))
  const r = cli(['console', 'talk'], {env, input: 'hello there\nquit\n'})
  t.equal(r.status, 0, r.stderr)
  t.equal(r.stdout, 'echo: ready\necho: hello there\necho: bye after 2 lines\n')
  t.notMatch(cli(['list'], {env}).stdout, /talk/, 'the guest powered off and the domain is gone')
})
