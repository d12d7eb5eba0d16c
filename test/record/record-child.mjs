// A recording process for the crash test: records a long race into the log
// directory given, printing "checkpoint N" as each becomes durable, until
// it is killed. Plain JavaScript over dist/, as the hart workers are, so it
// starts at once.
import {RecordSession} from '../../dist/lib/record/session.js'

const [dir, kernel] = process.argv.slice(2)
const options = {vcpus: 2, memoryMiB: 64, kernel, cmdline: 'm=1000000000', disks: [], vifs: []}
const session = RecordSession.boot(options, dir, {
  creator: {tool: 'reseer-xl', version: 'test'},
  interval: {ms: 20},
  onProgress: (p) => process.stdout.write(`checkpoint ${p.checkpoints - 1}\n`),
})
await session.run()
