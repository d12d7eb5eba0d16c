// AMOs are atomic across threads: two harts in two worker threads over one
// SharedArrayBuffer each add 1 to the same word 100000 times.

import t from 'tap'
import {Worker} from 'node:worker_threads'
import {RAM_BASE, Stop} from '../../src/lib/sim/hart-env.js'
import {addi, amoadd, bne, li, WFI} from './hart-encode.js'

const COUNTER = RAM_BASE + 0x8000
const ADDS = 100_000

function runWorker(ram: SharedArrayBuffer, id: number, pc: number): Promise<{stop: Stop; instret: number}> {
  return new Promise((resolve, reject) => {
    // The worker is TypeScript too: it needs the loader flags this process runs with.
    const worker = new Worker(new URL('./hart-amo-worker.ts', import.meta.url), {
      workerData: {ram, id, pc},
      execArgv: process.execArgv,
    })
    worker.once('message', resolve)
    worker.once('error', reject)
  })
}

t.test('two threads, one word, 2 x 100000 amoadd.w: the exact total', async (t) => {
  const ram = new SharedArrayBuffer(1 << 16)
  const words = new DataView(ram)
  const program = [...li(10, COUNTER), ...li(11, ADDS), addi(6, 0, 1), amoadd(0, 10, 6), addi(11, 11, -1),
    bne(11, 0, -8), WFI]
  for (const base of [0, 0x1000]) program.forEach((word, i) => words.setUint32(base + 4 * i, word, true))
  const results = await Promise.all([runWorker(ram, 0, RAM_BASE), runWorker(ram, 1, RAM_BASE + 0x1000)])
  for (const result of results) {
    t.equal(result.stop, Stop.Wfi)
    t.equal(result.instret, 5 + 3 * ADDS + 1)
  }
  t.equal(words.getUint32(0x8000, true), 2 * ADDS)
})
