// The guest's symbol table, so that inspection can name a variable instead of
// an address: `--mem counter` reads the ELF's `counter` object with its size.
// Only ELF32 little-endian (the guests are RV32) and only the .symtab section;
// a stripped kernel simply has no symbols.
import {readFileSync} from 'node:fs'

export interface GuestSymbol {
  name: string
  address: number
  size: number
}

const SHT_SYMTAB = 2

/** Objects and functions of the ELF at `path` by name; empty when it has no symbol table or cannot be read. */
export function readSymbols(path: string): Map<string, GuestSymbol> {
  const symbols = new Map<string, GuestSymbol>()
  let bytes: Buffer
  try {
    bytes = readFileSync(path)
  } catch {
    return symbols
  }
  if (bytes.length < 52 || bytes.readUInt32BE(0) !== 0x7f454c46 || bytes[4] !== 1 || bytes[5] !== 1) return symbols
  const shoff = bytes.readUInt32LE(32)
  const shentsize = bytes.readUInt16LE(46)
  const shnum = bytes.readUInt16LE(48)
  const section = (i: number) => {
    const at = shoff + i * shentsize
    if (at + 40 > bytes.length) return undefined
    return {type: bytes.readUInt32LE(at + 4), offset: bytes.readUInt32LE(at + 16), size: bytes.readUInt32LE(at + 20), link: bytes.readUInt32LE(at + 24)}
  }
  for (let i = 0; i < shnum; i++) {
    const symtab = section(i)
    if (!symtab || symtab.type !== SHT_SYMTAB) continue
    const strtab = section(symtab.link)
    if (!strtab) continue
    for (let at = symtab.offset; at + 16 <= symtab.offset + symtab.size && at + 16 <= bytes.length; at += 16) {
      const nameAt = strtab.offset + bytes.readUInt32LE(at)
      const end = bytes.indexOf(0, nameAt)
      if (nameAt >= bytes.length || end < 0) continue
      const name = bytes.toString('latin1', nameAt, end)
      const type = bytes[at + 12] & 0xf
      // STT_OBJECT and STT_FUNC; the first definition of a name wins.
      if (name && (type === 1 || type === 2) && !symbols.has(name)) {
        symbols.set(name, {name, address: bytes.readUInt32LE(at + 4), size: bytes.readUInt32LE(at + 8)})
      }
    }
  }
  return symbols
}
