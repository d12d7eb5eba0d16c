// What both machines share: the options a domain config gives them, their
// validation, and the boot image (kernel, device tree, entry registers) laid
// into RAM the way QEMU's virt board does with -bios none.

import {ReseerError} from '../cli/errors.js'
import {MAX_HARTS, MAX_MEMORY_MIB, MIN_MEMORY_MIB, VIRTIO_SLOTS} from './board.js'
import {loadElf, readElf} from './elf.js'
import {boardTree, encodeFdt, fdtAddress} from './fdt.js'
import {defaultMac, parseMac} from './devices/virtio-net.js'
import {RAM_BASE} from './hart-env.js'

export interface MachineDisk {
  path: string
  readonly: boolean
}

export interface MachineVif {
  /** host:port the guest's frames are sent to, one UDP datagram each. */
  peer: string
  /** host:port to receive on; any free loopback port if absent. */
  local?: string
  /** aa:bb:cc:dd:ee:ff; QEMU's default 52:54:00:12:34:56 (+ the vif's index) if absent. */
  mac?: string
}

/** A domain as the sim machine needs it; the config model maps xl.cfg onto this. */
export interface MachineOptions {
  vcpus: number
  memoryMiB: number
  /** Path of the guest ELF. */
  kernel: string
  /** The device tree's /chosen/bootargs. */
  cmdline: string
  disks: MachineDisk[]
  vifs: MachineVif[]
}

export interface BootImage {
  entry: number
  fdtAddr: number
  /** The RAM the loader wrote, as [start, end) byte offsets into RAM; everything else is zero at boot. */
  loaded: Array<{start: number; end: number}>
}

export function checkOptions(options: MachineOptions): void {
  const {vcpus, memoryMiB} = options
  if (!Number.isInteger(vcpus) || vcpus < 1 || vcpus > MAX_HARTS) {
    throw new ReseerError(`vcpus=${vcpus}: the sim machine has 1 to ${MAX_HARTS} harts`, {code: 'EVCPUS', exitCode: 2})
  }
  if (!Number.isInteger(memoryMiB) || memoryMiB < MIN_MEMORY_MIB || memoryMiB > MAX_MEMORY_MIB) {
    throw new ReseerError(`memory=${memoryMiB}: the sim machine takes ${MIN_MEMORY_MIB} to ${MAX_MEMORY_MIB} MiB`, {code: 'EMEMORY', exitCode: 2})
  }
  options.vifs.forEach((vif, i) => {
    parseHostPort(vif.peer, `vif ${i} peer`)
    if (vif.local !== undefined) parseHostPort(vif.local, `vif ${i} local address`)
    if (vif.mac !== undefined && !parseMac(vif.mac)) {
      throw new ReseerError(`vif ${i}: mac=${vif.mac} is not of the form aa:bb:cc:dd:ee:ff`, {code: 'EVIF', exitCode: 2})
    }
  })
  if (options.disks.length + options.vifs.length > VIRTIO_SLOTS) {
    throw new ReseerError(`${options.disks.length} disks and ${options.vifs.length} vifs: the virt board has ${VIRTIO_SLOTS} virtio slots`, {code: 'ENODEV', exitCode: 2})
  }
}

/** Load the kernel and the device tree into RAM; nothing is written if either fails. */
export function loadBootImage(options: MachineOptions, ram: Uint8Array): BootImage {
  const image = readElf(options.kernel)
  const dtb = encodeFdt(boardTree({harts: options.vcpus, memoryBytes: ram.length, bootargs: options.cmdline}))
  const fdtAddr = fdtAddress(ram.length, dtb.length)
  const fdtEnd = fdtAddr + dtb.length
  for (const segment of image.segments) {
    if (segment.paddr < fdtEnd && segment.paddr + segment.memSize > fdtAddr) {
      throw new ReseerError(`kernel ${options.kernel}: overlaps the device tree at 0x${fdtAddr.toString(16)}`, {
        code: 'EBADKERNEL',
        hint: 'give the domain more memory',
      })
    }
  }
  loadElf(image, ram, options.kernel)
  ram.set(dtb, fdtAddr - RAM_BASE)
  const loaded = image.segments.map((segment) => ({start: segment.paddr - RAM_BASE, end: segment.paddr - RAM_BASE + segment.memSize}))
  loaded.push({start: fdtAddr - RAM_BASE, end: fdtEnd - RAM_BASE})
  return {entry: image.entry, fdtAddr, loaded}
}

/**
 * Which virtio slot each disk and vif occupies: QEMU fills the virt board's
 * slots from the highest down, in command-line order (disks, then vifs).
 */
export function virtioSlots(options: {disks: readonly unknown[]; vifs: readonly unknown[]}): {disks: number[]; vifs: number[]} {
  let slot = VIRTIO_SLOTS
  return {disks: options.disks.map(() => --slot), vifs: options.vifs.map(() => --slot)}
}

/** "host:port" as a UDP endpoint. */
export function parseHostPort(text: string, what: string): {host: string; port: number} {
  const match = /^(.+):(\d+)$/.exec(text)
  const port = match ? Number(match[2]) : NaN
  if (!match || port < 1 || port > 65535) {
    throw new ReseerError(`${what} ${JSON.stringify(text)}: expected host:port`, {code: 'EVIF', exitCode: 2})
  }
  return {host: match[1], port}
}

/** The MAC of vif `index`. */
export function vifMac(vif: MachineVif, index: number): Uint8Array {
  return vif.mac === undefined ? defaultMac(index) : parseMac(vif.mac)!
}
