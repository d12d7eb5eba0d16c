// Recording netperf against a UDP echo peer: every frame that came in from
// outside is in the log with the DMA writes that put it in guest RAM.
import t from 'tap'
import {EventKind, decodeEvent} from '../../src/lib/log/events.js'
import {LogReader} from '../../src/lib/log/reader.js'
import {verifyLog} from '../../src/lib/log/verify.js'
import {SimEventKind, decodeFrameInput} from '../../src/lib/record/record-events.js'
import {startUdpEcho} from '../helpers/udp-echo.js'
import {expectedOf} from '../guests/workload.js'
import {freshLogDir, record, workload} from './recording.js'

t.test('netperf', async (t) => {
  const echo = await startUdpEcho()
  t.teardown(() => echo.close())
  const dir = freshLogDir('netperf')
  const {result, session} = await record(workload('netperf', {vifs: [{peer: `127.0.0.1:${echo.port}`}]}), dir, {interval: {ms: 5}})
  t.same(result.end, {kind: 'halt', finish: {kind: 'poweroff', code: 0, hart: 0}})
  t.equal(new TextDecoder().decode(session.machine.console), expectedOf('netperf'))
  t.ok(verifyLog(dir).intact)

  const reader = LogReader.open(dir)
  t.teardown(() => reader.close())
  const frames: Uint8Array[] = []
  let dmaBytes = 0
  for (let h = 0; h < 2; h++) {
    for (const e of reader.events(h)) {
      // Copied at once: a stored record's payload may share the reader's buffer.
      if (e.kind === SimEventKind.FrameInput) frames.push(Uint8Array.from(decodeFrameInput(e.payload).frame))
      if (e.kind === EventKind.DmaWrite) dmaBytes += (decodeEvent(e.kind, e.payload) as {data: Uint8Array}).data.length
    }
  }
  t.equal(frames.length, echo.frames.length, 'every echoed frame is logged')
  t.same(frames.map((f) => Buffer.from(f).toString('hex')).sort(), echo.frames.map((f) => f.toString('hex')).sort(), 'with its bytes')
  t.ok(dmaBytes >= frames.reduce((n, f) => n + f.length, 0), 'the DMA writes carry at least the frames\' bytes')
})
