import t from 'tap'
import fc from 'fast-check'
import {appendFileSync, existsSync, readdirSync, statSync, truncateSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {CODEC_DEFLATE_RAW, CODEC_RAW, byteEntropy, decodePackFrame, encodePackFrame, pageHash} from '../../src/lib/log/pack.js'
import {LogReader} from '../../src/lib/log/reader.js'
import {verifyLog} from '../../src/lib/log/verify.js'
import {LogWriter} from '../../src/lib/log/writer.js'
import {headerInit, page} from './fixture.js'

const PAGES = 16

// A write is (page number, content seed); seed 0 writes an all-zero page.
const write = fc.tuple(fc.integer({min: 0, max: PAGES - 1}), fc.integer({min: 0, max: 6}))
const chain = fc.array(fc.array(write, {maxLength: 12}), {minLength: 1, maxLength: 8})

function contentOf(seed: number): Buffer {
  return seed === 0 ? Buffer.alloc(4096) : page(seed)
}

t.test('a checkpoint chain with random page writes reconstructs memory exactly at every checkpoint', async (t) => {
  const base = t.testdir()
  let n = 0
  fc.assert(fc.property(chain, fc.integer({min: 0, max: 7}), (steps, reopenAt) => {
    const dir = join(base, `c${n++}.reseer`)
    let writer = LogWriter.create(dir, headerInit(1, PAGES))
    const memory = Buffer.alloc(PAGES * 4096)
    const expected: Buffer[] = []
    const stored = new Set<number>()
    steps.forEach((writes, k) => {
      if (k === reopenAt && k > 0) {
        // A second writer continues the same log, deduplicating against the first one's pages.
        writer.close()
        writer = LogWriter.openForAppend(dir).writer
      }
      const dirty = new Map<number, Buffer>()
      const seeds = new Map<number, number>()
      for (const [p, seed] of writes) {
        contentOf(seed).copy(memory, p * 4096)
        dirty.set(p, contentOf(seed))
        seeds.set(p, seed)
      }
      for (const seed of seeds.values()) if (seed !== 0) stored.add(seed)
      // Checkpoint 0 lists every page that is not zero.
      const pages = k === 0 ? [...dirty].filter(([, d]) => d.some((b) => b !== 0)) : dirty
      writer.checkpoint({vcpus: [{state: Buffer.from([k]), instret: BigInt(k)}], device: Buffer.alloc(0), pages})
      expected.push(Buffer.from(memory))
    })
    writer.close()
    const reader = LogReader.open(dir)
    try {
      if (reader.checkpointCount !== steps.length) return false
      // Walk the checkpoints backwards, then forwards, so both cache paths run.
      for (const k of [...expected.keys()].reverse()) if (!reader.memoryAt(k).equals(expected[k])) return false
      for (const k of expected.keys()) {
        for (let p = 0; p < PAGES; p++) {
          if (!reader.pageAt(k, p).equals(expected[k].subarray(p * 4096, (p + 1) * 4096))) return false
        }
      }
      // One stored copy per distinct non-zero content, however many writers.
      return reader.contentLocations().length === stored.size
    } finally {
      reader.close()
    }
  }), {numRuns: 40})
})

t.test('checkpoints keep vCPU state, device state, event positions, metadata and disk blocks', async (t) => {
  const dir = join(t.testdir(), 'dom1.reseer')
  const w = LogWriter.create(dir, headerInit(2, 8))
  w.append(0, 1, 3n, Buffer.alloc(8))
  w.checkpoint({vcpus: [{state: Buffer.from('pc=1'), instret: 10n}, {state: Buffer.from('pc=2'), instret: 20n}], device: Buffer.from('uart'), pages: [], disks: {xvda: [[7, page(1)]]}, meta: {consoleBytes: 12}})
  w.append(1, 1, 25n, Buffer.alloc(8))
  w.checkpoint({vcpus: [{state: Buffer.from('pc=3'), instret: 30n}, {state: Buffer.from('pc=4'), instret: 40n}], device: Buffer.from('uart2'), pages: [], disks: {xvda: [[8, page(2)]], xvdb: [[0, page(1)]]}})
  t.throws(() => w.append(0, 1, 29n, Buffer.alloc(8)), {message: /vCPU 0 at instret 29 goes back before the previous event at 30/})
  t.throws(() => w.checkpoint({vcpus: [{state: Buffer.alloc(0), instret: 30n}], device: Buffer.alloc(0), pages: []}), {message: 'checkpoint 2 has state for 1 vCPUs, the log has 2'})
  t.throws(() => w.checkpoint({vcpus: [{state: Buffer.alloc(0), instret: 30n}, {state: Buffer.alloc(0), instret: 40n}], device: Buffer.alloc(0), pages: [[8, page(1)]]}), {message: 'checkpoint 2 page 8 is outside 0..7'})
  t.throws(() => w.checkpoint({vcpus: [{state: Buffer.alloc(0), instret: 30n}, {state: Buffer.alloc(0), instret: 40n}], device: Buffer.alloc(0), pages: [[1, Buffer.alloc(10)]]}), {message: 'checkpoint 2 page 1 has 10 bytes, not 4096'})
  t.throws(() => w.checkpoint({vcpus: [{state: Buffer.alloc(0), instret: 29n}, {state: Buffer.alloc(0), instret: 40n}], device: Buffer.alloc(0), pages: []}), {message: /vCPU 0 is at instret 29, before its last event or checkpoint at 30/})
  w.close()
  t.throws(() => w.append(0, 1, 50n, Buffer.alloc(0)), {message: /is closed/})
  const r = LogReader.open(dir)
  t.same(r.damage, [])
  const c1 = r.checkpoint(1)
  t.same(c1.vcpus.map((v) => [Buffer.from(v.state).toString(), v.instret]), [['pc=3', 30n], ['pc=4', 40n]])
  t.equal(Buffer.from(c1.device).toString(), 'uart2')
  t.same(r.checkpoint(0).meta, {consoleBytes: 12})
  t.same([...r.intervalEvents(0, 0)].map((e) => e.instret), [])
  t.same([...r.intervalEvents(1, 0)].map((e) => e.instret), [25n])
  t.same([...r.events(0)].map((e) => e.instret), [3n], 'events before checkpoint 0 are in the stream from its start')
  t.same(r.disks(), ['xvda', 'xvdb'])
  t.same([...r.diskAt(0, 'xvda').keys()], [7])
  t.same([...r.diskAt(1, 'xvda').keys()].sort(), [7, 8])
  t.ok(r.diskBlockAt(1, 'xvda', 8)?.equals(page(2)))
  t.equal(r.diskBlockAt(0, 'xvdb', 0), undefined, 'a block never written reads as in the disk image')
  r.diskBlockAt(1, 'xvda', 8)!.fill(0)
  r.pageAt(0, 5).fill(1)
  t.ok(r.diskBlockAt(1, 'xvda', 8)?.equals(page(2)), 'pages handed out are copies')
  t.ok(r.pageAt(0, 5).equals(Buffer.alloc(4096)), 'even the zero page')
  t.equal(r.pageIdAt(1, 5), 0)
  t.throws(() => r.checkpoint(2), {message: /checkpoint 2 does not exist in .*dom1.reseer \(it has 2\)/})
  t.throws(() => [...r.events(2)], {message: /no vCPU 2/})
  r.close()
})

t.test('pages written but never checkpointed are dropped when a writer resumes', async (t) => {
  const dir = join(t.testdir(), 'dom1.reseer')
  const w = LogWriter.create(dir, headerInit(1, 8))
  w.checkpoint({vcpus: [{state: Buffer.alloc(0), instret: 0n}], device: Buffer.alloc(0), pages: [[0, page(1)]]})
  w.close()
  // As a recorder leaves it when it dies after writing page data and before the manifest's rename.
  const pack = join(dir, 'pages', 'pack-0000.dat')
  const committed = statSync(pack).size
  const orphan = encodePackFrame(page(2), pageHash(page(2)))
  appendFileSync(pack, orphan)
  writeFileSync(join(dir, 'pages', 'pack-0001.dat'), Buffer.alloc(100, 1))
  t.match(verifyLog(dir).files.find((f) => f.file === 'pages/pack-0000.dat'), {status: 'torn', offset: committed})
  const {writer, resumed} = LogWriter.openForAppend(dir)
  t.equal(resumed.droppedPackBytes, orphan.length + 100)
  t.equal(statSync(pack).size, committed)
  t.equal(resumed.checkpoints, 1)
  writer.checkpoint({vcpus: [{state: Buffer.alloc(0), instret: 1n}], device: Buffer.alloc(0), pages: [[1, page(2)]]})
  writer.close()
  const r = LogReader.open(dir)
  t.ok(r.pageAt(1, 1).equals(page(2)))
  t.ok(r.pageAt(1, 0).equals(page(1)))
  t.same(readdirSync(join(dir, 'pages')), ['pack-0000.dat'])
  r.close()
  t.ok(verifyLog(dir).intact)
})

t.test('a writer refuses to resume a log damaged before its last checkpoint, and cuts nothing', async (t) => {
  const dir = join(t.testdir(), 'dom1.reseer')
  const w = LogWriter.create(dir, headerInit(2, 8))
  w.append(0, 1, 1n, Buffer.alloc(8))
  w.append(1, 1, 1n, Buffer.alloc(8))
  w.checkpoint({vcpus: [{state: Buffer.alloc(0), instret: 1n}, {state: Buffer.alloc(0), instret: 1n}], device: Buffer.alloc(0), pages: []})
  w.append(0, 1, 2n, Buffer.alloc(8))
  w.close()
  const torn = join(dir, 'events', 'vcpu-0.ev')
  appendFileSync(torn, Buffer.from([1, 2, 3]))
  const sizeBefore = statSync(torn).size
  // vCPU 1's stream loses bytes its checkpoint counts on.
  truncateSync(join(dir, 'events', 'vcpu-1.ev'), 10)
  t.throws(() => LogWriter.openForAppend(dir), {message: /events\/vcpu-1\.ev is corrupt at offset 10, not appending to it/})
  t.equal(statSync(torn).size, sizeBefore, 'the other stream\'s torn tail is left for the report')
  t.notOk(existsSync(join(dir, 'lock')))
})

t.test('the page store spreads over several pack files and resumes in the last one', async (t) => {
  const dir = join(t.testdir(), 'dom1.reseer')
  const packLimit = 3 * 4096
  const w = LogWriter.create(dir, headerInit(1, 64), {packLimit})
  const memory = Buffer.alloc(64 * 4096)
  for (let k = 0; k < 3; k++) {
    const pages = new Map<number, Buffer>()
    for (let j = 0; j < 10; j++) pages.set(k * 10 + j, page(k * 10 + j + 1))
    for (const [p, data] of pages) data.copy(memory, p * 4096)
    w.checkpoint({vcpus: [{state: Buffer.alloc(0), instret: BigInt(k)}], device: Buffer.alloc(0), pages})
  }
  w.close()
  const packs = readdirSync(join(dir, 'pages'))
  t.ok(packs.length > 2, `${packs.length} pack files`)
  for (const name of packs) t.ok(statSync(join(dir, 'pages', name)).size <= packLimit + 4096 + 44, `${name} stays near the limit`)
  const r = LogReader.open(dir)
  t.ok(r.memoryAt(2).equals(memory))
  r.close()
  t.ok(verifyLog(dir).intact)
  // A later pack begun by a checkpoint that never became visible goes away on resume.
  const next = `pack-${String(packs.length).padStart(4, '0')}.dat`
  writeFileSync(join(dir, 'pages', next), encodePackFrame(page(99), pageHash(page(99))))
  t.match(verifyLog(dir).files.find((f) => f.file === `pages/${next}`), {status: 'torn'})
  const {writer} = LogWriter.openForAppend(dir, {packLimit})
  writer.checkpoint({vcpus: [{state: Buffer.alloc(0), instret: 3n}], device: Buffer.alloc(0), pages: [[40, page(99)]]})
  writer.close()
  t.ok(verifyLog(dir).intact)
  const again = LogReader.open(dir)
  t.ok(again.pageAt(3, 40).equals(page(99)))
  t.ok(again.pageAt(3, 29).equals(page(30)))
  again.close()
  t.throws(() => LogWriter.create(join(dir, '..', 'other.reseer'), headerInit(), {packLimit: 10}), {message: 'pack limit 10 is too small (at least 4096 bytes)'})
})

t.test('a page is deflated when its bytes are skewed enough to pay, and stored raw when dense; both read back', async (t) => {
  // Dense: 32-bit keys from a xorshift generator, as a sort workload's arrays hold.
  const dense = Buffer.alloc(4096)
  let x = 2463534242
  for (let i = 0; i < 4096; i += 4) {
    x ^= x << 13
    x ^= x >>> 17
    x ^= x << 5
    dense.writeUInt32LE(x >>> 0, i)
  }
  // Sorted: a page of a large sorted key array, the top byte shared, the next few of eight values (deflate: 78 %).
  const keys = Array.from({length: 1024}, () => {
    x ^= x << 13
    x ^= x >>> 17
    x ^= x << 5
    return 0x5a000000 + ((x >>> 0) % (1 << 19))
  }).sort((a, b) => a - b)
  const sorted = Buffer.alloc(4096)
  keys.forEach((key, i) => sorted.writeUInt32LE(key, 4 * i))
  const text = Buffer.alloc(4096, 'the quick brown fox jumps over the lazy dog; ')
  t.equal(byteEntropy(Buffer.alloc(4096)), 0)
  t.ok(byteEntropy(sorted) > 5 && byteEntropy(sorted) < 6.5, `sorted keys at ${byteEntropy(sorted).toFixed(2)} bits per byte`)
  t.ok(byteEntropy(dense) > 7.5, `dense page at ${byteEntropy(dense).toFixed(2)} bits per byte`)
  t.ok(byteEntropy(text) < 5, `text page at ${byteEntropy(text).toFixed(2)} bits per byte`)
  for (const [name, data, codec] of [['dense', dense, CODEC_RAW], ['sorted', sorted, CODEC_RAW], ['text', text, CODEC_DEFLATE_RAW], ['fixture', page(7), CODEC_DEFLATE_RAW]] as const) {
    const frame = encodePackFrame(data, pageHash(data))
    t.equal(frame[4], codec, `${name} page codec`)
    t.ok(decodePackFrame(frame, name, true).data.equals(data), `${name} page reads back`)
  }
})

t.test('the writer counts the bytes of the log as it writes them', async (t) => {
  const dir = join(t.testdir(), 'dom1.reseer')
  // Bytes of the files under `path`, leaving out `skip` and the writer lock (not log content).
  const sizeOf = (path: string, skip?: string): number => readdirSync(path, {withFileTypes: true})
    .filter((e) => e.name !== skip && e.name !== 'lock')
    .reduce((n, e) => n + (e.isDirectory() ? sizeOf(join(path, e.name)) : statSync(join(path, e.name)).size), 0)
  const onDisk = () => ({events: sizeOf(join(dir, 'events')), other: sizeOf(dir, 'events')})
  const w = LogWriter.create(dir, headerInit(1, 16))
  const vcpu = (n: bigint) => [{state: Buffer.from('hart0'), instret: n}]
  w.checkpoint({vcpus: vcpu(0n), device: Buffer.from('dev'), pages: new Map([[0, page(1)], [1, page(2)]])})
  w.append(0, 1, 5n, Buffer.alloc(8))
  w.checkpoint({vcpus: vcpu(10n), device: Buffer.from('dev'), pages: new Map([[1, page(3)]])})
  w.writeSummary({interval: 0, vcpus: [{read: new Uint32Array([0]), written: new Uint32Array([1])}]})
  t.same(w.bytes, onDisk())
  w.close()
  const {writer} = LogWriter.openForAppend(dir)
  writer.checkpoint({vcpus: vcpu(20n), device: Buffer.from('dev'), pages: new Map([[2, page(4)]])})
  t.same(writer.bytes, onDisk(), 'a reopened log counts what it holds')
  writer.close()
})
