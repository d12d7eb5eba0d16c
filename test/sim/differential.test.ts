// The sim machine against the reference: QEMU's virt board running the same
// guest ELF must print the same console output.
import t from 'tap'
import {existsSync, readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {DeterministicMachine} from '../../src/lib/sim/deterministic.js'
import {qemuMissing, runQemu} from '../helpers/qemu-run.js'

const guest = (dir: string, name: string) => new URL(`../../guests/${dir}/${name}`, import.meta.url).pathname
// Workloads whose output does not depend on how the harts interleave, and that need no disk or network.
const WORKLOADS = ['selftest', 'pingpong', 'compress', 'radix'].filter((name) => existsSync(guest('build', `${name}.elf`)))

t.test('each workload prints on the sim machine what it prints on QEMU', {skip: await qemuMissing()}, async (t) => {
  for (const name of WORKLOADS) {
    const expected = readFileSync(guest('expected', `${name}.out`), 'utf8')
    const memoryMiB = Number(/memory=(\d+)MiB/.exec(expected)?.[1] ?? 64)
    for (const smp of [1, 2]) {
      const append = `quiet`
      const qemu = await runQemu({elf: guest('build', `${name}.elf`), smp, memoryMiB, append, timeoutMs: 60_000})
      const sim = new DeterministicMachine({vcpus: smp, memoryMiB, kernel: guest('build', `${name}.elf`), cmdline: append, disks: [], vifs: []})
      const finish = sim.runToHalt(5_000, 500_000_000)
      t.equal(finish.kind === 'poweroff' ? 0 : finish.code, qemu.exitCode, `${name} -smp ${smp}: exit status`)
      t.equal(new TextDecoder().decode(sim.console), qemu.stdout, `${name} -smp ${smp}: console`)
    }
  }
})

t.test('dbench leaves the same disk on the sim machine as on QEMU', {skip: await qemuMissing()}, async (t) => {
  const dir = t.testdir()
  const qemuDisk = join(dir, 'qemu.img')
  const simDisk = join(dir, 'sim.img')
  writeFileSync(qemuDisk, Buffer.alloc(1 << 20))
  writeFileSync(simDisk, Buffer.alloc(1 << 20))
  const qemu = await runQemu({elf: guest('build', 'dbench.elf'), smp: 2, memoryMiB: 64, disk: qemuDisk, timeoutMs: 60_000})
  const sim = new DeterministicMachine({vcpus: 2, memoryMiB: 64, kernel: guest('build', 'dbench.elf'), cmdline: '',
    disks: [{path: simDisk, readonly: false}], vifs: []})
  sim.runToHalt(5_000, 500_000_000)
  t.equal(new TextDecoder().decode(sim.console), qemu.stdout)
  t.ok(Buffer.from(sim.disks[0].bytes).equals(readFileSync(qemuDisk)), 'the overlay holds what QEMU wrote to its image')
})
