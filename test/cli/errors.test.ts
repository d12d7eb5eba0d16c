import t from 'tap'
import {execFileSync, spawnSync} from 'node:child_process'
import {fileURLToPath} from 'node:url'
import {ReseerError, errorLine, verbosityOf} from '../../src/lib/cli/errors.js'

const bin = fileURLToPath(new URL('../../bin/run.js', import.meta.url))

t.test('errorLine is one line with the program name', async (t) => {
  t.equal(errorLine(new ReseerError('no such domain: dom1', {hint: 'see reseer-xl list'})),
    'reseer-xl: no such domain: dom1; see reseer-xl list')
  const line = errorLine(new Error('first\nsecond'))
  t.equal(line, 'reseer-xl: first second')
  const enoent = Object.assign(new Error('ENOENT: no such file'), {code: 'ENOENT', path: '/x/y.cfg'})
  t.equal(errorLine(enoent), 'reseer-xl: /x/y.cfg: no such file or directory')
})

t.test('verbosity counts -v, -vv and --verbose, not past --', async (t) => {
  t.equal(verbosityOf(['-v', 'x', '-vv']), 3)
  t.equal(verbosityOf(['--verbose', '--', '-v']), 1)
  t.equal(verbosityOf(['x']), 0)
})

t.test('the command reports failures as one line and a status', async (t) => {
  const bad = spawnSync(process.execPath, [bin, 'version', '--no-such-flag'], {encoding: 'utf8'})
  t.equal(bad.status, 2)
  t.match(bad.stderr, /^reseer-xl: Nonexistent flag: --no-such-flag/)
  t.equal(bad.stderr.trim().split('\n').length, 1)
  t.equal(bad.stdout, '')
  // An unknown verb goes to xl; with no xl on PATH that is one line too.
  const unknown = spawnSync(process.execPath, [bin, 'no-such-verb'], {encoding: 'utf8', env: {...process.env, PATH: '/nonexistent'}})
  t.not(unknown.status, 0)
  t.match(unknown.stderr, /^reseer-xl: 'no-such-verb' is not a reseer-xl verb and xl is not installed/)
  t.equal(unknown.stderr.trim().split('\n').length, 1)
})

t.test('--json gives one JSON document on stdout', async (t) => {
  const out = execFileSync(process.execPath, [bin, 'version', '--json', '-v', '-v'], {encoding: 'utf8'})
  const doc = JSON.parse(out)
  t.type(doc.version, 'string')
})
