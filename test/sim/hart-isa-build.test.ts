// The committed ISA test ELFs are what their sources build to, byte for byte,
// so the differential tests run what the assembly says.

import t from 'tap'
import {spawnSync} from 'node:child_process'
import {mkdtempSync, readdirSync, readFileSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'

const ISA = fileURLToPath(new URL('../../guests/isa/', import.meta.url))
const compiler = spawnSync('riscv64-unknown-elf-gcc', ['--version'])
const missing = compiler.error || compiler.status !== 0 ? 'riscv64-unknown-elf-gcc is not installed' : undefined

t.test('a rebuild of guests/isa is byte-identical to the committed ELFs', {skip: missing}, async (t) => {
  const out = mkdtempSync(join(tmpdir(), 'reseer-isa-'))
  t.teardown(() => rmSync(out, {recursive: true, force: true}))
  const make = spawnSync('make', ['-s', '-C', ISA, `OUT=${out}`], {encoding: 'utf8'})
  t.equal(make.status, 0, make.stderr)
  const committed = readdirSync(join(ISA, 'build')).filter((name) => name.endsWith('.elf')).sort()
  t.same(readdirSync(out).sort(), committed)
  for (const name of committed) {
    t.ok(readFileSync(join(out, name)).equals(readFileSync(join(ISA, 'build', name))), `${name} is identical`)
  }
})
