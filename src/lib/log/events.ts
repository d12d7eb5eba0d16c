// The kinds of nondeterministic event a vCPU's stream holds, and the byte
// layout of each kind's payload. A record carries the kind and the vCPU's
// retired-instruction count the event is pinned to; the payload holds the
// rest. Kinds are never renumbered: new kinds take new numbers, and a reader
// hands kinds it does not know back as raw bytes.
import {ReseerError} from '../cli/errors.js'

export enum EventKind {
  /** A read of a clock (rdtime, mtime, TSC): payload u64 value. */
  TimeRead = 1,
  /** An interrupt taken: payload u32 cause (mcause on RISC-V, the vector on x86). */
  Interrupt = 2,
  /** A read from a device register: u64 address, u32 size in bytes, u64 value. */
  DeviceRead = 3,
  /** Bytes a device wrote into guest memory: u64 guest address, then the bytes. */
  DmaWrite = 4,
  /**
   * A CREW ownership transfer (the baseline recorder): u32 page, u16 from-hart,
   * u16 to-hart, u8 rights, u8 zero, u16 count N, then N u64 instruction counts,
   * one per hart, at the moment of the transfer.
   */
  CrewTransfer = 5,
  /** The domain stopped: u8 reason (0 poweroff, 1 reboot), u8[3] zero, u32 exit code. */
  Halt = 6,
}

/** Names of the kinds from 0x100 that the embedded machine's recorder logs (src/lib/record/record-events.ts), for reports only. */
const SIM_KIND_NAMES: Record<number, string> = {0x100: 'InterruptLines', 0x101: 'ConsoleInput', 0x102: 'FrameInput', 0x103: 'Pace'}

/** The name of a kind, for reports; unknown kinds read as "kind-N". */
export function eventKindName(kind: number): string {
  return EventKind[kind] ?? SIM_KIND_NAMES[kind] ?? `kind-${kind}`
}

/** CREW access rights: bit 0 read, bit 1 write. */
export enum CrewRights {
  None = 0,
  Read = 1,
  ReadWrite = 3,
}

export type HaltReason = 'poweroff' | 'reboot'

export type DecodedEvent =
  | {kind: EventKind.TimeRead; value: bigint}
  | {kind: EventKind.Interrupt; cause: number}
  | {kind: EventKind.DeviceRead; address: bigint; size: number; value: bigint}
  | {kind: EventKind.DmaWrite; address: bigint; data: Uint8Array}
  | {kind: EventKind.CrewTransfer; page: number; fromHart: number; toHart: number; rights: CrewRights; instrets: bigint[]}
  | {kind: EventKind.Halt; reason: HaltReason; code: number}
  | {kind: number; unknown: true; payload: Uint8Array}

function view(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
}

export function encodeTimeRead(value: bigint): Uint8Array {
  const out = new Uint8Array(8)
  view(out).setBigUint64(0, value, true)
  return out
}

export function encodeInterrupt(cause: number): Uint8Array {
  const out = new Uint8Array(4)
  view(out).setUint32(0, cause, true)
  return out
}

export function encodeDeviceRead(address: bigint, size: number, value: bigint): Uint8Array {
  const out = new Uint8Array(20)
  const v = view(out)
  v.setBigUint64(0, address, true)
  v.setUint32(8, size, true)
  v.setBigUint64(12, value, true)
  return out
}

export function encodeDmaWrite(address: bigint, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(8 + data.length)
  view(out).setBigUint64(0, address, true)
  out.set(data, 8)
  return out
}

export function encodeCrewTransfer(page: number, fromHart: number, toHart: number, rights: CrewRights, instrets: readonly bigint[]): Uint8Array {
  const out = new Uint8Array(12 + 8 * instrets.length)
  const v = view(out)
  v.setUint32(0, page, true)
  v.setUint16(4, fromHart, true)
  v.setUint16(6, toHart, true)
  v.setUint8(8, rights)
  v.setUint16(10, instrets.length, true)
  instrets.forEach((n, i) => v.setBigUint64(12 + 8 * i, n, true))
  return out
}

export function encodeHalt(reason: HaltReason, code = 0): Uint8Array {
  const out = new Uint8Array(8)
  const v = view(out)
  v.setUint8(0, reason === 'poweroff' ? 0 : 1)
  v.setUint32(4, code, true)
  return out
}

/**
 * Decode a payload by its kind. A payload of the wrong length for a known
 * kind is an error (the frame checksum passed, so the writer was wrong);
 * an unknown kind comes back raw.
 */
export function decodeEvent(kind: number, payload: Uint8Array): DecodedEvent {
  const v = view(payload)
  const need = (n: number, exact = true): void => {
    if (exact ? payload.length !== n : payload.length < n) {
      throw new ReseerError(`${eventKindName(kind)} event payload has ${payload.length} bytes, expected ${exact ? '' : 'at least '}${n}`, {code: 'ELOGEVENT'})
    }
  }
  switch (kind) {
    case EventKind.TimeRead:
      need(8)
      return {kind, value: v.getBigUint64(0, true)}
    case EventKind.Interrupt:
      need(4)
      return {kind, cause: v.getUint32(0, true)}
    case EventKind.DeviceRead:
      need(20)
      return {kind, address: v.getBigUint64(0, true), size: v.getUint32(8, true), value: v.getBigUint64(12, true)}
    case EventKind.DmaWrite:
      need(8, false)
      return {kind, address: v.getBigUint64(0, true), data: payload.subarray(8)}
    case EventKind.CrewTransfer: {
      need(12, false)
      const count = v.getUint16(10, true)
      need(12 + 8 * count)
      const instrets = Array.from({length: count}, (_, i) => v.getBigUint64(12 + 8 * i, true))
      return {kind, page: v.getUint32(0, true), fromHart: v.getUint16(4, true), toHart: v.getUint16(6, true), rights: v.getUint8(8) as CrewRights, instrets}
    }
    case EventKind.Halt:
      need(8)
      return {kind, reason: v.getUint8(0) === 0 ? 'poweroff' : 'reboot', code: v.getUint32(4, true)}
    default:
      return {kind, unknown: true, payload}
  }
}
