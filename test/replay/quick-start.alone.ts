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
import {cpSync, existsSync, mkdtempSync, readFileSync, symlinkSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {spawnSync} from 'node:child_process'
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

for (const command of commands) {
  t.test(command, async (t) => {
    const run = spawnSync('sh', ['-c', command], {cwd: dir, encoding: 'utf8', timeout: 500_000, env: {...process.env, PATH: `${join(dir, 'bin')}:${process.env.PATH}`}})
    t.equal(run.status, 0, `exit status; stderr: ${run.stderr}; stdout's end: ${run.stdout.slice(-600)}`)
    t.notMatch(run.stderr, /^reseer-xl: /m, 'no error line')
    t.ok(run.stdout.length > 0, 'it says what it did')
  })
}
