// race loses updates only when harts truly overlap, so its counter varies;
// what holds on every run is the bound and the arithmetic of the report.
import t from 'tap'
import {qemuMissing, runQemu} from '../helpers/qemu-run.js'
import {bootargsOf, elfOf} from './workload.js'

const skip = await qemuMissing()

const report = /^race: harts=(\d+) m=(\d+) expected=(\d+)\nrace: counter=(\d+) lost=(\d+)\n$/

t.test('the final counter never exceeds the number of increments', {skip}, async (t) => {
  for (const smp of [2, 4]) {
    const r = await runQemu({elf: elfOf('race'), smp, append: bootargsOf('race'), timeoutMs: 60_000})
    t.equal(r.exitCode, 0)
    const m = report.exec(r.stdout)
    if (!m) {
      t.fail(`unexpected output: ${r.stdout}`)
      continue
    }
    const [harts, perHart, expected, counter, lost] = m.slice(1).map(Number)
    t.equal(harts, smp)
    t.equal(perHart, 200000)
    t.equal(expected, smp * perHart)
    t.ok(counter <= expected, `counter ${counter} <= ${expected}`)
    t.equal(counter + lost, expected)
  }
})

t.test('one hart cannot race with itself', {skip}, async (t) => {
  const r = await runQemu({elf: elfOf('race'), smp: 1, append: 'm=1000', timeoutMs: 60_000})
  t.equal(r.stdout, 'race: harts=1 m=1000 expected=1000\nrace: counter=1000 lost=0\n')
})
