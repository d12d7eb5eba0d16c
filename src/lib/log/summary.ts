// Per-interval sharing summaries: summaries/NNNNNN.sum describes interval k
// (from checkpoint k to k+1) and is written by the recorder when it takes
// checkpoint k+1. For each vCPU it holds the pages the vCPU read and the
// pages it wrote in that interval; the search takes its decision points from
// the pages two vCPUs share with at least one writer.
//
// Envelope (envelope.ts) with JSON {interval, vcpus: [{readRuns, writeRuns}]}
// and a body of runs, vCPU by vCPU, reads then writes: each run is
// (u32 first page, u32 page count), runs sorted and not touching.
import {join} from 'node:path'
import {ReseerError} from '../cli/errors.js'
import {damaged, openEnvelope, readIntervalFile, sealEnvelope} from './envelope.js'
import {writeFileAtomic} from './fsync.js'
import {MAGIC, summaryFile} from './layout.js'

export interface VcpuSharing {
  /** Page numbers read in the interval, sorted ascending, no repeats. */
  read: Uint32Array
  /** Page numbers written in the interval, sorted ascending, no repeats. */
  written: Uint32Array
}

export interface SharingSummary {
  interval: number
  vcpus: VcpuSharing[]
}

/** Sort and deduplicate page numbers into the form a summary holds. */
export function pageSet(pages: Iterable<number>): Uint32Array {
  const out = Uint32Array.from(new Set(pages)).sort()
  return out
}

/** Collapse a sorted page set into (first, count) runs. */
export function toRuns(pages: Uint32Array): number[] {
  const runs: number[] = []
  for (let i = 0; i < pages.length;) {
    let j = i + 1
    while (j < pages.length && pages[j] === pages[j - 1] + 1) j++
    runs.push(pages[i], j - i)
    i = j
  }
  return runs
}

function fromRuns(raw: Buffer, what: string): Uint32Array {
  let total = 0
  for (let p = 4; p < raw.length; p += 8) total += raw.readUInt32LE(p)
  if (total > 1 << 28) throw damaged(`${what} is corrupt (${total} pages in one set)`)
  const out = new Uint32Array(total)
  let n = 0
  let next = 0
  for (let p = 0; p < raw.length; p += 8) {
    const first = raw.readUInt32LE(p)
    const count = raw.readUInt32LE(p + 4)
    if (count === 0 || first < next || first + count > 2 ** 32) throw damaged(`${what} is corrupt (page runs out of order)`)
    for (let i = 0; i < count; i++) out[n++] = first + i
    next = first + count + 1
  }
  return out
}

export function encodeSummary(summary: SharingSummary): Buffer {
  const runs = summary.vcpus.map((v) => ({read: toRuns(v.read), written: toRuns(v.written)}))
  const all = runs.flatMap((r) => [...r.read, ...r.written])
  const body = Buffer.alloc(all.length * 4)
  all.forEach((n, i) => body.writeUInt32LE(n, i * 4))
  return sealEnvelope(MAGIC.summary, {
    interval: summary.interval,
    vcpus: runs.map((r) => ({readRuns: r.read.length / 2, writeRuns: r.written.length / 2})),
  }, body)
}

export function decodeSummary(bytes: Buffer, what: string): SharingSummary {
  const {json, body} = openEnvelope(bytes, MAGIC.summary, what, 'sharing summary')
  const list = json.vcpus
  if (!Number.isSafeInteger(json.interval) || !Array.isArray(list)) throw damaged(`${what} is corrupt (interval or vcpus)`)
  let at = 0
  const take = (runs: unknown): Uint32Array => {
    if (!Number.isSafeInteger(runs) || (runs as number) < 0 || at + (runs as number) * 8 > body.length) throw damaged(`${what} is corrupt (run counts)`)
    at += (runs as number) * 8
    return fromRuns(body.subarray(at - (runs as number) * 8, at), what)
  }
  const vcpus = (list as {readRuns?: unknown; writeRuns?: unknown}[]).map((v) => ({read: take(v?.readRuns), written: take(v?.writeRuns)}))
  if (at !== body.length) throw damaged(`${what} is corrupt (stray bytes)`)
  return {interval: json.interval as number, vcpus}
}

function checkSet(pages: Uint32Array, what: string): void {
  for (let i = 1; i < pages.length; i++) {
    if (pages[i] <= pages[i - 1]) throw new ReseerError(`${what} is not sorted without repeats (use pageSet())`, {code: 'ELOGSUMMARY'})
  }
}

/** Write a summary atomically (the recorder calls this under its lock); returns the bytes written. */
export function writeSummaryFile(dir: string, summary: SharingSummary): number {
  summary.vcpus.forEach((v, i) => {
    checkSet(v.read, `summary of interval ${summary.interval}, vCPU ${i}, pages read`)
    checkSet(v.written, `summary of interval ${summary.interval}, vCPU ${i}, pages written`)
  })
  const bytes = encodeSummary(summary)
  writeFileAtomic(join(dir, summaryFile(summary.interval)), bytes)
  return bytes.length
}

/** Read interval k's summary, or undefined when the recorder wrote none. */
export function readSummaryFile(dir: string, interval: number): SharingSummary | undefined {
  return readIntervalFile(dir, summaryFile(interval), interval, decodeSummary)
}
