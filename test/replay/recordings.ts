// What the replay tests share: small recordings of the race guest (a CREW
// one on two harts, which replays without search, and a ReSeer one on one
// hart, whose search finds every interval at once), the console text the
// log holds, and a forger of a well-formed log whose page is wrong.
import {appendFileSync, readFileSync, statSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {encodeManifest} from '../../src/lib/log/checkpoint.js'
import {checkpointFile, packFile} from '../../src/lib/log/layout.js'
import {encodePackFrame} from '../../src/lib/log/pack.js'
import {LogReader} from '../../src/lib/log/reader.js'
import {type ReplayOptions, type ReplayReport, replayLog} from '../../src/lib/replay/replay-log.js'
import {readSymbols} from '../../src/lib/replay/symbols.js'
import {searchLog} from '../../src/lib/search/search-log.js'
import type {MachineOptions} from '../../src/lib/sim/machine.js'
import {elfOf} from '../guests/workload.js'
import {freshLogDir, loggedConsole, record, workload} from '../record/recording.js'

export {loggedConsole}

/** race with few increments: a short run that still races and prints its counter. */
export function race(extra: Partial<MachineOptions> = {}): MachineOptions {
  return workload('race', {memoryMiB: 16, cmdline: 'm=2000', ...extra})
}

export function checkpoints(logDir: string): number {
  const reader = LogReader.open(logDir)
  try {
    return reader.checkpointCount
  } finally {
    reader.close()
  }
}

/**
 * A CREW recording of race on two harts with at least `least` checkpoints.
 * Checkpoints follow the host's clock, so a busy host may give fewer; such a
 * recording is made again.
 */
export async function crewRace(least = 4): Promise<string> {
  let logDir = ''
  for (let attempt = 0; attempt < 5; attempt++) {
    logDir = freshLogDir('race')
    await record(race(), logDir, {interval: {ms: 5}, mode: 'crew'})
    if (checkpoints(logDir) >= least) return logDir
  }
  throw new Error(`no CREW recording of race with ${least} checkpoints in 5 attempts (last: ${logDir})`)
}

/** A ReSeer recording of race on one hart, every interval searched (one hart: no decision points). */
export async function searchedRace(least = 3): Promise<string> {
  let logDir = ''
  for (let attempt = 0; attempt < 5; attempt++) {
    logDir = freshLogDir('race1')
    await record(race({vcpus: 1}), logDir, {interval: {ms: 5}})
    if (checkpoints(logDir) >= least) break
  }
  const searched = await searchLog(logDir, {jobs: 1, clock: () => performance.now(), settings: {seed: 1, maxEvaluations: 50}})
  const missing = searched.filter((r) => !r.found).map((r) => r.interval)
  if (missing.length > 0) throw new Error(`search did not find intervals ${missing.join(', ')} of ${logDir}`)
  return logDir
}

/** Replay, collecting the console output it prints. */
export async function replayed(logDir: string, options: ReplayOptions = {}): Promise<{report: ReplayReport; console: string}> {
  const chunks: Buffer[] = []
  const report = await replayLog(logDir, {...options, onConsole: (bytes) => chunks.push(Buffer.from(bytes))})
  return {report, console: Buffer.concat(chunks).toString('latin1')}
}

export function consoleOf(logDir: string): string {
  const reader = LogReader.open(logDir)
  try {
    return loggedConsole(reader)
  } finally {
    reader.close()
  }
}

/** The address of the race guest's `counter`. */
export function counterAddress(): number {
  const symbol = readSymbols(elfOf('race')).get('counter')
  if (!symbol) throw new Error('race.elf has no symbol counter')
  return symbol.address
}

/** A page checkpoint k stores new content for, which interval k-1 dirtied: [page, content id]. */
export function newPageAt(logDir: string, k: number): [number, number] | undefined {
  const reader = LogReader.open(logDir)
  try {
    const m = reader.manifest(k)
    return [...m.pages].find(([, id]) => id >= m.firstContent)
  } finally {
    reader.close()
  }
}

/**
 * Store a different content for `page` at checkpoint k, one byte changed,
 * in a well-formed frame with the page's recorded hash: damage no checksum
 * can see (as a recorder that copied a page wrongly would leave), which only
 * comparing the replay with the checkpoint finds.
 */
export function forgePage(logDir: string, k: number, page: number, offset: number): {was: number; now: number} {
  const reader = LogReader.open(logDir)
  try {
    const m = reader.manifest(k)
    const id = m.pages.get(page)!
    const location = reader.contentLocations()[id - 1]
    const data = reader.content(id)
    const was = data[offset]
    data[offset] = was ^ 0x5a
    const frame = encodePackFrame(data, location.hash)
    const pack = join(logDir, packFile(location.pack))
    const at = statSync(pack).size
    appendFileSync(pack, frame)
    m.contents[id - m.firstContent] = {...location, offset: at, frameBytes: frame.length}
    writeFileSync(join(logDir, checkpointFile(k)), encodeManifest(m))
    return {was, now: data[offset]}
  } finally {
    reader.close()
  }
}

/** Flip one byte inside the stored frame of content `id`: the frame's checksum no longer holds. */
export function damageFrame(logDir: string, id: number): {file: string; offset: number} {
  const reader = LogReader.open(logDir)
  try {
    const location = reader.contentLocations()[id - 1]
    const file = join(logDir, packFile(location.pack))
    const bytes = readFileSync(file)
    bytes[location.offset + 40] ^= 0xff
    writeFileSync(file, bytes)
    return {file: packFile(location.pack), offset: location.offset}
  } finally {
    reader.close()
  }
}
