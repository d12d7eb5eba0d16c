import t from 'tap'
import {existsSync, readFileSync} from 'node:fs'
import {spawnSync} from 'node:child_process'
import {ParallelMachine} from '../../src/lib/sim/parallel/parallel-machine.js'
import type {MachineOptions} from '../../src/lib/sim/machine.js'
import {RAM_BASE} from '../../src/lib/sim/board.js'

const elf = (name: string) => new URL(`../../guests/build/${name}.elf`, import.meta.url).pathname
const options = (name: string, extra: Partial<MachineOptions> = {}): MachineOptions =>
  ({vcpus: 2, memoryMiB: 16, kernel: elf(name), cmdline: '', disks: [], vifs: [], ...extra})
const text = (m: ParallelMachine) => new TextDecoder().decode(m.console)

// The harts run as compiled JavaScript in worker threads: build once if the build is missing.
t.before(() => {
  if (!existsSync(new URL('../../dist/lib/sim/parallel/hart-worker.js', import.meta.url))) {
    spawnSync('npx', ['tsc', '-p', '.'], {cwd: new URL('../..', import.meta.url).pathname, stdio: 'ignore'})
  }
})

t.test('workloads run to poweroff with their known output', async (t) => {
  for (const name of ['selftest', 'pingpong']) {
    const m = new ParallelMachine(options(name, {memoryMiB: 64}))
    t.same(await m.start(), {kind: 'poweroff', code: 0, hart: 0}, name)
    t.equal(text(m), readFileSync(new URL(`../../guests/expected/${name}.out`, import.meta.url), 'utf8'), name)
  }
})

t.test('harts run truly concurrently: the race workload loses updates', async (t) => {
  const lost: number[] = []
  for (let run = 0; run < 5 && !lost.some((n) => n > 0); run++) {
    const m = new ParallelMachine(options('race', {cmdline: 'm=2000000'}))
    t.equal((await m.start()).kind, 'poweroff')
    const match = /race: counter=(\d+) lost=(\d+)/.exec(text(m))
    t.ok(match, 'race printed its result')
    lost.push(Number(match![2]))
    t.ok(Number(match![1]) <= 4_000_000, 'never more than expected')
  }
  t.ok(lost.some((n) => n > 0), `lost updates in some run: ${lost.join(', ')}`)
})

t.test('pause parks every hart at an instruction boundary; resume and stop', async (t) => {
  const m = new ParallelMachine(options('race', {cmdline: 'm=100000000'}), {time: 'instret'})
  m.start()
  // Pause only once the guest is well under way, so there is something to see.
  while (!text(m).includes('race: harts=')) await new Promise((resolve) => setTimeout(resolve, 5))
  await m.pause()
  const first = m.hartStates()
  t.equal(first.length, 2)
  for (const state of first) t.ok(state.pc >= RAM_BASE, 'pc in RAM')
  t.ok(m.dirtyPages().length > 0, 'boot wrote pages')
  m.resume()
  t.throws(() => m.hartStates(), /pause the machine first/)
  await m.pause()
  const second = m.hartStates()
  t.ok(second[0].instret >= first[0].instret, 'instret only grows')
  m.clearDirty()
  t.same(m.dirtyPages(), [])
  m.resume()
  t.same(await m.stop(), {kind: 'stopped'})
  t.ok(m.hartStates()[0].instret >= second[0].instret)
})

t.test('a guest failing through the test device ends the run with its code', async (t) => {
  const m = new ParallelMachine(options('selftest', {cmdline: 'trap=1'}))
  const outcome = await m.start()
  t.equal(outcome.kind, 'fail')
  t.not((outcome as {code: number}).code, 0)
  t.match(text(m), /mcause=0000000b/, 'the SDK reports the ecall it did not expect')
})
