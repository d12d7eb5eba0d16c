// Faults of a search farm, with a real redis-server and real processes: a
// worker killed mid-job loses nothing, a submitter killed and started again
// resumes without searching anything twice, and a Redis that dies stops
// submitter and worker with one clear line and an intact log.
import {spawn} from 'node:child_process'
import {Job, Queue} from 'bullmq'
import t from 'tap'
import {bin, cliAsync} from '../helpers/cli.js'
import {redisMissing, startRedis} from '../helpers/redis.js'
import {SEARCH, copyLog, outcomes, pathsOf, recordRace, searchFarm, searchLocal, startWorker, stopWorker} from './farm-fixture.js'

const missing = redisMissing()
if (missing) {
  t.plan(0, missing)
} else {
  const recording = await recordRace('race-faults')
  const localDir = copyLog(recording, 'local')
  const local = await searchLocal(localDir)
  const expected = {outcomes: outcomes(local.stdout), paths: pathsOf(localDir)}

  t.test('a worker killed mid-job loses nothing: its job goes back and another worker finishes it', async t => {
    const redis = await startRedis()
    t.teardown(() => redis.stop())
    const doomed = startWorker(redis.url, 'doomed')
    const dir = copyLog(recording, 'kill-worker')
    const search = searchFarm(dir, redis.url)
    const line = await doomed.waitFor(/: searching \(job /)
    const id = /\(job ([^)]+)\)/.exec(line)![1]
    doomed.child.kill('SIGKILL')
    t.equal((await doomed.exited).signal, 'SIGKILL')
    const rescuer = startWorker(redis.url, 'rescuer')
    t.teardown(() => stopWorker(rescuer))
    const result = await search
    t.equal(result.stderr, '')
    t.same(outcomes(result.stdout), expected.outcomes, 'every interval as the local search has it')
    t.same(pathsOf(dir), expected.paths, 'the same paths')
    const queue = new Queue('reseer-xl-search', {connection: {host: '127.0.0.1', port: redis.port}})
    t.teardown(() => queue.close())
    const job = (await Job.fromId(queue, id))!
    t.equal(await job.getState(), 'completed', `job ${id}, taken by the killed worker, completed`)
    t.match(job.processedBy, new RegExp(`:${rescuer.child.pid}$`), 'by the other worker')
    t.ok(job.stalledCounter >= 1, 'after it was found stalled')
  })

  t.test('a worker stopped with SIGTERM hands its job back, and another worker finishes it', async t => {
    const redis = await startRedis()
    t.teardown(() => redis.stop())
    const leaving = startWorker(redis.url, 'leaving')
    const dir = copyLog(recording, 'stop-worker')
    const search = searchFarm(dir, redis.url)
    await leaving.waitFor(/: searching \(job /)
    const stopped = await stopWorker(leaving)
    t.equal(stopped.code, 0)
    t.match(stopped.stdout, /^worker stopped: \d+ interval\(s\) searched, 0 failed, [01] handed back\n$/)
    const staying = startWorker(redis.url, 'staying')
    t.teardown(() => stopWorker(staying))
    const result = await search
    t.equal(result.stderr, '')
    t.same(outcomes(result.stdout), expected.outcomes, 'every interval as the local search has it')
    t.same(pathsOf(dir), expected.paths, 'the same paths')
  })

  t.test('a submitter killed and started again resumes without searching anything twice', async t => {
    const redis = await startRedis()
    t.teardown(() => redis.stop())
    const worker = startWorker(redis.url, 'steady')
    t.teardown(() => stopWorker(worker))
    const dir = copyLog(recording, 'restart')
    const first = spawn(process.execPath, [bin, 'search', dir, ...SEARCH, '--queue', redis.url], {stdio: 'ignore'})
    await worker.waitFor(/ interval \d+: (found|NOT found) after/)
    first.kill('SIGKILL')
    await new Promise(resolve => first.on('close', resolve))
    const before = pathsOf(dir)
    t.ok(before.every(p => expected.paths.includes(p)), `${before.length} path(s) written before the kill, each as the local search has it`)
    const again = await searchFarm(dir, redis.url, ['-v'])
    t.equal(again.status, local.status)
    t.same(outcomes(again.stdout), expected.outcomes, 'every interval as the local search has it')
    t.same(pathsOf(dir), expected.paths, 'the same paths')
    t.equal(again.stderr.split('\n').filter(l => /already has a path/.test(l)).length, before.length, 'the paths written before are not searched again')
    const started = worker.log().split('\n').filter(l => /: searching \(job /.test(l))
    t.equal(new Set(started).size, started.length, 'no job was searched twice')
  })

  t.test('a Redis that dies stops submitter and worker with one line each and leaves the log intact', async t => {
    const redis = await startRedis()
    t.teardown(() => redis.stop())
    const worker = startWorker(redis.url, 'orphan')
    t.teardown(() => stopWorker(worker))
    const dir = copyLog(recording, 'redis-dies')
    const search = searchFarm(dir, redis.url)
    await worker.waitFor(/: searching \(job /)
    await redis.stop()
    const result = await search
    t.equal(result.status, 1)
    t.match(result.stderr, new RegExp(`^reseer-xl: lost the search queue at redis://127\\.0\\.0\\.1:${redis.port}: .*; \\d+ interval\\(s\\) of .* have paths, the log is intact; run the same search again to resume\\n$`))
    const verify = await cliAsync(['log', 'verify', dir])
    t.equal(verify.status, 0, 'log verify finds the log intact')
    t.ok(pathsOf(dir).every(p => expected.paths.includes(p)), 'the paths written are as the local search has them')
    const stopped = await worker.exited
    t.equal(stopped.code, 1)
    t.match(stopped.stderr.split('\n').filter(l => l.startsWith('reseer-xl:')), [/^reseer-xl: lost the search queue at redis:\/\/127\.0\.0\.1:\d+: .*; this worker stops$/])
  })
}
