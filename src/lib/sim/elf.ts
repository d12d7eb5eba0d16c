// Loads a statically linked RISC-V ELF32 executable into guest RAM, as
// QEMU's -kernel does with -bios none: every PT_LOAD segment at its physical
// address, the part beyond the file size (bss) zero-filled.

import {readFileSync} from 'node:fs'
import {ReseerError} from '../cli/errors.js'
import {RAM_BASE} from './board.js'

const ELF_MAGIC = 0x46_4c_45_7f
const ELFCLASS32 = 1
const ELFCLASS64 = 2
const ELFDATA2LSB = 1
const ET_EXEC = 2
const EM_RISCV = 243
const PT_LOAD = 1
const EHDR_SIZE = 52
const PHDR_SIZE = 32

export interface ElfSegment {
  /** Physical load address. */
  paddr: number
  /** The bytes from the file; the rest of memSize is zero. */
  data: Uint8Array
  memSize: number
}

export interface ElfImage {
  entry: number
  segments: ElfSegment[]
}

/** Read and check an ELF file; every problem is one ReseerError naming the file. */
export function readElf(path: string): ElfImage {
  let bytes: Buffer
  try {
    bytes = readFileSync(path)
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : (error as Error).message
    throw new ReseerError(`kernel ${path}: ${why}`, {code: 'ENOKERNEL', cause: error})
  }
  return parseElf(bytes, path)
}

export function parseElf(bytes: Uint8Array, name: string): ElfImage {
  const bad = (why: string) => new ReseerError(`kernel ${name}: ${why}`, {code: 'EBADKERNEL'})
  if (bytes.length < 16 || new DataView(bytes.buffer, bytes.byteOffset, 4).getUint32(0, true) !== ELF_MAGIC) {
    throw bad('not an ELF file')
  }
  if (bytes[4] === ELFCLASS64) throw bad('a 64-bit ELF; the sim machine runs rv32 guests only')
  if (bytes[4] !== ELFCLASS32) throw bad(`unknown ELF class ${bytes[4]}`)
  if (bytes[5] !== ELFDATA2LSB) throw bad('a big-endian ELF; RISC-V is little-endian')
  if (bytes.length < EHDR_SIZE) throw bad('truncated ELF header')
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const machine = view.getUint16(18, true)
  if (machine !== EM_RISCV) throw bad(`built for machine type ${machine}, not RISC-V (${EM_RISCV})`)
  if (view.getUint16(16, true) !== ET_EXEC) throw bad('not a statically linked executable (ET_EXEC)')
  const entry = view.getUint32(24, true)
  const phoff = view.getUint32(28, true)
  const phentsize = view.getUint16(42, true)
  const phnum = view.getUint16(44, true)
  if (phnum > 0 && phentsize < PHDR_SIZE) throw bad(`program header entries of ${phentsize} bytes`)
  if (phoff + phnum * phentsize > bytes.length) throw bad('program headers run past the end of the file')
  const segments: ElfSegment[] = []
  for (let i = 0; i < phnum; i++) {
    const at = phoff + i * phentsize
    if (view.getUint32(at, true) !== PT_LOAD) continue
    const offset = view.getUint32(at + 4, true)
    const paddr = view.getUint32(at + 12, true)
    const fileSize = view.getUint32(at + 16, true)
    const memSize = view.getUint32(at + 20, true)
    if (memSize === 0) continue
    if (fileSize > memSize) throw bad(`segment ${i} has more file bytes than memory bytes`)
    if (offset + fileSize > bytes.length) throw bad(`segment ${i} runs past the end of the file`)
    segments.push({paddr, data: bytes.subarray(offset, offset + fileSize), memSize})
  }
  if (segments.length === 0) throw bad('no loadable segments')
  return {entry, segments}
}

/**
 * Copy an image into RAM (which starts at RAM_BASE). Segments outside RAM and
 * an entry point outside every segment are refused before anything is written.
 */
export function loadElf(image: ElfImage, ram: Uint8Array, name: string): void {
  const ramEnd = RAM_BASE + ram.length
  for (const segment of image.segments) {
    const end = segment.paddr + segment.memSize
    if (segment.paddr < RAM_BASE || end > ramEnd) {
      throw new ReseerError(
        `kernel ${name}: segment at ${hex(segment.paddr)}..${hex(end)} lies outside RAM ${hex(RAM_BASE)}..${hex(ramEnd)}`,
        {code: 'EBADKERNEL', hint: 'link the guest for RAM at 0x80000000 or give the domain more memory'},
      )
    }
  }
  if (!image.segments.some((s) => image.entry >= s.paddr && image.entry < s.paddr + s.memSize)) {
    throw new ReseerError(`kernel ${name}: entry point ${hex(image.entry)} is in no loaded segment`, {code: 'EBADKERNEL'})
  }
  for (const segment of image.segments) {
    const at = segment.paddr - RAM_BASE
    ram.set(segment.data, at)
    ram.fill(0, at + segment.data.length, at + segment.memSize)
  }
}

function hex(value: number): string {
  return '0x' + (value >>> 0).toString(16).padStart(8, '0')
}
