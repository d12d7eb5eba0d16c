// The search farm with a real redis-server and real worker processes: two
// recordings searched through one queue by two workers come out exactly as
// the local search finds them with the same seed; jobs a worker cannot use
// fail with a reason and the worker carries on; no Redis is one clear line.
import {Job, Queue} from 'bullmq'
import t from 'tap'
import {cliAsync} from '../helpers/cli.js'
import {freePort, redisMissing, startRedis} from '../helpers/redis.js'
import {copyLog, outcomes, pathsOf, recordRace, searchFarm, searchLocal, startWorker, stopWorker} from './farm-fixture.js'

const missing = redisMissing()
if (missing) {
  t.plan(0, missing)
} else {
  const [a, b] = [await recordRace('race-a'), await recordRace('race-b')]
  const redis = await startRedis()
  t.teardown(() => redis.stop())
  const workers = [startWorker(redis.url, 'one'), startWorker(redis.url, 'two')]
  t.teardown(async () => {
    for (const worker of workers) await stopWorker(worker)
  })

  t.test('two workers search two recordings through one queue and find exactly what the local search finds', async t => {
    const [localA, localB] = [copyLog(a, 'local-a'), copyLog(b, 'local-b')]
    const [farmA, farmB] = [copyLog(a, 'farm-a'), copyLog(b, 'farm-b')]
    const local = [await searchLocal(localA), await searchLocal(localB)]
    const farm = await Promise.all([searchFarm(farmA, redis.url), searchFarm(farmB, redis.url)])
    for (const [i, [dirLocal, dirFarm]] of [[localA, farmA], [localB, farmB]].entries()) {
      t.equal(farm[i].stderr, '', 'nothing on stderr')
      t.equal(farm[i].status, local[i].status, 'the same exit status (1 when an interval is not found)')
      t.same(outcomes(farm[i].stdout), outcomes(local[i].stdout), `recording ${i}: every interval found or not alike, with the same runs and fitness`)
      t.same(pathsOf(dirFarm), pathsOf(dirLocal), `recording ${i}: the same path bits for the same seed`)
      t.ok(pathsOf(dirFarm).length > 0, `recording ${i}: some paths written`)
    }
    const started = workers.flatMap(w => w.log().split('\n').filter(line => /: searching \(job /.test(line)))
    t.equal(new Set(started).size, started.length, 'no job searched twice')
    t.ok(started.length > 0 && started.length <= outcomes(farm[0].stdout).length + outcomes(farm[1].stdout).length, `${started.length} jobs searched`)
  })

  t.test('a worker fails a job it cannot use, with the reason, and takes the next', async t => {
    const queue = new Queue('reseer-xl-search', {connection: {host: '127.0.0.1', port: redis.port}})
    t.teardown(() => queue.close())
    await queue.add('interval', {hello: 'world'}, {jobId: 'not-a-search-job'})
    await queue.add('interval', {format: 1, domain: 'nowhere', interval: 0, bundle: '0'.repeat(64), settings: {}}, {jobId: 'missing-bundle'})
    const failed = async (id: string): Promise<string> => {
      for (;;) {
        // The state before the job: a job read while still active keeps no reason.
        if ((await queue.getJobState(id)) === 'failed') return (await Job.fromId(queue, id))!.failedReason
        await new Promise(resolve => setTimeout(resolve, 100))
      }
    }
    t.match(await failed('not-a-search-job'), /^job not-a-search-job is not a format-1 interval search job$/)
    t.match(await failed('missing-bundle'), /^nowhere interval 0: blob 0{64} is not in the search queue \(expired or flushed\)/)
    for (const worker of workers) t.equal(worker.child.exitCode, null, 'the worker runs on')
    const farm = await searchFarm(copyLog(a, 'after-bad-jobs'), redis.url)
    t.equal(farm.stderr, '', 'and searches after it')
  })

  t.test('without Redis: one line, a non-zero status, nothing written', async t => {
    const port = await freePort()
    const dir = copyLog(a, 'no-redis')
    const search = await searchFarm(dir, `redis://127.0.0.1:${port}`)
    t.equal(search.status, 1)
    t.match(search.stderr, new RegExp(`^reseer-xl: cannot reach the search queue at redis://127\\.0\\.0\\.1:${port}: .*ECONNREFUSED.*\\n$`))
    t.equal(search.stderr.split('\n').length, 2, 'one line')
    t.same(pathsOf(dir), [], 'no path written')
    const worker = await cliAsync(['worker', '--queue', `redis://127.0.0.1:${port}`])
    t.equal(worker.status, 1)
    t.match(worker.stderr, /^reseer-xl: cannot reach the search queue at redis:\/\/127\.0\.0\.1:\d+: .*\n$/)
    const bad = await cliAsync(['search', dir, '--queue', 'http://127.0.0.1/'])
    t.equal(bad.status, 2)
    t.match(bad.stderr, /^reseer-xl: --queue http:\/\/127\.0\.0\.1\/: expected a redis:\/\/ URL\n$/)
  })

  t.test('a stopped worker says what it did', async t => {
    const stopped = await stopWorker(workers[1])
    t.equal(stopped.code, 0)
    t.match(stopped.stdout, /^worker stopped: \d+ interval\(s\) searched, \d+ failed, \d+ handed back\n$/)
  })
}
