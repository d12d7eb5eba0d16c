// Verbs reseer-xl does not own run Debian's real xl: whatever xl prints and
// the status it exits with must be exactly what typing xl would have given.
import t from 'tap'
import {spawnSync} from 'node:child_process'
import {chmodSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {delimiter, dirname, join} from 'node:path'
import {fileURLToPath} from 'node:url'
import {findXl, passthroughToXl, typedWords} from '../../src/lib/xl/passthrough.js'

const root = fileURLToPath(new URL('../..', import.meta.url))
const bin = join(root, 'bin', 'run.js')

/** The versioned xl binary of xen-utils-4.17 (behind Debian's /usr/sbin/xl wrapper), if installed. */
function versionedXlDir(): string | undefined {
  const listing = spawnSync('dpkg-query', ['-L', 'xen-utils-4.17'], {encoding: 'utf8'})
  const xl = listing.status === 0 ? listing.stdout.split('\n').find((line) => /\/bin\/xl$/.test(line)) : undefined
  return xl ? dirname(xl) : undefined
}

function run(command: string, args: string[], path: string, input = '') {
  const r = spawnSync(command, args, {encoding: 'utf8', env: {...process.env, PATH: path}, input})
  return {status: r.status, stdout: r.stdout, stderr: r.stderr}
}

const HOOK_ENTRY = './dist/hooks/command-not-found.js'
const registered = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).oclif?.hooks?.command_not_found === HOOK_ENTRY
// Without the entry every CLI test below would fail for that one reason; say it once.
const needsHook = registered ? false : 'the command_not_found hook is not registered'

t.test('the command_not_found hook is registered with oclif', async (t) => {
  t.ok(registered, `package.json oclif.hooks.command_not_found is ${HOOK_ENTRY}`)
})

const paths: Array<[string, string | undefined]> = [
  ['xl as found on PATH', findXl() ? process.env.PATH! : undefined],
  ['the versioned xl of xen-utils-4.17', versionedXlDir() && `${versionedXlDir()}${delimiter}${process.env.PATH}`],
]

for (const [label, path] of paths) {
  t.test(`an unowned verb gives what ${label} gives`, {skip: needsHook || (path ? false : 'xl is not installed')}, async (t) => {
    const args = ['migrate', 'dom1', 'host b']
    const direct = run('xl', args, path!)
    const through = run(process.execPath, [bin, ...args], path!)
    t.not(direct.status, 0, 'xl fails on this host, with its own message')
    t.same(through, direct, `reseer-xl ${args.join(' ')}: same status, stdout and stderr as xl`)
  })
}

t.test('without xl: one line naming the package, non-zero status', {skip: needsHook}, async (t) => {
  // A PATH holding only node, so that nothing called xl can be found.
  const dir = mkdtempSync(join(tmpdir(), 'reseer-noxl-'))
  try {
    symlinkSync(process.execPath, join(dir, 'node'))
    const r = run(join(dir, 'node'), [bin, 'vcpu-list', '0'], dir)
    t.equal(r.status, 1)
    t.equal(r.stdout, '')
    t.equal(r.stderr, "reseer-xl: 'vcpu-list' is not a reseer-xl verb and xl is not installed (apt-get install xen-utils-4.17)\n")
  } finally {
    rmSync(dir, {recursive: true, force: true})
  }
})

t.test('findXl looks on PATH as a shell does', async (t) => {
  t.equal(findXl(''), undefined)
  t.equal(findXl(`${tmpdir()}${delimiter}`), undefined)
  const dir = versionedXlDir()
  if (dir) t.equal(findXl(`${tmpdir()}${delimiter}${dir}`), join(dir, 'xl'))
})

t.test('the typed words survive oclif joining them into an id', async (t) => {
  const raw = ['block-attach', 'dom1', 'phy:/dev/vg/disk,xvdb,w', '-x', 'a b']
  // What oclif hands the hook for that command line.
  t.same(typedWords('block-attach:dom1:phy:/dev/vg/disk,xvdb,w', ['a b'], raw), raw)
  t.same(typedWords('vcpu-list:0', [], ['vcpu-list', '0']), ['vcpu-list', '0'])
  t.same(typedWords('-v:vcpu-list', ['--', 'x'], ['-v', 'vcpu-list', '--', 'x']), ['-v', 'vcpu-list', '--', 'x'])
  t.same(typedWords('migrate', ['dom1', 'host'], ['migrate', 'dom1', 'host']), ['migrate', 'dom1', 'host'])
  t.same(typedWords('list', ['-l'], []), ['list', '-l'], 'no raw command line: the id and the rest')
})

// On a host without Xen the real xl stops at libxl_ctx_alloc before it reads
// its arguments or stdin, so it cannot show that they arrive intact; an xl
// on PATH that echoes what it got and exits with a chosen status can.
t.test('arguments, stdin, stdout and status reach xl and come back intact', {skip: needsHook}, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'reseer-xlecho-'))
  try {
    const xl = join(dir, 'xl')
    writeFileSync(xl, '#!/bin/sh\nfor a in "$@"; do printf "[%s]\\n" "$a"; done\nread line; echo "stdin: $line"; echo "to stderr" >&2\n[ "$1" = kill ] && kill -TERM $$\nexit 7\n')
    chmodSync(xl, 0o755)
    const path = `${dir}${delimiter}${process.env.PATH}`
    const r = run(process.execPath, [bin, 'block-attach', 'dom1', 'phy:/dev/vg/disk,xvdb,w', '-x', 'a b', ''], path, 'hello\n')
    t.same(r, {status: 7, stdout: '[block-attach]\n[dom1]\n[phy:/dev/vg/disk,xvdb,w]\n[-x]\n[a b]\n[]\nstdin: hello\n', stderr: 'to stderr\n'})
    const killed = run(process.execPath, [bin, 'kill'], path, 'x\n')
    t.equal(killed.status, 128 + 15, 'a signal shows as 128 + its number, as in a shell')
  } finally {
    rmSync(dir, {recursive: true, force: true})
  }
})

t.test('a reseer-xl verb handing a Xen domain to a missing xl says so', async (t) => {
  const saved = process.env.PATH
  process.env.PATH = ''
  try {
    await t.rejects(passthroughToXl(['create', 'dom1.cfg']), {
      code: 'ENOXL',
      message: "'create' on a Xen domain is xl's work and xl is not installed (apt-get install xen-utils-4.17)",
    })
  } finally {
    process.env.PATH = saved
  }
})
