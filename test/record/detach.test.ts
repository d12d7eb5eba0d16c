// The hart workers of a recording never detach an ArrayBuffer. The first
// detached buffer in an isolate invalidates V8's ArrayBufferDetaching
// protector, and every typed-array access optimized after it checks for a
// detached buffer: a hart worker that transferred its report batches ran 15 %
// slower from its first checkpoint on. V8 names each invalidation when run
// with --trace-protector-invalidation.
import t from 'tap'
import {spawnSync} from 'node:child_process'
import {fileURLToPath} from 'node:url'
import {elfOf} from '../guests/workload.js'
import {freshLogDir} from './recording.js'

const child = fileURLToPath(new URL('detach-child.mjs', import.meta.url))

t.test('a recording detaches no buffer in any thread', async (t) => {
  // Without the loaders the test runner puts into NODE_OPTIONS of every child: they detach buffers of their own.
  const run = spawnSync('env', ['-u', 'NODE_OPTIONS', process.execPath, '--trace-protector-invalidation', child, freshLogDir('race'), elfOf('race')], {encoding: 'utf8'})
  t.equal(run.status, 0, run.stderr)
  const [during, after] = run.stdout.split('detaching on purpose\n')
  const checkpoints = Number(/recorded (\d+) checkpoints, halt/.exec(during)?.[1])
  t.ok(checkpoints >= 4, `the recording took checkpoints, each flushing the harts' reports (${checkpoints})`)
  t.notMatch(during, /ArrayBufferDetaching/, 'no thread detached a buffer while recording')
  t.match(after, /Invalidating protector cell ArrayBufferDetaching/, 'the tracing names a detach when there is one')
})
