#!/usr/bin/env node
// Search on real recordings: each bundled workload recorded on the parallel
// machine (2 harts on 2 cores) at a checkpoint interval, then every interval
// searched with the GA under a time limit, through the same verbs a user runs.
// Prints per workload the intervals found, the median and worst wall time of
// a found interval, how many were found by the first pace-following run
// alone, and the evaluations per second.
//
//   node bench/search-recorded.js [--interval 5ms] [--limit 30s] [--seed 1] [--jobs 2] [workload ...]
//
// The figures depend on how the recording went (how the host scheduled the
// hart threads), so they vary from run to run; run it on a quiet machine.
import {execFileSync} from 'node:child_process'
import {mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'

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
const limit = option('--limit', '30s')
const seed = option('--seed', '1')
const jobs = option('--jobs', '2')
const workloads = args.length > 0 ? args : ['race', 'pingpong', 'compress', 'radix', 'dbench', 'selftest']

const work = mkdtempSync(join(tmpdir(), 'reseer-bench-search-'))
const cli = (...argv) => JSON.parse(execFileSync(join(root, 'bin/run.js'), [...argv, '--json'], {cwd: work, encoding: 'utf8', maxBuffer: 1 << 28}))
const median = values => {
  if (values.length === 0) return NaN
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor((sorted.length - 1) / 2)]
}
const seconds = ms => (Number.isFinite(ms) ? (ms / 1000).toFixed(2) : '–')

console.log(`search on recordings: interval ${interval}, GA seed ${seed}, --jobs ${jobs}, ${limit} per interval`)
console.log('| workload | intervals | found | found by a pace seed | median s (found) | worst s (found) | evaluations/s |')
console.log('| --- | --- | --- | --- | --- | --- | --- |')
try {
  for (const name of workloads) {
    // The example configs, with the guest and disk paths made absolute.
    const config = readFileSync(join(root, 'examples', `${name}.cfg`), 'utf8').replaceAll('../guests/', join(root, 'guests') + '/')
    writeFileSync(join(work, `${name}.cfg`), config)
    if (name === 'dbench') writeFileSync(join(work, 'dbench.img'), Buffer.alloc(4 << 20))
    if (name === 'netperf') continue // needs a peer on the host
    cli('record', `${name}.cfg`, '-f', '--interval', interval)
    let search
    try {
      search = cli('search', `${name}.reseer`, '--seed', seed, '-j', jobs, '--time-limit', limit)
    } catch (error) {
      // search exits 1 when an interval is not found; its JSON is on stdout all the same.
      search = JSON.parse(error.stdout)
    }
    const searched = search.intervals.filter(r => !r.skipped)
    const found = searched.filter(r => r.found)
    const byPace = found.filter(r => r.generations <= 1 && r.evaluations <= 8)
    const evaluations = searched.reduce((n, r) => n + r.evaluations, 0)
    const wall = searched.reduce((n, r) => n + r.wallMs, 0)
    const walls = found.map(r => r.wallMs)
    console.log(`| ${name} | ${searched.length} | ${found.length} | ${byPace.length} | ${seconds(median(walls))} | ${seconds(Math.max(...walls))} | ${(evaluations / (wall / 1000)).toFixed(1)} |`)
  }
} finally {
  rmSync(work, {recursive: true, force: true})
}
