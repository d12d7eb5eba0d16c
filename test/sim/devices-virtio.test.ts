import t from 'tap'
import {readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {DeterministicMachine} from '../../src/lib/sim/deterministic.js'
import {ParallelMachine} from '../../src/lib/sim/parallel/parallel-machine.js'
import type {MachineOptions} from '../../src/lib/sim/machine.js'
import {startUdpEcho} from '../helpers/udp-echo.js'

const elf = (name: string) => new URL(`../../guests/build/${name}.elf`, import.meta.url).pathname
const expected = readFileSync(new URL('../../guests/expected/dbench.out', import.meta.url), 'utf8')

function dbench(dir: string, bytes = 1 << 20, extra: Partial<MachineOptions> = {}): MachineOptions {
  const path = join(dir, 'disk.img')
  writeFileSync(path, Buffer.alloc(bytes))
  return {vcpus: 2, memoryMiB: 16, kernel: elf('dbench'), cmdline: '', disks: [{path, readonly: false}], vifs: [], ...extra}
}

t.test('virtio-blk: dbench runs on the deterministic machine; the image file is never written', async (t) => {
  const options = dbench(t.testdir())
  const m = new DeterministicMachine(options)
  t.same(m.runToHalt(10_000, 500_000_000), {kind: 'poweroff', code: 0, hart: 0})
  t.equal(new TextDecoder().decode(m.console), expected)
  t.ok(readFileSync(options.disks[0].path).every((b) => b === 0), 'the image is untouched')
  const dirty = m.disks[0].dirtyBlocks()
  t.equal(dirty.length, 64 * 8 * 512 / 4096, 'every block dbench wrote is in the overlay')
  t.not(new DataView(m.disks[0].bytes.buffer).getUint32(0, true), 0, 'the overlay holds what the guest wrote')
})

t.test('virtio-blk: save and restore bring the disk back exactly', async (t) => {
  const m = new DeterministicMachine(dbench(t.testdir()))
  for (let i = 0; i < 20; i++) m.runHart(i % 2, {budget: 20_000})
  const saved = m.saveState()
  const before = m.disks[0].dirtyBlocks()
  m.runToHalt(10_000, 500_000_000)
  t.ok(m.disks[0].dirtyBlocks().length > before.length, 'the run wrote more blocks')
  m.restoreState(saved)
  t.same(m.disks[0].dirtyBlocks(), before)
  for (const block of before) t.same(m.disks[0].bytes.subarray(block * 4096, block * 4096 + 4096), saved.disks[0].get(block))
  m.runToHalt(10_000, 500_000_000)
  t.equal(new TextDecoder().decode(m.console), expected, 'the run after restoring ends the same')
})

t.test('virtio-blk: a disk too small, and a missing image', async (t) => {
  const m = new DeterministicMachine(dbench(t.testdir(), 64 * 1024))
  t.same(m.runToHalt(10_000, 100_000_000), {kind: 'fail', code: 1, hart: 0})
  t.match(new TextDecoder().decode(m.console), /need a bigger disk than 128 sectors/)
  t.throws(() => new DeterministicMachine({...dbench(t.testdir()), disks: [{path: '/nonexistent/disk.img', readonly: false}]}),
    {name: 'ReseerError', message: /disk \/nonexistent\/disk.img: no such file/})
})

t.test('virtio-blk: dbench runs on the parallel machine', async (t) => {
  const options = dbench(t.testdir())
  const m = new ParallelMachine(options)
  t.same(await m.start(), {kind: 'poweroff', code: 0, hart: 0})
  t.equal(new TextDecoder().decode(m.console), expected)
  t.ok(readFileSync(options.disks[0].path).every((b) => b === 0), 'the image is untouched')
  t.equal(m.disks[0].dirtyBlocks().length, 64)
})

t.test('virtio-net: netperf against a deterministic echo peer made of injected events', async (t) => {
  const expectedNet = readFileSync(new URL('../../guests/expected/netperf.out', import.meta.url), 'utf8')
  const sent: Array<[number, number]> = []
  const options: MachineOptions = {vcpus: 2, memoryMiB: 16, kernel: elf('netperf'), cmdline: '', disks: [],
    vifs: [{peer: '127.0.0.1:9', mac: '02:00:5e:10:20:30'}]}
  const m: DeterministicMachine = new DeterministicMachine(options, {
    // Echo each frame back to the sending hart 500 instructions later.
    network: (vif, frame, hart, instret) => {
      t.equal(Buffer.from(frame.subarray(6, 12)).toString('hex'), '02005e102030', 'the source is the vif MAC')
      sent.push([hart, instret])
      m.inject(hart, {kind: 'frame', at: instret + 500, vif, frame})
    },
    observer: {dmaWrite: (_h, _i, _a, bytes) => t.ok(bytes.length > 0)},
  })
  t.same(m.runToHalt(10_000, 1_000_000_000), {kind: 'poweroff', code: 0, hart: 0})
  t.equal(new TextDecoder().decode(m.console), expectedNet)
  t.equal(sent.length, 128)
})

t.test('virtio-net: netperf on the parallel machine through a UDP echo peer', async (t) => {
  const echo = await startUdpEcho()
  t.teardown(() => echo.close())
  const frames: number[] = []
  const m = new ParallelMachine({vcpus: 2, memoryMiB: 16, kernel: elf('netperf'), cmdline: '', disks: [],
    vifs: [{peer: `127.0.0.1:${echo.port}`}]}, {observer: {input: (_h, _i, event) => event.kind === 'frame' && frames.push(event.frame.length)}})
  t.same(await m.start(), {kind: 'poweroff', code: 0, hart: 0})
  t.equal(new TextDecoder().decode(m.console), readFileSync(new URL('../../guests/expected/netperf.out', import.meta.url), 'utf8'))
  t.equal(echo.frames.length, 128, 'every frame reached the peer')
  t.equal(frames.length, 128, 'the observer saw every echo delivered')
  t.equal(echo.frames[0].subarray(6, 12).toString('hex'), '525400123456', "QEMU's default MAC")
})

t.test('virtio-net: bad vif settings are refused', async (t) => {
  const base: MachineOptions = {vcpus: 1, memoryMiB: 16, kernel: elf('netperf'), cmdline: '', disks: [], vifs: []}
  t.throws(() => new DeterministicMachine({...base, vifs: [{peer: 'nowhere'}]}), /vif 0 peer "nowhere": expected host:port/)
  t.throws(() => new DeterministicMachine({...base, vifs: [{peer: '127.0.0.1:9', mac: 'xx'}]}), /mac=xx/)
  t.throws(() => new DeterministicMachine({...base, vifs: Array(9).fill({peer: '127.0.0.1:9'})}), /8 virtio slots/)
})
