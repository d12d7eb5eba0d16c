// One hart in a worker thread, as in parallel mode: it runs the program
// already in the shared RAM from the given pc until it sleeps in WFI.

import {parentPort, workerData} from 'node:worker_threads'
import {ACCESS_READ, ACCESS_WRITE, type HartEnv, Stop} from '../../src/lib/sim/hart-env.js'
import {Hart} from '../../src/lib/sim/hart.js'

const {ram, id, pc} = workerData as {ram: SharedArrayBuffer; id: number; pc: number}
const env: HartEnv = {
  access: new Uint8Array(ram.byteLength >>> 12).fill(ACCESS_READ | ACCESS_WRITE),
  pageFault: () => true,
  mmioLoad: () => undefined,
  mmioStore: () => false,
  readTime: () => 0n,
  poll: () => false,
}
const hart = new Hart(id, ram, env)
hart.pc = pc
let stop: Stop
do stop = hart.run(1 << 20)
while (stop === Stop.Budget)
parentPort!.postMessage({stop, instret: hart.instret, fatal: hart.fatal})
