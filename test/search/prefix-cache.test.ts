import t from 'tap'
import {PrefixCache, PrefixHash, hashOf} from '../../src/lib/search/prefix-cache.js'
import {SeededRandom} from '../../src/lib/search/prng.js'
import {pathFromString} from '../../src/lib/search/path.js'

const bits = (text: string) => pathFromString(text)

t.test('the longest cached prefix wins', async t => {
  const cache = new PrefixCache<string>(1 << 20)
  cache.put(hashOf(bits('0'), 1), 1, 'a', 10)
  cache.put(hashOf(bits('011'), 3), 3, 'b', 10)
  t.same(cache.longest(bits('0110')), {depth: 3, entry: 'b'})
  t.same(cache.longest(bits('010')), {depth: 1, entry: 'a'})
  t.equal(cache.longest(bits('1')), undefined)
  t.same(cache.longest(bits('01'), 1), {depth: 3, entry: 'b'}, 'the tail bit extends the walk past the path')
  t.equal(cache.hits, 3)
  t.equal(cache.misses, 1)
  t.ok(cache.has(hashOf(bits('011'), 3), 3))
  t.notOk(cache.has(hashOf(bits('01'), 2), 2))
})

t.test('the least recently used snapshot is evicted to stay in budget', async t => {
  const cache = new PrefixCache<string>(1000)
  cache.put(hashOf(bits('00'), 2), 2, 'x', 300)
  cache.put(hashOf(bits('01'), 2), 2, 'y', 300)
  cache.longest(bits('00'))
  cache.put(hashOf(bits('10'), 2), 2, 'z', 300)
  t.ok(cache.bytes <= 1000, `${cache.bytes} bytes`)
  t.equal(cache.longest(bits('01')), undefined, 'y was least recently used')
  t.same(cache.longest(bits('00')), {depth: 2, entry: 'x'})
  t.same(cache.longest(bits('10')), {depth: 2, entry: 'z'})
  cache.put(hashOf(bits('1111111111'), 10), 10, 'too big', 5000)
  t.equal(cache.longest(bits('1111111111')), undefined, 'an entry larger than the budget is not kept')
})

t.test('a run of equal bits, and a path of runs, hash as the same bits pushed one at a time', async t => {
  const random = new SeededRandom(11)
  for (let trial = 0; trial < 20; trial++) {
    const path = new Uint8Array(5000 + random.int(50_000))
    for (let i = 0; i < path.length; ) {
      const run = random.int(3) === 0 ? 1 + random.int(4) : 1 + random.int(20_000)
      path.fill(random.int(2), i, Math.min(path.length, i + run))
      i += run
    }
    const slow = new PrefixHash()
    for (const bit of path) slow.push(bit)
    const from = random.int(100)
    const fast = new PrefixHash()
    for (let i = 0; i < from; i++) fast.push(path[i])
    fast.pushAll(path, from, path.length)
    t.equal(fast.key(path.length), slow.key(path.length), `path of ${path.length}`)
    const end = random.int(path.length)
    t.equal(hashOf(Array.from(path), end).key(end), hashOf(path, end).key(end), 'a plain array of bits too, to any length')
  }
  for (const count of [0, 1, 7, 8, 9, 1000, 65_536, 1_000_003]) {
    const one = new PrefixHash()
    for (let i = 0; i < count; i++) one.push(1)
    const run = new PrefixHash()
    run.pushRun(1, count)
    t.equal(run.key(count), one.key(count), `${count} continues`)
  }
})
