// The SDK's exits: unexpected traps and failures reach the test device with
// a code, and the device tree's facts reach the guest.
import t from 'tap'
import {qemuMissing, runQemu} from '../helpers/qemu-run.js'
import {elfOf} from './workload.js'

const skip = await qemuMissing()

const elf = elfOf('selftest')

t.test('the device tree gives harts, memory and bootargs', {skip}, async (t) => {
  const r = await runQemu({elf, smp: 5, memoryMiB: 128, append: 'alpha=1 beta=0x10'})
  t.equal(r.exitCode, 0)
  t.match(r.stdout, /^selftest: harts=5 memory=128MiB bootargs="alpha=1 beta=0x10"\n/)
  t.match(r.stdout, /\nselftest: arrived=5\nselftest: ok\n$/)
})

t.test('an unexpected trap is reported and fails the run', {skip}, async (t) => {
  const r = await runQemu({elf, smp: 2, append: 'trap=1'})
  t.equal(r.exitCode, 2)
  // ecall from machine mode is mcause 11.
  t.match(r.stdout, /\ntrap: hart 0 mcause=0000000b mepc=8[0-9a-f]{7} mtval=00000000\n$/)
})

t.test('a failure code reaches the host', {skip}, async (t) => {
  const r = await runQemu({elf, smp: 1, append: 'exit=7'})
  t.equal(r.exitCode, 7)
})

t.test('a malformed parameter stops the guest with a message', {skip}, async (t) => {
  const r = await runQemu({elf: elfOf('radix'), smp: 2, append: 'n=12k'})
  t.equal(r.exitCode, 1)
  t.match(r.stdout, /bootargs: n is not a number\n$/)
})

t.test('running out of memory is reported, not silently corrupting', {skip}, async (t) => {
  const r = await runQemu({elf: elfOf('radix'), smp: 1, memoryMiB: 16, append: 'n=4000000'})
  t.equal(r.exitCode, 1)
  t.match(r.stdout, /sdk_alloc: out of memory asking for \d+ bytes\n$/)
})
