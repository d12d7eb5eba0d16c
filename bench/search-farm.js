// The search farm against the local pool, in one run: one recording of race
// cut into many small intervals, searched with the local worker pool (one
// thread per core) and then through a real redis-server by 1, 2 and 4
// `reseer-xl worker` processes of one thread each, every search from the
// same copy of the log with the same seed. Each farm run has a Redis and
// worker caches of its own, so nothing is collected from an earlier run.
// Imported by bench/search.js; also runs alone:
//   node bench/search-farm.js [--quick]

import {spawn, spawnSync} from 'node:child_process'
import {cpSync, mkdtempSync, rmSync} from 'node:fs'
import {availableParallelism, tmpdir} from 'node:os'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'
import {createServer} from 'node:net'
import {readFoundPath, pathIntervals} from '../dist/lib/log/found-path.js'
import {RecordSession} from '../dist/lib/record/session.js'
import {farmSearchLog} from '../dist/lib/search/farm/submit.js'
import {searchLog} from '../dist/lib/search/search-log.js'

const quick = process.argv.includes('--quick')
const root = fileURLToPath(new URL('..', import.meta.url))
const bin = join(root, 'bin/run.js')
const settings = {strategy: 'ga', seed: 1, maxEvaluations: quick ? 8 : 16, ga: {populationSize: quick ? 4 : 8}}

export async function farmBenchmark() {
  if (spawnSync('redis-server', ['--version']).error) {
    console.log('search farm: skipped, redis-server is not installed')
    return
  }
  const scratch = mkdtempSync(join(tmpdir(), 'reseer-bench-farm-'))
  try {
    const recording = join(scratch, 'race.reseer')
    const machine = {vcpus: 2, memoryMiB: 16, kernel: join(root, 'guests/build/race.elf'), cmdline: `m=${quick ? 20000 : 60000}`, disks: [], vifs: []}
    await RecordSession.boot(machine, recording, {creator: {tool: 'reseer-xl', version: 'bench'}, interval: {instructions: 5000}}).run()
    const copy = (label) => {
      const dir = join(scratch, label, 'race.reseer')
      cpSync(recording, dir, {recursive: true})
      return dir
    }
    const rows = []
    const local = copy('local')
    let started = performance.now()
    const reports = await searchLog(local, {settings, clock: () => performance.now()})
    const localMs = performance.now() - started
    const expected = pathsOf(local)
    rows.push({search: `local pool, ${availableParallelism()} threads`, intervals: reports.length, found: reports.filter(r => r.found).length, 'wall s': (localMs / 1000).toFixed(1), 'vs local': '1.00', 'same paths': 'yes', 'sent KiB': '-'})
    for (const count of [1, 2, 4]) {
      const redis = await startRedis()
      const workers = Array.from({length: count}, (_, i) => startWorker(redis.url, join(scratch, `cache-${count}-${i}`)))
      await Promise.all(workers.map(w => w.ready))
      const dir = copy(`farm-${count}`)
      let sent = 0
      started = performance.now()
      const farm = await farmSearchLog(dir, {settings, clock: () => performance.now(), queue: redis.url, onFarmProgress: p => (sent = p.sentBytes)})
      const ms = performance.now() - started
      for (const w of workers) w.process.kill('SIGTERM')
      await Promise.all(workers.map(w => w.exited))
      redis.process.kill('SIGKILL')
      const same = JSON.stringify(pathsOf(dir)) === JSON.stringify(expected)
      rows.push({
        search: `farm, ${count} worker process${count > 1 ? 'es' : ''}`, intervals: farm.length, found: farm.filter(r => r.found).length,
        'wall s': (ms / 1000).toFixed(1), 'vs local': (localMs / ms).toFixed(2), 'same paths': same ? 'yes' : 'NO', 'sent KiB': (sent / 1024).toFixed(0),
      })
    }
    console.log(`search farm against the local pool: race recorded every 5000 instructions per hart, GA capped at ${settings.maxEvaluations} evaluations per interval, seed 1; workers of one thread each on this ${availableParallelism()}-core machine`)
    console.table(rows)
  } finally {
    rmSync(scratch, {recursive: true, force: true})
  }
}

function pathsOf(dir) {
  return pathIntervals(dir).map(k => {
    const p = readFoundPath(dir, k)
    return [k, p.bits, Buffer.from(p.path).toString('hex')]
  })
}

async function startRedis() {
  const port = await new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const {port} = server.address()
      server.close(() => resolve(port))
    })
  })
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {stdio: ['ignore', 'pipe', 'ignore']})
  await new Promise((resolve) => {
    let out = ''
    child.stdout.on('data', (d) => {
      out += d
      if (out.includes('Ready to accept connections')) resolve()
    })
  })
  child.stdout.resume()
  return {url: `redis://127.0.0.1:${port}`, process: child}
}

function startWorker(url, cache) {
  const child = spawn(process.execPath, [bin, 'worker', '--queue', url, '--cache', cache, '-j', '1', '-v'], {stdio: ['ignore', 'ignore', 'pipe']})
  const ready = new Promise((resolve) => {
    let err = ''
    child.stderr.on('data', (d) => {
      err += d
      if (err.includes('worker ')) resolve()
    })
  })
  const exited = new Promise((resolve) => child.on('close', resolve))
  return {process: child, ready, exited}
}

if (import.meta.url === `file://${process.argv[1]}`) await farmBenchmark()
