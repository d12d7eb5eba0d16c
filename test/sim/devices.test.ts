import t from 'tap'
import {Clint} from '../../src/lib/sim/devices/clint.js'
import {Plic} from '../../src/lib/sim/devices/plic.js'
import {Uart} from '../../src/lib/sim/devices/uart.js'
import {Finish, TestDevice} from '../../src/lib/sim/devices/test-device.js'
import {DEVICE_STATE_WORDS, MachineDevices} from '../../src/lib/sim/machine-devices.js'
import {MIP_MEIP, MIP_MSIP, MIP_MTIP, UART_IRQ} from '../../src/lib/sim/board.js'

const noMemory = {read: () => undefined, write: () => false}
const CLAIM = (context: number) => 0x20_0004 + 0x1000 * context
const ENABLE = (context: number) => 0x2000 + 0x80 * context
const THRESHOLD = (context: number) => 0x20_0000 + 0x1000 * context

t.test('CLINT: msip and mtimecmp per hart, mtime from the time source', async (t) => {
  let now = 0x1_2345_6789n
  const woken: Array<number | 'all'> = []
  const clint = new Clint(0x200_0000, new Int32Array(Clint.STATE_WORDS), 2, () => now, (h) => woken.push(h))
  clint.reset()
  t.equal(clint.mtimecmp(1), 0xffff_ffff_ffff_ffffn, 'no timer until the guest sets one')
  t.equal(clint.load(0, 0xbff8, 4), 0x2345_6789)
  t.equal(clint.load(0, 0xbffc, 4), 1)
  t.ok(clint.store(0, 4, 4, 0xff))
  t.equal(clint.load(0, 4, 4), 1, 'msip keeps bit 0 only')
  t.ok(clint.msip(1))
  t.notOk(clint.msip(0))
  clint.store(0, 0x4008, 4, 0x100)
  clint.store(0, 0x400c, 4, 2)
  t.equal(clint.mtimecmp(1), 0x2_0000_0100n)
  t.same(woken, [1, 1, 1])
  t.equal(clint.load(0, 0x4000 + 8 * 2, 4), 0, 'no third hart')
  t.equal(clint.load(0, 0, 1), undefined, 'byte access faults')
  const devices = new MachineDevices(new Int32Array(DEVICE_STATE_WORDS), {harts: 2, time: () => now, wake: () => {}, console: () => {}, memory: noMemory, virtio: []})
  devices.reset()
  devices.store(0, 0x200_4000, 4, 10)
  devices.store(0, 0x200_4004, 4, 0)
  now = 9n
  t.equal(devices.interruptLines(0, 9), 0)
  t.equal(devices.interruptLines(0, 10), MIP_MTIP, 'MTIP once mtime reaches mtimecmp')
  devices.store(1, 0x200_0000, 4, 1)
  t.equal(devices.interruptLines(0, 10), MIP_MTIP | MIP_MSIP)
  // Deadlines past 2^53 (28 years of ticks) and the all-ones "never" stay ahead of any mtime a number holds exactly.
  devices.store(0, 0x200_4000, 4, 0)
  devices.store(0, 0x200_4004, 4, 0x20_0000)
  t.notOk(devices.clint.timerDue(0, 2 ** 53 - 1), 'mtimecmp 2^53 is after 2^53 - 1')
  t.ok(devices.clint.timerDue(0, 2 ** 53), 'and reached at 2^53')
  devices.store(0, 0x200_4000, 4, -1)
  devices.store(0, 0x200_4004, 4, -1)
  t.notOk(devices.clint.timerDue(0, 2 ** 53 - 1), 'all ones is never')
  devices.store(0, 0x200_4000, 4, 0x100)
  devices.store(0, 0x200_4004, 4, 2)
  t.notOk(devices.clint.timerDue(0, 0x2_0000_00ff), 'a deadline above 2^32 one tick ahead')
  t.ok(devices.clint.timerDue(0, 0x2_0000_0100), 'and reached')
})

t.test('PLIC: priority, enable, threshold, claim and complete in QEMU context order', async (t) => {
  const plic = new Plic(0xc00_0000, new Int32Array(Plic.STATE_WORDS), 2, () => {})
  plic.store(0, 4 * 10, 4, 3)
  plic.store(0, 4 * 5, 4, 5)
  plic.store(0, ENABLE(2), 4, (1 << 10) | (1 << 5)) // hart 1, M mode
  plic.setLevel(10, true)
  t.notOk(plic.meip(0), 'hart 0 enabled nothing')
  t.ok(plic.meip(1))
  t.equal(plic.load(0, 0x1000, 4), 1 << 10, 'pending bit')
  plic.setLevel(5, true)
  t.equal(plic.load(1, CLAIM(2), 4), 5, 'the higher priority first')
  t.equal(plic.load(1, CLAIM(2), 4), 10)
  t.equal(plic.load(1, CLAIM(2), 4), 0, 'nothing left to claim')
  t.notOk(plic.meip(1))
  plic.store(1, CLAIM(2), 4, 10)
  t.ok(plic.meip(1), 'a line still high pends again on completion')
  plic.setLevel(10, false)
  t.notOk(plic.meip(1), 'lowering the line withdraws it')
  plic.store(1, THRESHOLD(2), 4, 5)
  plic.store(1, CLAIM(2), 4, 5)
  t.notOk(plic.meip(1), 'priority 5 does not exceed threshold 5')
  plic.store(1, THRESHOLD(2), 4, 4)
  t.ok(plic.meip(1))
  t.equal(plic.load(0, ENABLE(4), 4), 0, 'no context of a third hart')
  plic.store(0, ENABLE(0), 4, 1)
  t.equal(plic.load(0, ENABLE(0), 4), 0, 'source 0 cannot be enabled')
})

t.test('16550 UART: transmit, receive FIFO, interrupt identification, divisor latch', async (t) => {
  const out: number[] = []
  const levels: boolean[] = []
  const reads: number[] = []
  const uart = new Uart(0x1000_0000, new Int32Array(Uart.STATE_WORDS), UART_IRQ, {setLevel: (_irq, high) => levels.push(high)},
    (byte) => out.push(byte), (_h, offset, value) => reads.push(offset, value))
  for (const byte of Buffer.from('hi\n')) uart.store(0, 0, 1, byte)
  t.same(out, [...Buffer.from('hi\n')])
  t.equal(uart.load(0, 5) & 0x60, 0x60, 'THR and the transmitter are always empty')
  t.equal(uart.load(0, 2), 0x01, 'no interrupt pending')
  uart.store(0, 1, 1, 0x02)
  t.equal(uart.load(0, 2), 0x02, 'THR empty interrupt once enabled')
  t.equal(levels.at(-2), true)
  t.equal(uart.load(0, 2), 0x01, 'reading IIR acknowledged it')
  uart.store(0, 1, 1, 0x01)
  t.ok(uart.receive(0x41))
  t.equal(uart.load(0, 2) & 0x0f, 0x04, 'received data available')
  t.equal(levels.at(-1), true)
  t.equal(uart.load(0, 5) & 1, 1, 'LSR.DR')
  t.equal(uart.load(0, 0), 0x41)
  t.equal(uart.load(0, 5) & 1, 0)
  t.equal(levels.at(-1), false)
  for (let i = 0; i < 16; i++) t.ok(uart.receive(i))
  t.equal(uart.receiveRoom(), 0)
  t.notOk(uart.receive(99), 'a full FIFO overruns')
  t.equal(uart.load(0, 5) & 2, 2, 'LSR.OE')
  t.equal(uart.load(0, 5) & 2, 0, 'reading LSR clears it')
  uart.store(0, 2, 1, 0x07)
  t.equal(uart.receiveRoom(), 16, 'FCR clears the receive FIFO')
  t.equal(uart.load(0, 2) & 0xc0, 0xc0, 'FIFOs enabled')
  uart.store(0, 3, 1, 0x83)
  uart.store(0, 0, 1, 0x01)
  uart.store(0, 1, 1, 0x00)
  t.equal(out.length, 3, 'divisor writes do not transmit')
  t.equal(uart.load(0, 0), 0x01)
  uart.store(0, 3, 1, 0x03)
  uart.store(0, 7, 1, 0x5a)
  t.equal(uart.load(0, 7), 0x5a, 'scratch')
  t.equal(uart.load(0, 6), 0xb0, 'modem lines idle')
  t.ok(reads.includes(0x41), 'the observer saw the received byte read')
})

t.test('test device: poweroff, reboot and failure codes; the first one wins', async (t) => {
  const state = new Int32Array(TestDevice.STATE_WORDS)
  const test = new TestDevice(0x10_0000, state)
  t.equal(test.finish, Finish.Running)
  test.store(1, 0, 4, 0x1234)
  t.equal(test.finish, Finish.Running, 'other values do nothing')
  test.store(1, 0, 4, (7 << 16) | 0x3333)
  t.equal(test.finish, Finish.Fail)
  t.equal(test.exitCode, 7)
  t.equal(test.finishingHart, 1)
  test.store(0, 0, 4, 0x5555)
  t.equal(test.finish, Finish.Fail)
  state.fill(0)
  test.store(0, 0, 4, 0x5555)
  t.equal(test.finish, Finish.Poweroff)
  state.fill(0)
  test.store(0, 0, 4, 0x7777)
  t.equal(test.finish, Finish.Reboot)
})

t.test('the bus routes by address and faults on holes', async (t) => {
  const devices = new MachineDevices(new Int32Array(DEVICE_STATE_WORDS), {harts: 1, time: () => 0n, wake: () => {}, console: () => {}, memory: noMemory, virtio: []})
  devices.reset()
  t.equal(devices.load(0, 0x1000_0005, 1)! & 0x60, 0x60, 'UART LSR')
  t.equal(devices.load(0, 0x0300_0000, 4), undefined)
  t.equal(devices.store(0, 0x0300_0000, 4, 1), false)
  devices.store(0, 0x0c00_0000 + 4 * UART_IRQ, 4, 1)
  devices.store(0, 0x0c00_2000, 4, 1 << UART_IRQ)
  devices.store(0, 0x1000_0001, 1, 0x02)
  t.equal(devices.interruptLines(0, 0), MIP_MEIP, 'the UART reaches hart 0 through the PLIC')
})
