// A recording process killed with SIGKILL mid-run leaves a log that verifies
// up to its last complete checkpoint, and that a writer can reopen.
import t from 'tap'
import {spawn} from 'node:child_process'
import {fileURLToPath} from 'node:url'
import {LogReader} from '../../src/lib/log/reader.js'
import {verifyLog} from '../../src/lib/log/verify.js'
import {LogWriter} from '../../src/lib/log/writer.js'
import {elfOf} from '../guests/workload.js'
import {freshLogDir} from './recording.js'

const child = fileURLToPath(new URL('record-child.mjs', import.meta.url))

/** Run the recorder until it has announced `checkpoints` durable checkpoints, then kill it. */
function recordUntilKilled(dir: string, checkpoints: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const recorder = spawn(process.execPath, [child, dir, elfOf('race')], {stdio: ['ignore', 'pipe', 'pipe']})
    let announced = -1
    let stderr = ''
    let out = ''
    recorder.stderr.on('data', (d) => (stderr += d))
    recorder.stdout.on('data', (d) => {
      out += d
      for (const m of out.matchAll(/checkpoint (\d+)\n/g)) announced = Math.max(announced, Number(m[1]))
      if (announced + 1 >= checkpoints) recorder.kill('SIGKILL')
    })
    recorder.on('exit', (code, signal) => (signal === 'SIGKILL' ? resolve(announced) : reject(new Error(`recorder exited with ${code}: ${stderr}`))))
  })
}

t.test('SIGKILL mid-recording', async (t) => {
  const dir = freshLogDir('race')
  const announced = await recordUntilKilled(dir, 4)
  const report = verifyLog(dir)
  t.same(report.files.filter((f) => f.status === 'corrupt' || f.status === 'missing'), [], 'nothing corrupt or missing, at most a torn tail')
  t.ok(report.checkpoints >= announced + 1, `every announced checkpoint is there (${report.checkpoints} >= ${announced + 1})`)

  const reader = LogReader.open(dir)
  t.same(reader.damage, [])
  const last = reader.checkpointCount - 1
  t.equal(reader.memoryAt(last).length, 64 << 20, 'the last checkpoint reconstructs the whole RAM')
  reader.close()

  const {writer, resumed} = LogWriter.openForAppend(dir)
  t.equal(resumed.checkpoints, report.checkpoints, 'a writer reopens it at the same checkpoint')
  writer.close()
})
