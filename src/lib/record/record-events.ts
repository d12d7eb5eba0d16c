// Event kinds the sim recorder logs beside the common ones of
// src/lib/log/events.ts. The sim machine's interrupts are level lines the
// CLINT and PLIC drive (replay re-injects the lines, not the traps they
// cause), and console input enters the UART as bytes. Kinds from 0x100 on
// belong to the sim recorder, so they can never collide with the log
// library's own numbering; a reader that does not know them gets them raw.
import {ReseerError} from '../cli/errors.js'

export const enum SimEventKind {
  /** From this instruction on, the device-driven mip bits (MSIP, MTIP, MEIP) are: payload u32 mip. */
  InterruptLines = 0x100,
  /** A byte from outside entered the UART's receive FIFO: payload u8 byte. */
  ConsoleInput = 0x101,
  /**
   * An ethernet frame from outside arrived at a vif during this hart's poll:
   * payload u16 vif, then the frame. The DMA writes that put it in guest RAM
   * follow as DmaWrite events at the same count.
   */
  FrameInput = 0x102,
  /**
   * A pace mark: the hart had retired this many instructions at host time
   * payload u64 (microseconds since the Unix epoch). A hint of how fast the
   * hart ran for the search; replay delivers nothing for it.
   */
  Pace = 0x103,
}

export function encodeInterruptLines(mip: number): Uint8Array {
  const out = new Uint8Array(4)
  new DataView(out.buffer).setUint32(0, mip >>> 0, true)
  return out
}

export function decodeInterruptLines(payload: Uint8Array): number {
  if (payload.length !== 4) throw new ReseerError(`InterruptLines event payload has ${payload.length} bytes, expected 4`, {code: 'ELOGEVENT'})
  return new DataView(payload.buffer, payload.byteOffset, 4).getUint32(0, true)
}

export function encodePace(micros: number): Uint8Array {
  const out = new Uint8Array(8)
  new DataView(out.buffer).setBigUint64(0, BigInt(Math.round(micros)), true)
  return out
}

export function decodePace(payload: Uint8Array): number {
  if (payload.length !== 8) throw new ReseerError(`Pace event payload has ${payload.length} bytes, expected 8`, {code: 'ELOGEVENT'})
  return Number(new DataView(payload.buffer, payload.byteOffset, 8).getBigUint64(0, true))
}

export function encodeConsoleInput(byte: number): Uint8Array {
  return Uint8Array.of(byte)
}

export function decodeConsoleInput(payload: Uint8Array): number {
  if (payload.length !== 1) throw new ReseerError(`ConsoleInput event payload has ${payload.length} bytes, expected 1`, {code: 'ELOGEVENT'})
  return payload[0]
}

export function encodeFrameInput(vif: number, frame: Uint8Array): Uint8Array {
  const out = new Uint8Array(2 + frame.length)
  new DataView(out.buffer).setUint16(0, vif, true)
  out.set(frame, 2)
  return out
}

export function decodeFrameInput(payload: Uint8Array): {vif: number; frame: Uint8Array} {
  if (payload.length < 2) throw new ReseerError(`FrameInput event payload has ${payload.length} bytes, expected at least 2`, {code: 'ELOGEVENT'})
  return {vif: new DataView(payload.buffer, payload.byteOffset, 2).getUint16(0, true), frame: payload.subarray(2)}
}
