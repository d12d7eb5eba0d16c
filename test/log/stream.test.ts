import t from 'tap'
import fc from 'fast-check'
import {readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {crc32c, crc32cTables, nativeCrc32c} from '../../src/lib/log/crc32c.js'
import {type EventRecord, EventStreamWriter, encodeRecord, readStream, scanStream} from '../../src/lib/log/stream.js'

const record = fc.record({
  kind: fc.integer({min: 0, max: 0xffff}),
  instret: fc.bigInt({min: 0n, max: (1n << 64n) - 1n}),
  payload: fc.uint8Array({maxLength: 64}),
})
// Instret never goes back within a stream, so sort what fast-check draws.
const records = fc.array(record, {maxLength: 40}).map((list) => {
  const counts = list.map((r) => r.instret).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
  return list.map((r, i) => ({...r, instret: counts[i]}))
})

function readAll(file: string): {got: EventRecord[]; end: ReturnType<typeof scanStream>} {
  const got: EventRecord[] = []
  const it = readStream(file)
  for (;;) {
    const step = it.next()
    if (step.done) return {got, end: step.value}
    got.push({kind: step.value.kind, instret: step.value.instret, payload: step.value.payload})
  }
}

function plain(list: EventRecord[]): unknown[] {
  return list.map((r) => ({kind: r.kind, instret: r.instret, payload: Buffer.from(r.payload).toString('hex')}))
}

t.test('CRC-32C matches the published check values', async (t) => {
  t.equal(crc32c(Buffer.from('123456789')), 0xe3069283)
  t.equal(crc32c(Buffer.alloc(32)), 0x8a9136aa)
  t.equal(crc32c(Buffer.alloc(32, 0xff)), 0x62a8ab43)
  const data = Buffer.from('the quick brown fox jumps over the lazy dog, twice over')
  t.equal(crc32c(data, 20, data.length, crc32c(data, 0, 20)), crc32c(data), 'continues across pieces')
})

t.test('the native CRC-32C and the tables agree on long pieces, at any offset and when continued', async (t) => {
  t.ok(nativeCrc32c, 'the native module loads on this platform')
  const bytes = Buffer.alloc(3 * 4096 + 57)
  let seed = 12345
  for (let i = 0; i < bytes.length; i++) bytes[i] = (seed = (Math.imul(seed, 1103515245) + 12345) | 0) >>> 24
  for (const [start, end] of [[0, bytes.length], [3, 4099], [8, 4104], [255, 511], [1000, 1256], [17, 17 + 255]]) {
    t.equal(crc32c(bytes, start, end), crc32cTables(bytes, start, end), `bytes ${start}..${end}`)
  }
  const whole = crc32cTables(bytes)
  t.equal(crc32c(bytes, 4000, bytes.length, crc32c(bytes, 0, 4000)), whole, 'a long piece continues a checksum')
  t.equal(crc32c(bytes, 300, bytes.length, crc32c(bytes, 0, 300)), whole, 'a short piece then a long one')
})

t.test('any sequence of records written reads back identical', async (t) => {
  const dir = t.testdir()
  let n = 0
  fc.assert(fc.property(records, fc.integer({min: 1, max: 4}), (list, pieces) => {
    const file = join(dir, `s${n++}.ev`)
    // Write in several sessions, as after reopening, to cover resuming.
    let at = 0
    let instret = 0n
    const per = Math.ceil(list.length / pieces)
    for (let p = 0; p < pieces; p++) {
      const w = new EventStreamWriter(file, 0, at, instret)
      for (const r of list.slice(p * per, (p + 1) * per)) w.append(r.kind, r.instret, r.payload)
      at = w.length
      instret = w.instret
      w.close()
    }
    const {got, end} = readAll(file)
    return end.status === 'ok' && end.records === list.length && JSON.stringify(plain(got), replacer) === JSON.stringify(plain(list), replacer)
  }), {numRuns: 60})
})

t.test('a stream cut at any byte is a torn tail keeping exactly the complete records', async (t) => {
  const dir = t.testdir()
  fc.assert(fc.property(records.filter((l) => l.length > 0), fc.nat(), (list, cutSeed) => {
    const frames = list.map(encodeRecord)
    const whole = Buffer.concat(frames)
    const cut = cutSeed % (whole.length + 1)
    const file = join(dir, 'cut.ev')
    writeFileSync(file, whole.subarray(0, cut))
    let complete = 0
    let boundary = 0
    for (const f of frames) {
      if (boundary + f.length > cut) break
      boundary += f.length
      complete++
    }
    const {got, end} = readAll(file)
    const expectTorn = cut !== boundary
    return got.length === complete && end.goodBytes === boundary &&
      end.status === (expectTorn ? 'torn' : 'ok') && (!expectTorn || end.damageOffset === boundary) &&
      JSON.stringify(plain(got), replacer) === JSON.stringify(plain(list.slice(0, complete)), replacer)
  }), {numRuns: 200})
})

t.test('a flipped byte anywhere is detected, never misread', async (t) => {
  const dir = t.testdir()
  fc.assert(fc.property(records.filter((l) => l.length > 0), fc.nat(), fc.integer({min: 1, max: 255}), (list, where, mask) => {
    const frames = list.map(encodeRecord)
    const whole = Buffer.concat(frames)
    const at = where % whole.length
    whole[at] ^= mask
    const file = join(dir, 'flip.ev')
    writeFileSync(file, whole)
    let hit = 0
    for (let boundary = 0; boundary + frames[hit].length <= at; hit++) boundary += frames[hit].length
    const {got, end} = readAll(file)
    // Everything handed out is an original record before the damaged one, and the damage is reported.
    return end.status !== 'ok' && got.length === hit &&
      JSON.stringify(plain(got), replacer) === JSON.stringify(plain(list.slice(0, hit)), replacer)
  }), {numRuns: 300})
})

t.test('damage in the middle is corrupt at its offset; at the end it is a torn tail', async (t) => {
  const dir = t.testdir()
  const file = join(dir, 'v.ev')
  const frames = [0, 1, 2].map((i) => encodeRecord({kind: 1, instret: BigInt(i), payload: Buffer.alloc(8, i)}))
  const whole = Buffer.concat(frames)
  whole[frames[0].length + 16] ^= 1
  writeFileSync(file, whole)
  const middle = scanStream(file)
  t.equal(middle.status, 'corrupt')
  t.equal(middle.damageOffset, frames[0].length)
  t.equal(middle.records, 1)
  const tail = Buffer.concat(frames)
  tail[tail.length - 1] ^= 1
  writeFileSync(file, tail)
  t.match(scanStream(file), {status: 'torn', damageOffset: frames[0].length * 2, records: 2})
  t.match(scanStream(file, {to: tail.length, strictEnd: true}), {status: 'corrupt'}, 'inside a checkpointed range it is corruption')
})

t.test('a writer reopening cuts the torn tail and continues', async (t) => {
  const dir = t.testdir()
  const file = join(dir, 'w.ev')
  const w = new EventStreamWriter(file, 0, 0, 0n)
  w.append(1, 5n, Buffer.from('first'))
  w.append(1, 6n, Buffer.from('second'))
  w.close()
  const good = readFileSync(file).length
  writeFileSync(file, Buffer.concat([readFileSync(file), Buffer.from([9, 0, 0])]))
  const end = scanStream(file)
  t.equal(end.status, 'torn')
  const again = new EventStreamWriter(file, 0, end.goodBytes, 6n)
  t.equal(readFileSync(file).length, good, 'the tail is cut on open')
  t.throws(() => again.append(1, 5n, Buffer.alloc(0)), /goes back before the previous event at 6/)
  again.append(2, 7n, Buffer.from('third'))
  again.close()
  const {got, end: after} = readAll(file)
  t.equal(after.status, 'ok')
  t.same(got.map((r) => Buffer.from(r.payload).toString()), ['first', 'second', 'third'])
})

t.test('a reader beside a writer sees only complete records', async (t) => {
  const dir = t.testdir()
  const file = join(dir, 'live.ev')
  const w = new EventStreamWriter(file, 0, 0, 0n)
  w.append(1, 1n, Buffer.alloc(100, 1))
  w.flush()
  t.match(scanStream(file), {status: 'ok', records: 1})
  w.append(1, 2n, Buffer.alloc(100, 2))
  t.match(scanStream(file), {status: 'ok', records: 1}, 'buffered records are not yet visible')
  w.close()
  t.match(scanStream(file), {status: 'ok', records: 2})
})

t.test('large records and many records cross the read buffer correctly', async (t) => {
  const dir = t.testdir()
  const file = join(dir, 'big.ev')
  const w = new EventStreamWriter(file, 0, 0, 0n)
  const big = Buffer.alloc(3 << 20, 7)
  w.append(4, 1n, big)
  for (let i = 0; i < 100_000; i++) w.append(1, BigInt(i + 1), Buffer.alloc(8, i & 0xff))
  w.append(4, 200_000n, big)
  w.close()
  const end = scanStream(file, {onRecord: (r) => {
    if (r.kind === 4 && !Buffer.from(r.payload).equals(big)) t.fail('big payload differs')
  }})
  t.match(end, {status: 'ok', records: 100_002})
})

function replacer(_key: string, value: unknown): unknown {
  return typeof value === 'bigint' ? value.toString() : value
}
