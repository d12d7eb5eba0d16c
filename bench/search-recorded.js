#!/usr/bin/env node
// Search on real recordings: each bundled workload recorded on the parallel
// machine (2 harts on 2 cores) at a checkpoint interval, then every interval
// searched with the GA under a time limit, three times on the same recording,
// side by side: with the elastic and pace seeds and the split and cut searches
// only; with the loose elastic seeds and the swap, defer and end searches as
// well; and with the charged elastic seeds, the slide search, the elastic end
// search, the wait search and the spin search too (the default now; the nearest-miss rule and the settling from every loose seed,
// which no setting turns off, are in the last two). --recordings N records
// each workload N times. Prints
// per workload and way the intervals found, the median and worst wall time
// of a found interval, how many were found in the first generation within 24
// evaluations (as many as the default seeds), and the evaluations per second.
//
//   node bench/search-recorded.js [--interval 5ms] [--limit 20s] [--seed 1] [--jobs 2] [--recordings 1] [--keep DIR] [workload ...]
//
// Run `npm run build` first. The figures depend on how the recording went
// (how the host scheduled the hart threads), so they vary from run to run;
// run it on a quiet machine.
import {execFileSync} from 'node:child_process'
import {cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {performance} from 'node:perf_hooks'
import {fileURLToPath} from 'node:url'
import {searchLog} from '../dist/lib/search/search-log.js'
import {parseDuration} from '../dist/lib/cli/durations.js'

const root = fileURLToPath(new URL('..', import.meta.url))
const args = process.argv.slice(2)
const option = (name, fallback) => {
  const i = args.indexOf(name)
  if (i < 0) return fallback
  const value = args[i + 1]
  args.splice(i, 2)
  return value
}
const interval = option('--interval', '5ms')
const limit = option('--limit', '20s')
const seed = Number(option('--seed', '1'))
const jobs = Number(option('--jobs', '2'))
const workloads = args.length > 0 ? args : ['race', 'pingpong', 'compress', 'radix', 'dbench', 'selftest']
const recordings = Number(option('--recordings', '1'))
// --keep DIR: copy each recording where some way missed an interval there, to look into.
const keep = option('--keep', undefined)
const ways = [
  ['elastic + pace seeds', {ga: {looseElasticSlacks: [], chargedElasticSlacks: [], swapSteps: 0, slideSteps: 0, deferSteps: 0, endSteps: 0, elasticEndSteps: 0, waitSteps: 0, spinSteps: 0}}],
  ['+ loose seeds, swap, defer, end', {ga: {chargedElasticSlacks: [], slideSteps: 0, elasticEndSteps: 0, waitSteps: 0, spinSteps: 0}}],
  ['+ charged seeds, slides, elastic end, waits, spins (now)', {}],
]

const work = mkdtempSync(join(tmpdir(), 'reseer-bench-search-'))
const cli = (...argv) => JSON.parse(execFileSync(join(root, 'bin/run.js'), [...argv, '--json'], {cwd: work, encoding: 'utf8', maxBuffer: 1 << 28}))
const median = values => {
  if (values.length === 0) return NaN
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor((sorted.length - 1) / 2)]
}
const seconds = ms => (Number.isFinite(ms) ? (ms / 1000).toFixed(2) : '–')

console.log(`search on recordings: interval ${interval}, GA seed ${seed}, --jobs ${jobs}, ${limit} per interval`)
console.log('| workload | intervals | seeds | found | found by a first seed | median s (found) | worst s (found) | evaluations/s |')
console.log('| --- | --- | --- | --- | --- | --- | --- | --- |')
const totals = ways.map(() => ({found: 0, intervals: 0}))
try {
  for (const name of workloads) {
    // The example configs, with the guest and disk paths made absolute.
    const config = readFileSync(join(root, 'examples', `${name}.cfg`), 'utf8').replaceAll('../guests/', join(root, 'guests') + '/')
    writeFileSync(join(work, `${name}.cfg`), config)
    if (name === 'dbench') writeFileSync(join(work, 'dbench.img'), Buffer.alloc(4 << 20))
    if (name === 'netperf') continue // needs a peer on the host
    for (let r = 1; r <= recordings; r++) {
    cli('record', `${name}.cfg`, '-f', '--interval', interval)
    let missed = false
    for (const [w, [label, settings]] of ways.entries()) {
      const searched = await searchLog(join(work, `${name}.reseer`), {
        jobs, redo: true, clock: () => performance.now(),
        settings: {...settings, seed, timeLimitMs: parseDuration(limit)},
      })
      const found = searched.filter(r => r.found)
      if (found.length < searched.length) missed = true
      const bySeed = found.filter(r => r.generations <= 1 && r.evaluations <= 24)
      const evaluations = searched.reduce((n, r) => n + r.evaluations, 0)
      const wall = searched.reduce((n, r) => n + r.wallMs, 0)
      const walls = found.map(r => r.wallMs)
      totals[w].found += found.length
      totals[w].intervals += searched.length
      console.log(`| ${name}${recordings > 1 ? ` ${r}` : ''} | ${searched.length} | ${label} | ${found.length} | ${bySeed.length} | ${seconds(median(walls))} | ${seconds(Math.max(...walls))} | ${(evaluations / (wall / 1000)).toFixed(1)} |`)
    }
    if (keep && missed) cpSync(join(work, `${name}.reseer`), join(keep, `${name}-${r}.reseer`), {recursive: true})
    }
  }
  console.log('')
  for (const [w, [label]] of ways.entries()) console.log(`${label}: ${totals[w].found} of ${totals[w].intervals} intervals found`)
} finally {
  rmSync(work, {recursive: true, force: true})
}
