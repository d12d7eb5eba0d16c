// The workloads whose output does not depend on interleaving print exactly
// guests/expected/<name>.out on QEMU, the reference the simulator is diffed against.
import t from 'tap'
import {qemuMissing, runQemu} from '../helpers/qemu-run.js'
import {bootargsOf, elfOf, expectedOf} from './workload.js'

const skip = await qemuMissing()

for (const name of ['pingpong', 'compress', 'radix', 'selftest']) {
  t.test(`${name} prints its expected output on 2 harts`, {skip}, async (t) => {
    const r = await runQemu({elf: elfOf(name), smp: 2, memoryMiB: 64, append: bootargsOf(name), timeoutMs: 60_000})
    t.equal(r.exitCode, 0, r.stderr)
    t.equal(r.stdout, expectedOf(name))
  })
}

t.test('results do not depend on the hart count', {skip}, async (t) => {
  for (const smp of [1, 3, 8]) {
    for (const name of ['compress', 'radix']) {
      const r = await runQemu({elf: elfOf(name), smp, append: bootargsOf(name), timeoutMs: 120_000})
      t.equal(r.exitCode, 0, `${name} on ${smp} harts`)
      t.equal(r.stdout, expectedOf(name).replace('harts=2', `harts=${smp}`), `${name} on ${smp} harts`)
    }
  }
})

t.test('pingpong passes the token round rings of every size', {skip}, async (t) => {
  for (const smp of [1, 3]) {
    const r = await runQemu({elf: elfOf('pingpong'), smp, append: 'k=20', timeoutMs: 60_000})
    t.equal(r.exitCode, 0)
    t.match(r.stdout, new RegExp(`^pingpong: harts=${smp} rounds=20 token=[0-9a-f]{8}\npingpong: ok\n$`))
  }
})
