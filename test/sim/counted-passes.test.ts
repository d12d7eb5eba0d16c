// Decision points passed in the hart's own code (counted pages and the
// hart's pass count, see ACCESS_COUNT_READ) against passes through the
// machine's page fault for every access: an observer of page accesses turns
// the first off, so the same calls on two machines compare the two.
import t from 'tap'
import {DeterministicMachine, type RunRequest} from '../../src/lib/sim/deterministic.js'
import {ACCESS_COUNT_READ, ACCESS_COUNT_WRITE, PAGE_SHIFT, RAM_BASE} from '../../src/lib/sim/hart-env.js'
import {readSymbols} from '../../src/lib/replay/symbols.js'
import {SeededRandom} from '../../src/lib/search/prng.js'

const kernel = new URL('../../guests/build/race.elf', import.meta.url).pathname
const counter = readSymbols(kernel).get('counter')!
const counterPage = (counter.address - RAM_BASE) >>> PAGE_SHIFT

function raceMachine(seen?: number[]): DeterministicMachine {
  const m = new DeterministicMachine(
    {vcpus: 2, memoryMiB: 4, kernel, cmdline: 'm=100000', disks: [], vifs: []},
    seen ? {observer: {pageAccess: (hart, instret, page) => {
      if (page === counterPage) seen[hart]++
    }}} : {},
  )
  // Both harts booted and into the loop, the page not yet watched.
  for (let round = 0; round < 60; round++) for (let hart = 0; hart < 2; hart++) m.runHart(hart, {budget: 1000})
  m.clearDirty()
  return m
}

const word = (m: DeterministicMachine) => new DataView(m.ram.buffer).getUint32(counter.address - RAM_BASE, true)

t.test('counted passes stop, count and leave the machine exactly as passes through the page fault do', async t => {
  const seen = [0, 0]
  const counted = raceMachine()
  const plain = raceMachine(seen)
  const stopAtPages = new Set([counterPage])
  const random = new SeededRandom(5)
  let passed = 0
  let stops = 0
  for (let call = 0; call < 400; call++) {
    const hart = random.int(2)
    const kind = random.int(4)
    const request: RunRequest = {budget: 1 + random.int(20_000), stopAtPages}
    if (kind === 0) request.passStops = random.int(300)
    else if (kind === 1) request.passStops = Infinity
    else if (kind === 2) request.passBelowInstret = counted.harts[hart].instret + random.int(5000)
    const a = counted.runHart(hart, request)
    const b = plain.runHart(hart, request)
    t.same(a, b, `call ${call}: hart ${hart}, ${JSON.stringify(request, (k, v) => (k === 'stopAtPages' ? undefined : v === Infinity ? 'Infinity' : v))}`)
    t.equal(counted.harts[hart].instret, plain.harts[hart].instret)
    t.equal(word(counted), word(plain), 'the counter')
    passed += a.passed
    if (a.reason === 'page') stops++
  }
  t.same(counted.dirtyPages(), plain.dirtyPages(), 'the same pages written')
  t.same([0, 1].map(h => counted.pageAccesses(h)), [0, 1].map(h => plain.pageAccesses(h)), 'the same pages read and written per hart')
  t.ok(passed > 10_000, `${passed} passes, ${stops} stops`)
  // The harts' access tables (private to the machine): the counted one let the page through in the harts' code.
  const bits = (m: DeterministicMachine, hart: number) => (m as unknown as {access: Uint8Array[]}).access[hart][counterPage]
  t.equal(bits(counted, 0) & (ACCESS_COUNT_READ | ACCESS_COUNT_WRITE), ACCESS_COUNT_READ | ACCESS_COUNT_WRITE, 'counted for the racing hart')
  t.equal(bits(plain, 0) & (ACCESS_COUNT_READ | ACCESS_COUNT_WRITE), 0, 'never counted with an observer')
  t.ok(seen[0] + seen[1] >= passed, 'the observer saw every pass of the uncounted machine')
})
