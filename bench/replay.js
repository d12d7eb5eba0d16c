#!/usr/bin/env node
// Replay speed against record speed, per workload, in one run: each bundled
// workload on 2 harts is recorded (ReSeer mode, and CREW mode), and the CREW
// log, which needs no search, is replayed on the deterministic machine,
// verified at every checkpoint. Speeds are guest instructions per second per
// hart: a hart's retired instructions over the wall time of the whole
// recording or replay (log creation and loading included). Recording runs
// the harts in parallel, one thread each; replay runs them in turn on one
// thread. With --search the ReSeer log is searched too (bounded by
// --max-evaluations per interval) and replayed along its found paths as far
// as paths were found. Runs over dist/ (npm run build).
//
//   node bench/replay.js [--runs N] [--interval-ms MS] [--search] [--max-evaluations N] [workload...]
import {mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'
import {parseArgs} from 'node:util'
import {LogReader} from '../dist/lib/log/reader.js'
import {RecordSession} from '../dist/lib/record/session.js'
import {replayLog} from '../dist/lib/replay/replay-log.js'
import {searchLog} from '../dist/lib/search/search-log.js'

const root = fileURLToPath(new URL('..', import.meta.url))
const {values, positionals} = parseArgs({
  allowPositionals: true,
  options: {
    runs: {type: 'string', default: '1'},
    'interval-ms': {type: 'string'},
    search: {type: 'boolean', default: false},
    'max-evaluations': {type: 'string', default: '200'},
  },
})
const runs = Number(values.runs)
const interval = values['interval-ms'] ? {ms: Number(values['interval-ms'])} : undefined
const workloads = positionals.length > 0 ? positionals : ['race', 'pingpong', 'compress', 'radix', 'dbench']

function options(name, scratch) {
  const cfg = readFileSync(join(root, 'examples', `${name}.cfg`), 'utf8')
  const disks = []
  if (name === 'dbench') {
    const image = join(scratch, 'dbench.img')
    writeFileSync(image, Buffer.alloc(1 << 20))
    disks.push({path: image, readonly: false})
  }
  return {vcpus: 2, memoryMiB: 64, kernel: join(root, 'guests/build', `${name}.elf`), cmdline: /^extra\s*=\s*"([^"]*)"/m.exec(cfg)?.[1] ?? '', disks, vifs: []}
}

/** Instructions each hart retired over the whole log. */
function instructions(dir, to) {
  const reader = LogReader.open(dir)
  try {
    return reader.checkpoint(to ?? reader.checkpointCount - 1).vcpus.map((v) => Number(v.instret))
  } finally {
    reader.close()
  }
}

async function recordOne(name, scratch, mode, run) {
  const dir = join(scratch, `${name}-${mode}-${run}.reseer`)
  const started = performance.now()
  const result = await RecordSession.boot(options(name, scratch), dir, {creator: {tool: 'reseer-xl', version: 'bench'}, mode, interval}).run()
  const ms = performance.now() - started
  if (result.end.kind !== 'halt') throw new Error(`${name} ${mode}: ${JSON.stringify(result.end)}`)
  return {dir, ms, perHart: instructions(dir)}
}

async function replayOne(dir, to) {
  const started = performance.now()
  const report = await replayLog(dir, {to})
  const ms = performance.now() - started
  if (report.mismatch) throw new Error(`${dir}: replay diverged before checkpoint ${report.mismatch.checkpoint}: ${report.mismatch.what}`)
  return {ms, perHart: report.instructions, checkpoints: report.verifiedCheckpoints}
}

/** Millions of instructions per second per hart. */
const speed = ({ms, perHart}) => perHart.reduce((a, b) => a + b, 0) / perHart.length / (ms / 1000) / 1e6
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]
const fmt = (x) => (x === undefined ? '-' : x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2))

const rows = []
for (const name of workloads) {
  const scratch = mkdtempSync(join(tmpdir(), 'reseer-bench-replay-'))
  const s = {reseer: [], crew: [], replayCrew: [], replayPaths: [], notes: []}
  try {
    for (let run = 0; run < runs; run++) {
      const reseer = await recordOne(name, scratch, 'reseer', run)
      s.reseer.push(speed(reseer))
      const crew = await recordOne(name, scratch, 'crew', run)
      s.crew.push(speed(crew))
      const replayed = await replayOne(crew.dir)
      s.replayCrew.push(speed(replayed))
      s.instructions = crew.perHart
      if (values.search) {
        const searched = await searchLog(reseer.dir, {clock: () => performance.now(), settings: {seed: 1, maxEvaluations: Number(values['max-evaluations'])}})
        const found = searched.findIndex((r) => !r.found)
        const to = found < 0 ? searched.length : found
        if (to > 0) s.replayPaths.push(speed(await replayOne(reseer.dir, to)))
        s.notes.push(`${to} of ${searched.length} intervals found`)
      }
      rmSync(reseer.dir, {recursive: true})
      rmSync(crew.dir, {recursive: true})
    }
  } catch (error) {
    s.failed = error.message
  }
  rmSync(scratch, {recursive: true, force: true})
  rows.push({name, ...s})
}

const header = ['workload', 'M instr/hart', 'record reseer', 'record crew', 'replay crew', 'replay/record', ...(values.search ? ['replay paths', 'found'] : [])]
const cells = rows.map((r) => {
  const [rec, crew, rep] = [median(r.reseer), median(r.crew), median(r.replayCrew)]
  return [
    r.name, r.instructions ? r.instructions.map((n) => (n / 1e6).toFixed(1)).join('/') : '-', fmt(rec), fmt(crew), fmt(rep),
    rec && rep ? (rep / rec).toFixed(2) : '-',
    ...(values.search ? [fmt(median(r.replayPaths)), r.notes.at(-1) ?? '-'] : []),
  ]
})
const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i].length)))
const line = (c) => `| ${c.map((x, i) => x.padStart(widths[i])).join(' | ')} |`
console.log('speeds in millions of guest instructions per second per hart (2 harts)')
console.log(line(header))
console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`)
for (const c of cells) console.log(line(c))
for (const r of rows) if (r.failed) console.log(`${r.name}: ${r.failed}`)
console.log(`${runs} run(s) each, median; interval ${interval ? `${interval.ms} ms` : 'default'}; ${new Date().toISOString().slice(0, 10)}`)
