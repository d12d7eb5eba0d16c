// What the search farm tests share: small race recordings, copies of a log
// directory, worker processes of the built CLI, and the paths a log holds.
import {type ChildProcess, spawn} from 'node:child_process'
import {cpSync, mkdtempSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {readFoundPath, pathIntervals} from '../../src/lib/log/found-path.js'
import {bin, cliAsync} from '../helpers/cli.js'
import {freshLogDir, record, workload} from '../record/recording.js'

/** Small, cheap to search: few increments, a checkpoint every 5000 instructions per hart. */
export async function recordRace(name: string): Promise<string> {
  const dir = freshLogDir(name)
  await record(workload('race', {memoryMiB: 16, cmdline: 'm=20000'}), dir, {interval: {instructions: 5000}})
  return dir
}

/** A copy of a log directory, for one search of it. */
export function copyLog(dir: string, label: string): string {
  const copy = join(mkdtempSync(join(tmpdir(), `reseer-farm-${label}-`)), 'race.reseer')
  cpSync(dir, copy, {recursive: true})
  return copy
}

/** The search flags every farm test uses: a small population and few runs per interval, so that each search is quick. */
export const SEARCH = ['--max-evaluations', '8', '--population', '4']

export interface IntervalOutcome {
  interval: number
  found: boolean
  evaluations: number
  generations: number
  fitness: number
  decisions: number
  seed: number | string
  firstDifference?: string
}

/** What a search reported per interval, without wall times and without whether it was skipped. */
export function outcomes(json: string): IntervalOutcome[] {
  const report = JSON.parse(json) as {intervals: (IntervalOutcome & Record<string, unknown>)[]}
  return report.intervals.map(r => ({
    interval: r.interval, found: r.found, evaluations: r.evaluations, generations: r.generations,
    fitness: r.fitness, decisions: r.decisions, seed: r.seed, ...(r.firstDifference ? {firstDifference: r.firstDifference} : {}),
  }))
}

/** Every found path of a log: interval, bit length, the bits in hex, seed and evaluations. */
export function pathsOf(dir: string): string[] {
  return pathIntervals(dir).map(k => {
    const p = readFoundPath(dir, k)!
    return `${k}: ${p.bits} bits ${Buffer.from(p.path).toString('hex')} seed ${String(p.meta.seed)} after ${p.meta.evaluations}`
  })
}

export function searchLocal(dir: string, extra: string[] = []): ReturnType<typeof cliAsync> {
  return cliAsync(['search', dir, ...SEARCH, '--json', ...extra])
}

export function searchFarm(dir: string, url: string, extra: string[] = []): ReturnType<typeof cliAsync> {
  return cliAsync(['search', dir, ...SEARCH, '--json', '--queue', url, ...extra])
}

export interface WorkerProcess {
  child: ChildProcess
  /** Its stderr so far: -v -v lines, one per job start and one per job end. */
  log(): string
  exited: Promise<{code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string}>
  /** Resolves when a line matching `pattern` has appeared. */
  waitFor(pattern: RegExp): Promise<string>
}

/**
 * A worker process of the built CLI with a cache and a working directory of
 * its own: it shares no files with the submitter.
 */
export function startWorker(url: string, label: string): WorkerProcess {
  const home = mkdtempSync(join(tmpdir(), `reseer-worker-${label}-`))
  const child = spawn(process.execPath, [bin, 'worker', '--queue', url, '--cache', join(home, 'cache'), '-j', '1', '-v', '-v'], {cwd: home, stdio: ['ignore', 'pipe', 'pipe']})
  let stdout = ''
  let stderr = ''
  const waiters: {pattern: RegExp; resolve: (line: string) => void}[] = []
  child.stdout!.on('data', (d: Buffer) => (stdout += d))
  child.stderr!.on('data', (d: Buffer) => {
    stderr += d
    for (const waiter of [...waiters]) {
      const match = stderr.split('\n').find(line => waiter.pattern.test(line))
      if (match) {
        waiters.splice(waiters.indexOf(waiter), 1)
        waiter.resolve(match)
      }
    }
  })
  const exited = new Promise<{code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string}>((resolve) =>
    child.on('close', (code, signal) => resolve({code, signal, stdout, stderr})))
  return {
    child,
    log: () => stderr,
    exited,
    waitFor: (pattern) => new Promise((resolve) => {
      const match = stderr.split('\n').find(line => pattern.test(line))
      if (match) resolve(match)
      else waiters.push({pattern, resolve})
    }),
  }
}

/** Stop a worker the polite way and wait for it. */
export async function stopWorker(worker: WorkerProcess): Promise<Awaited<WorkerProcess['exited']>> {
  if (worker.child.exitCode === null && worker.child.signalCode === null) worker.child.kill('SIGTERM')
  return worker.exited
}
