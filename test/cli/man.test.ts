import t from 'tap'
import {spawnSync} from 'node:child_process'
import {readFileSync} from 'node:fs'

const manifest = JSON.parse(readFileSync('oclif.manifest.json', 'utf8')) as {commands: Record<string, {id: string; flags: Record<string, {name: string}>}>}
const page = readFileSync('man/reseer-xl.1', 'utf8')
const hasMan = spawnSync('man', ['--version']).status === 0

t.test('reseer-xl(1) documents every verb and every flag the command has', async (t) => {
  for (const cmd of Object.values(manifest.commands)) {
    const verb = cmd.id.replaceAll(':', ' ').replaceAll('-', '\\-')
    t.ok(page.includes(`\\fB${verb}\\fR`), `verb ${cmd.id}`)
    for (const flag of Object.values(cmd.flags)) {
      if (flag.name === 'json' || flag.name === 'verbose') continue
      t.ok(page.includes(`\\-\\-${flag.name.replaceAll('-', '\\-')}`), `${cmd.id} --${flag.name}`)
    }
  }
})

for (const file of ['man/reseer-xl.1', 'man/reseer-log.5']) {
  t.test(`${file} renders without warnings`, {skip: hasMan ? false : 'man is not installed'}, async (t) => {
    const r = spawnSync('man', ['--warnings', '-l', file], {encoding: 'utf8', env: {...process.env, MANWIDTH: '80', MAN_KEEP_FORMATTING: '0'}})
    t.equal(r.status, 0)
    t.equal(r.stderr, '')
    t.match(r.stdout.replace(/.\x08/g, ''), /^NAME$/m)
  })
}
