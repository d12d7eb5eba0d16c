// The envelope shared by every whole-file record of a log directory (header,
// checkpoint manifest, sharing summary, found path): a fixed prefix that
// identifies the file, a JSON part that describes it, an optional binary body,
// and a CRC-32C over everything so that a damaged file is refused, not misread.
//
//   0   8  magic
//   8   2  format version (u16)
//  10   2  byte-order mark 0xFEFF (u16, so little-endian files read FF FE)
//  12   4  JSON length J (u32)
//  16   J  JSON, UTF-8
//  16+J B  binary body (the rest up to the checksum)
//  end  4  CRC-32C of all bytes before it (u32)
// All integers are little-endian.
import {readFileSync} from 'node:fs'
import {join} from 'node:path'
import {ReseerError} from '../cli/errors.js'
import {crc32c} from './crc32c.js'

/** The format version this reseer-xl writes and the newest it reads. */
export const FORMAT_VERSION = 1

const PREFIX = 16
const BOM = 0xfeff

export function sealEnvelope(magic: Uint8Array, json: unknown, body: Uint8Array = new Uint8Array(0)): Buffer {
  const text = Buffer.from(JSON.stringify(json), 'utf8')
  const out = Buffer.alloc(PREFIX + text.length + body.length + 4)
  out.set(magic, 0)
  out.writeUInt16LE(FORMAT_VERSION, 8)
  out.writeUInt16LE(BOM, 10)
  out.writeUInt32LE(text.length, 12)
  out.set(text, PREFIX)
  out.set(body, PREFIX + text.length)
  out.writeUInt32LE(crc32c(out, 0, out.length - 4), out.length - 4)
  return out
}

export interface Envelope {
  json: Record<string, unknown>
  body: Buffer
}

/**
 * Check and unpack an envelope. `what` names the file in errors
 * ("checkpoints/000003.ckpt"), `kind` says what it should be ("checkpoint manifest").
 */
export function openEnvelope(bytes: Buffer, magic: Uint8Array, what: string, kind: string): Envelope {
  if (bytes.length < PREFIX + 4 || !bytes.subarray(0, 8).equals(magic)) {
    throw damaged(`${what} is not a reseer ${kind} (bad magic)`)
  }
  const bom = bytes.readUInt16LE(10)
  if (bom === 0xfffe) {
    throw damaged(`${what} was written big-endian; this reseer-xl reads only little-endian logs`, 'EBYTEORDER')
  }
  const version = bytes.readUInt16LE(8)
  if (bom === BOM && version > FORMAT_VERSION && crc32c(bytes, 0, bytes.length - 4) === bytes.readUInt32LE(bytes.length - 4)) {
    throw new ReseerError(`${what} has log format version ${version}, newer than this reseer-xl reads (${FORMAT_VERSION})`,
      {code: 'ELOGVERSION', hint: 'upgrade reseer-xl'})
  }
  if (crc32c(bytes, 0, bytes.length - 4) !== bytes.readUInt32LE(bytes.length - 4)) {
    throw damaged(`${what} is corrupt (checksum mismatch)`)
  }
  if (bom !== BOM || version === 0) throw damaged(`${what} is corrupt (bad byte-order mark or version)`)
  const jsonLength = bytes.readUInt32LE(12)
  if (PREFIX + jsonLength > bytes.length - 4) throw damaged(`${what} is corrupt (JSON length ${jsonLength} runs past the end)`)
  let json: unknown
  try {
    json = JSON.parse(bytes.toString('utf8', PREFIX, PREFIX + jsonLength))
  } catch {
    throw damaged(`${what} is corrupt (its JSON part does not parse)`)
  }
  if (json === null || typeof json !== 'object' || Array.isArray(json)) throw damaged(`${what} is corrupt (its JSON part is not an object)`)
  return {json: json as Record<string, unknown>, body: bytes.subarray(PREFIX + jsonLength, bytes.length - 4)}
}

/** A ReseerError for a damaged log file; `log verify` tells these apart by their code. */
export function damaged(message: string, code = 'ELOGCORRUPT'): ReseerError {
  return new ReseerError(message, {code, hint: 'run reseer-xl log verify for a full report'})
}

/**
 * Read the optional per-interval file `file` (a summary or a found path):
 * undefined when it does not exist, damaged when it names another interval.
 */
export function readIntervalFile<T extends {interval: number}>(dir: string, file: string, interval: number, decode: (bytes: Buffer, file: string) => T): T | undefined {
  let bytes: Buffer
  try {
    bytes = readFileSync(join(dir, file))
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw error
  }
  const decoded = decode(bytes, file)
  if (decoded.interval !== interval) throw damaged(`${file} is corrupt (it says interval ${decoded.interval})`)
  return decoded
}
