// dbench and netperf drive the virtio-blk and virtio-net devices on QEMU,
// with a scratch disk image and a loopback UDP echo peer.
import t from 'tap'
import {readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {qemuMissing, runQemu} from '../helpers/qemu-run.js'
import {freeUdpPort, startUdpEcho} from '../helpers/udp-echo.js'
import {bootargsOf, elfOf, expectedOf} from './workload.js'

const skip = await qemuMissing()

function zeroDisk(dir: string, bytes: number): string {
  const path = join(dir, 'disk.img')
  writeFileSync(path, Buffer.alloc(bytes))
  return path
}

// dbench's pattern generator, to read what the guest left on the disk.
function pattern(item: number, generation: number, words: number): number[] {
  let s = (Math.imul(item + 1, 0x9e3779b9) ^ (generation << 24)) >>> 0 || 1
  const out: number[] = []
  for (let i = 0; i < words; i++) {
    s = (s ^ (s << 13)) >>> 0
    s = (s ^ (s >>> 17)) >>> 0
    s = (s ^ (s << 5)) >>> 0
    out.push(s)
  }
  return out
}

t.test('dbench writes, verifies and rewrites the disk', {skip}, async (t) => {
  const disk = zeroDisk(t.testdir(), 1 << 20)
  const r = await runQemu({elf: elfOf('dbench'), smp: 2, append: bootargsOf('dbench'), disk, timeoutMs: 60_000})
  t.equal(r.exitCode, 0, r.stderr)
  t.equal(r.stdout, expectedOf('dbench'))
  const image = readFileSync(disk)
  const sectors = 8
  for (const item of [0, 37, 63]) {
    const at = item * sectors * 512
    const words = Array.from({length: 4}, (_, i) => image.readUInt32LE(at + 4 * i))
    t.same(words, pattern(item, 2, 4), `item ${item} holds generation 2`)
  }
})

t.test('dbench gives the same checksum on any number of harts', {skip}, async (t) => {
  for (const smp of [1, 4]) {
    const disk = zeroDisk(t.testdir(), 1 << 20)
    const r = await runQemu({elf: elfOf('dbench'), smp, append: bootargsOf('dbench'), disk, timeoutMs: 60_000})
    t.equal(r.stdout, expectedOf('dbench').replace('harts=2', `harts=${smp}`))
  }
})

t.test('dbench refuses a disk too small for its items', {skip}, async (t) => {
  const disk = zeroDisk(t.testdir(), 64 * 1024)
  const r = await runQemu({elf: elfOf('dbench'), smp: 2, append: 'ops=64 sectors=8', disk})
  t.equal(r.exitCode, 1)
  t.match(r.stdout, /dbench: 64 items of 8 sectors need a bigger disk than 128 sectors\n$/)
})

t.test('dbench without a disk says so', {skip}, async (t) => {
  const r = await runQemu({elf: elfOf('dbench'), smp: 2})
  t.equal(r.exitCode, 1)
  t.match(r.stdout, /dbench: no virtio-blk disk\n$/)
})

t.test('netperf exchanges frames with an echo peer', {skip}, async (t) => {
  const echo = await startUdpEcho()
  t.teardown(() => echo.close())
  const net = {peerPort: echo.port, localPort: await freeUdpPort()}
  const r = await runQemu({elf: elfOf('netperf'), smp: 2, append: bootargsOf('netperf'), net, timeoutMs: 60_000})
  t.equal(r.exitCode, 0, r.stderr)
  t.equal(r.stdout, expectedOf('netperf'))
  t.equal(echo.frames.length, 128)
})

t.test('netperf on one hart with a wide window', {skip}, async (t) => {
  const echo = await startUdpEcho()
  t.teardown(() => echo.close())
  const net = {peerPort: echo.port, localPort: await freeUdpPort()}
  const r = await runQemu({elf: elfOf('netperf'), smp: 1, append: 'n=300 w=16', net, timeoutMs: 60_000})
  t.equal(r.exitCode, 0, r.stderr)
  t.match(r.stdout, /\nnetperf: sent=300 received=300 bytes=\d+ checksum=[0-9a-f]{8}\nnetperf: ok\n$/)
  t.equal(echo.frames.length, 300)
})

t.test('netperf frames carry the device MAC as their source', {skip}, async (t) => {
  const echo = await startUdpEcho()
  t.teardown(() => echo.close())
  const net = {peerPort: echo.port, localPort: await freeUdpPort(), mac: '02:00:5e:10:20:30'}
  const r = await runQemu({elf: elfOf('netperf'), smp: 2, append: 'n=2', net, timeoutMs: 60_000})
  t.equal(r.exitCode, 0, r.stderr)
  t.equal(echo.frames.length, 4)
  for (const frame of echo.frames) {
    t.equal(frame.subarray(0, 6).toString('hex'), 'ffffffffffff', 'broadcast destination')
    t.equal(frame.subarray(6, 12).toString('hex'), '02005e102030', 'source is the device MAC')
    t.equal(frame.readUInt16BE(12), 0x88b5, 'local experimental ethertype')
  }
})

t.test('netperf catches a frame echoed twice', {skip}, async (t) => {
  const echo = await startUdpEcho({copies: 2})
  t.teardown(() => echo.close())
  const net = {peerPort: echo.port, localPort: await freeUdpPort()}
  const r = await runQemu({elf: elfOf('netperf'), smp: 2, append: 'n=8', net, timeoutMs: 60_000})
  t.equal(r.exitCode, 1)
  t.match(r.stdout, /netperf: duplicate hart \d seq \d\n$/)
})

t.test('netperf fails when no peer answers', {skip}, async (t) => {
  const net = {peerPort: await freeUdpPort(), localPort: await freeUdpPort()}
  const r = await runQemu({elf: elfOf('netperf'), smp: 2, append: 'n=4 timeout=1', net, timeoutMs: 60_000})
  t.equal(r.exitCode, 1)
  t.match(r.stdout, /netperf: hart \d timed out with 0 of 4 echoes\n$/)
})
