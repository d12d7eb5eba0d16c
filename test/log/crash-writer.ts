// A recorder stand-in for the crash test: it appends events and takes
// checkpoints in an endless loop until it is killed. Everything it writes is
// a function of (vCPU, event number) and of the checkpoint index, so the test
// can tell exactly what a surviving log must hold. Run with the log directory
// as its argument; it prints "ready" once it holds the log.
import {existsSync} from 'node:fs'
import {LogWriter} from '../../src/lib/log/writer.js'
import {CRASH_EVENT, CRASH_VCPUS, checkpointPages, crashHeader, eventPayload} from './crash-plan.js'

const dir = process.argv[2]
const writer = existsSync(dir) ? LogWriter.openForAppend(dir).writer : LogWriter.create(dir, crashHeader())
// Events are numbered from 1 and pinned at instret = their number, so the
// numbering goes on from the last instret that survived.
const next = Array.from({length: CRASH_VCPUS}, (_, v) => writer.lastInstret(v))
process.stdout.write('ready\n')
for (;;) {
  for (let i = 0; i < 500; i++) {
    const v = i % CRASH_VCPUS
    next[v]++
    writer.append(v, CRASH_EVENT, next[v], eventPayload(v, next[v]))
  }
  const k = writer.checkpoints
  writer.checkpoint({
    vcpus: next.map((n, v) => ({state: Buffer.from(`hart${v}@${k}`), instret: n})),
    device: Buffer.from(`device@${k}`),
    pages: checkpointPages(k),
    meta: {k},
  })
}
