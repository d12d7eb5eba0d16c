// The 16550A UART of the virt board, registers one byte apart (reg-shift 0).
// Transmission is instantaneous: a byte written to THR reaches the console
// sink at once and THR is empty again. Received bytes come only from the
// machine (receive()), never from a host stream, so deterministic runs see
// input exactly where the log puts it.
//
//   0 RBR (read) / THR (write) / DLL when LCR.DLAB
//   1 IER / DLM when LCR.DLAB
//   2 IIR (read) / FCR (write)
//   3 LCR   4 MCR   5 LSR   6 MSR   7 SCR

import type {Device, IrqSink} from './device.js'

const FIFO_SIZE = 16

const IER_RDI = 0x01
const IER_THRI = 0x02
const IER_RLSI = 0x04
const IIR_NONE = 0x01
const IIR_THRI = 0x02
const IIR_RDI = 0x04
const IIR_RLSI = 0x06
const IIR_FIFO = 0xc0
const FCR_ENABLE = 0x01
const FCR_CLEAR_RX = 0x02
const LCR_DLAB = 0x80
const LSR_DR = 0x01
const LSR_OE = 0x02
const LSR_THRE = 0x20
const LSR_TEMT = 0x40
/** No modem attached: carrier, data set ready and clear to send, as QEMU reports. */
const MSR_IDLE = 0xb0

// State layout, in words.
const S_IER = 0
const S_FCR = 1
const S_LCR = 2
const S_MCR = 3
const S_LSR_ERRORS = 4
const S_SCR = 5
const S_DLL = 6
const S_DLM = 7
const S_THR_PENDING = 8
const S_RX_HEAD = 9
const S_RX_COUNT = 10
const S_RX_FIFO = 11

export type ConsoleSink = (byte: number) => void
/** Told of every read whose value came from outside the guest: the recorder's hook. */
export type ExternalRead = (hart: number, offset: number, value: number) => void

export class Uart implements Device {
  static readonly STATE_WORDS = S_RX_FIFO + FIFO_SIZE

  readonly size = 0x100

  constructor(
    readonly base: number,
    private readonly state: Int32Array,
    private readonly irq: number,
    private readonly irqs: IrqSink,
    private readonly sink: ConsoleSink,
    private readonly externalRead?: ExternalRead,
  ) {}

  load(hart: number, offset: number): number | undefined {
    const s = this.state
    const dlab = (s[S_LCR] & LCR_DLAB) !== 0
    let value: number
    switch (offset) {
      case 0:
        if (dlab) return s[S_DLL]
        value = this.popReceived()
        this.externalRead?.(hart, offset, value)
        this.update()
        return value
      case 1:
        return dlab ? s[S_DLM] : s[S_IER]
      case 2:
        value = this.iir()
        // Reading IIR acknowledges a THR-empty interrupt.
        if ((value & 0x0f) === IIR_THRI) s[S_THR_PENDING] = 0
        this.update()
        return value
      case 3:
        return s[S_LCR]
      case 4:
        return s[S_MCR]
      case 5:
        value = this.lsr()
        s[S_LSR_ERRORS] = 0
        this.externalRead?.(hart, offset, value)
        this.update()
        return value
      case 6:
        return MSR_IDLE
      case 7:
        return s[S_SCR]
      default:
        return 0
    }
  }

  store(_hart: number, offset: number, _size: 1 | 2 | 4, value: number): boolean {
    const s = this.state
    const byte = value & 0xff
    const dlab = (s[S_LCR] & LCR_DLAB) !== 0
    switch (offset) {
      case 0:
        if (dlab) {
          s[S_DLL] = byte
        } else {
          this.sink(byte)
          s[S_THR_PENDING] = 1
        }
        break
      case 1:
        if (dlab) {
          s[S_DLM] = byte
        } else {
          // Enabling THRI with THR already empty raises it at once, as on the real part.
          if (byte & IER_THRI && !(s[S_IER] & IER_THRI)) s[S_THR_PENDING] = 1
          s[S_IER] = byte & 0x0f
        }
        break
      case 2:
        if (byte & FCR_CLEAR_RX) {
          s[S_RX_HEAD] = 0
          s[S_RX_COUNT] = 0
        }
        s[S_FCR] = byte & 0xc9
        break
      case 3:
        s[S_LCR] = byte
        break
      case 4:
        s[S_MCR] = byte & 0x1f
        break
      case 7:
        s[S_SCR] = byte
        break
    }
    this.update()
    return true
  }

  /** A byte from the console arrives. false when the FIFO is full (the byte is lost: overrun). */
  receive(byte: number): boolean {
    const s = this.state
    if (s[S_RX_COUNT] >= FIFO_SIZE) {
      s[S_LSR_ERRORS] |= LSR_OE
      this.update()
      return false
    }
    s[S_RX_FIFO + ((s[S_RX_HEAD] + s[S_RX_COUNT]) % FIFO_SIZE)] = byte & 0xff
    s[S_RX_COUNT]++
    this.update()
    return true
  }

  /** Room left in the receive FIFO, so a console source can hold bytes back instead of losing them. */
  receiveRoom(): number {
    return FIFO_SIZE - this.state[S_RX_COUNT]
  }

  private popReceived(): number {
    const s = this.state
    if (s[S_RX_COUNT] === 0) return 0
    const byte = s[S_RX_FIFO + s[S_RX_HEAD]]
    s[S_RX_HEAD] = (s[S_RX_HEAD] + 1) % FIFO_SIZE
    s[S_RX_COUNT]--
    return byte
  }

  private lsr(): number {
    return LSR_THRE | LSR_TEMT | (this.state[S_RX_COUNT] > 0 ? LSR_DR : 0) | this.state[S_LSR_ERRORS]
  }

  private iir(): number {
    const s = this.state
    const fifo = s[S_FCR] & FCR_ENABLE ? IIR_FIFO : 0
    if (s[S_IER] & IER_RLSI && s[S_LSR_ERRORS]) return IIR_RLSI | fifo
    if (s[S_IER] & IER_RDI && s[S_RX_COUNT] > 0) return IIR_RDI | fifo
    if (s[S_IER] & IER_THRI && s[S_THR_PENDING]) return IIR_THRI | fifo
    return IIR_NONE | fifo
  }

  private update(): void {
    this.irqs.setLevel(this.irq, (this.iir() & IIR_NONE) === 0)
  }
}
