import t from 'tap'
import {execFileSync, spawnSync} from 'node:child_process'
import {writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {boardTree, encodeFdt, fdtAddress} from '../../src/lib/sim/fdt.js'

// dtc comes from Debian's device-tree-compiler package.
const noDtc = spawnSync('dtc', ['--version']).error ? 'dtc is not installed (apt-get install device-tree-compiler)' : false

t.test('the device tree decompiles with dtc to the virt board', {skip: noDtc}, async (t) => {
  const dtb = encodeFdt(boardTree({harts: 2, memoryBytes: 128 << 20, bootargs: 'iterations=5 quiet'}))
  const view = new DataView(dtb.buffer)
  t.equal(view.getUint32(0), 0xd00dfeed)
  t.equal(view.getUint32(4), dtb.length, 'totalsize')
  const path = join(t.testdir(), 'virt.dtb')
  writeFileSync(path, dtb)
  const dts = execFileSync('dtc', ['-q', '-I', 'dtb', '-O', 'dts', path], {encoding: 'utf8'})
  t.match(dts, /bootargs = "iterations=5 quiet";/)
  t.match(dts, /stdout-path = "\/soc\/serial@10000000";/)
  t.match(dts, /memory@80000000 \{[^}]*reg = <0x00 0x80000000 0x00 0x8000000>;/)
  t.match(dts, /timebase-frequency = <0x989680>;/)
  t.match(dts, /cpu@1 \{[^}]*riscv,isa = "rv32ima_zicsr_zifencei";/)
  t.notMatch(dts, /cpu@2/)
  t.match(dts, /clint@2000000/)
  t.match(dts, /plic@c000000/)
  t.match(dts, /serial@10000000 \{[^}]*interrupts = <0x0a>;/)
  t.match(dts, /test@100000/)
  t.match(dts, /virtio_mmio@10008000 \{[^}]*interrupts = <0x08>;/)
  // Each hart's M and S external interrupts, in QEMU's context order (2h, 2h+1).
  t.match(dts, /interrupts-extended = <0x01 0x0b 0x01 0x09 0x02 0x0b 0x02 0x09>;/)
})

t.test('the tree goes where QEMU 7.2 puts it: end of RAM, 2 MiB aligned, below 3 GiB', async (t) => {
  t.equal(fdtAddress(128 << 20, 0x1000), 0x87e0_0000)
  t.equal(fdtAddress(16 << 20, 0x1000), 0x80e0_0000)
  t.equal(fdtAddress(2048 * 2 ** 20, 0x1000), 0xbfe0_0000)
})
