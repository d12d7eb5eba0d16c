// A path is the sequence of decisions one run of an interval takes: at each
// decision point (a hart about to access a page the interval's harts share,
// while another hart still has budget left) one bit says whether the running hart
// continues (1) or yields to the next runnable hart in hart order (0).
//
// In memory a path is a Uint8Array holding one decision (0 or 1) per element,
// which keeps crossover and mutation simple. On disk it is packed as the log
// stores paths (decision i in byte i >> 3 at bit i & 7), with its length in
// bits beside it. Printed, it is a
// string of 0 and 1 (short paths) or hex with the bit length.
//
// A path that runs out of bits before the run runs out of decision points
// continues the running hart (bit 1): the hart keeps going until its budget,
// a WFI, or an event stops it. A run therefore never needs more bits than it
// has decision points, and bits past the last decision point are irrelevant.

import {ReseerError} from '../cli/errors.js'

export type Path = Uint8Array

/** The decision a path implies once its bits are used up. */
export const DEFAULT_DECISION = 1

export const CONTINUE = 1
export const YIELD = 0

/** "0110" form, one character per decision. */
export function pathToString(path: Path): string {
  let text = ''
  for (const bit of path) text += bit ? '1' : '0'
  return text
}

export function pathFromString(text: string): Path {
  if (!/^[01]*$/.test(text)) throw new ReseerError(`path "${text}" is not a string of 0 and 1`, {code: 'EBADPATH'})
  const path = new Uint8Array(text.length)
  for (let i = 0; i < text.length; i++) path[i] = text.charCodeAt(i) - 48
  return path
}

export interface PackedPath {
  /** Decision i in byte i >> 3 at bit i & 7; unused high bits of the last byte are 0. */
  bytes: Uint8Array
  bitLength: number
}

export function packPath(path: Path): PackedPath {
  const bytes = new Uint8Array((path.length + 7) >>> 3)
  for (let i = 0; i < path.length; i++) if (path[i]) bytes[i >>> 3] |= 1 << (i & 7)
  return {bytes, bitLength: path.length}
}

export function unpackPath(packed: PackedPath): Path {
  const {bytes, bitLength} = packed
  if (!Number.isSafeInteger(bitLength) || bitLength < 0 || bytes.length !== (bitLength + 7) >>> 3) {
    throw new ReseerError(`stored path of ${bytes.length} bytes cannot hold ${bitLength} bits`, {code: 'EBADPATH'})
  }
  const path = new Uint8Array(bitLength)
  for (let i = 0; i < bitLength; i++) path[i] = (bytes[i >>> 3] >>> (i & 7)) & 1
  return path
}

/** "hex/bits" form, e.g. "2d/6" for 101101: the packed bytes in hex, compact for long paths. */
export function pathToHex(path: Path): string {
  const {bytes, bitLength} = packPath(path)
  return `${Buffer.from(bytes).toString('hex')}/${bitLength}`
}

export function pathFromHex(text: string): Path {
  const match = /^([0-9a-f]*)\/(\d+)$/i.exec(text)
  if (!match || match[1].length % 2 !== 0) throw new ReseerError(`path "${text}" is not of the form HEX/BITS`, {code: 'EBADPATH'})
  return unpackPath({bytes: Uint8Array.from(Buffer.from(match[1], 'hex')), bitLength: Number(match[2])})
}

/** The printed form a person reads: bits when short, hex when long. */
export function formatPath(path: Path): string {
  return path.length <= 64 ? pathToString(path) || '(empty)' : pathToHex(path)
}
