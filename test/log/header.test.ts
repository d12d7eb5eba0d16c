import t from 'tap'
import {readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {openEnvelope, sealEnvelope} from '../../src/lib/log/envelope.js'
import {crc32c as crc} from '../../src/lib/log/crc32c.js'
import {decodeHeader, encodeHeader, readHeader} from '../../src/lib/log/header.js'
import {MAGIC} from '../../src/lib/log/layout.js'
import {LogReader} from '../../src/lib/log/reader.js'
import {LogWriter} from '../../src/lib/log/writer.js'
import {headerInit} from './fixture.js'

function headerWith(change: (json: Record<string, unknown>) => void): Buffer {
  const {json} = openEnvelope(encodeHeader(headerInit()), MAGIC.header, 'header', 'log header')
  change(json)
  return sealEnvelope(MAGIC.header, json)
}

t.test('a header reads back as written', async (t) => {
  const h = decodeHeader(encodeHeader(headerInit(3)))
  t.match(h, {backend: 'sim', domain: 'dom1', vcpus: 3, memoryBytes: 64 * 4096, mode: 'reseer', formatVersion: 1, byteOrder: 'little', pageSize: 4096})
  t.same(h.config, {name: 'dom1', vcpus: 3, memory: 1})
  t.same(h.unknownOptional, [])
  t.ok(h.features.mandatory.includes('crc32c-frames'))
})

t.test('an unknown mandatory feature is refused by name', async (t) => {
  const bytes = headerWith((j) => (j.features as {mandatory: string[]}).mandatory.push('xyz'))
  t.throws(() => decodeHeader(bytes), {
    message: "log needs feature 'xyz' which this reseer-xl does not know; upgrade reseer-xl",
    code: 'ELOGFEATURE',
  })
})

t.test('an unknown optional feature is skipped and noted', async (t) => {
  const h = decodeHeader(headerWith((j) => (j.features as {optional: string[]}).optional.push('console-index')))
  t.same(h.unknownOptional, ['console-index'])
  t.equal(h.domain, 'dom1')
})

t.test('damaged, foreign, newer and big-endian headers are refused clearly', async (t) => {
  const good = encodeHeader(headerInit())
  const flipped = Buffer.from(good)
  flipped[30] ^= 0x20
  t.throws(() => decodeHeader(flipped, 'dom1.reseer/header'), {message: 'dom1.reseer/header is corrupt (checksum mismatch)'})
  t.throws(() => decodeHeader(Buffer.from('#!/bin/sh\necho not a log\n')), {message: /header is not a reseer log header \(bad magic\)/})
  const newer = Buffer.from(good)
  newer.writeUInt16LE(2, 8)
  t.throws(() => decodeHeader(sealLike(newer)), {message: /log format version 2, newer than this reseer-xl reads \(1\)/, code: 'ELOGVERSION'})
  const big = Buffer.from(good)
  big.writeUInt16BE(0xfeff, 10)
  t.throws(() => decodeHeader(sealLike(big)), {code: 'EBYTEORDER'})
  t.throws(() => encodeHeader({...headerInit(), backend: 'kvm' as 'sim'}), {message: /invalid backend 'kvm'/})
  t.throws(() => encodeHeader({...headerInit(), memoryBytes: 1000}), {message: /memory size 1000/})
})

t.test('a log directory without a header is named as such', async (t) => {
  const dir = t.testdir({'dom1.reseer': {}})
  t.throws(() => readHeader(join(dir, 'dom1.reseer')), {message: /dom1.reseer is not a reseer log directory \(no header file\)/, code: 'ENOLOG'})
})

t.test('a reader refuses a log whose header needs an unknown feature', async (t) => {
  const dir = join(t.testdir(), 'dom1.reseer')
  LogWriter.create(dir, headerInit()).close()
  const {json} = openEnvelope(readFileSync(join(dir, 'header')), MAGIC.header, 'header', 'log header')
  ;(json.features as {mandatory: string[]}).mandatory.push('page-encryption')
  writeFileSync(join(dir, 'header'), sealEnvelope(MAGIC.header, json))
  t.throws(() => LogReader.open(dir), {message: /log needs feature 'page-encryption'/})
  t.throws(() => LogWriter.openForAppend(dir), {message: /log needs feature 'page-encryption'/})
  t.throws(() => LogWriter.openForAppend(dir), {message: /log needs feature/}, 'the failed open left no lock behind')
})

/** Recompute the trailing checksum after editing the fixed prefix. */
function sealLike(bytes: Buffer): Buffer {
  const out = Buffer.from(bytes)
  // The checksum is the last four bytes, over everything before.
  out.writeUInt32LE(crc(out.subarray(0, out.length - 4)), out.length - 4)
  return out
}

