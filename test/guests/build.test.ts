// The committed ELFs are what `make -C guests` produces, so users need no
// cross compiler and the simulator and QEMU always run the same bytes.
import t from 'tap'
import {execa} from 'execa'
import {existsSync, readFileSync, readdirSync} from 'node:fs'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'

const guests = fileURLToPath(new URL('../../guests/', import.meta.url))
const build = join(guests, 'build')
const workloads = readdirSync(join(guests, 'workloads'))
  .filter((f) => f.endsWith('.c'))
  .map((f) => f.slice(0, -2))
  .sort()

const CC = 'riscv64-unknown-elf-gcc'
const hasCompiler = (await execa(CC, ['--version'], {reject: false})).exitCode === 0
const hasMake = (await execa('make', ['--version'], {reject: false})).exitCode === 0
const skip = hasCompiler && hasMake ? false : `${hasCompiler ? 'make' : CC} is not installed`

t.test('every workload has a committed ELF and an example config', async (t) => {
  t.same(readdirSync(build).filter((f) => f.endsWith('.elf')).sort(), workloads.map((w) => `${w}.elf`))
  for (const w of workloads) {
    t.ok(existsSync(fileURLToPath(new URL(`../../examples/${w}.cfg`, import.meta.url))), `examples/${w}.cfg`)
  }
})

t.test('the ELFs are RV32 executables entered at the start of RAM', async (t) => {
  for (const w of workloads) {
    const elf = readFileSync(join(build, `${w}.elf`))
    t.equal(elf.readUInt32BE(0), 0x7f454c46, `${w}: ELF magic`)
    t.equal(elf[4], 1, `${w}: 32-bit`)
    t.equal(elf[5], 1, `${w}: little-endian`)
    t.equal(elf.readUInt16LE(18), 243, `${w}: machine is RISC-V`)
    t.equal(elf.readUInt32LE(24), 0x80000000, `${w}: entry`)
  }
})

t.test('a rebuild is byte-identical to the committed ELFs', {skip}, async (t) => {
  const out = t.testdir()
  await execa('make', ['-s', '-j2', '-C', guests, `OUT=${out}`])
  t.same(readdirSync(out).sort(), workloads.map((w) => `${w}.elf`))
  for (const w of workloads) {
    const same = readFileSync(join(out, `${w}.elf`)).equals(readFileSync(join(build, `${w}.elf`)))
    t.ok(same, `${w}.elf is reproducible`)
  }
})
