#!/usr/bin/env node
// Recording overhead: each bundled workload on 2 harts (one worker thread
// each, so 2 cores), run side by side unrecorded and recorded, with the
// median wall time of several runs, the overhead ratio, and how fast the
// event streams and the checkpoint store grow. Runs over dist/ (npx tsc -p .).
//
//   node bench/record.js [--runs N] [--interval-ms MS] [--modes reseer,crew] [--long] [workload...]
//
// --long runs each workload with parameters that make it last seconds rather
// than a fraction of one, so that the fixed cost of a recording (creating the
// log, checkpoint 0, the final checkpoint) stops hiding the steady-state overhead.
import {mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {loadavg, tmpdir} from 'node:os'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'
import {parseArgs} from 'node:util'
import {RecordSession} from '../dist/lib/record/session.js'
import {ParallelMachine} from '../dist/lib/sim/parallel/parallel-machine.js'

const root = fileURLToPath(new URL('..', import.meta.url))

/**
 * CPU time of this (the main) thread in ms, where Linux tells it (clock ticks
 * of 10 ms): the recorder's own work, which on a 2-core host competes with
 * the two harts. NaN elsewhere.
 */
function mainThreadCpuMs() {
  try {
    const fields = readFileSync('/proc/thread-self/stat', 'utf8').split(') ')[1].split(' ')
    return (Number(fields[11]) + Number(fields[12])) * 10
  } catch {
    return Number.NaN
  }
}
const {values, positionals} = parseArgs({
  allowPositionals: true,
  options: {long: {type: 'boolean', default: false}, runs: {type: 'string', default: '3'}, 'interval-ms': {type: 'string'}, modes: {type: 'string', default: 'reseer,crew'}},
})
const runs = Number(values.runs)
const interval = values['interval-ms'] ? {ms: Number(values['interval-ms'])} : undefined
const workloads = positionals.length > 0 ? positionals : ['race', 'pingpong', 'compress', 'radix', 'dbench']

// Parameters for --long: each workload for one to two seconds unrecorded on
// this machine (radix sorting 8 M keys, 64 MiB of arrays, in 128 MiB of
// RAM; dbench over a 64 MiB disk).
const LONG = {race: 'm=200000000', pingpong: 'k=5000000', compress: 'n=8388608 chunk=4096', radix: 'n=8388608', dbench: 'ops=16384 sectors=8'}
const LONG_MEMORY_MIB = {radix: 128}

function bootargs(name) {
  if (values.long && LONG[name]) return LONG[name]
  const cfg = readFileSync(join(root, 'examples', `${name}.cfg`), 'utf8')
  return /^extra\s*=\s*"([^"]*)"/m.exec(cfg)?.[1] ?? ''
}

function options(name, scratch) {
  const disks = []
  if (name === 'dbench') {
    const image = join(scratch, 'dbench.img')
    // ops * sectors * 512 bytes, as the guest needs.
    writeFileSync(image, Buffer.alloc(values.long ? 64 << 20 : 1 << 20))
    disks.push({path: image, readonly: false})
  }
  return {vcpus: 2, memoryMiB: (values.long && LONG_MEMORY_MIB[name]) || 64, kernel: join(root, 'guests/build', `${name}.elf`), cmdline: bootargs(name), disks, vifs: []}
}

async function unrecorded(name, scratch) {
  const started = performance.now()
  const outcome = await new ParallelMachine(options(name, scratch)).start()
  if (outcome.kind !== 'poweroff') throw new Error(`${name}: ${JSON.stringify(outcome)}`)
  return {ms: performance.now() - started}
}

async function recorded(name, scratch, mode, run) {
  const dir = join(scratch, `${name}-${mode}-${run}.reseer`)
  const started = performance.now()
  const cpu = mainThreadCpuMs()
  const session = RecordSession.boot(options(name, scratch), dir, {creator: {tool: 'reseer-xl', version: 'bench'}, mode, interval})
  const result = await session.run()
  const ms = performance.now() - started
  const mainCpu = mainThreadCpuMs() - cpu
  if (result.end.kind !== 'halt') throw new Error(`${name}: ${JSON.stringify(result.end)}`)
  rmSync(dir, {recursive: true})
  return {ms, mainCpu, events: result.progress.eventBytes, checkpoints: result.progress.checkpointBytes, count: result.progress.checkpoints, paused: result.progress.pausedMs}
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]
const rate = (bytes, ms) => `${(bytes / 1024 / (ms / 1000)).toFixed(1)}`

const modes = values.modes.split(',')
const rows = []
for (const name of workloads) {
  const scratch = mkdtempSync(join(tmpdir(), 'reseer-bench-'))
  const samples = {plain: [], reseer: [], crew: []}
  // Interleaved, so that a slow spell of the host weighs on every column alike.
  for (let run = 0; run < runs; run++) {
    samples.plain.push(await unrecorded(name, scratch))
    for (const mode of modes) {
      try {
        samples[mode].push(await recorded(name, scratch, mode, run))
      } catch (error) {
        samples[mode].failed = error.message
      }
    }
  }
  rmSync(scratch, {recursive: true})
  const plain = median(samples.plain.map((s) => s.ms))
  const row = {name, plain}
  for (const mode of ['reseer', 'crew']) {
    const list = samples[mode]
    if (list.length === 0) {
      row[mode] = {failed: list.failed ?? 'not run'}
      continue
    }
    const pick = list.find((s) => s.ms === median(list.map((x) => x.ms)))
    row[mode] = {
      ms: pick.ms, ratio: pick.ms / plain, events: rate(pick.events, pick.ms), checkpoints: rate(pick.checkpoints, pick.ms), count: pick.count,
      // The share of the recording the harts spent parked for checkpoints: far steadier than wall-time ratios on a busy host.
      paused: median(list.map((s) => (100 * s.paused) / s.ms)).toFixed(1),
      // The main thread's CPU as a share of the recording's wall time: steady too, and what a third core would absorb.
      mainCpu: median(list.map((s) => (100 * s.mainCpu) / s.ms)).toFixed(0),
    }
  }
  rows.push(row)
}

const header = ['workload', 'plain ms', 'reseer ms', 'ratio', 'paused %', 'main CPU %', 'ev KiB/s', 'ckpt KiB/s', 'ckpts', 'crew ms', 'ratio', 'ev KiB/s', 'ckpt KiB/s']
const cells = rows.map((r) => [
  r.name, r.plain.toFixed(0),
  ...['reseer', 'crew'].flatMap((mode) => {
    const m = r[mode]
    if (m.failed) return mode === 'reseer' ? ['-', '-', '-', '-', '-', '-', '-'] : ['-', '-', '-', '-']
    const [ms, ratio] = [m.ms.toFixed(0), m.ratio.toFixed(3)]
    return mode === 'reseer' ? [ms, ratio, m.paused, m.mainCpu, m.events, m.checkpoints, String(m.count)] : [ms, ratio, m.events, m.checkpoints]
  }),
])
const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i].length)))
const line = (c) => `| ${c.map((x, i) => x.padStart(widths[i])).join(' | ')} |`
console.log(line(header))
console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`)
for (const c of cells) console.log(line(c))
for (const r of rows) {
  for (const mode of ['reseer', 'crew']) if (r[mode].failed) console.log(`${r.name} ${mode}: ${r[mode].failed}`)
}
const load = loadavg().map((l) => l.toFixed(2)).join(' ')
console.log(`${runs} runs each, median; interval ${interval ? `${interval.ms} ms` : 'default'}; load average at the end ${load}; ${new Date().toISOString().slice(0, 10)}`)
