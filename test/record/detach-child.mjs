// A recording process for the detach test, run with V8's protector tracing
// on: records a race with checkpoints every few milliseconds, prints how
// many it took, then detaches one buffer on purpose after a marker line, so
// the test can tell the tracing works. Plain JavaScript over dist/, as the
// hart workers are.
import {RecordSession} from '../../dist/lib/record/session.js'

const [dir, kernel] = process.argv.slice(2)
const options = {vcpus: 2, memoryMiB: 64, kernel, cmdline: 'm=3000000', disks: [], vifs: []}
const result = await RecordSession.boot(options, dir, {creator: {tool: 'reseer-xl', version: 'test'}, interval: {ms: 2}}).run()
process.stdout.write(`recorded ${result.progress.checkpoints} checkpoints, ${result.end.kind}\n`)
process.stdout.write('detaching on purpose\n')
const buffer = new ArrayBuffer(8)
structuredClone(buffer, {transfer: [buffer]})
