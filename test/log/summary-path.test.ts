import t from 'tap'
import fc from 'fast-check'
import {readFileSync, readdirSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {readFoundPath, writeFoundPath} from '../../src/lib/log/found-path.js'
import {LogReader} from '../../src/lib/log/reader.js'
import {decodeSummary, encodeSummary, pageSet, toRuns} from '../../src/lib/log/summary.js'
import {LogWriter} from '../../src/lib/log/writer.js'
import {headerInit, writeSampleLog} from './fixture.js'

t.test('page sets survive the run encoding exactly', async (t) => {
  t.same(toRuns(pageSet([5, 1, 2, 3, 9, 10, 2])), [1, 3, 5, 1, 9, 2])
  fc.assert(fc.property(fc.array(fc.array(fc.integer({min: 0, max: 5000}), {maxLength: 300}), {minLength: 1, maxLength: 8}), (sets) => {
    const summary = {interval: 3, vcpus: sets.map((s, i) => ({read: pageSet(s), written: pageSet(s.filter((p) => p % (i + 2) === 0))}))}
    const back = decodeSummary(encodeSummary(summary), 'x.sum')
    return back.interval === 3 && back.vcpus.every((v, i) =>
      Buffer.from(v.read.buffer).equals(Buffer.from(summary.vcpus[i].read.buffer)) &&
      Buffer.from(v.written.buffer).equals(Buffer.from(summary.vcpus[i].written.buffer)))
  }), {numRuns: 100})
})

t.test('summaries are written by the recorder only for intervals that are complete', async (t) => {
  const dir = join(t.testdir(), 'dom1.reseer')
  const w = LogWriter.create(dir, headerInit(2))
  const vcpus = [{state: Buffer.alloc(0), instret: 0n}, {state: Buffer.alloc(0), instret: 0n}]
  w.checkpoint({vcpus, device: Buffer.alloc(0), pages: []})
  const summary = {interval: 0, vcpus: [{read: pageSet([1, 2]), written: pageSet([2])}, {read: pageSet([2]), written: pageSet([])}]}
  t.throws(() => w.writeSummary(summary), {message: 'summary of interval 0 needs checkpoint 1, and the log has 1'})
  w.checkpoint({vcpus, device: Buffer.alloc(0), pages: []})
  t.throws(() => w.writeSummary({interval: 0, vcpus: [{read: Uint32Array.from([2, 1]), written: pageSet([])}, summary.vcpus[1]]}), {message: /pages read is not sorted without repeats/})
  w.writeSummary(summary)
  w.close()
  const r = LogReader.open(dir)
  t.same([...r.summary(0)!.vcpus[0].read], [1, 2])
  t.equal(r.summary(1), undefined)
  r.close()
})

t.test('found paths are written atomically without the writer lock and read back', async (t) => {
  const dir = join(t.testdir(), 'dom1.reseer')
  writeSampleLog(dir)
  const first = readFoundPath(dir, 0)!
  t.same(first.meta, {seed: 1, strategy: 'ga', settings: {population: 8}, evaluations: 12, fitness: 1})
  t.equal(first.bits, 4)
  // While a recorder holds the log, search still writes paths.
  const {writer} = LogWriter.openForAppend(dir)
  writeFoundPath(dir, {interval: 1, path: Buffer.from([0xff, 0x01]), bits: 9, meta: {seed: 'abc', strategy: 'random', settings: {}, evaluations: 100, fitness: 0.5}})
  writeFoundPath(dir, {interval: 0, path: Buffer.from([0]), bits: 1, meta: {seed: 2, strategy: 'ga', settings: {}, evaluations: 3, fitness: 1}})
  writer.close()
  const r = LogReader.open(dir)
  t.same(r.pathIntervals(), [0, 1])
  t.equal(r.path(0)!.meta.seed, 2, 'a later search of the same interval replaces its path')
  t.same([...r.path(1)!.path], [0xff, 1])
  t.equal(r.path(2), undefined)
  r.close()
  t.same(readdirSync(join(dir, 'paths')), ['000000.path', '000001.path'], 'no temp files are left behind')
  t.throws(() => writeFoundPath(dir, {interval: 0, path: Buffer.from([0]), bits: 9, meta: {seed: 1, strategy: 'ga', settings: {}, evaluations: 1, fitness: 0}}), {message: 'found path claims 9 bits but holds 8'})
  const file = join(dir, 'paths', '000001.path')
  const bytes = readFileSync(file)
  bytes[20] ^= 4
  writeFileSync(file, bytes)
  t.throws(() => readFoundPath(dir, 1), {message: 'paths/000001.path is corrupt (checksum mismatch)'})
})
