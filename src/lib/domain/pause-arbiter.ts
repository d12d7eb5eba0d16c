// Two parties pause a live domain's harts: the user (pause/unpause) and a
// recording (around each checkpoint). The harts may run only when neither
// holds them, so a checkpoint never resumes a domain the user paused, and an
// unpause never lets the harts run in the middle of a checkpoint.
import type {ParallelMachine} from '../sim/parallel/parallel-machine.js'

export class PauseArbiter {
  private userHold = false
  private recorderHold = false

  constructor(private readonly machine: ParallelMachine) {}

  get userPaused(): boolean {
    return this.userHold
  }

  async pauseForUser(): Promise<void> {
    this.userHold = true
    await this.machine.pause()
  }

  resumeForUser(): void {
    this.userHold = false
    if (!this.recorderHold) this.machine.resume()
  }

  /**
   * The machine as a recording sees it: the same machine, except that its
   * pause and resume are the recording's hold, not a command to the harts.
   */
  forRecorder(): ParallelMachine {
    const arbiter = this
    return new Proxy(this.machine, {
      get(target, prop) {
        if (prop === 'pause') {
          return async () => {
            arbiter.recorderHold = true
            await target.pause()
          }
        }
        if (prop === 'resume') {
          return () => {
            arbiter.recorderHold = false
            if (!arbiter.userHold) target.resume()
          }
        }
        const value = Reflect.get(target, prop, target) as unknown
        return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value
      },
    })
  }
}
