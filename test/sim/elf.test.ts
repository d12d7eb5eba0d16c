import t from 'tap'
import {readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {loadElf, parseElf, readElf} from '../../src/lib/sim/elf.js'
import {ReseerError} from '../../src/lib/cli/errors.js'
import {RAM_BASE} from '../../src/lib/sim/board.js'

const raceElf = new URL('../../guests/build/race.elf', import.meta.url).pathname

t.test('a guest ELF loads at its physical addresses with bss zeroed', async (t) => {
  const image = readElf(raceElf)
  t.equal(image.entry, RAM_BASE, 'the SDK links _start at the base of RAM')
  const ram = new Uint8Array(4 << 20).fill(0xaa)
  loadElf(image, ram, raceElf)
  const first = image.segments[0]
  t.same(ram.subarray(first.paddr - RAM_BASE, first.paddr - RAM_BASE + 16), first.data.subarray(0, 16))
  for (const segment of image.segments) {
    const end = segment.paddr - RAM_BASE + segment.memSize
    if (segment.memSize > segment.data.length) t.equal(ram[end - 1], 0, 'bss is zero-filled')
  }
})

t.test('bad kernels are refused with one clear error', async (t) => {
  const dir = t.testdir()
  const good = readFileSync(raceElf)
  const variant = (name: string, patch: (b: Buffer) => void) => {
    const bytes = Buffer.from(good)
    patch(bytes)
    const path = join(dir, name)
    writeFileSync(path, bytes)
    return path
  }
  const cases: Array<[string, string, RegExp]> = [
    ['missing', join(dir, 'no-such.elf'), /no such file/],
    ['directory', dir, /is a directory/],
    ['text file', variant('text', (b) => b.write('hello world, not an elf')), /not an ELF file/],
    ['x86 ELF', variant('x86', (b) => b.writeUInt16LE(3, 18)), /not RISC-V/],
    ['64-bit ELF', variant('rv64', (b) => (b[4] = 2)), /64-bit/],
    ['truncated', join(dir, 'short'), /past the end/],
  ]
  writeFileSync(join(dir, 'short'), good.subarray(0, 60))
  for (const [what, path, message] of cases) {
    try {
      readElf(path)
      t.fail(`${what} was accepted`)
    } catch (error) {
      t.ok(error instanceof ReseerError, `${what}: a ReseerError`)
      t.match((error as Error).message, message, what)
      t.ok((error as Error).message.includes(path), `${what}: names the file`)
    }
  }
})

t.test('segments outside RAM are refused before anything is written', async (t) => {
  const image = parseElf(readFileSync(raceElf), 'race.elf')
  const ram = new Uint8Array(64 << 10)
  t.throws(() => loadElf(image, ram, 'race.elf'), /lies outside RAM/)
  t.ok(ram.every((b) => b === 0), 'RAM untouched')
  const low = {entry: 0x1000, segments: [{paddr: 0x1000, data: new Uint8Array(4), memSize: 4}]}
  t.throws(() => loadElf(low, new Uint8Array(1 << 20), 'low.elf'), /lies outside RAM/)
})
