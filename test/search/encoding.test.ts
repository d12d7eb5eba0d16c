import t from 'tap'
import fc from 'fast-check'
import {SeededRandom} from '../../src/lib/search/prng.js'
import {
  formatPath,
  packPath,
  pathFromHex,
  pathFromString,
  pathToHex,
  pathToString,
  unpackPath,
} from '../../src/lib/search/path.js'
import {crossover, mutate, shift} from '../../src/lib/search/operators.js'

t.test('the generator is reproducible from its seed and forks reproducibly', async t => {
  const draw = (random: SeededRandom) => Array.from({length: 8}, () => random.nextU32())
  t.same(draw(new SeededRandom(42)), draw(new SeededRandom(42)))
  t.not(draw(new SeededRandom(42)).join(), draw(new SeededRandom(43)).join())
  t.not(draw(new SeededRandom(0)).join(), draw(new SeededRandom(2 ** 32)).join(), 'the high half of a seed counts')
  const a = new SeededRandom(7)
  const b = new SeededRandom(7)
  t.same(draw(a.fork()), draw(b.fork()))
  t.same(draw(a), draw(b), 'forking advances the parent the same way')
  t.throws(() => new SeededRandom(1.5), {name: 'ReseerError', code: 'EBADSEED'})
})

t.test('draws stay in range and are roughly even', async t => {
  const random = new SeededRandom(1)
  const counts = new Array(6).fill(0)
  for (let i = 0; i < 6000; i++) counts[random.int(6)]++
  t.ok(counts.every(n => n > 850 && n < 1150), `counts ${counts}`)
  for (let i = 0; i < 1000; i++) {
    const x = random.float()
    t.ok(x >= 0 && x < 1) || t.fail(String(x))
  }
  t.throws(() => random.int(0), RangeError)
})

t.test('paths survive packing, hex and string forms', async t => {
  fc.assert(
    fc.property(fc.array(fc.integer({min: 0, max: 1}), {maxLength: 200}), bits => {
      const path = Uint8Array.from(bits)
      const packed = packPath(path)
      t.equal(packed.bitLength, bits.length)
      t.same(unpackPath(packed), path)
      t.same(pathFromHex(pathToHex(path)), path)
      t.same(pathFromString(pathToString(path)), path)
    }),
    {seed: 1, numRuns: 100},
  )
  t.equal(pathToHex(pathFromString('101101')), '2d/6', 'packed as the log stores paths: decision i at bit i & 7')
  t.equal(formatPath(pathFromString('')), '(empty)')
  t.equal(formatPath(pathFromString('1'.repeat(65))), 'ffffffffffffffff01/65')
})

t.test('malformed paths are refused clearly', async t => {
  t.throws(() => pathFromString('0120'), {name: 'ReseerError', message: 'path "0120" is not a string of 0 and 1'})
  t.throws(() => pathFromHex('zz/3'), {name: 'ReseerError', code: 'EBADPATH'})
  t.throws(() => unpackPath({bytes: new Uint8Array(1), bitLength: 9}), {message: /1 bytes cannot hold 9 bits/})
})

t.test('crossover keeps parent material and handles different lengths', async t => {
  const random = new SeededRandom(3)
  const ones = new Uint8Array(10).fill(1)
  const zeros = new Uint8Array(4)
  for (const kind of ['one-point', 'two-point', 'uniform'] as const) {
    for (let i = 0; i < 50; i++) {
      const child = crossover(kind, ones, zeros, random)
      t.ok(child.length === 4 || child.length === 10, `${kind} child length ${child.length}`) || t.fail()
      t.ok(child.subarray(4).every(bit => bit === 1), 'beyond the shorter parent the bits come from the longer one')
    }
  }
})

t.test('mutation flips about rate * length bits', async t => {
  const random = new SeededRandom(5)
  const path = new Uint8Array(1000)
  let flipped = 0
  for (let i = 0; i < 100; i++) flipped += mutate(path, 0.01, random).reduce((n, bit) => n + bit, 0)
  t.ok(flipped > 800 && flipped < 1200, `${flipped} flips over 100 mutations`)
  t.same(mutate(path, 0, random), path)
  t.ok(mutate(path, 1, random).every(bit => bit === 1))
})

t.test('a shift moves one switch between harts by one decision point', async t => {
  const random = new SeededRandom(8)
  for (let i = 0; i < 20; i++) {
    const moved = pathToString(shift(pathFromString('1110111'), random))
    t.ok(['1101111', '1111011', '1110111'].includes(moved), moved) || t.fail()
  }
  t.equal(pathToString(shift(pathFromString('1111'), random)), '1111', 'no switch, nothing to move')
  t.equal(pathToString(shift(pathFromString('0'), random)), '0')
})
