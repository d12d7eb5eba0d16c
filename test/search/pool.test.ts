// The pool runs the compiled worker from dist/, as an installed package does;
// `npm test` builds first.
import t from 'tap'
import {LocalEvaluator} from '../../src/lib/search/local-evaluator.js'
import {searchInterval} from '../../src/lib/search/search.js'
import {pathFromString} from '../../src/lib/search/path.js'
import {PoolEvaluator} from '../../dist/lib/search/pool.js'
import {runIntervalSearch} from '../../dist/lib/search/run.js'
import {loadInterval} from './toy-loader.js'

const arg = {rounds: 6, secret: '110100111011010111011'}
const source = {module: new URL('./toy-loader.ts', import.meta.url).href, arg}

t.test('a pool of two workers gives exactly what one thread gives', async t => {
  const pool = new PoolEvaluator({source, jobs: 2, runner: {snapshotSpacing: 0}})
  t.teardown(() => pool.close())
  const {machine, problem} = loadInterval(arg)
  const {IntervalRunner} = await import('../../src/lib/search/interval.js')
  const local = new LocalEvaluator(new IntervalRunner(machine, problem, {snapshotSpacing: 0}))

  const batch = ['', '0', '01', '0110', '1111100000', '0101010101'].map(text => ({path: pathFromString(text)}))
  batch.push({path: new Uint8Array(0), tail: {kind: 'pace', slack: 0}} as never)
  t.same(await pool.evaluate(batch), await local.evaluate(batch))

  // Slices finish in any order; the search must not notice.
  const pooled = await searchInterval(pool, {seed: 4, maxEvaluations: 500})
  const inThread = await searchInterval(local, {seed: 4, maxEvaluations: 500})
  t.same(pooled, inThread)
})

t.test('a source that cannot be loaded fails with one clear error', async t => {
  const pool = new PoolEvaluator({source: {module: new URL('./no-such-loader.js', import.meta.url).href, arg: {}}, jobs: 1})
  t.teardown(() => pool.close())
  await t.rejects(pool.evaluate([{path: new Uint8Array(0)}]), {name: 'ReseerError', code: 'EWORKER', message: /cannot load .*no-such-loader\.js/})
  t.throws(() => new PoolEvaluator({source, jobs: 0}), {name: 'ReseerError', message: 'jobs is 0, expected a whole number of at least 1'})
})

t.test('one call searches an interval in this thread or on a pool, with the same result', async t => {
  const settings = {seed: 8, maxEvaluations: 1000}
  const inThread = await runIntervalSearch({source, jobs: 1, settings})
  const pooled = await runIntervalSearch({source, jobs: 2, settings})
  t.equal(inThread.found, true)
  t.same(pooled, inThread)
})
