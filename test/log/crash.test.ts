// The crash test: a writer is SIGKILLed at random moments, over and over, and
// after every kill the log must read back as everything up to the last
// complete record, with every visible checkpoint whole; the next writer cuts
// the torn tail and goes on.
import t, {type Test} from 'tap'
import {type ChildProcess, spawn} from 'node:child_process'
import {mkdirSync, readFileSync, readdirSync, writeFileSync} from 'node:fs'
import {dirname, join} from 'node:path'
import {fileURLToPath} from 'node:url'
import ts from 'typescript'
import {LogReader} from '../../src/lib/log/reader.js'
import {verifyLog} from '../../src/lib/log/verify.js'
import {LogWriter} from '../../src/lib/log/writer.js'
import {CRASH_EVENT, CRASH_VCPUS, checkpointPages, eventPayload, expectedMemories} from './crash-plan.js'

const root = fileURLToPath(new URL('../../', import.meta.url))
const KILLS = 20
// On a slow or busy machine the kills stop after this long, but never before MIN_KILLS.
const MIN_KILLS = 6
const BUDGET_MS = 20_000

/**
 * Compile the writer and what it imports to plain JavaScript once: a child
 * under the test's TypeScript loader would spend seconds starting, per kill.
 */
function buildChild(out: string): string {
  const sources = [
    ...readdirSync(join(root, 'src/lib/log')).map((f) => `src/lib/log/${f}`),
    'src/lib/cli/errors.ts',
    'test/log/crash-writer.ts', 'test/log/crash-plan.ts', 'test/log/fixture.ts',
  ].filter((f) => f.endsWith('.ts'))
  for (const file of sources) {
    const js = ts.transpileModule(readFileSync(join(root, file), 'utf8'), {
      compilerOptions: {module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022},
    }).outputText
    const target = join(out, file.replace(/\.ts$/, '.js'))
    mkdirSync(dirname(target), {recursive: true})
    writeFileSync(target, js)
  }
  writeFileSync(join(out, 'package.json'), '{"type": "module"}\n')
  return join(out, 'test/log/crash-writer.js')
}

/** A small seeded generator, so a failing run's kill delays can be repeated. */
function delays(seed: number): () => number {
  let s = seed >>> 0
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0
    return 10 + (s % 240)
  }
}

function runUntilKilled(script: string, dir: string, delay: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const child: ChildProcess = spawn(process.execPath, [script, dir], {stdio: ['ignore', 'pipe', 'pipe']})
    let stderr = ''
    child.stderr!.on('data', (d) => (stderr += d))
    child.stdout!.once('data', () => setTimeout(() => child.kill('SIGKILL'), delay))
    child.on('exit', (code, signal) => (signal === 'SIGKILL' ? resolve() : reject(new Error(`writer exited with ${code}: ${stderr}`))))
  })
}

/**
 * Everything a log that survived a crash must satisfy. Checkpoints from
 * `from` on are checked in full (earlier ones were checked after earlier kills).
 */
function checkSurvivor(t: Test, dir: string, round: number, from: number): number {
  const report = verifyLog(dir)
  const bad = report.files.filter((f) => f.status === 'corrupt' || f.status === 'missing')
  t.same(bad, [], `round ${round}: nothing is corrupt, at most torn`)
  const reader = LogReader.open(dir)
  try {
    t.same(reader.damage, [], `round ${round}: the checkpoint chain is whole`)
    for (let v = 0; v < CRASH_VCPUS; v++) {
      // Events are exactly 1, 2, 3, ... with nothing misread or lost before the tail.
      let n = 1n
      let wrong = 0
      const it = reader.events(v)
      let step = it.next()
      for (; !step.done; step = it.next()) {
        if (step.value.instret !== n || !Buffer.from(step.value.payload).equals(eventPayload(v, n))) wrong++
        n++
      }
      t.equal(wrong, 0, `round ${round}: vCPU ${v}'s ${n - 1n} events are intact`)
      t.not(step.value.status, 'corrupt')
    }
    const memories = expectedMemories()
    for (let k = 0; k < reader.checkpointCount; k++) {
      const expected = memories.next().value as Buffer
      if (k < from) continue
      const c = reader.checkpoint(k)
      const counts = c.vcpus.map((v) => v.instret)
      const inStream = c.streamBytes.map((to, v) => {
        let n = 0n
        for (const _ of reader.events(v, {to})) n++
        return n
      })
      if (String(counts) !== String(inStream) || Buffer.from(c.device).toString() !== `device@${k}` || !reader.memoryAt(k).equals(expected)) {
        t.fail(`round ${round}: checkpoint ${k} is not what was written`)
      }
    }
  } finally {
    reader.close()
  }
  return report.files.filter((f) => f.status === 'torn').length
}

t.test('a writer killed at random moments leaves a log that reads back and continues', async (t) => {
  const base = t.testdir()
  const script = buildChild(join(base, 'child'))
  const dir = join(base, 'crash.reseer')
  const seed = Number(process.env.RESEER_CRASH_SEED ?? Date.now() % 100000)
  t.comment(`kill delays from seed ${seed} (set RESEER_CRASH_SEED to repeat)`)
  const next = delays(seed)
  let checkpoints = 0
  const started = Date.now()
  let round = 0
  let torn = 0
  for (; round < KILLS && (round < MIN_KILLS || Date.now() - started < BUDGET_MS); round++) {
    await runUntilKilled(script, dir, next())
    torn += checkSurvivor(t, dir, round, Math.max(0, checkpoints - 1))
    const reader = LogReader.open(dir)
    t.ok(reader.checkpointCount >= checkpoints, `round ${round}: no visible checkpoint is lost`)
    checkpoints = reader.checkpointCount
    reader.close()
  }
  t.comment(`${round} kills left ${torn} torn tails behind`)
  t.ok(checkpoints > 0, 'the writers got checkpoints done')
  // A last writer in this process resumes cleanly and leaves an intact log.
  const {writer, resumed} = LogWriter.openForAppend(dir)
  t.equal(resumed.checkpoints, checkpoints)
  const counts: bigint[] = []
  for (let v = 0; v < CRASH_VCPUS; v++) {
    counts.push(writer.lastInstret(v) + 1n)
    writer.append(v, CRASH_EVENT, counts[v], eventPayload(v, counts[v]))
  }
  writer.checkpoint({vcpus: counts.map((n) => ({state: Buffer.alloc(1), instret: n})), device: Buffer.from(`device@${checkpoints}`), pages: checkpointPages(checkpoints)})
  writer.close()
  const report = verifyLog(dir)
  t.ok(report.intact, 'after a clean close the log is intact')
  t.equal(report.checkpoints, checkpoints + 1)
  checkSurvivor(t, dir, round, 0)
})
