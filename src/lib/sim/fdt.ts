// The flattened device tree the machine hands every hart in a1, laid out as
// QEMU 7.2's virt board builds it (node names, compatibles, phandles), so a
// guest that parses one parses the other.

import {
  CLINT_BASE, CLINT_SIZE, HART_ISA, MIP_MEIP, PLIC_BASE, PLIC_SIZE, PLIC_SOURCES, RAM_BASE, TEST_DEVICE_BASE,
  TEST_DEVICE_SIZE, TIMEBASE_HZ, UART_BASE, UART_CLOCK_HZ, UART_IRQ, UART_SIZE, VIRTIO_BASE, VIRTIO_IRQ_BASE,
  VIRTIO_SLOTS, VIRTIO_STRIDE,
} from './board.js'

type Value = number[] | string | string[] | Uint8Array

export interface FdtNode {
  name: string
  props: Array<[string, Value]>
  children: FdtNode[]
}

const FDT_MAGIC = 0xd00d_feed
const FDT_BEGIN_NODE = 1
const FDT_END_NODE = 2
const FDT_PROP = 3
const FDT_END = 9
const HEADER_SIZE = 40
const RSVMAP_SIZE = 16

/** Serialise a tree into a version 17 DTB. */
export function encodeFdt(root: FdtNode, bootCpu = 0): Uint8Array {
  const strings: number[] = []
  const stringOffsets = new Map<string, number>()
  const struct: number[] = []
  const word = (v: number) => struct.push((v >>> 24) & 0xff, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff)
  const bytes = (b: Uint8Array) => {
    for (const x of b) struct.push(x)
    while (struct.length % 4) struct.push(0)
  }
  const cstring = (s: string) => new TextEncoder().encode(s + '\0')
  const nameOffset = (name: string) => {
    let at = stringOffsets.get(name)
    if (at === undefined) {
      at = strings.length
      stringOffsets.set(name, at)
      for (const b of cstring(name)) strings.push(b)
    }
    return at
  }
  const emit = (node: FdtNode) => {
    word(FDT_BEGIN_NODE)
    bytes(cstring(node.name))
    for (const [name, value] of node.props) {
      const data = encodeValue(value)
      word(FDT_PROP)
      word(data.length)
      word(nameOffset(name))
      bytes(data)
    }
    for (const child of node.children) emit(child)
    word(FDT_END_NODE)
  }
  emit(root)
  word(FDT_END)

  const offStruct = HEADER_SIZE + RSVMAP_SIZE
  const offStrings = offStruct + struct.length
  const total = offStrings + strings.length
  const out = new Uint8Array(total)
  const view = new DataView(out.buffer)
  const header = [FDT_MAGIC, total, offStruct, offStrings, HEADER_SIZE, 17, 16, bootCpu, strings.length, struct.length]
  header.forEach((v, i) => view.setUint32(i * 4, v))
  out.set(struct, offStruct)
  out.set(strings, offStrings)
  return out
}

function encodeValue(value: Value): Uint8Array {
  if (value instanceof Uint8Array) return value
  if (typeof value === 'string') return new TextEncoder().encode(value + '\0')
  if (value.length > 0 && typeof value[0] === 'string') return new TextEncoder().encode((value as string[]).join('\0') + '\0')
  const cells = value as number[]
  const out = new Uint8Array(cells.length * 4)
  const view = new DataView(out.buffer)
  cells.forEach((c, i) => view.setUint32(i * 4, c >>> 0))
  return out
}

export interface BoardDescription {
  harts: number
  memoryBytes: number
  bootargs: string
}

/** The tree of the virt board as QEMU 7.2 describes it for the given configuration. */
export function boardTree(board: BoardDescription): FdtNode {
  const node = (name: string, props: Array<[string, Value]>, children: FdtNode[] = []): FdtNode => ({name, props, children})
  const reg64 = (base: number, size: number) => [0, base, 0, size]
  // Phandles: each hart's interrupt controller, then the PLIC, then the cpus for cpu-map.
  const intcPhandle = (h: number) => 1 + h
  const plicPhandle = board.harts + 1
  const cpus: FdtNode[] = []
  for (let h = 0; h < board.harts; h++) {
    cpus.push(node(`cpu@${h}`, [
      ['phandle', [board.harts + 2 + h]],
      ['device_type', 'cpu'],
      ['reg', [h]],
      ['status', 'okay'],
      ['compatible', 'riscv'],
      ['riscv,isa', HART_ISA],
    ], [node('interrupt-controller', [
      ['#interrupt-cells', [1]],
      ['interrupt-controller', new Uint8Array(0)],
      ['compatible', 'riscv,cpu-intc'],
      ['phandle', [intcPhandle(h)]],
    ])]))
  }
  const cpuMap = node('cpu-map', [], [node('cluster0', [], cpus.map((_, h) => node(`core${h}`, [['cpu', [board.harts + 2 + h]]])))])

  const perHart = (bits: number[]) => {
    const cells: number[] = []
    for (let h = 0; h < board.harts; h++) for (const b of bits) cells.push(intcPhandle(h), b)
    return cells
  }
  const mei = Math.log2(MIP_MEIP)
  const soc: FdtNode[] = []
  for (let slot = 0; slot < VIRTIO_SLOTS; slot++) {
    const base = VIRTIO_BASE + slot * VIRTIO_STRIDE
    soc.push(node(`virtio_mmio@${base.toString(16)}`, [
      ['interrupts', [VIRTIO_IRQ_BASE + slot]],
      ['interrupt-parent', [plicPhandle]],
      ['reg', reg64(base, VIRTIO_STRIDE)],
      ['compatible', 'virtio,mmio'],
    ]))
  }
  soc.push(
    node(`plic@${PLIC_BASE.toString(16)}`, [
      ['phandle', [plicPhandle]],
      ['riscv,ndev', [PLIC_SOURCES - 1]],
      ['reg', reg64(PLIC_BASE, PLIC_SIZE)],
      // QEMU lists M then S external interrupts per hart: contexts 2h and 2h+1.
      ['interrupts-extended', perHart([mei, mei - 2])],
      ['interrupt-controller', new Uint8Array(0)],
      ['compatible', ['sifive,plic-1.0.0', 'riscv,plic0']],
      ['#address-cells', [0]],
      ['#interrupt-cells', [1]],
    ]),
    node(`clint@${CLINT_BASE.toString(16)}`, [
      ['interrupts-extended', perHart([3, 7])],
      ['reg', reg64(CLINT_BASE, CLINT_SIZE)],
      ['compatible', ['sifive,clint0', 'riscv,clint0']],
    ]),
    node(`serial@${UART_BASE.toString(16)}`, [
      ['interrupts', [UART_IRQ]],
      ['interrupt-parent', [plicPhandle]],
      ['clock-frequency', [UART_CLOCK_HZ]],
      ['reg', reg64(UART_BASE, UART_SIZE)],
      ['compatible', 'ns16550a'],
    ]),
    node(`test@${TEST_DEVICE_BASE.toString(16)}`, [
      ['reg', reg64(TEST_DEVICE_BASE, TEST_DEVICE_SIZE)],
      ['compatible', ['sifive,test1', 'sifive,test0', 'syscon']],
    ]),
  )

  return node('', [
    ['#address-cells', [2]],
    ['#size-cells', [2]],
    ['compatible', 'riscv-virtio'],
    ['model', 'riscv-virtio,qemu'],
  ], [
    node('chosen', [
      ['bootargs', board.bootargs],
      ['stdout-path', `/soc/serial@${UART_BASE.toString(16)}`],
    ]),
    node(`memory@${RAM_BASE.toString(16)}`, [
      ['device_type', 'memory'],
      ['reg', reg64(RAM_BASE, board.memoryBytes)],
    ]),
    node('cpus', [
      ['#address-cells', [1]],
      ['#size-cells', [0]],
      ['timebase-frequency', [TIMEBASE_HZ]],
    ], [...cpus, cpuMap]),
    node('soc', [
      ['#address-cells', [2]],
      ['#size-cells', [2]],
      ['compatible', 'simple-bus'],
      ['ranges', new Uint8Array(0)],
    ], soc),
  ])
}

/**
 * Where QEMU 7.2 puts the tree (riscv_load_fdt): as high as possible below the
 * end of RAM, capped at 3 GiB so 32-bit guests can reach it, aligned down to 2 MiB.
 */
export function fdtAddress(memoryBytes: number, fdtSize: number): number {
  const top = Math.min(RAM_BASE + memoryBytes, 3072 * 2 ** 20)
  const twoMiB = 2 * 2 ** 20
  return Math.floor((top - fdtSize) / twoMiB) * twoMiB
}
