// The README's quick start, run exactly as written on the built package:
// every line of the ```sh block under "## Quick start" except npm install
// and npm test (which build the package and run this very suite), in a fresh
// directory holding the package's bin/ (linked), examples/ and guests/build/
// (copied), as a clone would. The README is read when the test runs, so the
// test follows whatever the quick start says. npm test runs it on its own,
// after the rest of the suite (it is named so that `tap` alone does not pick
// it up): its `run` records a racing guest, and a recording made beside
// another test file's recordings and searches holds far more host stalls
// than one made on a machine that does nothing else, as a newcomer's is.
// For the same reason it first waits (at most a minute) for the suite's
// writes to be flushed and the host's CPUs to be idle over a second.
import {cpSync, existsSync, mkdtempSync, readFileSync, symlinkSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {spawnSync} from 'node:child_process'
import {setTimeout as sleep} from 'node:timers/promises'
import t from 'tap'
import {repo} from '../helpers/cli.js'

const readme = readFileSync(join(repo, 'README.md'), 'utf8')
const section = readme.split(/^## Quick start\s*$/m)[1]?.split(/^## /m)[0] ?? ''
const block = /```sh\n([\s\S]*?)```/.exec(section)?.[1] ?? ''
const commands = block
  .split('\n')
  .map((line) => line.replace(/\s+#.*$/, '').trim())
  .filter((line) => line.length > 0 && !line.startsWith('#') && !/^npm (install|test|ci)\b/.test(line))

t.ok(commands.length > 0, `the quick start has commands to run: ${JSON.stringify(commands)}`)
t.ok(existsSync(join(repo, 'dist/commands')), 'the package is built')

const dir = mkdtempSync(join(tmpdir(), 'reseer-quick-start-'))
symlinkSync(join(repo, 'bin'), join(dir, 'bin'))
cpSync(join(repo, 'examples'), join(dir, 'examples'), {recursive: true, filter: (source) => !source.endsWith('.reseer')})
cpSync(join(repo, 'guests/build'), join(dir, 'guests/build'), {recursive: true})

/** The host's idle and total CPU time so far (/proc/stat's first line), undefined where there is none. */
function cpuTimes(): {idle: number; total: number} | undefined {
  if (!existsSync('/proc/stat')) return undefined
  const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number)
  return {idle: fields[3] + (fields[4] ?? 0), total: fields.reduce((sum, n) => sum + n, 0)}
}

/** Flushes the page cache and waits, at most a minute, until the CPUs were at least 90 % idle over a second; the seconds it waited. */
async function quiet(): Promise<number> {
  const started = Date.now()
  spawnSync('sync')
  while (Date.now() - started < 60_000) {
    const before = cpuTimes()
    await sleep(1000)
    const after = cpuTimes()
    if (!before || !after || (after.idle - before.idle) / Math.max(1, after.total - before.total) >= 0.9) break
  }
  return (Date.now() - started) / 1000
}

t.comment(`waited ${(await quiet()).toFixed(1)} s for an idle host`)

for (const command of commands) {
  t.test(command, async (t) => {
    // As a user's shell runs it: tap puts its process-tracking loader into NODE_OPTIONS of every process a test
    // starts, and under it the recording's harts ran at 0.8 s instead of 0.45 and the search took up to four times
    // as long (the detach test has the same reason to leave it out).
    const run = spawnSync('env', ['-u', 'NODE_OPTIONS', 'sh', '-c', command], {cwd: dir, encoding: 'utf8', timeout: 500_000, env: {...process.env, PATH: `${join(dir, 'bin')}:${process.env.PATH}`}})
    t.equal(run.status, 0, `exit status; stderr: ${run.stderr}; stdout's end: ${run.stdout.slice(-600)}`)
    t.notMatch(run.stderr, /^reseer-xl: /m, 'no error line')
    t.ok(run.stdout.length > 0, 'it says what it did')
  })
}
