// The observer a recordable machine is built with. A parallel machine takes
// its observer when it is created, but a live domain may be recorded later
// (`record NAME`), several times, or never: the domain process builds its
// machine with a tap, and each recording connects to it for its duration.
// While nothing is connected the tap drops what the harts report. It has no
// pageAccess hook: the sharing summary comes from the machine's page sets,
// and without the hook the harts do not report each page's first access.
import type {MachineEvent} from '../sim/machine-events.js'
import type {MachineObserver} from '../sim/machine-observer.js'
import type {CrewTransfer} from '../sim/parallel/crew-pages.js'

export class RecorderTap implements MachineObserver {
  private sink?: MachineObserver

  get connected(): boolean {
    return this.sink !== undefined
  }

  connect(sink: MachineObserver): void {
    if (this.sink) throw new Error('the machine is already being recorded')
    this.sink = sink
  }

  disconnect(sink: MachineObserver): void {
    if (this.sink === sink) this.sink = undefined
  }

  timeRead(hart: number, instret: number, value: bigint): void {
    this.sink?.timeRead?.(hart, instret, value)
  }

  interruptLines(hart: number, instret: number, mip: number): void {
    this.sink?.interruptLines?.(hart, instret, mip)
  }

  deviceRead(hart: number, instret: number, addr: number, size: number, value: number): void {
    this.sink?.deviceRead?.(hart, instret, addr, size, value)
  }

  input(hart: number, instret: number, event: MachineEvent): void {
    this.sink?.input?.(hart, instret, event)
  }

  dmaWrite(hart: number, instret: number, addr: number, bytes: Uint8Array): void {
    this.sink?.dmaWrite?.(hart, instret, addr, bytes)
  }

  pace(hart: number, instret: number, micros: number): void {
    this.sink?.pace?.(hart, instret, micros)
  }

  crewTransfer(hart: number, instret: number, transfer: CrewTransfer): void {
    this.sink?.crewTransfer?.(hart, instret, transfer)
  }
}
