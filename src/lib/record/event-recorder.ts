// Appends what the harts report to their event streams, each event pinned to
// the hart's retired-instruction count. Only what no search can recover is
// logged: time read, interrupt lines, device input, DMA from outside. Page
// accesses are not events: the sharing summary at each checkpoint covers
// them, and nothing about their order is kept.
import {EventKind, encodeCrewTransfer, encodeDeviceRead, encodeDmaWrite} from '../log/events.js'
import type {LogWriter} from '../log/writer.js'
import type {MachineEvent} from '../sim/machine-events.js'
import type {MachineObserver} from '../sim/machine-observer.js'
import type {CrewTransfer} from '../sim/parallel/crew-pages.js'
import {SimEventKind, encodeConsoleInput, encodeFrameInput, encodeInterruptLines, encodePace} from './record-events.js'

const NOT_INVOLVED = (1n << 64n) - 1n

export class EventRecorder implements MachineObserver {
  /** Events appended so far. */
  events = 0
  /** The highest retired count each hart has reported. */
  readonly instret: number[]
  private failure?: unknown
  private writer?: LogWriter
  private readonly timePayload = new Uint8Array(8)
  private readonly scratch = new DataView(this.timePayload.buffer)

  /**
   * `onFailure` is called once, with the first error appending raised (a
   * full disk, say); the harts' reports arrive on the main thread's event
   * loop, where nothing else could catch it.
   */
  constructor(harts: number, private readonly onFailure: (error: unknown) => void) {
    this.instret = new Array<number>(harts).fill(0)
  }

  /** Log into `writer` from now on; what the harts reported before checkpoint 0 is not part of the recording. */
  open(writer: LogWriter): void {
    this.writer = writer
  }

  timeRead(hart: number, instret: number, value: bigint): void {
    // The most frequent event by far (guests poll the clock): encoded into a scratch buffer the writer copies.
    this.append(hart, EventKind.TimeRead, instret, () => {
      this.scratch.setBigUint64(0, value, true)
      return this.timePayload
    })
  }

  interruptLines(hart: number, instret: number, mip: number): void {
    this.append(hart, SimEventKind.InterruptLines, instret, () => encodeInterruptLines(mip))
  }

  deviceRead(hart: number, instret: number, addr: number, size: number, value: number): void {
    this.append(hart, EventKind.DeviceRead, instret, () => encodeDeviceRead(BigInt(addr), size, BigInt(value >>> 0)))
  }

  input(hart: number, instret: number, event: MachineEvent): void {
    switch (event.kind) {
      case 'console':
        this.append(hart, SimEventKind.ConsoleInput, instret, () => encodeConsoleInput(event.byte))
        break
      case 'interrupts':
        this.interruptLines(hart, instret, event.mip)
        break
      case 'frame':
        this.append(hart, SimEventKind.FrameInput, instret, () => encodeFrameInput(event.vif, event.frame))
        break
    }
  }

  pace(hart: number, instret: number, micros: number): void {
    this.append(hart, SimEventKind.Pace, instret, () => encodePace(micros))
  }

  dmaWrite(hart: number, instret: number, addr: number, bytes: Uint8Array): void {
    this.append(hart, EventKind.DmaWrite, instret, () => encodeDmaWrite(BigInt(addr), bytes))
  }

  /**
   * A CREW transfer, on the stream of the hart that reported it. The counts
   * of the harts not involved are all ones: the transfer orders only the two.
   */
  crewTransfer(hart: number, instret: number, t: CrewTransfer): void {
    this.append(hart, EventKind.CrewTransfer, instret, () => {
      const counts = this.instret.map((_, h) => (h === t.from ? BigInt(t.fromInstret) : h === t.to ? BigInt(t.toInstret) : NOT_INVOLVED))
      return encodeCrewTransfer(t.page, t.from, t.to, t.rights, counts)
    })
  }

  private append(hart: number, kind: number, instret: number, payload: () => Uint8Array): void {
    if (!this.writer || this.failure !== undefined) return
    try {
      this.writer.append(hart, kind, BigInt(instret), payload())
      this.events++
      if (instret > this.instret[hart]) this.instret[hart] = instret
    } catch (error) {
      this.failure = error
      this.onFailure(error)
    }
  }
}
